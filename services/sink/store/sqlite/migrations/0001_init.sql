-- Articles: one row per article, pointing at its current version. Times are unix microseconds (UTC).
CREATE TABLE articles (
	seq                  INTEGER PRIMARY KEY,
	id                   TEXT    NOT NULL UNIQUE,
	canonical_url        TEXT    NOT NULL,
	site                 TEXT    NOT NULL,
	language             TEXT    NOT NULL,
	authors              TEXT    NOT NULL, -- JSON array of lower-cased author names
	sort_at              INTEGER NOT NULL, -- published, else fetched
	version              INTEGER NOT NULL,
	versions             INTEGER NOT NULL,
	current_fetched_at   INTEGER NOT NULL,
	current_extracted_at INTEGER NOT NULL,
	first_seen           INTEGER NOT NULL,
	updated_at           INTEGER NOT NULL
) STRICT;

CREATE INDEX articles_by_time     ON articles (sort_at DESC, id DESC);
CREATE INDEX articles_by_site     ON articles (site, sort_at DESC, id DESC);
CREATE INDEX articles_by_language ON articles (language, sort_at DESC, id DESC);

-- Every version of every article; a content hash is stored once per article.
CREATE TABLE versions (
	article_id   TEXT    NOT NULL REFERENCES articles (id),
	number       INTEGER NOT NULL,
	content_hash TEXT    NOT NULL,
	fetched_at   INTEGER NOT NULL,
	extracted_at INTEGER NOT NULL,
	stored_at    INTEGER NOT NULL,
	doc          TEXT    NOT NULL, -- the full Article JSON
	PRIMARY KEY (article_id, number),
	UNIQUE (article_id, content_hash)
) STRICT;

-- Full text of each article's current version; rowid = articles.seq.
CREATE VIRTUAL TABLE articles_fts USING fts5 (title, body, tokenize = 'porter unicode61 remove_diacritics 2');
