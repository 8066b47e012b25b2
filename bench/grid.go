package bench

import (
	"fmt"

	"github.com/newsjet/newsjet/services/cleaner/clean"
	"github.com/newsjet/newsjet/services/extractor/extract"
)

// contentRules are the content rules (clean.Params.Skip names) the grid weighs by
// leaving each out: cross-validation keeps a rule only if the folds that did not
// see a site choose it.
var contentRules = []string{"second-opinion", "lead", "wrappers", "follow-lines", "last-resort"}

// metaGrid lists the extract.Params fields newsjet's metadata grid varies and the
// values tried besides each one's default: the thresholds its date, title and
// author rules introduce or tune (see extract.Params).
var metaGrid = []struct {
	name   string
	values []int
	field  func(*extract.Params) *int
}{
	{"BareDateRest", []int{12, 40}, func(p *extract.Params) *int { return &p.BareDateRest }},
	{"DatelineMaxLine", []int{120, 240}, func(p *extract.Params) *int { return &p.DatelineMaxLine }},
	{"DatelineLines", []int{6, 16}, func(p *extract.Params) *int { return &p.DatelineLines }},
	{"KickerMinWords", []int{2, 5}, func(p *extract.Params) *int { return &p.KickerMinWords }},
	{"KickerMaxWords", []int{3, 9}, func(p *extract.Params) *int { return &p.KickerMaxWords }},
	{"SignOffMaxRunes", []int{32, 72}, func(p *extract.Params) *int { return &p.SignOffMaxRunes }},
	{"SentenceWords", []int{4, 9}, func(p *extract.Params) *int { return &p.SentenceWords }},
}

// contentGrid lists the clean.Params shares of content selection the grid varies
// and the values tried besides each one's default.
var contentGrid = []struct {
	name   string
	values []float32
	field  func(*clean.Params) *float32
}{
	{"SecondOpinionShare", []float32{0.3, 0.7}, func(p *clean.Params) *float32 { return &p.SecondOpinionShare }},
}

// NewsjetGrid returns the points of newsjet's grid: for each varied parameter
// (metaGrid, contentGrid) and each value tried, newsjet with that value and every
// other parameter at its default, named "newsjet Name=value" (GridOf "newsjet"),
// and newsjet without each content rule the grid weighs, named "newsjet -rule".
// With newsjet itself (the defaults) they are the family cross-validation chooses
// from.
func NewsjetGrid() []System {
	var out []System
	for _, g := range contentGrid {
		for _, v := range g.values {
			par := clean.DefaultParams()
			*g.field(&par) = v
			s := newsjetWith(fmt.Sprintf("newsjet %s=%g", g.name, v), &par, nil)
			s.GridOf = "newsjet"
			out = append(out, s)
		}
	}
	for _, rule := range contentRules {
		par := clean.DefaultParams()
		par.Skip = []string{rule}
		s := newsjetWith("newsjet -"+rule, &par, nil)
		s.GridOf = "newsjet"
		out = append(out, s)
	}
	for _, g := range metaGrid {
		for _, v := range g.values {
			par := extract.DefaultParams()
			*g.field(&par) = v
			s := NewsjetWith(fmt.Sprintf("newsjet %s=%d", g.name, v), &par)
			s.GridOf = "newsjet"
			out = append(out, s)
		}
	}
	return out
}
