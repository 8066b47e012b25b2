package clean

import (
	"strings"
	"testing"
)

// recipeIntro is the introduction of a recipe written for these tests: one long
// paragraph of prose.
const recipeIntro = "This cherry cake has been baked in our family for three generations, and it still disappears from the table " +
	"before the coffee is poured: a buttery base, a layer of vanilla cream and sour cherries on top."

// recipePage is a recipe whose steps are wrapped apart from its introduction and
// ingredients: the steps sit in a wrapper beside a short difficulty label, and the
// wrapper beside the introduction and the ingredient list. before goes between the
// headline and the introduction.
func recipePage(before, intro string) string {
	var steps strings.Builder
	for _, p := range []string{
		"Beat the soft butter with the sugar and a pinch of salt until pale and fluffy, then stir in the eggs one by one and fold in the flour with a spatula.",
		"Spread the dough in a buttered tin, press the drained cherries into it evenly and bake the base in the middle of the oven for forty minutes until golden.",
		"Cook the vanilla pudding with the milk as the packet says, stirring all the time, let it cool a little and spread it evenly over the still warm base.",
		"Leave the cake to set in the fridge for at least five hours, ideally overnight, so that the cream firms up before you cut it into even squares.",
		"Just before serving, dust the squares with a little icing sugar and decorate each one with a cherry kept back from the jar and a leaf of fresh mint.",
		"The cake keeps for three days in the fridge under a cover; it does not freeze well, because the vanilla cream turns watery once it has thawed again.",
	} {
		steps.WriteString("<dt>Step</dt><dd><p>" + p + " Take your time over this step: it decides how the cake turns out.</p></dd>")
	}
	return `<html><head><title>Cherry cake</title></head><body><nav><a href="/">Home</a> <a href="/cakes">Cakes</a></nav>` +
		`<div class="page"><h1>Cherry cake</h1><article class="recipe">` + before + intro +
		`<section class="ingredients"><ul><li>250 g soft butter</li><li>200 g sugar</li><li>4 eggs</li>` +
		`<li>350 g flour</li><li>1 jar sour cherries</li><li>1 packet vanilla pudding</li><li>500 ml milk</li>` +
		`<li>icing sugar and fresh mint to decorate</li></ul></section>` +
		`<div class="preparation"><div class="level">easy</div><dl class="steps">` + steps.String() + `</dl></div>` +
		`</article></div><footer>© Example Kitchen</footer></body></html>`
}

// TestWidenPastWrappers: widen looks past the wrapper around a recipe's steps to
// the introduction and ingredients beside it, when they open with a long paragraph;
// not to short lines alone (a box of key points), and not when Params.Skip names
// "wrappers" (the introduction, the recipe's standfirst, is then kept by the lead
// pass alone).
func TestWidenPastWrappers(t *testing.T) {
	keyPoints := `<div class="points"><ul><li>Family recipe</li><li>Ready overnight</li></ul></div>`
	cases := []struct {
		name, before, intro string
		skip                []string
		want                bool
	}{
		{"introduction before the ingredients", "", "<p>" + recipeIntro + "</p>", nil, true},
		{"skipped", "", "<p>" + recipeIntro + "</p>", []string{"wrappers"}, false},
		{"short lines alone", keyPoints, "", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			par := DefaultParams()
			par.Skip = tc.skip
			res, err := Clean([]byte(recipePage(tc.before, tc.intro)), Options{Params: &par})
			if err != nil {
				t.Fatal(err)
			}
			got := contentText(t, res.Content)
			if !strings.Contains(got, "Beat the soft butter") {
				t.Fatalf("steps lost:\n%s", got)
			}
			if strings.Contains(got, "350 g flour") != tc.want {
				t.Errorf("ingredients kept: %v, want %v; content:\n%s", !tc.want, tc.want, got)
			}
			if tc.intro != "" && !strings.Contains(got, recipeIntro) {
				t.Errorf("introduction lost (the lead pass keeps it in any case):\n%s", got)
			}
			if strings.Contains(got, "Ready overnight") {
				t.Errorf("key points kept:\n%s", got)
			}
		})
	}
}
