package extractor_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/natstest"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/internal/stagetest"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
)

// page renders a small news page with navigation and footer chrome around the story.
func page(head, title string, paragraphs ...string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head>" + head + "<title>" + title + "</title></head><body>")
	b.WriteString(`<nav><a href="/">Home</a> | <a href="/world">World</a> | <a href="/sport">Sport</a></nav>`)
	b.WriteString("<article><h1>" + title + "</h1>")
	for _, p := range paragraphs {
		b.WriteString("<p>" + p + "</p>")
	}
	b.WriteString("</article><footer>(c) 2026 Example Media. All rights reserved.</footer></body></html>")
	return b.String()
}

var (
	ruTitle = "Новый мост через реку открыт для движения"
	ruParas = []string{
		"В субботу утром в городе открыли новый мост через реку, строительство которого продолжалось три года.",
		"По словам мэра, мост сократит время в пути между районами почти вдвое и разгрузит центральные улицы.",
		"Первыми по мосту проехали автобусы городских маршрутов, а вечером на набережной прошёл праздничный концерт.",
	}
	jaTitle = "新しい駅が来月開業します"
	jaParas = []string{
		"市の中心部に建設されていた新しい駅が、来月一日に開業することが発表されました。",
		"新しい駅は一日あたり約三万人の利用を見込んでおり、周辺の道路の混雑が緩和されると期待されています。",
		"駅の周辺では商業施設の建設も進んでおり、地域の活性化につながると市の担当者は話しています。",
	}
	enTitle = "Harbour reopens after storm repairs"
	enParas = []string{
		"The city harbour reopened on Monday after six weeks of repairs to the storm-damaged sea wall.",
		"Fishing boats returned to their moorings in the morning, and the ferry service resumes on Friday.",
		"Engineers rebuilt the wall with larger stones and a crest a metre higher than before the storm.",
	}
)

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type env struct {
	t  *testing.T
	nc *nats.Conn
	js jetstream.JetStream
}

// start runs the extractor, and the cleaner in front of it when withCleaner.
func start(t *testing.T, withCleaner bool) *env {
	t.Helper()
	nc := natstest.Connect(t, natstest.Start(t))
	e := &env{t: t, nc: nc, js: stagetest.JetStream(t, nc)}
	if withCleaner {
		stagetest.Start(t, stagetest.Config(nc), cleaner.Service("c-test"))
	}
	stagetest.Start(t, stagetest.Config(nc), extractor.Service("x-test"))
	return e
}

func (e *env) publish(subject string, data []byte, header nats.Header) {
	e.t.Helper()
	if _, err := e.js.PublishMsg(context.Background(), &nats.Msg{Subject: subject, Data: data, Header: header}); err != nil {
		e.t.Fatalf("publish: %v", err)
	}
}

// articles waits for n articles and returns them by canonical URL (or id when there is
// none), checking the headers and subject of each.
func (e *env) articles(n int) map[string]*schema.Article {
	e.t.Helper()
	out := map[string]*schema.Article{}
	for _, m := range stagetest.WaitMsgs(e.t, e.js, schema.ExtractedStream.Name, n) {
		a, err := schema.DecodeArticle(m.Data)
		if err != nil {
			e.t.Fatal(err)
		}
		if !fromDelivery(m.Header.Get(schema.HeaderMsgID), schema.ArticleMsgID(a), schema.CleanedStream.Name) || m.Header.Get(schema.HeaderSchema) != schema.ArticleV1 {
			e.t.Errorf("%s: headers %v", a.ID, m.Header)
		}
		key := a.CanonicalURL
		if key == "" {
			key = a.ID
		} else if m.Subject != schema.ExtractedSubject(key) {
			e.t.Errorf("%s: subject %s", key, m.Subject)
		}
		out[key] = a
	}
	return out
}

