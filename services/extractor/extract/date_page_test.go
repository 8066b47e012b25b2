package extract

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner/clean"
)

// articleOf cleans a raw page written for a test and extracts its article.
func articleOf(t *testing.T, raw, url string) *schema.Article {
	t.Helper()
	cp, err := clean.Clean([]byte(raw), clean.Options{URL: url})
	if err != nil {
		t.Fatalf("clean: %v", err)
	}
	cp.URL = url
	a, err := Extract(cp, nil)
	if err != nil {
		t.Fatalf("extract: %v", err)
	}
	return a
}

// rawPage is a page with head markup, a header after the headline and a body of
// prose in lang (English or German).
func rawPage(lang, head, header, body string) string {
	return `<!DOCTYPE html><html lang="` + lang + `"><head><meta charset="utf-8"><title>Harbour cranes idle</title>` + head +
		`</head><body><nav><a href="/">Home</a></nav><article><h1>Harbour cranes idle</h1>` + header + prose(lang) +
		body + `</article></body></html>`
}

// prose returns two paragraphs of article text in English or German (lang "de").
func prose(lang string) string {
	if lang == "de" {
		return `<p>Die Kräne im Hafen standen am Dienstag still, weil die Arbeiter des Hafens wegen eines Streits über
Lohn und Arbeitszeit, der seit Monaten andauert, die Arbeit niederlegten und die Schiffe in der Bucht warten mussten.</p>
<p>Die Gewerkschaft sagte, der Streik werde dauern, bis die Hafenbehörde ein Angebot mache, das mit den steigenden
Kosten mithalte, während die Behörde erklärte, sie habe schon mehr geboten als die anderen Häfen der Region.</p>`
	}
	return `<p>The cranes at the harbour stood still on Tuesday as the workers of the port walked out over a dispute
about pay and hours that has gone on for months, and the ships waiting in the bay had nowhere to unload.</p>
<p>Union leaders said the strike would last until the port authority made an offer that matched the rise in
the cost of living, while the authority said it had already offered more than the other ports in the region.</p>`
}

// publishedDay returns the day of a's publication as written (its own offset), ""
// for none.
func publishedDay(a *schema.Article) string {
	if a.PublishedAt == nil {
		return ""
	}
	return a.PublishedAt.Format(time.DateOnly)
}

func TestDeclaredDatesOutrankShownDates(t *testing.T) {
	cases := []struct {
		name, lang, head, header, want string
	}{
		{"a declared publication outranks another date shown in the header", "en",
			`<meta property="article:published_time" content="2026-03-04T09:30:00+01:00">`,
			`<div class="event-date">March 20, 2026</div>`, "2026-03-04"},
		{"JSON-LD datePublished outranks a shown date", "de",
			`<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2026-03-04T09:30:00+01:00"}</script>`,
			`<p class="meta-date">12.02.2026</p>`, "2026-03-04"},
		{"a shown date beats times declared under generic keys only", "de",
			`<meta name="date" content="2026-03-05T15:00:00+01:00"><meta name="dcterms.date" content="2026-03-05">`,
			`<p class="date">04.03.2026</p>`, "2026-03-04"},
		{"a shown date beside an Updated stamp beats a declared revision time", "en",
			`<meta property="article:published_time" content="2026-03-05T10:00:00+00:00">`,
			`<div class="article-date">March 4, 2026 / 9:15 PM / Updated 13 hours ago</div>`, "2026-03-04"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := articleOf(t, rawPage(c.lang, c.head, c.header, ""), "https://harbour.example/news/cranes")
			if got := publishedDay(a); got != c.want {
				t.Errorf("published day %q, want %q (%v)", got, c.want, a.PublishedAt)
			}
		})
	}
}

