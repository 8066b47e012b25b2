package polite

import (
	"math/rand/v2"
	"time"
)

// Backoff computes retry delays: Base doubled per attempt up to Max, with jitter so
// that many workers retrying one host spread out. The zero value uses 500ms and 30s.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
	// Rand returns a number in [0, 1); default math/rand/v2.
	Rand func() float64
}

// Delay returns how long to wait before retry number attempt (1 for the first retry).
// The delay lies between half and all of min(Base·2^(attempt-1), Max). A server's
// Retry-After longer than that wins.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	base, maxD := b.Base, b.Max
	if base <= 0 {
		base = 500 * time.Millisecond
	}
	if maxD <= 0 {
		maxD = 30 * time.Second
	}
	d := base
	for i := 1; i < attempt && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	rnd := b.Rand
	if rnd == nil {
		rnd = rand.Float64
	}
	d = d/2 + time.Duration(rnd()*float64(d/2))
	return max(d, retryAfter)
}
