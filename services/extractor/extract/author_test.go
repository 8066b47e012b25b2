package extract

import (
	"strings"
	"testing"
	"time"
)

func TestParseCreditText(t *testing.T) {
	site := tokenize("Sioux Falls Argus Leader")
	cases := []struct {
		in      string
		persons string // names joined by "|"
		org     string
		lang    string // the page's language, "" for English
	}{
		{"By Lois Lane", "Lois Lane", "", ""},
		{"By LISA MASCARO, MARY CLARE JALONICK and ERIC TUCKER Associated Press", "LISA MASCARO|MARY CLARE JALONICK|ERIC TUCKER", "", ""},
		{"By Steve Peoples, AP National Political Writer", "Steve Peoples", "", ""},
		{"Tom Davies Associated Press | Published 11:34 PM EST Nov 19, 2019", "Tom Davies", "", ""},
		{"Kevin Johnson and Kevin McCoy USA TODAY", "Kevin Johnson|Kevin McCoy", "", ""},
		{"By Jeff Foust Monday, November 18, 2019", "Jeff Foust", "", ""},
		{"Ilana Muhlstein, MS, RDN", "Ilana Muhlstein", "", ""},
		{"Von Moritz Bachmann publiziert am 25. September 2018", "Moritz Bachmann", "", "de"},
		{"Jane Roe Jane Roe", "Jane Roe", "", ""},
		{"By Catherine", "Catherine", "", ""},
		{"Catherine", "", "", ""},
		{"By Reuters", "", "Reuters", ""},
		{"Practical Horseman Editorial Staff", "", "Practical Horseman Editorial Staff", ""},
		{"European Space Agency", "", "European Space Agency", ""},
		{"by jdadmin", "", "", ""},
		{"By Sioux Falls Argus Leader", "", "Sioux Falls Argus Leader", ""},
		{"The Russian and Syrian defense ministries", "", "", ""},
		{"Follow @janeroe on Twitter", "", "", ""},
		// Labels and datelines in other languages, job titles after CJK names.
		{"Penulis: Dewi Lestari", "Dewi Lestari", "", "id"},
		{"كتبت: ليلى حداد", "ليلى حداد", "", "ar"},
		{"作者：李明", "李明", "", "zh"},
		{"Auteur : Clémence Fabre", "Clémence Fabre", "", "fr"},
		{"Par Clémence Fabre Publié le 09 juin 2026 à 19h12", "Clémence Fabre", "", "fr"},
		{"Von Jana Berg Veröffentlicht am 3. Mai", "Jana Berg", "", "de"},
		{"김서연 기자", "김서연", "", "ko"},
		{"佐藤美咲記者", "佐藤美咲", "", "ja"},
		{"Updated: 10:45", "", "", ""},
		{"Autor: Jana Berg Veröffentlicht am 20.09.2026, 18:30 Uhr", "Jana Berg", "", "de"},
		{"Jane Roe and April Smith", "Jane Roe|April Smith", "", ""},
		{"Γράφει η Μαρία Κωνσταντίνου Τρίτη, 12 Μαΐου 2026 20:30", "Μαρία Κωνσταντίνου", "", "el"},
		{"Par Jeanne Roux Mardi, 3 juin 2026", "Jeanne Roux", "", "fr"},
		// Byline words apply by the page's language: Italian "di" opens a credit,
		// Indonesian "di" ("in") does not; German "von" is both a byline word and
		// the particle of a name.
		{"di Mario Rossi", "Mario Rossi", "", "it"},
		{"Von Braun", "Von Braun", "", "de"},
		{"Von Hans Müller", "Hans Müller", "", "de"},
		{"von Heiner", "Heiner", "", "de"},
		// Interface labels next to a name are not part of it; job titles of the
		// page's language are not names.
		{"Folge Oliver Baroni", "Oliver Baroni", "", "de"},
		{"Johanna Kropfitsch Alle Artikel", "Johanna Kropfitsch", "", "de"},
		{"Watch Live", "", "", ""},
		{"Christoph Hein Chefredakteur", "Christoph Hein", "", "de"},
		{"Eine Kolumne von Nils Pickert", "Nils Pickert", "", "de"},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got := lexFor(c.lang).parseCreditText(c.in, site, nil, false)
			if strings.Join(got.persons, "|") != c.persons || got.org != c.org {
				t.Errorf("got persons %q org %q, want %q / %q", got.persons, got.org, c.persons, c.org)
			}
		})
	}
}

// lexFor is the lexicon of a page in language lang.
func lexFor(lang string) *lexicon {
	return &lexicon{vocab: vocabFor(lang), par: &defaultParams}
}

