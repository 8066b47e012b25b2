package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/segmentio/encoding/json"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/sink/api"
)

// ErrNotFound: no dead letter has the id asked for.
var ErrNotFound = errors.New("no such dead letter")

// deadFilter selects dead letters: every set field must match.
type deadFilter struct {
	stage, reason, site string
	since, until        timeFlag
	ids                 map[string]bool
}

func (f *deadFilter) register(fs *flag.FlagSet) {
	fs.StringVar(&f.stage, "stage", "", "only this stage's dead letters: fetcher, cleaner, extractor or sink")
	fs.StringVar(&f.reason, "reason", "", "only this reason, e.g. unprocessable, max_deliveries, no_content")
	fs.StringVar(&f.site, "site", "", "only this site: a host name (news.example.com) or its subject token (news_example_com)")
	fs.Var(&f.since, "since", "only those that failed at or after this time: RFC 3339, YYYY-MM-DD or a duration ago (24h)")
	fs.Var(&f.until, "until", "only those that failed before this time (same forms)")
}

// subject is the dead-letter subject the filter reads.
func (f *deadFilter) subject() string {
	if f.stage == "" {
		return schema.DeadSubjectPrefix + ".>"
	}
	return schema.DeadSubject(f.stage)
}

// match reports whether dl passes the filter (the stage is filtered by subject).
func (f *deadFilter) match(dl *schema.DeadLetter) bool {
	switch {
	case f.reason != "" && dl.Reason != f.reason,
		f.site != "" && schema.SubjectToken(dl.Subject) != schema.DomainToken(f.site),
		!f.until.t.IsZero() && !dl.FailedAt.Before(f.until.t),
		len(f.ids) > 0 && !f.ids[dl.ID]:
		return false
	}
	return true
}

// timeFlag is a point in time given as RFC 3339, YYYY-MM-DD (midnight UTC) or a
// duration before now.
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f == nil || f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Set(s string) error {
	t, err := api.ParseTime("time", s)
	if err != nil || t.IsZero() {
		return fmt.Errorf("%q is not an RFC 3339 time, a YYYY-MM-DD date or a duration", s)
	}
	f.t = t
	return nil
}

// scanStream reads the messages of stream on subject through an ordered consumer (no
// state left on the server), from since (zero: the first message), and calls f for each.
// Without follow it stops after the messages the stream held when it started; with
// follow it waits for new ones until ctx ends. An error of f ends the scan.
func scanStream(ctx context.Context, js jetstream.JetStream, stream, subject string, since time.Time, follow bool, f func(jetstream.Msg) error) error {
	// The server drops the consumer soon after the command ends.
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}, InactiveThreshold: 10 * time.Second}
	if !since.IsZero() {
		cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &since
	}
	cons, err := js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("reading %s: %w", stream, err)
	}
	left := cons.CachedInfo().NumPending
	for follow || left > 0 {
		if ctx.Err() != nil {
			return nil
		}
		batch, err := cons.Fetch(int(min(max(left, 1), 256)), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("reading %s: %w", stream, err)
		}
		for m := range batch.Messages() {
			if err := f(m); err != nil {
				return err
			}
			if left > 0 {
				left--
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			return fmt.Errorf("reading %s: %w", stream, err)
		}
	}
	return nil
}

// deadMsg is one dead letter read from the stream, with its own sequence there.
type deadMsg struct {
	dl  *schema.DeadLetter
	seq uint64
}

// scanDead calls f with each dead letter that passes filter. A message of the stream
// that is not a readable dead letter is reported on stderr and skipped.
func (a *app) scanDead(ctx context.Context, js jetstream.JetStream, filter *deadFilter, follow bool, f func(deadMsg) error) error {
	return scanStream(ctx, js, schema.DeadLetterStream.Name, filter.subject(), filter.since.t, follow, func(m jetstream.Msg) error {
		meta, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("reading %s: %w", schema.DeadLetterStream.Name, err)
		}
		dl, err := schema.DecodeDeadLetter(m.Data())
		if err != nil {
			fmt.Fprintf(a.stderr, "newsjet: skipping unreadable dead letter at %s sequence %d: %v\n", schema.DeadLetterStream.Name, meta.Sequence.Stream, err)
			return nil
		}
		if !filter.match(dl) {
			return nil
		}
		return f(deadMsg{dl: dl, seq: meta.Sequence.Stream})
	})
}

