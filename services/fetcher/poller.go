package fetcher

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher/discover"
	"github.com/newsjet/newsjet/services/fetcher/state"
)

// ErrSources is wrapped by errors in the source list.
var ErrSources = errors.New("fetcher: bad source list")

// Source is a feed or sitemap polled on a schedule.
type Source struct {
	URL  string
	Kind string // schema.KindFeed or schema.KindSitemap
}

// ParseSources reads a source list: one URL per line, optionally preceded by its kind
// ("feed https://…" or "sitemap https://…"; otherwise guessed from the URL, and a URL
// that looks like an article is taken as a feed). Blank lines and text after '#' are
// ignored. Duplicates (by normalised URL) are dropped. A line that is not an absolute
// http(s) URL is an error wrapping ErrSources that names the line.
func ParseSources(r io.Reader) ([]Source, error) {
	var out []Source
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		src := Source{URL: fields[len(fields)-1]}
		switch {
		case len(fields) == 2 && (fields[0] == schema.KindFeed || fields[0] == schema.KindSitemap):
			src.Kind = fields[0]
		case len(fields) == 1:
			src.Kind = discover.GuessKind(src.URL)
			if src.Kind == schema.KindArticle {
				src.Kind = schema.KindFeed
			}
		default:
			return nil, fmt.Errorf("%w: line %d: want [feed|sitemap] URL, got %q", ErrSources, n, strings.TrimSpace(line))
		}
		norm, err := schema.NormalizeURL(src.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrSources, n, err)
		}
		if !seen[norm] {
			seen[norm] = true
			out = append(out, src)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSources, err)
	}
	return out, nil
}

// LoadSources reads the source file (when file is not empty) and adds the URLs given
// directly, each in ParseSources' line format.
func LoadSources(file string, urls []string) ([]Source, error) {
	var text strings.Builder
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrSources, err)
		}
		text.Write(b)
		text.WriteByte('\n')
	}
	for _, u := range urls {
		text.WriteString(u)
		text.WriteByte('\n')
	}
	return ParseSources(strings.NewReader(text.String()))
}

// Poller enqueues a FetchRequest for each source once per interval. Replicas share the
// schedule through leases in the state store: the replica that takes a source's lease
// polls it, and nobody polls it again until the lease expires, after Interval or, when
// the source's last answer said it stays fresh longer (Cache-Control max-age, Expires),
// when it goes stale, but never more than MaxInterval apart.
type Poller struct {
	Sources     []Source
	Store       *state.Store
	Pub         jetstream.Publisher
	Interval    time.Duration
	MaxInterval time.Duration
	// Holder names this replica in the leases.
	Holder string
	Log    *zap.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Run polls until ctx ends, checking the leases every Interval/10 (between 1s and 30s).
func (p *Poller) Run(ctx context.Context) {
	tick := min(max(p.Interval/10, time.Second), 30*time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		if _, err := p.PollOnce(ctx); err != nil && ctx.Err() == nil {
			p.log().Warn("polling sources", zap.Error(err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *Poller) log() *zap.Logger {
	if p.Log == nil {
		return zap.NewNop()
	}
	return p.Log
}

// PollOnce enqueues a request for every source whose lease it takes, and returns how
// many it enqueued. Errors of single sources are joined; the others are still polled.
func (p *Poller) PollOnce(ctx context.Context) (int, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	var errs []error
	n := 0
	for _, src := range p.Sources {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		ttl := p.leaseTTL(ctx, src, now())
		rev, ok, err := p.Store.AcquireLease(ctx, src.URL, p.Holder, ttl)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		req := &schema.FetchRequest{ID: schema.FetchRequestID(src.Kind, src.URL), Kind: src.Kind, URL: src.URL, RequestedAt: now().UTC()}
		msg, err := RequestMsg(req)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Each poll is a new message: the lease revision tells polls apart.
		msg.Header.Set(schema.HeaderMsgID, schema.ID(req.ID, "poll", strconv.FormatUint(rev, 10)))
		if _, err := p.Pub.PublishMsg(ctx, msg); err != nil {
			errs = append(errs, fmt.Errorf("enqueueing %s: %w", src.URL, err))
			continue
		}
		p.log().Debug("polled", zap.String("url", src.URL), zap.Duration("next_in", ttl))
		n++
	}
	return n, errors.Join(errs...)
}

// leaseTTL is how long until src is due again: Interval, or longer while its last
// answer stays fresh, capped at MaxInterval. A state error falls back to Interval.
func (p *Poller) leaseTTL(ctx context.Context, src Source, now time.Time) time.Duration {
	ttl := p.Interval
	if v, ok, err := p.Store.Validators(ctx, src.URL); err == nil && ok && v.FreshUntil.Sub(now) > ttl {
		ttl = v.FreshUntil.Sub(now)
	}
	if p.MaxInterval > 0 {
		ttl = min(ttl, p.MaxInterval)
	}
	return ttl
}

// replicaID names this process in poll leases.
func replicaID() string {
	host, err := os.Hostname()
	if err != nil {
		host = "fetcher"
	}
	return host + "/" + strconv.Itoa(os.Getpid()) + "/" + nuid.Next()
}

// RequestMsg returns the NATS message that enqueues req: subject
// schema.FetchSubject(req.URL), headers Nats-Msg-Id = req.ID and Newsjet-Schema. It
// fills req.Schema and returns req's validation error (wrapping schema.ErrInvalid).
func RequestMsg(req *schema.FetchRequest) (*nats.Msg, error) {
	data, err := schema.Encode(req)
	if err != nil {
		return nil, err
	}
	msg := nats.NewMsg(schema.FetchSubject(req.URL))
	msg.Header.Set(schema.HeaderMsgID, req.ID)
	msg.Header.Set(schema.HeaderSchema, schema.FetchRequestV1)
	msg.Data = data
	return msg, nil
}
