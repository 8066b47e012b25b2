package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
	"github.com/newsjet/newsjet/services/fetcher"
)

// ErrTimeout is returned by run --once when the pipeline did not finish in time.
var ErrTimeout = errors.New("timed out waiting for the pipeline")

// lookback is how far before its start run --once reads the extracted and dead-letter
// streams, so that an article the broker dropped as a repeat of one extracted shortly
// before is still found.
var lookback = schema.RawStream.Duplicates + time.Minute

// onceItem is one argument of run --once and what became of it.
type onceItem struct {
	input     string
	rawID     string // a page: its raw page id
	page      *schema.RawPage
	body      []byte
	requestID string // a URL: its fetch request id
	document  bool   // a feed or sitemap file: its links were requested
	article   *schema.Article
	dead      *schema.DeadLetter
}

// once publishes the arguments into the running pipeline, waits until the pipeline is
// idle (every stage's consumer has nothing pending and nothing unacknowledged), then
// prints the articles on stdout, in argument order, followed by the articles of pages
// found in feeds and sitemaps. Arguments with the same story get the same article (the
// broker drops a repeated article, so it is looked up by the id the stages give it). An
// argument that was dead-lettered is reported on stderr with its stage and reason; so
// is one that produced no article. Neither makes it fail: it returns an error only when
// the pipeline itself fails or times out.
func (a *app) once(ctx context.Context, p *pipeline, args []string, src pageSource, timeout time.Duration, log *zap.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	items, err := publishInputs(ctx, p.js, p.nc.MaxPayload(), args, src, log)
	if err != nil {
		return err
	}
	if err := p.waitIdle(ctx); err != nil {
		return err
	}
	since := start.Add(-lookback)
	// Arguments with the same bytes are one raw page (one id): each gets its result.
	byRaw, byReq := map[string][]*onceItem{}, map[string][]*onceItem{}
	for _, it := range items {
		if it.rawID != "" {
			byRaw[it.rawID] = append(byRaw[it.rawID], it)
		}
		if it.requestID != "" {
			byReq[it.requestID] = append(byReq[it.requestID], it)
		}
	}
	match := func(rawID, requestID string) []*onceItem {
		if rawID != "" && len(byRaw[rawID]) > 0 {
			return byRaw[rawID]
		}
		if requestID != "" {
			return byReq[requestID]
		}
		return nil
	}

	var others []*schema.Article
	byMsgID := map[string]*schema.Article{}
	err = readStream(ctx, p.js, schema.ExtractedStream.Name, since, func(m jetstream.Msg) {
		art, err := schema.DecodeArticle(m.Data())
		if err != nil {
			log.Warn("unreadable article on the extracted stream", zap.String("subject", m.Subject()), zap.Error(err))
			return
		}
		byMsgID[schema.ArticleMsgID(art)] = art
		if its := match(art.Lineage.RawID, art.Lineage.RequestID); its != nil {
			for _, it := range its {
				it.article = art
			}
			return
		}
		if art.FetchedAt.After(start) || art.ExtractedAt.After(start) {
			others = append(others, art)
		}
	})
	if err != nil {
		return err
	}
	var otherDead []*schema.DeadLetter
	err = readStream(ctx, p.js, schema.DeadLetterStream.Name, since, func(m jetstream.Msg) {
		dl, err := schema.DecodeDeadLetter(m.Data())
		if err != nil {
			log.Warn("unreadable dead letter", zap.String("subject", m.Subject()), zap.Error(err))
			return
		}
		rawID, requestID := deadLetterOrigin(dl)
		if its := match(rawID, requestID); its != nil {
			for _, it := range its {
				it.dead = dl
			}
			return
		}
		if dl.FailedAt.After(start) {
			otherDead = append(otherDead, dl)
		}
	})
	if err != nil {
		return err
	}

	for _, it := range items {
		if it.article == nil && it.dead == nil && it.page != nil {
			// The extracted article repeated one the stream already held (the same story
			// under another file name), so the broker dropped it: find the one it repeats.
			it.article = repeated(it, byMsgID)
		}
		switch {
		case it.dead != nil && (it.article == nil || it.dead.Stage == "sink"):
			a.reportDead(it.input, it.dead)
		case it.article != nil:
			log.Info("article", zap.String("input", it.input), zap.String("id", it.article.ID), zap.String("title", it.article.Title))
			if err := a.stdout.write(it.article); err != nil {
				return err
			}
		case it.document:
			// A feed or sitemap file: the articles of its links are printed below.
		case it.requestID != "":
			fmt.Fprintf(a.stderr, "newsjet run: %s: no article of its own (a feed or sitemap: the articles of its links follow the arguments)\n", it.input)
		default:
			fmt.Fprintf(a.stderr, "newsjet run: %s: no article came out of the pipeline\n", it.input)
		}
	}
	printed := map[*schema.Article]bool{}
	for _, it := range items {
		printed[it.article] = true
	}
	for _, art := range others {
		if printed[art] {
			continue
		}
		if err := a.stdout.write(art); err != nil {
			return err
		}
	}
	for _, dl := range otherDead {
		label := dl.Subject
		if r, err := schema.DecodeFetchRequest(dl.Payload); err == nil {
			label = r.URL
		}
		a.reportDead(label, dl)
	}
	return nil
}