func TestPublishedDayIsThePagesLocalDay(t *testing.T) {
	cases := []struct {
		name, lang, head, header, url, want string
	}{
		{"a zoneless local clock of the UTC instant gives the offset", "en",
			`<meta property="article:published_time" content="2026-03-05T04:30:59+00:00">`,
			`<div class="byline">By Ann Poe <time datetime="2026-03-04 22:30:59">March 4, 2026 at 10:30 p.m.</time></div>`,
			"https://harbour.example/news/cranes", "2026-03-04T22:30:59-06:00"},
		{"a non-zero offset declared on another time is the local zone", "en",
			`<meta property="article:published_time" content="2026-03-05T06:35:29+00:00">`,
			`<p class="meta"><time datetime="2026-03-04T22:35:29-08:00">Mar 4, 2026</time></p>`,
			"https://harbour.example/news/cranes", "2026-03-04T22:35:29-08:00"},
		{"the shown day places a UTC instant declared just before midnight", "de",
			`<meta property="article:published_time" content="2026-03-04T23:00Z">`,
			`<span class="meta-date">5. März 2026</span>`,
			"https://harbour.example/news/cranes", "2026-03-05T00:00:00+01:00"},
		{"the URL's date places a UTC instant", "en",
			`<meta property="article:published_time" content="2026-03-04T23:11:59+00:00">`, ``,
			"https://harbour.example/2026/03/05/cranes/", "2026-03-05T00:11:59+01:00"},
		{"a German page's UTC instant is given in Central European Time", "de",
			`<meta property="article:published_time" content="2026-11-06T23:00:00Z">`, ``,
			"https://harbour.example/news/cranes", "2026-11-07T00:00:00+01:00"},
		{"... and in its summer time", "de",
			`<meta property="article:published_time" content="2026-07-06T22:30:00Z">`, ``,
			"https://harbour.example/news/cranes", "2026-07-07T00:30:00+02:00"},
		{"a UTC instant on the shown day stays in UTC", "en",
			`<meta property="article:published_time" content="2026-03-04T12:00:00Z">`,
			`<span class="meta-date">March 4, 2026</span>`,
			"https://harbour.example/news/cranes", "2026-03-04T12:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := articleOf(t, rawPage(c.lang, c.head, c.header, ""), c.url)
			if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != c.want {
				t.Errorf("published %v, want %s", a.PublishedAt, c.want)
			}
		})
	}
}

func TestURLDateAsEvidence(t *testing.T) {
	// No date on the page: the URL's, as a day.
	a := articleOf(t, rawPage("en", "", "", ""), "https://harbour.example/2026/3/5/cranes-idle/")
	if publishedDay(a) != "2026-03-05" || a.PublishedPrecision != "day" {
		t.Errorf("published %v (%q), want the URL's day 2026-03-05", a.PublishedAt, a.PublishedPrecision)
	}
	// A published time that looks like the UTC clock of the modification (labelled
	// with its offset) stays when it is on the URL's date.
	head := `<meta property="article:published_time" content="2026-03-04T23:39:42+08:00">` +
		`<meta property="article:modified_time" content="2026-03-05T07:39:42+08:00">`
	a = articleOf(t, rawPage("en", head, "", ""), "https://harbour.example/news/2026/03/04/cranes-idle/1854874")
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2026-03-04T23:39:42+08:00" {
		t.Errorf("published %v, want the declared 2026-03-04T23:39:42+08:00", a.PublishedAt)
	}
	for u, want := range map[string]string{"https://harbour.example/meldungen/29-10-2026": "2026-10-29",
		"https://harbour.example/aktuelles/08112026-fachtag-am-hafen": "2026-11-08", "https://harbour.example/detail/~02-01-2026-land-zahlt": "2026-01-02",
		"https://harbour.example/news/10-29-2026/": "2026-10-29"} {
		if d, ok := urlDay(u); !ok || fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day) != want {
			t.Errorf("urlDay(%q) = %+v, %v, want %s", u, d, ok, want)
		}
	}
	for _, u := range []string{"https://harbour.example/news/2026/13/04/x", "https://harbour.example/2026/02/30/x", "https://harbour.example/id/20260304/x",
		"https://harbour.example/id/120260622120908039/x"} {
		if d, ok := urlDay(u); ok {
			t.Errorf("urlDay(%q) = %v, want none", u, d)
		}
	}
}

func TestDatesInGluedElementsAreTwo(t *testing.T) {
	// Two dates in elements meeting without white space: the first is the
	// publication, not a misread "15/01/202614/01/2026".
	header := `<span class="posted-on"><span class="entry-date">15/01/2026</span><span class="last-updated">14/01/2026</span></span>`
	a := articleOf(t, rawPage("de", "", header, ""), "https://harbour.example/news/cranes")
	if got := publishedDay(a); got != "2026-01-15" {
		t.Errorf("published %q, want 2026-01-15", got)
	}
}

