package connector_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/store"
)

// TestKeyQuotaIsAShareOfTheBudget: a key may spend its share of the Apple key's hourly
// limit (its own, else the gateway's default), then gets 429 without a request upstream;
// /connector/status shows the quota and its use.
func TestKeyQuotaIsAShareOfTheBudget(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.New(sandbox.Options{HourlyLimit: 100, BurstLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles = []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}
		c.DefaultKeyQuota = 0.05
	})
	secret, rec, _ := connector.NewClientKey("tenth", "default", store.Read, 0, time.Now())
	rec.Quota = 0.1
	if err := e.db.CreateClientKey(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	count := func(key string) (ok int, refused answer) {
		for range 20 {
			a := e.do(t, "GET", "/v1/apps?limit=1", key, nil)
			if a.status == 429 {
				return ok, a
			}
			if a.status != 200 {
				t.Fatalf("request: %d %s", a.status, a.body)
			}
			ok++
		}
		return ok, answer{}
	}
	// The default share: 5% of 100 requests an hour.
	if n, refused := count(e.readKey); n != 5 || refused.status != 429 || errorCode(t, refused) != "RATE_LIMIT_EXCEEDED" || refused.header.Get("Retry-After") == "" {
		t.Errorf("default quota: %d requests then %d %s; want 5 then 429 with Retry-After", n, refused.status, refused.body)
	}
	// A key's own share: 10%.
	if n, _ := count(secret); n != 10 {
		t.Errorf("key quota: %d requests; want 10", n)
	}
	// The sandbox counts a request as it finishes it, so the last count may trail the answer.
	waitFor(t, "the sandbox to count the 15 requests within quotas", func() bool { return sb.Stats().ByRoute["GET /v1/apps"] == 15 })
	var s connector.Status
	json.Unmarshal(e.do(t, "GET", "/connector/status", secret, nil).body, &s)
	if s.Quota.Share != 0.1 || s.Quota.Limit != 10 || s.Quota.Used != 10 || s.Quota.Remaining == nil || *s.Quota.Remaining != 0 {
		t.Errorf("status quota: %+v", s.Quota)
	}
	// Another key's quota is its own.
	if a := e.do(t, "GET", "/v1/apps?limit=1", e.writeKey, nil); a.status != 200 {
		t.Errorf("a key within its quota: %d", a.status)
	}
}

// TestSubscriptionsPerKeyAreCapped: past the cap a key must delete a subscription first.
func TestSubscriptionsPerKeyAreCapped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.MaxSubscriptionsPerKey = 2 })
	for i, want := range []int{201, 201, 409} {
		a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": "https://flows.example.com/" + string(rune('a'+i))})
		if a.status != want {
			t.Errorf("subscription %d: %d %s; want %d", i+1, a.status, a.body, want)
		}
	}
	if a := e.do(t, "POST", "/connector/subscriptions", e.writeKey, map[string]any{"callbackUrl": "https://flows.example.com/w"}); a.status != 201 {
		t.Errorf("another key's subscription: %d %s", a.status, a.body)
	}
}

// TestCallbackAllowList: with --callback-allow only matching hosts may subscribe, and
// private and loopback addresses are refused.
func TestCallbackAllowList(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.CallbackAllow = []string{"hooks.zapier.com", "*.logic.azure.com"} })
	for cb, want := range map[string]int{
		"https://hooks.zapier.com/hooks/catch/1/x/":          201,
		"https://prod-12.westeurope.logic.azure.com/wf/x":    201,
		"https://logic.azure.com/x":                          400,
		"https://evil.example.com/x":                         400,
		"https://hooks.zapier.com.evil.example.com/x":        400,
		"http://10.0.0.5/n8n":                                400,
		"http://127.0.0.1:5678/webhook/x":                    400,
		"http://[fd12::1]/x":                                 400,
		"https://HOOKS.zapier.com./hooks/catch/1/y/":         201,
		"https://prod-1.westeurope.logic.azure.com.:443/x/y": 201,
	} {
		if a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": cb}); a.status != want {
			t.Errorf("subscribe %s: %d %s; want %d", cb, a.status, a.body, want)
		}
	}
	if _, err := connector.New(connector.Config{Profiles: []connector.Profile{{Name: "x", Key: e.sb.Key()}}, DB: e.db, CallbackAllow: []string{"https://bad/"}}); err == nil {
		t.Error("a URL as an allow pattern was accepted")
	}
}

