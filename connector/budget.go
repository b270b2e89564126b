package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/store"
)

// dbRateStore keeps one App Store Connect key's rate budget in the gateway's database, so
// that every instance on one PostgreSQL database paces as one: the last X-Rate-Limit any of
// them saw, the requests reserved since, a hold after a 429 and the learned pace are one row,
// changed under its lock. Together the instances send no more than one would.
//
// Updates are committed in groups: while one transaction of this instance is under way, the
// updates that arrive wait and then go together in the next, each applied in turn to the
// state the one before left, as if each had its own transaction. So a busy instance holds at
// most one database connection for its budget, not one per client waiting on the row lock,
// and 200 clients cost a handful of transactions instead of 400.
//
// An answer that changes nothing anyone decides (asc.DeferringRateStore) is not waited for:
// it joins the next group, or is committed on its own after rateSoon when none comes. So on
// the hot path a request costs one transaction, its reservation, which also carries the
// answers that came before it.
//
// While no other instance writes the row between two of this one's groups, a group is
// applied to the state this instance stored last and stored with one statement that
// succeeds only if the row still holds it (store.SwapRateBudget): one round trip instead of
// the locked transaction's four (begin, read, write, commit), with the same outcome. When
// another instance has written, the swap changes nothing and the group is applied again to
// the state read under the lock.
type dbRateStore struct {
	db   *store.DB
	name string // the key id, issuer id and upstream host; never key material

	mu      sync.Mutex
	queue   []*rateUpdate
	waiters int  // updates in queue whose caller waits (the others came from UpdateSoon)
	running bool // a goroutine is committing; it takes the queue when done
	timer   *time.Timer
	armed   bool          // timer will commit what UpdateSoon queued
	soon    time.Duration // how long the timer waits: rateSoon, unless a test sets it
	closed  bool          // the gateway is closing: what UpdateSoon queues goes with the next Update only

	// last is the state as this instance last read or stored it, when known says nobody else
	// wrote in between: the next group is then applied to it and stored with
	// SwapRateBudget, one statement that succeeds only if the row still holds last, instead
	// of a transaction that reads the row under its lock (four round trips). Only the
	// goroutine committing a group (running) touches them.
	last  string
	known bool

	commits atomic.Int64 // transactions (a swap is one), for tests
	swaps   atomic.Int64 // groups stored by a swap, for tests
}

// rateUpdate is one change, waiting for its group's commit; done is nil for one that nobody
// waits for (UpdateSoon).
type rateUpdate struct {
	fn   func(*asc.RateState)
	done chan error
}

// rateSoon is the longest an answer queued by UpdateSoon waits for a transaction to join.
const rateSoon = 50 * time.Millisecond

// maxDeferred bounds what UpdateSoon keeps while the database fails; past it the oldest are
// dropped (each is an answer's report; losing one leaves its request counted in flight, so the
// budget errs on the side of sending less).
const maxDeferred = 4096

// rateCommitTimeout bounds one group's transaction: a caller waits for its update whatever
// its own context says, so that a change made to the state is never left unreported.
const rateCommitTimeout = 10 * time.Second

// Update queues fn for the next group and waits for its commit. A row that does not decode
// (written by another version) is started afresh: the next answer teaches the budget again,
// as after a restart.
func (s *dbRateStore) Update(ctx context.Context, fn func(*asc.RateState)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	u := &rateUpdate{fn: fn, done: make(chan error, 1)}
	s.mu.Lock()
	s.queue = append(s.queue, u)
	s.waiters++
	lead := !s.running
	s.running = true
	s.mu.Unlock()
	if lead {
		s.commitGroup()
	}
	return <-u.done
}

// UpdateSoon queues fn for the next group without waiting for it: it is committed with the
// next Update, or after rateSoon when none comes.
func (s *dbRateStore) UpdateSoon(fn func(*asc.RateState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.queue) >= maxDeferred && s.waiters == 0 {
		s.queue = s.queue[1:]
	}
	s.queue = append(s.queue, &rateUpdate{fn: fn})
	if !s.running {
		s.armLocked()
	}
}

// armLocked makes sure what is queued is committed within rateSoon; the caller holds s.mu.
func (s *dbRateStore) armLocked() {
	if s.armed || s.closed {
		return
	}
	s.armed = true
	soon := s.soon
	if soon <= 0 {
		soon = rateSoon
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(soon, s.commitSoon)
	} else {
		s.timer.Reset(soon)
	}
}

