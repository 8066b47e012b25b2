package schema

import (
	"errors"
	"testing"
)

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTPS://News.Example.COM:443/a/b?b=2&a=1#top", "https://news.example.com/a/b?a=1&b=2"},
		{"http://example.com:80", "http://example.com/"},
		{"http://example.com:8080/x", "http://example.com:8080/x"},
		{"https://e.com/p?utm_source=rss&utm_medium=x&id=7&fbclid=abc&gclid=1&traffic_source=tw", "https://e.com/p?id=7"},
		{"https://e.com/p?z=1&a=2&z=0", "https://e.com/p?a=2&z=1&z=0"},
		{"https://user:pw@e.com/p", "https://e.com/p"},
		{"  https://e.com./p  ", "https://e.com/p"},
		{"https://[2001:DB8::1]:443/", "https://[2001:db8::1]/"},
	}
	for _, tt := range tests {
		got, err := NormalizeURL(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "/relative", "ftp://e.com/x", "javascript:alert(1)", "https://"} {
		if _, err := NormalizeURL(bad); !errors.Is(err, ErrBadURL) {
			t.Errorf("NormalizeURL(%q) err = %v, want ErrBadURL", bad, err)
		}
	}
}

func TestArticleIDStableAcrossSpellings(t *testing.T) {
	a := ArticleID("https://news.example.com/story?utm_source=x")
	b := ArticleID("HTTPS://NEWS.example.com:443/story#comments")
	if a != b || len(a) != 32 {
		t.Errorf("ids differ: %s %s", a, b)
	}
	if a == ArticleID("https://news.example.com/other") {
		t.Error("different articles share an id")
	}
}

func TestRawArticleIDNeverAnArticleID(t *testing.T) {
	a, b := RawArticleID("r1"), RawArticleID("r2")
	if a == b || len(a) != 32 {
		t.Errorf("raw ids: %s %s", a, b)
	}
	for _, u := range []string{"raw", "r1", "https://example.com/raw/r1"} {
		if a == ArticleID(u) {
			t.Errorf("RawArticleID(r1) equals ArticleID(%q)", u)
		}
	}
}

func TestDomainToken(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://www.News.Example.com:8443/a", "news_example_com"},
		{"news.example.com", "news_example_com"},
		{"example.com/path", "example_com"},
		{"127.0.0.1:8080", "127_0_0_1"},
		{"https://xn--bcher-kva.example/", "xn--bcher-kva_example"},
		{"bücher.example", "b-cher_example"},
		{"", "unknown"},
		{"https://", "unknown"},
	}
	for _, tt := range tests {
		if got := DomainToken(tt.in); got != tt.want {
			t.Errorf("DomainToken(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := ExtractedSubject("https://www.example.com/x"); got != "news.extracted.example_com" {
		t.Errorf("ExtractedSubject = %q", got)
	}
	if got := SubjectToken("news.raw.example_com"); got != "example_com" {
		t.Errorf("SubjectToken = %q", got)
	}
}

func TestStreamsCoverTheirConsumers(t *testing.T) {
	streams := map[string]StreamSpec{}
	for _, s := range Streams() {
		streams[s.Name] = s
	}
	for _, c := range []ConsumerSpec{FetcherConsumer, CleanerConsumer, ExtractorConsumer, SinkConsumer} {
		s, ok := streams[c.Stream]
		if !ok {
			t.Fatalf("consumer %s reads unknown stream %s", c.Durable, c.Stream)
		}
		if s.Subjects[0] != c.FilterSubject {
			t.Errorf("consumer %s filters %s, stream captures %v", c.Durable, c.FilterSubject, s.Subjects)
		}
	}
	if ExtractedStream.Retention != LimitsRetention || RawStream.Retention != LimitsRetention {
		t.Error("user-facing and replayable streams must use limits retention")
	}
}

func TestIDDeterministic(t *testing.T) {
	if ID("a", "b") != ID("a", "b") || ID("a", "b") == ID("ab") || ID("a", "b") == ID("a", "c") {
		t.Error("ID is not a deterministic, part-separating hash")
	}
	if FetchRequestID(KindArticle, "https://e.com/a?utm_source=x") != FetchRequestID(KindArticle, "https://E.com/a") {
		t.Error("fetch request id depends on URL spelling")
	}
}

func TestAuthorPath(t *testing.T) {
	for href, want := range map[string]bool{
		"/author/jane-roe": true, "https://example.com/staff/jroe/": true, "/AUTOR/ana": true, "/by/jane": true,
		"/author/": true, "/authority/x": false, "/news/author": false, "": false, "author/jane": false,
	} {
		if got := AuthorPath(href); got != want {
			t.Errorf("AuthorPath(%q) = %v, want %v", href, got, want)
		}
	}
}

func TestHeadMeta(t *testing.T) {
	for key, want := range map[string]bool{"og:title": true, "article:published_time": true, "dc.creator": true,
		"viewport": false, "fb:pages": false, "OG:TITLE": false} {
		if got := HeadMeta(key); got != want {
			t.Errorf("HeadMeta(%q) = %v", key, got)
		}
	}
}

func TestDomainTokenIPv6(t *testing.T) {
	for in, want := range map[string]string{
		"http://[::1]:8080/feed.xml":     "0_0_0_0_0_0_0_1",
		"https://[2001:db8::7]/a":        "2001_db8_0_0_0_0_0_7",
		"http://[::ffff:127.0.0.1]:80/":  "127_0_0_1",
		"[fe80::1%25eth0]:8080":          "fe80_0_0_0_0_0_0_1",
		"[::1]":                          "0_0_0_0_0_0_0_1",
		"https://[2001:DB8:0:0:1::1]/x/": "2001_db8_0_0_1_0_0_1",
	} {
		if got := DomainToken(in); got != want {
			t.Errorf("DomainToken(%q) = %q, want %q", in, got, want)
		}
	}
	if got := FetchSubject("http://[::1]:8080/feed.xml"); got != "news.fetch.0_0_0_0_0_0_0_1" {
		t.Errorf("FetchSubject = %q", got)
	}
}
