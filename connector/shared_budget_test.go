package connector_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// instances starts n gateways on one PostgreSQL database in front of sb, as behind a load
// balancer, and returns their environments; the client keys are the first one's (the
// database is shared, so every instance knows them).
func instances(t *testing.T, sb *sandboxtest.Sandbox, n int) []*env {
	t.Helper()
	dsn := storetest.DSN(t, "postgres")
	var out []*env
	for i := range n {
		db, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		gw, err := connector.New(connector.Config{
			Profiles:        []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}},
			DB:              db,
			DisableDelivery: true,
		})
		if err != nil {
			t.Fatalf("instance %d: %v", i, err)
		}
		srv := httptest.NewServer(gw)
		t.Cleanup(func() { srv.Close(); gw.Close(); db.Close() })
		e := &env{gw: gw, srv: srv, db: db, sb: sb}
		if i == 0 {
			e.readKey = e.key(t, "reader", store.Read, 0)
			e.writeKey = e.key(t, "writer", store.Write, 0)
		} else {
			e.readKey, e.writeKey = out[0].readKey, out[0].writeKey
		}
		out = append(out, e)
	}
	return out
}

// TestInstancesShareOneBudget: three instances on one PostgreSQL database, clients spread
// over them, sending more than the key's hourly limit: together they send the sandbox no
// more than the limit (none is refused by it), the rest is answered 429 by the gateways.
func TestInstancesShareOneBudget(t *testing.T) {
	t.Parallel()
	const limit = 60
	sb := sandboxtest.Start(t, sandbox.Options{HourlyLimit: limit})
	gws := instances(t, sb, 3)
	const clients, each = 12, 10
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for c := range clients {
		e := gws[c%len(gws)]
		wg.Go(func() {
			for range each {
				a := e.do(t, "GET", "/v1/apps?limit=1", e.readKey, nil)
				mu.Lock()
				statuses[a.status]++
				mu.Unlock()
				if a.status == http.StatusTooManyRequests && a.header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After: %s", a.body)
				}
			}
		})
	}
	wg.Wait()
	st := sb.Stats()
	reached := st.ByRoute["GET /v1/apps"]
	t.Logf("%d requests over %d instances: answers %v; the sandbox got %d (by status %v)", clients*each, len(gws), statuses, reached, st.ByStatus)
	if reached > limit || st.ByStatus["429"] > 0 {
		t.Errorf("the instances sent the sandbox %d requests (%d refused by it); the hourly limit is %d", reached, st.ByStatus["429"], limit)
	}
	if statuses[200] != reached || statuses[200]+statuses[429] != clients*each {
		t.Errorf("answers %v: want %d successes (what reached the sandbox) and the rest 429", statuses, reached)
	}
	// Nearly all of the hour's budget was spent: the instances did not hold back each
	// other's share either (the last tenth is spread over the hour, one request at a time).
	if reached < limit*8/10 {
		t.Errorf("only %d of %d requests reached the sandbox", reached, limit)
	}
}

// TestA429HoldsEveryInstance: a 429 with a long Retry-After seen by one instance holds all
// of them: the others answer 429 at once without sending anything.
func TestA429HoldsEveryInstance(t *testing.T) {
	t.Parallel()
	// Two requests of burst, refilled at one every 100 s: the third gets Retry-After ~100.
	sb := sandboxtest.Start(t, sandbox.Options{BurstLimit: 2, BurstRate: 0.01, HourlyLimit: -1})
	gws := instances(t, sb, 3)
	for i, want := range []int{200, 200, 429} {
		e := gws[i]
		if a := e.do(t, "GET", "/v1/apps?limit=1", e.readKey, nil); a.status != want {
			t.Fatalf("request %d through instance %d: %d, want %d: %s", i+1, i, a.status, want, a.body)
		}
	}
	before := sb.Stats().ByRoute["GET /v1/apps"]
	for i, e := range gws {
		a := e.do(t, "GET", "/v1/apps?limit=1", e.writeKey, nil)
		if a.status != http.StatusTooManyRequests || errorCode(t, a) != "RATE_LIMIT_EXCEEDED" || a.header.Get("Retry-After") == "" {
			t.Fatalf("instance %d during the hold: %d Retry-After %q %s", i, a.status, a.header.Get("Retry-After"), a.body)
		}
	}
	if after := sb.Stats().ByRoute["GET /v1/apps"]; after != before {
		t.Errorf("held instances sent %d requests to the sandbox", after-before)
	}
	var s connector.Status
	a := gws[1].do(t, "GET", "/connector/status", gws[1].readKey, nil)
	if err := json.Unmarshal(a.body, &s); err != nil || s.RateLimit.PausedUntil == nil || !s.RateLimit.PausedUntil.After(time.Now().Add(20*time.Second)) {
		t.Errorf("another instance's status does not show the hold: %+v (%v)", s.RateLimit, err)
	}
}
