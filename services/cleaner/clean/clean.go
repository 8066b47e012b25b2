// Package clean turns raw page bytes into the cleaned page the extractor reads
// (schema.CleanedPage): decoded to UTF-8, parsed once, its head metadata and the
// body elements that carry metadata kept as typed fields, and its main content kept
// with the boilerplate (menus, share bars, related links, comment forms, hidden and
// screen-reader-only text, ads) removed.
//
// It is a pure package: no I/O, no global state, safe for concurrent use.
package clean

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"strings"
	"unsafe"

	"golang.org/x/net/html"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// defaultParams is DefaultParams, made once.
var defaultParams = DefaultParams()

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

// Options describe where the raw bytes came from, and how to clean them.
type Options struct {
	URL         string // page URL, may be empty
	ContentType string // HTTP Content-Type header if known (may carry charset=)
	// Params are the thresholds to clean with; nil means DefaultParams.
	Params *Params
	// HandOver says the caller hands raw over: Clean then parses it where it lies,
	// without copying it, and the strings of the result may share its memory, so
	// raw must not be changed afterwards. Without it Clean works on a copy.
	HandOver bool
}

// Clean decodes raw (charset from a byte-order mark, opts.ContentType, a <meta>
// declaration, or else read from the bytes, in that order), parses it once, collects its
// metadata (see collectMeta), selects the main content and renders it. Plain text
// (served as text/plain, or holding no markup at all) is all content, one paragraph
// per blank-line-separated block. It returns the page's Charset, CharsetSource,
// Head, Headlines, Candidates, Content and Tail; the caller fills in the rest of the message. Invalid
// UTF-8 in the page is replaced by U+FFFD in every field.
//
// It returns ErrEmpty for no bytes or a page with no text, ErrNotHTML for binary
// data and ErrTooLarge above MaxInput. Any other input, however malformed, gives a
// best-effort result; Clean never panics. Time and memory are linear in len(raw).
func Clean(raw []byte, opts Options) (*schema.CleanedPage, error) {
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
	owned := opts.HandOver || cs != "utf-8" // decode transcoded into a buffer of its own
	plain := isPlainText(text, opts.ContentType)
	if plain {
		text, owned = textToHTML(text), true
	}
	par := opts.Params
	if par == nil {
		par = &defaultParams
	}
	doc := htmlparse.Document(documentString(text, owned))
	meta := collectMeta(doc, par)
	meta.head.Lang = htmlLang(doc)
	var content content
	if plain {
		content = plainContent(doc)
	} else {
		content = selectContent(doc, hostOf(opts.URL), declaredLang(&meta.head), par)
	}
	if content.empty() && len(meta.headlines) == 0 && len(meta.candidates) == 0 {
		return nil, ErrEmpty
	}
	page := &schema.CleanedPage{
		Charset: cs, CharsetSource: source, Head: meta.head, Headlines: meta.headlines, Candidates: meta.candidates,
		Content: renderContent(content.root), Tail: tailLines(content.tail),
	}
	validUTF8(page)
	return page, nil
}

// documentString returns text as a string: text itself when the cleaner owns it
// (nothing changes it afterwards), else a copy.
func documentString(text []byte, owned bool) string {
	if owned && len(text) > 0 {
		return unsafe.String(unsafe.SliceData(text), len(text))
	}
	return string(text)
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
