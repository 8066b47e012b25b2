-- Stories: groups of articles whose current bodies are copies of one text (see package story).
CREATE TABLE stories (
	id         text        PRIMARY KEY,
	copies     integer     NOT NULL,
	origin     jsonb       NOT NULL, -- story.Origin, recomputed from the members when they change
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);

-- The story of each article's assessed version, with what the story step compares and the origin evidence.
CREATE TABLE story_members (
	article_id   text        PRIMARY KEY REFERENCES articles (id),
	story_id     text        NOT NULL,
	version      integer     NOT NULL,
	content_hash text        NOT NULL,
	similarity   real        NOT NULL, -- resemblance with matched_id
	matched_id   text        NOT NULL, -- the copy it joined by, '' for a story's first copy
	sketch       bytea       NOT NULL, -- story.Sketch (MarshalBinary)
	keys         bigint[]    NOT NULL, -- its candidate keys (story_keys rows it may own)
	site         text        NOT NULL,
	url          text        NOT NULL,
	title        text        NOT NULL,
	site_name    text        NOT NULL,
	published_at timestamptz,
	day_only     boolean     NOT NULL,
	declared     jsonb       NOT NULL, -- []story.Declaration
	joined_at    timestamptz NOT NULL,
	updated_at   timestamptz NOT NULL
);

CREATE INDEX story_members_by_story ON story_members (story_id);

-- Candidate keys: each key points to the first article whose sketch had it.
CREATE TABLE story_keys (
	hash       bigint PRIMARY KEY,
	article_id text   NOT NULL
);