// repeated returns the article on the extracted stream that the item's page extracts to,
// computed with the stages' own functions, or nil.
func repeated(it *onceItem, byMsgID map[string]*schema.Article) *schema.Article {
	now := time.Now()
	cp, err := cleaner.CleanPage(it.page, it.body, version, now)
	if err != nil {
		return nil
	}
	art, err := extractor.Article(cp, version, now)
	if err != nil {
		return nil
	}
	return byMsgID[schema.ArticleMsgID(art)]
}

// reportDead tells stderr that input ended in dead letters.
func (a *app) reportDead(input string, dl *schema.DeadLetter) {
	fmt.Fprintf(a.stderr, "newsjet run: %s: dead-lettered by %s (%s): %s\n", input, dl.Stage, dl.Reason, dl.Error)
}

// publishInputs publishes each argument: an HTML file as a raw page, a feed or sitemap
// file as fetch requests for its links, a URL as a fetch request.
func publishInputs(ctx context.Context, js jetstream.JetStream, maxPayload int64, args []string, src pageSource, log *zap.Logger) ([]*onceItem, error) {
	now := time.Now()
	items := make([]*onceItem, 0, len(args))
	for _, arg := range args {
		it := &onceItem{input: arg}
		items = append(items, it)
		if isURL(arg) {
			reqs, err := fetcher.Requests([]string{arg}, now)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", ErrUsage, err)
			}
			it.requestID = reqs[0].ID
			if _, err := publishFetches(ctx, js, arg, reqs, ""); err != nil {
				return nil, err
			}
			continue
		}
		page, body, err := readPageFile(arg, src, now)
		if err != nil {
			return nil, err
		}
		reqs, isDoc, err := fetcher.DocumentRequests(body, "", now)
		if isDoc {
			if err != nil {
				return nil, fmt.Errorf("%s: %w", arg, err)
			}
			it.document = true
			if _, err := publishFetches(ctx, js, arg, reqs, ""); err != nil {
				return nil, err
			}
			log.Info("published the links of a feed or sitemap", zap.String("file", arg), zap.Int("requests", len(reqs)))
			continue
		}
		if _, err := publishPage(ctx, js, page, body, "", maxPayload); err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		it.rawID, it.page, it.body = page.ID, page, body
	}
	return items, nil
}

// deadLetterOrigin returns the raw page id and fetch request id a dead letter's payload
// descends from, as far as the payload tells.
func deadLetterOrigin(dl *schema.DeadLetter) (rawID, requestID string) {
	switch dl.Stage {
	case "fetcher":
		if r, err := schema.DecodeFetchRequest(dl.Payload); err == nil {
			return "", r.ID
		}
	case "cleaner":
		if p, err := schema.DecodeRawPageMessage(dl.Headers, dl.Payload, dl.FailedAt); err == nil {
			return p.ID, p.RequestID
		}
	case "extractor":
		if c, err := schema.DecodeCleanedPage(dl.Payload); err == nil {
			return c.RawID, c.RequestID
		}
	case "sink":
		if art, err := schema.DecodeArticle(dl.Payload); err == nil {
			return art.Lineage.RawID, art.Lineage.RequestID
		}
	}
	return "", ""
}

// readStream calls f with every message stored in stream since the given time, as of
// now, through an ordered consumer.
func readStream(ctx context.Context, js jetstream.JetStream, stream string, since time.Time, f func(jetstream.Msg)) error {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		DeliverPolicy: jetstream.DeliverByStartTimePolicy, OptStartTime: &since,
	})
	if err != nil {
		return fmt.Errorf("reading %s: %w", stream, err)
	}
	left := cons.CachedInfo().NumPending
	for left > 0 {
		batch, err := cons.Fetch(int(min(left, 256)), jetstream.FetchContext(ctx))
		if err != nil {
			return fmt.Errorf("reading %s: %w", stream, err)
		}
		for m := range batch.Messages() {
			f(m)
			left--
		}
		if err := batch.Error(); err != nil {
			return fmt.Errorf("reading %s: %w", stream, err)
		}
	}
	return nil
}

// waitIdle waits until every stage's consumer has no message pending or unacknowledged,
// twice in a row. The consumers are checked in pipeline order: a stage acknowledges its
// input only after its outputs are stored downstream, so work cannot hide between two
// checks.
func (p *pipeline) waitIdle(ctx context.Context) error {
	quiet := 0
	for quiet < 2 {
		select {
		case err := <-p.errs:
			return err
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		idle, err := p.idle(ctx)
		if err != nil && ctx.Err() == nil {
			return err
		}
		if idle {
			quiet++
		} else {
			quiet = 0
		}
	}
	return nil
}

func (p *pipeline) idle(ctx context.Context) (bool, error) {
	for _, svc := range p.svcs {
		c, err := p.js.Consumer(ctx, svc.Consumer.Stream, svc.Consumer.Durable)
		if err != nil {
			return false, fmt.Errorf("consumer %s: %w", svc.Consumer.Durable, err)
		}
		info, err := c.Info(ctx)
		if err != nil {
			return false, fmt.Errorf("consumer %s: %w", svc.Consumer.Durable, err)
		}
		if info.NumPending > 0 || info.NumAckPending > 0 {
			return false, nil
		}
	}
	return true, nil
}
