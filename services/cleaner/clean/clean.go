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
}

// Clean decodes raw (charset from a byte-order mark, opts.ContentType, a <meta>
// declaration, or UTF-8 validity, in that order), parses it once, selects the main
// content and renders the cleaned document.
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
	text, cs, err := decode(raw, opts.ContentType)
	if err != nil {
		return nil, err
	}
	doc, err := parse(text)
	if err != nil {
		return nil, err
	}
	head, body := collectMeta(doc)
	content := selectContent(doc)
	if content.empty() && len(body) == 0 {
		return nil, ErrEmpty
	}
	return &Result{HTML: renderDoc(doc, head, body, content), Charset: cs}, nil
}

// maxDepth is the nesting html.Parse accepts; deeper input is flattened first.
const maxDepth = 400

// parse parses the decoded page. A page nested deeper than the HTML parser allows
// is parsed again with its excess nesting dropped (text kept).
func parse(text []byte) (*html.Node, error) {
	doc, err := html.Parse(bytes.NewReader(text))
	if err == nil {
		return doc, nil
	}
	doc, err = html.Parse(bytes.NewReader(flatten(text, maxDepth)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotHTML, err)
	}
	return doc, nil
}

// flatten re-serialises text keeping every text token but only the tags of
// elements nested at most limit deep.
func flatten(text []byte, limit int) []byte {
	z := html.NewTokenizer(bytes.NewReader(text))
	var out bytes.Buffer
	out.Grow(len(text))
	depth := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.Bytes()
		case html.StartTagToken:
			name, _ := z.TagName()
			if voidElements[string(name)] {
				out.Write(z.Raw())
				continue
			}
			depth++
			if depth <= limit {
				out.Write(z.Raw())
			}
		case html.EndTagToken:
			if depth <= limit {
				out.Write(z.Raw())
			}
			depth = max(depth-1, 0)
		default:
			out.Write(z.Raw())
		}
	}
}

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"link": true, "meta": true, "source": true, "track": true, "wbr": true, "param": true,
}
