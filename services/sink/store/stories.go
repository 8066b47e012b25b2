package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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

// SketchRow computes r.Story unless it is set, from the row's text (NUL characters
// removed, as the stores keep it).
func SketchRow(r *Row) {
	if r.Story != nil {
		return
	}
	a := *r.Article
	a.BodyText, a.Organization = r.Body, stripNUL(a.Organization)
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
	// Copies and Origin are the story's.
	Copies int
	Origin story.Origin
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

// StoryState is a story row the story step writes: its copies and origin, recomputed
// from its members.
type StoryState struct {
	ID     string
	Copies int
	Origin story.Origin
}

// StoryTx is the part of an open store transaction the story step uses. Each store
// implements it with its SQL; AssignStories holds the logic both share, and calls
// the methods in their order here.
type StoryTx interface {
	// Memberships returns the stored memberships of the articles that have one.
	Memberships(ctx context.Context, ids []string) (map[string]Membership, error)
	// StoryPeers returns the stored copies of the stories but those of exclude, by story.
	StoryPeers(ctx context.Context, storyIDs, exclude []string) (map[string][]Peer, error)
	// ClaimKeys removes drop (keys their article no longer has), then makes each key of
	// claim, in order, owned by its article where no article owns it yet, and returns
	// the owner of every key of claim. Where transactions may run concurrently, it
	// waits for a concurrent writer's claim of the same key to commit or roll back
	// before it reads the owners. A store whose transactions run one at a time may
	// defer the writes to Write.
	ClaimKeys(ctx context.Context, drop, claim []KeyOwner) (map[int64]string, error)
	// Candidates returns the stored membership sketches of the articles that have one.
	Candidates(ctx context.Context, ids []string) (map[string]Candidate, error)
	// Evidence locks the stories (in id order, waiting for concurrent writers of them)
	// and returns the origin evidence of their stored members, read after the lock.
	Evidence(ctx context.Context, storyIDs []string) (map[string][]story.Member, error)
	// Write writes the members and the story states, and deletes the stories of
	// empty, which have no member left.
	Write(ctx context.Context, members []MemberRow, states []StoryState, empty []string, now time.Time) error
}

// CurrentRows returns, per article of a batch, the row holding its current version
// after the batch (the last such row in input order), in input order of those rows.
func CurrentRows(rows []*Row, d Decision) []*Row {
	last := make(map[string]int, len(rows))
	for i, res := range d.Results {
		if res.Current {
			last[res.ID] = i
		}
	}
	out := make([]*Row, 0, len(last))
	for i, r := range rows {
		if j, ok := last[r.ID]; ok && j == i {
			out = append(out, r)
		}
	}
	return out
}

// AssignStories runs the story step for rows, the current rows of a batch
// (CurrentRows), whose versions d decided, and returns the story of each article. A row
// whose article already has a membership for its content is left as it is; the others
// are assigned in input order, a row seeing the rows before it. A row re-evaluated
// (a new version of an article with a story) is also compared with the other copies
// of its story, and the keys its old body owned and its new one lacks pass to a copy
// of the story that has them, so the story stays findable by them.
func AssignStories(ctx context.Context, tx StoryTx, rows []*Row, d Decision, now time.Time) (map[string]*StoryResult, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	version := make(map[string]int, len(d.Results))
	for _, res := range d.Results {
		if res.Current {
			version[res.ID] = res.Version
		}
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	have, err := tx.Memberships(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("reading memberships: %w", err)
	}
	out := make(map[string]*StoryResult, len(rows))
	var todo []*Row
	inBatch := make(map[string]int)
	var prevStories []string
	for _, r := range rows {
		m, ok := have[r.ID]
		if ok && m.ContentHash == r.ContentHash {
			out[r.ID] = &StoryResult{ID: m.StoryID, Similarity: m.Similarity, MatchedID: m.MatchedID, Copies: m.Copies, Origin: m.Origin}
			continue
		}
		SketchRow(r)
		inBatch[r.ID] = len(todo)
		todo = append(todo, r)
		if ok && !slices.Contains(prevStories, m.StoryID) {
			prevStories = append(prevStories, m.StoryID)
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	reassessed := make([]string, len(todo))
	for i, r := range todo {
		reassessed[i] = r.ID
	}
	peers, err := tx.StoryPeers(ctx, prevStories, reassessed)
	if err != nil {
		return nil, fmt.Errorf("reading the copies of re-evaluated stories: %w", err)
	}

	var drop, claim []KeyOwner
	for _, r := range todo {
		for _, k := range r.Story.Sketch.Keys {
			claim = append(claim, KeyOwner{k, r.ID})
		}
		prev, ok := have[r.ID]
		if !ok {
			continue
		}
		for _, k := range prev.Keys {
			drop = append(drop, KeyOwner{k, r.ID})
			if slices.Contains(r.Story.Sketch.Keys, k) {
				continue
			}
			for _, p := range peers[prev.StoryID] {
				if slices.Contains(p.Keys, k) {
					claim = append(claim, KeyOwner{k, p.ArticleID})
					break
				}
			}
		}
	}
	slices.SortFunc(claim, func(a, b KeyOwner) int {
		if a.Key != b.Key {
			return cmp.Compare(a.Key, b.Key)
		}
		return cmp.Compare(a.ArticleID, b.ArticleID)
	})
	owners, err := tx.ClaimKeys(ctx, drop, claim)
	if err != nil {
		return nil, fmt.Errorf("claiming candidate keys: %w", err)
	}
	known := make(map[string]bool)
	for _, ps := range peers {
		for _, p := range ps {
			known[p.ArticleID] = true
		}
	}
	var owned []string
	for _, o := range owners {
		if _, in := inBatch[o]; !in && !known[o] {
			known[o] = true
			owned = append(owned, o)
		}
	}
	slices.Sort(owned)
	cands, err := tx.Candidates(ctx, owned)
	if err != nil {
		return nil, fmt.Errorf("reading candidates: %w", err)
	}
	for _, ps := range peers {
		for _, p := range ps {
			cands[p.ArticleID] = p.Candidate
		}
	}

	// Decide in input order. A batch row is a candidate of the rows after it, by the
	// keys they share, whichever of them the claim made the owner.
	firstWithKey := make(map[int64]int)
	copies := make(map[string]int) // change of each story's copies in this batch
	members := make([]MemberRow, len(todo))
	touched := map[string]bool{}
	for i, r := range todo {
		var found []string
		add := func(id string) {
			if j, in := inBatch[id]; id != r.ID && (!in || j < i) && !slices.Contains(found, id) {
				found = append(found, id)
			}
		}
		for _, k := range r.Story.Sketch.Keys {
			if o, ok := owners[k]; ok {
				add(o)
			}
			if j, ok := firstWithKey[k]; ok {
				add(todo[j].ID)
			} else {
				firstWithKey[k] = i
			}
		}
		prev, hadStory := have[r.ID]
		if hadStory {
			for _, p := range peers[prev.StoryID] {
				add(p.ArticleID)
			}
		}
		candidate := func(id string) (Candidate, bool) {
			if j, ok := inBatch[id]; ok {
				return Candidate{StoryID: members[j].StoryID, Sketch: todo[j].Story.Sketch}, true
			}
			c, ok := cands[id]
			return c, ok
		}
		m := decide(r, found, candidate, prev, hadStory, copies)
		m.Version = version[r.ID]
		m.Joined = !hadStory || prev.StoryID != m.StoryID
		res := &StoryResult{ID: m.StoryID, Joined: m.Joined, Created: m.Joined && m.MatchedID == "",
			Similarity: m.Similarity, MatchedID: m.MatchedID}
		if m.Joined {
			copies[m.StoryID]++
			if hadStory {
				res.PreviousID = prev.StoryID
				copies[prev.StoryID]--
				touched[prev.StoryID] = true
			}
		}
		members[i] = m
		touched[m.StoryID] = true
		out[r.ID] = res
	}

	ts := make([]string, 0, len(touched))
	for id := range touched {
		ts = append(ts, id)
	}
	slices.Sort(ts)
	stored, err := tx.Evidence(ctx, ts)
	if err != nil {
		return nil, fmt.Errorf("reading the evidence of stories: %w", err)
	}
	// The stories' members after the batch: the stored ones but those reassessed,
	// plus the reassessed ones in their story.
	evidence := make(map[string][]story.Member, len(ts))
	for id, ms := range stored {
		for _, m := range ms {
			if _, again := inBatch[m.ArticleID]; !again {
				evidence[id] = append(evidence[id], m)
			}
		}
	}
	for _, m := range members {
		evidence[m.StoryID] = append(evidence[m.StoryID], memberEvidence(m.Row))
	}
	var states []StoryState
	var empty []string
	byID := make(map[string]StoryState, len(ts))
	for _, id := range ts {
		ev := evidence[id]
		if len(ev) == 0 {
			empty = append(empty, id)
			continue
		}
		st := StoryState{ID: id, Copies: len(ev), Origin: story.Resolve(ev)}
		states = append(states, st)
		byID[id] = st
	}
	if err := tx.Write(ctx, members, states, empty, now); err != nil {
		return nil, fmt.Errorf("writing stories: %w", err)
	}
	for _, res := range out {
		if st, ok := byID[res.ID]; ok {
			res.Copies, res.Origin = st.Copies, st.Origin
		}
	}
	return out, nil
}

// memberEvidence is the origin evidence of a row, as the stores keep it.
func memberEvidence(r *Row) story.Member {
	published, dayOnly := PublishedOf(r)
	return story.Member{ArticleID: r.ID, Site: r.Site, SiteName: stripNUL(r.Article.SiteName), Published: published,
		DayOnly: dayOnly, Declared: r.Story.Declared}
}

// decide chooses the story of row r among the candidates found by its keys: the
// story it had when a copy there still matches, else the story of the most similar
// candidate at or above the threshold (ties by id), else the story it had when it is
// that story's only copy, else a new story it founds.
func decide(r *Row, found []string, candidate func(string) (Candidate, bool), prev Membership, hadStory bool,
	copies map[string]int) MemberRow {
	slices.Sort(found)
	var best, bestOwn string
	bestSim, bestOwnSim := -1.0, -1.0
	bestStory := ""
	for _, id := range found {
		c, ok := candidate(id)
		if !ok {
			continue
		}
		s := story.Similarity(&r.Story.Sketch, &c.Sketch)
		if s < story.Threshold {
			continue
		}
		if s > bestSim {
			best, bestSim, bestStory = id, s, c.StoryID
		}
		if hadStory && c.StoryID == prev.StoryID && s > bestOwnSim {
			bestOwn, bestOwnSim = id, s
		}
	}
	m := MemberRow{Row: r}
	switch {
	case bestOwn != "":
		m.StoryID, m.MatchedID, m.Similarity = prev.StoryID, bestOwn, bestOwnSim
	case best != "":
		m.StoryID, m.MatchedID, m.Similarity = bestStory, best, bestSim
	case hadStory && prev.Copies+copies[prev.StoryID] <= 1:
		m.StoryID, m.Similarity = prev.StoryID, 1
	default:
		m.StoryID, m.Similarity = StoryID(r.ID, r.ContentHash), 1
	}
	return m
}

// PublishedOf returns a row's publication time and whether only its day is known.
func PublishedOf(r *Row) (*time.Time, bool) {
	if r.Article.PublishedAt == nil {
		return nil, false
	}
	t := Micro(*r.Article.PublishedAt)
	return &t, r.Article.PublishedPrecision == "day"
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
