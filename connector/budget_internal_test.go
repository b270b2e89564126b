package connector

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// Updates committed in groups are each applied once, in turn, whatever the concurrency; a
// caller whose context has ended before it queued is refused without a change.
func TestRateStoreGroupCommit(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			s := &dbRateStore{db: storetest.Open(t, backend), name: "KEY|ISSUER|host"}
			const workers, each = 40, 25
			reserveConcurrently(t, workers, each, func(int) *dbRateStore { return s })
			var got uint64
			ended, cancel := context.WithCancel(t.Context())
			cancel()
			if err := s.Update(ended, func(st *asc.RateState) { st.Reserved++ }); err == nil {
				t.Error("an update with an ended context was accepted")
			}
			if err := s.Update(t.Context(), func(st *asc.RateState) { got = st.Reserved }); err != nil || got != workers*each {
				t.Fatalf("after %d updates Reserved is %d (%v)", workers*each, got, err)
			}
		})
	}
}

// Two instances changing one budget, each storing by a swap while it knows the state and
// under the row lock when the other wrote since, lose and repeat no update, and each sees
// the other's: the last reads what both made of it.
func TestRateStoreSwapsAcrossInstances(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, backend)
			var stores [2]*dbRateStore
			for i := range stores {
				db, err := store.Open(t.Context(), dsn)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				stores[i] = &dbRateStore{db: db, name: "KEY|ISSUER|host"}
			}
			const rounds, workers, each = 3, 8, 10
			total := uint64(0)
			for round := range rounds {
				// A round alone on one instance (swaps), then both at once (swaps fail).
				reserveConcurrently(t, workers, each, func(w int) *dbRateStore {
					if round == 0 {
						return stores[0]
					}
					return stores[w%2]
				})
				total += workers * each
				for i, s := range stores {
					var got uint64
					if err := s.Update(t.Context(), func(st *asc.RateState) { got = st.Reserved }); err != nil || got != total {
						t.Fatalf("round %d, instance %d: Reserved is %d (%v), want %d", round, i, got, err, total)
					}
				}
			}
			for i, s := range stores {
				t.Logf("instance %d: %d transactions, %d of them swaps", i, s.commits.Load(), s.swaps.Load())
			}
			if stores[0].swaps.Load() == 0 {
				t.Error("no update was stored by a swap")
			}
		})
	}
}

// reserveConcurrently has workers goroutines each count each reservations in the store
// storeOf gives it.
func reserveConcurrently(t *testing.T, workers, each int, storeOf func(worker int) *dbRateStore) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		s := storeOf(w)
		wg.Go(func() {
			for range each {
				errs <- s.Update(t.Context(), func(st *asc.RateState) { st.Reserved++ })
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
}

// With PostgreSQL a request on the hot path costs the shared budget one transaction, its
// reservation, which carries the answers before it; the answer of the last is committed
// within rateSoon, and Close commits what is left. 429s are not deferred (shared_budget_test).
func TestSharedBudgetOneTransactionPerRequest(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{HourlyLimit: 3600})
	db := storetest.Open(t, "postgres")
	g, err := New(Config{Profiles: []Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, DisableDelivery: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g)
	defer srv.Close()
	secret, rec, _ := NewClientKey("reader", "default", store.Read, 0, time.Now())
	if err := db.CreateClientKey(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	rs := g.rateStores[0]
	// The timer that commits a lone answer after rateSoon waits past the test, so that a
	// request slower than rateSoon (a loaded machine, the race detector) does not add a
	// transaction of its own: the count is the same however long each request takes.
	rs.mu.Lock()
	rs.soon = time.Hour
	rs.mu.Unlock()
	const n = 30
	for i := range n {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/apps?limit=1", nil)
		req.Header.Set("X-API-Key", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	// The first answer teaches the budget the key's limit and is committed at once; every
	// other goes with the next reservation, the last one at Close (or within rateSoon).
	if got := rs.commits.Load(); got > n+2 {
		t.Errorf("%d requests took %d transactions of the shared budget, want at most %d", n, got, n+2)
	} else {
		t.Logf("%d requests took %d transactions of the shared budget, %d of them swaps", n, got, rs.swaps.Load())
	}
	// With no other instance writing, only the first reads the row under its lock; every
	// other is one statement that stores the state if the row still holds what this one
	// stored last.
	if got, swaps := rs.commits.Load(), rs.swaps.Load(); swaps < got-1 {
		t.Errorf("%d of %d transactions were swaps, want all but the first", swaps, got)
	}
	g.Close()
	var st asc.RateState
	if err := rs.Update(t.Context(), func(s *asc.RateState) { st = *s }); err != nil {
		t.Fatal(err)
	}
	if st.Reserved != n || st.Settled != n || !st.Rate.Known || st.Rate.Limit != 3600 || st.Rate.Remaining > 3600-n {
		t.Errorf("after %d answers and Close the shared state is reserved %d, settled %d, rate %+v", n, st.Reserved, st.Settled, st.Rate)
	}
}
