package asc

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// Pacing, hold and learning parameters of a RateBudget. They are fields rather than constants
// so tests can shrink them; NewRateBudget sets these values.
const (
	defaultLowWater     = 0.10 // pace once less than this share of the hourly limit remains
	defaultWindow       = time.Hour
	defaultHoldBase     = time.Second            // first hold after a 429 without Retry-After
	defaultHoldMax      = 60 * time.Second       // cap of the growing hold
	defaultRelease      = 100 * time.Millisecond // spacing of callers just after a hold
	rateBudgetMinRemain = 1

	// After a 429 that left hourly budget (Apple's unpublished burst limit), the budget paces
	// at the rate the server sustained since the previous one, with a safety margin, and lets
	// the pace grow by paceGrowth a second to follow the server when it allows more.
	paceMargin = 0.95
	paceGrowth = 0.02
	// An estimate needs this many answers since the last 429 (each end is off by up to one);
	// a 429 that comes sooner cuts the pace in proportion to the answers that got through, at
	// most by half.
	paceMinAnswers = 4
	// The pace never falls below paceFloor, and is dropped once it has grown tenfold without
	// a further 429 (about two minutes).
	paceFloor   = 1.0
	paceDropped = 10.0
	// After paceRest with nothing in flight the pace is lifted: meanwhile the server's
	// allowance has refilled, and pacing would leave its burst unused. The pace is kept as
	// Learned, and the next burst 429 goes back to it at once instead of measuring afresh
	// (a measurement that begins with a burst is far too high).
	paceRest = time.Second
	// A 429 with hourly budget left is the burst limit, paced, when its Retry-After is at most
	// burstHint (the least the header can say, as the sandbox and Apple's limit round up a wait
	// of milliseconds); a longer one says the allowance stays empty that long: a hold.
	burstHint = time.Second
	// A 429 reported without its reservation (Observe) within this long of the last one taken
	// into account is counted as the same event: it was most likely in flight already.
	sameEventWindow = 500 * time.Millisecond
)

// RateBudget paces every request made with one API key, across goroutines and clients.
// Apple counts requests per key over a rolling hour and answers 429 once it is spent, and
// also, unpublished, on bursts; so the budget must be shared by everything using the key:
// give the same *RateBudget to every Client built for it (the CLI, `ascend api --paginate`,
// the gateway's clients and the workflows all do).
//
// While plenty remains it never delays anyone. Below a low-water mark (10% of the limit) it
// spreads what remains evenly over the rest of the hour, one caller at a time.
//
// A 429 that leaves hourly budget (with no Retry-After, or one of a second) is the burst
// limit: nobody is stopped. The budget learns
// the rate the server sustained between two such 429s (answers that got through divided by
// the time between them: the server's allowance was empty at both ends, so what it let
// through is what it refilled) and from then on spaces requests at 95% of it, letting the pace
// grow by 2% a second so that it follows the server when it allows more. The first estimate
// also holds the initial burst and is too high; the next 429, which comes soon, corrects it.
//
// Any other 429 (the hourly budget spent, no rate information, or a Retry-After of more than
// a second) holds every caller until Retry-After, or a growing backoff when the server gave
// none, and then lets the held callers go one every 100 ms for as long again.
//
// Its state lives in a RateStore: by default in the process; NewSharedRateBudget takes a
// store that several processes share.
type RateBudget struct {
	store RateStore
	// limit is the hourly limit of the last state this process saw (-1: none known yet),
	// for quotas that are shares of it, without asking a shared store.
	limit atomic.Int64

	lowWater float64
	window   time.Duration
	holdBase time.Duration
	holdMax  time.Duration
	release  time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
}

