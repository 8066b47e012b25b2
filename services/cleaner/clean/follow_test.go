package clean

import (
	"strings"
	"testing"
)

// TestFollowLinesDropped: the closing lines naming the site's social accounts go;
// a closing line with an e-mail address and an embedded post quoting a handle stay.
func TestFollowLinesDropped(t *testing.T) {
	var body string
	for _, p := range storyParas {
		body += "<p>" + p + "</p>"
	}
	cases := []struct {
		name, closing, kept string
		want                bool
	}{
		{"follow line", `<p>Follow the Harbour Herald on Twitter @HarbourHerald and on Facebook.</p>` +
			`<p><em>Follow us (@harbourherald) for more news from the coast.</em></p>`, "Follow", false},
		{"e-mail address", `<p>Readers with questions about the works can write to harbour@example.org.</p>`, "Readers with questions", true},
		{"embedded post", `<blockquote class="social-post"><p>The new wall will protect our boats at last, thanks to everyone who voted ` +
			`@CouncilHarbour</p></blockquote>`, "protect our boats", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean([]byte(storyPage(body+tc.closing)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := contentText(t, res.Content)
			if !strings.Contains(got, storyParas[4]) {
				t.Fatalf("story lost:\n%s", got)
			}
			if strings.Contains(got, tc.kept) != tc.want {
				t.Errorf("%q kept: %v, want %v; content:\n%s", tc.kept, !tc.want, tc.want, got)
			}
		})
	}
}

func TestNamesHandle(t *testing.T) {
	for s, want := range map[string]bool{
		"Follow @BGRDeals on Twitter":           true,
		"on Twitter (@NYTopinion) and Facebook": true,
		"@_harbour posts daily":                 true,
		"write to letters@example.com":          false,
		"apartments including @1377 Apartments": false,
		"a lone @ sign":                         false,
	} {
		if got := namesHandle(s); got != want {
			t.Errorf("namesHandle(%q) = %v, want %v", s, got, want)
		}
	}
}
