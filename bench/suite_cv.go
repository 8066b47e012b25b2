package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// A Family is a set of candidate configurations (systems, by name) among which
// cross-validation chooses. Today each system is its own family of one, where
// there is nothing to choose and the cross-validated figure is the full one by
// construction; a parameter grid plugs in as a family of one system per grid point.
type Family struct {
	Name    string
	Members []string
}

// DefaultFamilies returns one family per system in systems and dateSystems (by
// name, once each), then "trafilatura" {trafilatura, trafilatura-fallback} and
// "htmldate" {htmldate-fast, htmldate-extensive}: choosing go-trafilatura's
// fallback switch or go-htmldate's mode per fold, a real two-way choice.
func DefaultFamilies(systems, dateSystems []System) []Family {
	var fams []Family
	seen := map[string]bool{}
	for _, s := range append(append([]System(nil), systems...), dateSystems...) {
		if !seen[s.Name] {
			seen[s.Name] = true
			fams = append(fams, Family{Name: s.Name, Members: []string{s.Name}})
		}
	}
	for _, f := range []Family{
		{"trafilatura", []string{"trafilatura", "trafilatura-fallback"}},
		{"htmldate", []string{"htmldate-fast", "htmldate-extensive"}},
	} {
		if seen[f.Members[0]] && seen[f.Members[1]] {
			fams = append(fams, Family{Name: f.Name + " (choose per fold)", Members: f.Members})
		}
	}
	return fams
}

// cvTask is one selection problem: the metrics of a family's candidates on the
// corpora present, and which of them the choice maximises (their mean).
type cvTask struct {
	name    string
	metrics func(s *Suite, members []string) (ms []Metric, objective []int, ok bool)
}

var cvTasks = []cvTask{{"body", bodyMetrics}, {"metadata", metaMetrics}, {"dates", dateMetrics}}

// CVRow is one family's cross-validation on one task.
type CVRow struct {
	Task, Family string
	Members      []string
	Metrics      []string
	// Objective lists the metrics whose mean the choice maximises.
	Objective []int
	CVResult
}

