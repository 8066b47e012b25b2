package extract

import (
	"regexp"
	"strings"

	"golang.org/x/net/html"
)

// Sign-off credits of Korean and Chinese news, which often carry no byline element:
// "홍길동 기자", "칼럼니스트 홍길동", "记者 王小明". The name is two to four Hangul or
// two to three Han characters next to a reporter or columnist title.
var (
	reSignOffKo = regexp.MustCompile(`(?:^|[^\p{Hangul}])(\p{Hangul}{2,4}) ?(?:기자|특파원|칼럼니스트|논설위원|객원기자)(?:$|[^\p{Hangul}])|(?:기자|특파원|칼럼니스트|논설위원) (\p{Hangul}{2,4})(?:$|[^\p{Hangul}])`)
	reSignOffZh = regexp.MustCompile(`(?:记者|記者|撰文|文/|文／) ?(\p{Han}{2,3})(?:$|[^\p{Han}])`)
)

// signOffCredit returns the person a Korean or Chinese article signs off with (at
// the end of the content, else at its start), "" when there is none.
func (p *page) signOffCredit(lang string) string {
	var re *regexp.Regexp
	switch lang {
	case "ko":
		re = reSignOffKo
	case "zh":
		re = reSignOffZh
	default:
		return ""
	}
	if p.content == nil {
		return ""
	}
	text := contentText(p.content)
	tail := cutUTF8Tail(text, p.par.SignOffLen)
	for _, part := range [...]string{tail, cutUTF8(text, p.par.SignOffLen)} {
		if m := re.FindStringSubmatch(part); m != nil {
			for _, g := range m[1:] {
				if g != "" {
					return g
				}
			}
		}
	}
	return ""
}

// contentText returns the text of the content subtree, blocks on their own lines.
func contentText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node, int)
	walk = func(n *html.Node, depth int) {
		if depth > 256 {
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch c.Type {
			case html.TextNode:
				b.WriteString(c.Data)
			case html.ElementNode:
				walk(c, depth+1)
				if blockElem(c.DataAtom) {
					b.WriteByte('\n')
				}
			}
		}
	}
	walk(n, 0)
	return b.String()
}

// cutUTF8Tail returns the longest suffix of s of at most n bytes that starts on a
// UTF-8 sequence boundary.
func cutUTF8Tail(s string, n int) string {
	if n >= len(s) {
		return s
	}
	i := len(s) - n
	for i < len(s) && s[i]&0xC0 == 0x80 {
		i++
	}
	return s[i:]
}
