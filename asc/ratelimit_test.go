package asc

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseRateLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		want   RateLimit
	}{
		{"user-hour-lim:3600;user-hour-rem:3599;", RateLimit{3600, 3599, true}},
		{"user-hour-lim:3600;user-hour-rem:0", RateLimit{3600, 0, true}},
		{" user-hour-rem : 12 ; user-hour-lim : 500 ;", RateLimit{500, 12, true}},
		{"user-hour-lim:3600;", RateLimit{Limit: 3600}},
		{"user-hour-lim:x;user-hour-rem:1;", RateLimit{Remaining: 1}},
		{"user-hour-lim:3600;user-hour-rem:-1;", RateLimit{Limit: 3600}},
		{"", RateLimit{}},
		{"garbage", RateLimit{}},
		{"other:1;user-hour-lim:10;user-hour-rem:9;user-minute-lim:5;", RateLimit{10, 9, true}},
	}
	for _, tt := range tests {
		got, ok := ParseRateLimit(tt.header)
		if got != tt.want || ok != tt.want.Known {
			t.Errorf("ParseRateLimit(%q) = %+v, %v; want %+v", tt.header, got, ok, tt.want)
		}
	}
}

// fakeClock is a clock whose sleeps advance it, so pacing can be asserted in virtual time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestBudget returns a budget on a fake clock; its sleeps are recorded and move the clock.
func newTestBudget() (*RateBudget, *fakeClock, *sleeper) {
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	sl := &sleeper{}
	b := NewRateBudget()
	b.now = clock.now
	b.sleep = func(ctx context.Context, d time.Duration) error {
		if err := sl.sleep(ctx, d); err != nil {
			return err
		}
		clock.advance(d)
		return nil
	}
	return b, clock, sl
}

