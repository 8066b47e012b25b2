package fetcher

import (
	"runtime/debug"
	"sync"
	"time"
)

// Memory of large pages. Go's runtime keeps freed heap for reuse and gives it back to
// the operating system only gradually, and an idle process rarely collects garbage: a
// burst of 20 MB pages (tens in flight, each read, hashed and stored) left the fetcher
// holding hundreds of MB while idle. After a page of at least largePage bytes, once no
// other large page has come for the release delay, the fetcher frees that memory at once.
const (
	largePage = 1 << 20
	// DefaultIdleRelease is the release delay.
	DefaultIdleRelease = 30 * time.Second
)

// releaser returns freed memory to the operating system after a quiet period.
type releaser struct {
	after time.Duration
	mu    sync.Mutex
	timer *time.Timer
}

// touch (re)starts the quiet period: the release runs after r.after without another
// touch.
func (r *releaser) touch() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer == nil {
		r.timer = time.AfterFunc(r.after, debug.FreeOSMemory)
		return
	}
	r.timer.Reset(r.after)
}

// stop cancels a pending release.
func (r *releaser) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer != nil {
		r.timer.Stop()
	}
}
