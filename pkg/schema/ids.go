package schema

import (
	"crypto/sha256"
	"encoding/hex"
)

// ID derives a deterministic message id from its parts: the first 128 bits of the
// SHA-256 of the parts joined by NUL bytes, in hex. The same parts always give the same
// id, which is what makes redelivery idempotent: the id travels as Nats-Msg-Id and the
// stream drops a repeated publish.
func ID(parts ...string) string {
	h := sha256.New()
	for i, p := range parts {
		if i > 0 {
			h.Write([]byte{0})
		}
		h.Write([]byte(p))
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// ContentHash returns the hex SHA-256 of b.
func ContentHash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ArticleID returns the stable id of the article at canonicalURL: the same id for every
// spelling that NormalizeURL maps to the same URL. A URL that does not normalise is
// hashed as given.
func ArticleID(canonicalURL string) string {
	if n, err := NormalizeURL(canonicalURL); err == nil {
		canonicalURL = n
	}
	return ID("article", canonicalURL)
}

// RawArticleID returns the id of an article extracted from a page that had no URL at all
// (no URL header, no canonical link): derived from the raw page's id, since there is no
// URL to name the article by. The extractor assigns it and the sink checks it; it differs
// from the ArticleID of any URL NormalizeURL accepts.
func RawArticleID(rawID string) string { return ID("article", "raw", rawID) }