func TestRateBudgetDoesNotSlowWhilePlentyRemains(t *testing.T) {
	t.Parallel()
	b, _, sl := newTestBudget()
	for range 5 { // unknown budget: nobody waits
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	b.Observe(RateLimit{Limit: 3600, Remaining: 3000, Known: true}, http.StatusOK, 0)
	for range 100 {
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if got := sl.got(); len(got) != 0 {
		t.Errorf("slept %v with plenty of budget", got)
	}
	if snap := b.Snapshot(); snap.Remaining != 2900 || snap.Interval != 0 {
		t.Errorf("snapshot = %+v, want 2900 remaining (reserved locally) and no pacing", snap)
	}
}

func TestRateBudgetPacesWhenLow(t *testing.T) {
	t.Parallel()
	b, clock, sl := newTestBudget()
	b.Observe(RateLimit{Limit: 3600, Remaining: 100, Known: true}, http.StatusOK, 0)
	start := clock.now()
	for range 4 {
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// What remains is spread over the hour: about 36 s apart, a little more as the local
	// reservation lowers the count. The first caller goes at once.
	got := sl.got()
	want := []time.Duration{time.Hour / 100, time.Hour / 99, time.Hour / 98}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pacing delays (-want +got):\n%s", diff)
	}
	if elapsed := clock.now().Sub(start); elapsed != want[0]+want[1]+want[2] {
		t.Errorf("virtual time spent = %s", elapsed)
	}
	if snap := b.Snapshot(); snap.Interval == 0 || snap.Remaining != 96 {
		t.Errorf("snapshot = %+v, want pacing and 96 remaining", snap)
	}
	// A fresh answer with plenty left lifts the pacing at once.
	b.Observe(RateLimit{Limit: 3600, Remaining: 3500, Known: true}, http.StatusOK, 0)
	if err := b.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(sl.got()); n != 3 {
		t.Errorf("slept again after the budget recovered: %v", sl.got())
	}
}

func TestRateBudgetSpentStillProbes(t *testing.T) {
	t.Parallel()
	b, _, sl := newTestBudget()
	b.Observe(RateLimit{Limit: 3600, Remaining: 0, Known: true}, http.StatusOK, 0)
	for range 2 {
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff([]time.Duration{time.Hour}, sl.got()); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
}

// TestRateBudgetHoldsEveryoneAfter429 is about 429s once the hourly budget is spent: those
// hold every caller (a 429 with budget left is the burst limit, which paces instead).
func TestRateBudgetHoldsEveryoneAfter429(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		retryAfter []time.Duration // one 429 per entry
		want       time.Duration
	}{
		{"retry-after", []time.Duration{5 * time.Second}, 5 * time.Second},
		{"no hint: base hold", []time.Duration{0}, time.Second},
		{"no hint twice: doubled", []time.Duration{0, 0}, 2 * time.Second},
		{"no hint many times: capped", slices.Repeat([]time.Duration{0}, 20), time.Minute},
		{"longer hint wins", []time.Duration{10 * time.Second, 0}, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, clock, sl := newTestBudget()
			for _, ra := range tt.retryAfter {
				b.Observe(RateLimit{Limit: 3600, Remaining: 0, Known: true}, http.StatusTooManyRequests, ra)
			}
			snap := b.Snapshot()
			if want := clock.now().Add(tt.want); !snap.PausedUntil.Equal(want) {
				t.Errorf("PausedUntil = %s, want %s", snap.PausedUntil, want)
			}
			var wg sync.WaitGroup
			for range 3 {
				wg.Go(func() {
					if err := b.Wait(t.Context()); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			got := sl.got()
			if len(got) == 0 || got[0] != tt.want {
				t.Errorf("first hold = %v, want %s", got, tt.want)
			}
			if !b.Snapshot().PausedUntil.IsZero() {
				t.Errorf("pause still reported after it passed")
			}
		})
	}
}

func TestRateBudgetSuccessResetsHoldBackoff(t *testing.T) {
	t.Parallel()
	b, clock, _ := newTestBudget()
	b.Observe(RateLimit{}, http.StatusTooManyRequests, 0)
	b.Observe(RateLimit{}, http.StatusTooManyRequests, 0)
	clock.advance(time.Hour)
	b.Observe(RateLimit{}, http.StatusOK, 0)
	b.Observe(RateLimit{}, http.StatusTooManyRequests, 0)
	if got := b.Snapshot().PausedUntil.Sub(clock.now()); got != time.Second {
		t.Errorf("hold after a success = %s, want the base 1s", got)
	}
}

func TestRateBudgetWaitHonoursContext(t *testing.T) {
	t.Parallel()
	b := NewRateBudget() // real sleep: the context must cut it short
	b.Observe(RateLimit{}, http.StatusTooManyRequests, time.Hour)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := b.Wait(ctx); err != context.Canceled {
		t.Errorf("Wait = %v, want context.Canceled", err)
	}
}

// TestRateBudgetConcurrentCallersAreSpaced proves under -race that concurrent callers each
// get their own slot: the clock never moves, so each caller's delay is its distance from
// the first slot, and all must differ.
func TestRateBudgetConcurrentCallersAreSpaced(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	sl := &sleeper{}
	b := NewRateBudget()
	b.now = clock.now
	b.sleep = sl.sleep
	b.Observe(RateLimit{Limit: 1000, Remaining: 50, Known: true}, http.StatusOK, 0)
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			if err := b.Wait(t.Context()); err != nil {
				t.Error(err)
			}
			_ = b.Snapshot()
		})
	}
	wg.Wait()
	got := sl.got()
	if len(got) != n-1 {
		t.Fatalf("%d callers slept, want %d (all but the first)", len(got), n-1)
	}
	slices.Sort(got)
	for i := 1; i < len(got); i++ {
		if got[i] <= got[i-1] {
			t.Fatalf("two callers share a slot: %v", got)
		}
	}
	if got[0] != time.Hour/50 {
		t.Errorf("first spacing = %s, want %s", got[0], time.Hour/50)
	}
	if snap := b.Snapshot(); snap.Remaining != 50-n {
		t.Errorf("remaining = %d, want %d", snap.Remaining, 50-n)
	}
}

// TestRateBudgetReleasesHeldCallersOneByOne: after a hold (here after a 429 without rate
// information), callers are spaced for as long again as the hold, then go freely.
func TestRateBudgetReleasesHeldCallersOneByOne(t *testing.T) {
	t.Parallel()
	b, clock, sl := newTestBudget()
	b.Observe(RateLimit{}, http.StatusTooManyRequests, 5*time.Second)
	for range 3 {
		if err := b.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	want := []time.Duration{5 * time.Second, defaultRelease, defaultRelease}
	if diff := cmp.Diff(want, sl.got()); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
	clock.advance(5 * time.Second) // past the recovery window
	if err := b.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(sl.got()); n != 3 {
		t.Errorf("slept after recovery: %v", sl.got())
	}
}

func TestRateBudgetSnapshotLogValue(t *testing.T) {
	t.Parallel()
	b, clock, _ := newTestBudget()
	b.Observe(RateLimit{Limit: 3600, Remaining: 0, Known: true}, http.StatusTooManyRequests, time.Minute)
	var buf strings.Builder
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}))
	logger.Info("budget", "rate", b.Snapshot())
	want := "level=INFO msg=budget rate.known=true rate.limit=3600 rate.remaining=0 rate.interval=1h0m0s rate.paused_until=" +
		clock.now().Add(time.Minute).Format("2006-01-02T15:04:05.000Z07:00") + "\n"
	if buf.String() != want {
		t.Errorf("log line\n got %q\nwant %q", buf.String(), want)
	}
	// A learned pace is shown in requests per second.
	buf.Reset()
	b, _, _ = newTestBudget()
	b.Observe(RateLimit{Limit: 3600, Remaining: 3000, Known: true}, http.StatusTooManyRequests, 0)
	logger.Info("budget", "rate", b.Snapshot())
	want = "level=INFO msg=budget rate.known=true rate.limit=3600 rate.remaining=3000 rate.interval=10.526315ms rate.pace=95.0/s\n"
	if buf.String() != want {
		t.Errorf("log line\n got %q\nwant %q", buf.String(), want)
	}
}

