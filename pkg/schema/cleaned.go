package schema

import (
	"bytes"
	"strings"
	"time"

	"github.com/segmentio/encoding/json"
)

// CleanedPage is a page decoded to UTF-8, parsed once by the cleaner and reduced to
// what the extractor reads: the metadata of its head, the elements of its body that
// carry metadata (candidate headlines, bylines, datelines, tags, figures, microdata),
// each with its text, the attributes that matter and its place relative to the
// headlines, and the main content with the boilerplate removed.
//
// Content is sanitized HTML rather than a list of typed blocks. The extractor renders
// it three ways (plain text, sanitized HTML and Markdown) and reads its structure:
// data tables row by row, lists, block quotes, figures with their captions, the posts
// of a live blog. Typed blocks would have to re-encode that structure element by
// element, in more bytes than the markup itself; as HTML it is the compact form of
// the structure, and parsing it (a few KB, well formed) costs a small share of parsing
// the page.
//
// Version 1 (newsjet.cleaned_page.v1) carried all of this inside one HTML document
// with data-newsjet markers. DecodeCleanedPage still reads it: the document is then in
// V1HTML and the page's other v2 fields are empty; the extractor reads such a page by
// its compatibility path.
type CleanedPage struct {
	Schema string `json:"schema"`
	// ID is deterministic: CleanedPageID(RawID, CleanerVersion).
	ID  string `json:"id"`
	URL string `json:"url,omitempty"`
	// Charset is the charset the raw bytes were decoded from.
	Charset string `json:"charset"`
	// CharsetSource says how Charset was decided, one of the CharsetFrom* values; empty
	// in pages cleaned before it was recorded.
	CharsetSource string   `json:"charset_source,omitempty"`
	Head          PageHead `json:"head"`
	// Headlines are the page's shown and hidden <h1> elements and, on a page whose
	// body shows the declared title in another element, that element, in document
	// order.
	Headlines []Headline `json:"headlines,omitempty"`
	// Candidates are the other body elements that carry metadata, in document order
	// (see Candidate).
	Candidates []Candidate `json:"candidates,omitempty"`
	// Content is the main content as sanitized HTML: the elements the cleaner kept,
	// with no attributes but href, src, alt, title, datetime, cite, colspan, rowspan,
	// start, width, height, data-src, data-lazy-src and data-original; no comments,
	// scripts, styles, forms, media players, hidden or off-screen elements, headline
	// (h1) or boilerplate. Images with their captions are <figure> elements with a
	// <figcaption>. It is empty when the page has no body text.
	Content string `json:"content"`
	// Tail holds the short lines the cleaner cut from the end of the content (a
	// sign-off such as the author's name), at most four, in document order.
	Tail []string `json:"tail,omitempty"`
	// Truncated is set when the main content was cut short so the message fits the
	// server's max payload.
	Truncated      bool      `json:"truncated,omitempty"`
	FetchedAt      time.Time `json:"fetched_at"`
	CleanedAt      time.Time `json:"cleaned_at"`
	CleanerVersion string    `json:"cleaner_version"`
	RawID          string    `json:"raw_id"`
	RequestID      string    `json:"request_id,omitempty"`
	// V1HTML is the document of a newsjet.cleaned_page.v1 message; it is never
	// encoded. It is set only on a page DecodeCleanedPage read from a v1 message,
	// whose Schema then stays CleanedPageV1.
	V1HTML string `json:"-"`
}

// CleanedPageID is the id of the cleaned form of a raw page by a cleaner version.
func CleanedPageID(rawID, cleanerVersion string) string {
	return ID(CleanedPageV2, rawID, cleanerVersion)
}

// PageHead is the metadata a page declares, mostly in its <head>.
type PageHead struct {
	// Lang is the lang (or xml:lang) attribute of <html>, trimmed.
	Lang string `json:"lang,omitempty"`
	// Title is the text of the page's first <title> outside SVG, as written.
	Title string `json:"title,omitempty"`
	// Base is the href of the first <base> in <head>, as written.
	Base string `json:"base,omitempty"`
	// Meta holds the <meta> elements in document order: those of <head>, and the
	// ones with a name, property or http-equiv that the parser found in the body.
	// Microdata <meta itemprop> elements of the body are Candidates instead.
	Meta []Meta `json:"meta,omitempty"`
	// Links holds the <link> elements whose rel names one of LinkRels, in document
	// order.
	Links []Link `json:"links,omitempty"`
	// JSONLD holds every <script type="application/ld+json"> block of the page that is
	// valid JSON, compacted, in document order (see AddJSONLD).
	JSONLD []json.RawMessage `json:"json_ld,omitempty"`
	// JSONLDText holds the blocks that are not valid JSON even so, as text, for a
	// lenient reader.
	JSONLDText []string `json:"json_ld_text,omitempty"`
}