// CrossValidateSuite runs every family on every task its members were run for.
func (s *Suite) CrossValidateSuite(fams []Family) []CVRow {
	var rows []CVRow
	for _, t := range cvTasks {
		for _, f := range fams {
			ms, obj, ok := t.metrics(s, f.Members)
			if !ok {
				continue
			}
			row := CVRow{Task: t.name, Family: f.Name, Members: f.Members, Objective: obj,
				CVResult: CrossValidate(ms, len(f.Members), s.K, obj)}
			for _, m := range ms {
				row.Metrics = append(row.Metrics, m.Name)
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// runsOf returns the runs named members, in order, or false when one is missing.
func runsOf[R any](runs []R, name func(*R) string, members []string) ([]*R, bool) {
	out := make([]*R, 0, len(members))
	for _, m := range members {
		var found *R
		for i := range runs {
			if name(&runs[i]) == m {
				found = &runs[i]
			}
		}
		if found == nil {
			return nil, false
		}
		out = append(out, found)
	}
	return out, true
}

func aebRuns(s *Suite, members []string) ([]*AEBRun, bool) {
	if s.AEB == nil {
		return nil, false
	}
	return runsOf(s.AEB.Runs, func(r *AEBRun) string { return r.System }, members)
}

func trafRuns(s *Suite, members []string) ([]*TrafRun, bool) {
	if s.Traf == nil {
		return nil, false
	}
	return runsOf(s.Traf.Runs, func(r *TrafRun) string { return r.Name }, members)
}

func dateRuns(s *Suite, members []string) ([]*DateRun, bool) {
	if s.Date == nil {
		return nil, false
	}
	return runsOf(s.Date.Runs, func(r *DateRun) string { return r.Name }, members)
}

// allIndices returns 0..n-1: every metric is in the objective.
func allIndices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

func bodyMetrics(s *Suite, members []string) ([]Metric, []int, bool) {
	var ms []Metric
	if runs, ok := aebRuns(s, members); ok {
		ms = append(ms, Metric{Name: "aeb F1", Folds: s.AEB.Folds, Score: func(picks []int) float64 {
			var scores []PageScore
			for i, c := range picks {
				if c >= 0 {
					scores = append(scores, runs[c].Pages[i].Score)
				}
			}
			return Aggregate(scores).F1
		}})
	}
	if runs, ok := trafRuns(s, members); ok {
		counts := make([][]Confusion, len(runs))
		for c, r := range runs {
			for _, sp := range r.Snip {
				counts[c] = append(counts[c], sp.Confusion)
			}
		}
		ms = append(ms, confusionMetric("trafilatura-dev F", s.Traf.Folds, counts, Confusion.F))
	}
	return ms, allIndices(len(ms)), len(ms) > 0
}

func metaMetrics(s *Suite, members []string) ([]Metric, []int, bool) {
	var ms []Metric
	if runs, ok := trafRuns(s, members); ok && allHave(runs, func(r *TrafRun) bool { return r.Meta != nil }) {
		for _, f := range []struct {
			name  string
			field func(TrafMetaPage) (scored, ok bool)
		}{
			{"trafilatura-dev title", func(p TrafMetaPage) (bool, bool) { return p.TitleScored, p.TitleOK }},
			{"trafilatura-dev author", func(p TrafMetaPage) (bool, bool) { return p.AuthorScored, p.AuthorOK }},
			{"trafilatura-dev date", func(p TrafMetaPage) (bool, bool) { return p.DateScored, p.DateOK }},
		} {
			vals := perPage(runs, func(r *TrafRun, i int) (float64, bool) {
				scored, ok := f.field(r.Meta[i])
				return boolValue(ok), scored
			}, len(s.Traf.Entries))
			ms = append(ms, meanMetric(f.name, s.Traf.Folds, vals))
		}
	}
	if runs, ok := aebRuns(s, members); ok && allHave(runs, func(r *AEBRun) bool { return r.Meta != nil }) {
		for _, f := range []struct {
			name  string
			field func(*MetaPageScore) float64
		}{
			{"aeb title", func(p *MetaPageScore) float64 { return boolValue(p.TitleExact) }},
			{"aeb authors", func(p *MetaPageScore) float64 { return p.AuthorsF1 }},
			{"aeb day", func(p *MetaPageScore) float64 { return boolValue(p.PublishedDay) }},
		} {
			vals := perPage(runs, func(r *AEBRun, i int) (float64, bool) {
				if r.Meta[i] == nil {
					return 0, false
				}
				return f.field(r.Meta[i]), true
			}, len(s.AEB.Pages))
			ms = append(ms, meanMetric(f.name, s.AEB.Folds, vals))
		}
	}
	return ms, allIndices(len(ms)), len(ms) > 0
}

func dateMetrics(s *Suite, members []string) ([]Metric, []int, bool) {
	runs, ok := dateRuns(s, members)
	if !ok {
		return nil, nil, false
	}
	counts := make([][]Confusion, len(runs))
	for c, r := range runs {
		counts[c] = r.Counts
	}
	return []Metric{
		confusionMetric("htmldate-dev F", s.Date.Folds, counts, Confusion.F),
		confusionMetric("htmldate-dev acc", s.Date.Folds, counts, Confusion.Accuracy),
	}, []int{0}, true
}

func allHave[R any](runs []*R, has func(*R) bool) bool {
	for _, r := range runs {
		if !has(r) {
			return false
		}
	}
	return true
}

// pageValue is one page's contribution to a mean: its value, when covered.
type pageValue struct {
	v       float64
	covered bool
}

func perPage[R any](runs []*R, value func(r *R, i int) (float64, bool), n int) [][]pageValue {
	out := make([][]pageValue, len(runs))
	for c, r := range runs {
		out[c] = make([]pageValue, n)
		for i := range n {
			v, ok := value(r, i)
			out[c][i] = pageValue{v, ok}
		}
	}
	return out
}

// confusionMetric sums the picked pages' counts and applies fn.
func confusionMetric(name string, folds []int, counts [][]Confusion, fn func(Confusion) float64) Metric {
	return Metric{Name: name, Folds: folds, Score: func(picks []int) float64 {
		var sum Confusion
		for i, c := range picks {
			if c >= 0 {
				sum = sum.Add(counts[c][i])
			}
		}
		return fn(sum)
	}}
}

// meanMetric is the mean value over the picked pages the figure covers.
func meanMetric(name string, folds []int, vals [][]pageValue) Metric {
	return Metric{Name: name, Folds: folds, Score: func(picks []int) float64 {
		var m Mean
		for i, c := range picks {
			if c >= 0 && vals[c][i].covered {
				m.add(vals[c][i].v)
			}
		}
		return m.Value()
	}}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// PrintCV writes the fold layout, then per task a table with one line per
// family: each metric's full figure (the candidate chosen on all pages) beside its
// cross-validated one, and what was chosen. It writes nothing without rows.
func (s *Suite) PrintCV(w io.Writer, rows []CVRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\n== site-grouped cross-validation, k=%d\n", s.K)
	s.printFolds(w)
	fmt.Fprintln(w, "A family's candidates are chosen on k-1 folds of sites by the task's objective and score the held-out")
	fmt.Fprintln(w, "fold; cv pools the held-out folds. full = the candidate chosen on all pages. A family of one candidate")
	fmt.Fprintln(w, "has nothing to choose: its cv equals full by construction (marked =).")
	var prev *CVRow
	for i := range rows {
		r := &rows[i]
		if prev == nil || prev.Task != r.Task || !slices.Equal(prev.Metrics, r.Metrics) {
			printCVHead(w, r)
		}
		prev = r
		line := fmt.Sprintf("  %-30s", r.Family)
		for m, name := range r.Metrics {
			line += fmt.Sprintf(" %-*s", max(len(name), 11), f3(r.Full[m])+" "+f3(r.Held[m]))
		}
		fmt.Fprintf(w, "%s %s\n", line, r.choiceText())
	}
}

// printCVHead writes the task, its objective and the column names of r's metrics.
func printCVHead(w io.Writer, r *CVRow) {
	var obj []string
	for _, m := range r.Objective {
		obj = append(obj, r.Metrics[m])
	}
	fmt.Fprintf(w, "%s (objective: the mean of %s)\n", r.Task, strings.Join(obj, ", "))
	head, sub := fmt.Sprintf("  %-30s", "family"), fmt.Sprintf("  %-30s", "")
	for _, name := range r.Metrics {
		head += fmt.Sprintf(" %-*s", max(len(name), 11), name)
		sub += fmt.Sprintf(" %-*s", max(len(name), 11), "full    cv")
	}
	fmt.Fprintln(w, strings.TrimRight(head, " "))
	fmt.Fprintln(w, strings.TrimRight(sub, " "))
}

// choiceText says what was chosen: "=" for a single candidate, else the full
// choice and the choice per fold.
func (r CVRow) choiceText() string {
	if len(r.Members) == 1 {
		return "="
	}
	per := make([]string, len(r.Chosen))
	same := true
	for f, c := range r.Chosen {
		per[f] = r.Members[c]
		same = same && c == r.Chosen[0]
	}
	if same {
		return fmt.Sprintf("full: %s; every fold: %s", r.Members[r.FullChoice], per[0])
	}
	return fmt.Sprintf("full: %s; per fold: %s", r.Members[r.FullChoice], strings.Join(per, ","))
}

// printFolds writes the sites and pages of each fold per corpus.
func (s *Suite) printFolds(w io.Writer) {
	sites := make([]map[string]bool, s.K)
	for f := range sites {
		sites[f] = map[string]bool{}
	}
	line := func(name string, g Grouping) {
		pages := make([]int, s.K)
		keyed := 0
		for i, f := range g.Folds {
			pages[f]++
			sites[f][g.Sites[i]] = true
			if strings.HasPrefix(g.Sites[i], "key:") {
				keyed++
			}
		}
		fmt.Fprintf(w, "  %-16s pages per fold %v (%d pages without URL, each grouped by its own key)\n", name, pages, keyed)
	}
	if s.AEB != nil {
		line(CorpusAEB, s.AEB.Grouping)
	}
	if s.Traf != nil {
		line(CorpusTraf, s.Traf.Grouping)
	}
	if s.Date != nil {
		line(CorpusDate, s.Date.Grouping)
	}
	counts := make([]int, s.K)
	for f := range sites {
		counts[f] = len(sites[f])
	}
	fmt.Fprintf(w, "  sites per fold %v: a site (registrable domain) is in one fold in every corpus\n", counts)
}

// f3 formats x rounded half to even at 3 decimals.
func f3(x float64) string { return fmt.Sprintf("%.3f", Round3(x)) }
