package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/api"
	"github.com/newsjet/newsjet/services/sink/store"
	"github.com/newsjet/newsjet/services/sink/store/sqlite"
	"github.com/newsjet/newsjet/services/sink/store/storetest"
)

// TestStoryRoutes: GET /stories/{id} answers the story, and the errors of the route
// are JSON like those of /articles.
func TestStoryRoutes(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a := storetest.NewArticle("https://example.com/a", "Title", "Body.", storetest.Base)
	res, err := st.Put(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(api.Handler(st))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{http.MethodGet, "/stories/" + res.Story.ID, http.StatusOK},
		{http.MethodHead, "/stories/" + res.Story.ID, http.StatusOK},
		{http.MethodGet, "/stories/nope", http.StatusNotFound},
		{http.MethodGet, "/stories/", http.StatusNotFound},
		{http.MethodGet, "/stories/" + res.Story.ID + "/copies", http.StatusNotFound},
		{http.MethodPost, "/stories/" + res.Story.ID, http.StatusMethodNotAllowed},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		decErr := json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != tc.code || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s = %d, want %d", tc.method, tc.path, resp.StatusCode, tc.code)
		}
		switch {
		case tc.method == http.MethodHead:
		case tc.code == http.StatusOK && (decErr != nil || body["id"] != res.Story.ID):
			t.Errorf("%s %s: body %v (%v)", tc.method, tc.path, body, decErr)
		case tc.code != http.StatusOK && (decErr != nil || body["error"] == ""):
			t.Errorf("%s %s: body %v is not {\"error\": ...}", tc.method, tc.path, body)
		}
	}
	var rec store.Record
	resp, err := http.Get(srv.URL + "/articles/" + a.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&rec); err != nil || rec.StoryID != res.Story.ID {
		t.Errorf("GET /articles/{id}: story_id %q (%v), want %q", rec.StoryID, err, res.Story.ID)
	}
	q, err := api.ParseQuery(httptest.NewRequest(http.MethodGet, "/articles?story=abc", nil))
	if err != nil || q.Story != "abc" {
		t.Errorf("ParseQuery(story=abc) = %+v, %v", q, err)
	}
}
