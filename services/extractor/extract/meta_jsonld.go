package extract

import (
	"regexp"
	"strings"

	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/pkg/schema"
)

// ldData is the JSON-LD of a page reduced to what the extractor needs: the object
// that describes the article (main; a live blog first), the publisher name and a
// live blog's updates.
type ldData struct {
	main map[string]any
	// live holds the updates of the first LiveBlogPosting that lists any, in the
	// page's order.
	live []schema.LivePost
	// pages holds every article and web page object, main first.
	pages     []map[string]any
	publisher string
	// webPage is a WebPage object, used when no article object exists.
	webPage map[string]any
	// loose holds "key": "value" pairs found in blocks that are not valid JSON.
	loose []schema.Meta
	// byID holds the typed nodes that have an @id, for resolving references.
	byID map[string]map[string]any
}

// reLooseField finds a quoted date or headline property in invalid JSON-LD.
var reLooseField = regexp.MustCompile(`"(datePublished|dateModified|dateCreated|headline)"\s*:\s*"([^"]{1,300})"`)

// looseFields returns the date and headline properties of an invalid JSON-LD block.
func looseFields(text string) []schema.Meta {
	var out []schema.Meta
	for _, m := range reLooseField.FindAllStringSubmatch(text, 8) {
		out = append(out, schema.Meta{Key: m[1], Content: m[2]})
	}
	return out
}

// articleTypes are the schema.org types that describe an article page.
var articleTypes = map[string]int{
	"liveblogposting": 3, "newsarticle": 2, "reportagenewsarticle": 2, "analysisnewsarticle": 2,
	"opinionnewsarticle": 2, "reviewnewsarticle": 2, "backgroundnewsarticle": 2, "article": 1,
	"blogposting": 1, "socialmediaposting": 1, "techarticle": 1, "scholarlyarticle": 1, "report": 1,
	"posting": 1, "discussionforumposting": 1,
}

// parseJSONLD decodes every JSON-LD block and picks the article object: the first of
// the highest-ranked article type, a live blog first (with at most maxPosts of its
// updates). From the blocks that are not
// valid JSON (texts, and blocks whose numbers Go cannot hold) only the quoted date
// and headline properties a lenient scan finds are kept.
func parseJSONLD(blocks []json.RawMessage, texts []string, maxPosts int) ldData {
	var d ldData
	rank := 0
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 8 {
			return
		}
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				visit(e, depth+1)
			}
		case map[string]any:
			if id, ok := x["@id"].(string); ok && x["@type"] != nil {
				if d.byID == nil {
					d.byID = map[string]map[string]any{}
				}
				d.byID[id] = x
			}
			for _, t := range ldTypes(x) {
				if t == "liveblogposting" && d.live == nil {
					d.live = livePosts(x["liveBlogUpdate"], maxPosts)
				}
				if r := articleTypes[t]; r > 0 {
					d.pages = append(d.pages, x)
					if r > rank {
						rank, d.main = r, x
					}
				}
				switch t {
				case "webpage", "itempage", "collectionpage", "medicalwebpage", "claimreview":
					d.pages = append(d.pages, x)
					if d.webPage == nil {
						d.webPage = x
					}
				case "newsmediaorganization", "organization":
					if d.publisher == "" && depth <= 1 {
						d.publisher = ldName(x["name"])
					}
				}
			}
			for _, k := range [...]string{"@graph", "mainEntity", "mainEntityOfPage", "itemListElement"} {
				if sub, ok := x[k]; ok {
					visit(sub, depth+1)
				}
			}
		}
	}
	for _, raw := range blocks {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			d.loose = append(d.loose, looseFields(string(raw))...)
			continue
		}
		visit(v, 0)
	}
	for _, t := range texts {
		d.loose = append(d.loose, looseFields(t)...)
	}
	if d.main != nil {
		if pub, ok := d.main["publisher"]; ok {
			if n := ldName(d.resolve(pub)); n != "" {
				d.publisher = n
			}
		}
	}
	return d
}

// resolve returns the node a bare {"@id": ...} reference points at (Yoast and
// others link @graph nodes so), else v itself.
func (d ldData) resolve(v any) any {
	m, ok := v.(map[string]any)
	if !ok || m["name"] != nil {
		return v
	}
	if ref, ok := m["@id"].(string); ok {
		if node, ok := d.byID[ref]; ok {
			return node
		}
	}
	return v
}

