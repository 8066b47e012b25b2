package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/api"
)

// cmdTail prints the articles of the extracted stream, one JSON line each, through an
// ordered consumer of its own (nothing durable is left behind on the server). By default
// it starts with the next article; --all starts at the beginning, --since at a time in
// the past (as the read API takes it: a duration back from now, RFC 3339 or a date). It runs until interrupted or until --limit articles were printed.
func (a *app) cmdTail(ctx context.Context, args []string) error {
	fs := a.flagSet("tail", "")
	var cf clientFlags
	cf.register(fs)
	site := fs.String("site", "", "only this site: a host name (news.example.com) or its subject token (news_example_com)")
	all := fs.Bool("all", false, "start at the first article the stream holds")
	since := fs.String("since", "", "start with the articles stored since TIME: a duration back from now (1h), RFC 3339 or YYYY-MM-DD")
	limit := fs.Int("limit", 0, "exit after printing this many articles (0: never)")
	logLevel := logFlags(fs)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: tail takes no arguments", ErrUsage)
	}
	if *all && *since != "" {
		return fmt.Errorf("%w: give --all or --since, not both", ErrUsage)
	}
	start, err := api.ParseTime("since", *since)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	log, err := a.logger(*logLevel)
	if err != nil {
		return err
	}
	defer log.Sync() //nolint:errcheck // stderr
	nc, js, err := cf.connect(ctx, "newsjet-tail")
	if err != nil {
		return err
	}
	defer nc.Close()

	cfg := jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{tailSubject(*site)},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	}
	switch {
	case *all:
		cfg.DeliverPolicy = jetstream.DeliverAllPolicy
	case !start.IsZero():
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &start
	}
	return a.printArticles(ctx, js, cfg, *limit, log)
}

// tailSubject is the extracted-stream subject for a site filter ("" for every site).
func tailSubject(site string) string {
	if site == "" {
		return schema.ExtractedSubjectPrefix + ".>"
	}
	return schema.ExtractedSubject(site)
}

// printArticles consumes the extracted stream with an ordered consumer and prints each
// article until ctx ends or limit articles were printed (limit 0: no limit). A message
// that is not a readable article is logged and skipped.
func (a *app) printArticles(ctx context.Context, js jetstream.JetStream, cfg jetstream.OrderedConsumerConfig, limit int, log *zap.Logger) error {
	cons, err := js.OrderedConsumer(ctx, schema.ExtractedStream.Name, cfg)
	if err != nil {
		return fmt.Errorf("reading stream %s: %w", schema.ExtractedStream.Name, err)
	}
	it, err := cons.Messages()
	if err != nil {
		return fmt.Errorf("reading stream %s: %w", schema.ExtractedStream.Name, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	printed := 0
	for limit == 0 || printed < limit {
		msg, err := it.Next()
		if err != nil {
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) && ctx.Err() != nil {
				return nil // stopped by the user
			}
			return fmt.Errorf("reading stream %s: %w", schema.ExtractedStream.Name, err)
		}
		art, err := schema.DecodeArticle(msg.Data())
		if err != nil {
			log.Warn("skipping unreadable article", zap.String("subject", msg.Subject()), zap.Error(err))
			continue
		}
		if err := a.stdout.write(art); err != nil {
			return err
		}
		printed++
	}
	return nil
}