// AddJSONLD adds the text of a JSON-LD script to h: to JSONLD, compacted, when it
// is valid JSON once HTML comment and CDATA wrappers and a trailing semicolon are
// taken off (and, failing that, raw control characters turned into spaces: line
// breaks inside strings are the common defect), else to JSONLDText. Invalid UTF-8
// becomes U+FFFD; an empty block is left out.
func (h *PageHead) AddJSONLD(raw string) {
	t := cleanLDText(raw)
	if t == "" {
		return
	}
	b := []byte(strings.ToValidUTF8(t, "\ufffd"))
	var out bytes.Buffer
	out.Grow(len(b))
	if json.Compact(&out, b) != nil {
		for i, c := range b {
			if c < 0x20 {
				b[i] = ' '
			}
		}
		out.Reset()
		if json.Compact(&out, b) != nil {
			h.JSONLDText = append(h.JSONLDText, string(b))
			return
		}
	}
	h.JSONLD = append(h.JSONLD, json.RawMessage(out.Bytes()))
}

// cleanLDText strips the HTML comment and CDATA wrappers some sites put around
// JSON-LD, and a trailing semicolon.
func cleanLDText(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range [...][2]string{{"<!--", "-->"}, {"//<![CDATA[", "//]]>"}, {"<![CDATA[", "]]>"}} {
		if strings.HasPrefix(s, p[0]) {
			s = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(s, p[0])), p[1])
		}
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ";")
}

// Meta is one <meta> element: its key and its content.
type Meta struct {
	// Key is the element's property, else name, else itemprop, else http-equiv
	// attribute, trimmed and lower-cased ("og:title", "description").
	Key string `json:"key"`
	// Content is its content (else value) attribute, trimmed and never empty.
	Content string `json:"content"`
}