func TestIsCMSUser(t *testing.T) {
	for name, want := range map[string]bool{"admin": true, "jdadmin": true, "editor_2": true, "Site Admin": true,
		"Jane Roe": false, "Catherine": false} {
		if got := isCMSUser(name); got != want {
			t.Errorf("isCMSUser(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestAuthorsCrossCheck(t *testing.T) {
	// The JSON-LD names a co-author the byline element omits but the header shows.
	doc := cleanedDoc("en",
		`<script type="application/ld+json">{"@type":"NewsArticle","headline":"T","author":[{"@type":"Person","name":"Ann Poe"},{"@type":"Person","name":"Bob Dee"},{"@type":"Person","name":"Carl Zed"}]}</script>`,
		`<h1>T</h1><div data-newsjet="after-h1"><p>By Ann Poe</p><p>With reporting by Bob Dee</p></div><span class="byline" data-newsjet-ctx="article">By Ann Poe</span>`,
		englishBody)
	a := metaOf(t, doc, options{})
	if got := strings.Join(a.Authors, "|"); got != "Ann Poe|Bob Dee" {
		t.Errorf("Authors = %q, want the byline's name plus the shown co-author only", got)
	}
}

func TestAuthorsIgnoreRelatedAndComments(t *testing.T) {
	doc := cleanedDoc("en", ``,
		`<h1>T</h1><div data-newsjet="after-h1"><p>Text.</p></div>
<div class="byline" data-newsjet-ctx="related">By Other Writer</div>
<span class="comment-author" data-newsjet-ctx="comment">Guest Reader</span>`,
		englishBody)
	a := metaOf(t, doc, options{})
	if len(a.Authors) != 0 {
		t.Errorf("Authors = %q, want none", a.Authors)
	}
}

func TestParseCreditTextDesk(t *testing.T) {
	got := lexFor("en").parseCreditText("By JERUSALEM POST STAFF NOVEMBER 20, 2019 10:43", nil, nil, false)
	if len(got.persons) != 0 || got.org != "JERUSALEM POST STAFF" {
		t.Errorf("got persons %q org %q, want the desk as organisation", got.persons, got.org)
	}
}

func TestSignOffCredit(t *testing.T) {
	cases := []struct{ lang, body, want string }{
		{"ko", `<p>본문 내용이 여기에 있습니다.</p><p>정덕현 칼럼니스트 thekian1@example.co.kr</p>`, "정덕현"},
		{"ko", `<p>본문 내용.</p><p>칼럼니스트 박생강 pillgoo9@example.com</p>`, "박생강"},
		{"ko", `<p>서울=연합뉴스 홍길동 기자 = 본문.</p>`, "홍길동"},
		{"zh", `<p>本报记者 王小明 报道 本文内容。</p>`, "王小明"},
		{"ko", `<p>기자회견에서 발표했다.</p>`, ""},
		{"en", `<p>Jane Roe reporter</p>`, ""},
	}
	for _, c := range cases {
		a := metaOf(t, cleanedDoc(c.lang, "", "<h1>T</h1>", c.body), options{})
		if got := strings.Join(a.Authors, "|"); got != c.want {
			t.Errorf("%s %q: Authors = %q, want %q", c.lang, c.body, got, c.want)
		}
	}
}

func TestAuthorsFromJSONLDGraphReference(t *testing.T) {
	doc := cleanedDoc("en", `<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
{"@type":"Article","@id":"https://ex.example/a/#article","headline":"T","author":{"@id":"https://ex.example/#/schema/person/1"}},
{"@type":"Person","@id":"https://ex.example/#/schema/person/1","name":"Jana Roe"}]}</script>`,
		`<h1>T</h1><div data-newsjet="after-h1"><p>Jana Roe</p><p>March 3, 2024</p></div>`, englishBody)
	if got := strings.Join(metaOf(t, doc, options{}).Authors, "|"); got != "Jana Roe" {
		t.Errorf("Authors = %q, want the referenced Person", got)
	}
	// The same declaration on a page that credits nobody: a CMS account, no credit.
	doc = strings.Replace(doc, "<p>Jana Roe</p>", "", 1)
	if got := metaOf(t, doc, options{}).Authors; len(got) != 0 {
		t.Errorf("Authors = %q, want none for a declared author the page never shows", got)
	}
}

func TestSiteNameFromJSONLDGraphReference(t *testing.T) {
	doc := cleanedDoc("en", `<script type="application/ld+json">{"@graph":[
{"@type":"NewsArticle","headline":"T","publisher":{"@id":"https://ex.example/#org"}},
{"@type":"Organization","@id":"https://ex.example/#org","name":"Example Times"}]}</script>`,
		`<h1>T</h1>`, englishBody)
	if got := metaOf(t, doc, options{}).SiteName; got != "Example Times" {
		t.Errorf("SiteName = %q, want the referenced publisher", got)
	}
}

func TestParseCreditTextMonthNames(t *testing.T) {
	cases := map[string]string{
		"Gideon Marlowe Mar 20, 2026": "Gideon Marlowe",
		"By Ana May":                  "Ana May",
		"By Ana May, May 3, 2024":     "Ana May",
	}
	for in, want := range cases {
		if got := strings.Join(lexFor("en").parseCreditText(in, nil, nil, false).persons, "|"); got != want {
			t.Errorf("parseCreditText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBylineElementsNotGlued(t *testing.T) {
	// Name, job title, date and e-mail in adjacent elements with no space between
	// them: each is its own credit part, and the name is credited once.
	for _, byline := range []string{
		`<div class="story-byline" data-newsjet-ctx="article"><span class="byline__name">Priya Kaur</span><span class="byline__title">Education Reporter</span><span class="byline__date"><time datetime="2026-11-05T06:30:00Z">November 5, 2026 - 5:30PM</time></span></div>`,
		`<div class="article-byline" data-newsjet-ctx="article"><a href="/av/priya-kaur">Priya Kaur</a><span>priya.kaur@example.com</span><time datetime="2026-11-05T06:30:00Z">5 nov 2026</time></div>`,
	} {
		doc := cleanedDoc("en",
			`<script type="application/ld+json">{"@type":"NewsArticle","headline":"T","author":[{"@type":"Person","name":"Priya Kaur"}]}</script>`,
			`<h1>T</h1>`+byline, englishBody)
		a := metaOf(t, doc, options{})
		if got := strings.Join(a.Authors, "|"); got != "Priya Kaur" {
			t.Errorf("authors %q, want Priya Kaur, from %s", got, byline)
		}
	}
}

// TestCreditTextParts: the texts of adjacent elements of a byline are separate
// credit parts (the candidate's lines), so a job title is not glued to the name.
func TestCreditTextParts(t *testing.T) {
	p := pageOf(cleanedDoc("en", "", `<div class="byline"><span>Jane Roe</span><span>Staff Writer</span>, <a href="/x">Metro</a> <b>Desk</b></div>`, englishBody))
	if len(p.elems) != 1 {
		t.Fatalf("candidates %+v", p.cands)
	}
	if got, want := p.elem(0).Text, "Jane Roe\nStaff Writer, Metro Desk"; got != want {
		t.Errorf("byline text %q, want %q", got, want)
	}
	if got := p.parseCreditElem(p.elems[0], nil, nil); strings.Join(got.persons, "|") != "Jane Roe" {
		t.Errorf("credit %+v, want Jane Roe", got)
	}
}

func TestDeclaredAuthorShownInSignOff(t *testing.T) {
	doc := cleanedDoc("vi", `<meta name="author" content="Minh Anh">`,
		`<h1>T</h1><div data-newsjet="after-content"><p>Minh Anh</p></div>`, englishBody)
	if a := metaOf(t, doc, options{}); strings.Join(a.Authors, "|") != "Minh Anh" {
		t.Errorf("authors %q, want Minh Anh (declared and signed off)", a.Authors)
	}
	doc = cleanedDoc("vi", `<meta name="author" content="Minh Anh">`, `<h1>T</h1>`, englishBody)
	if a := metaOf(t, doc, options{}); len(a.Authors) != 0 {
		t.Errorf("authors %q, want none (declared, shown nowhere)", a.Authors)
	}
}

// TestLanguageVocabulary: a page's byline is read with its language's words, the
// English ones and no other language's; only full month names are read in every
// language.
func TestLanguageVocabulary(t *testing.T) {
	body := `<p>Pemerintah provinsi mengumumkan rencana baru untuk transportasi umum di ibu kota pada hari Senin, yang akan ` +
		`mulai berlaku tahun depan dan mencakup jalur bus tambahan serta perluasan jaringan kereta ringan.</p>`
	doc := cleanedDoc("id", "", `<h1>Rencana transportasi baru</h1><div data-newsjet="after-h1"><p>Di Jakarta</p></div>`, body)
	if a := metaOf(t, doc, options{}); len(a.Authors) != 0 || a.Language != "id" {
		t.Errorf("Indonesian page: authors %q (language %s), want none: \"di\" is no Indonesian byline word", a.Authors, a.Language)
	}
	body = `<p>Die Stadt hat am Montag einen neuen Plan für den Nahverkehr vorgestellt, der im nächsten Jahr in Kraft ` +
		`treten soll und zusätzliche Buslinien sowie einen Ausbau des Straßenbahnnetzes vorsieht.</p>`
	doc = cleanedDoc("de", "", `<h1>Neuer Plan für den Nahverkehr</h1><div class="byline" data-newsjet-ctx="article">Von Braun</div>`, body)
	if a := metaOf(t, doc, options{}); strings.Join(a.Authors, "|") != "Von Braun" {
		t.Errorf("German page: authors %q, want the author named Von Braun", a.Authors)
	}
	if v := vocabFor("id"); v.weekdays["montag"] || !v.weekdays["senin"] || !v.weekdays["monday"] {
		t.Error("the Indonesian vocabulary is not Indonesian and English alone")
	}
	if _, ok := lexFor("en").parseTextDate("22 dic 2018", false); ok {
		t.Error("an Italian month abbreviation read on an English page")
	}
	if d, ok := lexFor("en").parseTextDate("22 de janeiro de 2018", false); !ok || d.month != time.January {
		t.Error("a Portuguese month written in full not read on an English page")
	}
	if vocabFor("xx") != fallbackVocab || len(fallbackVocab.bylinePrefixes) == 0 {
		t.Error("a language without a file is not read with the fallback set")
	}
}

func TestDropLabelled(t *testing.T) {
	got := dropLabelled([]string{"Artikel von Alexa von Heyden", "Alexa von Heyden", "Jane Roe", "Jane"})
	if strings.Join(got, "|") != "Alexa von Heyden|Jane Roe|Jane" {
		t.Errorf("dropLabelled = %q", got)
	}
}

func TestAuthorsOfOnePersonSites(t *testing.T) {
	// Yoast's graph types the site's owner Person and Organization and names it the
	// publisher: the owner is the author, not an outlet.
	head := `<script type="application/ld+json">{"@graph":[` +
		`{"@type":["Person","Organization"],"@id":"https://harbour.example/#owner","name":"Christa Holm"},` +
		`{"@type":"Article","headline":"Harbour cranes idle","author":{"@id":"https://harbour.example/#owner"},"publisher":{"@id":"https://harbour.example/#owner"}}]}</script>`
	a := articleOf(t, rawPage("de", head, `<div class="author-box"><span>Christa Holm</span> <span>Chefredakteurin</span></div>`, ""),
		"https://harbour.example/kraene")
	if strings.Join(a.Authors, "|") != "Christa Holm" || a.Organization != "" {
		t.Errorf("authors %q organization %q, want Christa Holm", a.Authors, a.Organization)
	}
}

func TestTailSignOff(t *testing.T) {
	cases := []struct{ name, tail, want string }{
		{"a byline-prefixed sign-off", "<p>Von Cosima Künzel</p>", "Cosima Künzel"},
		{"a bare name", "<p>Stefan Wasmer</p>", "Stefan Wasmer"},
		{"one word and a date", "<p>Benni<br>10. September 2026</p>", "Benni"},
		{"an exclamation signs nothing", "<p>Danke Junior!</p>", ""},
		{"a label and a phone number sign nothing", "<p>Anfrage 02-751-1500</p>", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := articleOf(t, rawPage("de", "", "", c.tail), "https://harbour.example/kraene")
			if got := strings.Join(a.Authors, "|"); got != c.want {
				t.Errorf("authors %q, want %q", got, c.want)
			}
		})
	}
}

func TestLabelledCredits(t *testing.T) {
	cases := []struct{ name, lang, header, want string }{
		{"a label alone on its line, the name on the next", "de",
			`<div class="info"><h5>Datum:</h5> 03.02.2026</div><div class="info"><h5>Autor:</h5> Peter Maahn/SP-X</div>`, "Peter Maahn"},
		{"By alone on its line", "en", `<div class="meta"><div>By</div><div>Todd Bates</div></div>`, "Todd Bates"},
		{"the author's label among other labelled fields", "de",
			`<div class="article-author-date">Datum: 19.11.2026 Autor: Fritz Imhof Quelle: Hafenblatt</div>`, "Fritz Imhof"},
		{"a user name linked to its author page", "de",
			`<span class="byline"><a href="https://harbour.example/author/tlow/">tlow</a></span>`, "tlow"},
		{"a CMS account linked to its author page is no author", "de",
			`<span class="byline"><a href="https://harbour.example/author/admin/">admin</a></span>`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := articleOf(t, rawPage(c.lang, "", c.header, ""), "https://harbour.example/kraene")
			if got := strings.Join(a.Authors, "|"); got != c.want {
				t.Errorf("authors %q, want %q", got, c.want)
			}
		})
	}
}