// BenchmarkRateBudgetWait measures the cost the budget adds to every request while plenty
// remains (the common case), with all goroutines sharing one budget.
func BenchmarkRateBudgetWait(b *testing.B) {
	budget := NewRateBudget()
	budget.Observe(RateLimit{Limit: 1 << 30, Remaining: 1 << 30, Known: true}, http.StatusOK, 0)
	ctx := b.Context()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := budget.Wait(ctx); err != nil {
				b.Error(err)
				return
			}
			budget.Observe(RateLimit{Limit: 1 << 30, Remaining: 1 << 29, Known: true}, http.StatusOK, 0)
		}
	})
}

// TestRateBudgetBurst429Paces: a 429 that leaves hourly budget holds nobody; it sets the pace
// to what got through since the requests began, and the 429s of requests already in flight
// when it came are the same event.
func TestRateBudgetBurst429Paces(t *testing.T) {
	t.Parallel()
	b, clock, sl := newTestBudget()
	rl := RateLimit{Limit: 3600, Remaining: 3000, Known: true}
	b.Observe(rl, http.StatusOK, 0)
	var inFlight []Reservation
	for range 8 {
		r, err := b.Reserve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		inFlight = append(inFlight, r)
	}
	clock.advance(time.Second)
	for _, r := range inFlight[:4] {
		r.Observe(rl, http.StatusOK, 0)
	}
	inFlight[4].Observe(rl, http.StatusTooManyRequests, time.Second)
	want := paceMargin * 4 // four answers got through in the second since the first request
	snap := b.Snapshot()
	if !snap.PausedUntil.IsZero() || snap.Pace != want {
		t.Fatalf("after a burst 429: %+v, want no hold and a pace of %.1f/s", snap, want)
	}
	for _, r := range inFlight[5:] {
		r.Observe(rl, http.StatusTooManyRequests, time.Second)
	}
	b.Observe(rl, http.StatusTooManyRequests, time.Second) // without its reservation, just after
	if got := b.Snapshot().Pace; got != want {
		t.Errorf("429s of requests in flight before the first cut the pace again: %.2f/s, want %.2f/s", got, want)
	}
	if len(sl.got()) != 0 {
		t.Fatalf("slept %v", sl.got())
	}
	// The next request waits one interval of the pace; the pace then grows 2% a second.
	if err := b.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, interval := sl.got(), time.Duration(float64(time.Second)/want); len(got) != 1 || got[0] != interval {
		t.Errorf("waits %v, want one interval %s", got, interval)
	}
	clock.advance(10 * time.Second)
	grown := want * math.Pow(1+paceGrowth, (10*time.Second+time.Duration(float64(time.Second)/want)).Seconds())
	if got := b.Snapshot().Pace; math.Abs(got-grown) > 1e-9 {
		t.Errorf("pace after 10 s = %.4f/s, want %.4f/s", got, grown)
	}
	// A new 429 with nothing through since: at most half the pace.
	b.Observe(rl, http.StatusTooManyRequests, 0)
	if got := b.Snapshot().Pace; math.Abs(got-paceMargin*grown/2) > 1e-9 {
		t.Errorf("pace after a 429 with nothing through = %.4f/s, want %.4f/s", got, paceMargin*grown/2)
	}
	// Without a further 429 the pace grows until it no longer matters, and is dropped.
	clock.advance(time.Hour)
	if snap := b.Snapshot(); snap.Pace != 0 || snap.Interval != 0 {
		t.Errorf("after an hour without 429: %+v, want no pace", snap)
	}
}