// Link is one <link> element.
type Link struct {
	// Rel is the rel attribute, lower-cased: a space-separated list of relations.
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// Link relations a cleaned page keeps: the page's canonical URL and its declared
// lead image.
const (
	RelCanonical = "canonical"
	RelImageSrc  = "image_src"
)

// LinkRels are the link relations a cleaned page keeps.
var LinkRels = [...]string{RelCanonical, RelImageSrc}

// Headline is a candidate headline: an <h1> of the page, or the element that shows
// the declared title on a page whose h1s do not, with the text shown around it
// (where an unmarked byline or dateline is found).
type Headline struct {
	// Text is the element's shown text (at most 400 bytes of it), white space folded.
	Text string `json:"text"`
	// StandIn is set when the element is not an h1 but shows the title the head
	// declares (<title>, og:title or twitter:title) before any h1 does: the headline
	// of a page without one.
	StandIn bool `json:"stand_in,omitempty"`
	// Hidden is set when the element or an ancestor is not shown (see Candidate).
	Hidden bool `json:"hidden,omitempty"`
	// Region is the page region the element sits in (a Region* constant), "" for none.
	Region string `json:"region,omitempty"`
	// Before holds the last shown texts before the element outside menus and page
	// footers (at most six, oldest first), After the shown text blocks that follow it
	// up to the next headline (at most 24 blocks and 1,200 bytes). Both are empty for
	// a hidden headline and for every headline after the fourth shown one.
	Before []string `json:"before,omitempty"`
	After  []string `json:"after,omitempty"`
}

// Candidate is a body element that carries metadata: a <time>; an element with a
// metadata itemprop (author, name, headline, datePublished, ...); an element whose
// class or id names a byline, author, date, dateline, credit or tag list; an <h2>
// named like a headline; a link to an author page (rel=author or an AuthorPath) or
// a tag (rel=tag); a microdata <meta itemprop>; one of the first two shown <figure>s
// outside menus, sidebars and comments (the lead image and its caption); the first
// element whose class or id names a paywall (kept without text); a dated line: a
// shown block of at most 120 bytes of text that may hold a date (a year and a
// day or month number), outside menus,
// sidebars, comments and teaser lists (a date shown without a date class: "Datum:
// 03.02.2022", "Stand 27.01.2022"), the first 16 of them.
//
// A candidate holding more than 400 bytes of text or 80 nodes is not kept whole: its
// own candidates are kept instead. Inside a kept candidate, the nested elements with
// an itemprop, links, <time>s, <abbr>s, tag and category lists and (in a figure)
// <img>s and <figcaption>s follow it as candidates of their own, one Depth deeper.
type Candidate struct {
	// Tag is the element's name, lower-case.
	Tag string `json:"tag"`
	// Depth is 0 for a top-level candidate and n for one nested in the nearest
	// candidate before it of depth n-1.
	Depth int `json:"depth,omitempty"`
	// The attributes that matter, as written ("" when absent). Src is an image's
	// source: its data-src, else data-original, else src attribute (lazy-loading pages
	// put the real image in data-src), trimmed.
	Class    string `json:"class,omitempty"`
	ElemID   string `json:"id,omitempty"`
	Itemprop string `json:"itemprop,omitempty"`
	Rel      string `json:"rel,omitempty"`
	Href     string `json:"href,omitempty"`
	Datetime string `json:"datetime,omitempty"`
	Content  string `json:"content,omitempty"`
	Title    string `json:"title,omitempty"`
	Src      string `json:"src,omitempty"`
	Alt      string `json:"alt,omitempty"`
	// Hidden is set when the element or an ancestor is not shown: a hidden
	// attribute, aria-hidden="true", an inline style with display:none or
	// visibility:hidden, or a class naming screen-reader-only text.
	Hidden bool `json:"hidden,omitempty"`
	// Region is the page region the element sits in (a Region* constant), "" for
	// none, and AfterHeadlines the number of shown Headlines before it in the page;
	// both are set on top-level candidates only (a nested one shares its own).
	Region         string `json:"region,omitempty"`
	AfterHeadlines int    `json:"after_headlines,omitempty"`
	// Text is the element's shown text: runs of white space folded to one space, a
	// space at block elements and <br>, and a line break ("\n") where the texts of
	// two elements meet with no white space between them in the markup (a name and
	// a job title in adjacent spans are two credit parts, though shown glued). The
	// break follows a space when a block boundary lies there ("Caption. \nPhoto: X"),
	// none when the elements are inline ("Molly Woo\nd" for Molly Woo<span>d</span>).
	// Descendants that are hidden themselves are left out.
	Text string `json:"text,omitempty"`
}

// Page regions of Headline.Region and Candidate.Region. The noise regions (nav,
// aside, footer, comment, related) hold menus, sidebars, comments and teasers; an
// article region inside one of them is still that noise region.
const (
	RegionArticle = "article" // inside <article>, <main> or role=main/article
	RegionHeader  = "header"  // the page's <header> (outside an article)
	RegionNav     = "nav"     // <nav> or role=navigation
	RegionAside   = "aside"   // <aside> or role=complementary
	RegionFooter  = "footer"  // the page's <footer> or role=contentinfo
	RegionComment = "comment" // an element whose class or id names comments
	RegionRelated = "related" // an element whose class or id names related or recommended stories, or embeds another site's post
)

// NoiseRegion reports whether a region holds menus, sidebars, comments or teasers
// rather than the article.
func NoiseRegion(region string) bool {
	switch region {
	case RegionNav, RegionAside, RegionFooter, RegionComment, RegionRelated:
		return true
	}
	return false
}

// cleanedPageV1 is the layout of a newsjet.cleaned_page.v1 message.
type cleanedPageV1 struct {
	Schema         string    `json:"schema"`
	ID             string    `json:"id"`
	URL            string    `json:"url,omitempty"`
	Charset        string    `json:"charset"`
	CharsetSource  string    `json:"charset_source,omitempty"`
	HTML           string    `json:"html"`
	Truncated      bool      `json:"truncated,omitempty"`
	FetchedAt      time.Time `json:"fetched_at"`
	CleanedAt      time.Time `json:"cleaned_at"`
	CleanerVersion string    `json:"cleaner_version"`
	RawID          string    `json:"raw_id"`
	RequestID      string    `json:"request_id,omitempty"`
}

// upcastCleanedPageV1 reads a v1 message into the newest type, its document in V1HTML.
func upcastCleanedPageV1(data []byte) (*CleanedPage, error) {
	v1, err := direct[cleanedPageV1](data)
	if err != nil {
		return nil, err
	}
	return &CleanedPage{
		Schema: v1.Schema, ID: v1.ID, URL: v1.URL, Charset: v1.Charset, CharsetSource: v1.CharsetSource, Truncated: v1.Truncated,
		FetchedAt: v1.FetchedAt, CleanedAt: v1.CleanedAt, CleanerVersion: v1.CleanerVersion,
		RawID: v1.RawID, RequestID: v1.RequestID, V1HTML: v1.HTML,
	}, nil
}
