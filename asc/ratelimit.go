package asc

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RateLimit is the X-Rate-Limit header of one answer: the hourly limit of the API key and
// what remains of it in the rolling hour. Known is false when the header was absent or
// unreadable.
type RateLimit struct {
	Limit     int
	Remaining int
	Known     bool
}

// ParseRateLimit reads "user-hour-lim:3600;user-hour-rem:3599;". Unknown entries are
// ignored; the result is Known only when both numbers were read.
func ParseRateLimit(header string) (RateLimit, bool) {
	var rl RateLimit
	var haveLim, haveRem bool
	for part := range strings.SplitSeq(header, ";") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), ":")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 0 {
			continue
		}
		switch strings.TrimSpace(name) {
		case "user-hour-lim":
			rl.Limit, haveLim = n, true
		case "user-hour-rem":
			rl.Remaining, haveRem = n, true
		}
	}
	rl.Known = haveLim && haveRem
	return rl, rl.Known
}

// parseRetryAfter reads Retry-After as delay seconds or an HTTP date; zero when absent,
// unreadable or already past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Pacing and hold parameters of a RateBudget. They are fields rather than constants so
// tests can shrink them; NewRateBudget sets these values.
const (
	defaultLowWater     = 0.10 // pace once less than this share of the hourly limit remains
	defaultWindow       = time.Hour
	defaultHoldBase     = time.Second            // first hold after a 429 without Retry-After
	defaultHoldMax      = 60 * time.Second       // cap of the growing hold
	defaultRelease      = 100 * time.Millisecond // spacing of callers just after a hold
	rateBudgetMinRemain = 1
)

// RateBudget paces every request made with one API key, across goroutines and clients.
// Apple counts requests per key over a rolling hour and answers 429 once it is spent (and,
// unpublished, on bursts), so the budget must be shared by everything using the key: give the
// same *RateBudget to every Client built for it.
//
// While plenty remains it never delays anyone. Below a low-water mark (10% of the limit) it
// spreads what remains evenly over the rest of the hour, one caller at a time. After a 429 it
// holds every caller until Retry-After, or a growing backoff when the server gave none, and
// then lets the held callers go one every 100 ms for as long again, so they do not trip
// Apple's unpublished burst limit together.
type RateBudget struct {
	mu          sync.Mutex
	rate        RateLimit
	observedAt  time.Time
	pausedUntil time.Time
	nextSlot    time.Time
	recoverTill time.Time // after a hold, callers are released one by one until then
	strikes     int       // consecutive 429s, for the hold backoff

	lowWater float64
	window   time.Duration
	holdBase time.Duration
	holdMax  time.Duration
	release  time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
}

// RateBudgetSnapshot is the state of a budget, for status pages and verbose logs.
type RateBudgetSnapshot struct {
	Limit       int
	Remaining   int
	Known       bool
	ObservedAt  time.Time
	PausedUntil time.Time     // zero unless a 429 hold is in force
	Interval    time.Duration // spacing currently imposed between requests; zero when unpaced
}

// LogValue renders the snapshot as a group for log/slog, so verbose logs and status pages
// show the budget the same way.
func (s RateBudgetSnapshot) LogValue() slog.Value {
	attrs := []slog.Attr{slog.Bool("known", s.Known)}
	if s.Known {
		attrs = append(attrs, slog.Int("limit", s.Limit), slog.Int("remaining", s.Remaining))
	}
	if s.Interval > 0 {
		attrs = append(attrs, slog.Duration("interval", s.Interval))
	}
	if !s.PausedUntil.IsZero() {
		attrs = append(attrs, slog.Time("paused_until", s.PausedUntil))
	}
	return slog.GroupValue(attrs...)
}

