-- Chinese, Japanese and Korean text is not split into words by unicode61 (a run of ideographs or kana is one
-- token), so words inside a run cannot be found in articles_fts. articles_cjk indexes the current title and body of
-- the articles that have a CJK character by trigrams, for substring search; other articles have no row.
-- rowid = articles.seq.
CREATE VIRTUAL TABLE articles_cjk USING fts5 (title, body, tokenize = 'trigram');

-- Existing articles: the GLOB class is store.cjkRanges (1100-11FF, 2E80-2FDF, 3005-3007, 3040-30FF, 3130-318F,
-- 31F0-31FF, 3400-4DBF, 4E00-9FFF, A960-A97F, AC00-D7FF, F900-FAFF, FF66-FFDC, 20000-3FFFF).
INSERT INTO articles_cjk (rowid, title, body)
	SELECT rowid, title, body FROM articles_fts
	WHERE title GLOB '*[ᄀ-ᇿ⺀-⿟々-〇぀-ヿ㄰-㆏ㇰ-ㇿ㐀-䶿一-鿿ꥠ-꥿가-퟿豈-﫿ｦ-ￜ𠀀-𿿿]*' OR body GLOB '*[ᄀ-ᇿ⺀-⿟々-〇぀-ヿ㄰-㆏ㇰ-ㇿ㐀-䶿一-鿿ꥠ-꥿가-퟿豈-﫿ｦ-ￜ𠀀-𿿿]*';
