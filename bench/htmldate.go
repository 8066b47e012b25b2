package bench

import (
	"bytes"

	"github.com/markusmobius/go-htmldate"

	"github.com/newsjet/newsjet/pkg/schema"
)

// HtmldateFast runs go-htmldate as htmldate's evaluation does ("fast": the
// original publication date, no extensive text search). Its article holds only
// the date; the body text is empty.
func HtmldateFast() System { return htmldateSystem("htmldate-fast", false) }

// HtmldateExtensive is HtmldateFast with the extensive search (go-dateparser over
// the page text), htmldate's "extensive" row.
func HtmldateExtensive() System { return htmldateSystem("htmldate-extensive", true) }

func htmldateSystem(name string, extensive bool) System {
	return System{Name: name, Extract: func(p *Page) (string, *schema.Article, error) {
		r, err := htmldate.FromReader(bytes.NewReader(p.Raw),
			htmldate.Options{URL: p.URL, UseOriginalDate: true, SkipExtensiveSearch: !extensive})
		if err != nil {
			return "", nil, err
		}
		a := &schema.Article{}
		if !r.IsZero() {
			a.PublishedAt = &r.DateTime
		}
		return "", a, nil
	}}
}
