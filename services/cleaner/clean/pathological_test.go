package clean

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// prose returns n sentences of varied words drawn from vocab, deterministic for seed.
func prose(seed uint64, n int, vocab []string) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]string, n)
	for i := range out {
		w := make([]string, 8+r.IntN(8))
		for j := range w {
			w[j] = vocab[r.IntN(len(vocab))]
		}
		w[0] = strings.ToUpper(w[0][:1]) + w[0][1:]
		out[i] = strings.Join(w, " ") + "."
	}
	return out
}

var (
	storyWords   = strings.Fields("the council said on tuesday that harbour plan would cost more than expected and residents asked why nobody told them about delays while engineers argued over breakwater design storms damaged last winter")
	commentWords = strings.Fields("i think this is great news but honestly they should have acted years ago my grandfather fished here and never saw such mess who pays for all of it taxes again hope summer tourists")
)

// TestDeepNestingFlattened: elements nested far beyond the parser's limit are
// flattened, so the cleaned document holds the story and is about the size of its
// text (it used to keep 100,000 empty elements, 1.1 MB that a message-size cut then
// took the story's place with).
func TestDeepNestingFlattened(t *testing.T) {
	story := strings.Join(prose(1, 30, storyWords), " ")
	raw := "<html><head><title>Deep</title></head><body>" + strings.Repeat("<div>", 100000) +
		"<h1>Deep story</h1><p>" + story + "</p>" + strings.Repeat("</div>", 100000) + "</body></html>"
	res, err := Clean([]byte(raw), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Content) > 4*len(story) {
		t.Errorf("cleaned document is %d bytes for %d bytes of text", len(res.Content), len(story))
	}
	if got := contentText(t, res.Content); !strings.Contains(strings.Join(strings.Fields(got), " "), story) {
		t.Errorf("story lost; content:\n%.300s", got)
	}
}

// TestDeepNestingKeepsBlocksApart: texts of blocks flattened beyond the limit keep a
// break between them, so no two words are glued together.
func TestDeepNestingKeepsBlocksApart(t *testing.T) {
	var b strings.Builder
	b.WriteString("<html><body>")
	for i := range 2000 {
		fmt.Fprintf(&b, "<div>word%d", i)
	}
	b.WriteString("</body></html>")
	res, err := Clean([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, w := range strings.Fields(contentText(t, res.Content)) {
		seen[w] = true
	}
	for i := 1000; i < 2000; i++ {
		if w := fmt.Sprintf("word%d", i); !seen[w] {
			t.Fatalf("%s is not a word of the content (%d words)", w, len(seen))
		}
	}
}

// TestCommentThreadOutweighingStory: a reader thread with a reply box that outweighs a
// short story beside it is not the content (the thread used to be kept and the story
// lost); the story is.
func TestCommentThreadOutweighingStory(t *testing.T) {
	paras := prose(2, 45, storyWords)
	var b strings.Builder
	b.WriteString(`<html><head><title>Harbour plan costs more</title></head><body><nav><a href="/">Home</a></nav>`)
	b.WriteString(`<div class="wrap"><div class="story">`)
	for i := 0; i < len(paras); i += 3 {
		b.WriteString("<p>" + strings.Join(paras[i:i+3], " ") + "</p>")
	}
	b.WriteString("</div><div><h3>Comments</h3><ol>")
	comments := prose(3, 400, commentWords)
	for i := 0; i < len(comments); i += 4 {
		fmt.Fprintf(&b, "<li><div><b>reader%d</b> <span>May %d</span></div><p>%s</p></li>", i, 1+i%28, strings.Join(comments[i:i+4], " "))
	}
	b.WriteString(`<li><form method="post"><p>Leave a reply</p><textarea name="c"></textarea><button>Post</button></form></li>`)
	b.WriteString("</ol></div></div></body></html>")
	if 4*len(strings.Join(paras, " ")) > len(strings.Join(comments, " ")) {
		t.Fatal("the thread must outweigh the story for this test")
	}
	res, err := Clean([]byte(b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(strings.Fields(contentText(t, res.Content)), " ")
	if !strings.Contains(got, paras[0]) || !strings.Contains(got, paras[len(paras)-1]) {
		t.Errorf("story lost; content:\n%.300s", got)
	}
	if strings.Contains(got, comments[0]) || strings.Contains(got, "reader4") {
		t.Errorf("comment thread kept as content:\n%.300s", got)
	}
}
