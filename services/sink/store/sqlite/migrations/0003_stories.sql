-- Stories: groups of articles whose current bodies are copies of one text (see package story). Times are unix
-- microseconds (UTC).
CREATE TABLE stories (
	id         TEXT    PRIMARY KEY,
	copies     INTEGER NOT NULL,
	origin     TEXT    NOT NULL, -- story.Origin JSON, recomputed from the members when they change
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

-- The story of each article's assessed version, with what the story step compares and the origin evidence; the
-- article by its row (seq = articles.seq).
CREATE TABLE story_members (
	seq          INTEGER PRIMARY KEY REFERENCES articles (seq),
	story_id     TEXT    NOT NULL,
	version      INTEGER NOT NULL,
	content_hash TEXT    NOT NULL,
	similarity   REAL    NOT NULL, -- resemblance with matched_id
	matched_id   TEXT    NOT NULL, -- the copy it joined by, '' for a story's first copy
	sketch       BLOB    NOT NULL, -- story.Sketch (MarshalBinary)
	keys         TEXT    NOT NULL, -- JSON array of its candidate keys (story_keys rows it may own)
	site         TEXT    NOT NULL,
	url          TEXT    NOT NULL,
	title        TEXT    NOT NULL,
	site_name    TEXT    NOT NULL,
	published_at INTEGER,
	day_only     INTEGER NOT NULL,
	declared     TEXT    NOT NULL, -- JSON []story.Declaration
	joined_at    INTEGER NOT NULL,
	updated_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX story_members_by_story ON story_members (story_id);

-- Candidate keys: each key points to the first article whose sketch had it (seq = articles.seq).
CREATE TABLE story_keys (
	hash INTEGER PRIMARY KEY,
	seq  INTEGER NOT NULL
) STRICT;