func TestDatelineBelowTheStandfirst(t *testing.T) {
	standfirst := `<p class="lead">Taxing capital inflows is a better way to balance trade than imposing tariffs: it would address
the causes of the imbalances, improve the investment process and shift the costs of the adjustment onto the banks.</p>`
	cases := []struct{ name, header, want string }{
		{"a bare date line below the standfirst", standfirst + `<div>August 6, 2026</div>`, "2026-08-06"},
		{"a labelled date line below the standfirst", standfirst + `<div><span>Date:</span> 06.08.2026</div>`, "2026-08-06"},
		{"a date inside a sentence below the standfirst is no dateline", standfirst +
			`<p>The talks open on August 6, 2026 in the capital, officials said.</p>`, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := articleOf(t, rawPage("en", "", c.header, ""), "https://harbour.example/news/cranes")
			if got := publishedDay(a); got != c.want {
				t.Errorf("published %q, want %q", got, c.want)
			}
		})
	}
}

func TestRepeatedHeadlineWithSoftHyphens(t *testing.T) {
	// The headline shown twice, the second time with soft hyphens and the dateline
	// after it: both are the headline.
	raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Messengerdienste sind kein rechtsfreier Raum</title></head><body>
<div class="stage"><h1>Messengerdienste sind kein rechtsfreier Raum</h1></div>
<article><h1>Mes&shy;sen&shy;ger&shy;diens&shy;te sind kein rechts&shy;frei&shy;er Raum</h1><ul><li><span>Datum:</span>26. Januar 2026</li></ul>` +
		prose("de") + `</article></body></html>`
	a := articleOf(t, raw, "https://harbour.example/presse/messenger")
	if got := publishedDay(a); got != "2026-01-26" {
		t.Errorf("published %q, want 2026-01-26", got)
	}
	if a.Title != "Messengerdienste sind kein rechtsfreier Raum" {
		t.Errorf("title %q", a.Title)
	}
}

func TestDateShownAwayFromTheHeadline(t *testing.T) {
	// No declared date and no dateline near the headline: a short line of the
	// article that shows a date is the page's date; one in the comments is not.
	body := `<div class="submitted">Gespeichert von rasos am 24. Juli 2026 - 18:55</div>`
	a := articleOf(t, rawPage("de", "", "", body), "https://harbour.example/kraene")
	if got := publishedDay(a); got != "2026-07-24" {
		t.Errorf("published %q, want 2026-07-24", got)
	}
	comments := `</article><div class="comments"><p>Gast am 25. Juli 2026</p></div><article>`
	a = articleOf(t, rawPage("de", "", "", comments), "https://harbour.example/kraene")
	if a.PublishedAt != nil {
		t.Errorf("published %v from a comment, want none", a.PublishedAt)
	}
}

func TestPageDatedByItsUpdateOnly(t *testing.T) {
	// The page gives no date but its last update: that is its date, published and
	// modified.
	a := articleOf(t, rawPage("de", "", "", `<p class="info">Aktualisiert: 30.12.2026</p>`), "https://harbour.example/kraene")
	if publishedDay(a) != "2026-12-30" || a.ModifiedAt == nil || a.ModifiedAt.Format(time.DateOnly) != "2026-12-30" {
		t.Errorf("published %v modified %v, want 2026-12-30 for both", a.PublishedAt, a.ModifiedAt)
	}
	// A publication date beside it stays the publication.
	a = articleOf(t, rawPage("de", "", `<p class="date">Veröffentlicht 03.03.2026</p>`, `<p class="info">Aktualisiert: 30.12.2026</p>`),
		"https://harbour.example/kraene")
	if publishedDay(a) != "2026-03-03" {
		t.Errorf("published %v, want 2026-03-03", a.PublishedAt)
	}
}

func TestDayFirstByLocale(t *testing.T) {
	for _, c := range []struct{ lang, want string }{{"en-GB", "2026-10-02"}, {"en-US", "2026-02-10"}, {"en", "2026-02-10"}, {"de", "2026-10-02"}} {
		a := articleOf(t, rawPage(c.lang, "", `<div class="meta">The Harbour Post 02/10/2026 Ann Poe</div>`, ""), "https://harbour.example/news/cranes")
		if got := publishedDay(a); got != c.want {
			t.Errorf("%s: published %q, want %q", c.lang, got, c.want)
		}
	}
}

func TestEmbeddedPostDatesAreNotTheArticles(t *testing.T) {
	head := `<meta property="article:published_time" content="2026-06-19T18:00:00+02:00">`
	embed := `<blockquote class="instagram-media"><p><a href="https://www.instagram.com/p/x/">A post shared by Kira</a> on ` +
		`<time datetime="2026-04-21T11:40:22+00:00">Apr 21, 2026 at 4:40am PDT</time></p></blockquote>`
	a := articleOf(t, rawPage("en", head, "", embed), "https://harbour.example/news/cranes")
	if got := publishedDay(a); got != "2026-06-19" {
		t.Errorf("published %v, want the declared 2026-06-19", a.PublishedAt)
	}
}

func TestDateAboveTheHeadlineBeforeATeasersDate(t *testing.T) {
	// The category and date line right above the headline dates the article; a
	// date element far below it, past the header, is a teaser's.
	var teasers strings.Builder
	for i := range 30 {
		fmt.Fprintf(&teasers, "<p>Paragraph %d of the story, long enough to be prose and not a line of a header at all.</p>", i)
	}
	teasers.WriteString(`<div class="teaser"><div class="date">Freizeit, 20.11.26</div><a href="/b">Another story</a></div>`)
	raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Konzerte im November</title></head><body><article>` +
		`<div class="date">Kultur, 2.11.26</div><h1>Konzerte im November</h1>` + prose("de") + teasers.String() + `</article></body></html>`
	if got := publishedDay(articleOf(t, raw, "")); got != "2026-11-02" {
		t.Errorf("published %q, want 2026-11-02", got)
	}
}