// TestMetricsBehindAToken: with an operations token /metrics needs it; with a separate
// listener it is not on the gateway's handler at all.
func TestMetricsBehindAToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.MetricsToken = "ops-token-0123456789" })
	if a := e.do(t, "GET", "/metrics", "", nil); a.status != 401 {
		t.Errorf("metrics without the token: %d", a.status)
	}
	if a := e.do(t, "GET", "/metrics", "Bearer wrong", nil); a.status != 401 {
		t.Errorf("metrics with a wrong token: %d", a.status)
	}
	if a := e.do(t, "GET", "/metrics", "Bearer ops-token-0123456789", nil); a.status != 200 || !strings.Contains(string(a.body), "ascend_gateway_") {
		t.Errorf("metrics with the token: %d", a.status)
	}
	sep := newEnv(t, "sqlite", func(c *connector.Config) { c.MetricsSeparate = true })
	if a := sep.do(t, "GET", "/metrics", "", nil); a.status != 404 {
		t.Errorf("metrics on the main handler with a separate listener: %d", a.status)
	}
	rec := &recorder{header: http.Header{}}
	sep.gw.MetricsHandler().ServeHTTP(rec, must(http.NewRequest("GET", "/metrics", nil)))
	if rec.status != 200 || !strings.Contains(rec.body.String(), "ascend_gateway_rate_limit_remaining") {
		t.Errorf("the separate metrics handler: %d", rec.status)
	}
}

// TestAppleWebhookAnswersAlikeForUnknownProfiles: the endpoint does not tell which profiles
// exist: an unknown one is answered exactly as a known one with a bad signature.
func TestAppleWebhookAnswersAlikeForUnknownProfiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	e.db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: "real-secret", CreatedAt: time.Now()})
	known := e.postEvent(t, "default", "wrong-secret", pingEvent)
	unknown := e.postEvent(t, "nobody", "wrong-secret", pingEvent)
	strip := func(a answer) string {
		var er struct{ Errors []map[string]string }
		json.Unmarshal(a.body, &er)
		for _, x := range er.Errors {
			delete(x, "id")
		}
		b, _ := json.Marshal(er)
		return string(b)
	}
	if known.status != 401 || unknown.status != known.status || strip(known) != strip(unknown) {
		t.Errorf("known profile: %d %s\nunknown: %d %s\nwant the same answer", known.status, known.body, unknown.status, unknown.body)
	}
}

// TestStatusIsScopedToTheKeysProfile: delivery counts are the profile's own.
func TestStatusIsScopedToTheKeysProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles = append(c.Profiles, connector.Profile{Name: "agency", Key: c.Profiles[0].Key, Upstream: c.Profiles[0].Upstream})
		c.DisableDelivery = true
	})
	e.db.CreateSubscription(t.Context(), store.Subscription{ID: "s", Profile: "agency", KeyName: "k", CallbackURL: "http://127.0.0.1:9/", CreatedAt: time.Now()})
	e.db.AcceptEvent(t.Context(), store.Event{ID: "agency/e", Profile: "agency", Type: "X", Payload: []byte("{}"), ReceivedAt: time.Now()}, time.Hour)
	var s connector.Status
	json.Unmarshal(e.do(t, "GET", "/connector/status", e.readKey, nil).body, &s)
	if s.Profile != "default" || len(s.Deliveries) != 0 {
		t.Errorf("default profile's status shows %v; want no deliveries of profile agency", s.Deliveries)
	}
}

// TestTrailingDataAfterJSONIsRefused: a body with anything after its JSON value is not taken
// for the value.
func TestTrailingDataAfterJSONIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, path := range []string{"/connector/subscriptions", "/connector/v1/reviewSubmissions"} {
		body := `{"callbackUrl":"https://flows.example.com/x","appId":"1","appStoreVersionId":"2","platform":"IOS"} {"x":1}`
		req, _ := http.NewRequestWithContext(t.Context(), "POST", e.srv.URL+path, bytes.NewReader([]byte(body)))
		req.Header.Set("X-API-Key", e.writeKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 400 {
			t.Errorf("POST %s with trailing data: %d; want 400", path, resp.StatusCode)
		}
	}
	if subs, _ := e.db.Subscriptions(t.Context(), "default"); len(subs) != 0 {
		t.Errorf("a subscription was stored from a body with trailing data")
	}
}

type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
