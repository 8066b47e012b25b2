package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/stage"
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
	input string
	// err: the input could not be read or is not something newsjet handles; it is
	// reported and nothing is published for it.
	err       error
	rawID     string // a page: its raw page id
	page      *schema.RawPage
	body      []byte
	reqs      []*schema.FetchRequest // a URL, or the links of a feed or sitemap file
	requestID string                 // a URL: its fetch request id
	document  bool                   // a feed or sitemap file: its links were requested
	overLimit int                    // a feed or sitemap file: links past --max-links
	article   *schema.Article
	dead      *schema.DeadLetter
}

// readInputs reads every argument of run --once before anything runs: an http(s) URL
// becomes a fetch request, a feed or sitemap file the fetch requests of its first
// maxLinks links, any other file a raw page. An argument that cannot be read, or is a
// URL newsjet does not fetch, keeps its error in the item.
func readInputs(args []string, src pageSource, maxLinks int, now time.Time) []*onceItem {
	items := make([]*onceItem, 0, len(args))
	for _, arg := range args {
		it := &onceItem{input: arg}
		items = append(items, it)
		if isURL(arg) {
			reqs, err := fetcher.Requests([]string{arg}, now)
			if err != nil {
				it.err = err
				continue
			}
			it.reqs, it.requestID = reqs, reqs[0].ID
			continue
		}
		page, body, err := readPageFile(arg, src, now)
		if err != nil {
			it.err = err
			continue
		}
		reqs, isDoc, err := fetcher.DocumentRequests(body, "", now)
		switch {
		case isDoc && err != nil:
			it.err = err
		case isDoc:
			if maxLinks > 0 && len(reqs) > maxLinks {
				it.overLimit, reqs = len(reqs)-maxLinks, reqs[:maxLinks]
			}
			it.document, it.reqs = true, reqs
		default:
			it.rawID, it.page, it.body = page.ID, page, body
		}
	}
	return items
}

// anyReadable reports whether some item has something to publish.
func anyReadable(items []*onceItem) bool {
	for _, it := range items {
		if it.err == nil {
			return true
		}
	}
	return false
}

// discoveries collects what the fetcher read in each feed and sitemap, by source URL
// (a redelivery's read replaces the first); safe for concurrent use.
type discoveries struct {
	mu       sync.Mutex
	bySource map[string]fetcher.Discovery
	order    []string
}

func (d *discoveries) add(x fetcher.Discovery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.bySource[x.Source]; !ok {
		d.order = append(d.order, x.Source)
	}
	d.bySource[x.Source] = x
}