func TestDateAboveTheHeadlineBeatsGenericKeys(t *testing.T) {
	raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Faire Lieferketten</title><meta name="date" content="2026-02-12"></head>` +
		`<body><article><div class="news-single-timedata">05.02.2026 - Redaktion: Eberhard Fuhr</div><h1>Faire Lieferketten</h1>` + prose("de") +
		`</article></body></html>`
	if got := publishedDay(articleOf(t, raw, "")); got != "2026-02-05" {
		t.Errorf("published %q, want the shown 2026-02-05", got)
	}
}

func TestDateShownInTheHeadline(t *testing.T) {
	raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>MineralölINFO November</title></head><body><article>` +
		`<h1><span class="topline"><span class="date">27.01.2026</span></span>MineralölINFO November</h1>` + prose("de") + `</article></body></html>`
	if got := publishedDay(articleOf(t, raw, "")); got != "2026-01-27" {
		t.Errorf("published %q, want 2026-01-27", got)
	}
}

func TestShownDatesSplitAcrossElements(t *testing.T) {
	// A date and the next element's text meet without a space in the cleaned text:
	// "08/08/2026" before "durch ..." and "8." before a linked month are still dates.
	t.Run("a date before a byline, on a page without h1", func(t *testing.T) {
		raw := `<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>Schwarz</title></head><body>` +
			`<div class="post-meta"><a class="post-meta-time" href="/2026/08/08/">08/08/2026</a><a class="post-meta-author" ` +
			`href="/autor/">durch Stephan Markus</a></div>` + prose("de") +
			`<div class="widgets"><div class="widget-date">14/06/2027</div><a href="/b">Another story</a></div></body></html>`
		if got := publishedDay(articleOf(t, raw, "")); got != "2026-08-08" {
			t.Errorf("published %q, want 2026-08-08", got)
		}
	})
	t.Run("a day before its linked month", func(t *testing.T) {
		header := `<p class="postmetadata">8.<a href="/date/2026/12/">Dezember 2026</a> um 09:43</p>`
		if got := publishedDay(articleOf(t, rawPage("de", "", header, ""), "")); got != "2026-12-08" {
			t.Errorf("published %q, want 2026-12-08", got)
		}
	})
}

func TestMonthNamedInAnotherLanguage(t *testing.T) {
	// A German page quoting an Italian dateline: the month's full name is read in
	// any language the extractor knows.
	header := `<p class="data_articolo">06 Dicembre 2026</p>`
	if got := publishedDay(articleOf(t, rawPage("de", "", header, ""), "")); got != "2026-12-06" {
		t.Errorf("published %q, want 2026-12-06", got)
	}
}

