package schema

import "time"

// StoryUpdate tells that an article joined a story. The sink groups stored articles
// whose bodies are copies of one text (a wire story syndicated to many sites, an
// article republished in another site's chrome or served under two URLs) into
// stories, and publishes a StoryUpdate on StoriesSubject(site of the article) each
// time an article joins one: its first story when it is stored, or another story
// after a new version of it. Subscribers follow the clusters without polling the
// sink; the Article messages themselves do not change.
type StoryUpdate struct {
	Schema string `json:"schema"`
	// ID is deterministic: StoryUpdateID(StoryID, ArticleID, ContentHash), so the
	// update of one join has one id however often it is published.
	ID      string `json:"id"`
	StoryID string `json:"story_id"`
	// Kind is StoryCreated when the article founds the story (no stored copy matched
	// it), StoryJoined when it joins a story that had other copies.
	Kind string `json:"kind"`
	// ArticleID, Version and ContentHash name the article's version that joined.
	ArticleID   string `json:"article_id"`
	Version     int    `json:"version"`
	ContentHash string `json:"content_hash"`
	// URL is the article's canonical URL (else its URL), Site its site.
	URL   string `json:"url"`
	Site  string `json:"site"`
	Title string `json:"title"`
	// PublishedAt is the article's publication time, when known.
	PublishedAt *time.Time `json:"published_at,omitempty"`
	// Similarity is the resemblance of the article's body with that of
	// MatchedArticleID, the copy it joined by: 1 (and no match) when it founds the
	// story.
	Similarity       float64 `json:"similarity"`
	MatchedArticleID string  `json:"matched_article_id,omitempty"`
	// PreviousStoryID is the story a new version of the article left, if any.
	PreviousStoryID string `json:"previous_story_id,omitempty"`
	// Copies is the number of articles in the story after the join.
	Copies int `json:"copies"`
	// Origin is the story's origin after the join.
	Origin StoryOrigin `json:"origin"`
}

// StoryOrigin is where a story comes from, as the evidence of its copies tells.
type StoryOrigin struct {
	// Status is one of the StoryOrigin* values.
	Status string `json:"status"`
	// ArticleID is the origin copy; absent when the origin is not decided or is not
	// among the stored copies.
	ArticleID string `json:"article_id,omitempty"`
	// Source names the declared source (StoryOriginDeclared), or the conflicting ones.
	Source string `json:"source,omitempty"`
	// Candidates are the copies (a conflict on publication times) or the sources (a
	// conflict of declarations) the evidence does not decide between.
	Candidates []string `json:"candidates,omitempty"`
}

// StoryUpdate kinds.
const (
	StoryCreated = "created"
	StoryJoined  = "joined"
)

// StoryOrigin statuses.
const (
	// StoryOriginEarliest: no copy declares an origin; the origin is the copy
	// published first.
	StoryOriginEarliest = "earliest"
	// StoryOriginDeclared: copies declare one source (a canonical link to another
	// site, an "originally appeared on" line, a wire agency's credit).
	StoryOriginDeclared = "declared"
	// StoryOriginConflict: the evidence disagrees; the origin is marked, not guessed.
	StoryOriginConflict = "conflict"
	// StoryOriginUnknown: several copies, none dated and none declaring a source.
	StoryOriginUnknown = "unknown"
)

// StoryUpdateID is the id of the update of an article's version joining a story.
func StoryUpdateID(storyID, articleID, contentHash string) string {
	return ID(StoryUpdateV1, storyID, articleID, contentHash)
}

// Validate implements Message: the ids and content hash are present, kind and origin
// status are known values, similarity is within [0, 1] and copies is at least 1.
func (m *StoryUpdate) Validate() error {
	switch {
	case m.ID == "" || m.StoryID == "" || m.ArticleID == "" || m.ContentHash == "":
		return invalid(StoryUpdateV1, "id, story_id, article_id and content_hash are required")
	case m.Kind != StoryCreated && m.Kind != StoryJoined:
		return invalid(StoryUpdateV1, "kind %q is not %q or %q", m.Kind, StoryCreated, StoryJoined)
	case m.Similarity < 0 || m.Similarity > 1:
		return invalid(StoryUpdateV1, "similarity %v is outside [0, 1]", m.Similarity)
	case m.Copies < 1:
		return invalid(StoryUpdateV1, "copies %d is less than 1", m.Copies)
	}
	switch m.Origin.Status {
	case StoryOriginEarliest, StoryOriginDeclared, StoryOriginConflict, StoryOriginUnknown:
	default:
		return invalid(StoryUpdateV1, "origin status %q is unknown", m.Origin.Status)
	}
	return checkTimes(StoryUpdateV1, m.PublishedAt)
}