// lockedStore is a RateStore as a shared one would behave (every update serialised on one
// state), standing in for the gateway's database to prove the seam.
type lockedStore struct {
	mu      sync.Mutex
	state   RateState
	updates int
}

func (s *lockedStore) Update(_ context.Context, fn func(*RateState)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates++
	fn(&s.state)
	return nil
}

// TestSharedRateBudget: two budgets on one store (two gateway instances, say) pace as one: a
// burst 429 seen by one paces the other, a hold seen by one holds the other.
func TestSharedRateBudget(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	store := &lockedStore{}
	var budgets [2]*RateBudget
	var sleeps [2]*sleeper
	for i := range budgets {
		sleeps[i] = &sleeper{}
		budgets[i] = NewSharedRateBudget(store)
		budgets[i].now = clock.now
		budgets[i].sleep = sleeps[i].sleep
	}
	rl := RateLimit{Limit: 3600, Remaining: 3000, Known: true}
	budgets[0].Observe(rl, http.StatusTooManyRequests, 0)
	pace := budgets[1].Snapshot().Pace
	if pace <= 0 {
		t.Fatalf("the other budget did not learn the pace: %+v", budgets[1].Snapshot())
	}
	for i := range 2 {
		if err := budgets[1].Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			budgets[0].Wait(t.Context()) // its slot is taken from the same schedule
		}
	}
	interval := time.Duration(float64(time.Second) / pace)
	if diff := cmp.Diff([]time.Duration{interval, 3 * interval}, sleeps[1].got()); diff != "" {
		t.Errorf("waits of the second budget (-want +got):\n%s", diff)
	}
	budgets[1].Observe(RateLimit{Limit: 3600, Remaining: 0, Known: true}, http.StatusTooManyRequests, time.Minute)
	if held := budgets[0].Snapshot().PausedUntil; !held.Equal(clock.now().Add(time.Minute)) {
		t.Errorf("the first budget is not held by the second's 429: %v", held)
	}
	if store.updates == 0 {
		t.Errorf("the budgets did not use the store")
	}
}

