package store

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Row is an article prepared for storing: validated, with the derived columns every
// implementation indexes. Implementations build rows with Prepare and decide versions
// with Head.Apply, so both stores follow the same rules.
type Row struct {
	Article *schema.Article
	// Doc is the article's JSON encoding, stored as the version's full text.
	Doc []byte
	ID  string
	// CanonicalURL is the normalised canonical URL (else URL), "" for an article
	// without any URL; Site its site, "" too then.
	CanonicalURL string
	Site         string
	Language     string
	// Authors are the authors lower-cased, for the author filter.
	Authors     []string
	Title       string
	Body        string
	ContentHash string
	// SortAt is the article's time (published, else fetched), truncated to the
	// microsecond so that every database keeps it exactly.
	SortAt      time.Time
	FetchedAt   time.Time
	ExtractedAt time.Time
	// Story is the row's story evidence, nil until SketchRow (stories.go) makes it.
	Story *StoryInput
}

// MaxDocSize bounds an article's JSON encoding.
const MaxDocSize = 16 << 20

// Prepare validates a and derives its row. It returns ErrInvalidArticle when a is nil,
// fails schema validation (which refuses control characters such as NUL, that
// PostgreSQL cannot store), has a canonical URL (else a URL) that does not normalise or
// whose schema.ArticleID is not a's id, has no URL at all and an id other than
// RawArticleID of its lineage's raw page, has a content hash that is not 64 hex digits,
// has a title or body that is not UTF-8, or encodes to more than MaxDocSize bytes.
func Prepare(a *schema.Article) (*Row, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: nil article", ErrInvalidArticle)
	}
	if err := a.Validate(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArticle, err)
	}
	canon, err := identity(a)
	if err != nil {
		return nil, err
	}
	if !isHex64(a.ContentHash) {
		return nil, fmt.Errorf("%w: content_hash %q is not a hex SHA-256", ErrInvalidArticle, a.ContentHash)
	}
	if !utf8.ValidString(a.Title) || !utf8.ValidString(a.BodyText) {
		return nil, fmt.Errorf("%w: title or body is not valid UTF-8", ErrInvalidArticle)
	}
	// Encode sets the schema member: encode a copy, never the caller's article.
	cp := *a
	a = &cp
	doc, err := schema.Encode(a)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidArticle, err)
	}
	if len(doc) > MaxDocSize {
		return nil, fmt.Errorf("%w: %d bytes of JSON, limit %d", ErrInvalidArticle, len(doc), MaxDocSize)
	}
	sortAt := a.FetchedAt
	if a.PublishedAt != nil {
		sortAt = *a.PublishedAt
	}
	authors := make([]string, 0, len(a.Authors))
	for _, au := range a.Authors {
		if au = normAuthor(au); au != "" {
			authors = append(authors, au)
		}
	}
	return &Row{
		Article:      a,
		Doc:          doc,
		ID:           a.ID,
		CanonicalURL: canon,
		Site:         SiteOf(canon),
		Language:     NormLanguage(a.Language),
		Authors:      authors,
		Title:        a.Title,
		Body:         a.BodyText,
		ContentHash:  strings.ToLower(a.ContentHash),
		SortAt:       Micro(sortAt),
		FetchedAt:    Micro(a.FetchedAt),
		ExtractedAt:  Micro(a.ExtractedAt),
	}, nil
}

// RawArticleID returns the id of an article extracted from a page that had no URL at
// all (no Newsjet-Url header, no canonical link): schema.RawArticleID, the id the
// extractor assigns.
func RawArticleID(rawID string) string { return schema.RawArticleID(rawID) }

// identity checks a's id and returns its normalised canonical URL: that of the canonical
// URL, else of the URL. An article without either is identified by its id alone, which
// must be RawArticleID of its lineage's raw page; its canonical URL is "".
func identity(a *schema.Article) (string, error) {
	raw := a.CanonicalURL
	if raw == "" {
		raw = a.URL
	}
	if raw == "" {
		if a.Lineage.RawID == "" || a.ID != RawArticleID(a.Lineage.RawID) {
			return "", fmt.Errorf("%w: an article without a URL needs the id of its raw page (lineage raw_id %q): id %q",
				ErrInvalidArticle, a.Lineage.RawID, a.ID)
		}
		return "", nil
	}
	canon, err := schema.NormalizeURL(raw)
	if err != nil {
		return "", fmt.Errorf("%w: canonical url: %w", ErrInvalidArticle, err)
	}
	if id := schema.ArticleID(canon); a.ID != id {
		return "", fmt.Errorf("%w: id %q is not the id of %q (%s)", ErrInvalidArticle, a.ID, canon, id)
	}
	return canon, nil
}

// Micro returns t in UTC truncated to the microsecond.
func Micro(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// SiteOf returns the site of a URL or host: the host lower-cased without "www." and
// without a port. It returns "" for an empty input.
func SiteOf(hostOrURL string) string {
	s := strings.TrimSpace(hostOrURL)
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			s = u.Hostname()
		}
	} else if h, _, ok := strings.Cut(s, "/"); ok {
		s = h
	}
	s = strings.TrimSuffix(strings.ToLower(s), ".")
	if i := strings.LastIndexByte(s, ':'); i >= 0 && !strings.Contains(s[i:], "]") && strings.Count(s, ":") == 1 {
		s = s[:i]
	}
	return strings.TrimPrefix(s, "www.")
}

