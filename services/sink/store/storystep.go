package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/newsjet/newsjet/services/sink/story"
)

// StoryTx is the part of an open store transaction the story step uses. Each store
// implements it with its SQL; AssignStories holds the logic both share and calls the
// methods in their order here, each at most once per batch.
type StoryTx interface {
	// Start returns the stored memberships of the articles of ids that have one, and
	// makes each key of claim, in order, owned by its article where no article owns it
	// yet, returning the owner of every key of claim. Where transactions may run
	// concurrently, the claim waits for a concurrent writer's claim of the same key to
	// commit or roll back, and the owners are read after it. A store whose
	// transactions run one at a time may defer the claim's writes to Write.
	Start(ctx context.Context, ids []string, claim []KeyOwner) (map[string]Membership, map[int64]string, error)
	// Candidates returns the stored membership sketches of the articles of ids that
	// have one, and the stored copies of the stories of peers but those of exclude, by
	// story.
	Candidates(ctx context.Context, ids, peers, exclude []string) (map[string]Candidate, map[string][]Peer, error)
	// Evidence locks the stories (in id order, waiting for concurrent writers of them)
	// and returns the origin evidence of their stored members, read after the lock.
	Evidence(ctx context.Context, storyIDs []string) (map[string][]story.Member, error)
	// Write applies the step's writes.
	Write(ctx context.Context, w StoryWrite) error
}

