package bench

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	nurl "net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/clean"
	"github.com/newsjet/newsjet/services/extractor/extract"
)

// Kinds of articles in the stories evaluation set: each AEB page gives its original
// and four copies made by the edits a republisher makes.
const (
	// KindOriginal is the AEB page itself, cleaned and extracted.
	KindOriginal = "original"
	// KindAggregator is every paragraph, plus 2 to 4 boilerplate lines, inside another
	// site's page (its navigation, sidebars, footer and scripts): an aggregator
	// republishing a wire story in its own chrome.
	KindAggregator = "aggregator"
	// KindTrimmed is the first 60% to 90% of the paragraphs inside another site's page:
	// a paper cutting a wire story from the bottom to fit.
	KindTrimmed = "trimmed"
	// KindEdited is the story with up to one paragraph in six removed (never the
	// first), one paragraph of new text added (one more per ten paragraphs, at random),
	// and 2 to 4 boilerplate lines, inside another site's page: a local angle added.
	// New text is a paragraph of another article with its words shuffled, so it reads
	// like prose of the set and shares no shingle with that article.
	KindEdited = "edited"
	// KindMirror is every paragraph plus one boilerplate line inside the page's own
	// chrome, under another URL of the same site (an AMP or print version).
	KindMirror = "mirror"
)

// StoryItem is one article of the stories evaluation set.
type StoryItem struct {
	Article *schema.Article
	// Story is the id of the AEB page whose text the article carries: two items are
	// copies of one story exactly when their Story is the same.
	Story string
	Kind  string
	// Site is the site of the page the article comes from; Host the site whose page
	// chrome surrounds its text (the story's own site for the original and mirror).
	Site, Host string
	// Half splits the evaluation by site: every item of a story has the half of the
	// story page's site, and its chrome comes from a page of that half.
	Half int
}

// boilerplateLines are lines sites insert into article bodies, written for this
// evaluation. An edit inserts some of them as paragraphs; the cleaner removes some.
var boilerplateLines = []string{
	"Advertisement",
	"Story continues below advertisement",
	"Sign up for our daily newsletter to get the latest headlines delivered to your inbox.",
	"Follow us on Facebook and Twitter for the latest updates.",
	"Share this article",
	"Click here to subscribe to our breaking news alerts.",
	"Photo: Getty Images",
	"This article has been updated with additional details.",
	"Have a news tip? Email our newsroom.",
	"Download our app to get alerts on your phone.",
	"Related coverage",
	"Copyright 2019. All rights reserved. This material may not be published, broadcast, rewritten or redistributed.",
}

// hostPage is a page whose article element can be refilled with another text.
type hostPage struct {
	page *Page
	site string
	// path is the child-index path from the document to the article's element.
	path []int
}

// ErrNoHosts: no page of a half has an article element the set can refill.
var ErrNoHosts = errors.New("bench: no page can host a copy")

