-- One row per article, pointing at its current version, with the columns the read API filters on.
CREATE TABLE articles (
	id                   text        PRIMARY KEY,
	canonical_url        text        NOT NULL,
	site                 text        NOT NULL,
	language             text        NOT NULL,
	authors              text[]      NOT NULL, -- lower-cased author names
	sort_at              timestamptz NOT NULL, -- published, else fetched
	version              integer     NOT NULL,
	versions             integer     NOT NULL,
	current_fetched_at   timestamptz NOT NULL,
	current_extracted_at timestamptz NOT NULL,
	first_seen           timestamptz NOT NULL,
	updated_at           timestamptz NOT NULL,
	ts_config            regconfig   NOT NULL, -- text search configuration of the article's language
	title                text        NOT NULL, -- of the current version
	body                 text        NOT NULL, -- of the current version, plain text
	tsv                  tsvector    GENERATED ALWAYS AS
		(setweight(to_tsvector(ts_config, title), 'A') || setweight(to_tsvector(ts_config, body), 'B')) STORED
);

CREATE INDEX articles_by_time     ON articles (sort_at DESC, id DESC);
CREATE INDEX articles_by_site     ON articles (site, sort_at DESC, id DESC);
CREATE INDEX articles_by_language ON articles (language, sort_at DESC, id DESC);
CREATE INDEX articles_authors     ON articles USING gin (authors);
CREATE INDEX articles_text        ON articles USING gin (tsv);

-- Every version of every article; a content hash is stored once per article.
CREATE TABLE article_versions (
	article_id   text        NOT NULL REFERENCES articles (id),
	number       integer     NOT NULL,
	content_hash text        NOT NULL,
	fetched_at   timestamptz NOT NULL,
	extracted_at timestamptz NOT NULL,
	stored_at    timestamptz NOT NULL,
	doc          jsonb       NOT NULL, -- the full Article
	PRIMARY KEY (article_id, number),
	UNIQUE (article_id, content_hash)
);
