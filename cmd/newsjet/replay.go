package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/cleaner"
	"github.com/newsjet/newsjet/services/extractor"
)

// HeaderReplayOf names, on a message republished by `newsjet replay dead`, the dead
// letter it came from.
const HeaderReplayOf = "Newsjet-Replay-Of"

// progressEvery is how often the replay commands report progress on stderr.
const progressEvery = 100

// cmdReplay dispatches `newsjet replay dead` and `newsjet replay raw`.
func (a *app) cmdReplay(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: replay dead [filters] [ID...] | replay raw --since T [--site S]", ErrUsage)
	}
	switch args[0] {
	case "dead":
		return a.cmdReplayDead(ctx, args[1:])
	case "raw":
		return a.cmdReplayRaw(ctx, args[1:])
	case "-h", "--help", "help":
		fs := a.flagSet("replay", "dead [filters] [ID...] | raw --since T [--site S]")
		fs.SetOutput(a.stdout)
		fs.Usage()
		return flag.ErrHelp
	}
	return fmt.Errorf("%w: unknown replay %q (dead or raw)", ErrUsage, args[0])
}

// replayedDead is one line of `newsjet replay dead`.
type replayedDead struct {
	ID      string `json:"id"`
	Subject string `json:"subject"`
	Stream  string `json:"stream,omitempty"`
	Seq     uint64 `json:"seq,omitempty"`
	DryRun  bool   `json:"dry_run,omitempty"`
}

// cmdReplayDead republishes the payloads of the chosen dead letters (by filter, and by
// id when ids are given) to their original subjects, with their original headers, and
// removes each dead letter from NEWS_DEAD once its payload is stored again: each is
// replayed once, and running the command again replays nothing twice. A payload that
// was truncated is taken from its original stream while that keeps it. Each republished
// message has Nats-Msg-Id derived from the dead letter (a retry after a crash is
// dropped) and Newsjet-Replay-Of set to the dead letter's id.
func (a *app) cmdReplayDead(ctx context.Context, args []string) error {
	fs := a.flagSet("replay", "dead [filters] [ID...]")
	var cf clientFlags
	cf.register(fs)
	var filter deadFilter
	filter.register(fs)
	dryRun := fs.Bool("dry-run", false, "print what would be replayed, change nothing")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		filter.ids = map[string]bool{}
		for _, id := range fs.Args() {
			filter.ids[id] = true
		}
	}
	nc, js, err := cf.connect(ctx, "newsjet-replay")
	if err != nil {
		return err
	}
	defer nc.Close()
	dead, err := js.Stream(ctx, schema.DeadLetterStream.Name)
	if err != nil {
		return fmt.Errorf("opening %s: %w", schema.DeadLetterStream.Name, err)
	}
	// Read first, then replay: republished messages that fail again must not be read
	// back by this run.
	var chosen []deadMsg
	if err := a.scanDead(ctx, js, &filter, false, func(d deadMsg) error {
		chosen = append(chosen, d)
		return nil
	}); err != nil {
		return err
	}
	replayed, failed := 0, 0
	for i, d := range chosen {
		if ctx.Err() != nil {
			break
		}
		line, err := replayOne(ctx, js, dead, d, *dryRun)
		if err != nil {
			failed++
			fmt.Fprintf(a.stderr, "newsjet replay dead: %s (%s %s): %v\n", d.dl.ID, d.dl.Stage, d.dl.Reason, err)
			continue
		}
		replayed++
		if err := a.stdout.write(line); err != nil {
			return err
		}
		if (i+1)%progressEvery == 0 {
			fmt.Fprintf(a.stderr, "newsjet replay dead: %d of %d\n", i+1, len(chosen))
		}
	}
	verb := "replayed"
	if *dryRun {
		verb = "would replay"
	}
	fmt.Fprintf(a.stderr, "newsjet replay dead: %d dead letters chosen, %s %d, %d failed\n", len(chosen), verb, replayed, failed)
	if failed > 0 {
		return fmt.Errorf("%d dead letters not replayed", failed)
	}
	return ctx.Err()
}

// replayOne republishes one dead letter's payload and deletes the dead letter.
func replayOne(ctx context.Context, js jetstream.JetStream, dead jetstream.Stream, d deadMsg, dryRun bool) (replayedDead, error) {
	dl := d.dl
	line := replayedDead{ID: dl.ID, Subject: dl.Subject, DryRun: dryRun}
	payload := dl.Payload
	if dl.PayloadTruncated {
		orig, err := js.Stream(ctx, dl.Stream)
		if err != nil {
			return line, fmt.Errorf("payload truncated, original stream %s: %w", dl.Stream, err)
		}
		m, err := orig.GetMsg(ctx, dl.StreamSeq)
		if err != nil {
			return line, fmt.Errorf("payload truncated, original %s sequence %d: %w", dl.Stream, dl.StreamSeq, err)
		}
		payload = m.Data
	}
	if dl.Subject == "" {
		return line, errors.New("the dead letter has no original subject")
	}
	if dryRun {
		return line, nil
	}
	msg := nats.NewMsg(dl.Subject)
	for k, v := range dl.Headers {
		if strings.HasPrefix(k, "Nats-") {
			continue // the broker's own: de-duplication, expectations
		}
		msg.Header[k] = append([]string(nil), v...)
	}
	msg.Header.Set(schema.HeaderMsgID, schema.ID("replay", dl.ID))
	msg.Header.Set(HeaderReplayOf, dl.ID)
	msg.Data = payload
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		return line, fmt.Errorf("republishing to %s: %w", dl.Subject, err)
	}
	line.Stream, line.Seq = ack.Stream, ack.Sequence
	if err := dead.DeleteMsg(ctx, d.seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return line, fmt.Errorf("republished as %s sequence %d, but the dead letter is not removed: %w", ack.Stream, ack.Sequence, err)
	}
	return line, nil
}