func TestDatelineOpeningTheLeadParagraph(t *testing.T) {
	// The cleaner kept the date and the first paragraph as one long line after the
	// headline: a date opening it is the dateline.
	header := `<div><small>Donnerstag, 15.2.2026, 19:51 &gt; Autor</small> Neulich packte mich das Verlangen, mein erstes ` +
		`selbstprogrammiertes Spiel mal wieder zu spielen, und weil es dafür keinen Emulator mehr gab, schrieb ich eben einen.</div>`
	if got := publishedDay(articleOf(t, rawPage("de", "", header, ""), "")); got != "2026-02-15" {
		t.Errorf("published %q, want 2026-02-15", got)
	}
	// Below a standfirst, a paragraph opening with a date and a dash.
	header = `<p class="teaser">Am vergangenen Freitag hat die Bundesregierung den Gesetzentwurf zur Strompreisbremse ` +
		`beschlossen, der weiterhin die Abschöpfung von Strommarkterlösen von Erneuerbare-Energien-Anlagen vorsieht.</p>` +
		`<p>29.11.2026 – Mehrfach und vehement hatte die Branche die Nachteile des vorgesehenen Gesetzes dargelegt und ` +
		`Vorschläge zu einer Änderung im Sinne einer notwendigen Energiewende gemacht, leider ohne jeden Erfolg.</p>`
	if got := publishedDay(articleOf(t, rawPage("de", "", header, ""), "")); got != "2026-11-29" {
		t.Errorf("below a standfirst: published %q, want 2026-11-29", got)
	}
	// A date in a later paragraph's sentence is no dateline.
	header = `<p class="teaser">Am vergangenen Freitag hat die Bundesregierung den Gesetzentwurf zur Strompreisbremse ` +
		`beschlossen, der weiterhin die Abschöpfung von Strommarkterlösen von Erneuerbare-Energien-Anlagen vorsieht.</p>` +
		`<p>Am 1. Dezember 2026 soll das Gesetz in Kraft treten, wenn der Bundesrat zustimmt, was nach den Beratungen ` +
		`der Länder in dieser Woche als sicher gilt, auch wenn einige Länder noch Änderungen verlangen.</p>`
	if got := publishedDay(articleOf(t, rawPage("de", "", header, ""), "")); got != "" {
		t.Errorf("a date in a sentence: published %q, want none", got)
	}
	for _, first := range []string{
		"Am 8. November 2026 findet der jährliche Tag der Erinnerung statt, an dem Vereine in vielen Städten zu Lesungen, " +
			"Gesprächen und einer Mahnwache einladen, die bis in den späten Abend dauert.",
		"Update vom 03. Mai 2026, 16:05 Uhr: Die Gewerkschaft hat die Verhandlungen abgebrochen und kündigt an, den Streik " +
			"bis zum Ende der Woche fortzusetzen, wenn die Hafenbehörde kein neues Angebot vorlegt.",
	} {
		if got := publishedDay(articleOf(t, rawPage("de", "", "<p>"+first+"</p>", ""), "")); got != "" {
			t.Errorf("%.30q...: published %q, want none", first, got)
		}
	}
}

func TestDatelineOnTheTitleLineBelowALogoHeadline(t *testing.T) {
	// The only h1 is the site's logo; the menu after it is longer than the lines a
	// dateline is looked for in, and the date is shown on the title's line.
	var menu strings.Builder
	for i := range 14 {
		fmt.Fprintf(&menu, `<div><a href="/r%d">Rubrique %d</a></div>`, i, i)
	}
	raw := `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Deux ans en Macronie - regards.example</title>` +
		`<meta property="og:title" content="Deux ans en Macronie"></head><body><h1>regards.example</h1>` + menu.String() +
		`<div><span>| 30 septembre 2026</span> <h2>Deux ans en Macronie</h2></div>` + prose("en") +
		`<div class="teaser">18 février 2027 Par Loïc Le Clerc Des tweets et des gauches</div></body></html>`
	if got := publishedDay(articleOf(t, raw, "")); got != "2026-09-30" {
		t.Errorf("published %q, want 2026-09-30", got)
	}
}