// once publishes the readable items into the running pipeline, waits until the
// pipeline is idle (every stage's consumer has nothing pending and nothing
// unacknowledged), then prints the articles on stdout, in argument order, followed by
// the articles of pages found in feeds and sitemaps (see reportOnce). Arguments with the
// same story get the same article (the broker drops a repeated article, so it is looked
// up by the id the stages give it). It returns an error when the pipeline itself fails
// or times out, else reportOnce's.
func (a *app) once(ctx context.Context, p *pipeline, items []*onceItem, found *discoveries, timeout time.Duration, log *zap.Logger) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	if err := publishItems(ctx, p.js, p.nc.MaxPayload(), items, log); err != nil {
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
	err := readStream(ctx, p.js, schema.ExtractedStream.Name, since, func(m jetstream.Msg) {
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
	}
	return a.reportOnce(items, others, otherDead, found)
}

// reportOnce prints the outcome of run --once: on stdout each item's article in
// argument order, then the articles of the links found in feeds and sitemaps; on
// stderr each input that failed (unreadable, dead-lettered, no article) with its
// reason, the dead letters of found links, and for each feed or sitemap how many links
// were requested and why the others were skipped (skipping is no failure). It returns
// ErrInputsFailed when anything failed.
func (a *app) reportOnce(items []*onceItem, others []*schema.Article, otherDead []*schema.DeadLetter, found *discoveries) error {
	failed := 0
	fail := func(format string, args ...any) {
		failed++
		fmt.Fprintf(a.stderr, "newsjet run: "+format+"\n", args...)
	}
	reported := map[string]bool{}
	for _, it := range items {
		switch {
		case it.err != nil && strings.Contains(it.err.Error(), it.input):
			fail("%v", it.err)
		case it.err != nil:
			fail("%s: %v", it.input, it.err)
		case it.dead != nil && (it.article == nil || it.dead.Stage == "sink"):
			fail("%s: dead-lettered by %s (%s): %s", it.input, it.dead.Stage, it.dead.Reason, it.dead.Error)
		case it.article != nil:
			if err := a.stdout.write(it.article); err != nil {
				return err
			}
		case it.document:
			line := fmt.Sprintf("newsjet run: %s: a feed or sitemap file: %d links requested", it.input, len(it.reqs))
			if it.overLimit > 0 {
				line += fmt.Sprintf(", %d skipped (over --max-links)", it.overLimit)
			}
			fmt.Fprintln(a.stderr, line)
		case it.requestID != "" && found.has(it.reqs[0].URL):
			d, _ := found.get(it.reqs[0].URL)
			reported[d.Source] = true
			fmt.Fprintf(a.stderr, "newsjet run: %s\n", discoveryLine(d))
		default:
			fail("%s: no article came out of the pipeline", it.input)
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
		fail("%s: dead-lettered by %s (%s): %s", label, dl.Stage, dl.Reason, dl.Error)
	}
	if found != nil {
		for _, src := range found.sources() {
			if d, _ := found.get(src); !reported[src] {
				fmt.Fprintf(a.stderr, "newsjet run: %s\n", discoveryLine(d))
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d failed (see above)", ErrInputsFailed, failed)
	}
	return nil
}

// has reports whether source was read (false on a nil d).
func (d *discoveries) has(source string) bool {
	if d == nil {
		return false
	}
	_, ok := d.get(source)
	return ok
}

// get returns what the read of source gave, if it was read.
func (d *discoveries) get(source string) (fetcher.Discovery, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	x, ok := d.bySource[source]
	return x, ok
}

// sources returns the sources read, in the order they were first read.
func (d *discoveries) sources() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.order)
}

// discoveryLine says what a feed or sitemap gave: "URL: feed, 5 links: 3 requested, 2
// skipped (2 fetched within --seen-horizon)".
func discoveryLine(d fetcher.Discovery) string {
	line := fmt.Sprintf("%s: %s, %d links: %d requested", d.Source, d.Kind, d.Links, d.Requested)
	if d.Skipped.Total() == 0 {
		return line
	}
	var why []string
	for _, c := range []struct {
		n    int
		text string
	}{
		{d.Skipped.Old, "older than --seen-horizon"},
		{d.Skipped.Seen, "fetched within --seen-horizon"},
		{d.Skipped.Pending, "already requested, within --pending-ttl"},
		{d.Skipped.OverLimit, "over --max-links"},
	} {
		if c.n > 0 {
			why = append(why, fmt.Sprintf("%d %s", c.n, c.text))
		}
	}
	return fmt.Sprintf("%s, %d skipped (%s)", line, d.Skipped.Total(), strings.Join(why, ", "))
}

// repeated returns the article on the extracted stream that the item's page extracts to,
// computed with the stages' own functions, or nil.
func repeated(it *onceItem, byMsgID map[string]*schema.Article) *schema.Article {
	now := time.Now()
	cp, err := cleaner.CleanPage(it.page, it.body, stage.Version, now)
	if err != nil {
		return nil
	}
	art, err := extractor.Article(cp, stage.Version, now)
	if err != nil {
		return nil
	}
	return byMsgID[schema.ArticleMsgID(art)]
}

// publishItems publishes each readable item: a page as a raw page, a URL or the links
// of a feed or sitemap file as fetch requests. A failure to publish is the pipeline's.
func publishItems(ctx context.Context, js jetstream.JetStream, maxPayload int64, items []*onceItem, log *zap.Logger) error {
	for _, it := range items {
		switch {
		case it.err != nil:
		case it.reqs != nil:
			if _, err := publishFetches(ctx, js, it.input, it.reqs, ""); err != nil {
				return err
			}
			if it.document {
				log.Info("published the links of a feed or sitemap", zap.String("file", it.input), zap.Int("requests", len(it.reqs)))
			}
		default:
			if _, err := publishPage(ctx, js, it.page, it.body, "", maxPayload); err != nil {
				return fmt.Errorf("%s: %w", it.input, err)
			}
		}
	}
	return nil
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
