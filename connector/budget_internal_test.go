package connector

import (
	"context"
	"sync"
	"testing"

	"github.com/ascend-tools/ascend/asc"
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
