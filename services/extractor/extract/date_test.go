package extract

import (
	"testing"
	"time"
)

func TestParseTextDate(t *testing.T) {
	cases := []struct {
		in       string
		dayFirst bool
		want     string // RFC 3339 with the zone read, or a date when no clock is shown
		ok       bool
	}{
		{"Nov. 19, 2019 8:03 am ET", false, "2019-11-19T08:03:00-05:00", true},
		{"Published 4:00 am CST, Wednesday, November 20, 2019", false, "2019-11-20T04:00:00-06:00", true},
		{"June 3, 2019 at 5:30 p.m. EDT", false, "2019-06-03T17:30:00-04:00", true},
		{"19 November 2019 12:30 GMT", false, "2019-11-19T12:30:00Z", true},
		{"22 de janeiro de 2018 às 0:13", false, "2018-01-22T00:13:00Z", true},
		{"publiziert am 25. September 2018", false, "2018-09-25", true},
		{"24 сентября 2018", false, "2018-09-24", true},
		{"기사입력 :[ 2018-08-25 15:24 ]", false, "2018-08-25T15:24:00Z", true},
		{"2019年11月20日", false, "2019-11-20", true},
		{"05/10/2018 - Publicado", true, "2018-10-05", true},
		{"05/10/2018", false, "2018-05-10", true},
		{"On 11/13/19 at 4:00 PM EST", false, "2019-11-13T16:00:00-05:00", true},
		{"13.11.2019, 23:06", false, "2019-11-13T23:06:00Z", true},
		{"Von Deutscher Tennis Bund 4. 2. 2022.", false, "2022-02-04", true},
		{"Wednesday 20 May 2026 11:42, UK", false, "2026-05-20T11:42:00+01:00", true},
		{"Wednesday 18 November 2026 11:42, UK", false, "2026-11-18T11:42:00Z", true},
		{"November 20, 2026 - 11:28 AMT", false, "2026-11-20T11:28:00+04:00", true},
		{"Monday 5:30PM", false, "", false},
		{"no date here", false, "", false},
		{"February 30, 1850", false, "", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			// The month names of the page's language and English are read.
			lang := map[string]string{"22 de janeiro de 2018 às 0:13": "pt", "24 сентября 2018": "ru"}[c.in]
			d, ok := lexFor(lang).parseTextDate(c.in, c.dayFirst)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v (%+v)", ok, c.ok, d)
			}
			if !ok {
				return
			}
			var got string
			if d.hasClock {
				loc := d.zone
				if loc == nil {
					loc = time.UTC
				}
				got = time.Date(d.year, d.month, d.day, d.hour, d.min, d.sec, 0, loc).Format(time.RFC3339)
			} else {
				got = time.Date(d.year, d.month, d.day, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			}
			if got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestParseStamp(t *testing.T) {
	cases := []struct {
		in              string
		want            string
		hasClock, hasTZ bool
		ok              bool
	}{
		{"2024-05-01T09:30:00+02:00", "2024-05-01T09:30:00+02:00", true, true, true},
		{"2024-05-01T09:30:00.123Z", "2024-05-01T09:30:00.123Z", true, true, true},
		{"2024-05-01T09:30:00+0200", "2024-05-01T09:30:00+02:00", true, true, true},
		{"2024-05-01T09:30:00", "2024-05-01T09:30:00Z", true, false, true},
		{"2019-11-20 12:32:13+08:00", "2019-11-20T12:32:13+08:00", true, true, true},
		{"2024-05-01", "2024-05-01T00:00:00Z", false, false, true},
		{"November 19, 2019, 07:47 PM EST", "2019-11-19T19:47:00-05:00", true, true, true},
		{"1574097593", "2019-11-18T17:19:53Z", true, true, true},
		{"Tue, 19 Nov 2019 07:09:00 GMT", "2019-11-19T07:09:00Z", true, true, true},
		{"soon", "", false, false, false},
		{"", "", false, false, false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			s, ok := lexFor("").parseStamp(c.in)
			if ok != c.ok {
				t.Fatalf("ok = %v, want %v", ok, c.ok)
			}
			if !ok {
				return
			}
			if !s.t.Equal(mustTime(t, c.want)) || s.hasClock != c.hasClock || s.hasZone != c.hasTZ {
				t.Errorf("got %s clock=%v zone=%v, want %s clock=%v zone=%v",
					s.t.Format(time.RFC3339), s.hasClock, s.hasZone, c.want, c.hasClock, c.hasTZ)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAgrees(t *testing.T) {
	decl := func(s string) stamp {
		st, ok := lexFor("").parseStamp(s)
		if !ok {
			t.Fatalf("bad stamp %q", s)
		}
		return st
	}
	shown := func(s string) textDate {
		d, ok := lexFor("").parseTextDate(s, false)
		if !ok {
			t.Fatalf("bad date %q", s)
		}
		return d
	}
	cases := []struct {
		name  string
		m     stamp
		vis   textDate
		agree bool
	}{
		{"same day in own offset", decl("2019-11-19T13:03:00+00:00"), shown("November 19, 2019"), true},
		{"local evening shown, UTC next day declared", decl("2019-11-20T01:50:59Z"), shown("Nov. 19, 2019 5:50 PM"), true},
		{"minute differs by more than five", decl("2019-11-20T01:50:59Z"), shown("Nov. 19, 2019 5:30 PM"), false},
		{"shown zone pins the day", decl("2019-11-20T06:00:00Z"), shown("Nov. 19, 2019 11:00 PM EST"), false},
		{"other day", decl("2019-11-25T08:00:00Z"), shown("November 19, 2019"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := agrees(c.m, c.vis, nil); got != c.agree {
				t.Errorf("agrees = %v, want %v", got, c.agree)
			}
		})
	}
}

func TestUSDST(t *testing.T) {
	for _, c := range []struct {
		y    int
		m    time.Month
		d    int
		want bool
	}{{2019, time.November, 19, false}, {2019, time.June, 3, true}, {2024, time.March, 10, true}, {2024, time.March, 9, false}} {
		if got := usDST(c.y, c.m, c.d); got != c.want {
			t.Errorf("usDST(%d-%d-%d) = %v, want %v", c.y, c.m, c.d, got, c.want)
		}
	}
}

func TestDatesChoice(t *testing.T) {
	cases := []struct {
		name, head, meta, want string
	}{
		{"nearest declared time to the shown clock",
			`<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2019-11-20T08:02:00Z","dateModified":"2019-11-20T08:00:00Z"}</script>`,
			`<h1>T</h1><time datetime="2019-11-20T08:00:58Z" data-newsjet-ctx="article">20 Nov 2019 08:00 GMT</time>`,
			"2019-11-20T08:00:58Z"},
		{"swapped declared pair: the shown time wins",
			`<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"19 Nov 2019 07:09 GMT","dateModified":"19 Nov 2019 05:44 GMT"}</script>`,
			`<h1>T</h1><div data-newsjet="after-h1"><p>19 Nov 2019 05:44 GMT</p></div>`,
			"2019-11-19T05:44:00Z"},
		{"page shows its update time only",
			`<meta itemprop="datePublished" content="2019-11-20T01:22:37-05:00"><meta itemprop="dateModified" content="2019-11-20T06:38:00-05:00">`,
			`<h1>T</h1><div data-newsjet="after-h1"><p>11/20/19 6:38 AM</p></div>`,
			"2019-11-20T01:22:37-05:00"},
		{"only a modification time declared, on the shown day",
			``,
			`<h1>T</h1><div class="modified-date" data-newsjet-ctx="article"><time datetime="2018-08-13T08:04:08+00:00">August 13, 2018</time></div>`,
			"2018-08-13T08:04:08Z"},
		{"today's date above the headline does not outweigh the declared date",
			`<meta property="article:published_time" content="2019-11-18T17:30:00-05:00">`,
			`<span class="header-date" data-newsjet-ctx="header">Nov. 20, 2019</span><h1>T</h1>`,
			"2019-11-18T17:30:00-05:00"},
		{"a dateline above the headline with an Updated stamp beside it outweighs a revision time",
			`<meta property="og:article:published_time" content="2026-05-18T21:57:01+0000">`,
			`<div class="article-date" data-newsjet-ctx="article">May 18, 2026 / 12:21 AM / Updated 14 hours ago</div><h1>T</h1>`,
			"2026-05-18T00:21:00Z"},
		{"a creation time ranks after the publication time",
			``,
			`<meta itemprop="dateCreated" content="2026-05-19T20:52:55+03:00" data-newsjet-ctx="article"><meta itemprop="datePublished" content="2026-05-18T16:45:00+03:00" data-newsjet-ctx="article"><h1>T</h1>`,
			"2026-05-18T16:45:00+03:00"},
		{"a UTC clock labelled with the local offset gives way to the true local time",
			`<meta property="article:published_time" content="2026-05-18T16:25:36-05:00">`,
			`<h1>T</h1><time class="entry-date published" datetime="2026-05-18T11:25:36-05:00" data-newsjet-ctx="article">May 18, 2026</time>`,
			"2026-05-18T11:25:36-05:00"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := metaOf(t, cleanedDoc("en", c.head, c.meta, englishBody), options{})
			if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != c.want {
				t.Errorf("PublishedAt = %v, want %s", a.PublishedAt, c.want)
			}
		})
	}
}

func TestDatesWithoutAnyZone(t *testing.T) {
	cases := []struct {
		name, head, meta, want, prec string
	}{
		{"shown clock, no zone anywhere: the day only",
			``, `<h1>Harbor opens</h1><p class="dateline" data-newsjet-ctx="article">Updated 12 May 2026, 17:40</p><time datetime="2026-05-12T09:15:00" data-newsjet-ctx="article">12 May 2026, 09:15</time>`,
			"2026-05-12T12:00:00Z", "day"},
		{"declared date without clock: noon, not midnight",
			`<meta property="article:published_time" content="2026-05-18">`, `<h1>Harbor opens</h1>`,
			"2026-05-18T12:00:00Z", "day"},
		{"zone named next to the shown clock",
			``, `<h1>Harbor opens</h1><time datetime="2019-11-18 19:14:00" data-newsjet-ctx="article">November 18, 2019 -- 19:14 GMT</time>`,
			"2019-11-18T19:14:00Z", ""},
		{"zone shown beside a clock that a zoneless declared time confirms places the other declared times",
			`<script type="application/ld+json">{"@type":"NewsArticle","datePublished":"2026-05-20T06:37:00","dateModified":"2026-05-20T11:42:00"}</script>`,
			`<h1>Harbor opens</h1><p class="article-date" data-newsjet-ctx="article">Wednesday 20 May 2026 11:42, UK</p>`,
			"2026-05-20T06:37:00+01:00", ""},
		{"declared naive UTC time, shown local clock: the page's offset",
			`<meta property="article:published_time" content="2019-11-20 06:09:25">`,
			`<h1>Harbor opens</h1><time datetime="2019-11-20 06:09:25" data-newsjet-ctx="article">Nov. 20, 2019 1:09 a.m.</time>`,
			"2019-11-20T01:09:25-05:00", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := metaOf(t, cleanedDoc("en", c.head, c.meta, englishBody), options{URL: "https://example.com/a"})
			if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != c.want {
				t.Errorf("PublishedAt = %v, want %s", a.PublishedAt, c.want)
			}
			if a.PublishedPrecision != c.prec {
				t.Errorf("PublishedPrecision = %q, want %q", a.PublishedPrecision, c.prec)
			}
		})
	}
}

func TestDatesFromAbbrTitle(t *testing.T) {
	// Blogger: a date-only header and an hAtom/microdata <abbr> whose title holds
	// the time with its offset.
	doc := cleanedDoc("en", "", `<h2 class="date-header" data-newsjet-ctx="article"><span>Monday, May 18, 2026</span></h2><h1>Harbor opens</h1>`+
		`<abbr class="published" itemprop="datePublished" title="2026-05-18T21:14:00-05:00" data-newsjet-ctx="article">9:14 PM</abbr>`,
		englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2026-05-18T21:14:00-05:00" {
		t.Errorf("PublishedAt = %v, want the abbr title 2026-05-18T21:14:00-05:00", a.PublishedAt)
	}
	doc = cleanedDoc("en", "", `<h1>Harbor opens</h1><abbr class="published" title="2026-05-18T21:14:00-05:00" data-newsjet-ctx="article">9:14 PM</abbr>`, englishBody)
	if a := metaOf(t, doc, options{URL: "https://example.com/a"}); a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2026-05-18T21:14:00-05:00" {
		t.Errorf("hAtom only: PublishedAt = %v", a.PublishedAt)
	}
}

func TestDatesPrecision(t *testing.T) {
	// A modification shown as a date only, a publication with its full time.
	doc := cleanedDoc("en", `<meta property="article:published_time" content="2026-05-18T09:30:00+02:00">`+
		`<meta property="article:modified_time" content="2026-05-20">`, `<h1>Harbor opens</h1>`, englishBody)
	a := metaOf(t, doc, options{URL: "https://example.com/a"})
	if a.PublishedAt == nil || a.PublishedAt.Format(time.RFC3339) != "2026-05-18T09:30:00+02:00" || a.PublishedPrecision != "" {
		t.Errorf("published %v precision %q, want 2026-05-18T09:30:00+02:00 and a full time", a.PublishedAt, a.PublishedPrecision)
	}
	if a.ModifiedAt == nil || a.ModifiedAt.Format(time.DateOnly) != "2026-05-20" || a.ModifiedAt.Hour() != 12 || a.ModifiedPrecision != "day" {
		t.Errorf("modified %v precision %q, want noon of 2026-05-20 and day", a.ModifiedAt, a.ModifiedPrecision)
	}
	// No date at all: neither time nor precision.
	a = metaOf(t, cleanedDoc("en", "", `<h1>Harbor opens</h1>`, englishBody), options{URL: "https://example.com/a"})
	if a.PublishedAt != nil || a.PublishedPrecision != "" || a.ModifiedAt != nil || a.ModifiedPrecision != "" {
		t.Errorf("no date: published %v %q, modified %v %q", a.PublishedAt, a.PublishedPrecision, a.ModifiedAt, a.ModifiedPrecision)
	}
}

func TestLongestDigitRun(t *testing.T) {
	for s, want := range map[string]int{"": 0, "no digits": 0, "a1b2": 1, "11/13/19": 2, "4. 2. 2022": 4, "123456": 4, "x 999 y": 3} {
		if got := longestDigitRun(s); got != want {
			t.Errorf("longestDigitRun(%q) = %d, want %d", s, got, want)
		}
	}
}
