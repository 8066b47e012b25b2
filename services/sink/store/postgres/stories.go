package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/story"
)

// AssignsStories implements store.StoryAssigner.
func (s *Store) AssignsStories() bool { return s.opts.Stories }

// assignStories sends wb, the batch's writes, and runs the story step of the batch
// inside its transaction, under a savepoint (set and released in the step's first
// and last round trips). The step's first round trip is wb's: the story statements
// follow the writes in one pipeline, a round trip fewer per batch. A failure of the
// writes, a collision with a concurrent writer (a deadlock, a unique violation), a
// cancelled context or a connection that no longer answers fails the transaction, to
// be retried as a whole. Any other failure is the story step's own: the savepoint is
// rolled back, the articles are stored without a new story, and each current row's
// result carries the error.
func (s *Store) assignStories(ctx context.Context, tx pgx.Tx, rows []*store.Row, d *store.Decision, wb *pgx.Batch) error {
	var cur []*store.Row
	if s.opts.Stories {
		cur = store.CurrentRows(rows, *d)
	}
	if len(cur) == 0 {
		if wb.Len() == 0 {
			return nil
		}
		return tx.SendBatch(ctx, wb).Close()
	}
	created := make(map[string]bool)
	for _, c := range d.Changes {
		created[c.ID] = c.New
	}
	st := &storyTx{tx: tx, rows: cur, first: wb}
	for _, r := range cur {
		if !created[r.ID] {
			st.stored = append(st.stored, r)
		}
	}
	res, err := store.AssignStories(ctx, st, cur, *d, store.Micro(time.Now()))
	if st.first != nil {
		return errors.Join(errors.New("postgres: the story step returned before Start: the writes were not sent"), err)
	}
	if err == nil && !st.released {
		_, err = tx.Exec(ctx, `RELEASE SAVEPOINT stories`)
	}
	if err != nil {
		if retryable(err) || ctx.Err() != nil || !st.saved {
			return err
		}
		if _, rerr := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT stories`); rerr != nil {
			return errors.Join(err, rerr)
		}
		d.SetStories(nil, fmt.Errorf("postgres: assigning stories: %w", err))
		return nil
	}
	d.SetStories(res, nil)
	return nil
}

// storyTx implements store.StoryTx on the put's transaction, each call one round trip
// (Start's shared with the batch's writes). Start also reads what Candidates asks for
// in the usual case, so that Candidates needs no round trip of its own: the
// memberships of the keys' owners outside the batch, and the stored copies of the
// stories that the batch's articles with a new body had, but those articles.
type storyTx struct {
	tx pgx.Tx
	// first is the batch's writes, which Start sends with its own statements (nil once
	// sent).
	first *pgx.Batch
	// rows are the batch's current rows, one per article; stored are those of the
	// articles stored before the batch, the only ones that can have a membership (a
	// batch of new articles reads none).
	rows, stored []*store.Row
	// saved is set once the savepoint is set, released once Write released it.
	saved, released bool
	// owned are the memberships Start read of the key owners outside the batch;
	// resolved lists every owner it looked up, with or without a membership.
	owned    map[string]store.Candidate
	resolved map[string]bool
	// peers are the stored copies Start read of the stories of peersOf, by story.
	peers   map[string][]store.Peer
	peersOf map[string]bool
}

func (t *storyTx) Start(ctx context.Context, ids []string, claim []store.KeyOwner) (map[string]store.Membership, map[int64]string, error) {
	have := make(map[string]store.Membership, len(ids))
	owners := make(map[int64]string, len(claim))
	b := t.first
	b.Queue(`SAVEPOINT stories`).Exec(func(pgconn.CommandTag) error {
		t.saved = true
		return nil
	})
	if len(t.stored) > 0 {
		t.queueMemberships(b, have)
	}
	t.owned, t.resolved = make(map[string]store.Candidate), make(map[string]bool)
	if len(claim) > 0 {
		queueClaim(b, claim)
		keys, _ := keyColumns(claim)
		inBatch := make(map[string]bool, len(ids))
		for _, id := range ids {
			inBatch[id] = true
		}
		// A statement of its own: its snapshot is taken after the claim waited. Its rows
		// are the owner of every key, then (hash NULL) the memberships of the owners
		// outside the batch.
		b.Queue(`WITH k AS MATERIALIZED (SELECT hash, article_id FROM story_keys WHERE hash = ANY($1))
			SELECT k.hash, k.article_id, NULL, NULL FROM k
			UNION ALL
			SELECT NULL, m.article_id, m.story_id, m.sketch FROM story_members m
			WHERE m.article_id IN (SELECT article_id FROM k) AND m.article_id <> ALL($2)`, keys, ids).Query(func(rs pgx.Rows) error {
			var k pgtype.Int8
			var id string
			var storyID pgtype.Text
			var sketch []byte
			_, err := pgx.ForEachRow(rs, []any{&k, &id, &storyID, &sketch}, func() error {
				if k.Valid {
					owners[k.Int64] = id
					if !inBatch[id] {
						t.resolved[id] = true
					}
					return nil
				}
				c := store.Candidate{StoryID: storyID.String}
				if err := c.Sketch.UnmarshalBinary(sketch); err != nil {
					return fmt.Errorf("sketch of %s: %w", id, err)
				}
				t.owned[id] = c
				return nil
			})
			return err
		})
	}
	t.queuePeers(b)
	t.first = nil
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, err
	}
	t.peersOf = make(map[string]bool)
	for _, r := range t.rows {
		if m, ok := have[r.ID]; ok && m.ContentHash != r.ContentHash {
			t.peersOf[m.StoryID] = true
		}
	}
	return have, owners, nil
}

// queueMemberships queues the read of the stored memberships of the stored articles,
// with their stories' copies and origin, into have.
func (t *storyTx) queueMemberships(b *pgx.Batch, have map[string]store.Membership) {
	ids := make([]string, len(t.stored))
	for i, r := range t.stored {
		ids[i] = r.ID
	}
	b.Queue(`SELECT m.article_id, m.story_id, m.content_hash, m.keys, m.matched_id, m.similarity,
			coalesce(s.copies, 0), coalesce(s.origin::text, '{}'), m.site, m.site_name, m.published_at, m.day_only,
			m.declared::text
		FROM story_members m LEFT JOIN stories s ON s.id = m.story_id WHERE m.article_id = ANY($1)`, ids).Query(func(rows pgx.Rows) error {
		var id, origin, dec string
		var m store.Membership
		var sim float32
		var pub pgtype.Timestamptz
		_, err := pgx.ForEachRow(rows, []any{&id, &m.StoryID, &m.ContentHash, &m.Keys, &m.MatchedID, &sim, &m.Copies, &origin,
			&m.Evidence.Site, &m.Evidence.SiteName, &pub, &m.Evidence.DayOnly, &dec}, func() error {
			m.Similarity = float64(sim)
			m.Evidence.ArticleID = id
			if pub.Valid {
				t := pub.Time.UTC()
				m.Evidence.Published = &t
			}
			if err := json.Unmarshal([]byte(origin), &m.Origin); err != nil {
				return fmt.Errorf("story %s origin: %w", m.StoryID, err)
			}
			if err := json.Unmarshal([]byte(dec), &m.Evidence.Declared); err != nil {
				return fmt.Errorf("declarations of %s: %w", id, err)
			}
			have[id] = m
			m = store.Membership{}
			return nil
		})
		return err
	})
}

// queuePeers queues the read of the stored copies of the stories that the batch's
// articles with a new body had, but those articles: the peers AssignStories asks
// Candidates for.
func (t *storyTx) queuePeers(b *pgx.Batch) {
	t.peers = make(map[string][]store.Peer)
	if len(t.stored) == 0 {
		return
	}
	ids, hashes := make([]string, len(t.stored)), make([]string, len(t.stored))
	for i, r := range t.stored {
		ids[i], hashes[i] = r.ID, r.ContentHash
	}
	b.Queue(`SELECT p.article_id, p.story_id, p.sketch, p.keys FROM story_members p
		WHERE p.story_id IN (SELECT m.story_id FROM story_members m
				JOIN unnest($1::text[], $2::text[]) AS u (id, hash) ON m.article_id = u.id AND m.content_hash <> u.hash)
			AND NOT EXISTS (SELECT FROM unnest($1::text[], $2::text[]) AS u (id, hash)
				WHERE u.id = p.article_id AND u.hash <> p.content_hash)`, ids, hashes).Query(func(rs pgx.Rows) error {
		var p store.Peer
		var sketch []byte
		_, err := pgx.ForEachRow(rs, []any{&p.ArticleID, &p.StoryID, &sketch, &p.Keys}, func() error {
			if err := p.Sketch.UnmarshalBinary(sketch); err != nil {
				return fmt.Errorf("sketch of %s: %w", p.ArticleID, err)
			}
			t.peers[p.StoryID] = append(t.peers[p.StoryID], p)
			p = store.Peer{}
			return nil
		})
		return err
	})
}

// queueClaim queues the claim of keys, in their order: writers claiming shared keys
// wait for each other in one order and cannot deadlock on them.
func queueClaim(b *pgx.Batch, claim []store.KeyOwner) {
	keys, ids := keyColumns(claim)
	b.Queue(`INSERT INTO story_keys (hash, article_id)
		SELECT c.hash, c.article_id FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS c (hash, article_id, n)
		ORDER BY c.n ON CONFLICT (hash) DO NOTHING`, keys, ids)
}

func keyColumns(ko []store.KeyOwner) ([]int64, []string) {
	keys, ids := make([]int64, len(ko)), make([]string, len(ko))
	for i, k := range ko {
		keys[i], ids[i] = k.Key, k.ArticleID
	}
	return keys, ids
}

// Candidates implements store.StoryTx. What Start read is returned from its reads;
// the rest (none, unless AssignStories asks for more than Start foresaw) is read here.
func (t *storyTx) Candidates(ctx context.Context, ids, peerStories, exclude []string) (map[string]store.Candidate, map[string][]store.Peer, error) {
	cands := make(map[string]store.Candidate, len(ids))
	peers := make(map[string][]store.Peer, len(peerStories))
	var unread, unreadStories []string
	for _, id := range ids {
		switch c, ok := t.owned[id]; {
		case ok:
			cands[id] = c
		case !t.resolved[id]:
			unread = append(unread, id)
		}
	}
	for _, sid := range peerStories {
		switch {
		case !t.peersOf[sid]:
			unreadStories = append(unreadStories, sid)
		case len(t.peers[sid]) > 0:
			peers[sid] = t.peers[sid]
		}
	}
	ids, peerStories = unread, unreadStories
	b := &pgx.Batch{}
	if len(ids) > 0 {
		b.Queue(`SELECT article_id, story_id, sketch FROM story_members WHERE article_id = ANY($1)`, ids).Query(func(rs pgx.Rows) error {
			var id string
			var c store.Candidate
			var sketch []byte
			_, err := pgx.ForEachRow(rs, []any{&id, &c.StoryID, &sketch}, func() error {
				if err := c.Sketch.UnmarshalBinary(sketch); err != nil {
					return fmt.Errorf("sketch of %s: %w", id, err)
				}
				cands[id] = c
				c = store.Candidate{}
				return nil
			})
			return err
		})
	}
	if len(peerStories) > 0 {
		b.Queue(`SELECT article_id, story_id, sketch, keys FROM story_members
			WHERE story_id = ANY($1) AND article_id <> ALL($2)`, peerStories, exclude).Query(func(rs pgx.Rows) error {
			var p store.Peer
			var sketch []byte
			_, err := pgx.ForEachRow(rs, []any{&p.ArticleID, &p.StoryID, &sketch, &p.Keys}, func() error {
				if err := p.Sketch.UnmarshalBinary(sketch); err != nil {
					return fmt.Errorf("sketch of %s: %w", p.ArticleID, err)
				}
				peers[p.StoryID] = append(peers[p.StoryID], p)
				p = store.Peer{}
				return nil
			})
			return err
		})
	}
	if b.Len() == 0 {
		return cands, peers, nil
	}
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, err
	}
	return cands, peers, nil
}

func (t *storyTx) Evidence(ctx context.Context, storyIDs []string) (map[string][]story.Member, error) {
	evidence := make(map[string][]story.Member, len(storyIDs))
	b := &pgx.Batch{}
	b.Queue(`SELECT id FROM stories WHERE id = ANY($1) ORDER BY id FOR UPDATE`, storyIDs)
	// A statement of its own: its snapshot is taken after the lock waited.
	b.Queue(`SELECT story_id, article_id, site, site_name, published_at, day_only, declared::text
		FROM story_members WHERE story_id = ANY($1) ORDER BY story_id, article_id`, storyIDs).Query(func(rs pgx.Rows) error {
		var sid, dec string
		var m story.Member
		var pub pgtype.Timestamptz
		_, err := pgx.ForEachRow(rs, []any{&sid, &m.ArticleID, &m.Site, &m.SiteName, &pub, &m.DayOnly, &dec}, func() error {
			m.Published, m.Declared = nil, nil
			if pub.Valid {
				t := pub.Time.UTC()
				m.Published = &t
			}
			if err := json.Unmarshal([]byte(dec), &m.Declared); err != nil {
				return fmt.Errorf("declarations of %s: %w", m.ArticleID, err)
			}
			evidence[sid] = append(evidence[sid], m)
			return nil
		})
		return err
	})
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	return evidence, nil
}

func (t *storyTx) Write(ctx context.Context, w store.StoryWrite) error {
	members, states := w.Members, w.States
	n := len(members)
	ids, stories, hashes, matched := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	urls, titles, sites, siteNames := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	keys, declared := make([]string, n), make([]string, n)
	versions, sims := make([]int, n), make([]float64, n)
	sketches := make([][]byte, n)
	published, dayOnly := make([]pgtype.Timestamptz, n), make([]bool, n)
	for i, m := range members {
		r := m.Row
		sk, err := r.Story.Sketch.MarshalBinary()
		if err != nil {
			return err
		}
		dec, err := json.Marshal(r.Story.Declared)
		if err != nil {
			return err
		}
		ids[i], stories[i], hashes[i], matched[i] = r.ID, m.StoryID, r.ContentHash, m.MatchedID
		urls[i], titles[i], sites[i], siteNames[i] = r.CanonicalURL, r.Title, r.Site, stripNUL(r.Article.SiteName)
		keys[i], declared[i], versions[i], sims[i], sketches[i] = int64Array(r.Story.Sketch.Keys), string(dec), m.Version, m.Similarity, sk
		if p, day := store.PublishedOf(r); p != nil {
			published[i], dayOnly[i] = pgtype.Timestamptz{Time: *p, Valid: true}, day
		}
	}
	now := w.Now
	b := &pgx.Batch{}
	if len(w.Drop) > 0 {
		keys, ids := keyColumns(w.Drop)
		b.Queue(`DELETE FROM story_keys k USING unnest($1::bigint[], $2::text[]) AS d (hash, article_id)
			WHERE k.hash = d.hash AND k.article_id = d.article_id`, keys, ids)
	}
	if len(w.Handover) > 0 {
		queueClaim(b, w.Handover)
	}
	if n > 0 {
		b.Queue(`INSERT INTO story_members AS m (article_id, story_id, version, content_hash, similarity, matched_id, sketch,
				keys, site, url, title, site_name, published_at, day_only, declared, joined_at, updated_at)
			SELECT u.id, u.story, u.version, u.hash, u.sim, u.matched, u.sketch, u.keys::bigint[], u.site, u.url, u.title,
				u.site_name, u.published, u.day_only, u.declared::jsonb, $16, $16
			FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::float8[], $6::text[], $7::bytea[], $8::text[],
				$9::text[], $10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::bool[], $15::text[])
				AS u (id, story, version, hash, sim, matched, sketch, keys, site, url, title, site_name, published, day_only, declared)
			ON CONFLICT (article_id) DO UPDATE SET story_id = EXCLUDED.story_id, version = EXCLUDED.version,
				content_hash = EXCLUDED.content_hash, similarity = EXCLUDED.similarity, matched_id = EXCLUDED.matched_id,
				sketch = EXCLUDED.sketch, keys = EXCLUDED.keys, site = EXCLUDED.site, url = EXCLUDED.url, title = EXCLUDED.title,
				site_name = EXCLUDED.site_name, published_at = EXCLUDED.published_at, day_only = EXCLUDED.day_only,
				declared = EXCLUDED.declared, updated_at = EXCLUDED.updated_at,
				joined_at = CASE WHEN m.story_id = EXCLUDED.story_id THEN m.joined_at ELSE EXCLUDED.joined_at END`,
			ids, stories, versions, hashes, sims, matched, sketches, keys, sites, urls, titles, siteNames, published, dayOnly,
			declared, now)
	}
	if len(states) > 0 {
		sids, copies, origins := make([]string, len(states)), make([]int, len(states)), make([]string, len(states))
		for i, st := range states {
			o, err := json.Marshal(st.Origin)
			if err != nil {
				return err
			}
			sids[i], copies[i], origins[i] = st.ID, st.Copies, string(o)
		}
		b.Queue(`INSERT INTO stories (id, copies, origin, created_at, updated_at)
			SELECT u.id, u.copies, u.origin::jsonb, $4, $4 FROM unnest($1::text[], $2::int[], $3::text[]) AS u (id, copies, origin)
			ON CONFLICT (id) DO UPDATE SET copies = EXCLUDED.copies, origin = EXCLUDED.origin, updated_at = EXCLUDED.updated_at`,
			sids, copies, origins, now)
	}
	if len(w.Unrowed) > 0 {
		b.Queue(`DELETE FROM stories WHERE id = ANY($1)`, w.Unrowed)
	}
	b.Queue(`RELEASE SAVEPOINT stories`).Exec(func(pgconn.CommandTag) error {
		t.released = true
		return nil
	})
	return t.tx.SendBatch(ctx, b).Close()
}

// int64Array spells keys as a PostgreSQL array literal: unnest cannot take the
// ragged bigint[][] of several members' keys, so each travels as text.
func int64Array(keys []int64) string {
	var sb strings.Builder
	sb.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(strconv.FormatInt(k, 10))
	}
	sb.WriteByte('}')
	return sb.String()
}

// stripNUL removes NUL characters, which PostgreSQL text does not accept.
func stripNUL(s string) string { return strings.ReplaceAll(s, "\x00", "") }

// Story implements store.StoryReader.
func (s *Store) Story(ctx context.Context, id string) (*store.Story, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	st := &store.Story{ID: id, Copies: []store.StoryCopy{}}
	var evidence []story.Member
	var updated []time.Time
	var origin string
	found := false
	b := &pgx.Batch{}
	b.Queue(`SELECT article_id, site, site_name, url, title, published_at, day_only, version, similarity, matched_id,
		joined_at, updated_at, declared::text FROM story_members WHERE story_id = $1`, id).Query(func(rs pgx.Rows) error {
		var c store.StoryCopy
		var siteName, dec string
		var pub pgtype.Timestamptz
		var sim float32
		var up time.Time
		_, err := pgx.ForEachRow(rs, []any{&c.ArticleID, &c.Site, &siteName, &c.URL, &c.Title, &pub, &c.PublishedDayOnly,
			&c.Version, &sim, &c.MatchedID, &c.JoinedAt, &up, &dec}, func() error {
			cp := c
			cp.JoinedAt, cp.Similarity, cp.PublishedAt = c.JoinedAt.UTC(), float64(sim), nil
			if pub.Valid {
				t := pub.Time.UTC()
				cp.PublishedAt = &t
			}
			if err := json.Unmarshal([]byte(dec), &cp.Declared); err != nil {
				return fmt.Errorf("declarations of %s: %w", c.ArticleID, err)
			}
			st.Copies = append(st.Copies, cp)
			evidence = append(evidence, story.Member{ArticleID: cp.ArticleID, Site: cp.Site, SiteName: siteName,
				Published: cp.PublishedAt, DayOnly: cp.PublishedDayOnly, Declared: cp.Declared})
			updated = append(updated, up.UTC())
			return nil
		})
		return err
	})
	b.Queue(`SELECT origin::text, created_at, updated_at FROM stories WHERE id = $1`, id).Query(func(rs pgx.Rows) error {
		_, err := pgx.ForEachRow(rs, []any{&origin, &st.CreatedAt, &st.UpdatedAt}, func() error {
			found = true
			return nil
		})
		return err
	})
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("postgres: reading story %q: %w", id, err)
	}
	if len(st.Copies) == 0 {
		return nil, fmt.Errorf("%w: %q", store.ErrStoryNotFound, id)
	}
	if found {
		st.CreatedAt, st.UpdatedAt = st.CreatedAt.UTC(), st.UpdatedAt.UTC()
		if err := json.Unmarshal([]byte(origin), &st.Origin); err != nil {
			return nil, fmt.Errorf("postgres: story %q origin: %w", id, err)
		}
	} else {
		store.SingleCopyStory(st, evidence, updated)
	}
	store.SortCopies(st)
	return st, nil
}
