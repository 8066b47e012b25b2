package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/story"
)

// AssignsStories implements store.StoryAssigner.
func (s *Store) AssignsStories() bool { return s.opts.Stories }

// assignStories runs the story step of a batch inside its transaction. The
// transaction holds the database's write lock, so no other writer assigns stories
// meanwhile, and the step reads everything it needs before it writes anything (see
// storyTx): a failure while reading is the story step's own, and the articles are
// stored without a new story, each current row's result carrying the error. A
// cancelled context, or a failure while writing, fails the transaction.
func (s *Store) assignStories(ctx context.Context, tx *sql.Tx, rows []*store.Row, d *store.Decision) error {
	if !s.opts.Stories {
		return nil
	}
	cur := store.CurrentRows(rows, *d)
	if len(cur) == 0 {
		return nil
	}
	st := &storyTx{tx: tx}
	res, err := store.AssignStories(ctx, st, cur, *d, store.Micro(time.Now()))
	if err != nil {
		if ctx.Err() != nil || st.writing {
			return err
		}
		for i := range d.Results {
			if d.Results[i].Current {
				d.Results[i].StoryErr = fmt.Errorf("sqlite: assigning stories: %w", err)
			}
		}
		return nil
	}
	for i := range d.Results {
		if d.Results[i].Current {
			d.Results[i].Story = res[d.Results[i].ID]
		}
	}
	return nil
}

// storyTx implements store.StoryTx on a write transaction. It only reads until Write:
// the key claims are kept until then (no other transaction runs meanwhile), so a
// story step that fails before Write has changed nothing and needs no savepoint (a
// savepoint would make SQLite copy every page the step changes to a sub-journal).
type storyTx struct {
	tx *sql.Tx
	// drop and claim are the key changes ClaimKeys decided, written by Write.
	drop, claim []store.KeyOwner
	// writing is set once Write has begun.
	writing bool
}

