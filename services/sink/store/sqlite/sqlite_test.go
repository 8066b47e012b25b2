package sqlite_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) func(t *testing.T) store.Store {
		path := filepath.Join(t.TempDir(), "articles.db")
		return func(t *testing.T) store.Store {
			s, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			return s
		}
	})
}

func TestOpenOddPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a dir?#%20", "x?.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Errorf("database not created at %q: %v", path, err)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := sqlite.Open(context.Background(), ""); err != sqlite.ErrBadPath {
		t.Fatalf("err = %v, want ErrBadPath", err)
	}
}

// TestCJKMigration: a database made before the CJK table (migration 2) gets its CJK
// articles indexed when opened, and the migration's GLOB class agrees with
// store.HasCJK.
func TestCJKMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "articles.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ja := storetest.NewArticle("https://ja.example.jp/a", "港の新しい灯台が完成", "式典には市長も出席した。", storetest.Base)
	en := storetest.NewArticle("https://en.example.com/a", "Lighthouse", "A new lighthouse.", storetest.Base)
	if _, err := s.PutBatch(ctx, []*schema.Article{ja, en}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// A database of migration 1 had neither the CJK table nor the later stories tables.
	for _, q := range []string{`DROP TABLE articles_cjk`, `DROP TABLE stories`, `DROP TABLE story_members`,
		`DROP TABLE story_keys`, `DROP TABLE story_keys_recent`, `PRAGMA user_version = 1`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	s, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p, err := s.List(ctx, store.Query{Text: "灯台"})
	if err != nil || len(p.Articles) != 1 || p.Articles[0].ID != ja.ID {
		t.Fatalf("after migrating, 灯台 finds %+v, %v", p, err)
	}
	var rows int
	if err := db.QueryRow(`SELECT count(*) FROM articles_cjk`).Scan(&rows); err != nil || rows != 1 {
		t.Fatalf("articles_cjk has %d rows (%v), want only the CJK article", rows, err)
	}

	migration, err := os.ReadFile(filepath.Join("migrations", "0002_cjk.sql"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`'\*(\[[^]]+\])\*'`).FindSubmatch(migration)
	if m == nil {
		t.Fatal("no GLOB class in migration 2")
	}
	// Compare at every rune where HasCJK changes, and either side of it.
	var probes []rune
	for r := rune(0x1000); r <= 0x40001; r++ {
		if store.HasCJK(string(r)) != store.HasCJK(string(r-1)) {
			probes = append(probes, r-1, r)
		}
	}
	if len(probes) < 20 {
		t.Fatalf("only %d probes", len(probes))
	}
	for _, r := range probes {
		var glob bool
		if err := db.QueryRow(`SELECT ? GLOB ?`, string(r), "*"+string(m[1])+"*").Scan(&glob); err != nil {
			t.Fatal(err)
		}
		if glob != store.HasCJK(string(r)) {
			t.Errorf("U+%04X: migration GLOB %v, HasCJK %v", r, glob, !glob)
		}
	}
}

func TestStories(t *testing.T) {
	storetest.RunStories(t, func(t *testing.T) storetest.StoryDB {
		path := filepath.Join(t.TempDir(), "articles.db")
		return storetest.StoryDB{
			Open: func(t *testing.T, opts ...store.Option) store.Store {
				s, err := sqlite.Open(context.Background(), path, opts...)
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return s
			},
			CorruptSketch: func(t *testing.T, articleID string) {
				db, err := sql.Open("sqlite", path)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				if _, err := db.Exec(`UPDATE story_members SET sketch = x'01' WHERE seq = (SELECT seq FROM articles WHERE id = ?)`, articleID); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

// TestRecentKeysMerge stores enough articles for story_keys_recent to be merged into
// story_keys, then copies of the first articles (their keys merged), of
// articles in between, and of the last ones (their keys still recent): each copy joins
// its original's story, by a key found in either table, and no key is in both.
func TestRecentKeysMerge(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "articles.db")
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const recentMax = 1024
	s.SetRecentKeysMax(recentMax)
	const n = 300 // some 2,400 keys: two merges and more
	var originals []*schema.Article
	w := storetest.NewStoryWorkload(7)
	for len(originals) < n {
		batch := w.Next(25)
		if _, err := s.PutBatch(ctx, batch); err != nil {
			t.Fatal(err)
		}
		originals = append(originals, batch...)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var merged, recent, both int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM story_keys), (SELECT count(*) FROM story_keys_recent),
		(SELECT count(*) FROM story_keys k JOIN story_keys_recent r ON r.hash = k.hash)`).Scan(&merged, &recent, &both); err != nil {
		t.Fatal(err)
	}
	if merged == 0 || recent == 0 || recent >= recentMax || both != 0 {
		t.Fatalf("story_keys %d rows, story_keys_recent %d, %d in both; want a merge done and some recent keys, none in both",
			merged, recent, both)
	}
	last := make(map[string]int) // an article's last version in the workload is its current one
	for i, a := range originals {
		last[a.ID] = i
	}
	var current []int
	for i, a := range originals {
		if last[a.ID] == i {
			current = append(current, i)
		}
	}
	for _, i := range []int{current[0], current[1], current[len(current)/2], current[len(current)-2], current[len(current)-1]} {
		orig := originals[i]
		cp := storetest.NewArticle("https://mirror.example/"+orig.ID, "Copied", orig.BodyText, storetest.Base)
		res, err := s.Put(ctx, cp)
		if err != nil {
			t.Fatal(err)
		}
		first, err := s.Put(ctx, orig) // the same content again: its story as assigned
		if err != nil {
			t.Fatal(err)
		}
		if res.Story == nil || first.Story == nil || res.Story.ID != first.Story.ID || res.Story.Created {
			t.Errorf("copy of article %d: story %+v, original's %+v; want the original's", i, res.Story, first.Story)
		}
	}
}
