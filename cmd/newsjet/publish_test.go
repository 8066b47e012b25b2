package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

const testPage = `<!DOCTYPE html><html><head><title>A test page</title></head><body><p>Hello.</p></body></html>`

func writeFile(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPublishFilesAndURLs(t *testing.T) {
	ns, js := testServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	plain := writeFile(t, "page.html", []byte(testPage))
	gz := writeFile(t, "page2.html.gz", gzipped(t, []byte(testPage+"<!-- two -->")))

	code, out, errOut := runCLI(ctx, t, "publish", "--nats-url", ns.ClientURL(), plain, gz, "https://news.example.com/a/1")
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := decodeLines[published](t, out)
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), out)
	}
	for i, want := range []struct{ schema, stream, subject string }{
		{schema.RawPageV1, schema.RawStream.Name, "news.raw.unknown"},
		{schema.RawPageV1, schema.RawStream.Name, "news.raw.unknown"},
		{schema.FetchRequestV1, schema.FetchStream.Name, "news.fetch.news_example_com"},
	} {
		l := lines[i]
		if l.Schema != want.schema || l.Stream != want.stream || l.Subject != want.subject || l.Seq == 0 || l.Duplicate {
			t.Errorf("line %d = %+v, want schema %s stream %s subject %s", i, l, want.schema, want.stream, want.subject)
		}
	}

	// Each message decodes back to the page it was made from.
	for i, want := range [][]byte{[]byte(testPage), []byte(testPage + "<!-- two -->")} {
		m, err := js.Stream(ctx, schema.RawStream.Name)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := m.GetMsg(ctx, lines[i].Seq)
		if err != nil {
			t.Fatal(err)
		}
		p, err := schema.DecodeRawPageMessage(raw.Header, raw.Data, raw.Time)
		if err != nil {
			t.Fatal(err)
		}
		if got := raw.Header.Get(schema.HeaderMsgID); got != publishMsgID(p) {
			t.Errorf("page %d: Nats-Msg-Id %q, want %q", i, got, publishMsgID(p))
		}
		body, err := p.PlainBody()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(body, want) || p.ContentHash != schema.ContentHash(want) || p.ID != lines[i].ID {
			t.Errorf("page %d: body %q hash %s id %s", i, body, p.ContentHash, p.ID)
		}
		// A file published without --url carries no URL: never its path.
		if p.URL != "" || p.FinalURL != "" || bytes.Contains(raw.Data, []byte(filepath.Dir(plain))) {
			t.Errorf("page %d: url %q; the message holds the file's directory: %v", i, p.URL, bytes.Contains(raw.Data, []byte(filepath.Dir(plain))))
		}
	}
	fetch, err := js.Stream(ctx, schema.FetchStream.Name)
	if err != nil {
		t.Fatal(err)
	}
	fm, err := fetch.GetMsg(ctx, lines[2].Seq)
	if err != nil {
		t.Fatal(err)
	}
	req, err := schema.DecodeFetchRequest(fm.Data)
	if err != nil {
		t.Fatal(err)
	}
	if req.URL != "https://news.example.com/a/1" || req.Kind != schema.KindArticle || req.ID != schema.FetchRequestID(schema.KindArticle, req.URL) {
		t.Errorf("fetch request = %+v", req)
	}

	// Publishing the same page again is a new delivery of the same page (it may be a
	// site reverting an edit): stored, not dropped as a duplicate.
	code, out, errOut = runCLI(ctx, t, "publish", "--nats-url", ns.ClientURL(), plain)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	if again := decodeLines[published](t, out); len(again) != 1 || again[0].Duplicate || again[0].ID != lines[0].ID || again[0].Seq == lines[0].Seq {
		t.Errorf("second publish = %+v, want page %s stored again", again, lines[0].ID)
	}
}

func TestPublishSubjectAndURLOverrides(t *testing.T) {
	ns, js := testServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	plain := writeFile(t, "page.html", []byte(testPage))
	code, out, errOut := runCLI(ctx, t, "publish", "--nats-url", ns.ClientURL(),
		"--url", "https://www.example.org/story", "--subject", "news.raw.custom", plain)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := decodeLines[published](t, out)
	if len(lines) != 1 || lines[0].Subject != "news.raw.custom" {
		t.Fatalf("lines = %+v", lines)
	}
	s, err := js.Stream(ctx, schema.RawStream.Name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetMsg(ctx, lines[0].Seq)
	if err != nil {
		t.Fatal(err)
	}
	p, err := schema.DecodeRawPage(m.Data)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "news.raw.custom" || p.URL != "https://www.example.org/story" || p.ID != schema.RawPageID(p.URL, p.ContentHash) {
		t.Errorf("subject %s, page %+v", m.Subject, p)
	}
}

func TestPublishErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns, _ := testServer(t)
	empty := writeFile(t, "empty.html", nil)
	notGzip := writeFile(t, "page.html.gz", []byte(testPage))
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no arguments", []string{"publish"}, 2},
		{"url with two files", []string{"publish", "--url", "https://a.example/", empty, empty}, 2},
		{"bad flag", []string{"publish", "--no-such-flag", empty}, 2},
		{"missing file", []string{"publish", "--nats-url", ns.ClientURL(), filepath.Join(t.TempDir(), "nope.html")}, 1},
		{"empty file", []string{"publish", "--nats-url", ns.ClientURL(), empty}, 1},
		{"corrupt gzip", []string{"publish", "--nats-url", ns.ClientURL(), notGzip}, 1},
		{"bad kind", []string{"publish", "--nats-url", ns.ClientURL(), "--kind", "video", "https://a.example/"}, 1},
		{"no server", []string{"publish", "--nats-url", "nats://127.0.0.1:1", "--nats-connect-timeout", "100ms", "https://a.example/"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(ctx, t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if errOut == "" {
				t.Error("stderr is empty, want an explanation")
			}
		})
	}
}

func TestPublishFeedFile(t *testing.T) {
	ns, _ := testServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	feed := writeFile(t, "feed.xml", []byte(`<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>
<item><link>https://news.example.com/a</link></item><item><link>https://news.example.com/b</link></item></channel></rss>`))
	code, out, errOut := runCLI(ctx, t, "publish", "--nats-url", ns.ClientURL(), feed)
	if code != 0 {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := decodeLines[published](t, out)
	if len(lines) != 2 {
		t.Fatalf("got %s, want one fetch request per feed item", out)
	}
	for i, u := range []string{"https://news.example.com/a", "https://news.example.com/b"} {
		l := lines[i]
		if l.Input != feed || l.Schema != schema.FetchRequestV1 || l.ID != schema.FetchRequestID(schema.KindArticle, u) || l.Subject != "news.fetch.news_example_com" {
			t.Errorf("line %d = %+v, want the request for %s", i, l, u)
		}
	}
}
