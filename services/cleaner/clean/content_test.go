package clean

import (
	"slices"
	"strings"
	"testing"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/htmlparse"
)

// storyPage wraps paragraphs in an article page long enough for the content
// selection to pick the article.
func storyPage(paras ...string) string {
	return storyPageIn("en", paras...)
}

// storyPageIn is storyPage declared in language lang.
func storyPageIn(lang string, paras ...string) string {
	var sb strings.Builder
	sb.WriteString(`<!DOCTYPE html><html lang="` + lang + `"><head><title>Terminal opens</title></head><body>` +
		`<nav><a href="/">Home</a> <a href="/news">News</a></nav><article><h1>Terminal opens</h1>`)
	for _, p := range paras {
		sb.WriteString(p)
	}
	sb.WriteString(`</article><footer>© Example News</footer></body></html>`)
	return sb.String()
}

func TestImageInRunningTextKeepsParagraph(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>` +
		`<p>Passengers praised the heated waiting room and the new ticket machines, which accept cards and phones, while staff said queues were short.</p>`
	cases := []struct{ name, para, want string }{
		{"image mid-sentence", `<p>The old terminal building <img src="/inline.jpg"> will be demolished next spring.</p>`,
			"The old terminal building will be demolished next spring."},
		{"image opening a paragraph", `<p><img src="/p.jpg">If we have not met yet, my name is Pam and I write here.</p>`,
			"If we have not met yet, my name is Pam and I write here."},
		{"image inside an inline element", `<p><em><img src="/q.jpg">“Why are we talking about leadership?”</em></p>`,
			"“Why are we talking about leadership?”"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean([]byte(storyPage(filler, tc.para, filler)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if text := contentText(t, res.Content); !strings.Contains(text, tc.want) {
				t.Errorf("story text %q lost:\n%s", tc.want, text)
			}
			if strings.Contains(res.Content, "<figcaption>") {
				t.Errorf("a paragraph became a caption:\n%s", res.Content)
			}
		})
	}
}

func TestImageWrapperCaption(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	for _, wrapper := range []string{
		`<div class="media"><img src="/t.jpg"><span>The terminal at dawn. Photo: J. Doe</span></div>`,
		`<p class="pictext"><img src="/t.jpg">The terminal at dawn. Photo: J. Doe</p>`,
	} {
		res, err := Clean([]byte(storyPage(filler, wrapper, filler)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(res.Content, "<figcaption>") {
			t.Errorf("caption of %s not marked:\n%s", wrapper, res.Content)
		}
		if text := contentText(t, res.Content); strings.Contains(text, "Photo: J. Doe") {
			t.Errorf("caption kept as body text:\n%s", text)
		}
	}
}

func TestFlatEndlessPageEndsAtNextStory(t *testing.T) {
	a := `<p>The teachers' union has reached a tentative pay deal with the state government, calling off next week's strike.</p>` +
		`<p>The deal gives teachers a rise of four per cent a year for three years and caps class sizes in primary schools.</p>` +
		`<p>Union members will vote on the offer over the next fortnight, and the executive recommends that they accept it.</p>`
	b := `<p>The city's light rail extension will not open until late 2028 after groundwater flooded a section of the tunnel.</p>` +
		`<p>The authority said pumps had removed most of the water but engineers needed months to assess the damage.</p>`
	page := func(second string) string {
		return `<!DOCTYPE html><html lang="en"><head><title>Teachers reach pay deal</title></head><body><nav><a href="/">Home</a></nav>` +
			`<main><h1>Teachers reach pay deal</h1><p class="byline">By Priya Kaur</p>` + a + second + b + `</main></body></html>`
	}
	cases := []struct {
		name, second string
		keepsB       bool
	}{
		{"next story with byline", `<h1>Light rail delayed again</h1><p class="byline">By Aaron Whitfield</p>`, false},
		{"next story with time", `<h1>Light rail delayed again</h1><time datetime="2026-11-05">5 Nov</time>`, false},
		{"next story headline links to it", `<h1><a href="/light-rail">Light rail delayed again</a></h1>`, false},
		{"h1 as a section heading", `<h1>What the deal means for schools</h1>`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean([]byte(page(tc.second)), Options{})
			if err != nil {
				t.Fatal(err)
			}
			text := contentText(t, res.Content)
			if !strings.Contains(text, "Union members will vote") {
				t.Errorf("first story cut:\n%s", text)
			}
			if got := strings.Contains(text, "light rail extension"); got != tc.keepsB {
				t.Errorf("text after the second h1 kept = %v, want %v:\n%s", got, tc.keepsB, text)
			}
		})
	}
}