// RateState is everything a RateBudget decides from. It is plain data so that a RateStore
// shared by several processes can keep it (as one row, say) and every process paces from
// the same view: the last X-Rate-Limit, a hold after a 429 and the learned pace.
type RateState struct {
	Rate        RateLimit // the last X-Rate-Limit seen, less the requests reserved and not answered
	ObservedAt  time.Time // when Rate was last read from an answer
	RateSeq     uint64    // the reservation whose answer Rate was last read from (0: none)
	PausedUntil time.Time // a hold after a 429 with the hourly budget spent
	RecoverTill time.Time // after a hold, callers are released one by one until then
	NextSlot    time.Time // earliest start of the next paced request
	Strikes     int       // consecutive 429s, for the hold backoff

	// The pace learned from burst 429s: Pace requests a second at PaceSince, growing since;
	// Learned is the last pace set, kept when the pace is lifted after a rest.
	Pace      float64
	PaceSince time.Time
	Learned   float64
	// Reserved counts reservations; EventSeq is Reserved when the last burst 429 was taken
	// into account, so 429s of requests reserved before then are known to be the same event.
	Reserved uint64
	EventSeq uint64
	EventAt  time.Time
	// Settled counts the reservations whose answer (or failure) was reported with them;
	// IdleSince is when the last of them settled with no other outstanding, zero while any is.
	// Reservations not reported this way (Wait) never settle, so they never look idle.
	Settled   uint64
	IdleSince time.Time
	// The measurement since the last burst 429 (SpanStart): answers other than 429, and how
	// long nothing was in flight. The time nobody asks is not counted: the server's allowance
	// refills meanwhile, up to a size nobody knows, and what it lets through afterwards says
	// that it was idle, not what it sustains; counting it would make the estimate too low,
	// which only the slow growth would mend.
	SpanStart   time.Time
	SpanAnswers int
	SpanIdle    time.Duration
}

// RateStore keeps the RateState of one API key. Update calls fn with the current state and
// keeps what fn leaves in it; calls are serialised, as a mutex in the process does (the
// default store) or a row lock in a shared database would. fn is quick and never blocks.
type RateStore interface {
	Update(ctx context.Context, fn func(*RateState)) error
}

// A DeferringRateStore is a RateStore that can also apply a change later, without waiting:
// UpdateSoon queues fn, which runs before the fn of the next Update (in its transaction,
// for a database), or on its own within a short while when no Update comes. A shared budget
// reports an answer this way when it cannot change what anyone decides (no 429, plenty of
// the hour left, nothing paced), so a request costs the store one transaction, its
// reservation, instead of two. The change it carries only ever makes the budget look
// busier until it is applied (the request still counts as in flight), never freer.
type DeferringRateStore interface {
	RateStore
	UpdateSoon(fn func(*RateState))
}

// memoryRateStore is the default store: the state of one process.
type memoryRateStore struct {
	mu    sync.Mutex
	state RateState
}

func (m *memoryRateStore) Update(_ context.Context, fn func(*RateState)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	fn(&m.state)
	return nil
}

// RateBudgetSnapshot is the state of a budget, for status pages and verbose logs.
type RateBudgetSnapshot struct {
	Limit       int
	Remaining   int
	Known       bool
	ObservedAt  time.Time
	PausedUntil time.Time     // zero unless a 429 hold is in force
	Interval    time.Duration // spacing currently imposed between requests; zero when unpaced
	Pace        float64       // requests per second learned from burst 429s; zero when none
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
	if s.Pace > 0 {
		attrs = append(attrs, slog.String("pace", strconv.FormatFloat(s.Pace, 'f', 1, 64)+"/s"))
	}
	if !s.PausedUntil.IsZero() {
		attrs = append(attrs, slog.Time("paused_until", s.PausedUntil))
	}
	return slog.GroupValue(attrs...)
}

// NewRateBudget returns a budget that knows nothing yet, kept in this process; the first
// answer's X-Rate-Limit teaches it the key's limit.
func NewRateBudget() *RateBudget {
	return NewSharedRateBudget(&memoryRateStore{})
}

// NewSharedRateBudget returns a budget whose state lives in store, so that every process
// using the store paces as one: together they send no more than one process would.
func NewSharedRateBudget(store RateStore) *RateBudget {
	b := &RateBudget{
		store:    store,
		lowWater: defaultLowWater,
		window:   defaultWindow,
		holdBase: defaultHoldBase,
		holdMax:  defaultHoldMax,
		release:  defaultRelease,
		now:      time.Now,
		sleep:    sleepContext,
	}
	b.limit.Store(-1)
	return b
}

