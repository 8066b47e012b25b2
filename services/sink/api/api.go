// Package api is the sink's read API over HTTP, JSON in and out:
//
//	GET /articles                 one page of articles, newest first (filters below)
//	GET /articles/{id}            one article with its current version
//	GET /articles/{id}/versions   every version of one article, oldest first
//	GET /stories/{id}             one story: its origin and copies (see stories.go)
//
// GET /articles takes the query parameters q (full-text: words, "phrases", -exclusions),
// site, author, language, story (a story id: the articles of that story), since and until (RFC 3339, a date YYYY-MM-DD meaning its
// midnight UTC, or a duration back from now such as 24h), limit (1..100, default 20;
// an explicit 0 is refused like 101) and cursor (the "next" of the previous
// page). Errors are {"error": "..."} with status 400 (bad parameter), 404 (no such
// article, or no such route under /articles/), 405 (a method other than GET or HEAD,
// with an Allow header) or 503 (the store failed; retry later). Every article record
// carries its story_id.
package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/store"
)

// Versions is the body of GET /articles/{id}/versions.
type Versions struct {
	ID       string          `json:"id"`
	Versions []store.Version `json:"versions"`
}

// Error is the body of every error response.
type Error struct {
	Error string `json:"error"`
}

// Timeout bounds the store call of one request.
const Timeout = 30 * time.Second

// Register adds the API's routes to mux, reading from r.
func Register(mux *http.ServeMux, r store.Reader) {
	mux.HandleFunc("GET /articles", func(w http.ResponseWriter, req *http.Request) {
		q, err := ParseQuery(req)
		if err != nil {
			writeError(w, err)
			return
		}
		ctx, cancel := context.WithTimeout(req.Context(), Timeout)
		defer cancel()
		page, err := r.List(ctx, q)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, page)
	})
	mux.HandleFunc("GET /articles/{id}", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), Timeout)
		defer cancel()
		rec, err := r.Get(ctx, req.PathValue("id"))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, rec)
	})
	mux.HandleFunc("GET /articles/{id}/versions", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), Timeout)
		defer cancel()
		id := req.PathValue("id")
		vs, err := r.Versions(ctx, id)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, Versions{ID: id, Versions: vs})
	})
	// Other methods on the routes, and other paths under /articles/, answer in JSON too.
	for _, path := range []string{"/articles", "/articles/{id}", "/articles/{id}/versions"} {
		mux.HandleFunc(path, func(w http.ResponseWriter, req *http.Request) {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, Error{Error: "method " + req.Method + " not allowed on " + req.URL.Path + " (GET only)"})
		})
	}
	mux.HandleFunc("/articles/", func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusNotFound, Error{Error: "no such route: " + req.URL.Path})
	})
	registerStories(mux, r)
}

// Handler returns a handler serving only the API's routes.
func Handler(r store.Reader) http.Handler {
	mux := http.NewServeMux()
	Register(mux, r)
	return mux
}

// ParseQuery reads the List parameters of a GET /articles request. It returns
// store.ErrInvalidQuery for a malformed limit or time.
func ParseQuery(req *http.Request) (store.Query, error) {
	v := req.URL.Query()
	q := store.Query{
		Text:     v.Get("q"),
		Site:     v.Get("site"),
		Author:   v.Get("author"),
		Language: v.Get("language"),
		Story:    v.Get("story"),
		Cursor:   v.Get("cursor"),
	}
	var err error
	if s := v.Get("limit"); s != "" {
		if q.Limit, err = strconv.Atoi(s); err != nil || q.Limit < 1 || q.Limit > store.MaxLimit {
			return q, &paramError{"limit", s}
		}
	}
	if q.Since, err = ParseTime("since", v.Get("since")); err != nil {
		return q, err
	}
	if q.Until, err = ParseTime("until", v.Get("until")); err != nil {
		return q, err
	}
	return q, nil
}

// ParseTime reads an RFC 3339 time, a YYYY-MM-DD date (midnight UTC) or a positive
// duration counted back from now ("36h": 36 hours ago); "" is the zero time. It returns
// store.ErrInvalidQuery naming param for anything else.
func ParseTime(param, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return time.Now().Add(-d), nil
	}
	return time.Time{}, &paramError{param, s}
}

type paramError struct{ param, value string }

func (e *paramError) Error() string {
	return store.ErrInvalidQuery.Error() + ": " + e.param + "=" + strconv.Quote(e.value)
}

func (e *paramError) Unwrap() error { return store.ErrInvalidQuery }

func writeError(w http.ResponseWriter, err error) {
	code := http.StatusServiceUnavailable
	switch {
	case errors.Is(err, store.ErrInvalidQuery):
		code = http.StatusBadRequest
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrStoryNotFound):
		code = http.StatusNotFound
	}
	writeJSON(w, code, Error{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(append(b, '\n'))
}
