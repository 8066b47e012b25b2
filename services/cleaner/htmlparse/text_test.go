package htmlparse

import (
	"testing"

	"golang.org/x/net/html"
)

func TestTextLines(t *testing.T) {
	b := Body(`<div class="byline"><span>Jane Roe</span><span>Staff Writer</span>, <a href="/x">Metro</a> <b>Desk</b>` +
		`<span hidden>secret</span><br>May&nbsp;1<p>Second` + "\n" + ` block</p></div>`)
	skip := func(n *html.Node) bool {
		for _, a := range n.Attr {
			if a.Key == "hidden" {
				return true
			}
		}
		return false
	}
	if got, want := Text(b, true, skip), "Jane Roe\nStaff Writer, Metro Desk May 1 \nSecond block"; got != want {
		t.Errorf("lines: %q, want %q", got, want)
	}
	if got, want := Text(b, false, skip), "Jane RoeStaff Writer, Metro Desk May 1 Second block"; got != want {
		t.Errorf("one line: %q, want %q", got, want)
	}
	if got := Text(Body(`Molly Woo<span>d</span>`), true, nil); got != "Molly Woo\nd" {
		t.Errorf("inline glue: %q", got)
	}
	if got := Fold(" a \u00a0\u200b b\n"); got != "a b" {
		t.Errorf("Fold = %q", got)
	}
}
