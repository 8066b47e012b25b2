// Package schema is newsjet's public message contract: the subjects and streams the
// services talk over, and the versioned JSON messages they exchange. Other teams import
// it; it depends on nothing but the JSON library.
//
// # Messages
//
// Six message types flow through the pipeline, each on its own stream:
//
//	FetchRequest  news.fetch.<domain>      a URL to fetch (article, feed or sitemap)
//	RawPage       news.raw.<domain>        the bytes a server returned, in any charset
//	CleanedPage   news.cleaned.<domain>    the page decoded to UTF-8, boilerplate removed
//	Article       news.extracted.<domain>  the structured article
//	StoryUpdate   news.stories.<domain>    an article joined a story (copies of one text)
//	DeadLetter    news.dead.<stage>        a message a stage could not process, with the reason
//
// <domain> is the site's host name with dots replaced by underscores
// (news.example.com becomes news_example_com), so a subscriber can follow one site with
// news.extracted.news_example_com or all of them with news.extracted.>.
//
// Every message is a JSON object whose "schema" member names its type and version, for
// example "newsjet.article.v1"; the same name travels in the Newsjet-Schema header.
//
// # Versioning rules
//
//  1. Adding an optional field keeps the version. Readers ignore fields they do not
//     know, so old readers keep working.
//  2. Any other change (removing or renaming a field, changing its type or meaning,
//     making an optional field required) makes a new version: newsjet.article.v2.
//  3. Decoders keep reading every older version for ever and upcast it to the newest
//     in-memory type, so a stage always works with one type per message kind.
//  4. A schema name with an unknown version is ErrUnknownVersion; a message that is not
//     JSON is ErrMalformed; a known version missing a required field is ErrInvalid. The
//     services send such messages to dead letters; they never crash on them.
//  5. testdata/ holds a golden JSON file for every message version. The tests decode
//     each of them for ever, and validate them against the JSON Schema documents in
//     jsonschema/ (published for consumers written in other languages).
//
// # Compressed messages
//
// A message may travel gzip-compressed, with the header Content-Encoding: gzip. Every
// Decode function reads both forms (it tells them apart by gzip's magic bytes, which no
// JSON text starts with), and the JSON inside is the same versioned message, so
// compression is no version change. The cleaner publishes CleanedPages compressed:
// they are mostly HTML and text, read only by newsjet's extractor, and compress to
// about a third; the other messages travel as plain JSON, readable with `nats sub`.
//
// # Raw pages from anyone
//
// The raw subject accepts a RawPage JSON message and also a bare HTML body, so a user can
// publish a page with plain `nats pub`; see DecodeRawPageMessage.
package schema