func TestPlainText(t *testing.T) {
	cases := []struct {
		name, ctype, in, want string
	}{
		{"no markup", "", "Just a plain text file.\n\nWith two paragraphs,\nthe second one wrapped.\n",
			"Just a plain text file.\n\nWith two paragraphs, the second one wrapped."},
		{"served as text/plain, with a '<b>' in the text", "text/plain; charset=utf-8", "Use <b> for bold.\r\n\r\n  Second  block.",
			"Use <b> for bold.\n\nSecond block."},
		{"a less-than sign is not markup", "", "When the tide is low and a < b, the ferry waits at the outer pier.\n\nThen b > a.",
			"When the tide is low and a < b, the ferry waits at the outer pier.\n\nThen b > a."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean([]byte(tc.in), Options{ContentType: tc.ctype})
			if err != nil {
				t.Fatal(err)
			}
			if got := contentText(t, res.Content); got != tc.want {
				t.Errorf("content %q, want %q", got, tc.want)
			}
		})
	}
	if isPlainText([]byte("<p>html</p>"), "") || isPlainText([]byte("text <!-- c -->"), "") {
		t.Error("markup taken for plain text")
	}
}

func TestBriefBesideThreadAndTeaserColumn(t *testing.T) {
	// A two-paragraph brief, a longer reader thread below it and a column of
	// teaser links beside both; class names carry no vocabulary.
	var thread, teasers strings.Builder
	for i := range 7 {
		thread.WriteString(`<div class="q2"><span>Reader ` + string(rune('A'+i)) + `</span><span>` + string(rune('1'+i)) +
			` h</span><p>Every year the same street is dug up and every year the same statement is made about it, and nothing changes for the shops at all.</p></div>`)
	}
	for i := range 3 {
		teasers.WriteString(`<div class="q4"><a href="/s` + string(rune('a'+i)) + `"><h4>Another local story headline number ` + string(rune('1'+i)) +
			`</h4><p>A teaser paragraph about another local story that links to the full text of that story elsewhere.</p></a></div>`)
	}
	page := `<!DOCTYPE html><html lang="tr"><head><title>Harbour street closed</title></head><body><div class="w"><div class="l">` +
		`<div class="q0"><h1>Harbour street closed for two weeks</h1><div class="q1">` +
		`<p>The council said on Friday that Harbour Street will be closed to traffic for two weeks from Monday while a storm drain is built under it.</p>` +
		`<p>Drivers are asked to use the boulevard and Station Street instead, and bus routes will change while the work goes on.</p></div></div>` +
		`<div class="q3">` + thread.String() + `</div></div><div class="r">` + teasers.String() + `</div></div></body></html>`
	res, err := Clean([]byte(page), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := contentText(t, res.Content)
	if !strings.Contains(text, "storm drain") || !strings.Contains(text, "bus routes will change") {
		t.Errorf("brief lost:\n%s", text)
	}
	if strings.Contains(text, "Every year the same street") || strings.Contains(text, "teaser paragraph") {
		t.Errorf("thread or teasers kept:\n%s", text)
	}
}

func TestFlatHeadlineBylineDropped(t *testing.T) {
	page := `<!DOCTYPE html><html lang="es"><head><title>Puerto</title></head><body><main><h1>El puerto amplía su terminal</h1>` +
		`<div class="firma">Por <a href="/autor/lucia-ortega/">Lucía Ortega</a><span>Redactora</span></div>` +
		`<div><span>Publicado</span> <time datetime="2026-03-11T09:20">11 mar. 2026</time></div>` +
		`<p>Rockledge 14 11 6 15 — 44</p>` +
		`<p>La Autoridad Portuaria aprobó este martes la ampliación de la terminal de cruceros del muelle norte de la ciudad.</p>` +
		`<p>La obra, presupuestada en 18 millones de euros, incluye un nuevo edificio de pasajeros y una pasarela cubierta.</p></main></body></html>`
	res, err := Clean([]byte(page), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := contentText(t, res.Content)
	if strings.Contains(text, "Lucía Ortega") || strings.Contains(text, "Publicado") {
		t.Errorf("byline or dateline kept:\n%s", text)
	}
	if !strings.Contains(text, "Rockledge 14 11 6 15") || !strings.Contains(text, "pasarela cubierta") {
		t.Errorf("body lost:\n%s", text)
	}
}

func TestStyledCaptionAfterImageParagraph(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	for _, tc := range []struct {
		after   string
		caption bool
	}{
		{`<p style="text-align: center"><em>Passengers at the new terminal on Monday. Photo: Quang Huy</em></p>`, true},
		{`<p><em>Passengers at the new terminal on Monday. Photo: Quang Huy</em></p>`, true},
		{`<p>Passengers praised the heated <em>waiting room</em> on Monday.</p>`, false},
	} {
		res, err := Clean([]byte(storyPage(filler, `<p><img src="/t.jpg"></p>`, tc.after, filler)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		text := contentText(t, res.Content)
		if kept := strings.Contains(text, "Passengers"); kept == tc.caption {
			t.Errorf("%s: kept as body text = %v, want %v:\n%s", tc.after, kept, !tc.caption, text)
		}
	}
}

func TestTrimmedSignOffKeptForMetadata(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	res, err := Clean([]byte(storyPage(filler, filler, `<p style="text-align:right"><strong>Minh Anh</strong></p>`)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := contentText(t, res.Content); strings.Contains(text, "Minh Anh") {
		t.Errorf("sign-off kept as body text:\n%s", text)
	}
	if !slices.Equal(res.Tail, []string{"Minh Anh"}) {
		t.Errorf("sign-off not kept as the tail: %q", res.Tail)
	}
}

func TestSignupBoxInsideBodyDropped(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	box := `<div class="x9"><p>Get the harbour news in your inbox</p><p>Our weekly guide to what the port is doing and why it matters.</p>` +
		`<input type="email" placeholder="Email"><button>Sign up</button></div>`
	res, err := Clean([]byte(storyPage(filler, box, filler, filler)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := contentText(t, res.Content)
	if strings.Contains(text, "in your inbox") || strings.Contains(text, "weekly guide") {
		t.Errorf("sign-up box kept:\n%s", text)
	}
	if strings.Count(text, "The new ferry terminal") != 3 {
		t.Errorf("story paragraphs lost:\n%s", text)
	}
}

func TestNumericDate(t *testing.T) {
	for s, want := range map[string]bool{
		"Sanna Laine 12.5.2026 14:20": true, "2026-05-12": true, "5/12/26": true, "Updated 9:05": true,
		"Palm Bay d. Rockledge 70-44": false, "Rockledge 14 11 6 15 — 44": false, "Calendário da Stock Car 2018": false,
		"1694 Ккал.": false, "v1.2.3": false,
	} {
		if got := numericDate(s); got != want {
			t.Errorf("numericDate(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestRepostNoteDropped(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	note := `<p><em>This article originally appeared on <a href="https://partner.example">Harbour Post</a>: <a href="https://partner.example/t">Terminal opens!</a></em></p>`
	res, err := Clean([]byte(storyPage(filler, filler, note)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := contentText(t, res.Content); strings.Contains(text, "originally appeared") || !strings.Contains(text, "ferry terminal") {
		t.Errorf("syndication note kept or body lost:\n%s", text)
	}
	// An italic closing paragraph that links elsewhere is text.
	other := `<p><em>Read our earlier report on <a href="/old">the pier works</a> and the long delays that came with them last year.</em></p>`
	res, err = Clean([]byte(storyPage(filler, filler, other)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := contentText(t, res.Content); !strings.Contains(text, "Read our earlier report") {
		t.Errorf("italic closing paragraph dropped:\n%s", text)
	}
}

func TestAdLabelsDropped(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	for label, lang := range map[string]string{`<p class="small">Advertisement</p>`: "en", `<div><p>Mainos</p><div id="x-77"></div></div>`: "fi",
		`<p>- Anzeige -</p>`: "de-AT", `<div>광고</div>`: "ko", `<p>ADVERTISEMENT</p>`: "ko"} {
		res, err := Clean([]byte(storyPageIn(lang, filler, label, filler, filler)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if text := contentText(t, res.Content); strings.Count(text, "\n\n") != 2 {
			t.Errorf("%s: label kept:\n%s", label, text)
		}
	}
	// A sentence mentioning an advertisement is text.
	res, err := Clean([]byte(storyPage(filler, `<p>Advertisement spending fell.</p>`, filler)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if text := contentText(t, res.Content); !strings.Contains(text, "Advertisement spending fell.") {
		t.Errorf("sentence dropped:\n%s", text)
	}
}

func TestTableNoteIsCaption(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	table := `<table><tr><th>Route</th><th>Passengers</th></tr><tr><td>North pier</td><td>1,204</td></tr><tr><td>South pier</td><td>988</td></tr></table>`
	for _, tc := range []struct {
		after string
		note  bool
	}{
		{`<p class="text-xs text-stone-500">Source: harbour authority figures, Monday.</p>`, true},
		{`<p class="table-note">Figures are provisional.</p>`, true},
		{`<p>The figures are provisional, the authority said.</p>`, false},
	} {
		res, err := Clean([]byte(storyPage(filler, table, tc.after, filler)), Options{})
		if err != nil {
			t.Fatal(err)
		}
		text := contentText(t, res.Content)
		if !strings.Contains(text, "North pier") || !strings.Contains(text, "1,204") {
			t.Errorf("table lost:\n%s", text)
		}
		if kept := strings.Contains(text, "provisional") || strings.Contains(text, "Source:"); kept == tc.note {
			t.Errorf("%s: kept as body text = %v, want %v:\n%s", tc.after, kept, !tc.note, text)
		}
	}
}

func TestHeadlineBlockBesideEntries(t *testing.T) {
	// The headline's block holds most of the weight; a sibling list of reader
	// entries (a guest book, no reply box) is not part of the story.
	var entries strings.Builder
	for i := range 6 {
		entries.WriteString(`<li><div>Reader ` + string(rune('A'+i)) + `</div><div>November 9, 2026</div><div>He was the kindest man in town and always had time for a chat about the old days.</div></li>`)
	}
	page := `<!DOCTYPE html><html lang="en"><head><title>Hal dies at 88</title></head><body><main><div class="s"><h1>Hal dies at 88</h1>` +
		`<div class="t"><p>Harold Brenneman, who ran the hardware store on Main Street for 46 years and coached Little League, died Friday at home.</p>` +
		`<p>He took over the store from his father in 1961 and kept it open through two floods, a fire and the arrival of a big-box store.</p>` +
		`<p>He coached the Cardinals from 1964 until 2006, winning four district titles, and several of his players went on to coach.</p>` +
		`<p>He is survived by his wife of 62 years, Ruth; three children; seven grandchildren; and two great-grandchildren.</p></div></div>` +
		`<section class="g"><h2>Guest Book</h2><ul>` + entries.String() + `</ul></section></main></body></html>`
	res, err := Clean([]byte(page), Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := contentText(t, res.Content)
	if !strings.Contains(text, "great-grandchildren") || strings.Contains(text, "kindest man") || strings.Contains(text, "Guest Book") {
		t.Errorf("story lost or entries kept:\n%s", text)
	}
}

func TestClosingSentenceAboveBackLinkKept(t *testing.T) {
	filler := `<p><font size="3">The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</font></p>`
	for _, tc := range []struct {
		last string
		kept bool
	}{
		{`<p><font size="3">The pier reopens for anglers in early June.</font></p>`, true},
		{`<p><font size="3">Jane Roe, staff writer</font></p>`, false},
	} {
		page := `<html><head><title>Ferry terminal opens</title></head><body><table><tr><td>` +
			`<a href="/">Home</a><br><a href="/news">News</a></td><td>` + filler + filler + tc.last +
			`<p><font size="2"><a href="index.htm">&lt;&lt; Back to News</a></font></p></td></tr></table></body></html>`
		res, err := Clean([]byte(page), Options{})
		if err != nil {
			t.Fatal(err)
		}
		text := contentText(t, res.Content)
		if got := strings.Contains(text, normText(htmlparse.Document(tc.last))); got != tc.kept {
			t.Errorf("%s kept = %v, want %v:\n%s", tc.last, got, tc.kept, text)
		}
		if strings.Contains(text, "Back to News") {
			t.Errorf("back link kept:\n%s", text)
		}
	}
}

func TestSentenceLine(t *testing.T) {
	for s, want := range map[string]bool{
		"The pier reopens for anglers in early June.": true,
		"Will the pier reopen in early June?":         true,
		"Jane Roe, staff writer":                      false,
		"All rights reserved.":                        false,
	} {
		if got := sentenceLine(s, DefaultParams().SentenceMinWords); got != want {
			t.Errorf("sentenceLine(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestHeadlineWithoutH1AndInfoLinesDropped(t *testing.T) {
	body := `<p>Η δημοτική επιτροπή ενέκρινε χθες το νέο πρόγραμμα καθαριότητας για τις παραλίες της πόλης, που θα ξεκινήσει τον Ιούνιο.</p>` +
		`<p>Το κόστος του προγράμματος υπολογίζεται σε διακόσιες χιλιάδες ευρώ και θα καλυφθεί από τον τακτικό προϋπολογισμό.</p>`
	en := `<p><font size="3">The county fair returns to the east meadow this summer after a three-year break, organisers said on Tuesday evening.</font></p>` +
		`<p><font size="3">Tickets go on sale in May, and children under twelve will again be admitted free of charge on opening day.</font></p>`
	for _, tc := range []struct {
		name, page string
		gone       []string
		kept       string
	}{
		{"Joomla contentheading", `<html lang="el"><head><title>Καθαρές παραλίες από τον Ιούνιο</title></head><body>` +
			`<div id="menu"><a href="/">Αρχική</a> | <a href="/topika/">Τοπικά</a></div><div class="item-page">` +
			`<h2 class="contentheading">Καθαρές παραλίες από τον Ιούνιο</h2>` +
			`<div class="article-info"><span class="createdby">Γράφει ο Γιώργος Αλεξανδρόπουλος</span> <span>Δευτέρα, 4 Μαΐου 2026 09:15</span> <span class="icons"><a href="?print=1">Εκτύπωση</a></span></div>` +
			body + `</div></body></html>`,
			[]string{"Καθαρές παραλίες", "Γιώργος"}, "προϋπολογισμό"},
		{"FrontPage font headline", `<html><head><title>Valley Courier - County fair returns to the east meadow</title></head><body><table><tr>` +
			`<td><a href="/">Home</a><br><a href="/news">News</a></td><td>` +
			`<p><font size="5"><b>County fair returns to the east meadow</b></font></p>` +
			`<p><font size="2"><i>By Ann Lake - April 2, 2026</i></font></p>` + en + `</td></tr></table></body></html>`,
			[]string{"County fair returns", "Ann Lake"}, "opening day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean([]byte(tc.page), Options{})
			if err != nil {
				t.Fatal(err)
			}
			text := contentText(t, res.Content)
			for _, g := range tc.gone {
				if strings.Contains(text, g) {
					t.Errorf("%q kept as body text:\n%s", g, text)
				}
			}
			if !strings.Contains(text, tc.kept) {
				t.Errorf("body lost:\n%s", text)
			}
		})
	}
}

func TestPartnerBoxesAfterStoryDropped(t *testing.T) {
	story := `<p>Margaret Ellis, who taught music at the village school for thirty-one years and led the church choir, died on Sunday. She was 91.</p>` +
		`<p>A service will be held at noon on Friday at St Anne's. The family asks that donations go to the school's music fund.</p>`
	home := `<div class="home-box"><h3>Arrangements</h3><p>Ashdown Funeral Home, 4 Mill Lane. <a href="https://ashdown-funerals.example/">Visit website</a></p></div>`
	shop := `<div class="shop"><h3>Send flowers</h3><p>Order a bouquet for the family.</p><a href="https://florist.example/?id=7">Shop flowers</a></div>`
	local := `<div class="more"><h3>More from the village</h3><p>Read our earlier profile of the choir and its many concerts.</p><a href="https://www.villagetimes.example/choir">Read</a></div>`
	page := func(parts ...string) string {
		return `<html><head><title>Margaret Ellis, music teacher, dies at 91</title></head><body><main><article>` +
			`<h1>Margaret Ellis, music teacher, dies at 91</h1>` + strings.Join(parts, "") + `</article></main></body></html>`
	}
	const pageURL = "https://www.villagetimes.example/obituaries/ellis"
	for _, tc := range []struct {
		name, page, url string
		gone, kept      []string
	}{
		{"off-site boxes under the story", page(story, home, shop, local), pageURL,
			[]string{"Ashdown", "bouquet"}, []string{"music fund", "earlier profile"}},
		{"page URL unknown", page(story, home), "", nil, []string{"Ashdown"}},
		{"box before prose", page(home, story, story), pageURL, nil, []string{"Ashdown"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Clean([]byte(tc.page), Options{URL: tc.url})
			if err != nil {
				t.Fatal(err)
			}
			text := contentText(t, res.Content)
			for _, g := range tc.gone {
				if strings.Contains(text, g) {
					t.Errorf("%q kept:\n%s", g, text)
				}
			}
			for _, k := range tc.kept {
				if !strings.Contains(text, k) {
					t.Errorf("%q lost:\n%s", k, text)
				}
			}
		})
	}
}

func TestHostOf(t *testing.T) {
	for ref, want := range map[string]string{
		"https://www.Example.org/a":     "example.org",
		"http://news.example.org:8080/": "news.example.org",
		"/relative/path":                "",
		"mailto:desk@example.org":       "",
		"":                              "",
	} {
		if got := hostOf(ref); got != want {
			t.Errorf("hostOf(%q) = %q, want %q", ref, got, want)
		}
	}
}

// TestPassTable: every pass and rule is named once, says what it does, and runs
// after the passes it needs.
func TestPassTable(t *testing.T) {
	seen := map[string]int{}
	for i, ps := range Passes {
		if ps.name == "" || ps.does == "" || ps.run == nil {
			t.Errorf("pass %d %q is not described", i, ps.name)
		}
		if _, dup := seen[ps.name]; dup {
			t.Errorf("pass %q twice", ps.name)
		}
		if ps.after != "" {
			if j, ok := seen[ps.after]; !ok || j >= i {
				t.Errorf("pass %q must run after %q, which does not come before it", ps.name, ps.after)
			}
		}
		seen[ps.name] = i
	}
	for _, r := range InsideRules {
		if _, dup := seen[r.name]; dup || r.does == "" {
			t.Errorf("rule %q twice or not described", r.name)
		}
		seen[r.name] = len(seen)
	}
}

// TestSkipPass: a skipped pass or rule leaves what it drops.
func TestSkipPass(t *testing.T) {
	filler := `<p>The new ferry terminal on the north pier opened to passengers on Monday after two years of construction work and several delays.</p>`
	page := []byte(storyPage(filler, `<p class="small">Advertisement</p>`, filler, filler))
	par := DefaultParams()
	for _, skip := range [][]string{nil, {"ad-labels"}, {"inside"}} {
		par.Skip = skip
		res, err := Clean(page, Options{Params: &par})
		if err != nil {
			t.Fatal(err)
		}
		if kept := strings.Contains(contentText(t, res.Content), "Advertisement"); kept != (skip != nil) {
			t.Errorf("skip %q: ad label kept %v", skip, kept)
		}
	}
}

// TestAdLabelsByLanguage: a page's ad labels are its language's and English's.
func TestAdLabelsByLanguage(t *testing.T) {
	de, en := adLabelsFor("de"), adLabelsFor("en")
	if !de["anzeige"] || !de["advertisement"] || en["anzeige"] || !en["advertisement"] || adLabelsFor("")["reklama"] {
		t.Errorf("ad labels: de %v, en %v", de, en)
	}
	if got := declaredLang(&schema.PageHead{Meta: []schema.Meta{{Key: "og:locale", Content: "pt_BR"}}}); got != "pt" {
		t.Errorf("declared language from og:locale: %q", got)
	}
}

// TestRubyAnnotationsLeftOut: the readings of a <ruby> (its <rt>, and the <rp>
// parentheses for browsers without ruby) are no text of the story: the base text
// stays whole ("法律では"), and glossary links on the words do not make the story a
// link list.
func TestRubyAnnotationsLeftOut(t *testing.T) {
	sentence := `<ruby>法律<rp>(</rp><rt>ほうりつ</rt><rp>)</rp></ruby>では、<a href="javascript:void(0)" class="dicWin"><ruby>親<rt>おや</rt></ruby></a>が<ruby>子<rt>こ</rt></ruby>どもを<ruby>育<rt>そだ</rt></ruby>てる<ruby>方法<rt>ほうほう</rt></ruby>を<ruby>学<rt>まな</rt></ruby>びます。`
	var paras []string
	for i := 0; i < 4; i++ {
		paras = append(paras, "<p>"+strings.Repeat(sentence, 3)+"</p>")
	}
	res, err := Clean([]byte(storyPageIn("ja", paras...)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := contentText(t, res.Content)
	if !strings.Contains(got, "法律では、親が子どもを育てる方法を学びます。") {
		t.Errorf("base text not whole:\n%s", got)
	}
	if strings.Contains(got, "ほうりつ") || strings.Contains(got, "(") {
		t.Errorf("readings kept:\n%s", got)
	}
}

func TestClassWords(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  uint16
	}{
		{"", 0}, {"a b", 0}, {"story-body", 0}, {"container row", 0},
		{"share-bar", fBoiler}, {"ShareBar", fBoiler}, {"SIDEBAR", fBoiler}, {"relatedPosts", fBoiler},
		{"sharedaddy", fBoiler}, {"entry-content commentlist", fBoiler}, {"ad", fBoiler}, {"adx", 0},
		{"sr-only", fHidden},
	} {
		if got := classWords(tc.value); got != tc.want {
			t.Errorf("classWords(%q) = %b, want %b", tc.value, got, tc.want)
		}
	}
}