// BuildStorySet makes the stories evaluation set from the AEB pages, the same set on
// every call: for each page with at least one paragraph, its original and one copy
// of each kind (KindAggregator, KindTrimmed, KindEdited, KindMirror). Copies go into
// host pages: pages whose article element is found and which, refilled with their own
// truth, extract with a body F1 of at least 0.9 (a page without one has no mirror). Every article, copies included,
// goes through the newsjet cleaner and extractor as the pipeline would take it; the
// article's identity, title and times are then set by the set (a copy's page is
// another site's, whose metadata would name that site's own article). A page whose
// text does not clean or extract is left out, with its copies.
func BuildStorySet(pages []Page) ([]StoryItem, error) {
	hosts := make(map[string]*hostPage, len(pages))
	byHalf := [2][]*hostPage{}
	for i := range pages {
		p := &pages[i]
		site := siteOf(p.URL)
		h := &hostPage{page: p, site: site, path: articlePath(p)}
		if h.path != nil && !h.refillsCleanly() {
			h.path = nil
		}
		hosts[p.ID] = h
		if h.path != nil {
			byHalf[SiteHalf(site)] = append(byHalf[SiteHalf(site)], h)
		}
	}
	for half, hs := range byHalf {
		if len(hs) < 2 {
			return nil, fmt.Errorf("%w: half %d has %d", ErrNoHosts, half, len(hs))
		}
	}
	base := time.Date(2019, 11, 1, 8, 0, 0, 0, time.UTC)
	var items []StoryItem
	for i := range pages {
		p := &pages[i]
		paras := paragraphs(p.Truth)
		if len(paras) == 0 {
			continue
		}
		self := hosts[p.ID]
		half := SiteHalf(self.site)
		r := rand.New(rand.NewPCG(seedOf(p.ID), 1))
		published := base.Add(time.Duration(i) * time.Hour)
		orig, err := pipelineArticle(p.Raw, p.URL, firstWords(paras[0], 10), published)
		if err != nil {
			continue
		}
		items = append(items, StoryItem{Article: orig, Story: p.ID, Kind: KindOriginal, Site: self.site, Host: self.site, Half: half})

		other := func() *hostPage { // another site's page of the same half
			for {
				h := byHalf[half][r.IntN(len(byHalf[half]))]
				if h.site != self.site {
					return h
				}
			}
		}
		newText := func() string { // a paragraph of another story, words shuffled
			for {
				q := &pages[r.IntN(len(pages))]
				if q.ID != p.ID {
					if ps := paragraphs(q.Truth); len(ps) > 0 {
						w := strings.Fields(ps[r.IntN(len(ps))])
						r.Shuffle(len(w), func(i, j int) { w[i], w[j] = w[j], w[i] })
						return strings.Join(w, " ")
					}
				}
			}
		}
		type copySpec struct {
			kind  string
			host  *hostPage
			paras []string
		}
		specs := []copySpec{
			{KindAggregator, other(), insertLines(r, slices.Clone(paras), 2+r.IntN(3))},
			{KindTrimmed, other(), paras[:max(1, ceilFrac(len(paras), 0.6+0.3*r.Float64()))]},
			{KindEdited, other(), editParagraphs(r, paras, newText)},
		}
		if self.path != nil {
			specs = append(specs, copySpec{KindMirror, self, insertLines(r, slices.Clone(paras), 1)})
		}
		for _, c := range specs {
			raw, err := refill(c.host, c.paras)
			if err != nil {
				return nil, fmt.Errorf("refilling %s with %s: %w", c.host.page.ID, p.ID, err)
			}
			u := fmt.Sprintf("https://%s/%s/%s", hostName(c.host.page.URL), c.kind, p.ID[:16])
			title := retitle(r, paras[0])
			at := published.Add(time.Duration(5+r.IntN(600)) * time.Minute)
			a, err := pipelineArticle(raw, u, title, at)
			if err != nil {
				continue
			}
			items = append(items, StoryItem{Article: a, Story: p.ID, Kind: c.kind, Site: siteOf(u), Host: c.host.site, Half: half})
		}
	}
	return items, nil
}

// SiteHalf is the half (0 or 1) a site belongs to in the stories evaluation: a hash
// of its name, so the split does not depend on the order or number of pages.
func SiteHalf(site string) int {
	h := fnv.New32a()
	h.Write([]byte(site))
	return int(h.Sum32() >> 7 & 1)
}

func seedOf(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

func hostName(u string) string {
	p, err := nurl.Parse(u)
	if err != nil {
		return "invalid.example"
	}
	return p.Hostname()
}

func siteOf(u string) string { return strings.TrimPrefix(strings.ToLower(hostName(u)), "www.") }

// paragraphs splits a ground-truth body into its non-empty paragraphs.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func ceilFrac(n int, f float64) int {
	k := int(float64(n) * f)
	if float64(k) < float64(n)*f {
		k++
	}
	return min(k, n)
}

// insertLines inserts n boilerplate lines at random places of paras.
func insertLines(r *rand.Rand, paras []string, n int) []string {
	for range n {
		line := boilerplateLines[r.IntN(len(boilerplateLines))]
		paras = slices.Insert(paras, r.IntN(len(paras)+1), line)
	}
	return paras
}

// editParagraphs is KindEdited's edit of paras.
func editParagraphs(r *rand.Rand, paras []string, newText func() string) []string {
	out := slices.Clone(paras)
	for range r.IntN(1 + len(paras)/6) {
		i := 1 + r.IntN(len(out)-1)
		out = slices.Delete(out, i, i+1)
	}
	for range 1 + r.IntN(1+len(paras)/10) {
		out = slices.Insert(out, 1+r.IntN(len(out)), newText())
	}
	return insertLines(r, out, 2+r.IntN(3))
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(n, len(w))], " ")
}

// retitle makes a copy's headline: words of the story's first paragraph under a
// prefix a republisher might add.
func retitle(r *rand.Rand, lede string) string {
	prefixes := []string{"", "Breaking: ", "Update: ", "What we know: ", "Report: "}
	return prefixes[r.IntN(len(prefixes))] + firstWords(lede, 6+r.IntN(6))
}

