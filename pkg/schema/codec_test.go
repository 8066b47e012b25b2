package schema

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGoldenV1 decodes every v1 golden file. These files are never edited: a change that
// breaks one of them breaks readers in the field.
func TestGoldenV1(t *testing.T) {
	t.Run("fetch_request", func(t *testing.T) {
		m, err := DecodeFetchRequest(readGolden(t, "fetch_request.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Kind != KindArticle || m.Source != "https://news.example.com/feed.xml" || m.RequestedAt.IsZero() {
			t.Errorf("decoded %+v", m)
		}
	})
	t.Run("raw_page", func(t *testing.T) {
		m, err := DecodeRawPage(readGolden(t, "raw_page.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		body, err := m.PlainBody()
		if err != nil {
			t.Fatal(err)
		}
		// The body is windows-1251: "Привет" is bytes CF F0 E8 E2 E5 F2, kept as they are.
		if !bytes.Contains(body, []byte{0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2}) {
			t.Errorf("body bytes changed: % x", body)
		}
		if got := ContentHash(body); got != m.ContentHash || int64(len(body)) != m.BodySize {
			t.Errorf("hash %s size %d, golden says %s %d", got, len(body), m.ContentHash, m.BodySize)
		}
		if m.PageURL() != m.FinalURL {
			t.Errorf("PageURL = %q", m.PageURL())
		}
	})
	t.Run("raw_page_ref", func(t *testing.T) {
		m, err := DecodeRawPage(readGolden(t, "raw_page_ref.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		if m.BodyRef == nil || m.BodyRef.Bucket != PageBucket {
			t.Fatalf("body_ref = %+v", m.BodyRef)
		}
		if _, err := m.PlainBody(); !errors.Is(err, ErrInvalid) {
			t.Errorf("PlainBody of a reference: %v, want ErrInvalid", err)
		}
	})
	t.Run("cleaned_page", func(t *testing.T) {
		m, err := DecodeCleanedPage(readGolden(t, "cleaned_page.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Schema != CleanedPageV1 || m.Charset != "windows-1251" || m.CharsetSource != "" || !strings.Contains(m.V1HTML, "Привет") {
			t.Errorf("decoded %+v", m)
		}
	})
	t.Run("cleaned_page_detected", func(t *testing.T) {
		m, err := DecodeCleanedPage(readGolden(t, "cleaned_page_detected.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Charset != "koi8-r" || m.CharsetSource != CharsetFromDetected {
			t.Errorf("decoded %+v", m)
		}
	})
	t.Run("article", func(t *testing.T) {
		m, err := DecodeArticle(readGolden(t, "article.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, off := m.PublishedAt.Zone(); off != 2*3600 {
			t.Errorf("published_at offset %d, want +02:00 kept", off)
		}
		if len(m.Authors) != 2 || m.LeadImage == nil || m.Lineage.RawID == "" {
			t.Errorf("decoded %+v", m)
		}
	})
	t.Run("dead_letter", func(t *testing.T) {
		m, err := DecodeDeadLetter(readGolden(t, "dead_letter.v1.json"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Reason != ReasonUnknownVersion || string(m.Payload) != `{"schema":"newsjet.raw_page.v9"}` {
			t.Errorf("decoded %+v", m)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		want error
	}{
		{"not json", `<html>`, ErrMalformed},
		{"truncated", `{"schema":"newsjet.article.v1"`, ErrMalformed},
		{"no schema", `{"id":"x"}`, ErrMalformed},
		{"array", `[1,2]`, ErrMalformed},
		{"unknown version", `{"schema":"newsjet.article.v2","id":"x"}`, ErrUnknownVersion},
		{"wrong type", `{"schema":"newsjet.raw_page.v1"}`, ErrWrongType},
		{"missing id", `{"schema":"newsjet.article.v1","content_hash":"h","extracted_at":"2024-01-01T00:00:00Z"}`, ErrInvalid},
		{"bad time", `{"schema":"newsjet.article.v1","id":"x","content_hash":"h","extracted_at":"yesterday"}`, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeArticle([]byte(tt.data))
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeArticle(%s) = %v, want %v", tt.data, err, tt.want)
			}
		})
	}
}

func TestUnknownFieldsIgnored(t *testing.T) {
	data := `{"schema":"newsjet.fetch_request.v1","id":"x","kind":"feed","url":"https://e.com/f","shiny_new_field":{"a":1}}`
	m, err := DecodeFetchRequest([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != KindFeed {
		t.Errorf("kind = %q", m.Kind)
	}
}

func TestEncodeSetsSchemaAndValidates(t *testing.T) {
	req := &FetchRequest{Kind: KindArticle, URL: "https://e.com/a", ID: FetchRequestID(KindArticle, "https://e.com/a")}
	b, err := Encode(req)
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := PeekSchema(b); name != FetchRequestV1 {
		t.Errorf("schema = %q", name)
	}
	back, err := DecodeFetchRequest(b)
	if err != nil || back.URL != req.URL {
		t.Fatalf("round trip: %+v, %v", back, err)
	}
	if _, err := Encode(&FetchRequest{Kind: "podcast", URL: "https://e.com/a", ID: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad kind encoded: %v", err)
	}
	if _, err := Encode(&RawPage{ID: "x", ContentHash: "h"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("raw page without body encoded: %v", err)
	}
}

func TestArticleTimesKeepOffset(t *testing.T) {
	loc := time.FixedZone("", -5*3600)
	pub := time.Date(2024, 3, 10, 8, 15, 0, 0, loc)
	a := &Article{ID: "a", ContentHash: "h", ExtractedAt: time.Now(), PublishedAt: &pub}
	b, err := Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"published_at":"2024-03-10T08:15:00-05:00"`)) {
		t.Errorf("offset lost: %s", b)
	}
	if bytes.Contains(b, []byte(`"modified_at"`)) {
		t.Errorf("absent modified_at encoded: %s", b)
	}
}

// Bare pages in legacy charsets: the bytes must reach the cleaner unchanged, through a
// JSON round trip too.
func TestDecodeRawPageMessageBare(t *testing.T) {
	pages := map[string][]byte{
		// "Новости" in windows-1251.
		"windows-1251": append([]byte(`<html><head><meta charset="windows-1251"></head><body><p>`),
			0xcd, 0xee, 0xe2, 0xee, 0xf1, 0xf2, 0xe8, '<', '/', 'p', '>'),
		// "ニュース" in Shift_JIS.
		"shift_jis": append([]byte(`<html><head><meta charset="Shift_JIS"></head><body><p>`),
			0x83, 0x6a, 0x83, 0x85, 0x81, 0x5b, 0x83, 0x58, '<', '/', 'p', '>'),
	}
	received := time.Date(2024, 5, 1, 9, 0, 0, 0, time.UTC)
	for cs, body := range pages {
		t.Run(cs, func(t *testing.T) {
			h := map[string][]string{
				HeaderContentType: {"text/html; charset=" + cs},
				HeaderURL:         {"https://news.example.com/a"},
			}
			page, err := DecodeRawPageMessage(h, body, received)
			if err != nil {
				t.Fatal(err)
			}
			if page.URL != "https://news.example.com/a" || page.ContentHash != ContentHash(body) ||
				page.ID != RawPageID(page.URL, page.ContentHash) || !page.FetchedAt.Equal(received) {
				t.Errorf("page = %+v", page)
			}
			enc, err := Encode(page)
			if err != nil {
				t.Fatal(err)
			}
			back, err := DecodeRawPageMessage(nil, enc, received)
			if err != nil {
				t.Fatal(err)
			}
			got, err := back.PlainBody()
			if err != nil || !bytes.Equal(got, body) {
				t.Fatalf("bytes changed in transit: % x (%v)", got, err)
			}
		})
	}
}

func TestDecodeRawPageMessageForms(t *testing.T) {
	now := time.Now()
	html := []byte("<!doctype html><p>hello</p>")

	t.Run("bare without headers", func(t *testing.T) {
		page, err := DecodeRawPageMessage(nil, html, now)
		if err != nil || page.URL != "" || !bytes.Equal(page.Body, html) {
			t.Fatalf("%+v %v", page, err)
		}
	})
	t.Run("json detected by first byte", func(t *testing.T) {
		_, err := DecodeRawPageMessage(nil, []byte(` {"schema":"newsjet.raw_page.v7"}`), now)
		if !errors.Is(err, ErrUnknownVersion) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("json by header", func(t *testing.T) {
		_, err := DecodeRawPageMessage(map[string][]string{HeaderSchema: {RawPageV1}}, []byte("not json"), now)
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("html content type wins over a brace", func(t *testing.T) {
		body := []byte("{not json, but the user says html}")
		page, err := DecodeRawPageMessage(map[string][]string{"content-type": {"text/html"}}, body, now)
		if err != nil || !bytes.Equal(page.Body, body) {
			t.Fatalf("%+v %v", page, err)
		}
	})
	t.Run("gzip", func(t *testing.T) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(html)
		zw.Close()
		page, err := DecodeRawPageMessage(map[string][]string{HeaderContentEncoding: {"gzip"}}, buf.Bytes(), now)
		if err != nil {
			t.Fatal(err)
		}
		plain, err := page.PlainBody()
		if err != nil || !bytes.Equal(plain, html) || page.ContentHash != ContentHash(html) || page.BodySize != int64(len(html)) {
			t.Fatalf("%+v %v", page, err)
		}
	})
	t.Run("gzip garbage", func(t *testing.T) {
		_, err := DecodeRawPageMessage(map[string][]string{HeaderContentEncoding: {"gzip"}}, html, now)
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("empty body", func(t *testing.T) {
		_, err := DecodeRawPageMessage(nil, nil, now)
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestGzipBombRefused(t *testing.T) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write(make([]byte, 3<<20))
	zw.Close()
	// The bare-page path uses MaxBareGzipSize; a smaller limit keeps the test quick.
	_, err := gunzip(buf.Bytes(), 1<<20, ErrInvalid, "gzip body")
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "inflates") {
		t.Fatalf("err = %v", err)
	}
	if plain, err := gunzip(buf.Bytes(), 3<<20, ErrInvalid, "gzip body"); err != nil || len(plain) != 3<<20 {
		t.Fatalf("within the limit: %d bytes, %v", len(plain), err)
	}
}

func TestEncodeKeepsMarkupUnescaped(t *testing.T) {
	a := &Article{ID: "a", ContentHash: "h", ExtractedAt: time.Now(), BodyHTML: "<p>Fish & chips</p>"}
	b, err := Encode(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(`"body_html":"<p>Fish & chips</p>"`)) {
		t.Errorf("markup escaped: %s", b)
	}
	back, err := DecodeArticle(b)
	if err != nil || back.BodyHTML != a.BodyHTML {
		t.Fatalf("round trip: %q, %v", back.BodyHTML, err)
	}
}

func TestBarePageURLMustBeHTTP(t *testing.T) {
	for _, u := range []string{"not-a-url", "ftp://example.com/x", "/relative/path"} {
		_, err := DecodeRawPageMessage(map[string][]string{HeaderURL: {u}}, []byte("<p>x</p>"), time.Now())
		if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "page url") {
			t.Errorf("Newsjet-Url %q: err = %v, want ErrInvalid naming the page url", u, err)
		}
	}
}

// TestGoldenV2 decodes the v2 golden file of every type that has a v2.
func TestGoldenV2(t *testing.T) {
	t.Run("cleaned_page", func(t *testing.T) {
		m, err := DecodeCleanedPage(readGolden(t, "cleaned_page.v2.json"))
		if err != nil {
			t.Fatal(err)
		}
		if m.Schema != CleanedPageV2 || m.V1HTML != "" || m.Head.Lang != "ru" || len(m.Head.JSONLD) != 1 ||
			len(m.Headlines) != 1 || m.Headlines[0].Region != RegionArticle || len(m.Candidates) != 3 ||
			m.Candidates[1].Depth != 1 || m.Candidates[1].Rel != "author" || !strings.Contains(m.Content, "<figcaption>") {
			t.Errorf("decoded %+v", m)
		}
	})
}

func TestCleanedPageRoundTrip(t *testing.T) {
	m, err := DecodeCleanedPage(readGolden(t, "cleaned_page.v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	back, err := DecodeCleanedPage(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Errorf("round trip changed the page:\n%+v\n%+v", back, m)
	}
	if !bytes.Contains(b, []byte(`"json_ld":[{"@context":"https://schema.org","@type":"NewsArticle"`)) {
		t.Errorf("JSON-LD not carried as JSON: %s", b)
	}
}

func TestCleanedPageVersions(t *testing.T) {
	_, err := DecodeCleanedPage([]byte(`{"schema":"newsjet.cleaned_page.v3","id":"x","raw_id":"r"}`))
	if !errors.Is(err, ErrUnknownVersion) || !strings.Contains(err.Error(), "newsjet.cleaned_page.v1, newsjet.cleaned_page.v2") {
		t.Errorf("v3: %v", err)
	}
	page := &CleanedPage{ID: "c", RawID: "r", Candidates: []Candidate{{Tag: "div"}, {Tag: "a", Depth: 2}}}
	if _, err := Encode(page); !errors.Is(err, ErrInvalid) {
		t.Errorf("a candidate two levels below its parent encoded: %v", err)
	}
	page.Candidates[1].Depth = 1
	b, err := Encode(page)
	if err != nil {
		t.Fatal(err)
	}
	if name, _ := PeekSchema(b); name != CleanedPageV2 || bytes.Contains(b, []byte("V1HTML")) {
		t.Errorf("encoded %s", b)
	}
}

func TestAddJSONLD(t *testing.T) {
	var h PageHead
	for _, raw := range []string{
		"<!-- {\"a\": 1} -->", "{\"headline\": \"two\nlines\"};", "  ", "{\"datePublished\": \"2024-05-01\", broken",
	} {
		h.AddJSONLD(raw)
	}
	if len(h.JSONLD) != 2 || string(h.JSONLD[0]) != `{"a":1}` || string(h.JSONLD[1]) != `{"headline":"two lines"}` {
		t.Errorf("JSON-LD %q", h.JSONLD)
	}
	if len(h.JSONLDText) != 1 || !strings.Contains(h.JSONLDText[0], `"datePublished": "2024-05-01"`) {
		t.Errorf("invalid blocks %q", h.JSONLDText)
	}
}

// An empty raw page is an empty page (the cleaner dead-letters it as unprocessable),
// told apart from a page missing a field by ErrEmptyBody, in both forms of the raw
// subject.
func TestEmptyRawPage(t *testing.T) {
	now := time.Now()
	for name, data := range map[string][]byte{
		"bare":      nil,
		"raw page":  []byte(`{"schema":"newsjet.raw_page.v1","id":"x","content_hash":"h","body_size":0,"fetched_at":"2024-05-01T09:31:02Z"}`),
		"empty b64": []byte(`{"schema":"newsjet.raw_page.v1","id":"x","content_hash":"h","body":"","fetched_at":"2024-05-01T09:31:02Z"}`),
	} {
		_, err := DecodeRawPageMessage(nil, data, now)
		if !errors.Is(err, ErrEmptyBody) || !errors.Is(err, ErrInvalid) || strings.Contains(err.Error(), "exactly one") {
			t.Errorf("%s: %v, want ErrEmptyBody (an ErrInvalid) saying the page is empty", name, err)
		}
	}
	both := &RawPage{ID: "x", ContentHash: "h", Body: []byte("<p>a</p>"), BodyRef: &ObjectRef{Bucket: "b", Name: "n"}}
	if err := both.Validate(); !errors.Is(err, ErrInvalid) || errors.Is(err, ErrEmptyBody) {
		t.Errorf("body and body_ref: %v, want ErrInvalid only", err)
	}
}

// A payload that is not JSON is named in the error by its first bytes, quoted: raw
// binary never reaches a log line or a dead letter's error text.
func TestMalformedErrorQuotesPayload(t *testing.T) {
	junk := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xfe"), make([]byte, 4096)...)
	for name, decode := range map[string]func([]byte) error{
		"fetch request": func(b []byte) error { _, err := DecodeFetchRequest(b); return err },
		"article":       func(b []byte) error { _, err := DecodeArticle(b); return err },
		"peek":          func(b []byte) error { _, err := PeekSchema(b); return err },
	} {
		err := decode(junk)
		if !errors.Is(err, ErrMalformed) {
			t.Fatalf("%s: %v, want ErrMalformed", name, err)
		}
		msg := err.Error()
		if !utf8.ValidString(msg) || len(msg) > 200 || !strings.Contains(msg, `\x89PNG`) {
			t.Errorf("%s: error %q: want valid UTF-8 under 200 bytes quoting the payload's start", name, msg)
		}
		for _, r := range msg {
			if !unicode.IsPrint(r) {
				t.Errorf("%s: error holds the unprintable %U: %q", name, r, msg)
				break
			}
		}
	}
	if _, err := DecodeFetchRequest([]byte(`{"schema":"newsjet.fetch_request.v1",`)); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), `{\"schema\"`) {
		t.Errorf("truncated JSON: %v", err)
	}
}
