package api

import (
	"context"
	"net/http"

	"github.com/newsjet/newsjet/services/sink/store"
)

// registerStories adds GET /stories/{id}: the story with its origin and copies
// (store.Story), 404 for an unknown story; other methods answer 405 and other paths
// under /stories/ 404, in JSON.
func registerStories(mux *http.ServeMux, r store.StoryReader) {
	mux.HandleFunc("GET /stories/{id}", func(w http.ResponseWriter, req *http.Request) {
		ctx, cancel := context.WithTimeout(req.Context(), Timeout)
		defer cancel()
		st, err := r.Story(ctx, req.PathValue("id"))
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, st)
	})
	mux.HandleFunc("/stories/{id}", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Allow", "GET, HEAD")
		writeJSON(w, http.StatusMethodNotAllowed, Error{Error: "method " + req.Method + " not allowed on " + req.URL.Path + " (GET only)"})
	})
	mux.HandleFunc("/stories/", func(w http.ResponseWriter, req *http.Request) {
		writeJSON(w, http.StatusNotFound, Error{Error: "no such route: " + req.URL.Path})
	})
}