func TestRawToArticle(t *testing.T) {
	e := start(t, true)
	ctx := context.Background()
	type story struct {
		url, contentType string
		body             []byte
		title            string
		paras            []string
	}
	stories := []story{
		{"https://example.ru/news/most", "text/html",
			encode(t, charmap.Windows1251, page(`<meta charset="windows-1251">`, ruTitle, ruParas...)), ruTitle, ruParas},
		{"https://example.ru/news/most-2", "text/html; charset=windows-1251",
			encode(t, charmap.Windows1251, page("", ruTitle, ruParas...)), ruTitle, ruParas},
		{"https://example.jp/news/eki", "text/html; charset=Shift_JIS",
			encode(t, japanese.ShiftJIS, page("", jaTitle, jaParas...)), jaTitle, jaParas},
		{"https://example.jp/news/eki-2", "",
			encode(t, japanese.ShiftJIS, page(`<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">`, jaTitle, jaParas...)), jaTitle, jaParas},
	}
	for _, s := range stories {
		h := nats.Header{schema.HeaderURL: {s.url}}
		if s.contentType != "" {
			h.Set(schema.HeaderContentType, s.contentType)
		}
		e.publish(schema.RawSubject(s.url), s.body, h)
	}
	// A RawPage JSON message from a fetcher, with a canonical link and a request id.
	en := page(`<meta charset="utf-8"><link rel="canonical" href="https://example.com/harbour">`, enTitle, enParas...)
	raw := &schema.RawPage{
		URL: "https://example.com/harbour?utm_source=feed", StatusCode: 200, ContentType: "text/html",
		FetchedAt: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC), RequestID: "req-7",
	}
	data, err := claimcheck.EncodeRawPage(ctx, e.js, raw, []byte(en), e.nc.MaxPayload())
	if err != nil {
		t.Fatal(err)
	}
	e.publish(schema.RawSubject(raw.URL), data, nats.Header{schema.HeaderSchema: {schema.RawPageV1}})
	stories = append(stories, story{"https://example.com/harbour", "", []byte(en), enTitle, enParas})

	// Bad raw input ends in the cleaner's dead letters.
	bad := map[string]string{
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\xff\xfe\x00\x00\x10\x80\x00\x00\x00\x00\x00\x00": schema.ReasonUnprocessable,
		`{"schema": "newsjet.raw_page.v1", "url": `:                                                           schema.ReasonMalformed,
		`{"schema": "newsjet.raw_page.v2", "url": "https://example.com/x"}`:                                   schema.ReasonUnknownVersion,
	}
	for payload := range bad {
		e.publish("news.raw.example_com", []byte(payload), nil)
	}

	got := e.articles(len(stories))
	stagetest.WaitSettled(t, e.js, schema.ExtractorConsumer)
	for i, s := range stories {
		a := got[s.url]
		if a == nil {
			t.Errorf("%s: no article (have %d)", s.url, len(got))
			continue
		}
		if a.Title != s.title {
			t.Errorf("%s: title %q, want %q", s.url, a.Title, s.title)
		}
		if a.BodyText != strings.Join(s.paras, "\n\n") {
			t.Errorf("%s: body text\n%q\nwant the %d paragraphs", s.url, a.BodyText, len(s.paras))
		}
		rawID := schema.RawPageID(s.url, schema.ContentHash(s.body))
		if i == len(stories)-1 {
			rawID = raw.ID
			if a.Lineage.RequestID != "req-7" || !a.FetchedAt.Equal(raw.FetchedAt) || a.URL != raw.URL {
				t.Errorf("%s: request id %q fetched %v url %s", s.url, a.Lineage.RequestID, a.FetchedAt, a.URL)
			}
		}
		if a.Lineage.RawID != rawID || a.Lineage.CleanedID != schema.CleanedPageID(rawID, "c-test") || a.Lineage.CleanerVersion != "c-test" {
			t.Errorf("%s: lineage %+v, want raw %s", s.url, a.Lineage, rawID)
		}
		if a.ID != schema.ArticleID(s.url) || a.ExtractorVersion != "x-test" ||
			a.ContentHash != schema.ArticleContentHash(a.Title, a.BodyText) {
			t.Errorf("%s: id %s version %s hash %s", s.url, a.ID, a.ExtractorVersion, a.ContentHash)
		}
		if a.FetchedAt.IsZero() || a.ExtractedAt.Before(a.FetchedAt) {
			t.Errorf("%s: fetched %v extracted %v", s.url, a.FetchedAt, a.ExtractedAt)
		}
	}
	for _, dl := range stagetest.DeadLetters(t, e.js, len(bad)) {
		if want, ok := bad[string(dl.Payload)]; !ok || dl.Reason != want || dl.Stage != cleaner.Name {
			t.Errorf("dead letter %s/%s for %q", dl.Stage, dl.Reason, dl.Payload)
		}
	}
}

