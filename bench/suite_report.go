package bench

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Print writes, per corpus present, every system's body and metadata figures
// (rounded half to even at 3 decimals), then the n worst pages of the system
// named worstOf (n = 0: none).
func (s *Suite) Print(w io.Writer, n int, worstOf string) {
	if a := s.AEB; a != nil {
		fmt.Fprintf(w, "\n== %s: %d pages, %d sites. Body: the benchmark's 4-token shingle F1/P/R (P and R are means over pages),\n", CorpusAEB, len(a.Pages), countSites(a.Grouping))
		fmt.Fprintln(w, "acc = share of pages whose tokens match exactly. Metadata: METADATA.md (n = pages a figure covers).")
		fmt.Fprintf(w, "%-22s %6s %6s %6s %6s %5s\n", "system", "F1", "P", "R", "acc", "err")
		for _, r := range a.Runs {
			fmt.Fprintf(w, "%-22s %6s %6s %6s %6s %5d\n", r.System, f3(r.Score.F1), f3(r.Score.Precision), f3(r.Score.Recall), f3(r.Score.Accuracy), r.Errors)
		}
		s.printAEBMeta(w)
	}
	if t := s.Traf; t != nil {
		fmt.Fprintf(w, "\n== %s: %d pages, %d sites. Body: snippet containment, micro-averaged (METRIC.md §1);\n", CorpusTraf, len(t.Entries), countSites(t.Grouping))
		fmt.Fprintln(w, "empty = no text (a full miss, still counted), err = extraction errors (also full misses).")
		fmt.Fprintf(w, "%-22s %6s %6s %6s %6s %5s %5s %5s %5s %5s %4s\n", "system", "F", "P", "R", "acc", "TP", "FP", "FN", "TN", "empty", "err")
		for _, r := range t.Runs {
			c := r.Body
			fmt.Fprintf(w, "%-22s %6s %6s %6s %6s %5d %5d %5d %5d %5d %4d\n", r.Name, f3(c.F()), f3(c.Precision()), f3(c.Recall()), f3(c.Accuracy()),
				c.TP, c.FP, c.FN, c.TN, r.Empty, r.Errors)
		}
		fmt.Fprintln(w, "metadata (METRIC.md §2, correct/total): title = PyNorm-equal, author = exact \"; \"-joined string, date = same first 10 characters")
		fmt.Fprintf(w, "%-22s %13s %13s %13s\n", "system", "title", "author", "date")
		for _, r := range t.Runs {
			if r.Meta == nil {
				continue
			}
			m := r.MetaScores
			fmt.Fprintf(w, "%-22s %13s %13s %13s\n", r.Name, tallyText(m.Title), tallyText(m.Author), tallyText(m.Date))
		}
	}
	if d := s.Date; d != nil {
		fmt.Fprintf(w, "\n== %s: %d entries, %d sites. htmldate's evaluate_result and scores; a null reference counts as NaN\n", CorpusDate, len(d.Entries), countSites(d.Grouping))
		fmt.Fprintln(w, "(no output: FN; any date: FP), so TN = 0 and acc = TP / entries. err = extraction errors (no date).")
		fmt.Fprintf(w, "%-22s %6s %6s %6s %6s %5s %5s %5s %4s\n", "system", "F", "P", "R", "acc", "TP", "FP", "FN", "err")
		for _, r := range d.Runs {
			c := r.Total
			fmt.Fprintf(w, "%-22s %6s %6s %6s %6s %5d %5d %5d %4d\n", r.Name, f3(c.F()), f3(c.Precision()), f3(c.Recall()), f3(c.Accuracy()),
				c.TP, c.FP, c.FN, r.Errors)
		}
	}
	if n > 0 {
		s.printWorst(w, n, worstOf)
	}
}

func (s *Suite) printAEBMeta(w io.Writer) {
	a := s.AEB
	if a.Meta == nil {
		fmt.Fprintln(w, "metadata: no metadata-truth.json")
		return
	}
	fmt.Fprintf(w, "%-22s %6s %7s %7s %7s %6s %6s %6s %7s\n", "metadata", "title", "titleF1", "authors", "persons", "day", "minute", "lang", "mod-day")
	nRow := false
	for _, r := range a.Runs {
		if r.Meta == nil {
			continue
		}
		m := r.MetaScores
		if !nRow {
			fmt.Fprintf(w, "%-22s %6d %7d %7d %7d %6d %6d %6d %7d\n", "n", m.TitleExact.N, m.TitleF1.N, m.AuthorsF1.N, m.AuthorsPersonF1.N,
				m.PublishedDay.N, m.PublishedMinute.N, m.Language.N, m.ModifiedDay.N)
			nRow = true
		}
		fmt.Fprintf(w, "%-22s %6s %7s %7s %7s %6s %6s %6s %7s\n", r.System, f3(m.TitleExact.Value()), f3(m.TitleF1.Value()), f3(m.AuthorsF1.Value()),
			f3(m.AuthorsPersonF1.Value()), f3(m.PublishedDay.Value()), f3(m.PublishedMinute.Value()), f3(m.Language.Value()), f3(m.ModifiedDay.Value()))
	}
}

