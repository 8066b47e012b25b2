package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
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
	st := &storyTx{tx: tx, recent: &s.recentKeys, recentMax: s.recentMax}
	res, err := store.AssignStories(ctx, st, cur, *d, store.Micro(time.Now()))
	if err != nil {
		if ctx.Err() != nil || st.writing {
			return err
		}
		d.SetStories(nil, fmt.Errorf("sqlite: assigning stories: %w", err))
		return nil
	}
	d.SetStories(res, nil)
	return nil
}

// storyTx implements store.StoryTx on a write transaction. It only reads until Write:
// the key claims are kept until then (no other transaction runs meanwhile), so a
// story step that fails before Write has changed nothing and needs no savepoint (a
// savepoint would make SQLite copy every page the step changes to a sub-journal).
type storyTx struct {
	tx *sql.Tx
	// claim are the keys Start found unowned, written by Write.
	claim []store.KeyOwner
	// seqs maps the articles of the batch and the peers read to their rows.
	seqs map[string]int64
	// owned are the stored memberships of the key owners outside the batch, read by
	// Start for Candidates; resolved lists every owner Start looked up, with or
	// without a membership.
	owned    map[string]store.Candidate
	resolved map[string]bool
	// writing is set once Write has begun.
	writing bool
	// recent counts the keys claimed into story_keys_recent since its last merge,
	// recentMax is the count that merges them.
	recent    *atomic.Int64
	recentMax int64
}

// recentKeysMax is how many keys story_keys_recent takes before Write moves them to
// story_keys: some 70 pages. A transaction claims some 8 keys for each new article, at
// random places in the key order: in the small table they change a few dozen pages
// (written to the WAL at commit), where in story_keys each would change a page of its
// own once the store holds some thousands of articles. The merge writes them in key
// order, each page of story_keys at most once.
const recentKeysMax = 1 << 14

// insertChunk is the number of rows insertRows binds per statement.
const insertChunk = 24

// insertRows runs prefix + a VALUES list + suffix over rows, insertChunk rows per
// statement (one prepared statement for the full chunks), each row's values bound as
// parameters.
func insertRows(ctx context.Context, tx *sql.Tx, prefix string, cols int, rows [][]any, suffix string) error {
	values := func(n int) string {
		one := "(" + strings.TrimSuffix(strings.Repeat("?,", cols), ",") + ")"
		return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
	}
	args := func(rows [][]any) []any {
		out := make([]any, 0, cols*len(rows))
		for _, r := range rows {
			out = append(out, r...)
		}
		return out
	}
	if len(rows) >= insertChunk {
		stmt, err := tx.PrepareContext(ctx, prefix+values(insertChunk)+suffix)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for len(rows) >= insertChunk {
			if _, err := stmt.ExecContext(ctx, args(rows[:insertChunk])...); err != nil {
				return err
			}
			rows = rows[insertChunk:]
		}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, prefix+values(len(rows))+suffix, args(rows)...)
	return err
}