// ldTypes returns the lower-cased @type values of an object.
func ldTypes(m map[string]any) []string {
	switch t := m["@type"].(type) {
	case string:
		return []string{strings.ToLower(t)}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, strings.ToLower(s))
			}
		}
		return out
	}
	return nil
}

// ldName returns the name of a value that is a string, an object with "name", or a
// list of those (the first).
func ldName(v any) string {
	switch x := v.(type) {
	case string:
		return collapse(x)
	case map[string]any:
		return ldName(x["name"])
	case []any:
		for _, e := range x {
			if s := ldName(e); s != "" {
				return s
			}
		}
	}
	return ""
}

// allStrs returns a string property of every article and web page object, the
// article object's first.
func (d ldData) allStrs(key string) []string {
	var out []string
	if d.main != nil {
		if s, ok := d.main[key].(string); ok {
			out = append(out, s)
		}
	}
	for _, m := range d.pages {
		if s, ok := m[key].(string); ok && (len(out) == 0 || s != out[0]) {
			out = append(out, s)
		}
	}
	for _, f := range d.loose {
		if f.Key == key {
			out = append(out, f.Content)
		}
	}
	return out
}

// isLive reports whether the article object is a live blog.
func (d ldData) isLive() bool {
	if d.main == nil {
		return false
	}
	for _, t := range ldTypes(d.main) {
		if t == "liveblogposting" {
			return true
		}
	}
	return false
}

// obj returns the article object, else the WebPage object.
func (d ldData) obj() map[string]any {
	if d.main != nil {
		return d.main
	}
	return d.webPage
}

// str returns a string property of the article object (the first of a list).
func (d ldData) str(key string) string {
	m := d.obj()
	if m == nil {
		return ""
	}
	switch x := m[key].(type) {
	case string:
		return x
	case []any:
		for _, e := range x {
			if s, ok := e.(string); ok && s != "" {
				return s
			}
		}
	case map[string]any:
		if s, ok := x["@value"].(string); ok {
			return s
		}
	}
	return ""
}

// strs returns a string or list-of-strings property of the article object.
func (d ldData) strs(key string) []string {
	m := d.obj()
	if m == nil {
		return nil
	}
	switch x := m[key].(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// bool returns a boolean property of the article object (true/false or "True"/"False").
func (d ldData) bool(key string) (val, ok bool) {
	m := d.obj()
	if m == nil {
		return false, false
	}
	switch x := m[key].(type) {
	case bool:
		return x, true
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// partNotFree reports whether a hasPart section of the article object is declared
// not accessible for free (the paywalled-content markup).
func (d ldData) partNotFree() bool {
	m := d.obj()
	if m == nil {
		return false
	}
	parts, ok := m["hasPart"].([]any)
	if !ok {
		parts = []any{m["hasPart"]}
	}
	for _, part := range parts {
		if pm, ok := part.(map[string]any); ok {
			if v, ok := (ldData{main: pm}).bool("isAccessibleForFree"); ok && !v {
				return true
			}
		}
	}
	return false
}

// ldCredit is one author entry of the article object.
type ldCredit struct {
	name string
	org  bool // @type is an organisation, not a person
}

// credits returns the article object's author (else creator) entries in order.
func (d ldData) credits() []ldCredit {
	m := d.obj()
	if m == nil {
		return nil
	}
	v, ok := m["author"]
	if !ok {
		v = m["creator"]
	}
	var out []ldCredit
	var add func(v any, depth int)
	add = func(v any, depth int) {
		if depth > 3 {
			return
		}
		switch x := v.(type) {
		case string:
			if s := collapse(x); s != "" {
				out = append(out, ldCredit{name: s})
			}
		case map[string]any:
			x = d.resolve(x).(map[string]any)
			org := false
			for _, t := range ldTypes(x) {
				if strings.Contains(t, "organization") || t == "corporation" || t == "newsmediaorganization" {
					org = true
				}
			}
			if s := ldName(x["name"]); s != "" {
				out = append(out, ldCredit{name: s, org: org})
			}
		case []any:
			for _, e := range x {
				add(e, depth+1)
			}
		}
	}
	add(v, 0)
	return out
}
