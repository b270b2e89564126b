package store_test

import (
	"strconv"
	"sync"
	"testing"

	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// Instances on one database update a budget one at a time: increments from several
// connections of two handles are none of them lost.
func TestRateBudgetUpdatesAreSerialised(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		dbs := twoHandles(t, backend)
		const workers, each = 6, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				for range each {
					errs <- dbs[w%2].UpdateRateBudget(t.Context(), "KEY1|ISSUER|api.example", func(s string) string {
						n, _ := strconv.Atoi(s)
						return strconv.Itoa(n + 1)
					})
				}
			})
		}
		wg.Wait()
		noErrors(t, errs)
		var got string
		if err := dbs[0].UpdateRateBudget(t.Context(), "KEY1|ISSUER|api.example", func(s string) string { got = s; return s }); err != nil {
			t.Fatal(err)
		}
		if got != strconv.Itoa(workers*each) {
			t.Fatalf("after %d increments the state is %q", workers*each, got)
		}
		// Another budget starts empty.
		if err := dbs[1].UpdateRateBudget(t.Context(), "KEY2||api.example", func(s string) string { got = s; return s }); err != nil || got != "" {
			t.Fatalf("a new budget's state is %q, %v; want empty", got, err)
		}
	})
}

// A swap changes the state only from the state given: increments made by swapping from the
// state each worker last saw, and under the lock when that fails, are none of them lost nor
// made twice, from several connections of two handles.
func TestRateBudgetSwapsOnlyFromTheStateGiven(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		dbs := twoHandles(t, backend)
		const budget = "KEY1|ISSUER|api.example"
		if ok, err := dbs[0].SwapRateBudget(t.Context(), budget, "", "1"); ok || err != nil {
			t.Fatalf("swap of a budget without a row: %v, %v; want false", ok, err)
		}
		const workers, each = 6, 15
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Go(func() {
				last := ""
				for range each {
					if last != "" {
						n, _ := strconv.Atoi(last)
						next := strconv.Itoa(n + 1)
						ok, err := dbs[w%2].SwapRateBudget(t.Context(), budget, last, next)
						if err != nil {
							errs <- err
							return
						}
						if ok {
							last = next
							continue
						}
					}
					errs <- dbs[w%2].UpdateRateBudget(t.Context(), budget, func(s string) string {
						n, _ := strconv.Atoi(s)
						last = strconv.Itoa(n + 1)
						return last
					})
				}
			})
		}
		wg.Wait()
		noErrors(t, errs)
		var got string
		if err := dbs[0].UpdateRateBudget(t.Context(), budget, func(s string) string { got = s; return s }); err != nil {
			t.Fatal(err)
		}
		if got != strconv.Itoa(workers*each) {
			t.Fatalf("after %d increments the state is %q", workers*each, got)
		}
		if ok, err := dbs[1].SwapRateBudget(t.Context(), budget, "1", "2"); ok || err != nil {
			t.Fatalf("swap from a stale state: %v, %v; want false", ok, err)
		}
		if ok, err := dbs[1].SwapRateBudget(t.Context(), budget, got, "done"); !ok || err != nil {
			t.Fatalf("swap from the current state: %v, %v; want true", ok, err)
		}
	})
}

// twoHandles opens one database of the backend twice, as two instances would.
func twoHandles(t *testing.T, backend string) []*store.DB {
	t.Helper()
	dsn := storetest.DSN(t, backend)
	var dbs []*store.DB
	for range 2 {
		db, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	return dbs
}

// noErrors fails the test on the first error the closed channel holds.
func noErrors(t *testing.T, errs chan error) {
	t.Helper()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// The rate budget's statements commit without waiting for the disk, and only they: the
// session they ran on keeps durable commits for every other statement (the audit's).
func TestRateBudgetAsyncCommitStaysInItsTransaction(t *testing.T) {
	t.Parallel()
	db, err := store.Open(t.Context(), storetest.DSN(t, "postgres"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	store.SQLOf(db).SetMaxOpenConns(1) // every statement on the one session
	// Durable for the session, whatever the server's default.
	if _, err := store.SQLOf(db).ExecContext(t.Context(), `SET synchronous_commit = on`); err != nil {
		t.Fatal(err)
	}
	const budget = "KEY1|ISSUER|api.example"
	if err := db.UpdateRateBudget(t.Context(), budget, func(string) string { return "a" }); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.SwapRateBudget(t.Context(), budget, "a", "b"); !ok || err != nil {
		t.Fatalf("swap: %v, %v", ok, err)
	}
	var mode string
	if err := store.SQLOf(db).QueryRowContext(t.Context(), `SHOW synchronous_commit`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "on" {
		t.Errorf("after the budget's statements the session's synchronous_commit is %q, want on", mode)
	}
}