// KnownLimit is the key's hourly limit as this process last saw it (in an answer, or in the
// shared state when it last reserved a request), without asking the store; false until any
// is known.
func (b *RateBudget) KnownLimit() (int, bool) {
	l := b.limit.Load()
	return int(l), l >= 0
}

// seen notes the limit of a state this process has just read or changed.
func (b *RateBudget) seen(s *RateState) {
	if s.Rate.Known && int64(s.Rate.Limit) != b.limit.Load() {
		b.limit.Store(int64(s.Rate.Limit))
	}
}

// Reservation is one request admitted by Reserve. Report its answer with its Observe (or
// Abandon when none came): the budget then knows which 429s belong to one event and when
// nothing is in flight, which RateBudget.Observe cannot tell it. The zero Reservation
// observes nothing.
type Reservation struct {
	b *RateBudget
	t ticket
}

// ticket identifies a reserved request to the budget: reservations are numbered in order.
// quiet says nothing was held or paced when it was taken and plenty of the hour remained,
// so an ordinary answer to it may be reported to a shared store later (DeferringRateStore).
type ticket struct {
	seq   uint64
	quiet bool
}

// Observe records the answer to the reserved request, as RateBudget.Observe does.
func (r Reservation) Observe(rl RateLimit, status int, retryAfter time.Duration) {
	r.observe(rl, status, retryAfter)
}

// observe is Observe reporting whether the answer was a 429 of the burst limit, which the
// budget paces (so a retry needs no delay of its own).
func (r Reservation) observe(rl RateLimit, status int, retryAfter time.Duration) (burst bool) {
	if r.b == nil {
		return false
	}
	return r.b.observe(r.t, rl, status, retryAfter)
}

// Abandon reports that the reserved request got no answer (it could not be sent, or the
// connection broke), so the budget no longer counts it in flight.
func (r Reservation) Abandon() {
	if r.b != nil {
		r.b.abandon(r.t)
	}
}

func (b *RateBudget) abandon(t ticket) {
	_ = b.store.Update(context.Background(), func(s *RateState) { s.settle(t, b.now()) })
}

// Wait blocks until the caller may send one request, or ctx ends. It reserves the request
// against the budget, so concurrent callers are spaced rather than released together.
func (b *RateBudget) Wait(ctx context.Context) error {
	_, err := b.Reserve(ctx)
	return err
}

// Reserve is Wait returning the reservation, to report the answer with.
func (b *RateBudget) Reserve(ctx context.Context) (Reservation, error) {
	r, _, err := b.reserveWithin(ctx, -1)
	return r, err
}

// ReserveWithin is Reserve for a caller that waits at most maxWait, for a 429 hold or for its
// paced slot: when either is longer, nothing is reserved and it returns the wait instead (the
// gateway answers 429 with Retry-After then, rather than keep a client waiting). One update
// of the state decides, so a shared store is asked once per request.
func (b *RateBudget) ReserveWithin(ctx context.Context, maxWait time.Duration) (Reservation, time.Duration, error) {
	return b.reserveUpTo(ctx, maxWait, maxWait)
}

// reserveWithin is Reserve for a caller that waits out a 429 hold only up to maxHold (no
// limit when negative): a longer hold returns no reservation and the time it has left.
func (b *RateBudget) reserveWithin(ctx context.Context, maxHold time.Duration) (Reservation, time.Duration, error) {
	return b.reserveUpTo(ctx, maxHold, -1)
}

// reserveUpTo waits out holds up to maxHold and paced slots up to maxSlot (negative: no
// limit); past either it returns no reservation and the wait.
func (b *RateBudget) reserveUpTo(ctx context.Context, maxHold, maxSlot time.Duration) (Reservation, time.Duration, error) {
	// Bounded: each pass either returns or sleeps until a hold that was in force has passed;
	// a new hold can only come from a new 429, which the caller could not have caused while
	// waiting here more than a few times.
	for range 64 {
		if err := ctx.Err(); err != nil {
			return Reservation{}, 0, err
		}
		wait, t, held, err := b.take(ctx, maxSlot)
		if err != nil {
			return Reservation{}, 0, err
		}
		if held {
			if maxHold >= 0 && wait > maxHold {
				return Reservation{}, wait, nil
			}
			if err := b.sleep(ctx, wait); err != nil {
				return Reservation{}, 0, err
			}
			continue
		}
		if wait > 0 {
			if err := b.sleep(ctx, wait); err != nil {
				b.abandon(t)
				return Reservation{}, 0, err
			}
		}
		return Reservation{b: b, t: t}, 0, nil
	}
	return Reservation{}, 0, ctx.Err()
}