// chunks calls fn with successive slices of at most n elements of all.
func chunks[T any](all []T, n int, fn func([]T) error) error {
	for len(all) > 0 {
		c := all[:min(len(all), n)]
		all = all[len(c):]
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

func placeholders(n, per int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", per), ",") + ")"
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

// jsonList encodes a list for json_each: the story step's statements take their sets
// as one JSON parameter, so their SQL is the same whatever the batch's size.
func jsonList(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func keyPairs(ko []store.KeyOwner) []any {
	out := make([]any, len(ko))
	for i, k := range ko {
		out[i] = []any{k.Key, k.ArticleID}
	}
	return out
}

// scanAll runs a query and calls fn for each row.
func scanAll(ctx context.Context, tx *sql.Tx, query string, args []any, fn func(rs *sql.Rows) error) error {
	rs, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	for rs.Next() {
		if err := fn(rs); err != nil {
			rs.Close()
			return err
		}
	}
	return closeRows(rs)
}

func (t *storyTx) Memberships(ctx context.Context, ids []string) (map[string]store.Membership, error) {
	out := make(map[string]store.Membership, len(ids))
	list, err := jsonList(ids)
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT m.article_id, m.story_id, m.content_hash, m.keys, m.matched_id, m.similarity,
			coalesce(s.copies, 0), coalesce(s.origin, '{}')
		FROM story_members m LEFT JOIN stories s ON s.id = m.story_id
		WHERE m.article_id IN (SELECT value FROM json_each(?))`, []any{list}, func(rs *sql.Rows) error {
		var id, keys, origin string
		var m store.Membership
		if err := rs.Scan(&id, &m.StoryID, &m.ContentHash, &keys, &m.MatchedID, &m.Similarity, &m.Copies, &origin); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(keys), &m.Keys); err != nil {
			return fmt.Errorf("keys of %s: %w", id, err)
		}
		if err := json.Unmarshal([]byte(origin), &m.Origin); err != nil {
			return fmt.Errorf("story %s origin: %w", m.StoryID, err)
		}
		out[id] = m
		return nil
	})
	return out, err
}

// ClaimKeys implements store.StoryTx: it reads the owners of the keys of claim that
// are claimed (drop's own keys no longer count), and keeps the changes for Write; the
// first claimant in claim's order owns a key no article owned.
func (t *storyTx) ClaimKeys(ctx context.Context, drop, claim []store.KeyOwner) (map[int64]string, error) {
	owners := make(map[int64]string, len(claim))
	t.drop = drop
	if len(claim) == 0 {
		return owners, nil
	}
	dropped := make(map[store.KeyOwner]bool, len(drop))
	for _, k := range drop {
		dropped[k] = true
	}
	keys := make([]int64, len(claim))
	for i, k := range claim {
		keys[i] = k.Key
	}
	list, err := jsonList(keys)
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT hash, article_id FROM story_keys WHERE hash IN (SELECT value FROM json_each(?))`,
		[]any{list}, func(rs *sql.Rows) error {
			var k store.KeyOwner
			if err := rs.Scan(&k.Key, &k.ArticleID); err != nil {
				return err
			}
			if !dropped[k] {
				owners[k.Key] = k.ArticleID
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	for _, k := range claim {
		if _, ok := owners[k.Key]; !ok {
			owners[k.Key] = k.ArticleID
			t.claim = append(t.claim, k)
		}
	}
	return owners, nil
}

func (t *storyTx) Candidates(ctx context.Context, ids []string) (map[string]store.Candidate, error) {
	out := make(map[string]store.Candidate, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	list, err := jsonList(ids)
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT article_id, story_id, sketch FROM story_members
		WHERE article_id IN (SELECT value FROM json_each(?))`, []any{list}, func(rs *sql.Rows) error {
		var id string
		var sketch []byte
		var c store.Candidate
		if err := rs.Scan(&id, &c.StoryID, &sketch); err != nil {
			return err
		}
		if err := c.Sketch.UnmarshalBinary(sketch); err != nil {
			return fmt.Errorf("sketch of %s: %w", id, err)
		}
		out[id] = c
		return nil
	})
	return out, err
}

func (t *storyTx) StoryPeers(ctx context.Context, storyIDs, exclude []string) (map[string][]store.Peer, error) {
	out := make(map[string][]store.Peer, len(storyIDs))
	if len(storyIDs) == 0 {
		return out, nil
	}
	stories, err := jsonList(storyIDs)
	if err != nil {
		return nil, err
	}
	excluded, err := jsonList(exclude)
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT article_id, story_id, sketch, keys FROM story_members
		WHERE story_id IN (SELECT value FROM json_each(?)) AND article_id NOT IN (SELECT value FROM json_each(?))`,
		[]any{stories, excluded}, func(rs *sql.Rows) error {
			var p store.Peer
			var sketch []byte
			var keys string
			if err := rs.Scan(&p.ArticleID, &p.StoryID, &sketch, &keys); err != nil {
				return err
			}
			if err := p.Sketch.UnmarshalBinary(sketch); err != nil {
				return fmt.Errorf("sketch of %s: %w", p.ArticleID, err)
			}
			if err := json.Unmarshal([]byte(keys), &p.Keys); err != nil {
				return fmt.Errorf("keys of %s: %w", p.ArticleID, err)
			}
			out[p.StoryID] = append(out[p.StoryID], p)
			return nil
		})
	return out, err
}

func (t *storyTx) Evidence(ctx context.Context, storyIDs []string) (map[string][]story.Member, error) {
	evidence := make(map[string][]story.Member, len(storyIDs))
	list, err := jsonList(storyIDs)
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT story_id, article_id, site, site_name, published_at, day_only, declared
		FROM story_members WHERE story_id IN (SELECT value FROM json_each(?)) ORDER BY story_id, article_id`,
		[]any{list}, func(rs *sql.Rows) error {
			var sid, dec string
			var pub sql.NullInt64
			var m story.Member
			if err := rs.Scan(&sid, &m.ArticleID, &m.Site, &m.SiteName, &pub, &m.DayOnly, &dec); err != nil {
				return err
			}
			if pub.Valid {
				t := time.UnixMicro(pub.Int64).UTC()
				m.Published = &t
			}
			if err := json.Unmarshal([]byte(dec), &m.Declared); err != nil {
				return fmt.Errorf("declarations of %s: %w", m.ArticleID, err)
			}
			evidence[sid] = append(evidence[sid], m)
			return nil
		})
	return evidence, err
}

// memberColumns is the number of columns Write writes per member.
const memberColumns = 17

func (t *storyTx) Write(ctx context.Context, members []store.MemberRow, states []store.StoryState, empty []string, now time.Time) error {
	t.writing = true
	if len(t.drop) > 0 {
		list, err := jsonList(keyPairs(t.drop))
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, `DELETE FROM story_keys WHERE (hash, article_id) IN
			(SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) j)`, list); err != nil {
			return err
		}
	}
	if len(t.claim) > 0 {
		list, err := jsonList(keyPairs(t.claim))
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO story_keys (hash, article_id)
			SELECT j.value ->> 0, j.value ->> 1 FROM json_each(?) j`, list); err != nil {
			return err
		}
	}
	at := now.UnixMicro()
	err := chunks(members, maxParams/memberColumns, func(c []store.MemberRow) error {
		args := make([]any, 0, memberColumns*len(c))
		for _, m := range c {
			r := m.Row
			sk, err := r.Story.Sketch.MarshalBinary()
			if err != nil {
				return err
			}
			keys, err := json.Marshal(r.Story.Sketch.Keys)
			if err != nil {
				return err
			}
			dec, err := json.Marshal(r.Story.Declared)
			if err != nil {
				return err
			}
			var published any
			p, day := store.PublishedOf(r)
			if p != nil {
				published = p.UnixMicro()
			}
			args = append(args, r.ID, m.StoryID, m.Version, r.ContentHash, m.Similarity, m.MatchedID, sk, string(keys),
				r.Site, r.CanonicalURL, r.Title, strings.ReplaceAll(r.Article.SiteName, "\x00", ""), published, day, string(dec), at, at)
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO story_members AS m (article_id, story_id, version, content_hash,
				similarity, matched_id, sketch, keys, site, url, title, site_name, published_at, day_only, declared,
				joined_at, updated_at)
			VALUES `+placeholders(len(c), memberColumns)+`
			ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id, version = excluded.version,
				content_hash = excluded.content_hash, similarity = excluded.similarity, matched_id = excluded.matched_id,
				sketch = excluded.sketch, keys = excluded.keys, site = excluded.site, url = excluded.url,
				title = excluded.title, site_name = excluded.site_name, published_at = excluded.published_at,
				day_only = excluded.day_only, declared = excluded.declared, updated_at = excluded.updated_at,
				joined_at = CASE WHEN m.story_id = excluded.story_id THEN m.joined_at ELSE excluded.joined_at END`, args...)
		return err
	})
	if err != nil {
		return err
	}
	if len(states) > 0 {
		rows := make([]any, len(states))
		for i, st := range states {
			o, err := json.Marshal(st.Origin)
			if err != nil {
				return err
			}
			rows[i] = []any{st.ID, st.Copies, string(o)}
		}
		list, err := jsonList(rows)
		if err != nil {
			return err
		}
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO stories (id, copies, origin, created_at, updated_at)
			SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, ?, ? FROM json_each(?) j WHERE true
			ON CONFLICT (id) DO UPDATE SET copies = excluded.copies, origin = excluded.origin, updated_at = excluded.updated_at`,
			at, at, list); err != nil {
			return err
		}
	}
	if len(empty) == 0 {
		return nil
	}
	list, err := jsonList(empty)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `DELETE FROM stories WHERE id IN (SELECT value FROM json_each(?))`, list)
	return err
}

// Story implements store.StoryReader.
func (s *Store) Story(ctx context.Context, id string) (*store.Story, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	st := &store.Story{ID: id, Copies: []store.StoryCopy{}}
	var origin string
	var created, updated int64
	err := s.db.QueryRowContext(ctx, `SELECT origin, created_at, updated_at FROM stories WHERE id = ?`, id).
		Scan(&origin, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %q", store.ErrStoryNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading story %q: %w", id, err)
	}
	st.CreatedAt, st.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	if err := json.Unmarshal([]byte(origin), &st.Origin); err != nil {
		return nil, fmt.Errorf("sqlite: story %q origin: %w", id, err)
	}
	rs, err := s.db.QueryContext(ctx, `SELECT article_id, site, url, title, published_at, day_only, version, similarity,
		matched_id, joined_at, declared FROM story_members WHERE story_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading story %q: %w", id, err)
	}
	defer rs.Close()
	for rs.Next() {
		var c store.StoryCopy
		var pub sql.NullInt64
		var joined int64
		var dec string
		if err := rs.Scan(&c.ArticleID, &c.Site, &c.URL, &c.Title, &pub, &c.PublishedDayOnly, &c.Version, &c.Similarity,
			&c.MatchedID, &joined, &dec); err != nil {
			return nil, fmt.Errorf("sqlite: reading story %q: %w", id, err)
		}
		c.JoinedAt = time.UnixMicro(joined).UTC()
		if pub.Valid {
			t := time.UnixMicro(pub.Int64).UTC()
			c.PublishedAt = &t
		}
		if err := json.Unmarshal([]byte(dec), &c.Declared); err != nil {
			return nil, fmt.Errorf("sqlite: declarations of %s: %w", c.ArticleID, err)
		}
		st.Copies = append(st.Copies, c)
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading story %q: %w", id, err)
	}
	store.SortCopies(st)
	return st, nil
}
