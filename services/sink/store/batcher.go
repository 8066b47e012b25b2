package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/newsjet/newsjet/pkg/schema"
)

// BatcherConfig tunes a Batcher. Zero fields take the defaults.
type BatcherConfig struct {
	// MaxBatch bounds the articles in one transaction. Default 256.
	MaxBatch int
	// MaxDelay is how long a batch waits for more articles after its first arrived.
	// Default 0: a batch is whatever is waiting when a writer is free, so batches grow
	// with load and a lone article is written at once.
	MaxDelay time.Duration
	// Writers is how many transactions may run at once. Default 1.
	Writers int
	// Timeout bounds one transaction. Default 30s.
	Timeout time.Duration
}

func (c *BatcherConfig) setDefaults() {
	if c.MaxBatch <= 0 {
		c.MaxBatch = 256
	}
	if c.Writers <= 0 {
		c.Writers = 1
	}
	if c.Timeout <= 0 {
		c.Timeout = 30 * time.Second
	}
}

// Batcher is a group commit in front of a store: concurrent Put calls (one per
// message handler) are collected into one transaction, and each call returns only once
// the transaction holding its article has committed, so a message acknowledged after
// Put returned is durably stored.
type Batcher struct {
	w    RowWriter
	cfg  BatcherConfig
	reqs chan *request
	quit chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

type request struct {
	row  *Row
	done chan result
}

type result struct {
	res PutResult
	err error
}

// NewBatcher starts a batcher writing to w. Stop it with Close.
func NewBatcher(w RowWriter, cfg BatcherConfig) *Batcher {
	cfg.setDefaults()
	b := &Batcher{w: w, cfg: cfg, reqs: make(chan *request), quit: make(chan struct{})}
	b.wg.Add(cfg.Writers)
	for range cfg.Writers {
		go b.loop()
	}
	return b
}

// Put stores a through the next group commit and returns its result once that
// transaction committed. An article that cannot be stored fails at once with
// ErrInvalidArticle, without touching the batch; one the database refuses with
// ErrRejected, the rest of its batch stored without it. When the writer assigns
// stories, Put sketches the article's body before handing it over, in the caller's
// goroutine. A transaction failing otherwise fails every Put in it with the store's
// error. Put returns ctx.Err() when ctx ends first (the article
// may still be stored by a transaction already running) and ErrClosed after Close.
func (b *Batcher) Put(ctx context.Context, a *schema.Article) (PutResult, error) {
	row, err := Prepare(a)
	if err != nil {
		return PutResult{}, err
	}
	if sa, ok := b.w.(StoryAssigner); ok && sa.AssignsStories() {
		SketchRow(row)
	}
	r := &request{row: row, done: make(chan result, 1)}
	select {
	case b.reqs <- r:
	case <-b.quit:
		return PutResult{}, ErrClosed
	case <-ctx.Done():
		return PutResult{}, ctx.Err()
	}
	select {
	case out := <-r.done:
		return out.res, out.err
	case <-ctx.Done():
		return PutResult{}, ctx.Err()
	}
}

// Close stops the batcher after the transactions running finish; Puts waiting to
// join a batch return ErrClosed. It does not close the store.
func (b *Batcher) Close() {
	b.once.Do(func() { close(b.quit) })
	b.wg.Wait()
}

func (b *Batcher) loop() {
	defer b.wg.Done()
	for {
		var batch []*request
		select {
		case r := <-b.reqs:
			batch = append(batch, r)
		case <-b.quit:
			return
		}
		batch = b.collect(batch)
		b.flush(batch)
	}
}

// collect adds waiting requests to batch, up to MaxBatch, waiting at most MaxDelay.
func (b *Batcher) collect(batch []*request) []*request {
	var deadline <-chan time.Time
	if b.cfg.MaxDelay > 0 {
		t := time.NewTimer(b.cfg.MaxDelay)
		defer t.Stop()
		deadline = t.C
	}
	for len(batch) < b.cfg.MaxBatch {
		if deadline == nil {
			select {
			case r := <-b.reqs:
				batch = append(batch, r)
				continue
			default:
				return batch
			}
		}
		select {
		case r := <-b.reqs:
			batch = append(batch, r)
		case <-deadline:
			return batch
		case <-b.quit:
			return batch
		}
	}
	return batch
}

// flush writes batch in one transaction. When the database refuses one article
// (ErrRejected), which fails the whole transaction, the batch is split in halves that
// are written in turn, down to the refused article alone: it fails, the others are
// stored in their order.
func (b *Batcher) flush(batch []*request) {
	rows := make([]*Row, len(batch))
	for i, r := range batch {
		rows[i] = r.row
	}
	ctx, cancel := context.WithTimeout(context.Background(), b.cfg.Timeout)
	res, err := b.w.PutRows(ctx, rows)
	cancel()
	if err == nil && len(res) != len(batch) {
		err = fmt.Errorf("store: %d results for a batch of %d", len(res), len(batch))
	}
	if errors.Is(err, ErrRejected) && len(batch) > 1 {
		b.flush(batch[:len(batch)/2])
		b.flush(batch[len(batch)/2:])
		return
	}
	for i, r := range batch {
		if err != nil {
			r.done <- result{err: err}
		} else {
			r.done <- result{res: res[i]}
		}
	}
}