// take runs reserve on the state. The process's own store is locked directly: this is on
// every request's path, and a closure through the interface would cost allocations.
func (b *RateBudget) take(ctx context.Context, maxSlot time.Duration) (time.Duration, ticket, bool, error) {
	if m, ok := b.store.(*memoryRateStore); ok {
		m.mu.Lock()
		defer m.mu.Unlock()
		wait, t, held := b.reserve(&m.state, b.now(), maxSlot)
		return wait, t, held, nil
	}
	return b.takeShared(ctx, maxSlot)
}

func (b *RateBudget) takeShared(ctx context.Context, maxSlot time.Duration) (wait time.Duration, t ticket, held bool, err error) {
	err = b.store.Update(ctx, func(s *RateState) { wait, t, held = b.reserve(s, b.now(), maxSlot) })
	return wait, t, held, err
}

// reserve takes the next slot: it returns how long the caller waits for it and the
// reservation's ticket, or held with the time left of a hold (then nothing is reserved).
// A slot further off than maxSlot (when not negative) is not taken either: held, with its
// wait.
func (b *RateBudget) reserve(s *RateState, now time.Time, maxSlot time.Duration) (wait time.Duration, t ticket, held bool) {
	if now.Before(s.PausedUntil) {
		return s.PausedUntil.Sub(now), ticket{}, true
	}
	if maxSlot >= 0 {
		if interval := b.interval(s, now); interval > 0 {
			// A free slot is taken even when the next is far off (a spent budget probes
			// slowly): only the callers after it are turned away.
			if w := s.NextSlot.Sub(now); w > maxSlot {
				return w, ticket{}, true
			}
		}
	}
	if s.SpanStart.IsZero() {
		s.SpanStart, s.SpanAnswers = now, 0
	}
	if !s.IdleSince.IsZero() {
		s.SpanIdle += max(now.Sub(later(s.IdleSince, s.SpanStart)), 0)
		if now.Sub(s.IdleSince) >= paceRest {
			s.Pace = 0
		}
		s.IdleSince = time.Time{}
	}
	start := now
	interval := b.interval(s, now)
	if interval > 0 {
		start = s.NextSlot
		if start.Before(now) {
			start = now
		}
		s.NextSlot = start.Add(interval)
	}
	quiet := interval == 0 && b.plenty(s.Rate, s.Rate)
	if s.Rate.Known && s.Rate.Remaining > 0 {
		s.Rate.Remaining--
	}
	s.Reserved++
	b.seen(s)
	return start.Sub(now), ticket{seq: s.Reserved, quiet: quiet}, false
}

// plenty reports whether rl, an X-Rate-Limit against the state's known one, leaves so much
// of the hour (twice the low-water mark) that no pacing decision can hang on it.
func (b *RateBudget) plenty(rl, known RateLimit) bool {
	return known.Known && rl.Known && rl.Limit == known.Limit && rl.Limit > 0 &&
		float64(rl.Remaining) >= 2*b.lowWater*float64(rl.Limit)
}

