package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/api"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// TestErrorsAreJSON: wrong methods and unknown paths under /articles/ answer like the
// other errors, {"error": ...} in JSON, and a 405 says which methods are allowed.
func TestErrorsAreJSON(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := storetest.NewArticle("https://example.com/a", "Title", "Body.", storetest.Base)
	if _, err := st.Put(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler(st))
	defer srv.Close()
	cases := []struct {
		method, path string
		code         int
		allow        string
	}{
		{http.MethodPost, "/articles", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodDelete, "/articles/" + a.ID, http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodPut, "/articles/" + a.ID + "/versions", http.StatusMethodNotAllowed, "GET, HEAD"},
		{http.MethodGet, "/articles/" + a.ID + "/", http.StatusNotFound, ""},
		{http.MethodGet, "/articles/" + a.ID + "/versions/1", http.StatusNotFound, ""},
		{http.MethodGet, "/articles/nope", http.StatusNotFound, ""},
		{http.MethodGet, "/articles?limit=0x", http.StatusBadRequest, ""},
		{http.MethodGet, "/articles?limit=0", http.StatusBadRequest, ""},
		{http.MethodGet, "/articles?limit=-1", http.StatusBadRequest, ""},
		{http.MethodGet, "/articles?limit=101", http.StatusBadRequest, ""},
		{http.MethodGet, "/articles?since=-1h", http.StatusBadRequest, ""},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, srv.URL+tc.path, strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.code {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.code)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			var e api.Error
			if err := json.Unmarshal(body, &e); err != nil || e.Error == "" {
				t.Errorf("body %q is not {\"error\": ...}: %v", body, err)
			}
		})
	}
	// The routes still answer GET and HEAD.
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		req, _ := http.NewRequest(method, srv.URL+"/articles/"+a.ID, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s /articles/{id}: status %d", method, resp.StatusCode)
		}
	}
}

// since and until take an RFC 3339 time, a date, or a duration counted back from now.
func TestParseTime(t *testing.T) {
	before := time.Now()
	got, err := api.ParseTime("since", "90m")
	after := time.Now()
	if err != nil || got.Before(before.Add(-90*time.Minute)) || got.After(after.Add(-90*time.Minute)) {
		t.Errorf("ParseTime(90m) = %v, %v; want 90 minutes before now", got, err)
	}
	for in, want := range map[string]time.Time{
		"2026-03-02T10:00:00+01:00": time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		"2026-03-02":                time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
		"":                          {},
	} {
		if got, err := api.ParseTime("since", in); err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"-1h", "0s", "yesterday", "1d"} {
		if _, err := api.ParseTime("since", in); !errors.Is(err, store.ErrInvalidQuery) || !strings.Contains(err.Error(), "since") {
			t.Errorf("ParseTime(%q): %v, want ErrInvalidQuery naming since", in, err)
		}
	}
}

// An explicit limit is 1..100: 0 is refused like -1 and 101, not read as the default.
func TestParseQueryLimit(t *testing.T) {
	for query, want := range map[string]int{"": 0, "limit=1": 1, "limit=100": 100} {
		q, err := api.ParseQuery(httptest.NewRequest(http.MethodGet, "/articles?"+query, nil))
		if err != nil || q.Limit != want {
			t.Errorf("%q: limit %d, %v; want %d", query, q.Limit, err, want)
		}
	}
	for _, query := range []string{"limit=0", "limit=-1", "limit=101", "limit=x"} {
		if _, err := api.ParseQuery(httptest.NewRequest(http.MethodGet, "/articles?"+query, nil)); !errors.Is(err, store.ErrInvalidQuery) {
			t.Errorf("%q: %v, want ErrInvalidQuery", query, err)
		}
	}
}