// jsonList encodes a list for json_each: the story step's statements take their sets
// as one JSON parameter, so their SQL is the same whatever the batch's size.
func jsonList(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
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

// Start implements store.StoryTx: it reads the memberships and the owners of the
// keys of claim, and keeps the claims of the keys no article owns for Write; the first
// claimant in claim's order owns a key. The owners are read by row: the articles
// outside the batch that own keys are looked up once each, with their memberships,
// which Candidates then returns without reading them again.
func (t *storyTx) Start(ctx context.Context, ids []string, claim []store.KeyOwner) (map[string]store.Membership, map[int64]string, error) {
	have := make(map[string]store.Membership, len(ids))
	t.seqs = make(map[string]int64, len(ids))
	list, err := jsonList(ids)
	if err != nil {
		return nil, nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT a.id, a.seq, m.seq IS NOT NULL, coalesce(m.story_id, ''), coalesce(m.content_hash, ''),
			coalesce(m.keys, '[]'), coalesce(m.matched_id, ''), coalesce(m.similarity, 0), coalesce(s.copies, 0),
			coalesce(s.origin, '{}'), coalesce(m.site, ''), coalesce(m.site_name, ''), m.published_at,
			coalesce(m.day_only, 0), coalesce(m.declared, '[]')
		FROM articles a LEFT JOIN story_members m ON m.seq = a.seq LEFT JOIN stories s ON s.id = m.story_id
		WHERE a.id IN (SELECT value FROM json_each(?))`, []any{list}, func(rs *sql.Rows) error {
		var id, keys, origin, dec string
		var seq int64
		var member bool
		var pub sql.NullInt64
		var m store.Membership
		if err := rs.Scan(&id, &seq, &member, &m.StoryID, &m.ContentHash, &keys, &m.MatchedID, &m.Similarity, &m.Copies,
			&origin, &m.Evidence.Site, &m.Evidence.SiteName, &pub, &m.Evidence.DayOnly, &dec); err != nil {
			return err
		}
		if t.seqs[id] = seq; !member {
			return nil
		}
		m.Evidence.ArticleID = id
		if pub.Valid {
			t := time.UnixMicro(pub.Int64).UTC()
			m.Evidence.Published = &t
		}
		if err := json.Unmarshal([]byte(keys), &m.Keys); err != nil {
			return fmt.Errorf("keys of %s: %w", id, err)
		}
		if err := json.Unmarshal([]byte(origin), &m.Origin); err != nil {
			return fmt.Errorf("story %s origin: %w", m.StoryID, err)
		}
		if err := json.Unmarshal([]byte(dec), &m.Evidence.Declared); err != nil {
			return fmt.Errorf("declarations of %s: %w", id, err)
		}
		have[id] = m
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	owners := make(map[int64]string, len(claim))
	if len(claim) == 0 {
		return have, owners, nil
	}
	keys := make([]int64, len(claim))
	for i, k := range claim {
		keys[i] = k.Key
	}
	if list, err = jsonList(keys); err != nil {
		return nil, nil, err
	}
	bySeq := make(map[int64]string, len(t.seqs))
	for id, seq := range t.seqs {
		bySeq[seq] = id
	}
	ownerSeqs := make(map[int64][]int64) // keys by the row owning them, outside the batch
	err = scanAll(ctx, t.tx, `SELECT hash, seq FROM story_keys WHERE hash IN (SELECT value FROM json_each(?1))
		UNION ALL SELECT hash, seq FROM story_keys_recent WHERE hash IN (SELECT value FROM json_each(?1))`,
		[]any{list}, func(rs *sql.Rows) error {
			var k, seq int64
			if err := rs.Scan(&k, &seq); err != nil {
				return err
			}
			if id, ok := bySeq[seq]; ok {
				owners[k] = id
			} else {
				ownerSeqs[seq] = append(ownerSeqs[seq], k)
			}
			return nil
		})
	if err != nil {
		return nil, nil, err
	}
	if err := t.readOwners(ctx, ownerSeqs, owners); err != nil {
		return nil, nil, err
	}
	for _, k := range claim {
		if _, ok := owners[k.Key]; !ok {
			owners[k.Key] = k.ArticleID
			t.claim = append(t.claim, k)
		}
	}
	return have, owners, nil
}

// readOwners looks up the rows of ownerSeqs (the keys each owns) by seq, with their
// memberships, and records the owners of their keys.
func (t *storyTx) readOwners(ctx context.Context, ownerSeqs map[int64][]int64, owners map[int64]string) error {
	t.owned, t.resolved = make(map[string]store.Candidate, len(ownerSeqs)), make(map[string]bool, len(ownerSeqs))
	if len(ownerSeqs) == 0 {
		return nil
	}
	seqs := make([]int64, 0, len(ownerSeqs))
	for seq := range ownerSeqs {
		seqs = append(seqs, seq)
	}
	list, err := jsonList(seqs)
	if err != nil {
		return err
	}
	return scanAll(ctx, t.tx, `SELECT a.seq, a.id, m.story_id, m.sketch FROM articles a LEFT JOIN story_members m ON m.seq = a.seq
		WHERE a.seq IN (SELECT value FROM json_each(?))`, []any{list}, func(rs *sql.Rows) error {
		var seq int64
		var id string
		var storyID sql.NullString
		var sketch []byte
		if err := rs.Scan(&seq, &id, &storyID, &sketch); err != nil {
			return err
		}
		for _, k := range ownerSeqs[seq] {
			owners[k] = id
		}
		t.resolved[id] = true
		if !storyID.Valid {
			return nil
		}
		c := store.Candidate{StoryID: storyID.String}
		if err := c.Sketch.UnmarshalBinary(sketch); err != nil {
			return fmt.Errorf("sketch of %s: %w", id, err)
		}
		t.owned[id] = c
		return nil
	})
}

// Candidates implements store.StoryTx. The memberships of owners Start read come from
// Start's reads; other articles of ids are read here.
func (t *storyTx) Candidates(ctx context.Context, ids, peerStories, exclude []string) (map[string]store.Candidate, map[string][]store.Peer, error) {
	cands := make(map[string]store.Candidate, len(ids))
	peers := make(map[string][]store.Peer, len(peerStories))
	var unread []string
	for _, id := range ids {
		switch c, ok := t.owned[id]; {
		case ok:
			cands[id] = c
		case !t.resolved[id]:
			unread = append(unread, id)
		}
	}
	if ids = unread; len(ids) > 0 {
		list, err := jsonList(ids)
		if err != nil {
			return nil, nil, err
		}
		err = scanAll(ctx, t.tx, `SELECT a.id, m.story_id, m.sketch FROM articles a JOIN story_members m ON m.seq = a.seq
			WHERE a.id IN (SELECT value FROM json_each(?))`, []any{list}, func(rs *sql.Rows) error {
			var id string
			var sketch []byte
			var c store.Candidate
			if err := rs.Scan(&id, &c.StoryID, &sketch); err != nil {
				return err
			}
			if err := c.Sketch.UnmarshalBinary(sketch); err != nil {
				return fmt.Errorf("sketch of %s: %w", id, err)
			}
			cands[id] = c
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if len(peerStories) == 0 {
		return cands, peers, nil
	}
	stories, err := jsonList(peerStories)
	if err != nil {
		return nil, nil, err
	}
	excluded, err := jsonList(exclude)
	if err != nil {
		return nil, nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT a.id, a.seq, m.story_id, m.sketch, m.keys FROM story_members m JOIN articles a ON a.seq = m.seq
		WHERE m.story_id IN (SELECT value FROM json_each(?)) AND a.id NOT IN (SELECT value FROM json_each(?))`,
		[]any{stories, excluded}, func(rs *sql.Rows) error {
			var p store.Peer
			var sketch []byte
			var keys string
			var seq int64
			if err := rs.Scan(&p.ArticleID, &seq, &p.StoryID, &sketch, &keys); err != nil {
				return err
			}
			t.seqs[p.ArticleID] = seq
			if err := p.Sketch.UnmarshalBinary(sketch); err != nil {
				return fmt.Errorf("sketch of %s: %w", p.ArticleID, err)
			}
			if err := json.Unmarshal([]byte(keys), &p.Keys); err != nil {
				return fmt.Errorf("keys of %s: %w", p.ArticleID, err)
			}
			peers[p.StoryID] = append(peers[p.StoryID], p)
			return nil
		})
	return cands, peers, err
}

func (t *storyTx) Evidence(ctx context.Context, storyIDs []string) (map[string][]story.Member, error) {
	evidence := make(map[string][]story.Member, len(storyIDs))
	list, err := jsonList(storyIDs)
	if err != nil {
		return nil, err
	}
	err = scanAll(ctx, t.tx, `SELECT m.story_id, a.id, m.site, m.site_name, m.published_at, m.day_only, m.declared
		FROM story_members m JOIN articles a ON a.seq = m.seq
		WHERE m.story_id IN (SELECT value FROM json_each(?)) ORDER BY m.story_id, a.id`,
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

func (t *storyTx) Write(ctx context.Context, w store.StoryWrite) error {
	t.writing = true
	drops := map[int64][]int64{} // keys to drop by the row owning them
	for _, k := range w.Drop {
		drops[t.seqs[k.ArticleID]] = append(drops[t.seqs[k.ArticleID]], k.Key)
	}
	for seq, keys := range drops {
		list, err := jsonList(keys)
		if err != nil {
			return err
		}
		for _, table := range []string{"story_keys", "story_keys_recent"} {
			if _, err := t.tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE seq = ? AND hash IN (SELECT value FROM json_each(?))`,
				seq, list); err != nil {
				return err
			}
		}
	}
	if err := t.claimKeys(ctx, w.Handover); err != nil {
		return err
	}
	at := w.Now.UnixMicro()
	rows := make([][]any, len(w.Members))
	for i, m := range w.Members {
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
		rows[i] = []any{t.seqs[r.ID], m.StoryID, m.Version, r.ContentHash, m.Similarity, m.MatchedID, sk, string(keys),
			r.Site, r.CanonicalURL, r.Title, strings.ReplaceAll(r.Article.SiteName, "\x00", ""), published, day, string(dec),
			at, at}
	}
	err := insertRows(ctx, t.tx, `INSERT INTO story_members AS m (seq, story_id, version, content_hash, similarity,
			matched_id, sketch, keys, site, url, title, site_name, published_at, day_only, declared, joined_at, updated_at)
		VALUES `, 17, rows, `
		ON CONFLICT (seq) DO UPDATE SET story_id = excluded.story_id, version = excluded.version,
			content_hash = excluded.content_hash, similarity = excluded.similarity, matched_id = excluded.matched_id,
			sketch = excluded.sketch, keys = excluded.keys, site = excluded.site, url = excluded.url,
			title = excluded.title, site_name = excluded.site_name, published_at = excluded.published_at,
			day_only = excluded.day_only, declared = excluded.declared, updated_at = excluded.updated_at,
			joined_at = CASE WHEN m.story_id = excluded.story_id THEN m.joined_at ELSE excluded.joined_at END`)
	if err != nil {
		return err
	}
	rows = make([][]any, len(w.States))
	for i, st := range w.States {
		o, err := json.Marshal(st.Origin)
		if err != nil {
			return err
		}
		rows[i] = []any{st.ID, st.Copies, string(o), at, at}
	}
	err = insertRows(ctx, t.tx, `INSERT INTO stories (id, copies, origin, created_at, updated_at) VALUES `, 5, rows,
		` ON CONFLICT (id) DO UPDATE SET copies = excluded.copies, origin = excluded.origin, updated_at = excluded.updated_at`)
	if err != nil {
		return err
	}
	if len(w.Unrowed) == 0 {
		return nil
	}
	list, err := jsonList(w.Unrowed)
	if err != nil {
		return err
	}
	_, err = t.tx.ExecContext(ctx, `DELETE FROM stories WHERE id IN (SELECT value FROM json_each(?))`, list)
	return err
}

// claimKeys writes the claims Start kept and handover (keys no article owns once the
// dropped keys are gone, unless another article owns them) to story_keys_recent, and
// moves that table's keys to story_keys when it holds recentKeysMax or more.
func (t *storyTx) claimKeys(ctx context.Context, handover []store.KeyOwner) error {
	rows := make([][]any, len(t.claim))
	for i, k := range t.claim {
		rows[i] = []any{k.Key, t.seqs[k.ArticleID]}
	}
	if err := insertRows(ctx, t.tx, `INSERT INTO story_keys_recent (hash, seq) VALUES `, 2, rows, ` ON CONFLICT (hash) DO NOTHING`); err != nil {
		return err
	}
	for _, k := range handover {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO story_keys_recent (hash, seq) SELECT ?1, ?2
			WHERE NOT EXISTS (SELECT 1 FROM story_keys WHERE hash = ?1) ON CONFLICT (hash) DO NOTHING`,
			k.Key, t.seqs[k.ArticleID]); err != nil {
			return err
		}
	}
	if t.recent.Add(int64(len(t.claim)+len(handover))) < t.recentMax {
		return nil
	}
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO story_keys (hash, seq) SELECT hash, seq FROM story_keys_recent
		WHERE true ON CONFLICT (hash) DO NOTHING`); err != nil {
		return err
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM story_keys_recent`); err != nil {
		return err
	}
	t.recent.Store(0)
	return nil
}

// Story implements store.StoryReader.
func (s *Store) Story(ctx context.Context, id string) (*store.Story, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	st := &store.Story{ID: id, Copies: []store.StoryCopy{}}
	var evidence []story.Member
	var updated []time.Time
	rs, err := s.db.QueryContext(ctx, `SELECT a.id, m.site, m.site_name, m.url, m.title, m.published_at, m.day_only,
		m.version, m.similarity, m.matched_id, m.joined_at, m.updated_at, m.declared
		FROM story_members m JOIN articles a ON a.seq = m.seq WHERE m.story_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading story %q: %w", id, err)
	}
	defer rs.Close()
	for rs.Next() {
		var c store.StoryCopy
		var pub sql.NullInt64
		var joined, up int64
		var siteName, dec string
		if err := rs.Scan(&c.ArticleID, &c.Site, &siteName, &c.URL, &c.Title, &pub, &c.PublishedDayOnly, &c.Version,
			&c.Similarity, &c.MatchedID, &joined, &up, &dec); err != nil {
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
		evidence = append(evidence, story.Member{ArticleID: c.ArticleID, Site: c.Site, SiteName: siteName,
			Published: c.PublishedAt, DayOnly: c.PublishedDayOnly, Declared: c.Declared})
		updated = append(updated, time.UnixMicro(up).UTC())
	}
	if err := rs.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading story %q: %w", id, err)
	}
	if len(st.Copies) == 0 {
		return nil, fmt.Errorf("%w: %q", store.ErrStoryNotFound, id)
	}
	var origin string
	var created, changed int64
	err = s.db.QueryRowContext(ctx, `SELECT origin, created_at, updated_at FROM stories WHERE id = ?`, id).
		Scan(&origin, &created, &changed)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		store.SingleCopyStory(st, evidence, updated)
	case err != nil:
		return nil, fmt.Errorf("sqlite: reading story %q: %w", id, err)
	default:
		st.CreatedAt, st.UpdatedAt = time.UnixMicro(created).UTC(), time.UnixMicro(changed).UTC()
		if err := json.Unmarshal([]byte(origin), &st.Origin); err != nil {
			return nil, fmt.Errorf("sqlite: story %q origin: %w", id, err)
		}
	}
	store.SortCopies(st)
	return st, nil
}
