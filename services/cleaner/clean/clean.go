// Package clean turns raw page bytes into the cleaned document the extractor reads:
// decoded to UTF-8, parsed once, with the metadata-bearing elements and the main
// content subtree kept and the boilerplate (menus, share bars, related links,
// comment forms, hidden and screen-reader-only text, ads) removed.
//
// It is a pure package: no I/O, no global state, safe for concurrent use.
package clean

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strings"

	"golang.org/x/net/html"
)

// MaxInput is the largest page Clean accepts, in bytes.
const MaxInput = 64 << 20

// Sentinel errors returned (wrapped) by Clean.
var (
	// ErrEmpty: no bytes, or a page without any text.
	ErrEmpty = errors.New("clean: empty page")
	// ErrNotHTML: the bytes are binary (an image, archive, PDF, ...), not a document.
	ErrNotHTML = errors.New("clean: not an HTML document")
	// ErrTooLarge: the page is larger than MaxInput.
	ErrTooLarge = errors.New("clean: page too large")
)

// Options describe where the raw bytes came from.
type Options struct {
	URL         string // page URL, may be empty
	ContentType string // HTTP Content-Type header if known (may carry charset=)
}

// Result is a cleaned page.
type Result struct {
	// HTML is the cleaned document, UTF-8: the original's metadata elements in
	// <head>, metadata-bearing body elements in <div data-newsjet="meta"> and the main
	// content in <article data-newsjet="content">.
	HTML string
	// Charset is the charset the raw bytes were decoded from, e.g. "utf-8".
	Charset string
	// CharsetSource says how Charset was decided: a schema.CharsetFrom* value.
	CharsetSource string
}

// Clean decodes raw (charset from a byte-order mark, opts.ContentType, a <meta>
// declaration, or else read from the bytes, in that order), parses it once, selects the main
// content and renders the cleaned document. Plain text (served as text/plain, or
// holding no markup at all) is all content, one paragraph per blank-line-separated
// block. Invalid UTF-8 is kept as it is in the
// tree and replaced by U+FFFD when rendered.
//
// It returns ErrEmpty for no bytes or a page with no text, ErrNotHTML for binary
// data and ErrTooLarge above MaxInput. Any other input, however malformed, gives a
// best-effort result; Clean never panics. Time and memory are linear in len(raw).
func Clean(raw []byte, opts Options) (*Result, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmpty
	}
	if len(raw) > MaxInput {
		return nil, fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(raw), MaxInput)
	}
	if isBinary(raw) {
		return nil, ErrNotHTML
	}
	text, cs, source, err := decode(raw, opts.ContentType)
	if err != nil {
		return nil, err
	}
	plain := isPlainText(text, opts.ContentType)
	if plain {
		text = textToHTML(text)
	}
	doc := parseHTML(string(text))
	head, body := collectMeta(doc)
	var content content
	if plain {
		content = plainContent(doc)
	} else {
		content = selectContent(doc, hostOf(opts.URL))
	}
	if content.empty() && len(body) == 0 {
		return nil, ErrEmpty
	}
	return &Result{HTML: renderDoc(doc, head, body, content), Charset: cs, CharsetSource: source}, nil
}

// voidElements have no end tag and no content.
var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"link": true, "meta": true, "source": true, "track": true, "wbr": true, "param": true,
}

// plainContent returns the content of a document made by textToHTML: all of it.
func plainContent(doc *html.Node) content {
	if b := findBody(doc); b != nil && b.FirstChild != nil {
		return content{root: b.FirstChild}
	}
	return content{}
}

// isPlainText reports whether a decoded page is plain text: served as
// text/plain, or holding no tag, comment or doctype anywhere.
func isPlainText(text []byte, contentType string) bool {
	if mt, _, err := mime.ParseMediaType(contentType); err == nil && mt == "text/plain" {
		return true
	}
	for i := bytes.IndexByte(text, '<'); i >= 0; {
		if i+1 < len(text) {
			c := text[i+1] | 0x20
			if (c >= 'a' && c <= 'z') || text[i+1] == '!' || text[i+1] == '/' || text[i+1] == '?' {
				return false
			}
		}
		j := bytes.IndexByte(text[i+1:], '<')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

// textToHTML turns plain text into a document whose article body (all of the
// text) holds one <p> per block of lines separated by a blank line; the lines of
// a block are joined by spaces.
func textToHTML(text []byte) []byte {
	var b bytes.Buffer
	b.Grow(len(text) + len(text)/8 + 64)
	b.WriteString(`<!DOCTYPE html><html><body><article itemprop="articleBody">`)
	open := false
	for line := range strings.Lines(string(text)) {
		line = strings.TrimSpace(line)
		if line == "" {
			if open {
				b.WriteString("</p>")
				open = false
			}
			continue
		}
		if open {
			b.WriteByte(' ')
		} else {
			b.WriteString("<p>")
			open = true
		}
		b.WriteString(html.EscapeString(line))
	}
	if open {
		b.WriteString("</p>")
	}
	b.WriteString("</article></body></html>")
	return b.Bytes()
}
