package connector_test

import (
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/store"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestRetryBackoffCountsFromTheAttemptsEnd: a subscriber that answers slowly (here an hour,
// on the fake clock) is retried a backoff after its answer, not a backoff after the attempt
// began, which would make the retry due at once.
func TestRetryBackoffCountsFromTheAttemptsEnd(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{t: time.Now()}
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Now = clock.Now
		// The worker looks for due deliveries only when an event arrives.
		c.Delivery = connector.DeliveryOptions{Poll: time.Hour, MinBackoff: time.Minute, MaxBackoff: time.Hour, Timeout: 2 * time.Second, TTL: 48 * time.Hour}
		c.CallbackClient = &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			clock.Advance(time.Hour)
			return &http.Response{StatusCode: 500, Body: io.NopCloser(strings.NewReader("")), Header: http.Header{}, Request: r}, nil
		})}
	})
	const secret = "slow-subscriber-secret"
	e.db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: secret, CreatedAt: time.Now()})
	if a := e.do(t, "POST", "/connector/subscriptions", e.writeKey, map[string]any{"callbackUrl": "https://flows.example.com/hook"}); a.status != 201 {
		t.Fatalf("subscribe: %d %s", a.status, a.body)
	}
	if a := e.postEvent(t, "default", secret, pingEvent); a.status != 200 {
		t.Fatalf("event: %d %s", a.status, a.body)
	}
	waitFor(t, "the failed attempt to be recorded", func() bool {
		st, _ := e.db.DeliveriesOf(t.Context(), "default/ping-1")
		return len(st) == 1 && st[0].Attempts == 1
	})
	due, err := e.db.ClaimDeliveries(t.Context(), "probe", clock.Now(), time.Minute, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 0 {
		t.Errorf("right after a slow failed attempt the delivery is due again (%d due); want it a backoff later", len(due))
	}
	clock.Advance(2 * time.Minute)
	due, err = e.db.ClaimDeliveries(t.Context(), "probe", clock.Now(), time.Minute, 10)
	if err != nil || len(due) != 1 {
		t.Errorf("a backoff later: %d due, %v; want 1", len(due), err)
	}
}

// TestSubscriptionsOfOtherClients: a subscriber's callback URL carries its credentials (Power
// Automate's sig= token), so other clients of the profile see only its host, and only the key
// that subscribed (or a write key) may remove a subscription.
func TestSubscriptionsOfOtherClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	other := e.key(t, "other-flow", store.Read, 0)
	const callback = "https://flows.example.com/workflows/abc/triggers/manual/run?api-version=1&sig=SASTOKEN"
	a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": callback})
	if a.status != 201 {
		t.Fatalf("subscribe: %d %s", a.status, a.body)
	}
	if !strings.Contains(string(a.body), "SASTOKEN") {
		t.Errorf("the subscriber's own answer lost its callback URL: %s", a.body)
	}
	if l := e.do(t, "GET", "/connector/subscriptions", e.readKey, nil); l.status != 200 || !strings.Contains(string(l.body), "SASTOKEN") {
		t.Errorf("the subscribing key's list: %d %s; want its full callback URL", l.status, l.body)
	}
	l := e.do(t, "GET", "/connector/subscriptions", other, nil)
	if l.status != 200 || strings.Contains(string(l.body), "SASTOKEN") || strings.Contains(string(l.body), "/workflows/abc") || !strings.Contains(string(l.body), "https://flows.example.com") {
		t.Errorf("another key's list: %d %s; want the subscription's host only", l.status, l.body)
	}
	loc := a.header.Get("Location")
	if d := e.do(t, "DELETE", loc, other, nil); d.status != 404 || errorCode(t, d) != "NOT_FOUND" {
		t.Errorf("another read key removing the subscription: %d %s; want 404", d.status, d.body)
	}
	if subs, _ := e.db.Subscriptions(t.Context(), "default"); len(subs) != 1 {
		t.Fatalf("subscriptions after a refused removal: %d", len(subs))
	}
	if d := e.do(t, "DELETE", loc, e.writeKey, nil); d.status != 204 {
		t.Errorf("a write key removing the subscription: %d %s; want 204", d.status, d.body)
	}
}

