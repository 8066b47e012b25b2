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

// Keys of the head <meta> elements a cleaned page keeps (Meta.Key), by what they
// declare; a list names the most trusted key first. A page's other <meta> elements
// (viewport, app and page ids, verification tokens, ...) are not kept.
const (
	MetaOGTitle      = "og:title"
	MetaTwitterTitle = "twitter:title"
	MetaSiteName     = "og:site_name"
	MetaURL          = "og:url"
	MetaImageWidth   = "og:image:width"
	MetaImageHeight  = "og:image:height"
	MetaTag          = "article:tag"
	MetaNewsKeywords = "news_keywords"
	MetaKeywords     = "keywords"
)

var (
	// MetaTitles are the other declared titles, after og:title and twitter:title.
	MetaTitles = [...]string{"headline", "title", "dc.title", "parsely-title", "sailthru.title"}
	// MetaDescriptions declare the article's summary.
	MetaDescriptions = [...]string{"og:description", "description", "twitter:description"}
	// MetaAppNames name the site's app, a site name of last resort.
	MetaAppNames = [...]string{"application-name", "al:ios:app_name"}
	// MetaSections declare the article's section.
	MetaSections = [...]string{"article:section", "section", "parsely-section", "sailthru.section"}
	// MetaImages declare the lead image; MetaImageAlts its alt text.
	MetaImages    = [...]string{"og:image:secure_url", "og:image", "twitter:image", "twitter:image:src"}
	MetaImageAlts = [...]string{"og:image:alt", "twitter:image:alt"}
	// MetaLanguages declare the page's language.
	MetaLanguages = [...]string{"og:locale", "content-language", "language", "dc.language"}
	// MetaAuthors declare the article's authors.
	MetaAuthors = [...]string{"author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl", "cxenseparse:author"}
	// MetaPublished and MetaModified declare the publication and modification times.
	MetaPublished = [...]string{
		"article:published_time", "og:article:published_time", "article:published", "published_time",
		"datepublished", "date.published", "article.published", "parsely-pub-date", "sailthru.date",
		"publishdate", "publish-date", "pubdate", "publication_date", "dc.date.issued", "dcterms.created",
		"dc.date", "dcterms.date", "date", "cxenseparse:recs:publishtime", "og:published_time", "article_date_original",
		"original-publish-date", "content_publish_date",
	}
	MetaModified = [...]string{
		"article:modified_time", "og:article:modified_time", "og:updated_time", "article:modified", "datemodified",
		"modified_time", "dc.date.modified", "dcterms.modified", "last-modified", "lastmod", "article.updated",
	}
)

// headMeta is the set of kept meta keys.
var headMeta = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range [...]string{MetaOGTitle, MetaTwitterTitle, MetaSiteName, MetaURL, MetaImageWidth, MetaImageHeight,
		MetaTag, MetaNewsKeywords, MetaKeywords} {
		m[k] = true
	}
	for _, l := range [][]string{MetaTitles[:], MetaDescriptions[:], MetaAppNames[:], MetaSections[:], MetaImages[:],
		MetaImageAlts[:], MetaLanguages[:], MetaAuthors[:], MetaPublished[:], MetaModified[:]} {
		for _, k := range l {
			m[k] = true
		}
	}
	return m
}()

// HeadMeta reports whether a cleaned page keeps the <meta> elements of a key
// (trimmed and lower-cased, as Meta.Key is).
func HeadMeta(key string) bool { return headMeta[key] }
