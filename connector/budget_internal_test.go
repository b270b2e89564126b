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
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for range workers {
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
	// other goes with the next reservation, the last one within rateSoon or at Close.
	if got := rs.commits.Load(); got > n+2 {
		t.Errorf("%d requests took %d transactions of the shared budget, want at most %d", n, got, n+2)
	} else {
		t.Logf("%d requests took %d transactions of the shared budget", n, got)
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
