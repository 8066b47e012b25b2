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

// assignStories runs the story step of a batch inside its transaction, under a
// savepoint. The transaction holds the database's write lock, so no other writer
// assigns stories meanwhile. A cancelled context fails the transaction; any other
// failure is the story step's own: the savepoint is rolled back, the articles are
// stored without a new story, and each current row's result carries the error.
func (s *Store) assignStories(ctx context.Context, tx *sql.Tx, rows []*store.Row, d *store.Decision) error {
	if !s.opts.Stories {
		return nil
	}
	cur := store.CurrentRows(rows, *d)
	if len(cur) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SAVEPOINT stories`); err != nil {
		return err
	}
	res, err := store.AssignStories(ctx, storyTx{tx}, cur, *d, store.Micro(time.Now()))
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO stories`); rerr != nil {
			return errors.Join(err, rerr)
		}
		for i := range d.Results {
			if d.Results[i].Current {
				d.Results[i].StoryErr = fmt.Errorf("sqlite: assigning stories: %w", err)
			}
		}
	}
	if _, rerr := tx.ExecContext(ctx, `RELEASE stories`); rerr != nil {
		return errors.Join(err, rerr)
	}
	if err != nil {
		return nil
	}
	for i := range d.Results {
		if d.Results[i].Current {
			d.Results[i].Story = res[d.Results[i].ID]
		}
	}
	return nil
}

// storyTx implements store.StoryTx on a write transaction.
type storyTx struct{ tx *sql.Tx }

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

func inList(n int) string { return strings.TrimSuffix(strings.Repeat("?,", n), ",") }

