package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher"
)

// cmdPublish publishes each argument: a file becomes a RawPage on news.raw.<domain>, a URL
// a FetchRequest on news.fetch.<domain>. It prints one JSON line per published message
// and stops at the first failure.
func (a *app) cmdPublish(ctx context.Context, args []string) error {
	fs := a.flagSet("publish", "FILE|URL...")
	var cf clientFlags
	cf.register(fs)
	subject := fs.String("subject", "", "publish every message on this subject instead of its own (news.raw.<domain> or news.fetch.<domain>)")
	pageURL := fs.String("url", "", "page URL of the file (only with one file); default https://file.invalid/<absolute path>")
	kind := fs.String("kind", "", "kind of the URLs: article, feed or sitemap (default: guessed from the URL)")
	logLevel := logFlags(fs)
	if err := stage.ParseFlags(fs, args, lookupEnv); err != nil {
		return usageErr(err)
	}
	files := fs.Args()
	if len(files) == 0 {
		return fmt.Errorf("%w: give at least one file or URL", ErrUsage)
	}
	if *pageURL != "" && len(files) != 1 {
		return fmt.Errorf("%w: --url names the page of exactly one file", ErrUsage)
	}
	log, err := a.logger(*logLevel)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr
	nc, js, err := cf.connect(ctx, "newsjet-publish")
	if err != nil {
		return err
	}
	defer nc.Close()
	for _, arg := range files {
		out := published{Input: arg}
		if isURL(arg) {
			r, ack, err := publishURL(ctx, js, arg, *kind, *subject)
			if err != nil {
				return err
			}
			out.Schema, out.ID, out.Stream, out.Seq, out.Duplicate = r.Schema, r.ID, ack.Stream, ack.Sequence, ack.Duplicate
			out.Subject = subjectOr(*subject, schema.FetchSubject(r.URL))
		} else {
			p, body, err := readPageFile(arg, *pageURL, time.Now())
			if err != nil {
				return err
			}
			ack, err := publishPage(ctx, js, p, body, *subject, nc.MaxPayload())
			if err != nil {
				return fmt.Errorf("%s: %w", arg, err)
			}
			out.Schema, out.ID, out.Stream, out.Seq, out.Duplicate = p.Schema, p.ID, ack.Stream, ack.Sequence, ack.Duplicate
			out.Subject = subjectOr(*subject, schema.RawSubject(p.PageURL()))
		}
		log.Debug("published", zap.String("input", arg), zap.String("subject", out.Subject), zap.Uint64("seq", out.Seq))
		if err := a.stdout.write(out); err != nil {
			return err
		}
	}
	return nil
}

func subjectOr(override, own string) string {
	if override != "" {
		return override
	}
	return own
}

// publishURL publishes a FetchRequest for rawURL on subject ("" for its own fetch
// subject). kind "" lets the fetcher's guess (fetcher.Requests) decide.
func publishURL(ctx context.Context, js jetstream.Publisher, rawURL, kind, subject string) (*schema.FetchRequest, *jetstream.PubAck, error) {
	reqs, err := fetcher.Requests([]string{rawURL}, time.Now())
	if err != nil {
		return nil, nil, err
	}
	r := reqs[0]
	if kind != "" {
		r.Kind, r.ID = kind, schema.FetchRequestID(kind, r.URL)
	}
	msg, err := fetcher.RequestMsg(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", rawURL, err)
	}
	if subject != "" {
		msg.Subject = subject
	}
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		return nil, nil, fmt.Errorf("publishing fetch request for %s: %w", rawURL, err)
	}
	return r, ack, nil
}
