package cleaner_test

import (
	"bytes"
	"context"
	"errors"
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
	"github.com/newsjet/newsjet/services/cleaner/clean"
)

// page renders a small news page; meta is an optional <meta> charset declaration.
func page(meta, title string, paragraphs ...string) string {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><head>" + meta + "<title>" + title + "</title></head><body>")
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

func start(t *testing.T) *env {
	t.Helper()
	nc := natstest.Connect(t, natstest.Start(t))
	e := &env{t: t, nc: nc, js: stagetest.JetStream(t, nc)}
	stagetest.Start(t, stagetest.Config(nc), cleaner.Service("test-1"))
	return e
}

func (e *env) publish(subject string, data []byte, header nats.Header) {
	e.t.Helper()
	if _, err := e.js.PublishMsg(context.Background(), &nats.Msg{Subject: subject, Data: data, Header: header}); err != nil {
		e.t.Fatalf("publish: %v", err)
	}
}

// cleaned waits for n cleaned pages and returns them by URL.
func (e *env) cleaned(n int) map[string]*schema.CleanedPage {
	e.t.Helper()
	out := map[string]*schema.CleanedPage{}
	for _, m := range stagetest.WaitMsgs(e.t, e.js, schema.CleanedStream.Name, n) {
		if !schema.Compressed(m.Data) || m.Header.Get(schema.HeaderContentEncoding) != schema.ContentEncodingGzip {
			e.t.Errorf("cleaned page not marked gzip-compressed: %v, % x", m.Header, m.Data[:min(len(m.Data), 4)])
		}
		cp, err := schema.DecodeCleanedPage(m.Data)
		if err != nil {
			e.t.Fatal(err)
		}
		if !fromDelivery(m.Header.Get(schema.HeaderMsgID), cp.ID, schema.RawStream.Name) || m.Header.Get(schema.HeaderSchema) != schema.CleanedPageV2 {
			e.t.Errorf("headers %v for %s", m.Header, cp.ID)
		}
		if want := schema.CleanedSubject(cp.URL); cp.URL != "" && m.Subject != want {
			e.t.Errorf("subject %s, want %s", m.Subject, want)
		}
		out[cp.URL] = cp
	}
	return out
}

func TestBarePagesInLegacyCharsets(t *testing.T) {
	e := start(t)
	ru, ja := page("", ruTitle, ruParas...), page("", jaTitle, jaParas...)
	ruMeta := page(`<meta charset="windows-1251">`, ruTitle, ruParas...)
	jaMeta := page(`<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">`, jaTitle, jaParas...)
	cases := []struct {
		url, contentType, charset, source string
		body                              []byte
		title, para                       string
	}{
		{"https://example.ru/news/1", "text/html; charset=windows-1251", "windows-1251", schema.CharsetFromHeader, encode(t, charmap.Windows1251, ru), ruTitle, ruParas[1]},
		{"https://example.ru/news/2", "text/html", "windows-1251", schema.CharsetFromMeta, encode(t, charmap.Windows1251, ruMeta), ruTitle, ruParas[2]},
		{"https://example.ru/news/3", "text/html", "windows-1251", schema.CharsetFromDetected, encode(t, charmap.Windows1251, ru), ruTitle, ruParas[0]},
		{"https://example.jp/news/1", "text/html; charset=Shift_JIS", "shift_jis", schema.CharsetFromHeader, encode(t, japanese.ShiftJIS, ja), jaTitle, jaParas[1]},
		{"https://example.jp/news/2", "", "shift_jis", schema.CharsetFromMeta, encode(t, japanese.ShiftJIS, jaMeta), jaTitle, jaParas[2]},
	}
	for _, tc := range cases {
		h := nats.Header{schema.HeaderURL: {tc.url}}
		if tc.contentType != "" {
			h.Set(schema.HeaderContentType, tc.contentType)
		}
		e.publish(schema.RawSubject(tc.url), tc.body, h)
	}
	got := e.cleaned(len(cases))
	stagetest.WaitSettled(t, e.js, schema.CleanerConsumer)
	for _, tc := range cases {
		cp := got[tc.url]
		if cp == nil {
			t.Errorf("%s: no cleaned page", tc.url)
			continue
		}
		rawID := schema.RawPageID(tc.url, schema.ContentHash(tc.body))
		if cp.RawID != rawID || cp.ID != schema.CleanedPageID(rawID, "test-1") || cp.CleanerVersion != "test-1" {
			t.Errorf("%s: ids %s %s version %s", tc.url, cp.RawID, cp.ID, cp.CleanerVersion)
		}
		if cp.Charset != tc.charset || cp.CharsetSource != tc.source {
			t.Errorf("%s: charset %q (%s), want %q (%s)", tc.url, cp.Charset, cp.CharsetSource, tc.charset, tc.source)
		}
		if cp.Head.Title != tc.title || !strings.Contains(cp.Content, tc.para) {
			t.Errorf("%s: cleaned page lacks the decoded title or paragraph: %q\n%s", tc.url, cp.Head.Title, cp.Content)
		}
		if cp.FetchedAt.IsZero() || cp.CleanedAt.Before(cp.FetchedAt) {
			t.Errorf("%s: times fetched %v cleaned %v", tc.url, cp.FetchedAt, cp.CleanedAt)
		}
	}
	if n := len(stagetest.Msgs(t, e.js, schema.DeadLetterStream.Name)); n != 0 {
		t.Errorf("%d dead letters", n)
	}
}

// RawPage JSON messages carry the body inline, gzip-compressed or as a claim check.
func TestRawPageJSONBodies(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	en := page(`<meta charset="utf-8">`, "Harbour reopens after storm repairs",
		"The city harbour reopened on Monday after six weeks of repairs to the storm-damaged sea wall.",
		"Fishing boats returned to their moorings in the morning, and the ferry service resumes on Friday.",
		strings.Repeat("Engineers rebuilt the wall with larger stones and a higher crest. ", 200))
	for i, maxPayload := range []int64{0, 8 << 10, 1100} { // inline, gzip, claim check
		p := &schema.RawPage{
			URL: "https://example.com/harbour/" + string(rune('a'+i)), StatusCode: 200,
			ContentType: "text/html; charset=utf-8", FetchedAt: time.Now().UTC(), RequestID: "req-1",
		}
		data, err := claimcheck.EncodeRawPage(ctx, e.js, p, []byte(en), maxPayload)
		if err != nil {
			t.Fatal(err)
		}
		if want := []bool{p.BodyEncoding == "" && p.BodyRef == nil, p.BodyEncoding == "gzip", p.BodyRef != nil}[i]; !want {
			t.Fatalf("case %d: body travels as encoding %q ref %v", i, p.BodyEncoding, p.BodyRef)
		}
		e.publish(schema.RawSubject(p.URL), data, nats.Header{schema.HeaderSchema: {schema.RawPageV1}})
	}
	// A bare page without URL is named after its subject's domain token.
	e.publish("news.raw.example_org", []byte(en), nats.Header{schema.HeaderContentType: {"text/html"}})

	got := e.cleaned(4)
	for _, u := range []string{"https://example.com/harbour/a", "https://example.com/harbour/b", "https://example.com/harbour/c", ""} {
		cp := got[u]
		if cp == nil || cp.Head.Title != "Harbour reopens after storm repairs" || !strings.Contains(cp.Content, "Engineers rebuilt the wall") || cp.Charset != "utf-8" {
			t.Errorf("%q: cleaned page %+v", u, cp)
			continue
		}
		if u != "" && cp.RequestID != "req-1" {
			t.Errorf("%s: request id %q", u, cp.RequestID)
		}
	}
	var noURL string
	for _, m := range stagetest.Msgs(t, e.js, schema.CleanedStream.Name) {
		if cp, _ := schema.DecodeCleanedPage(m.Data); cp != nil && cp.URL == "" {
			noURL = m.Subject
		}
	}
	if noURL != "news.cleaned.example_org" {
		t.Errorf("page without URL published on %q", noURL)
	}
}

func TestBadInputDeadLettered(t *testing.T) {
	e := start(t)
	png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), bytes.Repeat([]byte{0, 0xff, 0x10, 0x80}, 256)...)
	missing, err := schema.Encode(&schema.RawPage{
		ID: "r1", ContentHash: "abc", URL: "https://example.com/gone",
		BodyRef: &schema.ObjectRef{Bucket: schema.PageBucket, Name: "gone", Size: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		data   []byte
		header nats.Header
		reason string
	}{
		{"invalid json", []byte(`{"schema": "newsjet.raw_page.v1", "body": `), nil, schema.ReasonMalformed},
		{"unknown version", []byte(`{"schema": "newsjet.raw_page.v7", "id": "x"}`), nil, schema.ReasonUnknownVersion},
		{"wrong type", []byte(`{"schema": "newsjet.article.v1", "id": "x"}`), nil, schema.ReasonMalformed},
		{"binary junk", png, nats.Header{schema.HeaderURL: {"https://example.com/logo.png"}}, schema.ReasonUnprocessable},
		{"no text", []byte("<html><body>   </body></html>"), nats.Header{schema.HeaderContentType: {"text/html"}}, schema.ReasonUnprocessable},
		{"bad gzip", []byte("not gzip"), nats.Header{schema.HeaderContentEncoding: {"gzip"}}, schema.ReasonInvalid},
		{"claim check gone", missing, nil, schema.ReasonUnprocessable},
		{"empty body", []byte{}, nil, schema.ReasonUnprocessable},
	}
	for _, tc := range cases {
		e.publish("news.raw.example_com", tc.data, tc.header)
	}
	byPayload := map[string]*schema.DeadLetter{}
	for _, dl := range stagetest.DeadLetters(t, e.js, len(cases)) {
		byPayload[string(dl.Payload)] = dl
	}
	stagetest.WaitSettled(t, e.js, schema.CleanerConsumer)
	for _, tc := range cases {
		dl := byPayload[string(tc.data)]
		if dl == nil {
			t.Errorf("%s: no dead letter", tc.name)
			continue
		}
		if dl.Reason != tc.reason || dl.Stage != cleaner.Name || dl.Subject != "news.raw.example_com" || dl.Error == "" {
			t.Errorf("%s: dead letter reason %q stage %q subject %q error %q, want reason %q",
				tc.name, dl.Reason, dl.Stage, dl.Subject, dl.Error, tc.reason)
		}
	}
	if n := len(stagetest.Msgs(t, e.js, schema.CleanedStream.Name)); n != 0 {
		t.Errorf("%d cleaned pages from bad input", n)
	}
}

// A raw message handled again (here: a replay of the raw stream through another
// consumer, as after a crash before the ack) publishes one cleaned page; the same page
// published again as another message is cleaned again (it may be a site reverting an
// edit: the sink decides).
func TestRedeliveryPublishesOneCleanedPage(t *testing.T) {
	e := start(t)
	body := encode(t, charmap.Windows1251, page(`<meta charset="windows-1251">`, ruTitle, ruParas...))
	h := nats.Header{schema.HeaderURL: {"https://example.ru/news/1"}}
	e.publish("news.raw.example_ru", body, h)
	stagetest.WaitSettled(t, e.js, schema.CleanerConsumer)

	replay := cleaner.Service("test-1")
	replay.Consumer.Durable = "cleaner-replay"
	stagetest.Start(t, stagetest.Config(e.nc), replay)
	stagetest.WaitSettled(t, e.js, replay.Consumer)
	if n := len(stagetest.Msgs(t, e.js, schema.CleanedStream.Name)); n != 1 {
		t.Errorf("%d cleaned pages, want 1", n)
	}
	e.publish("news.raw.example_ru", body, h)
	stagetest.WaitSettled(t, e.js, schema.CleanerConsumer)
	if n := len(stagetest.Msgs(t, e.js, schema.CleanedStream.Name)); n != 2 {
		t.Errorf("%d cleaned pages after the page was published again, want 2", n)
	}
}

func TestCleanPageErrors(t *testing.T) {
	raw := &schema.RawPage{ID: "r1", URL: "https://example.com/x"}
	for body, sentinel := range map[string]error{
		"": clean.ErrEmpty,
		"\x89PNG\r\n\x1a\n\x00\x00\x00\x00\xff\x00": clean.ErrNotHTML,
	} {
		_, err := cleaner.CleanPage(raw, []byte(body), "v1", time.Now())
		if reason, ok := stage.ReasonOf(err); !errors.Is(err, sentinel) || !ok || reason != schema.ReasonUnprocessable {
			t.Errorf("%q: %v (reason %q), want permanent unprocessable wrapping %v", body, err, reason, sentinel)
		}
	}
	cp, err := cleaner.CleanPage(&schema.RawPage{ID: "r2", URL: "https://example.com/a", FinalURL: "https://example.com/b", RequestID: "q"},
		[]byte(page("", "Title", "A paragraph of text long enough to be the article body of this page.")), "v1", time.Unix(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	if cp.ID != schema.CleanedPageID("r2", "v1") || cp.URL != "https://example.com/b" || cp.RequestID != "q" || !cp.CleanedAt.Equal(time.Unix(0, 0)) {
		t.Errorf("cleaned page %+v", cp)
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
