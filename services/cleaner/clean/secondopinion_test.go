package clean

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// storyParas are the paragraphs of a short story written for these tests.
var storyParas = []string{
	"The council approved the new harbour wall on Tuesday after a debate that lasted well into the evening and ended with a narrow vote.",
	"Engineers said the old breakwater had been damaged by three winter storms and could no longer protect the fishing boats moored behind it.",
	"Residents who attended the meeting asked why the cost had doubled since the plan was first shown to the public two years ago.",
	"The mayor answered that steel prices had risen sharply and that the design now included a walkway and lighting along the whole wall.",
	"Work is to begin in the spring and should be finished before the next storm season, the council said in a statement after the vote.",
}

// consentNote is a notice standing in for a blocked embed: one paragraph of prose.
const consentNote = `<div class="embed-placeholder"><p>To protect your personal data we have blocked the automatic loading of ` +
	`content from a social network here. If you want to see it, please agree to the terms below; you can withdraw your ` +
	`consent at any time in the privacy settings of this website.</p></div>`

// TestSecondOpinionStoryInHeaders: a page laying its story out in <header> elements
// (each a section's text, each too light to be kept as the page's text) loses them
// all as furniture, and the content left is a consent notice; the second opinion
// takes the largest readable block instead.
func TestSecondOpinionStoryInHeaders(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><head><title>Harbour wall approved</title></head><body><header><nav><a href="/">Home</a></nav></header><main><section>`)
	b.WriteString(consentNote)
	for i := 0; i < 3; i++ {
		fmt.Fprintf(&b, `<article><header class="section-text"><div><p>%s %s</p><p>%s %s</p></div></header></article>`,
			storyParas[i], storyParas[4-i], storyParas[(i+1)%5], storyParas[(i+3)%5])
	}
	b.WriteString(`</section></main><footer><p>© Example</p></footer></body></html>`)
	page := []byte(b.String())

	res, err := Clean(page, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := contentText(t, res.Content)
	for _, p := range []string{storyParas[0], storyParas[4], storyParas[1], storyParas[3]} {
		if !strings.Contains(got, p) {
			t.Errorf("story paragraph %q of the first section lost; content:\n%s", p, got)
		}
	}
	if strings.Contains(got, "personal data") {
		t.Errorf("consent notice kept:\n%s", got)
	}

	par := DefaultParams()
	par.Skip = []string{secondOpinionInfo.Name}
	res, err = Clean(page, Options{Params: &par})
	if err != nil {
		t.Fatal(err)
	}
	if got := contentText(t, res.Content); strings.Contains(got, storyParas[0]) {
		t.Errorf("without the second opinion the story is kept too: the test does not test it:\n%s", got)
	}
}

// TestSecondOpinionLeavesSidebarAlone: a sidebar more than twice as heavy as the
// short story under the headline is no alternative to it (furniture by tag and by
// name); the story stays the content.
func TestSecondOpinionLeavesSidebarAlone(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><head><title>Harbour wall approved</title></head><body><div class="wrap"><main><article><h1>Harbour wall approved</h1>`)
	fmt.Fprintf(&b, `<div class="entry"><p>%s</p><p>%s</p><ul><li>Length: 400 m</li><li>Cost: 12 million</li><li>Start: spring</li></ul></div>`,
		storyParas[0], storyParas[1])
	b.WriteString(`</article></main><aside class="sidebar"><div class="widget"><p>`)
	b.WriteString(strings.Repeat("Our magazine was founded in a small harbour town and has reported on the sea, its boats and its people ever since. ", 4))
	b.WriteString(`</p></div></aside></div></body></html>`)
	res, err := Clean([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := contentText(t, res.Content)
	if !strings.Contains(got, storyParas[0]) || strings.Contains(got, "Our magazine") {
		t.Errorf("content is not the story:\n%s", got)
	}
}

// TestSecondOpinionInsideFurnitureNamedWrapper: a wrapper of most of the page
// whose class happens to hold a furniture word ("WidePageBannerHolder") does not
// hide the story from the second opinion when the first choice is a short intro.
func TestSecondOpinionInsideFurnitureNamedWrapper(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><head><title>Harbour wall approved</title></head><body><div class="WidePageBannerHolder">`)
	fmt.Fprintf(&b, `<div class="intro"><p>%s</p></div>`, storyParas[0])
	fmt.Fprintf(&b, `<div class="teaser-story"><p>%s</p><p>%s</p><p>%s</p><p>%s</p></div>`, storyParas[1], storyParas[2], storyParas[3], storyParas[4])
	b.WriteString(`</div></body></html>`)
	res, err := Clean([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := contentText(t, res.Content)
	for _, p := range storyParas[1:] {
		if !strings.Contains(got, p) {
			t.Errorf("story paragraph %q lost; content:\n%s", p, got)
		}
	}
}

// TestStoryWithCommentFormIsNoThread: paragraphs of like markup (<p><strong>)
// followed by a comment form inside the article are a story, not a comment thread
// to give up (the page used to end with no content at all).
func TestStoryWithCommentFormIsNoThread(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><head><title>Harbour wall approved</title></head><body><article class="post">`)
	for _, p := range storyParas {
		fmt.Fprintf(&b, `<p><strong>Harbour:</strong> %s</p>`, p)
	}
	b.WriteString(`<div class="comments"><form class="comment-form"><textarea name="c"></textarea><button>Send</button></form></div>`)
	b.WriteString(`</article></body></html>`)
	res, err := Clean([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := contentText(t, res.Content)
	for _, p := range storyParas {
		if !strings.Contains(got, p) {
			t.Errorf("story paragraph %q lost; content:\n%s", p, got)
		}
	}
}

// TestLastResortForumThread: a forum thread whose posts are all named comments
// (inside a <form> wrapping the page, as ASP.NET pages are) loses every post as
// furniture; the last resort keeps the opening post, the first substantial block,
// and not the replies, the menu or the login note.
func TestLastResortForumThread(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<html><head><title>Harbour wall: who pays?</title></head><body><form id="page"><nav><a href="/">Forum</a> <a href="/harbour">Harbour</a></nav>`)
	b.WriteString(`<main><h2 class="Title">Harbour wall: who pays?</h2>`)
	post := func(user, date, text string) {
		fmt.Fprintf(&b, `<div class="ForumComment"><div class="ForumCommentContent"><div class="ForumCommentInfo"><span>%s</span><span>%s</span></div>`+
			`<div class="ForumCommentText">%s</div></div><div class="ForumCommentFunctions"><a href="#reply">Reply</a></div></div>`, user, date, text)
	}
	post("harbourfan", "02.03.21", storyParas[0]+" "+storyParas[1]+"<br>"+storyParas[2])
	for i := range 8 {
		post(fmt.Sprintf("reader%d", i), "03.03.21", storyParas[3+i%2]+" "+storyParas[(i+1)%5])
	}
	b.WriteString(`<div class="ForumCommentForm"><p>You must log in to take part in a discussion.</p><textarea></textarea></div>`)
	b.WriteString(`</main></form></body></html>`)
	page := []byte(b.String())

	res, err := Clean(page, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := contentText(t, res.Content)
	if !strings.Contains(got, storyParas[0]) || !strings.Contains(got, storyParas[2]) {
		t.Errorf("opening post not kept; content:\n%s", got)
	}
	if strings.Contains(got, storyParas[3]) || strings.Contains(got, storyParas[4]) || strings.Contains(got, "log in") {
		t.Errorf("content holds more than the opening post:\n%s", got)
	}

	par := DefaultParams()
	par.Skip = []string{lastResortInfo.Name}
	res, err = Clean(page, Options{Params: &par})
	if err != nil && !errors.Is(err, ErrEmpty) {
		t.Fatal(err)
	}
	if err == nil && contentText(t, res.Content) != "" {
		t.Errorf("without the last resort the page has content too: the test does not test it:\n%s", contentText(t, res.Content))
	}
}

// TestLastResortHiddenBody: a page rendered by script shows an empty shell; its
// story is in a <noscript> or in a script of markup, which the last resort reads.
func TestLastResortHiddenBody(t *testing.T) {
	story := "<article><h1>Harbour wall approved</h1><p>" + strings.Join(storyParas[:3], "</p><p>") + "</p></article>"
	for name, hidden := range map[string]string{
		"noscript": `<noscript>` + story + `</noscript>`,
		"template": `<script type="text/template">` + story + `</script>`,
	} {
		page := []byte(`<html><head><title>Harbour wall approved</title></head><body><div id="app"></div>` + hidden +
			`<script>render(document.getElementById("app"));</script></body></html>`)
		res, err := Clean(page, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := contentText(t, res.Content); !strings.Contains(got, storyParas[0]) || !strings.Contains(got, storyParas[2]) {
			t.Errorf("%s: story not kept; content:\n%s", name, got)
		}
		par := DefaultParams()
		par.Skip = []string{lastResortInfo.Name}
		if res, err := Clean(page, Options{Params: &par}); err == nil && contentText(t, res.Content) != "" {
			t.Errorf("%s: without the last resort the page has content too: the test does not test it", name)
		}
	}
}
