package extractor

import (
	"fmt"
	"html"
	"strings"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/extractor/extract"
)

// encodeToFit encodes a so that its message fits maxPayload (headers included, see
// claimcheck.HeaderReserve); maxPayload <= 0 means no limit. An article that does not
// fit is made smaller, step by step, and marked Truncated: first body_markdown is
// dropped, then body_text is cut at a paragraph boundary, body_html is rebuilt from the
// kept paragraphs and the live posts are cut likewise; WordCount and
// ReadingTimeMinutes then count the kept body_text. ContentHash keeps describing the
// whole article (its identity across versions). An article that cannot be made to fit is a permanent
// error with reason too_large.
func encodeToFit(a *schema.Article, maxPayload int64) ([]byte, error) {
	data, err := schema.Encode(a)
	if err != nil || maxPayload <= 0 {
		return data, err
	}
	budget := maxPayload - claimcheck.HeaderReserve
	if int64(len(data)) > budget && a.BodyMarkdown != "" {
		a.BodyMarkdown, a.Truncated = "", true
		if data, err = schema.Encode(a); err != nil {
			return nil, err
		}
	}
	for attempt := 0; int64(len(data)) > budget && attempt < 8; attempt++ {
		body := len(a.BodyText) + len(a.BodyHTML) + livePostBytes(a.LivePosts)
		if body == 0 {
			break
		}
		over := int(int64(len(data))-budget) + 1024<<attempt
		share := 1 - float64(over)/float64(body)
		if share <= 0 {
			share = 0
		}
		a.BodyText = cutParagraphs(a.BodyText, int(share*float64(len(a.BodyText))))
		a.BodyHTML = paragraphsHTML(a.BodyText)
		a.LivePosts = cutLivePosts(a.LivePosts, int(share*float64(livePostBytes(a.LivePosts))))
		a.WordCount, a.ReadingTimeMinutes = extract.TextStats(a.BodyText)
		a.Truncated = true
		if data, err = schema.Encode(a); err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > budget {
		return nil, stage.Permanent(stage.ReasonTooLarge, fmt.Errorf("%w: article %s is %d bytes even cut short, max_payload %d",
			stage.ErrTooLarge, a.ID, len(data), maxPayload))
	}
	return data, nil
}

// cutParagraphs returns the leading paragraphs of text (separated by blank lines) that
// fit in n bytes.
func cutParagraphs(text string, n int) string {
	if n >= len(text) {
		return text
	}
	if n <= 0 {
		return ""
	}
	if i := strings.LastIndex(text[:n], "\n\n"); i > 0 {
		return text[:i]
	}
	return ""
}

// paragraphsHTML renders plain-text paragraphs as <p> elements.
func paragraphsHTML(text string) string {
	if text == "" {
		return ""
	}
	var b strings.Builder
	for _, p := range strings.Split(text, "\n\n") {
		b.WriteString("<p>")
		b.WriteString(html.EscapeString(p))
		b.WriteString("</p>")
	}
	return b.String()
}

func livePostBytes(posts []schema.LivePost) int {
	n := 0
	for _, p := range posts {
		n += len(p.Headline) + len(p.Text)
	}
	return n
}

// cutLivePosts keeps the leading posts whose text fits in n bytes.
func cutLivePosts(posts []schema.LivePost, n int) []schema.LivePost {
	used := 0
	for i, p := range posts {
		used += len(p.Headline) + len(p.Text)
		if used > n {
			return posts[:i]
		}
	}
	return posts
}
