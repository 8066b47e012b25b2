package clean

import (
	"strings"
	"testing"
)

const leadText = "A narrow vote ended a year of argument over the harbour, and the work on the new wall, which will cost twice what was planned, is to start in the spring."

// longLeadRest makes leadText a standfirst longer than Params.CardMaxText; topicLinks
// is a line of topic links under a headline.
const (
	longLeadRest = " The harbour master said the fishing fleet had waited for this decision since the storms of two winters ago, " +
		"when the old breakwater gave way in three places, and that the boats would stay in the inner basin until the work is done. " +
		"Shop owners on the quay, who had asked for a wider promenade, welcomed the walkway but feared a summer of noise and dust."
	topicLinks = `<ul><li><a href="/harbour">Harbour and coast news</a></li><li><a href="/council">Council decisions this year</a></li>` +
		`<li><a href="/planning">City planning and building</a></li></ul>`
)

// TestLeadKept: the standfirst under the headline (the <h1>, or on a page without
// one the element saying the declared title) is kept with the story, once, whether
// it sits outside the story's element, in a small box named like furniture or in a
// box holding nothing else; a caption or a paragraph of a related-stories list after the headline
// is no standfirst.
func TestLeadKept(t *testing.T) {
	body := ""
	for _, p := range storyParas {
		body += "<p>" + p + "</p>"
	}
	cases := []struct {
		name, page string
		want       bool
	}{
		{"outside the story's element", `<div class="head"><h1>Harbour wall approved</h1><p class="lead">` + leadText + `</p></div>` +
			`<div class="body">` + body + `</div>`, true},
		{"in a teaser box", `<article><h1>Harbour wall approved</h1><div class="teaser-text"><p>` + leadText + `</p></div>` + body + `</article>`, true},
		{"in a teaser box holding only a long lead", `<article><h1>Harbour wall approved</h1><div class="teaser-text"><p>` +
			leadText + longLeadRest + `</p></div>` + strings.Repeat(body, 4) + `</article>`, true},
		{"under a headline other than an h1, saying the declared title", `<div class="head"><h3>Harbour wall approved</h3>` +
			topicLinks + `<p class="lead">` + leadText + `</p></div><div class="body">` + body + `</div>`, true},
		{"in the header", `<article><header><h1>Harbour wall approved</h1><p>` + leadText + `</p></header><div>` + body + `</div></article>`, true},
		{"repeated as the story's first paragraph", `<div class="head"><h1>Harbour wall approved</h1><p class="lead">` + leadText + `</p></div>` +
			`<div class="body"><p>` + leadText + `</p>` + body + `</div>`, true},
		{"a caption is none", `<div class="head"><h1>Harbour wall approved</h1><div class="wp-caption"><img src="/a.jpg" width="600"><p>` +
			leadText + `</p></div></div><div class="body">` + body + `</div>`, false},
		{"a related list is none", `<div class="head"><h1>Harbour wall approved</h1></div><div class="related-posts">` +
			strings.Repeat(`<div><h3><a href="/x">Another story about the harbour and its long history</a></h3><p>`+leadText+`</p></div>`, 4) +
			`</div><div class="body">` + body + `</div>`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			page := `<html><head><title>Harbour wall approved</title></head><body><nav><a href="/">Home</a></nav>` + tc.page + `</body></html>`
			res, err := Clean([]byte(page), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := contentText(t, res.Content)
			if !strings.Contains(got, storyParas[0]) {
				t.Fatalf("story lost:\n%s", got)
			}
			if strings.Contains(got, leadText) != tc.want {
				t.Errorf("lead kept: %v, want %v; content:\n%s", !tc.want, tc.want, got)
			}
			if tc.want && strings.Index(got, leadText) > strings.Index(got, storyParas[0]) {
				t.Errorf("lead after the story's first paragraph:\n%s", got)
			}
			if n := strings.Count(got, leadText); n > 1 {
				t.Errorf("lead %d times:\n%s", n, got)
			}
		})
	}
}
