package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/api"
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