// TestDotSegmentsNeverReachTheUpstream: a path that an upstream could resolve outside the API
// roots (dot segments, encoded or not, with a path parameter or a NUL after them, and encoded
// slashes) is refused before anything is sent, on the passthrough and in curated actions
// alike.
func TestDotSegmentsNeverReachTheUpstream(t *testing.T) {
	t.Parallel()
	up := &sentUpstream{of: func(r *http.Request) string { return r.URL.EscapedPath() }}
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.UpstreamTransport = up })
	for _, path := range []string{
		"/v1/%2e%2e/sandbox/stats",
		"/v1/apps/%2E%2E/%2E%2E/sandbox/reset",
		"/v1/apps%2F..%2F..%2Fsandbox%2Fstats",
		"/v1/apps/%2e/x",
		"/v1/apps/..%5Csandbox",
		"/connector/v1/apps/%2E%2E",
		"/connector/v1/apps/%2E%2E%2F%2E%2E%2Fsandbox/versions",
		// What servers that take path parameters or stop at a NUL read as dot segments.
		"/v1/apps/..;/..;/sandbox/stats",
		"/v1/apps/%2e%2e%3bx/%2E;/sandbox/reset",
		"/v1/apps/..%00/sandbox",
		"/connector/v1/apps/..;",
	} {
		a := e.do(t, "GET", path, e.readKey, nil)
		if a.status != 404 || errorCode(t, a) != "NOT_FOUND" {
			t.Errorf("GET %s: %d %s; want 404 NOT_FOUND", path, a.status, a.body)
		}
	}
	if sent := up.list(); len(sent) != 0 {
		t.Errorf("the upstream was sent %q", sent)
	}
	if a := e.do(t, "GET", "/v1/apps?limit=1", e.readKey, nil); a.status != 200 {
		t.Errorf("an ordinary path: %d %s", a.status, a.body)
	}
}

// TestDeliveriesDoNotFollowRedirects: a callback that redirects does not lead the gateway to
// another address (an internal service, say) with the notification and its signature; the
// attempt counts as failed and is retried.
func TestDeliveriesDoNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	reached := 0
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reached++
		mu.Unlock()
	}))
	t.Cleanup(target.Close)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/internal", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(redirector.Close)
	e := newEnv(t, "sqlite", nil)
	const secret = "redirect-test-secret"
	e.db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: secret, CreatedAt: time.Now()})
	if a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": redirector.URL + "/hook"}); a.status != 201 {
		t.Fatalf("subscribe: %d %s", a.status, a.body)
	}
	if a := e.postEvent(t, "default", secret, pingEvent); a.status != 200 {
		t.Fatalf("event: %d %s", a.status, a.body)
	}
	var st []store.DeliveryState
	waitFor(t, "an attempt", func() bool {
		st, _ = e.db.DeliveriesOf(t.Context(), "default/ping-1")
		return len(st) == 1 && st[0].Attempts >= 1
	})
	if st[0].State != store.StatePending || st[0].LastError != "status 307" {
		t.Errorf("delivery after redirects: %+v; want pending with last error status 307", st[0])
	}
	mu.Lock()
	defer mu.Unlock()
	if reached != 0 {
		t.Errorf("the redirect target was reached %d times", reached)
	}
}

// TestUploadTokensStayOutOfLogsAndAudit: an upload path's token is the presigned part URL,
// whose query is a credential; neither the request log nor the audit log keeps it.
func TestUploadTokensStayOutOfLogsAndAudit(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.UploadHosts = []string{"uploads.example.com"}
	})
	presigned := "https://elsewhere.example.com/part?X-Amz-Signature=PRESIGNEDSECRET"
	token := base64.RawURLEncoding.EncodeToString([]byte(presigned))
	if a := e.do(t, "PUT", "/connector/uploads/"+token, e.writeKey, map[string]any{}); a.status != 403 {
		t.Errorf("upload to a host not configured: %d %s", a.status, a.body)
	}
	entries, err := e.db.Audit(t.Context(), time.Time{}, 100)
	if err != nil || len(entries) != 1 {
		t.Fatalf("audit: %+v, %v; want the refused upload", entries, err)
	}
	if entries[0].Path != "/connector/uploads/{token}" {
		t.Errorf("audited path %q; want /connector/uploads/{token}", entries[0].Path)
	}
	if l := logs.String(); strings.Contains(l, token) || strings.Contains(l, "PRESIGNEDSECRET") {
		t.Errorf("the log holds the upload token: %s", l)
	} else if !strings.Contains(l, `"/connector/uploads/{token}"`) {
		t.Errorf("no request line for the upload in the log: %s", l)
	}
}

