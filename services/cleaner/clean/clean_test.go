package clean

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/pages")

// contentText returns the text of the cleaned page's content, one line per block
// with a blank line between blocks, figure captions left out.
func contentText(t testing.TB, content string) string {
	t.Helper()
	body := htmlparse.Body(content)
	var blocks []string
	var cur strings.Builder
	flush := func() {
		if s := strings.Join(strings.Fields(cur.String()), " "); s != "" {
			blocks = append(blocks, s)
		}
		cur.Reset()
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type == html.TextNode:
				cur.WriteString(c.Data)
			case c.Type != html.ElementNode || c.DataAtom == atom.Figcaption:
			case htmlparse.Block(c.DataAtom):
				flush()
				walk(c)
				flush()
			default:
				walk(c)
			}
		}
	}
	walk(body)
	flush()
	return strings.Join(blocks, "\n\n")
}

func readPage(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "pages", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGolden cleans every sample page and compares the content's text with
// testdata/pages/<name>.golden (go test -run TestGolden -update rewrites them).
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no sample pages: %v", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, err := Clean(readPage(t, name), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := contentText(t, res.Content) + "\n"
			golden := strings.TrimSuffix(f, ".html") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("content of %s changed:\n--- got\n%s\n--- want\n%s", name, got, want)
			}
		})
	}
}

// TestAggregatorChrome: a wire story republished in WordPress chrome keeps every
// paragraph and none of the widget, share bar, comment form, captcha or AMP
// switcher lines.
func TestAggregatorChrome(t *testing.T) {
	res, err := Clean(readPage(t, "aggregator-wire.html"), Options{URL: "https://digest-hub.example/2026/03/harbour-cranes-idle/"})
	if err != nil {
		t.Fatal(err)
	}
	text := contentText(t, res.Content)
	paragraphs := []string{
		"ROTTERDAM (Wire) — Container cranes stood still across the port on Wednesday",
		"The stoppage began at six in the morning and is due to last forty-eight hours.",
		"Port authorities estimated that about forty vessels would be delayed",
		"“We did not choose this lightly,” said Ilse Verhoeven",
		"The terminal operators said in a joint statement that their latest offer",
		"Shipping lines warned customers that goods bound for inland distribution centres",
	}
	for _, p := range paragraphs {
		if !strings.Contains(text, p) {
			t.Errorf("story paragraph missing: %q\nin:\n%s", p, text)
		}
	}
	if n := len(strings.Split(text, "\n\n")); n != len(paragraphs) {
		t.Errorf("got %d blocks, want the %d story paragraphs:\n%s", n, len(paragraphs), text)
	}
	for _, junk := range []string{"Recommended Stories", "list of 3 items", "end of list", "Share.", "Leave A Reply",
		"12 + 8", "Math Captcha", "Exit mobile version", "Skip to content", "Recent Posts", "Harbour cranes idle",
		"Rail freight volumes", "Post Comment", "Tagged"} {
		if strings.Contains(text, junk) {
			t.Errorf("boilerplate %q kept:\n%s", junk, text)
		}
	}
	if !strings.HasPrefix(res.Head.Title, "Harbour cranes idle as port workers strike over pay") ||
		len(res.Head.JSONLD) == 0 || res.Head.Lang != "en-US" {
		t.Errorf("metadata missing from the cleaned head: %+v", res.Head)
	}
}

