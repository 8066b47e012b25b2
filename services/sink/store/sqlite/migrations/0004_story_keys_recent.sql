-- Candidate keys claimed since the last merge, in a small table of their own: a transaction's claims, random keys,
-- change few of its pages, while a claim in story_keys changes a page of the large table for nearly every key. A key is
-- in one of the two tables; the store moves these rows to story_keys, in key order, once they are many.
CREATE TABLE story_keys_recent (
	hash INTEGER PRIMARY KEY,
	seq  INTEGER NOT NULL
) STRICT;
