package sink

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/store"
)

// StoriesMetric is the name of the sink's counter of story assignments, labelled
// result: created (the article founded a story), joined (it joined a story of other
// copies) or failed (the story step failed; the article is stored and its message
// retried).
const StoriesMetric = "newsjet_sink_story_assignments_total"

const storyFailed = "failed"

// storiesFlag is the boolean flag --stories (default true) over Config.NoStories.
type storiesFlag struct{ off *bool }

func (f storiesFlag) String() string {
	if f.off == nil {
		return "true"
	}
	return strconv.FormatBool(!*f.off)
}

func (f storiesFlag) Set(s string) error {
	on, err := strconv.ParseBool(s)
	if err != nil {
		return err
	}
	*f.off = !on
	return nil
}

func (f storiesFlag) IsBoolFlag() bool { return true }

// storyCounters registers StoriesMetric on reg (nil: counted but not exported) and
// returns its series by result, every one present from the start. A registry that
// already has the counter keeps its series.
func storyCounters(reg prometheus.Registerer) (map[string]prometheus.Counter, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: StoriesMetric,
		Help: "Story assignments of stored articles, by result: created, joined or failed.",
	}, []string{"result"})
	if reg != nil {
		if err := reg.Register(vec); err != nil {
			are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err)
			if !ok {
				return nil, fmt.Errorf("registering %s: %w", StoriesMetric, err)
			}
			if vec, ok = are.ExistingCollector.(*prometheus.CounterVec); !ok {
				return nil, fmt.Errorf("registering %s: %w", StoriesMetric, err)
			}
		}
	}
	out := map[string]prometheus.Counter{}
	for _, result := range []string{schema.StoryCreated, schema.StoryJoined, storyFailed} {
		out[result] = vec.WithLabelValues(result)
	}
	return out, nil
}

// storyKind is the update kind of a story result: created when the article founded
// the story, joined otherwise.
func storyKind(st *store.StoryResult) string {
	if st.MatchedID == "" {
		return schema.StoryCreated
	}
	return schema.StoryJoined
}

// storyUpdate is the StoryUpdate of a put's story result, to publish on the stories
// subject of the article's site with its deterministic id, content-scoped: the same
// update from another delivery of the article (a copy published again, a racing
// replica) is kept once.
func storyUpdate(a *schema.Article, res store.PutResult) (stage.Output, error) {
	st := res.Story
	url := a.CanonicalURL
	if url == "" {
		url = a.URL
	}
	if n, err := schema.NormalizeURL(url); err == nil {
		url = n
	}
	hash := strings.ToLower(a.ContentHash)
	u := &schema.StoryUpdate{
		ID:               schema.StoryUpdateID(st.ID, res.ID, hash),
		StoryID:          st.ID,
		Kind:             storyKind(st),
		ArticleID:        res.ID,
		Version:          res.Version,
		ContentHash:      hash,
		URL:              url,
		Site:             store.SiteOf(url),
		Title:            a.Title,
		PublishedAt:      a.PublishedAt,
		Similarity:       st.Similarity,
		MatchedArticleID: st.MatchedID,
		PreviousStoryID:  st.PreviousID,
		Copies:           max(1, st.Copies),
		Origin:           st.Origin,
	}
	data, err := schema.Encode(u)
	if err != nil {
		return stage.Output{}, err
	}
	return stage.Output{Subject: schema.StoriesSubject(url), Schema: schema.StoryUpdateV1, MsgID: u.ID, Data: data,
		ContentScoped: true}, nil
}
