package main

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher"
)

// cmdPublish publishes each argument: an HTML file becomes a RawPage on
// news.raw.<domain>, a URL a FetchRequest on news.fetch.<domain>, a feed or sitemap file
// the FetchRequests of its links. It prints one JSON line per published message and
// stops at the first failure.
func (a *app) cmdPublish(ctx context.Context, args []string) error {
	fs := a.flagSet("publish", "FILE|URL... (- for standard input)")
	var cf clientFlags
	cf.register(fs)
	subject := fs.String("subject", "", "publish every message on this subject instead of its own (news.raw.<domain> or news.fetch.<domain>)")
	pageURL := fs.String("url", "", "page URL of the file (only with one file); default none: the page is named by its canonical link, else by its content")
	contentType := contentTypeFlag(fs)
	kind := fs.String("kind", "", "kind of the URLs: article, feed or sitemap (default: guessed from the URL)")
	logLevel := logFlags(fs)
	if err := a.parse(fs, args); err != nil {
		return err
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
		lines, err := publishArg(ctx, js, nc.MaxPayload(), arg, pageSource{URL: *pageURL, ContentType: *contentType, Stdin: a.stdin}, *kind, *subject)
		if err != nil {
			return err
		}
		for _, out := range lines {
			log.Debug("published", zap.String("input", arg), zap.String("subject", out.Subject), zap.Uint64("seq", out.Seq))
			if err := a.stdout.write(out); err != nil {
				return err
			}
		}
	}
	return nil
}

// publishArg publishes one argument: a URL as a FetchRequest (kind "" guessed), a feed
// or sitemap file as the FetchRequests of its links, any other file (read as src says)
// as a RawPage. subject "" publishes each message on its own subject.
func publishArg(ctx context.Context, js jetstream.JetStream, maxPayload int64, arg string, src pageSource, kind, subject string) ([]published, error) {
	now := time.Now()
	if isURL(arg) {
		reqs, err := fetcher.Requests([]string{arg}, now)
		if err != nil {
			return nil, err
		}
		if kind != "" {
			reqs[0].Kind, reqs[0].ID = kind, schema.FetchRequestID(kind, reqs[0].URL)
		}
		return publishFetches(ctx, js, arg, reqs, subject)
	}
	p, body, err := readPageFile(arg, src, now)
	if err != nil {
		return nil, err
	}
	if reqs, isDoc, err := fetcher.DocumentRequests(body, src.URL, now); isDoc {
		if err != nil {
			return nil, fmt.Errorf("%s: %w", arg, err)
		}
		return publishFetches(ctx, js, arg, reqs, subject)
	}
	ack, err := publishPage(ctx, js, p, body, subject, maxPayload)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", arg, err)
	}
	return []published{{
		Input: arg, Schema: p.Schema, ID: p.ID, Subject: subjectOr(subject, schema.RawSubject(p.PageURL())),
		Stream: ack.Stream, Seq: ack.Sequence, Duplicate: ack.Duplicate,
	}}, nil
}

// publishFetches publishes fetch requests (fetcher.RequestMsg) for the argument input.
func publishFetches(ctx context.Context, js jetstream.Publisher, input string, reqs []*schema.FetchRequest, subject string) ([]published, error) {
	out := make([]published, 0, len(reqs))
	for _, r := range reqs {
		msg, err := fetcher.RequestMsg(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.URL, err)
		}
		if subject != "" {
			msg.Subject = subject
		}
		ack, err := js.PublishMsg(ctx, msg)
		if err != nil {
			return nil, fmt.Errorf("publishing fetch request for %s: %w", r.URL, err)
		}
		out = append(out, published{
			Input: input, Schema: r.Schema, ID: r.ID, Subject: msg.Subject,
			Stream: ack.Stream, Seq: ack.Sequence, Duplicate: ack.Duplicate,
		})
	}
	return out, nil
}

func subjectOr(override, own string) string {
	if override != "" {
		return override
	}
	return own
}