// BenchmarkRateBudgetReserve measures what the budget adds to each request as Client.send
// uses it (a reservation, then its answer), while plenty remains and while paced after a burst
// 429 (the sleep is left out: the benchmark measures the bookkeeping, not the pace).
func BenchmarkRateBudgetReserve(b *testing.B) {
	plenty := RateLimit{Limit: 1 << 30, Remaining: 1 << 29, Known: true}
	for _, paced := range []bool{false, true} {
		name := "unpaced"
		if paced {
			name = "paced"
		}
		b.Run(name, func(b *testing.B) {
			budget := NewRateBudget()
			budget.sleep = func(context.Context, time.Duration) error { return nil }
			if paced {
				budget.Observe(plenty, http.StatusTooManyRequests, 0)
			}
			ctx := b.Context()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r, err := budget.Reserve(ctx)
					if err != nil {
						b.Error(err)
						return
					}
					r.Observe(plenty, http.StatusOK, 0)
				}
			})
		})
	}
}

// TestRateBudgetReserveWithin: a caller that may wait only so long is told the wait instead
// of sleeping through a hold or a paced slot beyond it, and nothing is reserved then; a free
// slot is taken even when the next one is far off, so a spent budget still probes.
func TestRateBudgetReserveWithin(t *testing.T) {
	t.Parallel()
	b, clock, sl := newTestBudget()
	b.Observe(RateLimit{Limit: 3600, Remaining: 10, Known: true}, http.StatusOK, 0)
	r, wait, err := b.ReserveWithin(t.Context(), 20*time.Second)
	if err != nil || wait != 0 || r.b == nil {
		t.Fatalf("first caller: %v, wait %s, reserved %v", err, wait, r.b != nil)
	}
	r.Observe(RateLimit{Limit: 3600, Remaining: 9, Known: true}, http.StatusOK, 0)
	// The next slot is 6 minutes off (the hour over 10 remaining): refused, nothing taken.
	for range 2 {
		r, wait, err = b.ReserveWithin(t.Context(), 20*time.Second)
		if err != nil || r.b != nil || wait != time.Hour/10 {
			t.Fatalf("second caller: %v, wait %s, reserved %v; want refused with 6m0s", err, wait, r.b != nil)
		}
	}
	if snap := b.Snapshot(); snap.Remaining != 9 {
		t.Errorf("refused callers were counted: %d remaining, want 9", snap.Remaining)
	}
	clock.advance(time.Hour / 10)
	if r, wait, err = b.ReserveWithin(t.Context(), 20*time.Second); err != nil || wait != 0 || r.b == nil {
		t.Fatalf("caller at the slot: %v, wait %s", err, wait)
	}
	r.Abandon()
	// A hold longer than the caller may wait is refused at once; a shorter one is waited out.
	b, clock, sl = newTestBudget()
	b.Observe(RateLimit{Limit: 3600, Remaining: 3000, Known: true}, http.StatusTooManyRequests, time.Minute)
	if r, wait, err = b.ReserveWithin(t.Context(), 20*time.Second); err != nil || r.b != nil || wait != time.Minute {
		t.Fatalf("during a hold of a minute: %v, wait %s, reserved %v", err, wait, r.b != nil)
	}
	clock.advance(50 * time.Second)
	if r, wait, err = b.ReserveWithin(t.Context(), 20*time.Second); err != nil || wait != 0 || r.b == nil {
		t.Fatalf("10 s before the hold ends: %v, wait %s", err, wait)
	}
	if got := sl.got(); len(got) != 1 || got[0] != 10*time.Second {
		t.Errorf("slept %v, want the hold's last 10s", got)
	}
}

