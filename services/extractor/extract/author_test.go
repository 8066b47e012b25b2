package extract

import (
	"strings"
	"testing"
)

func TestParseCreditText(t *testing.T) {
	site := tokenize("Sioux Falls Argus Leader")
	cases := []struct {
		in      string
		persons string // names joined by "|"
		org     string
	}{
		{"By Lois Lane", "Lois Lane", ""},
		{"By LISA MASCARO, MARY CLARE JALONICK and ERIC TUCKER Associated Press", "Lisa Mascaro|Mary Clare Jalonick|Eric Tucker", ""},
		{"By Steve Peoples, AP National Political Writer", "Steve Peoples", ""},
		{"Tom Davies Associated Press | Published 11:34 PM EST Nov 19, 2019", "Tom Davies", ""},
		{"Kevin Johnson and Kevin McCoy USA TODAY", "Kevin Johnson|Kevin McCoy", ""},
		{"By Jeff Foust Monday, November 18, 2019", "Jeff Foust", ""},
		{"Ilana Muhlstein, MS, RDN", "Ilana Muhlstein", ""},
		{"Von Moritz Bachmann publiziert am 25. September 2018", "Moritz Bachmann", ""},
		{"Jane Roe Jane Roe", "Jane Roe", ""},
		{"By Catherine", "Catherine", ""},
		{"Catherine", "", ""},
		{"By Reuters", "", "Reuters"},
		{"Practical Horseman Editorial Staff", "", "Practical Horseman Editorial Staff"},
		{"European Space Agency", "", "European Space Agency"},
		{"by jdadmin", "", ""},
		{"By Sioux Falls Argus Leader", "", "Sioux Falls Argus Leader"},
		{"The Russian and Syrian defense ministries", "", ""},
		{"Follow @janeroe on Twitter", "", ""},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got := parseCreditText(c.in, site, nil, false)
			if strings.Join(got.persons, "|") != c.persons || got.org != c.org {
				t.Errorf("got persons %q org %q, want %q / %q", got.persons, got.org, c.persons, c.org)
			}
		})
	}
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
	a := metaOf(t, doc, Options{})
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
	a := metaOf(t, doc, Options{})
	if len(a.Authors) != 0 {
		t.Errorf("Authors = %q, want none", a.Authors)
	}
}

func TestParseCreditTextDesk(t *testing.T) {
	got := parseCreditText("By JERUSALEM POST STAFF NOVEMBER 20, 2019 10:43", nil, nil, false)
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
		a := metaOf(t, cleanedDoc(c.lang, "", "<h1>T</h1>", c.body), Options{})
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
	if got := strings.Join(metaOf(t, doc, Options{}).Authors, "|"); got != "Jana Roe" {
		t.Errorf("Authors = %q, want the referenced Person", got)
	}
	// The same declaration on a page that credits nobody: a CMS account, no credit.
	doc = strings.Replace(doc, "<p>Jana Roe</p>", "", 1)
	if got := metaOf(t, doc, Options{}).Authors; len(got) != 0 {
		t.Errorf("Authors = %q, want none for a declared author the page never shows", got)
	}
}

func TestSiteNameFromJSONLDGraphReference(t *testing.T) {
	doc := cleanedDoc("en", `<script type="application/ld+json">{"@graph":[
{"@type":"NewsArticle","headline":"T","publisher":{"@id":"https://ex.example/#org"}},
{"@type":"Organization","@id":"https://ex.example/#org","name":"Example Times"}]}</script>`,
		`<h1>T</h1>`, englishBody)
	if got := metaOf(t, doc, Options{}).SiteName; got != "Example Times" {
		t.Errorf("SiteName = %q, want the referenced publisher", got)
	}
}

func TestParseCreditTextMonthNames(t *testing.T) {
	cases := map[string]string{
		"Gideon Marlowe Mar 20, 2026": "Gideon Marlowe",
		"By Ana May":                  "Ana May",
		"By Ana May, May 3, 2024":     "Ana May",
		"記者：佐藤美咲":                     "佐藤美咲",
	}
	for in, want := range cases {
		if got := strings.Join(parseCreditText(in, nil, nil, false).persons, "|"); got != want {
			t.Errorf("parseCreditText(%q) = %q, want %q", in, got, want)
		}
	}
}