// pipelineArticle cleans and extracts raw as the pipeline would, then sets the
// identity, title and times of the article the set needs.
func pipelineArticle(raw []byte, pageURL, title string, published time.Time) (*schema.Article, error) {
	cp, err := clean.Clean(raw, clean.Options{URL: pageURL})
	if err != nil {
		return nil, err
	}
	cp.URL = pageURL
	a, err := extract.Extract(cp, nil)
	if err != nil {
		return nil, err
	}
	canon, err := schema.NormalizeURL(pageURL)
	if err != nil {
		return nil, err
	}
	a.Schema, a.ID, a.URL, a.CanonicalURL = schema.ArticleV1, schema.ArticleID(canon), pageURL, canon
	if strings.TrimSpace(title) == "" {
		title = "Untitled"
	}
	a.Title = title
	if a.Authors == nil {
		a.Authors = []string{}
	}
	a.PublishedAt, a.PublishedPrecision, a.ModifiedAt, a.ModifiedPrecision = &published, "", nil, ""
	a.FetchedAt = published.Add(time.Minute)
	a.ExtractedAt = a.FetchedAt.Add(time.Second)
	a.ExtractorVersion = "bench"
	a.ContentHash = schema.ArticleContentHash(a.Title, a.BodyText)
	a.Lineage = schema.Lineage{RawID: schema.ID("bench", pageURL), CleanedID: schema.ID("bench-cleaned", pageURL)}
	return a, nil
}

// articlePath finds the element of p's page holding its article: going down from
// <body>, the child whose text holds at least 80% of the truth's paragraphs (each
// by its first 60 letters and digits), while there is one. It returns nil when
// <body> itself does not hold them (a page whose text is not in its HTML).
func articlePath(p *Page) []int {
	doc, err := html.Parse(bytes.NewReader(p.Raw))
	if err != nil {
		return nil
	}
	var keys []string
	for _, para := range paragraphs(p.Truth) {
		if k := normText(para); len(k) >= 20 {
			keys = append(keys, k[:min(len(k), 60)])
		}
	}
	if len(keys) == 0 {
		return nil
	}
	holds := func(n *html.Node) bool {
		text := normText(nodeText(n))
		found := 0
		for _, k := range keys {
			if strings.Contains(text, k) {
				found++
			}
		}
		return found*5 >= len(keys)*4
	}
	body, path := findElement(doc, atom.Body)
	if body == nil || !holds(body) {
		return nil
	}
	for n := body; ; {
		next, idx := (*html.Node)(nil), 0
		for c, i := n.FirstChild, 0; c != nil; c, i = c.NextSibling, i+1 {
			if c.Type == html.ElementNode && holds(c) {
				next, idx = c, i
				break
			}
		}
		if next == nil {
			return path
		}
		n, path = next, append(path, idx)
	}
}

// findElement returns the first element a in document order and its child-index path.
func findElement(n *html.Node, a atom.Atom) (*html.Node, []int) {
	for c, i := n.FirstChild, 0; c != nil; c, i = c.NextSibling, i+1 {
		if c.Type == html.ElementNode && c.DataAtom == a {
			return c, []int{i}
		}
		if found, path := findElement(c, a); found != nil {
			return found, append([]int{i}, path...)
		}
	}
	return nil, nil
}

// hostF1 is the least body F1 of a host page refilled with its own paragraphs.
const hostF1 = 0.9

// refillsCleanly reports whether h's page, refilled with its own truth, comes out of
// the cleaner and extractor with a body F1 of at least hostF1: whether a copy in its
// chrome measures the story detection rather than an extraction failure.
func (h *hostPage) refillsCleanly() bool {
	raw, err := refill(h, paragraphs(h.page.Truth))
	if err != nil {
		return false
	}
	a, err := pipelineArticle(raw, h.page.URL, "Host", time.Time{})
	return err == nil && ScorePage(h.page.Truth, a.BodyText).F1() >= hostF1
}

// refill renders h's page with its article element's children replaced by one <p>
// per paragraph of paras.
func refill(h *hostPage, paras []string) ([]byte, error) {
	doc, err := html.Parse(bytes.NewReader(h.page.Raw))
	if err != nil {
		return nil, err
	}
	n := doc
	for _, idx := range h.path {
		c := n.FirstChild
		for range idx {
			if c != nil {
				c = c.NextSibling
			}
		}
		if c == nil {
			return nil, fmt.Errorf("bench: article path %v does not resolve", h.path)
		}
		n = c
	}
	for n.FirstChild != nil {
		n.RemoveChild(n.FirstChild)
	}
	for _, para := range paras {
		p := &html.Node{Type: html.ElementNode, Data: "p", DataAtom: atom.P}
		p.AppendChild(&html.Node{Type: html.TextNode, Data: para})
		n.AppendChild(p)
	}
	var buf bytes.Buffer
	if err := html.Render(&buf, doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// nodeText is the text of n and its descendants outside scripts and styles.
func nodeText(n *html.Node) string {
	var sb strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			sb.WriteString(n.Data)
			sb.WriteByte(' ')
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style || n.DataAtom == atom.Noscript):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return sb.String()
}

// normText keeps the letters and digits of s, lower-cased.
func normText(s string) string {
	var sb strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			sb.WriteRune(unicode.ToLower(r))
		}
	}
	return sb.String()
}
