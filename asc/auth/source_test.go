package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand; safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func newFakeClock(t time.Time) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(t.UnixNano())
	return c
}

func (c *fakeClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// countingSource returns a source whose signatures are counted.
func countingSource(t testing.TB, opts TokenOptions) (*CachedTokenSource, *atomic.Int64) {
	t.Helper()
	s := NewTokenSource(mustKey(t, "iss"), opts)
	var n atomic.Int64
	sign := s.sign
	s.sign = func(o TokenOptions) (string, time.Time, error) {
		n.Add(1)
		return sign(o)
	}
	return s, &n
}

func TestTokenSourceSignsOnceUnderContention(t *testing.T) {
	t.Parallel()
	s, signs := countingSource(t, TokenOptions{})
	const callers = 100
	tokens := make([]string, callers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range callers {
		wg.Go(func() {
			<-start
			tok, err := s.Token(t.Context())
			if err != nil {
				t.Error(err)
			}
			tokens[i] = tok
		})
	}
	close(start)
	wg.Wait()
	if got := signs.Load(); got != 1 {
		t.Errorf("%d goroutines caused %d signatures, want 1", callers, got)
	}
	for i, tok := range tokens {
		if tok == "" || tok != tokens[0] {
			t.Fatalf("caller %d got a different token", i)
		}
	}
}

func TestTokenSourceInvalidateStorm(t *testing.T) {
	t.Parallel()
	s, signs := countingSource(t, TokenOptions{})
	first, err := s.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Fifty requests all come back 401 with the same token; each invalidates it and asks
	// again. Only the first invalidation counts, so there is one new signature.
	const refused = 50
	fresh := make([]string, refused)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range refused {
		wg.Go(func() {
			<-start
			s.Invalidate(first)
			tok, err := s.Token(t.Context())
			if err != nil {
				t.Error(err)
			}
			fresh[i] = tok
		})
	}
	close(start)
	wg.Wait()
	if got := signs.Load(); got != 2 {
		t.Errorf("%d concurrent invalidations led to %d signatures in all, want 2", refused, got)
	}
	for i, tok := range fresh {
		if tok == first || tok != fresh[0] {
			t.Fatalf("caller %d got the refused token or a third one", i)
		}
	}
	// Invalidating a token that is no longer current changes nothing.
	s.Invalidate(first)
	s.Invalidate("not-a-token")
	if tok, _ := s.Token(t.Context()); tok != fresh[0] || signs.Load() != 2 {
		t.Error("invalidating a stale token dropped the current one")
	}
}

func TestTokenSourceRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		lifetime time.Duration
		reuseTil time.Duration // the token is reused up to here
	}{
		// 15 minutes: margin is a tenth, 90 seconds.
		{"default lifetime", 0, 15*time.Minute - 90*time.Second},
		// 20 minutes: a tenth would be 2 minutes, the cap.
		{"twenty minutes", 20 * time.Minute, 18 * time.Minute},
		// One minute: margin six seconds, so most of a short token is used.
		{"one minute", time.Minute, 54 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock(signAt)
			s, signs := countingSource(t, TokenOptions{Lifetime: tc.lifetime, Now: clock.Now})
			first, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			clock.Advance(tc.reuseTil - time.Second)
			if tok, _ := s.Token(t.Context()); tok != first {
				t.Errorf("token replaced %s before the refresh point", time.Second)
			}
			clock.Advance(time.Second)
			second, err := s.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if second == first || signs.Load() != 2 {
				t.Errorf("token not replaced at the refresh point (%d signatures)", signs.Load())
			}
		})
	}
}

func TestRefreshMargin(t *testing.T) {
	t.Parallel()
	for lifetime, want := range map[time.Duration]time.Duration{
		time.Minute:      6 * time.Second,
		15 * time.Minute: 90 * time.Second,
		20 * time.Minute: 2 * time.Minute,
		time.Hour:        2 * time.Minute,
	} {
		if got := refreshMargin(lifetime); got != want {
			t.Errorf("refreshMargin(%s) = %s, want %s", lifetime, got, want)
		}
	}
}

func TestTokenSourceErrors(t *testing.T) {
	t.Parallel()
	s, signs := countingSource(t, TokenOptions{Lifetime: 21 * time.Minute})
	for range 2 {
		if _, err := s.Token(t.Context()); err == nil || !strings.Contains(err.Error(), "20-minute") {
			t.Fatalf("Token: got %v, want the lifetime error", err)
		}
	}
	if signs.Load() != 2 {
		t.Errorf("a failed signature was cached: %d attempts, want 2", signs.Load())
	}

	ok, okSigns := countingSource(t, TokenOptions{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := ok.Token(ctx); err == nil {
		t.Error("Token signed for a cancelled context")
	}
	if okSigns.Load() != 0 {
		t.Error("a cancelled context still caused a signature")
	}
}
