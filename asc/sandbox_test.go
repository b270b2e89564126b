package asc_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// These tests run the client against the in-process sandbox: real JWTs checked by the
// emulator, Apple's documents and error shapes, and injected faults.

func TestSandboxAppInfoLocalizationRoundTrip(t *testing.T) {
	t.Parallel()
	c := sandboxtest.Start(t, sandbox.Options{}).Client()
	ctx := t.Context()
	var app asc.App
	for a, err := range c.Apps.ListIter(ctx, &asc.AppsListOptions{FilterBundleID: []string{"com.example.quiethours"}}) {
		if err != nil {
			t.Fatal(err)
		}
		app = a
	}
	if app.ID == "" {
		t.Fatal("demo app com.example.quiethours not found")
	}
	infos, resp, err := c.Apps.ListInfos(ctx, app.ID, nil)
	if err != nil || len(infos.Data) == 0 {
		t.Fatalf("ListInfos: %v", err)
	}
	if !resp.Rate.Known {
		t.Errorf("the sandbox's X-Rate-Limit was not parsed")
	}
	info := infos.Data[0].ID
	created, _, err := c.AppInfoLocalizations.Create(ctx, &asc.AppInfoLocalizationCreateRequest{Data: asc.AppInfoLocalizationCreateRequestData{
		Attributes:    asc.AppInfoLocalizationCreateRequestAttributes{Locale: "fr-FR", Name: "Heures calmes"},
		Relationships: asc.AppInfoLocalizationCreateRequestRelationships{AppInfo: asc.Relationship{Data: asc.ToOne("appInfos", info)}},
	}})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	id := created.Data.ID
	if _, _, err := c.AppInfoLocalizations.Update(ctx, id, &asc.AppInfoLocalizationUpdateRequest{Data: asc.AppInfoLocalizationUpdateRequestData{
		Attributes: &asc.AppInfoLocalizationUpdateRequestAttributes{Subtitle: asc.Ptr("Planifiez en silence")},
	}}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, _, err := c.AppInfoLocalizations.Get(ctx, id, nil)
	if err != nil || got.Data.Attributes == nil || got.Data.Attributes.Subtitle != "Planifiez en silence" {
		t.Fatalf("Get after Update = %+v, %v", got, err)
	}
	if _, err := c.AppInfoLocalizations.Delete(ctx, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, _, err = c.AppInfoLocalizations.Get(ctx, id, nil)
	var er *asc.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusNotFound || !er.HasCode("NOT_FOUND") {
		t.Errorf("Get after Delete = %v, want a 404 NOT_FOUND", err)
	}
}

// TestSandboxRetriesThroughFaults: with 5xx answers and dropped connections injected, every
// read still succeeds through the client's retries, and no write is ever sent twice.
func TestSandboxRetriesThroughFaults(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{BurstLimit: -1, HourlyLimit: -1})
	c := sb.Client(asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 25, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond}))
	// No 503s here: the sandbox sends them with Retry-After: 1, which this tiny policy hands
	// back to the caller by design (see TestDoRetries).
	sb.SetFaults(sandbox.Faults{Rate500: 0.2, DropRate: 0.15})
	ctx := t.Context()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 15 {
				n := 0
				for _, err := range c.Apps.ListIter(ctx, &asc.AppsListOptions{Limit: 2}) {
					if err != nil {
						t.Errorf("worker %d read %d: %v", w, i, err)
						return
					}
					n++
				}
				if n != 4 {
					t.Errorf("worker %d read %d: listed %d apps, want 4", w, i, n)
				}
			}
		})
	}
	wg.Wait()
	stats := sb.Stats()
	if stats.ByStatus["500"] == 0 {
		t.Errorf("no faults were injected (stats %v); the test proves nothing", stats.ByStatus)
	}

	// Writes under faults: each Create is sent exactly once, whatever the answer.
	infos, _, err := c.Apps.ListInfos(ctx, firstAppID(t, c), nil)
	if err != nil {
		t.Fatal(err)
	}
	before := sb.Stats().ByMethod["POST"]
	const posts = 20
	for i := range posts {
		_, _, _ = c.AppInfoLocalizations.Create(ctx, &asc.AppInfoLocalizationCreateRequest{Data: asc.AppInfoLocalizationCreateRequestData{
			Attributes:    asc.AppInfoLocalizationCreateRequestAttributes{Locale: []string{"ca", "hr", "cs", "da"}[i%4], Name: "x"},
			Relationships: asc.AppInfoLocalizationCreateRequestRelationships{AppInfo: asc.Relationship{Data: asc.ToOne("appInfos", infos.Data[0].ID)}},
		}})
	}
	if got := sb.Stats().ByMethod["POST"] - before; got > posts {
		t.Errorf("the sandbox saw %d POSTs for %d Create calls: a write was retried", got, posts)
	}
}

