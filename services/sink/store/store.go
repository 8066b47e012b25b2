// Package store persists articles with their version history and answers queries over
// them. Store is the interface the sink writes through and the read API reads from;
// the postgres and sqlite packages implement it with the same semantics, checked by
// one contract suite (package storetest).
//
// Identity and versions: an article is identified by schema.ArticleID of its canonical
// URL (its URL when it has none). An article with neither (a bare page published
// without a URL header and without a canonical link) is identified by its id alone,
// which must be RawArticleID of its raw page, and has no site. Putting content whose hash is already stored for the
// article (a redelivery, a replay, a duplicate publish) changes nothing. Other content
// adds a version numbered after the last one, and the article's current version moves
// to it unless the new version was fetched (then extracted) before the current one, so
// a late redelivery of an old fetch is kept in the history without hiding a newer text.
// Content equal to an older version's, fetched after the current one, is a site
// reverting an edit: no version is added, and current moves back to that version
// (Reverted). The fetch compared is the one that made the current version current.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// Errors returned by every Store. They are wrapped with detail; test with errors.Is.
var (
	// ErrNotFound: no article has the id.
	ErrNotFound = errors.New("store: article not found")
	// ErrInvalidArticle: the article cannot be stored as given (nil, a URL that does not
	// normalise, an id that is not the id of its canonical URL, or without a URL one
	// that is not its raw page's, a missing content hash, ...). Retrying cannot help.
	ErrInvalidArticle = errors.New("store: invalid article")
	// ErrInvalidQuery: a List query has a bad filter, limit or cursor.
	ErrInvalidQuery = errors.New("store: invalid query")
	// ErrConflict: concurrent writers kept colliding on the same articles and the write
	// gave up after its retries. Nothing was written; retrying later is safe.
	ErrConflict = errors.New("store: write conflict")
	// ErrClosed: the store was used after Close.
	ErrClosed = errors.New("store: closed")
	// ErrRejected: the database refused a value of the article (a text too long to
	// index, a byte sequence or character it cannot store, a constraint). Retrying
	// cannot help; the other articles of its batch are not at fault.
	ErrRejected = errors.New("store: article refused by the database")
)

// Outcome says what a put did.
type Outcome int

const (
	// Unchanged: the content was already stored for the article; nothing changed.
	Unchanged Outcome = iota
	// Created: the article was new; its first version was stored.
	Created
	// Added: the article was known; the content was stored as a new version.
	Added
	// Reverted: the content was an older version's and newer than the current one (the
	// site reverted an edit); current moved back to that version, nothing was added.
	Reverted
)

// String returns "unchanged", "created", "added" or "reverted".
func (o Outcome) String() string {
	switch o {
	case Created:
		return "created"
	case Added:
		return "added"
	case Reverted:
		return "reverted"
	default:
		return "unchanged"
	}
}

// PutResult reports one put.
type PutResult struct {
	// ID is the article's id.
	ID string
	// Version is the number of the version holding the put content (new or existing).
	Version int
	Outcome Outcome
	// Current reports whether Version is the article's current version after the put.
	Current bool
	// Story is the story of the article's current version when Version is current and
	// the store assigns stories (see stories.go); nil otherwise, and when StoryErr is set.
	Story *StoryResult
	// StoryErr is why the story step failed: the article was stored all the same, without
	// a story for this version; storing it again retries the step.
	StoryErr error
}

// Record is an article with its current version.
type Record struct {
	ID string `json:"id"`
	// StoryID is the story of the article (of its assessed version), "" while it has
	// none: stories off, the story step failed and waits for a retry, or the article was
	// stored before the store had stories and has not been stored again since.
	StoryID string `json:"story_id"`
	// Site is the host of the canonical URL, lower-cased, without "www."; "" for an
	// article without a URL.
	Site string `json:"site"`
	// Version is the current version's number; Versions how many versions exist.
	Version  int `json:"version"`
	Versions int `json:"versions"`
	// FirstSeen is when the first version was stored; UpdatedAt when the article last
	// changed (a version stored, or current moved back by a revert).
	FirstSeen time.Time       `json:"first_seen"`
	UpdatedAt time.Time       `json:"updated_at"`
	Article   *schema.Article `json:"article"`
}

// Version is one stored version of an article.
type Version struct {
	Number      int             `json:"number"`
	ContentHash string          `json:"content_hash"`
	FetchedAt   time.Time       `json:"fetched_at"`
	ExtractedAt time.Time       `json:"extracted_at"`
	StoredAt    time.Time       `json:"stored_at"`
	Current     bool            `json:"current"`
	Article     *schema.Article `json:"article"`
}

// Query selects articles for List. Zero fields do not filter.
type Query struct {
	// Text is a full-text query over title and body: words that must all occur,
	// "quoted phrases", and -word or -"phrase" to exclude. Words match their stems in
	// the article's language where the store knows it. Words with Chinese, Japanese or
	// Korean characters match anywhere inside the text, as substrings (see HasCJK).
	Text string
	// Site is a host ("example.com"; "www." and case are ignored) or a URL on it.
	Site string
	// Author matches one of the article's authors exactly, ignoring case.
	Author string
	// Language is a BCP 47 primary subtag, e.g. "en"; a longer tag is cut to it.
	Language string
	// Story is a story id: the articles of that story.
	Story string
	// Since and Until bound the article's time (published, else fetched):
	// Since <= time < Until.
	Since, Until time.Time
	// Limit is the page size: default DefaultLimit, at most MaxLimit.
	Limit int
	// Cursor continues a previous List from its Page.Next.
	Cursor string
}

// Page sizes for List.
const (
	DefaultLimit = 20
	MaxLimit     = 100
)

// Page is one page of List results, newest article time first (ties by id).
type Page struct {
	Articles []Record `json:"articles"`
	// Next is the cursor of the following page, "" on the last page.
	Next string `json:"next,omitempty"`
}

// Writer stores articles.
type Writer interface {
	// Put stores one article (see the package comment for the version rules). It
	// returns ErrInvalidArticle for an article that cannot be stored and ErrConflict
	// when concurrent writers kept colliding; any other error is the database's and
	// means nothing was written.
	Put(ctx context.Context, a *schema.Article) (PutResult, error)
	// PutBatch stores articles in one transaction: all or none. Results are in input
	// order. The same content twice in a batch is stored once (the second reports
	// Unchanged); different content for one article becomes successive versions in
	// input order. One invalid article fails the whole batch with ErrInvalidArticle
	// naming its index; one the database refuses fails it with ErrRejected.
	PutBatch(ctx context.Context, as []*schema.Article) ([]PutResult, error)
}

// Reader reads stored articles.
type Reader interface {
	// Get returns the article with its current version, or ErrNotFound.
	Get(ctx context.Context, id string) (*Record, error)
	// List returns one page of the articles matching q, or ErrInvalidQuery.
	List(ctx context.Context, q Query) (*Page, error)
	// Versions returns every version of an article, oldest first, or ErrNotFound.
	Versions(ctx context.Context, id string) ([]Version, error)
	StoryReader
}

// Store is a complete article store.
type Store interface {
	Writer
	RowWriter
	Reader
	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	// Close releases the store; calls after it return ErrClosed.
	Close() error
}

// RowWriter stores rows made by Prepare, in one transaction, with PutBatch's semantics.
// Both stores implement it; the Batcher uses it so that each article is validated and
// encoded once.
type RowWriter interface {
	PutRows(ctx context.Context, rows []*Row) ([]PutResult, error)
}