// commitSoon commits what UpdateSoon queued, unless a group is under way (it takes them).
func (s *dbRateStore) commitSoon() {
	s.mu.Lock()
	s.armed = false
	if s.running || len(s.queue) == 0 {
		s.mu.Unlock()
		return
	}
	s.running = true
	s.mu.Unlock()
	s.commitGroup()
}

// Close commits what UpdateSoon queued, for a gateway that is closing, and arms no timer
// from then on.
func (s *dbRateStore) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	if s.timer != nil {
		s.timer.Stop()
	}
	empty := len(s.queue) == 0
	s.mu.Unlock()
	if empty {
		return nil
	}
	return s.Update(ctx, func(*asc.RateState) {})
}

// commitGroup commits what is queued in one transaction and hands what has queued up since
// to a goroutine of its own, so no caller waits for more than its group and the one before.
// What only UpdateSoon queued meanwhile waits for the next caller (or rateSoon) instead of a
// transaction of its own at once. A failed group's deferred changes are queued again: they
// were not applied.
func (s *dbRateStore) commitGroup() {
	s.mu.Lock()
	group := s.queue
	s.queue = nil
	s.waiters = 0
	s.mu.Unlock()
	err := s.commit(group)
	var again []*rateUpdate
	for _, u := range group {
		switch {
		case u.done != nil:
			u.done <- err
		case err != nil:
			again = append(again, u)
		}
	}
	s.mu.Lock()
	if len(again) > 0 {
		s.queue = append(again[max(0, len(again)-maxDeferred):], s.queue...)
	}
	if s.waiters == 0 {
		s.running = false
		if len(s.queue) > 0 {
			s.armLocked()
		}
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	go s.commitGroup()
}

func (s *dbRateStore) commit(group []*rateUpdate) error {
	ctx, cancel := context.WithTimeout(context.Background(), rateCommitTimeout)
	defer cancel()
	if s.known {
		// Applied to the state this instance stored last, and stored only if the row still
		// holds it: the same as reading it under the lock, unless another instance wrote
		// since, and then nothing is stored and the group is applied again to what it wrote.
		// The updates change only the state and what their callers read from it, so applying
		// them again to the state read under the lock leaves what that application decides.
		s.commits.Add(1)
		next, encErr := applyGroup(s.last, group)
		if encErr != nil {
			return &budgetStoreError{fmt.Errorf("rate budget: encode: %w", encErr)}
		}
		ok, err := s.db.SwapRateBudget(ctx, s.name, s.last, next)
		if err != nil {
			s.known = false
			return &budgetStoreError{err}
		}
		if ok {
			s.last = next
			s.swaps.Add(1)
			return nil
		}
	}
	s.commits.Add(1)
	var encErr error
	var read, stored string
	err := s.db.UpdateRateBudget(ctx, s.name, func(old string) string {
		read, stored = old, old
		next, err := applyGroup(old, group)
		if err != nil {
			encErr = err
			return old
		}
		stored = next
		return next
	})
	if err == nil && encErr != nil {
		err = fmt.Errorf("rate budget: encode: %w", encErr)
	}
	if err != nil {
		s.known = false
		return &budgetStoreError{err}
	}
	// The next group is swapped only if nobody else wrote since this instance last did (or,
	// at first, since the row was made): while other instances write in between, a swap
	// would fail and cost a statement more than the locked read.
	s.known = read == s.last
	s.last = stored
	return nil
}

// applyGroup applies a group's updates in turn to a stored state and encodes the result. A
// state that does not decode (written by another version) is started afresh: the next
// answer teaches the budget again, as after a restart.
func applyGroup(old string, group []*rateUpdate) (string, error) {
	var st asc.RateState
	if old != "" && json.Unmarshal([]byte(old), &st) != nil {
		st = asc.RateState{}
	}
	for _, u := range group {
		u.fn(&st)
	}
	b, err := json.Marshal(&st)
	if err != nil {
		return old, err
	}
	return string(b), nil
}

// budgetStoreError is a shared rate budget the database could not be asked about: the
// request is not sent, since the other instances could not account for it.
type budgetStoreError struct{ err error }

func (e *budgetStoreError) Error() string { return e.err.Error() }
func (e *budgetStoreError) Unwrap() error { return e.err }

// newBudget is the rate budget of one App Store Connect key: in the database when it is
// PostgreSQL, which several instances share; in the process otherwise (a SQLite file serves
// one instance).
// The store is returned too when it is the database's, for Close.
func newBudget(db *store.DB, name string) (*asc.RateBudget, *dbRateStore) {
	if db != nil && db.Dialect() == store.Postgres {
		s := &dbRateStore{db: db, name: name}
		return asc.NewSharedRateBudget(s), s
	}
	return asc.NewRateBudget(), nil
}
