package bench

import (
	"bytes"
	"strings"
	"testing"
)

// TestAblation: every pass gets its figures; without the pass that drops link lists
// newsjet loses on the held-out pages (related links and tag clouds stay).
func TestAblation(t *testing.T) {
	dir := writeCorpus(t)
	a, err := RunAblation(SuiteConfig{AEBDir: dir, K: 2, Log: &bytes.Buffer{}}, "testdata/heldout")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Without) != len(a.Passes) || !a.Base.Has[0] || a.Base.Has[1] || !a.Base.Has[3] {
		t.Fatalf("ablation %+v", a)
	}
	for i, p := range a.Passes {
		if p.Name == "link-lists" {
			if d, earns := a.Earns(i); !earns || d[3] <= 0 {
				t.Errorf("link-lists earns %v on the held-out pages", d)
			}
		}
	}
	var out bytes.Buffer
	a.Print(&out)
	if !strings.Contains(out.String(), "(nothing)") || strings.Count(out.String(), "\n") != len(a.Passes)+2 {
		t.Errorf("table:\n%s", out.String())
	}
}