// settle marks a reservation reported (answered or failed); when none is left outstanding,
// the budget is idle from now.
func (s *RateState) settle(t ticket, now time.Time) {
	if t.seq == 0 {
		return
	}
	s.Settled++
	if s.Settled >= s.Reserved {
		s.Settled = s.Reserved
		s.IdleSince = now
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// interval is the spacing to impose now: the widest of the low-water spacing, the learned
// pace and the release after a hold; zero when none applies.
func (b *RateBudget) interval(s *RateState, now time.Time) time.Duration {
	d := b.lowWaterInterval(s)
	if p := b.pace(s, now); p > 0 {
		d = max(d, time.Duration(float64(time.Second)/p))
	}
	if now.Before(s.RecoverTill) {
		d = max(d, b.release)
	}
	return d
}

// lowWaterInterval is zero while plenty remains, else the rest of the window divided by what
// remains (at least one request's share, so a spent budget probes slowly instead of
// stopping dead).
func (b *RateBudget) lowWaterInterval(s *RateState) time.Duration {
	if !s.Rate.Known || s.Rate.Limit <= 0 {
		return 0
	}
	if float64(s.Rate.Remaining) >= b.lowWater*float64(s.Rate.Limit) {
		return 0
	}
	return b.window / time.Duration(max(s.Rate.Remaining, rateBudgetMinRemain))
}

// pace is the learned pace grown to now, in requests per second; zero when there is none. A
// pace that has grown tenfold is dropped.
func (b *RateBudget) pace(s *RateState, now time.Time) float64 {
	if s.Pace <= 0 {
		return 0
	}
	p := s.Pace * math.Pow(1+paceGrowth, max(now.Sub(s.PaceSince).Seconds(), 0))
	if p > paceDropped*s.Pace {
		s.Pace = 0
		return 0
	}
	return p
}

// Observe records one answer: its X-Rate-Limit (when known), its status and its Retry-After.
// A 429 of the burst limit sets the pace (see RateBudget); any other 429 holds every
// caller until Retry-After has passed, or for a backoff that doubles with each consecutive
// 429 when the server gave no hint.
func (b *RateBudget) Observe(rl RateLimit, status int, retryAfter time.Duration) {
	b.observe(ticket{}, rl, status, retryAfter)
}

// observe runs record on the state, locking the process's own store directly as take does.
func (b *RateBudget) observe(t ticket, rl RateLimit, status int, retryAfter time.Duration) bool {
	if m, ok := b.store.(*memoryRateStore); ok {
		m.mu.Lock()
		defer m.mu.Unlock()
		return b.record(&m.state, b.now(), t, rl, status, retryAfter)
	}
	return b.observeShared(t, rl, status, retryAfter)
}

func (b *RateBudget) observeShared(t ticket, rl RateLimit, status int, retryAfter time.Duration) (burst bool) {
	if d, ok := b.store.(DeferringRateStore); ok && t.quiet && status != http.StatusTooManyRequests &&
		(!rl.Known || b.limit.Load() == int64(rl.Limit) && b.plenty(rl, rl)) {
		// An ordinary answer with plenty left: it goes with this process's next change. Until
		// then the request counts as in flight and the state keeps the lower remainder its
		// reservation left, so nobody is let through who would not be otherwise.
		now := b.now()
		d.UpdateSoon(func(s *RateState) { b.record(s, now, t, rl, status, retryAfter) })
		return false
	}
	_ = b.store.Update(context.Background(), func(s *RateState) { burst = b.record(s, b.now(), t, rl, status, retryAfter) })
	return burst
}

// record applies one answer to the state; t is its request's ticket, zero if unknown. It
// reports whether the answer was a 429 of the burst limit.
func (b *RateBudget) record(s *RateState, now time.Time, t ticket, rl RateLimit, status int, retryAfter time.Duration) bool {
	s.settle(t, now)
	left := s.Rate.Known && s.Rate.Remaining > 0 // what the server says remains, for a 429
	if rl.Known {
		left = rl.Remaining > 0
		if t.seq != 0 {
			// The server counted this request, but perhaps none of the others still in
			// flight (their answers can come in any order, and from other processes of a
			// shared store): count them as spent, as their reservations did. And an answer to
			// a request reserved before the one whose answer was last taken in is older news:
			// it may lower the count, never raise it. So a late answer never hands out again
			// what other requests took.
			if inFlight := s.Reserved - s.Settled; inFlight > 0 {
				rl.Remaining -= int(min(inFlight, uint64(rl.Remaining)))
			}
			if t.seq < s.RateSeq && s.Rate.Known && s.Rate.Limit == rl.Limit {
				rl.Remaining = min(rl.Remaining, s.Rate.Remaining)
			} else {
				s.RateSeq = t.seq
			}
		}
		s.Rate = rl
		s.ObservedAt = now
		b.seen(s)
	}
	if status != http.StatusTooManyRequests {
		if status < 500 {
			s.Strikes = 0
		}
		s.SpanAnswers++
		return false
	}
	if s.Rate.Known && left && retryAfter <= burstHint {
		b.burst(s, now, t)
		return true
	}
	s.Strikes++
	hold := retryAfter
	if hold <= 0 {
		hold = b.holdBase << min(s.Strikes-1, 16)
		if hold > b.holdMax || hold <= 0 {
			hold = b.holdMax
		}
	}
	if until := now.Add(hold); until.After(s.PausedUntil) {
		s.PausedUntil = until
		// Everyone held wakes at the same moment; releasing them all at once would spend
		// Apple's burst allowance again. For as long again as the hold, they go one by one.
		s.RecoverTill = until.Add(hold)
		if s.NextSlot.Before(until) {
			s.NextSlot = until
		}
		// The allowance refills during the hold: measure afresh from its end.
		s.SpanStart, s.SpanAnswers, s.SpanIdle = until, 0, 0
		if !s.IdleSince.IsZero() {
			s.IdleSince = until
		}
	}
	return false
}

// burst takes a 429 that left hourly budget into account: unless it is one more answer to a
// request that was in flight when the last one came, it sets the pace to what the server
// sustained since then: the answers that got through over the time requests kept coming.
// Both 429s came an answer's time after the server found its allowance empty, so counting
// answers as they come, not requests as they go, keeps both ends of the span alike.
func (b *RateBudget) burst(s *RateState, now time.Time, t ticket) {
	if t.seq != 0 && t.seq <= s.EventSeq {
		return
	}
	if t.seq == 0 && !s.EventAt.IsZero() && now.Sub(s.EventAt) < sameEventWindow {
		return
	}
	current := b.pace(s, now)
	var span time.Duration
	if !s.SpanStart.IsZero() {
		span = now.Sub(s.SpanStart) - s.SpanIdle
	}
	var est float64
	measured := s.SpanAnswers >= paceMinAnswers && span > 0
	switch {
	case measured:
		est = float64(s.SpanAnswers) / span.Seconds()
	case current > 0:
		// Too few answers to measure: cut the pace by the share that was refused, and go on
		// measuring from the same start, so that the next 429 has more to go on.
		est = current * max(float64(s.SpanAnswers)/float64(s.SpanAnswers+1), 0.5)
	default:
		// Unpaced, and too early to measure: what got through so far, over at least 10 ms. This
		// errs high, as the first estimate does; the next 429s cut it down.
		est = float64(max(s.SpanAnswers, 1)) / max(span, 10*time.Millisecond).Seconds()
		measured = true
	}
	next := paceMargin * est
	switch {
	case current > 0:
		next = min(next, paceMargin*current)
	case s.Learned > 0:
		next = min(next, s.Learned)
	}
	next = max(next, paceFloor)
	s.Pace, s.PaceSince, s.Learned = next, now, next
	s.EventSeq, s.EventAt = s.Reserved, now
	if measured {
		s.SpanStart, s.SpanAnswers, s.SpanIdle = now, 0, 0
	}
	// The server's allowance is empty, and requests reserved before now may still be going at
	// the old pace: the next request waits one interval of the new pace after both.
	if s.NextSlot.Before(now) {
		s.NextSlot = now
	}
	s.NextSlot = s.NextSlot.Add(time.Duration(float64(time.Second) / next))
}

// Snapshot returns the budget's current state.
func (b *RateBudget) Snapshot() RateBudgetSnapshot {
	var snap RateBudgetSnapshot
	_ = b.store.Update(context.Background(), func(s *RateState) {
		now := b.now()
		b.seen(s)
		snap = RateBudgetSnapshot{
			Limit:      s.Rate.Limit,
			Remaining:  s.Rate.Remaining,
			Known:      s.Rate.Known,
			ObservedAt: s.ObservedAt,
			Interval:   b.interval(s, now),
			Pace:       b.pace(s, now),
		}
		if now.Before(s.PausedUntil) {
			snap.PausedUntil = s.PausedUntil
		}
	})
	return snap
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