// NormLanguage returns the lower-cased primary subtag of a BCP 47 tag ("en-GB" -> "en").
func NormLanguage(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

func normAuthor(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// Head is an article's state as a writer sees it under the article's lock.
type Head struct {
	// Versions is how many versions exist: 0 for an article not stored yet.
	Versions int
	// Current is the current version's number and CurrentFetchedAt/CurrentExtractedAt
	// its times.
	Current            int
	CurrentFetchedAt   time.Time
	CurrentExtractedAt time.Time
}

// Apply decides what storing r does to an article in state h. existing is the number
// of the version already holding r's content hash, 0 when none does. It returns the
// result, the state after the put, and whether a version must be inserted (numbered
// res.Version).
//
// r is newer than the current version when it was fetched later, or fetched at the
// same time and extracted no earlier. New content becomes a version; it becomes current
// when it is newer. Content already stored changes nothing, unless it is an older
// version's and r is newer: the site reverted an edit, and current moves back to that
// version (Reverted). The state then records r's fetch and extraction times, so that a
// late redelivery of the edit's fetch does not move current again.
func (h Head) Apply(r *Row, existing int) (res PutResult, next Head, insert bool) {
	newer := h.Versions == 0 || r.FetchedAt.After(h.CurrentFetchedAt) ||
		(r.FetchedAt.Equal(h.CurrentFetchedAt) && !r.ExtractedAt.Before(h.CurrentExtractedAt))
	next = h
	if existing > 0 {
		res = PutResult{ID: r.ID, Version: existing, Outcome: Unchanged, Current: existing == h.Current}
		if existing == h.Current || !newer {
			return res, h, false
		}
		next.Current, next.CurrentFetchedAt, next.CurrentExtractedAt = existing, r.FetchedAt, r.ExtractedAt
		res.Outcome, res.Current = Reverted, true
		return res, next, false
	}
	next.Versions = h.Versions + 1
	res = PutResult{ID: r.ID, Version: next.Versions, Outcome: Added}
	if h.Versions == 0 {
		res.Outcome = Created
	}
	if newer {
		next.Current, next.CurrentFetchedAt, next.CurrentExtractedAt = next.Versions, r.FetchedAt, r.ExtractedAt
		res.Current = true
	}
	return res, next, true
}

// PrepareBatch prepares every article of a batch. It returns ErrInvalidArticle naming
// the index of the first article that cannot be stored.
func PrepareBatch(as []*schema.Article) ([]*Row, error) {
	rows := make([]*Row, len(as))
	for i, a := range as {
		r, err := Prepare(a)
		if err != nil {
			return nil, fmt.Errorf("batch item %d: %w", i, err)
		}
		rows[i] = r
	}
	return rows, nil
}

// IDs returns the distinct article ids of rows, sorted, so that writers lock articles in
// one order and do not deadlock.
func IDs(rows []*Row) []string {
	ids := make([]string, 0, len(rows))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// VersionKey names the version of an article holding one content hash.
type VersionKey struct{ ID, ContentHash string }

// Insert is a version to insert.
type Insert struct {
	Row    *Row
	Number int
}

// Change is the new state of one article touched by a batch.
type Change struct {
	ID   string
	Head Head
	// New: the article had no row before the batch; insert it.
	New bool
	// Current is the row whose columns (title, body, site, language, authors, time) the
	// article takes when the batch moved its current version, nil when the current
	// version stayed. After a revert it is the put that reverted: its title and body
	// are the reverted-to version's (same content hash); its other columns are those
	// of this latest fetch.
	Current *Row
}

// Decision is what a batch does, decided under the locks of its articles.
type Decision struct {
	// Results are in input order.
	Results []PutResult
	Inserts []Insert
	// Changes lists every article that gained a version or whose current version moved
	// back to an older one, sorted by id.
	Changes []Change
}

// Decide applies rows in input order to the articles' states. heads holds the state of
// every stored article among the rows (an id missing from it is new); existing maps the
// stored versions of the rows' content hashes to their numbers; Decide adds the versions
// it decides to insert. Repeated content within the batch is stored once.
func Decide(rows []*Row, heads map[string]Head, existing map[VersionKey]int) Decision {
	d := Decision{Results: make([]PutResult, len(rows))}
	state := make(map[string]Head, len(heads))
	changed := make(map[string]*Change)
	for i, r := range rows {
		h := state[r.ID]
		if _, ok := state[r.ID]; !ok {
			h = heads[r.ID]
		}
		k := VersionKey{r.ID, r.ContentHash}
		res, next, insert := h.Apply(r, existing[k])
		state[r.ID] = next
		d.Results[i] = res
		if insert {
			existing[k] = res.Version
			d.Inserts = append(d.Inserts, Insert{Row: r, Number: res.Version})
		} else if res.Outcome != Reverted {
			continue
		}
		c := changed[r.ID]
		if c == nil {
			_, stored := heads[r.ID]
			c = &Change{ID: r.ID, New: !stored}
			changed[r.ID] = c
		}
		c.Head = next
		if res.Current {
			c.Current = r
		}
	}
	for i := range d.Results {
		d.Results[i].Current = d.Results[i].Version == state[d.Results[i].ID].Current
	}
	for _, id := range IDs(rows) {
		if c := changed[id]; c != nil {
			d.Changes = append(d.Changes, *c)
		}
	}
	return d
}
