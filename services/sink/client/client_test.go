package client_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/api"
	"github.com/newsjet/newsjet/services/sink/client"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// serve starts the read API over a SQLite store holding n articles on example.com (the
// first with two versions) and returns its URL and the first article's id.
func serve(t *testing.T, n int) (string, string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	var first string
	for i := range n {
		a := storetest.NewArticle(fmt.Sprintf("https://example.com/%d", i), fmt.Sprintf("Story %d", i),
			"Harbour news.", storetest.Base.Add(time.Duration(i)*time.Hour))
		if _, err := s.Put(ctx, a); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = a.ID
			edit := storetest.NewArticle(a.URL, "Story 0, updated", "Harbour news, updated.", a.FetchedAt.Add(time.Minute))
			if _, err := s.Put(ctx, edit); err != nil {
				t.Fatal(err)
			}
		}
	}
	srv := httptest.NewServer(api.Handler(s))
	t.Cleanup(srv.Close)
	return srv.URL, first
}

func TestClient(t *testing.T) {
	base, first := serve(t, 5)
	c, err := client.New(base+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	page, err := c.List(ctx, store.Query{Text: "harbour", Site: "example.com", Limit: 3,
		Since: storetest.Base.Add(-time.Hour), Until: storetest.Base.Add(10 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Articles) != 3 || page.Next == "" || page.Articles[0].Article.Title != "Story 4" {
		t.Fatalf("first page: %d articles, next %q", len(page.Articles), page.Next)
	}
	page, err = c.List(ctx, store.Query{Text: "harbour", Limit: 3, Cursor: page.Next})
	if err != nil || len(page.Articles) != 2 || page.Next != "" {
		t.Fatalf("second page: %+v, %v", page, err)
	}
	rec, err := c.Get(ctx, first)
	if err != nil || rec.Version != 2 || rec.Article.Title != "Story 0, updated" {
		t.Fatalf("Get = %+v, %v", rec, err)
	}
	vs, err := c.Versions(ctx, first)
	if err != nil || len(vs) != 2 || vs[0].Article.Title != "Story 0" || !vs[1].Current {
		t.Fatalf("Versions = %+v, %v", vs, err)
	}
	if _, err := c.Get(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get(missing) err = %v, want ErrNotFound", err)
	}
	if _, err := c.Versions(ctx, "a/b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Versions(a/b) err = %v, want ErrNotFound", err)
	}
	if _, err := c.List(ctx, store.Query{Cursor: "!!"}); !errors.Is(err, store.ErrInvalidQuery) {
		t.Errorf("bad cursor err = %v, want ErrInvalidQuery", err)
	}
	if _, err := client.New("ftp://x", nil); !errors.Is(err, client.ErrBadURL) {
		t.Errorf("New(ftp) err = %v", err)
	}
}

func TestAPIErrors(t *testing.T) {
	base, _ := serve(t, 1)
	for path, want := range map[string]int{
		"/articles?limit=x":                           http.StatusBadRequest,
		"/articles?limit=1000":                        http.StatusBadRequest,
		"/articles?since=yesterday":                   http.StatusBadRequest,
		"/articles?since=2026-05-02&until=2026-05-01": http.StatusBadRequest,
		"/articles?q=-only":                           http.StatusBadRequest,
		"/articles?since=2026-01-01":                  http.StatusOK,
		"/articles/nope":                              http.StatusNotFound,
		"/articles/nope/versions":                     http.StatusNotFound,
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != want || err != nil || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("GET %s = %d (%v, %v), want %d", path, resp.StatusCode, body, err, want)
		}
		if want != http.StatusOK && body["error"] == "" {
			t.Errorf("GET %s: no error message", path)
		}
	}
	resp, err := http.Post(base+"/articles", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /articles = %d, want 405", resp.StatusCode)
	}
}

func TestRun(t *testing.T) {
	base, first := serve(t, 5)
	ctx := context.Background()
	run := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := client.Run(ctx, append([]string{"--api", base}, args...), &out, &errOut)
		return out.String(), errOut.String(), err
	}
	out, errOut, err := run("list", "--limit", "2", "-q", "harbour")
	if err != nil || strings.Count(out, "\n") != 2 || !strings.Contains(errOut, "--cursor ") {
		t.Fatalf("list: %q %q %v", out, errOut, err)
	}
	out, _, err = run("list", "--limit", "2", "--all", "--since", "2026-01-01")
	if err != nil || strings.Count(out, "\n") != 5 {
		t.Fatalf("list --all: %d lines, %v", strings.Count(out, "\n"), err)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec store.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Article == nil {
			t.Errorf("line %q is not a record: %v", line, err)
		}
	}
	// --since also takes a duration back from now, as `newsjet tail --since` does.
	out, _, err = run("list", "--all", "--since", "100000h")
	if err != nil || strings.Count(out, "\n") != 5 {
		t.Fatalf("list --since 100000h: %d lines, %v", strings.Count(out, "\n"), err)
	}
	out, _, err = run("get", first)
	if err != nil || !strings.Contains(out, `"Story 0, updated"`) || strings.Count(out, "\n") != 1 {
		t.Fatalf("get: %q %v", out, err)
	}
	out, _, err = run("versions", first)
	if err != nil || strings.Count(out, "\n") != 2 {
		t.Fatalf("versions: %q %v", out, err)
	}
	if _, _, err := run("get", "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("get missing: %v", err)
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"get"}, {"list", "--since", "soon"}, {"list", "--bogus"}, {"list", "extra"}} {
		if _, _, err := run(args...); !errors.Is(err, client.ErrUsage) {
			t.Errorf("%v: err = %v, want ErrUsage", args, err)
		}
	}
}
