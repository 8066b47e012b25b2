package store

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/story"
)

// Stories: every stored article belongs to a story, the group of articles whose
// current bodies are copies of one text (package story defines the similarity). When
// a put makes a version current (a new article, a newer version, a revert), the store
// re-evaluates the article's story in the same transaction: it looks up the
// candidate keys of the new body (story.NumKeys index lookups), compares the body with
// the articles found, and the article joins the story of the most similar one at or
// above story.Threshold — staying in its own story when a copy there still matches,
// else a story of its own. A story's first copy names it: StoryID(article, content).
//
// Keys index the first article that had each key. A writer claims the keys of the
// bodies it assigns before it looks for candidates, so two writers assigning copies of
// one text at once serialise on a shared key (the second waits for the first to
// commit, then finds its copy) and the copies end in one story.
//
// Stories never merge: a copy joins one story, and a story keeps its copies until
// their own content changes.
//
// Most stories have one copy. The stores keep a story row (copies, origin, times) only
// for stories of two copies or more; a story of one is its copy's membership alone,
// and reads of it derive the rest (SingleCopyStory).

// ErrStoryNotFound: no story has the id.
var ErrStoryNotFound = errors.New("store: story not found")

// StoryID is the id of the story an article's version founds when it matches no
// stored copy.
func StoryID(articleID, contentHash string) string { return schema.ID("story", articleID, contentHash) }

// Options are a store's settings beyond its database, set at Open.
type Options struct {
	// Stories turns story assignment on (the default).
	Stories bool
}

// Option sets one of Options.
type Option func(*Options)

// WithStories turns story assignment on or off. Off, the store keeps no sketches, puts
// do no story work and every article's StoryID is empty: the store as it was before
// stories, for deployments that do not want them and for benchmarks.
func WithStories(on bool) Option { return func(o *Options) { o.Stories = on } }

