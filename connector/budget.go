package connector

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/store"
)

// dbRateStore keeps one App Store Connect key's rate budget in the gateway's database, so
// that every instance on one PostgreSQL database paces as one: the last X-Rate-Limit any of
// them saw, the requests reserved since, a hold after a 429 and the learned pace are one row,
// changed under its lock. Together the instances send no more than one would.
type dbRateStore struct {
	db   *store.DB
	name string // the key id, issuer id and upstream host; never key material
}

// Update runs fn on the stored state within the row's transaction. A row that does not
// decode (written by another version) is started afresh: the next answer teaches the budget
// again, as after a restart.
func (s dbRateStore) Update(ctx context.Context, fn func(*asc.RateState)) error {
	var encErr error
	err := s.db.UpdateRateBudget(ctx, s.name, func(old string) string {
		var st asc.RateState
		if old != "" && json.Unmarshal([]byte(old), &st) != nil {
			st = asc.RateState{}
		}
		fn(&st)
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
		return asc.NewSharedRateBudget(dbRateStore{db: db, name: name})
	}
	return asc.NewRateBudget()
}