func firstAppID(t *testing.T, c *asc.Client) string {
	t.Helper()
	for a, err := range c.Apps.ListIter(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	t.Fatal("no apps in the sandbox")
	return ""
}

// TestSandboxBurstLimitWithBudget: the sandbox answers 429 with Retry-After once a burst is
// spent; a shared budget paces every goroutine and all calls complete.
func TestSandboxBurstLimitWithBudget(t *testing.T) {
	t.Parallel()
	budget := asc.NewRateBudget()
	sb := sandboxtest.Start(t, sandbox.Options{BurstLimit: 10, BurstRate: 20})
	c := sb.Client(asc.WithRateBudget(budget), asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 10, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Second}))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 6 {
				if _, _, err := c.Apps.List(t.Context(), &asc.AppsListOptions{Limit: 1}); err != nil {
					t.Errorf("List: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if n := sb.Stats().ByStatus["429"]; n == 0 {
		t.Errorf("the burst limit was never hit; the test proves nothing")
	}
	if snap := budget.Snapshot(); !snap.Known || snap.Limit != 3600 {
		t.Errorf("budget snapshot = %+v, want the sandbox's 3600 limit", snap)
	}
}

// TestSandboxErrorLinksKept: an error's links (links.see on the missing-agreements 403)
// reach the caller in APIError.
func TestSandboxErrorLinksKept(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{Seed: "empty"})
	sb.Fail(sandbox.FaultRule{Route: "/v1/apps", Status: 403, Code: "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED"})
	_, _, err := sb.Client().Apps.List(t.Context(), nil)
	var er *asc.ErrorResponse
	if !errors.As(err, &er) || len(er.Errors) != 1 || er.Errors[0].Links["see"] != "/business" {
		t.Fatalf("err = %#v, want the 403 with links.see", err)
	}
}

// TestSandboxPagingTotalZeroKept: an empty list's meta.paging.total 0 survives decoding and
// encoding again (a passthrough, --json output), as does a total Apple did not send.
func TestSandboxPagingTotalZeroKept(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{Seed: "empty"})
	var doc asc.ListDocument[asc.Resource]
	if _, err := sb.Client().Do(t.Context(), "GET", "/v1/apps", nil, nil, &doc); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(doc.Meta)
	if err != nil || !strings.Contains(string(out), `"total":0`) {
		t.Fatalf("re-encoded meta %s (%v), want total 0 kept", out, err)
	}
	var none asc.PagingInformation
	if err := json.Unmarshal([]byte(`{"paging":{"limit":50}}`), &none); err != nil {
		t.Fatal(err)
	}
	if out, _ := json.Marshal(none); strings.Contains(string(out), "total") {
		t.Errorf("a total Apple did not send was added: %s", out)
	}
}

// TestSandboxBurstLimitPacesWithoutHold: callers that meet the sandbox's burst limit are
// never all held (the budget is never paused) and end up paced near the burst refill rate.
func TestSandboxBurstLimitPacesWithoutHold(t *testing.T) {
	t.Parallel()
	const rate = 20.0
	budget := asc.NewRateBudget()
	sb := sandboxtest.Start(t, sandbox.Options{BurstLimit: 10, BurstRate: rate})
	c := sb.Client(asc.WithRateBudget(budget), asc.WithRetryPolicy(asc.DefaultRetryPolicy()))
	const callers, each = 8, 10
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		paused int
	)
	start := time.Now()
	for range callers {
		wg.Go(func() {
			for range each {
				if _, _, err := c.Apps.List(t.Context(), &asc.AppsListOptions{Limit: 1}); err != nil {
					t.Error(err)
					return
				}
				if !budget.Snapshot().PausedUntil.IsZero() {
					mu.Lock()
					paused++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	snap := budget.Snapshot()
	refused := sb.Stats().ByStatus["429"]
	t.Logf("%d refused, pace %.1f/s, %s (%d requests at %.0f/s after a burst of 10 take %.1fs)",
		refused, snap.Pace, time.Since(start).Round(time.Millisecond), callers*each, rate, float64(callers*each-10)/rate)
	if refused == 0 {
		t.Fatalf("the burst limit was never met: the test proves nothing")
	}
	if paused > 0 {
		t.Errorf("the budget held every caller %d times", paused)
	}
	if snap.Pace < rate/2 || snap.Pace > 1.5*rate {
		t.Errorf("learned pace %.1f/s, want about %.0f/s", snap.Pace, rate)
	}
	// The first 429 refuses every request in flight; on loopback the first estimate (which
	// holds the burst) is far too high, and a few halvings follow, each refusing a few more:
	// 25 to 55 in the runs so far, as the machine's load spreads the requests. Fewer refusals
	// than requests rules out a budget that keeps guessing (TestRateBudgetLearnsBurstRate
	// bounds them tightly in virtual time).
	if most := callers * each; refused > most {
		t.Errorf("%d requests refused, want at most %d", refused, most)
	}
}
