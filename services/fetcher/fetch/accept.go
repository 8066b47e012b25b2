package fetch

import "strings"

// Accept is a set of content-type families a request takes.
type Accept uint8

// Content-type families.
const (
	// AcceptHTML: text/html and application/xhtml+xml.
	AcceptHTML Accept = 1 << iota
	// AcceptXML: text/xml, application/xml and any +xml type (RSS, Atom, sitemaps).
	AcceptXML
	// AcceptJSON: application/json and any +json type (JSON Feed).
	AcceptJSON
	// AcceptText: text/plain (plain-text sitemaps, feeds served with the wrong type).
	AcceptText
	// AcceptGzip: a gzip file (sitemap.xml.gz).
	AcceptGzip
)

// AcceptFeed is what a feed or sitemap request takes.
const AcceptFeed = AcceptXML | AcceptJSON | AcceptText | AcceptGzip

func (a Accept) allows(mt string) bool {
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		return a&AcceptHTML != 0
	case mt == "text/xml" || mt == "application/xml" || strings.HasSuffix(mt, "+xml"):
		return a&AcceptXML != 0
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return a&AcceptJSON != 0
	case mt == "text/plain":
		return a&AcceptText != 0
	case mt == "application/gzip" || mt == "application/x-gzip":
		return a&AcceptGzip != 0
	}
	return false
}

// header is the Accept request header for the set.
func (a Accept) header() string {
	var parts []string
	if a&AcceptHTML != 0 {
		parts = append(parts, "text/html", "application/xhtml+xml;q=0.9")
	}
	if a&AcceptXML != 0 {
		parts = append(parts, "application/rss+xml", "application/atom+xml", "application/xml;q=0.9", "text/xml;q=0.9")
	}
	if a&AcceptJSON != 0 {
		parts = append(parts, "application/feed+json", "application/json;q=0.9")
	}
	if a&(AcceptText|AcceptGzip) != 0 {
		parts = append(parts, "*/*;q=0.1")
	}
	return strings.Join(parts, ", ")
}

// String names the families, e.g. "HTML or XHTML".
func (a Accept) String() string {
	var names []string
	if a&AcceptHTML != 0 {
		names = append(names, "HTML or XHTML")
	}
	if a&AcceptXML != 0 {
		names = append(names, "XML")
	}
	if a&AcceptJSON != 0 {
		names = append(names, "JSON")
	}
	if a&AcceptText != 0 {
		names = append(names, "plain text")
	}
	if a&AcceptGzip != 0 {
		names = append(names, "gzip")
	}
	if len(names) == 0 {
		return "nothing"
	}
	return strings.Join(names, " or ")
}