// NewRateBudget returns a budget that knows nothing yet; the first answer's X-Rate-Limit
// teaches it the key's limit.
func NewRateBudget() *RateBudget {
	return &RateBudget{
		lowWater: defaultLowWater,
		window:   defaultWindow,
		holdBase: defaultHoldBase,
		holdMax:  defaultHoldMax,
		release:  defaultRelease,
		now:      time.Now,
		sleep:    sleepContext,
	}
}

// Wait blocks until the caller may send one request, or ctx ends. It reserves the request
// against the budget, so concurrent callers are spaced rather than released together.
func (b *RateBudget) Wait(ctx context.Context) error {
	// Bounded: each pass either returns or sleeps until a hold that was in force has passed;
	// a new hold can only come from a new 429, which the caller could not have caused while
	// waiting here more than a few times.
	for range 64 {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.mu.Lock()
		now := b.now()
		if now.Before(b.pausedUntil) {
			d := b.pausedUntil.Sub(now)
			b.mu.Unlock()
			if err := b.sleep(ctx, d); err != nil {
				return err
			}
			continue
		}
		interval := b.intervalLocked()
		if now.Before(b.recoverTill) {
			interval = max(interval, b.release)
		}
		if interval == 0 {
			if b.rate.Known && b.rate.Remaining > 0 {
				b.rate.Remaining--
			}
			b.mu.Unlock()
			return nil
		}
		slot := b.nextSlot
		if slot.Before(now) {
			slot = now
		}
		b.nextSlot = slot.Add(interval)
		if b.rate.Remaining > 0 {
			b.rate.Remaining--
		}
		b.mu.Unlock()
		if d := slot.Sub(now); d > 0 {
			return b.sleep(ctx, d)
		}
		return nil
	}
	return ctx.Err()
}

// intervalLocked is the spacing to impose now: zero while plenty remains, else the rest of the
// window divided by what remains (at least one request's share, so a spent budget probes
// slowly instead of stopping dead).
func (b *RateBudget) intervalLocked() time.Duration {
	if !b.rate.Known || b.rate.Limit <= 0 {
		return 0
	}
	if float64(b.rate.Remaining) >= b.lowWater*float64(b.rate.Limit) {
		return 0
	}
	return b.window / time.Duration(max(b.rate.Remaining, rateBudgetMinRemain))
}

// Observe records one answer: its X-Rate-Limit (when known), its status and its Retry-After.
// A 429 holds every caller until Retry-After has passed, or for a backoff that doubles with
// each consecutive 429 when the server gave no hint.
func (b *RateBudget) Observe(rl RateLimit, status int, retryAfter time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if rl.Known {
		b.rate = rl
		b.observedAt = now
	}
	if status != http.StatusTooManyRequests {
		if status < 500 {
			b.strikes = 0
		}
		return
	}
	b.strikes++
	hold := retryAfter
	if hold <= 0 {
		hold = b.holdBase << min(b.strikes-1, 16)
		if hold > b.holdMax || hold <= 0 {
			hold = b.holdMax
		}
	}
	if until := now.Add(hold); until.After(b.pausedUntil) {
		b.pausedUntil = until
		// Everyone held wakes at the same moment; releasing them all at once would spend
		// Apple's burst allowance again. For as long again as the hold, they go one by one.
		b.recoverTill = until.Add(hold)
		if b.nextSlot.Before(until) {
			b.nextSlot = until
		}
	}
}

// heldFor is how much longer the 429 hold lasts; zero when none is in force.
func (b *RateBudget) heldFor() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.pausedUntil.Sub(b.now()), 0)
}

// Snapshot returns the budget's current state.
func (b *RateBudget) Snapshot() RateBudgetSnapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := RateBudgetSnapshot{
		Limit:      b.rate.Limit,
		Remaining:  b.rate.Remaining,
		Known:      b.rate.Known,
		ObservedAt: b.observedAt,
		Interval:   b.intervalLocked(),
	}
	if b.now().Before(b.pausedUntil) {
		s.PausedUntil = b.pausedUntil
	}
	return s
}

// sleepContext sleeps for d or until ctx ends, whichever is first.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