// deadLine is one line of `newsjet dead`: a dead letter without its payload.
type deadLine struct {
	ID               string    `json:"id"`
	Stage            string    `json:"stage"`
	Reason           string    `json:"reason"`
	Error            string    `json:"error"`
	Deliveries       uint64    `json:"deliveries"`
	Subject          string    `json:"subject"`
	Site             string    `json:"site,omitempty"`
	Stream           string    `json:"stream,omitempty"`
	StreamSeq        uint64    `json:"stream_seq,omitempty"`
	PayloadSize      int       `json:"payload_size"`
	PayloadTruncated bool      `json:"payload_truncated,omitempty"`
	FailedAt         time.Time `json:"failed_at"`
	// DeadSeq is the dead letter's own sequence in NEWS_DEAD.
	DeadSeq uint64 `json:"dead_seq"`
}

func lineOf(d deadMsg) deadLine {
	return deadLine{
		ID: d.dl.ID, Stage: d.dl.Stage, Reason: d.dl.Reason, Error: d.dl.Error, Deliveries: d.dl.Deliveries,
		Subject: d.dl.Subject, Site: schema.SubjectToken(d.dl.Subject), Stream: d.dl.Stream, StreamSeq: d.dl.StreamSeq,
		PayloadSize: len(d.dl.Payload), PayloadTruncated: d.dl.PayloadTruncated, FailedAt: d.dl.FailedAt, DeadSeq: d.seq,
	}
}

// cmdDead lists dead letters as JSON lines, filtered, or with `show ID` prints one with
// its payload decoded.
func (a *app) cmdDead(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "show" {
		return a.cmdDeadShow(ctx, args[1:])
	}
	fs := a.flagSet("dead", "| newsjet dead show ID")
	var cf clientFlags
	cf.register(fs)
	var filter deadFilter
	filter.register(fs)
	follow := fs.Bool("follow", false, "after the stored ones, print new dead letters as they come, until interrupted")
	limit := fs.Int("limit", 0, "stop after this many lines (0: no limit)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("%w: dead takes no arguments (dead show ID prints one)", ErrUsage)
	}
	nc, js, err := cf.connect(ctx, "newsjet-dead")
	if err != nil {
		return err
	}
	defer nc.Close()
	printed := 0
	errLimit := errors.New("limit reached")
	err = a.scanDead(ctx, js, &filter, *follow, func(d deadMsg) error {
		if err := a.stdout.write(lineOf(d)); err != nil {
			return err
		}
		if printed++; *limit > 0 && printed >= *limit {
			return errLimit
		}
		return nil
	})
	if errors.Is(err, errLimit) {
		return nil
	}
	return err
}

// deadShown is what `newsjet dead show` prints: the dead letter (payload in base64, byte
// for byte) and its payload decoded: as JSON when it is JSON, else as text when it is
// text (a gzip-compressed bare page uncompressed).
type deadShown struct {
	*schema.DeadLetter
	DeadSeq     uint64          `json:"dead_seq"`
	PayloadJSON json.RawMessage `json:"payload_json,omitempty"`
	PayloadText string          `json:"payload_text,omitempty"`
}

func (a *app) cmdDeadShow(ctx context.Context, args []string) error {
	fs := a.flagSet("dead", "show ID")
	var cf clientFlags
	cf.register(fs)
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: dead show takes one dead-letter id", ErrUsage)
	}
	id := fs.Arg(0)
	nc, js, err := cf.connect(ctx, "newsjet-dead")
	if err != nil {
		return err
	}
	defer nc.Close()
	var found *deadMsg
	errFound := errors.New("found")
	err = a.scanDead(ctx, js, &deadFilter{ids: map[string]bool{id: true}}, false, func(d deadMsg) error {
		found = &d
		return errFound
	})
	if err != nil && !errors.Is(err, errFound) {
		return err
	}
	if found == nil {
		return fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	shown := deadShown{DeadLetter: found.dl, DeadSeq: found.seq}
	payload := found.dl.Payload
	if h := found.dl.Headers[schema.HeaderContentEncoding]; len(h) > 0 && strings.EqualFold(h[0], "gzip") && !found.dl.PayloadTruncated {
		if zr, err := gzip.NewReader(bytes.NewReader(payload)); err == nil {
			if plain, err := io.ReadAll(io.LimitReader(zr, schema.MaxBareGzipSize)); err == nil {
				payload = plain
			}
		}
	}
	switch {
	case json.Valid(payload):
		shown.PayloadJSON = payload
	case utf8.Valid(payload):
		shown.PayloadText = string(payload)
	}
	return a.stdout.write(shown)
}
