// Package pace keeps a sync's API requests under the rate limit without knowing it. Apple's
// burst limit is unpublished and every 429 makes the shared rate budget hold all callers (a
// second or more), so a sync that simply keeps N requests in flight loses much of its time
// to holds. Adaptive bounds the requests in flight and, once the server has refused some,
// paces them at the rate the server sustained between two refusals.
//
// The estimate: between two 429s the client spends the burst allowance the server refilled
// during that span, so requests granted between them divided by the time between them is the
// server's sustained rate (the first span also holds the initial burst and overestimates,
// which the next span corrects). The pace then creeps up by 2% a second to track changes.
package pace

import (
	"context"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/asc"
)

// Adaptive bounds concurrency and paces requests. It is safe for concurrent use.
type Adaptive struct {
	budget *asc.RateBudget

	mu       sync.Mutex
	cond     chan struct{} // closed and replaced whenever a slot may have opened
	limit    float64
	min, max int
	inFlight int

	lastPause  time.Time // the hold last reacted to
	rate       float64   // requests per second; 0: not paced
	next       time.Time // earliest start of the next paced request
	spanStart  time.Time // since the last 429 hold
	spanCount  int       // requests granted since spanStart
	lastGrowth time.Time
	now        func() time.Time
}

// New returns a bound starting at initial requests in flight, kept within [1, most]. budget
// may be nil, in which case the bound stays fixed and nothing is paced.
func New(budget *asc.RateBudget, initial, most int) *Adaptive {
	most = max(most, 1)
	initial = min(max(initial, 1), most)
	a := &Adaptive{budget: budget, cond: make(chan struct{}), limit: float64(initial), min: 1, max: most, now: time.Now}
	a.spanStart = a.now()
	return a
}

// Limit returns the current bound on requests in flight.
func (a *Adaptive) Limit() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int(a.limit)
}

// Rate returns the current pace in requests per second, 0 when unpaced.
func (a *Adaptive) Rate() float64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate
}

// Acquire waits for a slot and, when paced, for the request's turn.
func (a *Adaptive) Acquire(ctx context.Context) error {
	// Bounded by the context: every pass either takes a slot or waits for a release.
	for {
		a.mu.Lock()
		if a.inFlight < int(a.limit) {
			a.inFlight++
			var wait time.Duration
			if a.rate > 0 {
				now := a.now()
				slot := a.next
				if slot.Before(now) {
					slot = now
				}
				a.next = slot.Add(time.Duration(float64(time.Second) / a.rate))
				wait = slot.Sub(now)
			}
			a.spanCount++
			a.mu.Unlock()
			if wait > 0 {
				t := time.NewTimer(wait)
				defer t.Stop()
				select {
				case <-ctx.Done():
					a.Release()
					return ctx.Err()
				case <-t.C:
				}
			}
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

// Release returns a slot and adapts the bound and the pace.
func (a *Adaptive) Release() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.inFlight--
	if a.budget != nil {
		now := a.now()
		p := a.budget.Snapshot().PausedUntil
		switch {
		case !p.IsZero() && p.After(a.lastPause) && now.Before(a.lastPause):
			// Another 429 of the requests that were in flight when the hold began: the same
			// event, already reacted to.
			a.lastPause = p
		case !p.IsZero() && p.After(a.lastPause):
			// A new 429 hold: the server says we are going too fast.
			a.lastPause = p
			if span := now.Sub(a.spanStart).Seconds(); span > 0.2 && a.spanCount > 1 {
				a.rate = 0.95 * float64(a.spanCount) / span
			}
			a.spanStart, a.spanCount = now, 0
			a.limit = max(float64(a.min), a.limit/2)
			a.lastGrowth = now
		default:
			a.limit = min(float64(a.max), a.limit+1/a.limit)
			if a.rate > 0 && now.Sub(a.lastGrowth) >= time.Second {
				a.rate *= 1.02
				a.lastGrowth = now
			}
		}
	}
	close(a.cond)
	a.cond = make(chan struct{})
}
