package store

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Term is one element of a text query: a word, or a phrase of several words, that must
// (or, when Negated, must not) occur.
type Term struct {
	Words   []string
	Negated bool
}

// Limits on a text query.
const (
	MaxQueryLen   = 1024
	MaxQueryTerms = 32
)

// ParseText splits a text query into terms: words, "quoted phrases", and -word or
// -"phrase" exclusions. Words are runs of letters and digits, lower-cased; every other
// character separates them. It returns ErrInvalidQuery for a query longer than
// MaxQueryLen bytes, with more than MaxQueryTerms terms, or with exclusions only.
// An empty query gives no terms.
func ParseText(q string) ([]Term, error) {
	if len(q) > MaxQueryLen {
		return nil, fmt.Errorf("%w: text query longer than %d bytes", ErrInvalidQuery, MaxQueryLen)
	}
	var terms []Term
	positive := false
	rest := q
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		neg := false
		if rest[0] == '-' {
			neg, rest = true, rest[1:]
		}
		var chunk string
		if rest != "" && rest[0] == '"' {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				chunk, rest = rest[1:], ""
			} else {
				chunk, rest = rest[1:1+end], rest[2+end:]
			}
		} else {
			end := strings.IndexFunc(rest, unicode.IsSpace)
			if end < 0 {
				end = len(rest)
			}
			chunk, rest = rest[:end], rest[end:]
		}
		words := strings.FieldsFunc(strings.ToLower(chunk), func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsDigit(r)
		})
		if len(words) == 0 {
			continue
		}
		terms = append(terms, Term{Words: words, Negated: neg})
		positive = positive || !neg
	}
	if len(terms) > MaxQueryTerms {
		return nil, fmt.Errorf("%w: more than %d terms", ErrInvalidQuery, MaxQueryTerms)
	}
	if len(terms) > 0 && !positive {
		return nil, fmt.Errorf("%w: text query %q only excludes", ErrInvalidQuery, q)
	}
	return terms, nil
}

// Filter is a validated Query, ready for an implementation to turn into SQL.
type Filter struct {
	Terms    []Term
	Site     string
	Author   string
	Language string
	Story    string
	// Since and Until are zero when open; both truncated to the microsecond.
	Since, Until time.Time
	Limit        int
	// After is set when continuing from a cursor: return articles strictly after
	// (AfterAt, AfterID) in the order (time descending, id descending).
	After   bool
	AfterAt time.Time
	AfterID string
}

// Compile validates q and returns its filter, or ErrInvalidQuery.
func (q Query) Compile() (Filter, error) {
	terms, err := ParseText(q.Text)
	if err != nil {
		return Filter{}, err
	}
	f := Filter{
		Terms:    terms,
		Site:     SiteOf(q.Site),
		Author:   normAuthor(q.Author),
		Language: NormLanguage(q.Language),
		Story:    strings.TrimSpace(q.Story),
		Limit:    q.Limit,
	}
	if !q.Since.IsZero() {
		f.Since = Micro(q.Since)
	}
	if !q.Until.IsZero() {
		f.Until = Micro(q.Until)
	}
	if !f.Since.IsZero() && !f.Until.IsZero() && !f.Since.Before(f.Until) {
		return Filter{}, fmt.Errorf("%w: since %s is not before until %s", ErrInvalidQuery,
			f.Since.Format(time.RFC3339Nano), f.Until.Format(time.RFC3339Nano))
	}
	switch {
	case f.Limit == 0:
		f.Limit = DefaultLimit
	case f.Limit < 0 || f.Limit > MaxLimit:
		return Filter{}, fmt.Errorf("%w: limit %d not in 1..%d", ErrInvalidQuery, f.Limit, MaxLimit)
	}
	if q.Cursor != "" {
		at, id, err := decodeCursor(q.Cursor)
		if err != nil {
			return Filter{}, err
		}
		f.After, f.AfterAt, f.AfterID = true, at, id
	}
	return f, nil
}

// Cursor returns the cursor that continues a listing after the article at (at, id).
func Cursor(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(Micro(at).UnixMicro(), 10) + ":" + id))
}

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("%w: cursor is not base64url", ErrInvalidQuery)
	}
	us, id, ok := strings.Cut(string(b), ":")
	n, err := strconv.ParseInt(us, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", fmt.Errorf("%w: malformed cursor", ErrInvalidQuery)
	}
	return time.UnixMicro(n).UTC(), id, nil
}

// cjkRanges are the characters of the Chinese, Japanese and Korean scripts: Hangul
// jamo, CJK radicals, iteration marks, hiragana and katakana, Hangul compatibility
// jamo, ideographs (extension A, unified, compatibility, supplementary planes), Hangul
// syllables, half-width katakana and Hangul. The SQLite store's migration 2 repeats
// them as a GLOB class; keep both in step.
var cjkRanges = [][2]rune{
	{0x1100, 0x11FF}, {0x2E80, 0x2FDF}, {0x3005, 0x3007}, {0x3040, 0x30FF}, {0x3130, 0x318F},
	{0x31F0, 0x31FF}, {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xA960, 0xA97F}, {0xAC00, 0xD7FF},
	{0xF900, 0xFAFF}, {0xFF66, 0xFFDC}, {0x20000, 0x3FFFF},
}

func isCJK(r rune) bool {
	if r < 0x1100 {
		return false
	}
	for _, rg := range cjkRanges {
		if r >= rg[0] && r <= rg[1] {
			return true
		}
	}
	return false
}

// HasCJK reports whether s has a Chinese, Japanese or Korean character. Those scripts
// do not separate words by spaces (Korean attaches particles to words), so a word of
// them is searched as a substring, not as a token.
func HasCJK(s string) bool {
	for _, r := range s {
		if isCJK(r) {
			return true
		}
	}
	return false
}

// CJK reports whether a word of the term has a CJK character (see HasCJK). The stores
// match such a term by substring: each of its words must occur somewhere in the title or
// the body (in a phrase, not necessarily next to each other).
func (t Term) CJK() bool {
	return slices.ContainsFunc(t.Words, HasCJK)
}
