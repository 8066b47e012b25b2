// Package client reads articles from a sink's read API (package api), and implements
// the `newsjet articles` command line on top of it (Run).
package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/services/sink/api"
	"github.com/newsjet/newsjet/services/sink/store"
)

// DefaultURL is the sink's read API when none is given: the sink's default HTTP port
// on this machine.
const DefaultURL = "http://127.0.0.1:8080"

// ErrBadURL: the client's base URL is not an absolute http(s) URL.
var ErrBadURL = errors.New("client: bad API URL")

// APIError is an error response of the API. It wraps store.ErrNotFound for a 404 and
// store.ErrInvalidQuery for a 400, so errors.Is works across the wire.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("articles API: %d: %s", e.Status, e.Message) }

// Unwrap maps the status to the store's sentinel errors.
func (e *APIError) Unwrap() error {
	switch e.Status {
	case http.StatusNotFound:
		return store.ErrNotFound
	case http.StatusBadRequest:
		return store.ErrInvalidQuery
	}
	return nil
}

// Client calls one sink's read API. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *http.Client
}

// New returns a client of the API at baseURL (e.g. "http://sink:8080"), using hc, or a
// client with a 30s timeout when hc is nil. It returns ErrBadURL for a base URL that is
// not absolute http(s).
func New(baseURL string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%w: %q", ErrBadURL, baseURL)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{base: u, http: hc}, nil
}

// List returns one page of articles matching q.
func (c *Client) List(ctx context.Context, q store.Query) (*store.Page, error) {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Text)
	set("site", q.Site)
	set("author", q.Author)
	set("language", q.Language)
	set("story", q.Story)
	set("cursor", q.Cursor)
	if !q.Since.IsZero() {
		v.Set("since", q.Since.Format(time.RFC3339Nano))
	}
	if !q.Until.IsZero() {
		v.Set("until", q.Until.Format(time.RFC3339Nano))
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var page store.Page
	return &page, c.get(ctx, []string{"articles"}, v, &page)
}

// Get returns an article with its current version; errors.Is(err, store.ErrNotFound)
// when there is none.
func (c *Client) Get(ctx context.Context, id string) (*store.Record, error) {
	var rec store.Record
	return &rec, c.get(ctx, []string{"articles", id}, nil, &rec)
}

// Versions returns every version of an article, oldest first.
func (c *Client) Versions(ctx context.Context, id string) ([]store.Version, error) {
	var vs api.Versions
	if err := c.get(ctx, []string{"articles", id, "versions"}, nil, &vs); err != nil {
		return nil, err
	}
	return vs.Versions, nil
}

// Story returns a story with its origin and copies; errors.Is(err,
// store.ErrStoryNotFound) when there is none.
func (c *Client) Story(ctx context.Context, id string) (*store.Story, error) {
	var st store.Story
	err := c.get(ctx, []string{"stories", id}, nil, &st)
	if e, ok := errors.AsType[*APIError](err); ok && e.Status == http.StatusNotFound {
		return nil, fmt.Errorf("%w: %w", store.ErrStoryNotFound, err)
	}
	if err != nil {
		return nil, err
	}
	return &st, nil
}

// get fetches the API path made of segments (each escaped) with query q into out.
func (c *Client) get(ctx context.Context, segments []string, q url.Values, out any) error {
	escaped := make([]string, len(segments))
	for i, seg := range segments {
		escaped[i] = url.PathEscape(seg)
	}
	u := c.base.JoinPath(escaped...)
	u.RawQuery = q.Encode()
	path := u.Path
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return fmt.Errorf("articles API: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("articles API: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return fmt.Errorf("articles API: reading %s: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e api.Error
		if json.Unmarshal(body, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(body))
		}
		return &APIError{Status: resp.StatusCode, Message: e.Error}
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("articles API: decoding %s: %w", path, err)
	}
	return nil
}
