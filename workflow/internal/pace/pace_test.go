package pace

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
)

func TestBoundHoldsAndGrows(t *testing.T) {
	t.Parallel()
	a := New(asc.NewRateBudget(), 2, 4)
	ctx := t.Context()
	if err := a.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	// A third caller waits until a slot is released.
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if err := a.Acquire(short); err == nil {
		t.Fatal("a third Acquire succeeded with a bound of 2")
	}
	a.Release()
	a.Release()
	// Without 429s the bound grows by about one per bound's worth of releases, up to most.
	for range 40 {
		if err := a.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
		a.Release()
	}
	if got := a.Limit(); got != 4 {
		t.Errorf("limit = %d, want 4", got)
	}
}

func TestBoundHalvesOnRateLimitHold(t *testing.T) {
	t.Parallel()
	b := asc.NewRateBudget()
	a := New(b, 8, 8)
	if err := a.Acquire(t.Context()); err != nil {
		t.Fatal(err)
	}
	b.Observe(asc.RateLimit{}, 429, time.Second)
	a.Release()
	if got := a.Limit(); got != 4 {
		t.Errorf("limit after a 429 hold = %d, want 4", got)
	}
	// The same hold does not halve twice.
	a.Acquire(t.Context())
	a.Release()
	if got := a.Limit(); got != 4 {
		t.Errorf("limit after a second release in the same hold = %d, want 4", got)
	}
}

func TestConcurrentUseStaysWithinBound(t *testing.T) {
	t.Parallel()
	a := New(nil, 3, 3)
	var (
		mu       sync.Mutex
		inFlight int
		most     int
		wg       sync.WaitGroup
	)
	for range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := a.Acquire(t.Context()); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inFlight--
			mu.Unlock()
			a.Release()
		}()
	}
	wg.Wait()
	if most > 3 || most < 1 {
		t.Errorf("most in flight = %d, want 1..3", most)
	}
}

func TestConcurrent429sAreOneEvent(t *testing.T) {
	t.Parallel()
	b := asc.NewRateBudget()
	a := New(b, 8, 8)
	for range 3 {
		a.Acquire(t.Context())
	}
	// Three requests in flight all come back 429, each extending the hold a little.
	for i := range 3 {
		b.Observe(asc.RateLimit{}, 429, time.Second+time.Duration(i)*time.Millisecond)
		a.Release()
	}
	if got := a.Limit(); got != 4 {
		t.Errorf("limit after one burst of 429s = %d, want 4 (halved once)", got)
	}
}
