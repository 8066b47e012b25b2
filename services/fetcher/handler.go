package fetcher

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/newsjet/newsjet/internal/claimcheck"
	"github.com/newsjet/newsjet/internal/stage"
	"github.com/newsjet/newsjet/pkg/schema"
	"github.com/newsjet/newsjet/services/fetcher/state"
)

// Name is the stage's name: it labels logs and metrics and names the dead-letter
// subject news.dead.fetcher.
const Name = "fetcher"

// Handler returns the stage handler. It decodes a FetchRequest (a malformed one is
// dead-lettered by the runtime) and carries it out with Fetch:
//
//   - an article becomes one RawPage on schema.RawSubject(page URL) with message id
//     RawPage.ID scoped to the request's delivery (a page fetched again by another
//     request is published again, so a reverted edit reaches the sink); its body
//     travels inline, gzip-compressed or as a claim check in the object store,
//     whichever first fits maxPayload (the server's max_payload);
//   - a feed or sitemap becomes one FetchRequest per unseen link on
//     schema.FetchSubject(link) with message id FetchRequest.ID, content-scoped, and
//     its Discovery goes to Config.OnDiscovery;
//   - a 304 publishes nothing.
//
// Permanent failures (see Fetch) are dead-lettered with their reason; transient ones are
// returned for redelivery with back-off.
func (f *Fetcher) Handler(js jetstream.ObjectStoreManager, maxPayload int64) stage.Handler {
	return func(ctx context.Context, m *stage.Msg) ([]stage.Output, error) {
		req, err := schema.DecodeFetchRequest(m.Data)
		if err != nil {
			return nil, err
		}
		res, err := f.Fetch(ctx, req, m.Deliveries <= 1)
		if err != nil {
			return nil, err
		}
		if res.Discovery != nil && f.cfg.OnDiscovery != nil {
			f.cfg.OnDiscovery(*res.Discovery)
		}
		return f.outputs(ctx, js, maxPayload, req, res)
	}
}

func (f *Fetcher) outputs(ctx context.Context, js jetstream.ObjectStoreManager, maxPayload int64, req *schema.FetchRequest, res *Result) ([]stage.Output, error) {
	switch {
	case res.NotModified:
		f.log.Debug("not modified", zap.String("url", req.URL))
		return nil, nil
	case res.Page != nil:
		if len(res.Body) >= largePage {
			defer f.release.touch()
		}
		data, err := claimcheck.EncodeRawPage(ctx, js, res.Page, res.Body, maxPayload)
		switch {
		case errors.Is(err, claimcheck.ErrNoBucket):
			return nil, stage.Unavailable(fmt.Errorf("encoding raw page of %s: %w", req.URL, err))
		case err != nil:
			return nil, fmt.Errorf("encoding raw page of %s: %w", req.URL, err)
		}
		return []stage.Output{{Subject: schema.RawSubject(res.Page.PageURL()), Schema: schema.RawPageV1, MsgID: res.Page.ID, Data: data}}, nil
	}
	outs := make([]stage.Output, 0, len(res.Requests))
	for _, r := range res.Requests {
		data, err := schema.Encode(r)
		if err != nil {
			return nil, err
		}
		// Content-scoped: a link that several feeds list is requested once.
		outs = append(outs, stage.Output{Subject: schema.FetchSubject(r.URL), Schema: schema.FetchRequestV1, MsgID: r.ID, Data: data,
			ContentScoped: true})
	}
	return outs, nil
}

// Service returns the fetcher stage for stage.Run or stage.Main. cfg is read when the
// stage starts, so flags bound with cfg.RegisterFlags are parsed by then. Setup checks
// the page bucket (created with provisioning on; with it off, waited for), opens the
// state buckets (waiting while JetStream cannot serve them), builds the Fetcher and,
// when sources are configured, starts the poller, which stops with the stage. The
// stage is not ready while the page bucket is missing.
func Service(cfg *Config) stage.Service {
	var (
		mu      sync.Mutex
		f       *Fetcher
		pollers sync.WaitGroup
	)
	return stage.Service{
		Name:     Name,
		Version:  stage.Version,
		Consumer: schema.FetcherConsumer,
		Streams:  []schema.StreamSpec{schema.FetchStream, schema.RawStream},
		Setup: func(ctx context.Context, d stage.Deps) (stage.Handler, error) {
			c := *cfg
			c.setDefaults()
			if err := c.Validate(); err != nil {
				return nil, err
			}
			sources, err := LoadSources(c.SourcesFile, c.Sources)
			if err != nil {
				return nil, err
			}
			if err := claimcheck.Check(ctx, d.JS, d.Provision); err != nil {
				return nil, stage.Unavailable(err)
			}
			st, err := state.Open(ctx, d.JS, state.Options{Horizon: c.Horizon})
			if err != nil {
				// JetStream not ready yet (a cluster forming): wait for it.
				return nil, stage.Unavailable(err)
			}
			fe, err := New(c, st, d.Log)
			if err != nil {
				return nil, err
			}
			fe.bucketReady = func(ctx context.Context) error { return claimcheck.Check(ctx, d.JS, d.Provision) }
			if fe.skipped, err = skipCounters(d.Registry); err != nil {
				return nil, err
			}
			mu.Lock()
			f = fe
			mu.Unlock()
			if len(sources) > 0 {
				p := &Poller{
					Sources: sources, Store: st, Pub: d.JS, Interval: c.PollInterval, MaxInterval: c.MaxPollInterval,
					Holder: replicaID(), Log: d.Log,
				}
				pollers.Go(func() { p.Run(ctx) })
				d.Log.Info("polling sources", zap.Int("sources", len(sources)), zap.Duration("interval", c.PollInterval))
			}
			return fe.Handler(d.JS, d.MaxPayload()), nil
		},
		Ready: func(ctx context.Context) error {
			mu.Lock()
			fe := f
			mu.Unlock()
			if fe == nil {
				return nil
			}
			return fe.bucketReady(ctx)
		},
		Close: func() error {
			pollers.Wait()
			mu.Lock()
			defer mu.Unlock()
			if f != nil {
				f.Close()
			}
			return nil
		},
	}
}