// TestUpstreamSeesOnlyTheGatewaysCredentials: the upstream gets the gateway's JWT, never the
// client's key or other client headers, and a redirect it answers with is handed to the client
// rather than followed with the JWT.
func TestUpstreamSeesOnlyTheGatewaysCredentials(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	reachedElsewhere := 0
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		reachedElsewhere++
		mu.Unlock()
	}))
	t.Cleanup(elsewhere.Close)
	var got http.Header
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Header.Clone()
		mu.Unlock()
		http.Redirect(w, r, elsewhere.URL+"/steal", http.StatusFound)
	}))
	t.Cleanup(upstream.Close)
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.Profiles[0].Upstream = upstream.URL })
	req, _ := http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/v1/apps", nil)
	req.Header.Set("Authorization", "Bearer "+e.readKey)
	req.Header.Set("X-API-Key", e.readKey)
	req.Header.Set("Cookie", "session=abc")
	req.Header.Set("X-Forwarded-For", "10.0.0.1")
	req.Header.Set("X-HTTP-Method-Override", "DELETE")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != elsewhere.URL+"/steal" {
		t.Errorf("client got %d Location %q; want Apple's redirect as it was", resp.StatusCode, resp.Header.Get("Location"))
	}
	mu.Lock()
	defer mu.Unlock()
	if reachedElsewhere != 0 {
		t.Errorf("the gateway followed the upstream's redirect to another host")
	}
	if got == nil {
		t.Fatal("the upstream got no request")
	}
	if a := got.Get("Authorization"); !strings.HasPrefix(a, "Bearer ey") || strings.Contains(a, e.readKey) {
		t.Errorf("upstream Authorization is not the gateway's JWT")
	}
	for _, h := range []string{"X-Api-Key", "Cookie", "X-Forwarded-For", "X-Http-Method-Override"} {
		if got.Get(h) != "" {
			t.Errorf("client header %s reached the upstream", h)
		}
	}
}

// TestOversizedBodiesGet413: every body the gateway reads is capped, and going over the cap
// is answered 413 in Apple's error shape, not taken for a malformed body.
func TestOversizedBodiesGet413(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.MaxBodyBytes = 1 << 10 })
	for _, tc := range []struct {
		method, path string
		size         int
	}{
		{"POST", "/v1/apps", 128 << 10},
		{"POST", "/connector/subscriptions", 128 << 10},
		{"PATCH", "/connector/v1/appInfoLocalizations/x", 128 << 10},
		{"POST", "/connector/v1/reviewSubmissions", 128 << 10},
		{"POST", "/connector/webhooks/apple/default", 2 << 20},
	} {
		big := strings.Repeat("a", tc.size)
		a := e.do(t, tc.method, tc.path, e.writeKey, map[string]any{"data": big})
		if a.status != 413 || errorCode(t, a) != "ENTITY_ERROR.TOO_LARGE" {
			t.Errorf("%s %s with %d KiB: %d %s; want 413", tc.method, tc.path, len(big)>>10, a.status, a.body)
		}
	}
}

// TestCallbacksNeverReachLinkLocalAddresses: a client key may not aim the gateway's webhook
// deliveries at link-local addresses, where cloud metadata services answer.
func TestCallbacksNeverReachLinkLocalAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, cb := range []string{"http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x", "http://0.0.0.0:80/x", "http://[::]/x"} {
		if a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": cb}); a.status != 400 || errorCode(t, a) != "PARAMETER_ERROR.INVALID" {
			t.Errorf("subscribe %s: %d %s; want 400", cb, a.status, a.body)
		}
	}
	if a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": "http://10.1.2.3/n8n"}); a.status != 201 {
		t.Errorf("a private-network subscriber (an internal n8n): %d %s; want 201", a.status, a.body)
	}
}

// TestHugeUpstreamAnswerIsNotCutShort: an answer over the gateway's buffering cap in a
// composite action is an error (502), never a 201 with the answer cut off mid-document.
func TestHugeUpstreamAnswerIsNotCutShort(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("sends 64 MiB over loopback")
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		switch r.Method {
		case "POST":
			w.WriteHeader(201)
			io.WriteString(w, `{"data":{"type":"reviewSubmissions","id":"rs-1","attributes":{}}}`)
		default:
			io.WriteString(w, `{"data":{"type":"reviewSubmissions","id":"rs-1","attributes":{"pad":"`)
			chunk := strings.Repeat("a", 1<<20)
			for range 65 {
				io.WriteString(w, chunk)
			}
			io.WriteString(w, `"}}}`)
		}
	}))
	t.Cleanup(upstream.Close)
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.Profiles[0].Upstream = upstream.URL })
	a := e.do(t, "POST", "/connector/v1/reviewSubmissions", e.writeKey, map[string]any{"appId": "1", "appStoreVersionId": "2", "platform": "IOS"})
	if a.status != http.StatusBadGateway {
		t.Errorf("submit with a 65 MiB answer: %d (%d bytes); want 502", a.status, len(a.body))
	}
}
