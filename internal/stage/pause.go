package stage

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"
)

// probeMax caps the pause between two checks of an unavailable dependency.
const probeMax = 10 * time.Second

// gate pauses a stage while a dependency it needs is unavailable. The first handler
// that reports the dependency unavailable closes the gate: consumption stops, the
// messages already delivered are held, and a prober checks the dependency with
// back-off until it answers, then opens the gate again.
type gate struct {
	mu sync.Mutex
	// cause is why the gate is closed; nil while open.
	cause error
	// opened is closed when the gate opens again; closed is closed when it closes.
	opened, closed chan struct{}
	// streak counts the pauses since a handler last succeeded: the first probe of a
	// pause waits RetryBackoff doubled per earlier pause of the streak.
	streak int
}

func newGate() *gate {
	return &gate{opened: make(chan struct{}), closed: make(chan struct{})}
}

// state returns why the gate is closed (nil when open) and the channels that close
// when it next opens and when it next closes.
func (g *gate) state() (cause error, opened, closed <-chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.cause, g.opened, g.closed
}

// close closes the gate for cause and returns the channel that closes when it opens
// again, and whether this call closed it (false: it was closed already).
func (g *gate) close(cause error) (opened <-chan struct{}, first bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cause != nil {
		return g.opened, false
	}
	g.cause = cause
	g.streak++
	close(g.closed)
	g.opened = make(chan struct{})
	return g.opened, true
}

// open opens a closed gate.
func (g *gate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cause == nil {
		return
	}
	g.cause = nil
	close(g.opened)
	g.closed = make(chan struct{})
}

// setCause updates the reason of a closed gate (the dependency's latest error).
func (g *gate) setCause(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cause != nil && err != nil {
		g.cause = err
	}
}

// succeeded ends a streak of pauses: a handler call went through.
func (g *gate) succeeded() {
	g.mu.Lock()
	g.streak = 0
	g.mu.Unlock()
}

// probe checks the dependency while the gate is closed, with back-off from base (doubled
// per earlier pause of the streak) up to max(probeMax, base), and opens the gate once
// ready passes (nil ready: after the first wait). It returns when the gate is open or
// ctx ended.
func (g *gate) probe(ctx context.Context, ready func(context.Context) error, base time.Duration, log *zap.Logger) {
	g.mu.Lock()
	delay := base
	for i := 1; i < g.streak && delay < probeMax; i++ {
		delay *= 2
	}
	g.mu.Unlock()
	limit := max(probeMax, base)
	for {
		delay = min(delay, limit)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		if ready == nil {
			break
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := ready(pctx)
		cancel()
		if err == nil {
			break
		}
		g.setCause(err)
		log.Debug("dependency still unavailable", zap.Duration("next_check", min(2*delay, limit)), zap.Error(err))
		delay *= 2
	}
	g.open()
	log.Info("dependency available again; resuming")
}