func TestAdBreaksKeepBody(t *testing.T) {
	res, err := Clean(readPage(t, "ad-breaks.html"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := contentText(t, res.Content)
	for _, p := range []string{"The town council voted seven to two", "Work on the first section",
		"Councillors who opposed the plan", "How the money will be spent", "The scheme will cost 2.4 million",
		"A public consultation on the design", "The council will review the first section"} {
		if !strings.Contains(text, p) {
			t.Errorf("missing %q after an ad break:\n%s", p, text)
		}
	}
	for _, junk := range []string{"Advertisement", "Story continues below", "Sign up", "Bus timetable", "Most read",
		"By Priya", "Updated 12 May"} {
		if strings.Contains(text, junk) {
			t.Errorf("kept %q:\n%s", junk, text)
		}
	}
}

func TestLegacyCharsets(t *testing.T) {
	cases := []struct {
		file, charset, want string
	}{
		{"windows-1251.html", "windows-1251", "В субботу на городской набережной открылся ежегодный зимний фестиваль."},
		{"shift_jis.html", "shift_jis", "市立中央図書館は、来月から平日の開館時間を午後九時まで延長する試みを始めると発表した。"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			res, err := Clean(readPage(t, c.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Charset != c.charset {
				t.Errorf("charset %q, want %q", res.Charset, c.charset)
			}
			if text := contentText(t, res.Content); !strings.Contains(text, c.want) {
				t.Errorf("decoded text lacks %q:\n%s", c.want, text)
			}
		})
	}
}

func TestDecode(t *testing.T) {
	cp1252 := []byte("<p>caf\xe9 cr\xe8me</p>")
	cases := []struct {
		name        string
		raw         []byte
		contentType string
		charset     string
		want        string
	}{
		{"utf-8 by default", []byte("<p>naïve</p>"), "", "utf-8", "naïve"},
		{"utf-8 bom", append([]byte("\xef\xbb\xbf"), "<p>naïve</p>"...), "", "utf-8", "naïve"},
		{"header charset", cp1252, "text/html; charset=windows-1252", "windows-1252", "café crème"},
		{"invalid utf-8 falls back to windows-1252", cp1252, "", "windows-1252", "café crème"},
		{"meta after the first kilobyte", append(append([]byte("<html><head><!--"), bytes.Repeat([]byte("x"), 2000)...),
			"--><meta charset=\"iso-8859-1\"></head><body><p>caf\xe9</p>"...), "", "windows-1252", "café"},
		{"utf-8 bytes under a legacy declaration", []byte(`<meta charset="windows-1251"><p>naïve</p>`), "", "utf-8", "naïve"},
		{"utf-16 bom", []byte("\xff\xfe<\x00p\x00>\x00h\x00i\x00"), "", "utf-16le", "hi"},
		{"utf-16 declared in ascii", []byte(`<meta charset="utf-16"><p>plain ascii</p>`), "", "utf-8", "plain ascii"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text, cs, _, err := decode(c.raw, c.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if cs != c.charset || !strings.Contains(string(text), c.want) {
				t.Errorf("decode = %q, %q; want charset %q and text with %q", text, cs, c.charset, c.want)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name string
		raw  []byte
		want error
	}{
		{"nil", nil, ErrEmpty},
		{"whitespace", []byte(" \n\t "), ErrEmpty},
		{"no text", []byte("<html><body><div><script>var a=1</script></div></body></html>"), ErrEmpty},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ErrNotHTML},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3"), ErrNotHTML},
		{"nul bytes", []byte("abc\x00\x01\x02\x03def"), ErrNotHTML},
		{"control bytes", bytes.Repeat([]byte{0x01, 0x02, 0x1b, 'a'}, 100), ErrNotHTML},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := Clean(c.raw, Options{})
			if !errors.Is(err, c.want) {
				t.Errorf("Clean = %v, %v; want %v", res, err, c.want)
			}
		})
	}
}

func TestTooLarge(t *testing.T) {
	raw := make([]byte, MaxInput+1)
	if _, err := Clean(raw, Options{}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("got %v, want ErrTooLarge", err)
	}
}

func TestInvalidUTF8GivesValidOutput(t *testing.T) {
	raw := []byte("<html><body><article><p>Broken \xff\xfe bytes in a paragraph that is long enough to be the content of the page.</p></article></body></html>")
	res, err := Clean(raw, Options{ContentType: "text/html; charset=utf-8"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Content, "Broken \ufffd bytes") {
		t.Errorf("invalid bytes not replaced:\n%s", res.Content)
	}
}

// TestPathological: deep nesting, a huge text node and a large page end in a
// result, not a crash or a stall.
func TestPathological(t *testing.T) {
	para := "<p>" + strings.Repeat("A sentence of prose that goes on. ", 20) + "</p>"
	cases := []struct {
		name  string
		raw   func() []byte
		short bool
		want  string // in the content
	}{
		{"100000 nested divs", func() []byte {
			return []byte(strings.Repeat("<div>", 100000) + para + strings.Repeat("</div>", 100000))
		}, true, "A sentence of prose"},
		{"100000 unclosed inline elements", func() []byte {
			return []byte(strings.Repeat("<b><i>", 50000) + para)
		}, true, "A sentence of prose"},
		{"10 MB text node", func() []byte {
			return []byte("<html><body><p>" + strings.Repeat("word ", 2<<20) + "</p></body></html>")
		}, true, "word word"},
		{"50 MB page", func() []byte {
			return []byte("<html><body>" + strings.Repeat("<div class=\"x\">"+para+"</div>", 50<<20/(len(para)+22)) + "</body></html>")
		}, false, "A sentence of prose"},
		{"unterminated markup", func() []byte {
			return []byte("<html><body><p>text here <a href=\"" + strings.Repeat("x", 1<<20))
		}, true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.short && testing.Short() {
				t.Skip("large input skipped in -short")
			}
			res, err := Clean(c.raw(), Options{})
			if err != nil && !errors.Is(err, ErrEmpty) {
				t.Fatalf("unexpected error %v", err)
			}
			if err == nil && !strings.Contains(res.Content, c.want) {
				t.Errorf("content lacks %q", c.want)
			}
		})
	}
}

// TestParserText checks that the page parser sees the same text as
// golang.org/x/net/html.Parse on the sample pages (htmlparse's tests cover
// malformed markup).
func TestParserText(t *testing.T) {
	docs := map[string]string{}
	files, _ := filepath.Glob(filepath.Join("testdata", "pages", "*.html"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text, _, _, err := decode(raw, "")
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = string(text)
	}
	for name, src := range docs {
		t.Run(name, func(t *testing.T) {
			ref, err := html.Parse(strings.NewReader(src))
			if err != nil {
				t.Fatal(err)
			}
			got, want := visibleText(htmlparse.Document(src)), visibleText(ref)
			if got != want {
				t.Errorf("text differs\n got: %q\nwant: %q", got, want)
			}
		})
	}
}

// visibleText is the text of the body outside raw-text and foreign elements,
// whitespace collapsed (text nodes joined as a browser shows them).
func visibleText(doc *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			sb.WriteString(n.Data)
		}
		if n.Type == html.ElementNode {
			switch n.DataAtom {
			case atom.Script, atom.Style, atom.Noscript, atom.Head, atom.Svg, atom.Math:
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(findBody(doc))
	return strings.Join(strings.Fields(sb.String()), " ")
}

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", "<p>x</p>", "<html><body><article><h1>T</h1><p>Body text that is long enough.</p></article></body></html>",
		"<div><div><p>a<table><tr><td>b</table>", "<script>x</script><p>y", "\xef\xbb\xbf<p>bom</p>",
		"<meta charset=shift_jis><p>\x82\xa0</p>", "<svg><p>in svg</svg>", "<!--", "</", "<a href='",
		"<article><h1>T</h1><div><img src=a.jpg width=600><div>Photo credit</div><p>Body paragraph long enough to count as prose here.</p></div></article>",
		"<div><figure><img src=b.jpg></figure><p>caption-like short</p><article>x</article><article><h1>h</h1>y</article></div>",
	} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte("<p>caf\xe9</p>"), "text/html; charset=iso-8859-1")
	f.Fuzz(func(t *testing.T, raw []byte, contentType string) {
		res, err := Clean(raw, Options{ContentType: contentType})
		if err != nil {
			if !errors.Is(err, ErrEmpty) && !errors.Is(err, ErrNotHTML) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		res.ID, res.RawID = "c", "r"
		data, err := schema.Encode(res)
		if err != nil {
			t.Fatalf("cleaned page does not encode: %v", err)
		}
		back, err := schema.DecodeCleanedPage(data)
		if err != nil {
			t.Fatalf("cleaned page does not decode: %v", err)
		}
		if !utf8.Valid(data) || back.Content != res.Content || len(back.Candidates) != len(res.Candidates) {
			t.Fatalf("round trip changed the page: %s", data)
		}
	})
}

// TestCleanHandOver: a page handed over gives the same result as one copied, and a
// page not handed over may be changed afterwards without changing the result.
func TestCleanHandOver(t *testing.T) {
	page := `<html lang="en"><head><title>Harbour wall approved</title><meta name="author" content="Ann Reporter"></head>` +
		`<body><article><h1>Harbour wall approved</h1><p>` + strings.Repeat("The council approved the new harbour wall on Tuesday. ", 6) + `</p></article></body></html>`
	copied := []byte(page)
	want, err := Clean(copied, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Clean([]byte(page), Options{HandOver: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("handed over: %+v\ncopied: %+v", got, want)
	}
	title, content := want.Head.Title, want.Content
	for i := range copied {
		copied[i] = 'x'
	}
	if want.Head.Title != title || want.Content != content || title != "Harbour wall approved" {
		t.Errorf("changing raw after Clean changed the result: title %q, content %q", want.Head.Title, want.Content)
	}
}