func anys[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func (t storyTx) Memberships(ctx context.Context, ids []string) (map[string]store.Membership, error) {
	out := make(map[string]store.Membership, len(ids))
	err := chunks(ids, maxParams, func(c []string) error {
		rs, err := t.tx.QueryContext(ctx, `SELECT m.article_id, m.story_id, m.content_hash, m.keys, m.matched_id,
				m.similarity, coalesce(s.copies, 0), coalesce(s.origin, '{}')
			FROM story_members m LEFT JOIN stories s ON s.id = m.story_id WHERE m.article_id IN (`+inList(len(c))+`)`, anys(c)...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var id, keys, origin string
			var m store.Membership
			if err := rs.Scan(&id, &m.StoryID, &m.ContentHash, &keys, &m.MatchedID, &m.Similarity, &m.Copies, &origin); err != nil {
				rs.Close()
				return err
			}
			if err := json.Unmarshal([]byte(keys), &m.Keys); err != nil {
				rs.Close()
				return fmt.Errorf("keys of %s: %w", id, err)
			}
			if err := json.Unmarshal([]byte(origin), &m.Origin); err != nil {
				rs.Close()
				return fmt.Errorf("story %s origin: %w", m.StoryID, err)
			}
			out[id] = m
		}
		return closeRows(rs)
	})
	return out, err
}

func (t storyTx) ClaimKeys(ctx context.Context, drop, claim []store.KeyOwner) (map[int64]string, error) {
	flat := func(ko []store.KeyOwner) []any {
		args := make([]any, 0, 2*len(ko))
		for _, k := range ko {
			args = append(args, k.Key, k.ArticleID)
		}
		return args
	}
	err := chunks(drop, maxParams/2, func(c []store.KeyOwner) error {
		_, err := t.tx.ExecContext(ctx, `DELETE FROM story_keys WHERE (hash, article_id) IN (VALUES `+placeholders(len(c), 2)+`)`, flat(c)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	err = chunks(claim, maxParams/2, func(c []store.KeyOwner) error {
		_, err := t.tx.ExecContext(ctx, `INSERT INTO story_keys (hash, article_id) VALUES `+placeholders(len(c), 2)+
			` ON CONFLICT (hash) DO NOTHING`, flat(c)...)
		return err
	})
	if err != nil {
		return nil, err
	}
	owners := make(map[int64]string, len(claim))
	keys := make([]int64, len(claim))
	for i, k := range claim {
		keys[i] = k.Key
	}
	err = chunks(keys, maxParams, func(c []int64) error {
		rs, err := t.tx.QueryContext(ctx, `SELECT hash, article_id FROM story_keys WHERE hash IN (`+inList(len(c))+`)`, anys(c)...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var k int64
			var id string
			if err := rs.Scan(&k, &id); err != nil {
				rs.Close()
				return err
			}
			owners[k] = id
		}
		return closeRows(rs)
	})
	return owners, err
}

func (t storyTx) Candidates(ctx context.Context, ids []string) (map[string]store.Candidate, error) {
	out := make(map[string]store.Candidate, len(ids))
	err := chunks(ids, maxParams, func(c []string) error {
		rs, err := t.tx.QueryContext(ctx, `SELECT article_id, story_id, sketch FROM story_members WHERE article_id IN (`+inList(len(c))+`)`, anys(c)...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var id string
			var sketch []byte
			var c store.Candidate
			if err := rs.Scan(&id, &c.StoryID, &sketch); err != nil {
				rs.Close()
				return err
			}
			if err := c.Sketch.UnmarshalBinary(sketch); err != nil {
				rs.Close()
				return fmt.Errorf("sketch of %s: %w", id, err)
			}
			out[id] = c
		}
		return closeRows(rs)
	})
	return out, err
}

func (t storyTx) StoryPeers(ctx context.Context, storyIDs, exclude []string) (map[string][]store.Peer, error) {
	out := make(map[string][]store.Peer, len(storyIDs))
	skip := make(map[string]bool, len(exclude))
	for _, id := range exclude {
		skip[id] = true
	}
	err := chunks(storyIDs, maxParams, func(c []string) error {
		rs, err := t.tx.QueryContext(ctx, `SELECT article_id, story_id, sketch, keys FROM story_members WHERE story_id IN (`+inList(len(c))+`)`, anys(c)...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var p store.Peer
			var sketch []byte
			var keys string
			if err := rs.Scan(&p.ArticleID, &p.StoryID, &sketch, &keys); err != nil {
				rs.Close()
				return err
			}
			if skip[p.ArticleID] {
				continue
			}
			if err := p.Sketch.UnmarshalBinary(sketch); err != nil {
				rs.Close()
				return fmt.Errorf("sketch of %s: %w", p.ArticleID, err)
			}
			if err := json.Unmarshal([]byte(keys), &p.Keys); err != nil {
				rs.Close()
				return fmt.Errorf("keys of %s: %w", p.ArticleID, err)
			}
			out[p.StoryID] = append(out[p.StoryID], p)
		}
		return closeRows(rs)
	})
	return out, err
}

// memberColumns is the number of columns WriteMembers writes per member.
const memberColumns = 17

func (t storyTx) WriteMembers(ctx context.Context, members []store.MemberRow, touched []string, now time.Time) (map[string][]story.Member, error) {
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
				r.Site, r.CanonicalURL, r.Title, r.Article.SiteName, published, day, string(dec), at, at)
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
		return nil, err
	}
	evidence := make(map[string][]story.Member, len(touched))
	err = chunks(touched, maxParams, func(c []string) error {
		rs, err := t.tx.QueryContext(ctx, `SELECT story_id, article_id, site, site_name, published_at, day_only, declared
			FROM story_members WHERE story_id IN (`+inList(len(c))+`) ORDER BY story_id, article_id`, anys(c)...)
		if err != nil {
			return err
		}
		for rs.Next() {
			var sid, dec string
			var pub sql.NullInt64
			var m story.Member
			if err := rs.Scan(&sid, &m.ArticleID, &m.Site, &m.SiteName, &pub, &m.DayOnly, &dec); err != nil {
				rs.Close()
				return err
			}
			if pub.Valid {
				t := time.UnixMicro(pub.Int64).UTC()
				m.Published = &t
			}
			if err := json.Unmarshal([]byte(dec), &m.Declared); err != nil {
				rs.Close()
				return fmt.Errorf("declarations of %s: %w", m.ArticleID, err)
			}
			evidence[sid] = append(evidence[sid], m)
		}
		return closeRows(rs)
	})
	return evidence, err
}

func (t storyTx) WriteStories(ctx context.Context, states []store.StoryState, empty []string, now time.Time) error {
	at := now.UnixMicro()
	err := chunks(states, maxParams/5, func(c []store.StoryState) error {
		args := make([]any, 0, 5*len(c))
		for _, st := range c {
			o, err := json.Marshal(st.Origin)
			if err != nil {
				return err
			}
			args = append(args, st.ID, st.Copies, string(o), at, at)
		}
		_, err := t.tx.ExecContext(ctx, `INSERT INTO stories (id, copies, origin, created_at, updated_at) VALUES `+
			placeholders(len(c), 5)+` ON CONFLICT (id) DO UPDATE SET copies = excluded.copies, origin = excluded.origin,
			updated_at = excluded.updated_at`, args...)
		return err
	})
	if err != nil {
		return err
	}
	return chunks(empty, maxParams, func(c []string) error {
		_, err := t.tx.ExecContext(ctx, `DELETE FROM stories WHERE id IN (`+inList(len(c))+`)`, anys(c)...)
		return err
	})
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