// A raw message handled twice (a replay through another cleaner consumer, as after a
// crash before the ack) publishes one article; one cleaned page published as two
// messages is two deliveries, each extracted (the sink stores one version).
func TestRedeliveryPublishesOneArticle(t *testing.T) {
	e := start(t, true)
	body := encode(t, japanese.ShiftJIS, page("", jaTitle, jaParas...))
	h := nats.Header{schema.HeaderURL: {"https://example.jp/news/eki"}, schema.HeaderContentType: {"text/html; charset=shift_jis"}}
	e.publish("news.raw.example_jp", body, h)
	stagetest.WaitSettled(t, e.js, schema.CleanerConsumer)
	replay := cleaner.Service("c-test")
	replay.Consumer.Durable = "cleaner-replay"
	stagetest.Start(t, stagetest.Config(e.nc), replay)
	stagetest.WaitSettled(t, e.js, replay.Consumer)
	stagetest.WaitSettled(t, e.js, schema.ExtractorConsumer)

	articles := stagetest.Msgs(t, e.js, schema.ExtractedStream.Name)
	if len(articles) != 1 {
		t.Fatalf("%d articles after a raw message was handled twice, want 1", len(articles))
	}
	// One cleaned page in two messages.
	data := cleanedMessage(t, "r-dup", "https://example.com/harbour")
	e.publish("news.cleaned.example_com", data, nil)
	e.publish("news.cleaned.example_com", data, nil)
	stagetest.WaitSettled(t, e.js, schema.ExtractorConsumer)
	if n := len(stagetest.Msgs(t, e.js, schema.ExtractedStream.Name)); n != 3 {
		t.Errorf("%d articles, want 3", n)
	}
}

func TestBadCleanedPagesDeadLettered(t *testing.T) {
	e := start(t, false)
	cases := map[string]string{
		`{"schema": "newsjet.cleaned_page.v1", "id": `:                                                                schema.ReasonMalformed,
		`{"schema": "newsjet.cleaned_page.v3", "id": "c1", "raw_id": "r1"}`:                                           schema.ReasonUnknownVersion,
		`{"schema": "newsjet.raw_page.v1", "id": "c1"}`:                                                               schema.ReasonMalformed,
		`{"schema": "newsjet.cleaned_page.v1", "id": "c1", "html": "<p>x</p>"}`:                                       schema.ReasonInvalid,
		`{"schema": "newsjet.cleaned_page.v1", "id": "c2", "raw_id": "r2", "html": "  "}`:                             schema.ReasonUnprocessable,
		`{"schema": "newsjet.cleaned_page.v2", "id": "c3", "raw_id": "r3", "head": {}, "content": ""}`:                schema.ReasonUnprocessable,
		`{"schema": "newsjet.cleaned_page.v2", "id": "c4", "raw_id": "r4", "candidates": [{"tag": "a", "depth": 1}]}`: schema.ReasonInvalid,
		"\x00\x01binary\xff\xfe": schema.ReasonMalformed,
	}
	for payload := range cases {
		e.publish("news.cleaned.example_com", []byte(payload), nil)
	}
	dls := stagetest.DeadLetters(t, e.js, len(cases))
	stagetest.WaitSettled(t, e.js, schema.ExtractorConsumer)
	for _, dl := range dls {
		if want, ok := cases[string(dl.Payload)]; !ok || dl.Reason != want || dl.Stage != extractor.Name || dl.Error == "" {
			t.Errorf("dead letter %s/%s (%s) for %q", dl.Stage, dl.Reason, dl.Error, dl.Payload)
		}
	}
	if n := len(stagetest.Msgs(t, e.js, schema.ExtractedStream.Name)); n != 0 {
		t.Errorf("%d articles from bad input", n)
	}
}