// TestRateBudgetCountsRequestsInFlight: answers that come out of order, or before the other
// requests in flight were counted, never raise the count above what those requests took.
func TestRateBudgetCountsRequestsInFlight(t *testing.T) {
	t.Parallel()
	b, _, _ := newTestBudget()
	b.Observe(RateLimit{Limit: 3600, Remaining: 100, Known: true}, http.StatusOK, 0)
	var rs []Reservation
	for range 3 {
		r, err := b.Reserve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	remaining := func() int { return b.Snapshot().Remaining }
	if got := remaining(); got != 97 {
		t.Fatalf("after 3 reservations %d remain, want 97", got)
	}
	// The third is answered first, counted alone by the server: the two in flight are not
	// handed out again.
	rs[2].Observe(RateLimit{Limit: 3600, Remaining: 99, Known: true}, http.StatusOK, 0)
	if got := remaining(); got != 97 {
		t.Errorf("after the third's answer %d remain, want 97 (99 less the 2 in flight)", got)
	}
	// The first's answer is older news: it lowers the count or leaves it.
	rs[0].Observe(RateLimit{Limit: 3600, Remaining: 99, Known: true}, http.StatusOK, 0)
	if got := remaining(); got != 97 {
		t.Errorf("after the first's late answer %d remain, want 97", got)
	}
	rs[1].Observe(RateLimit{Limit: 3600, Remaining: 97, Known: true}, http.StatusOK, 0)
	if got := remaining(); got != 97 {
		t.Errorf("after the last answer %d remain, want 97", got)
	}
	// A newer request's answer after the hour rolled raises it again.
	r, _ := b.Reserve(t.Context())
	r.Observe(RateLimit{Limit: 3600, Remaining: 3599, Known: true}, http.StatusOK, 0)
	if got := remaining(); got != 3599 {
		t.Errorf("after a refill %d remain, want 3599", got)
	}
}

// deferringStore is a lockedStore that keeps what UpdateSoon queues until the next Update.
type deferringStore struct {
	lockedStore
	soon []func(*RateState)
}

func (d *deferringStore) Update(ctx context.Context, fn func(*RateState)) error {
	soon := d.soon
	d.soon = nil
	return d.lockedStore.Update(ctx, func(s *RateState) {
		for _, f := range soon {
			f(s)
		}
		fn(s)
	})
}

func (d *deferringStore) UpdateSoon(fn func(*RateState)) { d.soon = append(d.soon, fn) }

// TestSharedRateBudgetDefersOrdinaryAnswers: with a store that can defer, an answer is
// reported later only when it cannot change a decision: the limit known, plenty left, no
// 429, nothing paced when the request was reserved. The first answer (which teaches the
// limit), a 429 and an answer near the low-water mark go to the store at once; what is
// deferred is applied, in order, before the next reservation.
func TestSharedRateBudgetDefersOrdinaryAnswers(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	store := &deferringStore{}
	b := NewSharedRateBudget(store)
	b.now = clock.now
	b.sleep = func(context.Context, time.Duration) error { return nil }
	answer := func(remaining, status int) (deferred bool) {
		t.Helper()
		r, err := b.Reserve(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		before := len(store.soon)
		r.Observe(RateLimit{Limit: 1000, Remaining: remaining, Known: true}, status, 0)
		return len(store.soon) > before
	}
	if answer(999, http.StatusOK) {
		t.Error("the answer that teaches the limit was deferred")
	}
	if l, ok := b.KnownLimit(); !ok || l != 1000 {
		t.Errorf("KnownLimit = %d, %v after the first answer", l, ok)
	}
	if !answer(998, http.StatusOK) || !answer(997, http.StatusNotFound) {
		t.Error("an ordinary answer with plenty left was not deferred")
	}
	if answer(150, http.StatusOK) {
		t.Error("an answer near the low-water mark was deferred")
	}
	if answer(900, http.StatusTooManyRequests) {
		t.Error("a 429 was deferred")
	}
	// The 429 set a pace: a request reserved while paced is not quiet.
	if answer(899, http.StatusOK) {
		t.Error("the answer to a paced request was deferred")
	}
	var st RateState
	store.Update(t.Context(), func(s *RateState) { st = *s })
	if st.Reserved != 6 || st.Settled != 6 || st.Rate.Remaining != 899 {
		t.Errorf("after 6 answers: reserved %d settled %d remaining %d", st.Reserved, st.Settled, st.Rate.Remaining)
	}
}
