package extract

import (
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
)

// fillLivePosts sets a.LivePosts from the page structure of the content (see
// livePostsFromContent) when the JSON-LD gave none (fillMetadata takes a
// LiveBlogPosting's liveBlogUpdate entries, in the order the page lists them).
func fillLivePosts(a *schema.Article, content *html.Node, par *Params) {
	if len(a.LivePosts) == 0 && content != nil {
		a.LivePosts = livePostsFromContent(content, par.MinLivePosts, par.MaxLivePosts)
	}
}

// The feed of a live blog is looked for at most liveFeedDepth levels into the
// content, a post's time and headline at most livePostDepth levels into the post,
// which keeps the search linear in the size of the content.
const (
	liveFeedDepth = 8
	livePostDepth = 8
)

// livePostsFromContent finds a live blog in the page structure: the first
// element (in document order) with at least minPosts child elements that
// each hold a <time datetime> and some text. Each such child is a post (at most
// maxPosts of them): its first heading is the headline, its time the publication
// time, the rest its text. Posts keep the page's order.
func livePostsFromContent(content *html.Node, minPosts, maxPosts int) []schema.LivePost {
	var found []schema.LivePost
	var walk func(n *html.Node, depth int)
	walk = func(n *html.Node, depth int) {
		if found != nil || depth > liveFeedDepth {
			return
		}
		var posts []schema.LivePost
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			if p, ok := livePostOf(c); ok {
				posts = append(posts, p)
			}
		}
		if len(posts) >= minPosts {
			found = posts[:min(len(posts), maxPosts)]
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode {
				walk(c, depth+1)
			}
		}
	}
	walk(content, 0)
	return found
}

// livePostOf reads one live post from a block holding a <time datetime>.
func livePostOf(n *html.Node) (schema.LivePost, bool) {
	var p schema.LivePost
	var tm, head *html.Node
	var find func(*html.Node, int)
	find = func(n *html.Node, depth int) {
		if depth > livePostDepth {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch {
			case c.DataAtom == atom.Time && tm == nil:
				if _, ok := attrValue(c, "datetime"); ok {
					tm = c
				}
			case headingLevel(c.DataAtom) > 0 && head == nil:
				head = c
			default:
				find(c, depth+1)
			}
		}
	}
	find(n, 0)
	if tm == nil {
		return p, false
	}
	if dt, _ := attrValue(tm, "datetime"); dt != "" {
		if t, err := time.Parse(time.RFC3339, strings.TrimSpace(dt)); err == nil {
			p.PublishedAt = &t
		}
	}
	if head != nil {
		p.Headline = collapseSpaces(textContent(head))
	}
	t := textBuilder{skip: []*html.Node{tm, head}}
	walkText(&t, n, 0)
	t.flush()
	p.Text = t.out.String()
	return p, p.Text != ""
}

// livePosts reads a liveBlogUpdate value (one object or an array) as posts, in order.
func livePosts(v any, maxPosts int) []schema.LivePost {
	var items []any
	switch t := v.(type) {
	case []any:
		items = t
	case map[string]any:
		items = []any{t}
	}
	var out []schema.LivePost
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			continue
		}
		text := liveString(m["articleBody"])
		if text == "" {
			text = liveString(m["text"])
		}
		if text == "" {
			text = liveString(m["description"])
		}
		if text == "" {
			continue
		}
		p := schema.LivePost{Headline: liveString(m["headline"]), Text: text}
		if ts := liveString(m["datePublished"]); ts != "" {
			if t, err := time.Parse(time.RFC3339, ts); err == nil {
				p.PublishedAt = &t
			}
		}
		out = append(out, p)
		if len(out) == maxPosts {
			break
		}
	}
	return out
}

func liveString(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(html.UnescapeString(s))
}
