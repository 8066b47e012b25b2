package bench

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// Blocks returns the text of every block of a parsed page's <body> in document
// order: for each htmlparse.Block element, the text of its own paragraph (its text
// and that of its inline descendants, not of nested blocks), white space folded,
// empty ones left out. Scripts, styles, templates and the other raw-text elements
// the cleaner never reads as text are skipped.
func Blocks(doc *html.Node) []string {
	var out []string
	var walk func(n *html.Node, para *strings.Builder)
	walk = func(n *html.Node, para *strings.Builder) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				para.WriteString(c.Data)
			case html.ElementNode:
				switch c.DataAtom {
				case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Iframe, atom.Noembed, atom.Noframes,
					atom.Head, atom.Title, atom.Textarea:
					continue
				}
				if !htmlparse.Block(c.DataAtom) {
					walk(c, para)
					continue
				}
				para.WriteByte(' ')
				var own strings.Builder
				walk(c, &own)
				if t := htmlparse.Fold(own.String()); t != "" {
					out = append(out, t)
				}
			}
		}
	}
	var rest strings.Builder
	walk(doc, &rest)
	if t := htmlparse.Fold(rest.String()); t != "" {
		out = append(out, t)
	}
	return out
}

// BlockDiff is how two parsers' blocks of one page differ.
type BlockDiff struct {
	ID string
	// OnlyOurs and OnlyRef are the block texts one parser yields and the other
	// does not (as multisets); Moved is set when both yield the same blocks in
	// another order.
	OnlyOurs, OnlyRef []string
	Moved             bool
}

// ParserComparison compares the blocks htmlparse.Document and html.Parse yield
// on the pages of a corpus.
type ParserComparison struct {
	Corpus        string
	Pages, Blocks int // Blocks counts html.Parse's
	Diffs         []BlockDiff
}

// CompareParsers decodes each page (its declared or sniffed charset) and compares
// the blocks of both parsers.
func CompareParsers(corpus string, pages []Page) ParserComparison {
	pc := ParserComparison{Corpus: corpus, Pages: len(pages)}
	for _, p := range pages {
		r, err := charset.NewReader(bytes.NewReader(p.Raw), "")
		if err != nil {
			continue
		}
		text, err := io.ReadAll(r)
		if err != nil {
			continue
		}
		ref, err := html.Parse(bytes.NewReader(text))
		if err != nil {
			continue
		}
		rb, ob := Blocks(ref), Blocks(htmlparse.Document(string(text)))
		pc.Blocks += len(rb)
		d := BlockDiff{ID: p.ID, OnlyOurs: minus(ob, rb), OnlyRef: minus(rb, ob)}
		d.Moved = len(d.OnlyOurs) == 0 && len(d.OnlyRef) == 0 && strings.Join(ob, "\x00") != strings.Join(rb, "\x00")
		if d.Moved || len(d.OnlyOurs) > 0 || len(d.OnlyRef) > 0 {
			pc.Diffs = append(pc.Diffs, d)
		}
	}
	return pc
}

// minus returns the strings of a not in b, as multisets, in a's order.
func minus(a, b []string) []string {
	count := map[string]int{}
	for _, s := range b {
		count[s]++
	}
	var out []string
	for _, s := range a {
		if count[s] > 0 {
			count[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}

// Print writes the comparison's counts and, when verbose, every difference.
func (pc ParserComparison) Print(w io.Writer, verbose bool) {
	var ours, ref, moved int
	for _, d := range pc.Diffs {
		ours += len(d.OnlyOurs)
		ref += len(d.OnlyRef)
		if d.Moved {
			moved++
		}
	}
	fmt.Fprintf(w, "%s: %d pages, %d blocks (html.Parse); %d pages differ: %d blocks only htmlparse's, %d only html.Parse's, %d pages the same blocks in another order\n",
		pc.Corpus, pc.Pages, pc.Blocks, len(pc.Diffs), ours, ref, moved)
	if !verbose {
		return
	}
	diffs := append([]BlockDiff(nil), pc.Diffs...)
	sort.Slice(diffs, func(i, j int) bool { return diffs[i].ID < diffs[j].ID })
	for _, d := range diffs {
		fmt.Fprintf(w, "  %s moved=%v\n", d.ID, d.Moved)
		for _, s := range d.OnlyOurs {
			fmt.Fprintf(w, "    + %s\n", cut(s, 160))
		}
		for _, s := range d.OnlyRef {
			fmt.Fprintf(w, "    - %s\n", cut(s, 160))
		}
	}
}

func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ParsersMain runs the parser comparison with args (without the program name):
// for every page of the dev corpora, the block texts of htmlparse.Document (the
// parser the cleaner and extractor share) against those of golang.org/x/net/html.
//
//	-aeb DIR, -trafilatura DIR, -htmldate DIR   corpus directories ("" skips one)
//	-v                                          list every difference
func ParsersMain(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("parsers", flag.ContinueOnError)
	fs.SetOutput(w)
	aeb := fs.String("aeb", DefaultCorpusDir(CorpusAEB), "AEB directory")
	traf := fs.String("trafilatura", DefaultCorpusDir(CorpusTraf), "trafilatura-dev directory")
	dates := fs.String("htmldate", DefaultCorpusDir(CorpusDate), "htmldate-dev directory")
	verbose := fs.Bool("v", false, "list every difference")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	if *aeb != "" {
		pages, err := LoadCorpus(*aeb)
		if err != nil {
			return err
		}
		CompareParsers(CorpusAEB, pages).Print(w, *verbose)
	}
	for _, c := range []struct{ name, dir string }{{CorpusTraf, *traf}, {CorpusDate, *dates}} {
		if c.dir == "" {
			continue
		}
		var pages []Page
		if c.name == CorpusTraf {
			entries, err := LoadTrafCorpus(c.dir)
			if err != nil {
				return err
			}
			for _, e := range entries {
				pages = append(pages, Page{ID: e.ID, Raw: e.Raw})
			}
		} else {
			entries, err := LoadDateCorpus(c.dir)
			if err != nil {
				return err
			}
			for _, e := range entries {
				pages = append(pages, Page{ID: e.ID, Raw: e.Raw})
			}
		}
		CompareParsers(c.name, pages).Print(w, *verbose)
	}
	return nil
}