// StoryWrite is what the story step writes, in this order.
type StoryWrite struct {
	// Drop are keys re-evaluated articles owned and their new bodies lack; Handover
	// passes some of them to another copy of the story (claimed as in Start).
	Drop, Handover []KeyOwner
	Members        []MemberRow
	// States are the stories of two copies or more; Unrowed the stories whose row
	// goes (one copy left, or none).
	States  []StoryState
	Unrowed []string
	Now     time.Time
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

// SetStories records the story step's outcome on the current results of d: each
// its story from res or, when err is not nil, err as its StoryErr (the articles are
// stored all the same). An article put more than once in the batch joins its story
// once: its first current result carries the story as res has it, the later ones
// the story without Joined, Created and PreviousID.
func (d *Decision) SetStories(res map[string]*StoryResult, err error) {
	seen := make(map[string]bool)
	for i := range d.Results {
		r := &d.Results[i]
		switch {
		case !r.Current:
		case err != nil:
			r.StoryErr = err
		case res[r.ID] == nil:
		case seen[r.ID]:
			again := *res[r.ID]
			again.Joined, again.Created, again.PreviousID = false, false, ""
			r.Story = &again
		default:
			seen[r.ID] = true
			r.Story = res[r.ID]
		}
	}
}

// AssignStories runs the story step for rows, the current rows of a batch
// (CurrentRows), whose versions d decided, and returns the story of each article. A row
// whose article already has a membership for its content is left as it is; the others
// are assigned in input order, a row seeing the rows before it. A row re-evaluated
// (a new version of an article with a story) is also compared with the other copies
// of its story, and the keys its old body owned and its new one lacks pass to a copy
// of the story that has them, so the story stays findable by them.
//
// It makes at most four calls on tx: Start, Candidates, Evidence (only when a story
// that may have stored copies gains or loses one) and Write.
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
	var claim []KeyOwner
	for i, r := range rows {
		ids[i] = r.ID
		SketchRow(r)
		for _, k := range r.Story.Sketch.Keys {
			claim = append(claim, KeyOwner{k, r.ID})
		}
	}
	// Claimed in key order, so that writers claiming shared keys wait for each other
	// in one order and cannot deadlock on them. A row whose membership turns out to be
	// current claims keys it owns already: nothing changes.
	slices.SortFunc(claim, func(a, b KeyOwner) int {
		if a.Key != b.Key {
			return cmp.Compare(a.Key, b.Key)
		}
		return cmp.Compare(a.ArticleID, b.ArticleID)
	})
	have, owners, err := tx.Start(ctx, ids, claim)
	if err != nil {
		return nil, fmt.Errorf("reading memberships and claiming keys: %w", err)
	}
	known := make(map[string]bool) // stories that may have stored copies
	rowed := make(map[string]bool) // stories with a stored row
	for id, m := range have {
		known[m.StoryID] = true
		if m.Copies > 0 {
			rowed[m.StoryID] = true
			continue
		}
		m.Copies, m.Origin = 1, story.Resolve([]story.Member{m.Evidence})
		have[id] = m
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
		inBatch[r.ID] = len(todo)
		todo = append(todo, r)
		if ok && !slices.Contains(prevStories, m.StoryID) {
			prevStories = append(prevStories, m.StoryID)
		}
	}
	if len(todo) == 0 {
		return out, nil
	}
	var owned []string
	seen := make(map[string]bool)
	for _, o := range owners {
		if _, in := inBatch[o]; !in && !seen[o] {
			seen[o] = true
			owned = append(owned, o)
		}
	}
	slices.Sort(owned)
	var reassessed []string
	if len(prevStories) > 0 {
		for _, r := range todo {
			reassessed = append(reassessed, r.ID)
		}
	}
	cands, peers, err := tx.Candidates(ctx, owned, prevStories, reassessed)
	if err != nil {
		return nil, fmt.Errorf("reading candidates: %w", err)
	}
	for _, c := range cands {
		known[c.StoryID] = true
	}
	for _, ps := range peers {
		for _, p := range ps {
			cands[p.ArticleID] = p.Candidate
		}
	}

	w := StoryWrite{Now: now, Members: make([]MemberRow, len(todo))}
	for _, r := range todo {
		prev, ok := have[r.ID]
		if !ok {
			continue
		}
		for _, k := range prev.Keys {
			if slices.Contains(r.Story.Sketch.Keys, k) {
				continue
			}
			w.Drop = append(w.Drop, KeyOwner{k, r.ID})
			for _, p := range peers[prev.StoryID] {
				if slices.Contains(p.Keys, k) {
					w.Handover = append(w.Handover, KeyOwner{k, p.ArticleID})
					break
				}
			}
		}
	}

	// Decide in input order. A batch row is a candidate of the rows after it, by the
	// keys they share, whichever of them the claim made the owner.
	firstWithKey := make(map[int64]int)
	copies := make(map[string]int) // change of each story's copies in this batch
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
				return Candidate{StoryID: w.Members[j].StoryID, Sketch: todo[j].Story.Sketch}, true
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
		w.Members[i] = m
		touched[m.StoryID] = true
		out[r.ID] = res
	}

	ts := make([]string, 0, len(touched))
	var withCopies []string
	for id := range touched {
		ts = append(ts, id)
		if known[id] {
			withCopies = append(withCopies, id)
		}
	}
	slices.Sort(ts)
	slices.Sort(withCopies)
	// Stories founded in this batch have no stored copy: no need to read them.
	var stored map[string][]story.Member
	if len(withCopies) > 0 {
		if stored, err = tx.Evidence(ctx, withCopies); err != nil {
			return nil, fmt.Errorf("reading the evidence of stories: %w", err)
		}
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
	for _, m := range w.Members {
		evidence[m.StoryID] = append(evidence[m.StoryID], memberEvidence(m.Row))
	}
	byID := make(map[string]StoryState, len(ts))
	for _, id := range ts {
		ev := evidence[id]
		st := StoryState{ID: id, Copies: len(ev), Origin: story.Resolve(ev)}
		byID[id] = st
		switch {
		case st.Copies >= 2:
			w.States = append(w.States, st)
		case rowed[id]:
			w.Unrowed = append(w.Unrowed, id)
		}
	}
	if err := tx.Write(ctx, w); err != nil {
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
	return story.Member{ArticleID: r.ID, Site: r.Site, SiteName: r.Article.SiteName, Published: published,
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