// Pages without any URL get ids from their raw pages and the subject's domain token.
func TestPagesWithoutURL(t *testing.T) {
	e := start(t, false)
	for _, rawID := range []string{"raw-a", "raw-b"} {
		e.publish("news.cleaned.example_org", cleanedMessage(t, rawID, ""), nil)
	}
	msgs := stagetest.WaitMsgs(t, e.js, schema.ExtractedStream.Name, 2)
	ids := map[string]bool{}
	for _, m := range msgs {
		a, err := schema.DecodeArticle(m.Data)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != "news.extracted.example_org" || a.ID != schema.ID("article", "raw", a.Lineage.RawID) {
			t.Errorf("article %s (raw %s) on %s", a.ID, a.Lineage.RawID, m.Subject)
		}
		ids[a.ID] = true
	}
	if len(ids) != 2 {
		t.Errorf("ids %v, want two distinct", ids)
	}
}

// fromDelivery reports whether msgID is the content id scoped to the delivery of one of
// the first messages of the input stream (see stage.DeliveryMsgID).
func fromDelivery(msgID, contentID, stream string) bool {
	for seq := uint64(1); seq <= 1000; seq++ {
		if msgID == stage.DeliveryMsgID(contentID, stream, seq) {
			return true
		}
	}
	return false
}

// cleanedMessage is the cleaned-page message the cleaner makes of the English story
// as raw page rawID served from url.
func cleanedMessage(t *testing.T, rawID, url string) []byte {
	t.Helper()
	body := []byte(page("", enTitle, enParas...))
	raw := &schema.RawPage{ID: rawID, URL: url, Body: body, ContentHash: schema.ContentHash(body), FetchedAt: time.Now().UTC()}
	cp, err := cleaner.CleanPage(raw, body, "c-test", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	data, err := schema.Encode(cp)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestV1CleanedPage: a cleaned page of the first contract version (one HTML document
// with data-newsjet markers, as a cleaner before v2 published it) is still read.
func TestV1CleanedPage(t *testing.T) {
	e := start(t, false)
	doc := `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>` + enTitle + ` | Example</title>` +
		`<link rel="canonical" href="https://example.com/harbour"></head><body><div data-newsjet="meta">` +
		`<h1 data-newsjet-ctx="article">` + enTitle + `</h1><div data-newsjet="after-h1"><p>By Jane Roe</p></div>` +
		`</div><article data-newsjet="content"><p>` + strings.Join(enParas, "</p><p>") + `</p></article></body></html>`
	v1, err := json.Marshal(map[string]any{"schema": schema.CleanedPageV1, "id": "c-v1", "raw_id": "r-v1",
		"url": "https://example.com/harbour", "charset": "utf-8", "html": doc, "cleaner_version": "c-old",
		"fetched_at": time.Now().UTC()})
	if err != nil {
		t.Fatal(err)
	}
	e.publish("news.cleaned.example_com", v1, nil)
	msgs := stagetest.WaitMsgs(t, e.js, schema.ExtractedStream.Name, 1)
	a, err := schema.DecodeArticle(msgs[0].Data)
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != enTitle || a.BodyText != strings.Join(enParas, "\n\n") || strings.Join(a.Authors, "|") != "Jane Roe" ||
		a.Lineage.CleanedID != "c-v1" || a.Lineage.CleanerVersion != "c-old" {
		t.Errorf("article of a v1 page: %+v", a)
	}
}
