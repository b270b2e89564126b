// Package pace bounds the API requests a sync keeps in flight, adapting to the rate limit:
// the bound grows by one after a bound's worth of requests pass, and halves whenever the
// shared rate budget starts holding callers after a 429. Apple's burst limit is unpublished,
// so the right concurrency is found rather than configured.
package pace

import (
	"context"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/asc"
)

// Adaptive is an additive-increase, multiplicative-decrease concurrency bound.
type Adaptive struct {
	budget *asc.RateBudget

	mu        sync.Mutex
	cond      chan struct{} // closed and replaced whenever a slot may have opened
	limit     float64
	min, max  int
	inFlight  int
	lastPause time.Time
}

// New returns a bound starting at initial, kept within [1, most]. budget may be nil, in which
// case the bound stays fixed.
func New(budget *asc.RateBudget, initial, most int) *Adaptive {
	most = max(most, 1)
	initial = min(max(initial, 1), most)
	return &Adaptive{budget: budget, cond: make(chan struct{}), limit: float64(initial), min: 1, max: most}
}

// Limit returns the current bound.
func (a *Adaptive) Limit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int(a.limit)
}

// Acquire waits for a slot.
func (a *Adaptive) Acquire(ctx context.Context) error {
	// Bounded by the context: every pass either takes a slot or waits for a release.
	for {
		a.mu.Lock()
		if a.inFlight < int(a.limit) {
			a.inFlight++
			a.mu.Unlock()
			return nil
		}
		wake := a.cond
		a.mu.Unlock()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		}
	}
}

// Release returns a slot and adapts the bound.
func (a *Adaptive) Release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inFlight--
	if a.budget != nil {
		if p := a.budget.Snapshot().PausedUntil; !p.IsZero() && p.After(a.lastPause) {
			// A new 429 hold: the server says we are going too fast.
			a.lastPause = p
			a.limit = max(float64(a.min), a.limit/2)
		} else {
			a.limit = min(float64(a.max), a.limit+1/a.limit)
		}
	}
	close(a.cond)
	a.cond = make(chan struct{})
}
