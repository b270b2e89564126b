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
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
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