func tallyText(t Tally) string { return fmt.Sprintf("%s %d/%d", f3(t.Value()), t.OK, t.N) }

func countSites(g Grouping) int {
	seen := map[string]bool{}
	for _, s := range g.Sites {
		seen[s] = true
	}
	return len(seen)
}

// printWorst writes the n worst pages of the named system on each corpus, with
// the site and URL (or the entry's key when it has none).
func (s *Suite) printWorst(w io.Writer, n int, name string) {
	if a := s.AEB; a != nil {
		for _, r := range a.Runs {
			if r.System == name {
				fmt.Fprintf(w, "\n(%s) ", CorpusAEB)
				PrintWorst(w, r.SystemResult, n)
			}
		}
	}
	if t := s.Traf; t != nil {
		for ri := range t.Runs {
			if r := &t.Runs[ri]; r.Name == name {
				s.printWorstTraf(w, r, n)
			}
		}
	}
	if d := s.Date; d != nil {
		for ri := range d.Runs {
			if r := &d.Runs[ri]; r.Name == name {
				s.printWorstDates(w, r, n)
			}
		}
	}
}

// printWorstTraf ranks the pages with a wrong snippet by their share of wrong
// snippets (FN+FP over all), then by FN, and shows the first missed and the first kept-boilerplate snippet.
func (s *Suite) printWorstTraf(w io.Writer, r *TrafRun, n int) {
	t := s.Traf
	bad := func(i int) float64 {
		c := r.Snip[i].Confusion
		return ratio(c.FN+c.FP, c.TP+c.FP+c.FN+c.TN)
	}
	var idx []int
	for i := range t.Entries {
		if bad(i) > 0 {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool {
		if ba, bb := bad(idx[a]), bad(idx[b]); ba != bb {
			return ba > bb
		}
		return r.Snip[idx[a]].FN > r.Snip[idx[b]].FN
	})
	n = min(n, len(idx))
	fmt.Fprintf(w, "\n%d of %d pages of %s on %s with a wrong snippet, most wrong first (TP/FP/FN/TN; first missed /\n", n, len(idx), r.Name, CorpusTraf)
	fmt.Fprintln(w, "first kept boilerplate snippet):")
	for _, i := range idx[:n] {
		e, sp, pr := t.Entries[i], r.Snip[i], r.Pages[i]
		flag := ""
		switch {
		case pr.Err != nil:
			flag = " err=" + pr.Err.Error()
		case strings.TrimSpace(pr.Text) == "":
			flag = " empty"
		}
		fmt.Fprintf(w, "  %-34s %d/%d/%d/%d%s %s %s\n", clip(e.ID, 34), sp.TP, sp.FP, sp.FN, sp.TN, flag, t.Sites[i], urlOrKey(e.URL, e.Key))
		if len(sp.MissedWith) > 0 {
			fmt.Fprintf(w, "      missed: %q\n", clip(e.With[sp.MissedWith[0]], 80))
		}
		if len(sp.KeptWithout) > 0 {
			fmt.Fprintf(w, "      kept:   %q\n", clip(e.Without[sp.KeptWithout[0]], 80))
		}
	}
}

// printWorstDates lists up to n wrong entries, wrong dates (FP) before missing
// ones (FN), each with the system's day and the reference.
func (s *Suite) printWorstDates(w io.Writer, r *DateRun, n int) {
	d := s.Date
	var fps, fns []int
	for i, c := range r.Counts {
		switch {
		case c.FP > 0:
			fps = append(fps, i)
		case c.FN > 0:
			fns = append(fns, i)
		}
	}
	idx := append(fps, fns...)
	n = min(n, len(idx))
	fmt.Fprintf(w, "\n%d of %d wrong entries of %s on %s (%d FP, %d FN; got / want):\n", n, len(idx), r.Name, CorpusDate, len(fps), len(fns))
	for _, i := range idx[:n] {
		e := d.Entries[i]
		got, want := r.Days[i], e.Date
		if got == "" {
			got = "none"
		}
		if want == "" {
			want = "none (NaN)"
		}
		fmt.Fprintf(w, "  %-34s %s %-10s / %-10s %s %s\n", clip(e.ID, 34), dateOutcome(r.Counts[i]), got, want, d.Sites[i], urlOrKey(e.URL, e.Key))
	}
}

func urlOrKey(url, key string) string {
	if url == "" {
		return "key=" + key
	}
	return url
}

// clip shortens s to at most n runes, marking a cut with "…".
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
