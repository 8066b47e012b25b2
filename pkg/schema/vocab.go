package schema

import "strings"

// AuthorPathSegments are the URL path segments of author profile pages
// ("/author/jane-roe"), lower-case.
var AuthorPathSegments = [...]string{"author", "authors", "by", "profile", "profiles", "staff",
	"journalist", "journalists", "reporter", "columnist", "contributor", "writers", "autor", "autores"}

// AuthorPath reports whether a link's URL has a directory named like an author
// page: a path segment of AuthorPathSegments (in any case) followed by a slash.
// "/author/jane-roe" and "https://example.com/staff/jroe/" are, "/news/author" and
// "/authority/x" are not.
func AuthorPath(href string) bool {
	for i := strings.IndexByte(href, '/'); i >= 0; {
		rest := href[i+1:]
		j := strings.IndexByte(rest, '/')
		if j < 0 {
			return false
		}
		if seg := rest[:j]; len(seg) >= 2 && len(seg) <= 11 {
			for _, w := range AuthorPathSegments {
				if strings.EqualFold(seg, w) {
					return true
				}
			}
		}
		i += 1 + j
	}
	return false
}