// NewOptions applies opts to the defaults.
func NewOptions(opts ...Option) Options {
	o := Options{Stories: true}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// StoryAssigner is implemented by stores; the Batcher asks it whether to sketch rows
// (in the caller's goroutine, before they reach the writer).
type StoryAssigner interface {
	AssignsStories() bool
}

// StoryResult is the story of an article's current version after a put.
type StoryResult struct {
	ID string
	// Joined reports that this put assigned the story: the article's first story, or
	// another one after a new version. A put that leaves the story as it was (the same
	// content again, or a new version that still matches its story) does not join.
	Joined bool
	// Created reports that the article founded the story.
	Created bool
	// PreviousID is the story the article left, "" when it had none or stayed.
	PreviousID string
	// Similarity is the resemblance of the article's body with MatchedID's, the copy it
	// joined by; 1 and "" for a story's first copy.
	Similarity float64
	MatchedID  string
	// Copies is the number of articles in the story after the put.
	Copies int
	Origin story.Origin
}

// StoryCopy is one article of a story.
type StoryCopy struct {
	ArticleID   string     `json:"article_id"`
	Site        string     `json:"site"`
	URL         string     `json:"url"`
	Title       string     `json:"title"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// PublishedDayOnly reports that the page gave only the publication date.
	PublishedDayOnly bool `json:"published_day_only,omitempty"`
	// Version is the article's version the story was assessed on.
	Version int `json:"version"`
	// Similarity is the resemblance with MatchedID, the copy it joined by; 1 and ""
	// for the story's first copy.
	Similarity float64   `json:"similarity"`
	MatchedID  string    `json:"matched_id,omitempty"`
	JoinedAt   time.Time `json:"joined_at"`
	// Declared lists what the copy declares of the story's origin.
	Declared []story.Declaration `json:"declared,omitempty"`
	// Origin marks the story's origin copy.
	Origin bool `json:"origin"`
}

// Story is a group of copies of one text, for the read API.
type Story struct {
	ID     string       `json:"id"`
	Origin story.Origin `json:"origin"`
	// Copies are the story's articles, earliest published first (undated ones last),
	// ties by id.
	Copies    []StoryCopy `json:"copies"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// StoryReader reads stories.
type StoryReader interface {
	// Story returns a story with its copies, or ErrStoryNotFound.
	Story(ctx context.Context, id string) (*Story, error)
}

// StoryInput is what the story step reads of a row: its body's sketch and the origin
// its article declares. SketchRow makes it.
type StoryInput struct {
	Sketch   story.Sketch
	Declared []story.Declaration
}

// SketchRow computes r.Story unless it is set, from the row's text as the stores keep
// it.
func SketchRow(r *Row) {
	if r.Story != nil {
		return
	}
	a := *r.Article
	a.BodyText = r.Body
	r.Story = &StoryInput{Sketch: story.Make(r.Body), Declared: story.Declarations(&a)}
}

// Membership is an article's stored story membership, as the story step reads it.
type Membership struct {
	StoryID     string
	ContentHash string
	// Keys are the candidate keys of the assessed body (those the article may own).
	Keys      []int64
	MatchedID string
	// Similarity is with MatchedID.
	Similarity float64
	// Copies and Origin are the story's: 0 copies when the store has no row for it (a
	// story of one copy; Evidence then gives its origin).
	Copies int
	Origin story.Origin
	// Evidence is the member's own origin evidence.
	Evidence story.Member
}

// Candidate is a stored copy the story step compares a body with.
type Candidate struct {
	StoryID string
	Sketch  story.Sketch
}

// Peer is a stored copy of a story, with the candidate keys of its body.
type Peer struct {
	ArticleID string
	Candidate
	Keys []int64
}

// KeyOwner is a candidate key and the article it points to.
type KeyOwner struct {
	Key       int64
	ArticleID string
}

// MemberRow is a membership the story step writes.
type MemberRow struct {
	Row        *Row
	Version    int
	StoryID    string
	Similarity float64
	MatchedID  string
	// Joined reports a new story for the article: its joined time is the put's, else
	// the stored one is kept.
	Joined bool
}

// StoryState is a story row the story step writes: its copies (two or more) and
// origin, recomputed from its members.
type StoryState struct {
	ID     string
	Copies int
	Origin story.Origin
}

// PublishedOf returns a row's publication time and whether only its day is known.
func PublishedOf(r *Row) (*time.Time, bool) {
	if r.Article.PublishedAt == nil {
		return nil, false
	}
	t := Micro(*r.Article.PublishedAt)
	return &t, r.Article.PublishedPrecision == "day"
}

// SingleCopyStory completes st, a story the store has no row for, from its copies:
// created when the first joined, updated when the last changed, its origin resolved
// from their evidence.
func SingleCopyStory(st *Story, evidence []story.Member, updated []time.Time) {
	for i, c := range st.Copies {
		if i == 0 || c.JoinedAt.Before(st.CreatedAt) {
			st.CreatedAt = c.JoinedAt
		}
	}
	for _, u := range updated {
		if u.After(st.UpdatedAt) {
			st.UpdatedAt = u
		}
	}
	st.Origin = story.Resolve(evidence)
}

// SortCopies orders a story's copies for the read API: earliest published first,
// undated last, ties by id; and marks the origin.
func SortCopies(st *Story) {
	slices.SortFunc(st.Copies, func(a, b StoryCopy) int {
		switch {
		case a.PublishedAt == nil && b.PublishedAt != nil:
			return 1
		case a.PublishedAt != nil && b.PublishedAt == nil:
			return -1
		case a.PublishedAt != nil && !a.PublishedAt.Equal(*b.PublishedAt):
			return a.PublishedAt.Compare(*b.PublishedAt)
		}
		return cmp.Compare(a.ArticleID, b.ArticleID)
	})
	for i := range st.Copies {
		st.Copies[i].Origin = st.Copies[i].ArticleID == st.Origin.ArticleID && st.Origin.ArticleID != ""
	}
}
