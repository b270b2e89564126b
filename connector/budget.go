package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
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
type dbRateStore struct {
	db   *store.DB
	name string // the key id, issuer id and upstream host; never key material

	mu      sync.Mutex
	queue   []*rateUpdate
	running bool // a goroutine is committing; it takes the queue when done
}

// rateUpdate is one caller's change, waiting for its group's commit.
type rateUpdate struct {
	fn   func(*asc.RateState)
	done chan error
}

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
	lead := !s.running
	s.running = true
	s.mu.Unlock()
	if lead {
		s.commitGroup()
	}
	return <-u.done
}

// commitGroup commits what is queued in one transaction and hands what has queued up since
// to a goroutine of its own, so no caller waits for more than its group and the one before.
func (s *dbRateStore) commitGroup() {
	s.mu.Lock()
	group := s.queue
	s.queue = nil
	s.mu.Unlock()
	err := s.commit(group)
	for _, u := range group {
		u.done <- err
	}
	s.mu.Lock()
	if len(s.queue) == 0 {
		s.running = false
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	go s.commitGroup()
}

func (s *dbRateStore) commit(group []*rateUpdate) error {
	ctx, cancel := context.WithTimeout(context.Background(), rateCommitTimeout)
	defer cancel()
	var encErr error
	err := s.db.UpdateRateBudget(ctx, s.name, func(old string) string {
		var st asc.RateState
		if old != "" && json.Unmarshal([]byte(old), &st) != nil {
			st = asc.RateState{}
		}
		for _, u := range group {
			u.fn(&st)
		}
		b, err := json.Marshal(&st)
		if err != nil {
			encErr = err
			return old
		}
		return string(b)
	})
	if err == nil && encErr != nil {
		err = fmt.Errorf("rate budget: encode: %w", encErr)
	}
	if err != nil {
		return &budgetStoreError{err}
	}
	return nil
}

// budgetStoreError is a shared rate budget the database could not be asked about: the
// request is not sent, since the other instances could not account for it.
type budgetStoreError struct{ err error }

func (e *budgetStoreError) Error() string { return e.err.Error() }
func (e *budgetStoreError) Unwrap() error { return e.err }

// newBudget is the rate budget of one App Store Connect key: in the database when it is
// PostgreSQL, which several instances share; in the process otherwise (a SQLite file serves
// one instance).
func newBudget(db *store.DB, name string) *asc.RateBudget {
	if db != nil && db.Dialect() == store.Postgres {
		return asc.NewSharedRateBudget(&dbRateStore{db: db, name: name})
	}
	return asc.NewRateBudget()
}