// replayedRaw is one line of `newsjet replay raw`: an article extracted again.
type replayedRaw struct {
	RawSeq    uint64 `json:"raw_seq"`
	RawID     string `json:"raw_id"`
	ArticleID string `json:"article_id"`
	Subject   string `json:"subject"`
	Seq       uint64 `json:"seq"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

// cmdReplayRaw runs the raw pages stored since --since (until --until, of --site) through
// this binary's cleaner and extractor (their version is this newsjet's) and publishes
// the articles to the extracted stream, where the sink stores what changed as new
// versions. It reads the pages the stream held when it started, then stops. Each
// article's Nats-Msg-Id derives from its content and the raw page's stream sequence, so
// a run repeated at once publishes nothing twice, and the sink ignores content it
// already has: the command is idempotent. A page that fails is reported on stderr and
// counted; the run goes on.
func (a *app) cmdReplayRaw(ctx context.Context, args []string) error {
	fs := a.flagSet("replay", "raw --since T [--until T] [--site S]")
	var cf clientFlags
	cf.register(fs)
	var since, until timeFlag
	fs.Var(&since, "since", "replay the raw pages stored at or after this time: RFC 3339, YYYY-MM-DD or a duration ago (required)")
	fs.Var(&until, "until", "and before this time (same forms)")
	site := fs.String("site", "", "only this site: a host name (news.example.com) or its subject token (news_example_com)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if since.t.IsZero() || fs.NArg() != 0 {
		return fmt.Errorf("%w: replay raw takes --since and no arguments", ErrUsage)
	}
	nc, js, err := cf.connect(ctx, "newsjet-replay")
	if err != nil {
		return err
	}
	defer nc.Close()
	maxPayload := nc.MaxPayload()
	clean := cleaner.Handler(stage.Version, js, maxPayload)
	extract := extractor.Handler(stage.Version, maxPayload)
	subject := schema.RawSubjectPrefix + ".>"
	if *site != "" {
		subject = schema.RawSubjectPrefix + "." + schema.DomainToken(*site)
	}
	read, published, failed := 0, 0, 0
	errUntil := errors.New("until reached")
	err = scanStream(ctx, js, schema.RawStream.Name, subject, since.t, false, func(m jetstream.Msg) error {
		meta, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("reading %s: %w", schema.RawStream.Name, err)
		}
		if !until.t.IsZero() && !meta.Timestamp.Before(until.t) {
			return errUntil
		}
		read++
		line, err := replayRaw(ctx, js, clean, extract, m, meta)
		if err != nil {
			failed++
			fmt.Fprintf(a.stderr, "newsjet replay raw: %s sequence %d (%s): %v\n", schema.RawStream.Name, meta.Sequence.Stream, m.Subject(), err)
		} else {
			published++
			if err := a.stdout.write(line); err != nil {
				return err
			}
		}
		if read%progressEvery == 0 {
			fmt.Fprintf(a.stderr, "newsjet replay raw: %d pages, %d articles published, %d failed\n", read, published, failed)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errUntil) {
		return err
	}
	fmt.Fprintf(a.stderr, "newsjet replay raw: %d pages read, %d articles published, %d failed (cleaner and extractor %s)\n",
		read, published, failed, stage.Version)
	if failed > 0 {
		return fmt.Errorf("%d raw pages not replayed", failed)
	}
	return ctx.Err()
}

// replayRaw cleans and extracts one raw message with the stages' own handlers and
// publishes the article.
func replayRaw(ctx context.Context, js jetstream.JetStream, clean, extract stage.Handler, m jetstream.Msg, meta *jetstream.MsgMetadata) (replayedRaw, error) {
	in := &stage.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data(), Deliveries: 1, Received: meta.Timestamp,
		Stream: meta.Stream, StreamSeq: meta.Sequence.Stream}
	cleaned, err := clean(ctx, in)
	if err != nil {
		return replayedRaw{}, fmt.Errorf("cleaning: %w", err)
	}
	if len(cleaned) != 1 {
		return replayedRaw{}, fmt.Errorf("cleaning gave %d pages", len(cleaned))
	}
	arts, err := extract(ctx, &stage.Msg{Subject: cleaned[0].Subject, Data: cleaned[0].Data, Deliveries: 1, Received: time.Now()})
	if err != nil {
		return replayedRaw{}, fmt.Errorf("extracting: %w", err)
	}
	if len(arts) != 1 {
		return replayedRaw{}, fmt.Errorf("extracting gave %d articles", len(arts))
	}
	out := arts[0]
	art, err := schema.DecodeArticle(out.Data)
	if err != nil {
		return replayedRaw{}, err
	}
	msg := nats.NewMsg(out.Subject)
	msg.Data = out.Data
	msg.Header.Set(schema.HeaderSchema, out.Schema)
	msg.Header.Set(schema.HeaderMsgID, stage.DeliveryMsgID(out.MsgID, meta.Stream, meta.Sequence.Stream))
	ack, err := js.PublishMsg(ctx, msg)
	if err != nil {
		return replayedRaw{}, fmt.Errorf("publishing the article: %w", err)
	}
	return replayedRaw{RawSeq: meta.Sequence.Stream, RawID: art.Lineage.RawID, ArticleID: art.ID, Subject: out.Subject,
		Seq: ack.Sequence, Duplicate: ack.Duplicate}, nil
}
