package connector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// env is a gateway in front of a demo sandbox, with a read key and a write key.
type env struct {
	gw       *connector.Gateway
	srv      *httptest.Server
	db       *store.DB
	sb       *sandboxtest.Sandbox
	readKey  string
	writeKey string
}

func newEnv(t *testing.T, backend string, mod func(*connector.Config)) *env {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{})
	db := storetest.Open(t, backend)
	cfg := connector.Config{
		Profiles: []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}},
		DB:       db,
		Delivery: connector.DeliveryOptions{Poll: 20 * time.Millisecond, MinBackoff: 20 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, Timeout: 2 * time.Second},
	}
	if mod != nil {
		mod(&cfg)
	}
	gw, err := connector.New(cfg)
	if err != nil {
		t.Fatalf("new gateway: %v", err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(func() { srv.Close(); gw.Close() })
	e := &env{gw: gw, srv: srv, db: db, sb: sb}
	e.readKey = e.key(t, "reader", store.Read, 0)
	e.writeKey = e.key(t, "writer", store.Write, 0)
	return e
}

func (e *env) key(t *testing.T, name string, access store.Access, ttl time.Duration) string {
	t.Helper()
	secret, rec, err := connector.NewClientKey(name, "default", access, ttl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateClientKey(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	return secret
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer is not JSON (%d): %s", a.status, a.body)
	}
	return m
}

// do sends a request to the gateway; header "X-API-Key" by default, "bearer" style when key
// starts with "Bearer ".
func (e *env) do(t *testing.T, method, path, key string, body any) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = e.srv.URL + path
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case strings.HasPrefix(key, "Bearer "):
		req.Header.Set("Authorization", key)
	case key != "":
		req.Header.Set("X-API-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

// errorCode reads the first error code of an Apple ErrorResponse, failing when the body has
// another shape.
func errorCode(t *testing.T, a answer) string {
	t.Helper()
	var er struct {
		Errors []struct{ Status, Code, Title, Detail string }
	}
	if err := json.Unmarshal(a.body, &er); err != nil || len(er.Errors) != 1 || er.Errors[0].Code == "" || er.Errors[0].Detail == "" {
		t.Fatalf("not an ErrorResponse (%d): %s", a.status, a.body)
	}
	return er.Errors[0].Code
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend, nil)
			expired := e.key(t, "expired", store.Write, time.Millisecond)
			revoked := e.key(t, "revoked", store.Write, 0)
			if err := e.db.RevokeClientKey(t.Context(), "revoked", time.Now()); err != nil {
				t.Fatal(err)
			}
			tampered := e.readKey[:len(e.readKey)-2] + "xx"
			if tampered == e.readKey {
				tampered = e.readKey[:len(e.readKey)-2] + "yy"
			}
			time.Sleep(5 * time.Millisecond) // let the 1 ms key expire
			tests := []struct {
				name, method, path, key string
				body                    any
				want                    int
				wantCode                string
			}{
				{"no key", "GET", "/v1/apps", "", nil, 401, "NOT_AUTHORIZED"},
				{"malformed key", "GET", "/v1/apps", "hello", nil, 401, "NOT_AUTHORIZED"},
				{"unknown key", "GET", "/v1/apps", "asck_0011223344556677_AAAA", nil, 401, "NOT_AUTHORIZED"},
				{"wrong secret", "GET", "/v1/apps", tampered, nil, 401, "NOT_AUTHORIZED"},
				{"revoked key", "GET", "/v1/apps", revoked, nil, 401, "NOT_AUTHORIZED"},
				{"expired key", "GET", "/v1/apps", expired, nil, 401, "NOT_AUTHORIZED"},
				{"read key reads", "GET", "/v1/apps", e.readKey, nil, 200, ""},
				{"read key as bearer", "GET", "/v1/apps", "Bearer " + e.readKey, nil, 200, ""},
				{"read key writes", "PATCH", "/v1/apps/1", e.readKey, map[string]any{"data": map[string]any{"type": "apps", "id": "1"}}, 403, "FORBIDDEN_ERROR"},
				{"read key deletes", "DELETE", "/v1/appInfoLocalizations/1", e.readKey, nil, 403, "FORBIDDEN_ERROR"},
				{"read key curated write", "PATCH", "/connector/v1/appInfoLocalizations/1", e.readKey, map[string]any{"name": "x"}, 403, "FORBIDDEN_ERROR"},
				{"no key on status", "GET", "/connector/status", "", nil, 401, "NOT_AUTHORIZED"},
				{"no key on curated", "GET", "/connector/v1/apps", "", nil, 401, "NOT_AUTHORIZED"},
				{"no key on subscriptions", "POST", "/connector/subscriptions", "", map[string]any{"callbackUrl": "http://127.0.0.1:1/"}, 401, "NOT_AUTHORIZED"},
			}
			for _, tc := range tests {
				a := e.do(t, tc.method, tc.path, tc.key, tc.body)
				if a.status != tc.want {
					t.Errorf("%s: status %d, want %d: %s", tc.name, a.status, tc.want, a.body)
					continue
				}
				if tc.wantCode != "" {
					if got := errorCode(t, a); got != tc.wantCode {
						t.Errorf("%s: code %s, want %s", tc.name, got, tc.wantCode)
					}
					if strings.Contains(string(a.body), e.readKey) || strings.Contains(string(a.body), "asck_") {
						t.Errorf("%s: error body repeats a key", tc.name)
					}
				}
			}
			// Refused writes are audited too.
			entries, err := e.db.Audit(t.Context(), time.Time{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			refused := 0
			for _, en := range entries {
				if en.KeyName == "reader" && en.Status == 403 {
					refused++
				}
			}
			if refused != 3 {
				t.Errorf("audited %d refused writes of the read key, want 3: %+v", refused, entries)
			}
		})
	}
}

// TestReadAndWriteFlows reads and changes metadata through the passthrough and the curated
// actions, and checks the audit log.
func TestReadAndWriteFlows(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend, nil)
			apps := e.do(t, "GET", "/connector/v1/apps?bundleId=com.example.ledger", e.readKey, nil)
			if apps.status != 200 {
				t.Fatalf("list apps: %d %s", apps.status, apps.body)
			}
			var list struct {
				Value []map[string]any `json:"value"`
			}
			json.Unmarshal(apps.body, &list)
			if len(list.Value) != 1 || list.Value[0]["name"] != "Pocket Ledger" || list.Value[0]["bundleId"] != "com.example.ledger" {
				t.Fatalf("flat apps: %s", apps.body)
			}
			appID := list.Value[0]["id"].(string)

			one := e.do(t, "GET", "/connector/v1/apps/"+appID, e.readKey, nil).json(t)
			if one["id"] != appID || one["type"] != "apps" || one["name"] != "Pocket Ledger" {
				t.Errorf("get app: %v", one)
			}
			infos := e.do(t, "GET", "/connector/v1/apps/"+appID+"/appInfos", e.readKey, nil)
			json.Unmarshal(infos.body, &list)
			if infos.status != 200 || len(list.Value) == 0 {
				t.Fatalf("app infos: %d %s", infos.status, infos.body)
			}
			infoID := list.Value[0]["id"].(string)
			locs := e.do(t, "GET", "/connector/v1/appInfos/"+infoID+"/localizations?locale=en-US", e.readKey, nil)
			json.Unmarshal(locs.body, &list)
			if locs.status != 200 || len(list.Value) != 1 || list.Value[0]["locale"] != "en-US" {
				t.Fatalf("localizations: %d %s", locs.status, locs.body)
			}
			locID := list.Value[0]["id"].(string)

			upd := e.do(t, "PATCH", "/connector/v1/appInfoLocalizations/"+locID, e.writeKey, map[string]any{"subtitle": "Budgets made calm"})
			if upd.status != 200 || upd.json(t)["subtitle"] != "Budgets made calm" {
				t.Fatalf("update localization: %d %s", upd.status, upd.body)
			}
			// The passthrough sees the change: the same sandbox, Apple's shape.
			raw := e.do(t, "GET", "/v1/appInfoLocalizations/"+locID, e.readKey, nil)
			var doc struct {
				Data struct {
					Attributes map[string]any `json:"attributes"`
				} `json:"data"`
			}
			json.Unmarshal(raw.body, &doc)
			if raw.status != 200 || doc.Data.Attributes["subtitle"] != "Budgets made calm" {
				t.Fatalf("read back: %d %s", raw.status, raw.body)
			}
			// A raw passthrough write with Apple's document.
			patch := map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "id": locID, "attributes": map[string]any{"name": "Pocket Ledger+"}}}
			if a := e.do(t, "PATCH", "/v1/appInfoLocalizations/"+locID, e.writeKey, patch); a.status != 200 {
				t.Fatalf("passthrough write: %d %s", a.status, a.body)
			}
			// Apple's own errors pass through unchanged in shape.
			if a := e.do(t, "GET", "/v1/apps/does-not-exist", e.readKey, nil); a.status != 404 || errorCode(t, a) == "" {
				t.Errorf("missing app: %d %s", a.status, a.body)
			}

			entries, err := e.db.Audit(t.Context(), time.Time{}, 0)
			if err != nil {
				t.Fatal(err)
			}
			var writes []string
			for _, en := range entries {
				if en.KeyName == "writer" {
					writes = append(writes, en.Method+" "+en.Path+" "+http.StatusText(en.Status))
					if en.RequestID == "" || en.Profile != "default" || en.Time.IsZero() {
						t.Errorf("audit entry lacks fields: %+v", en)
					}
				}
			}
			want := []string{
				"PATCH /connector/v1/appInfoLocalizations/" + locID + " OK",
				"PATCH /v1/appInfoLocalizations/" + locID + " OK",
			}
			if strings.Join(writes, "\n") != strings.Join(want, "\n") {
				t.Errorf("audit:\n%s\nwant:\n%s", strings.Join(writes, "\n"), strings.Join(want, "\n"))
			}
			// Reads are not audited.
			for _, en := range entries {
				if en.Method == "GET" {
					t.Errorf("a read was audited: %+v", en)
				}
			}
		})
	}
}

// TestPaginationThroughGateway follows links.next through the gateway until the last page.
func TestPaginationThroughGateway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, flat := range []bool{false, true} {
		next := "/v1/apps?limit=1"
		if flat {
			next += "&flatten=true"
		}
		var names []string
		for page := 0; next != "" && page < 10; page++ {
			a := e.do(t, "GET", next, e.readKey, nil)
			if a.status != 200 {
				t.Fatalf("page %d: %d %s", page, a.status, a.body)
			}
			if strings.Contains(string(a.body), e.sb.URL()) {
				t.Fatalf("page %d still links to the upstream: %s", page, a.body)
			}
			if flat {
				var fl struct {
					Value    []map[string]any `json:"value"`
					NextLink string           `json:"nextLink"`
				}
				json.Unmarshal(a.body, &fl)
				for _, v := range fl.Value {
					names = append(names, v["name"].(string))
				}
				next = fl.NextLink
			} else {
				var doc struct {
					Data []struct {
						Attributes struct{ Name string } `json:"attributes"`
					} `json:"data"`
					Links struct{ Self, Next string } `json:"links"`
				}
				json.Unmarshal(a.body, &doc)
				if !strings.HasPrefix(doc.Links.Self, e.srv.URL+"/v1/apps") {
					t.Errorf("self link %q does not point at the gateway", doc.Links.Self)
				}
				for _, d := range doc.Data {
					names = append(names, d.Attributes.Name)
				}
				next = doc.Links.Next
			}
			if next != "" && !strings.HasPrefix(next, e.srv.URL+"/") {
				t.Fatalf("next link %q does not point at the gateway", next)
			}
		}
		if len(names) != 4 || next != "" {
			t.Errorf("flatten=%v: paged through %v (next %q), want the 4 demo apps", flat, names, next)
		}
	}
}

func TestStatusShowsSharedBudget(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	e.do(t, "GET", "/v1/apps", e.readKey, nil)
	e.do(t, "GET", "/v1/apps", e.writeKey, nil)
	st := e.do(t, "GET", "/connector/status", e.readKey, nil)
	var s connector.Status
	if err := json.Unmarshal(st.body, &s); err != nil || st.status != 200 {
		t.Fatalf("status: %d %s", st.status, st.body)
	}
	if s.Profile != "default" || s.Key != "reader" || !s.RateLimit.Known || s.RateLimit.Limit == 0 || s.RateLimit.Remaining >= s.RateLimit.Limit {
		t.Errorf("status: %+v", s)
	}
}

func TestOperationsEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	e.do(t, "GET", "/v1/apps", e.readKey, nil)
	for _, tc := range []struct {
		path, want string
	}{
		{"/healthz", `"ok"`},
		{"/readyz", `"ready"`},
		{"/metrics", `ascend_gateway_requests_total{route="/v1/",code="200"} 1`},
		{"/metrics", "ascend_gateway_rate_limit_remaining{profile=\"default\"}"},
		{"/metrics", "ascend_gateway_upstream_duration_seconds_bucket"},
		{"/connector/openapi.json", `"openapi": "3.1.0"`},
	} {
		a := e.do(t, "GET", tc.path, "", nil)
		if a.status != 200 || !strings.Contains(string(a.body), tc.want) {
			t.Errorf("GET %s: %d, want %q in:\n%.2000s", tc.path, a.status, tc.want, a.body)
		}
	}
	if a := e.do(t, "GET", "/nowhere", "", nil); a.status != 404 || errorCode(t, a) != "NOT_FOUND" {
		t.Errorf("unknown path: %d %s", a.status, a.body)
	}
	if a := e.do(t, "GET", "/v1/apps", e.readKey, nil); a.header.Get("X-Request-Id") == "" {
		t.Error("no X-Request-Id on answers")
	}
}

// TestRequestSizeLimit refuses bodies over the configured cap.
func TestRequestSizeLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.MaxBodyBytes = 1024 })
	big := map[string]any{"data": map[string]any{"type": "apps", "attributes": map[string]any{"x": strings.Repeat("a", 4096)}}}
	a := e.do(t, "POST", "/v1/apps", e.writeKey, big)
	if a.status != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: %d %s", a.status, a.body)
	}
}

// TestRateLimitBacksEveryoneOff: after Apple's 429 every client of the key is held; a hold
// longer than a client should wait is answered 429 with Retry-After without calling Apple.
func TestRateLimitBacksEveryoneOff(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{BurstLimit: 2, BurstRate: 0.01, HourlyLimit: -1})
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles = []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}
	})
	for i, want := range []int{200, 200, 429} {
		if a := e.do(t, "GET", "/v1/apps?limit=1", e.readKey, nil); a.status != want {
			t.Fatalf("request %d: %d, want %d: %s", i+1, a.status, want, a.body)
		}
	}
	upstreamCalls := func() string {
		m := e.do(t, "GET", "/metrics", "", nil)
		for _, line := range strings.Split(string(m.body), "\n") {
			if strings.HasPrefix(line, "ascend_gateway_upstream_requests_total") && strings.Contains(line, `code="429"`) {
				return line
			}
		}
		return ""
	}
	before := upstreamCalls()
	for _, key := range []string{e.readKey, e.writeKey} {
		a := e.do(t, "GET", "/v1/apps?limit=1", key, nil)
		if a.status != 429 || errorCode(t, a) != "RATE_LIMIT_EXCEEDED" || a.header.Get("Retry-After") == "" {
			t.Fatalf("held request: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.body)
		}
	}
	if after := upstreamCalls(); after != before {
		t.Errorf("held requests reached the upstream: %q -> %q", before, after)
	}
	var s connector.Status
	json.Unmarshal(e.do(t, "GET", "/connector/status", e.readKey, nil).body, &s)
	if s.RateLimit.PausedUntil == nil || !s.RateLimit.PausedUntil.After(time.Now().Add(20*time.Second)) {
		t.Errorf("status does not show the hold: %+v", s.RateLimit)
	}
}

// TestGracefulShutdown: a request in flight when the server is told to stop still gets its
// answer, and Serve returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	db := storetest.Open(t, "sqlite")
	// The upstream transport says when the request has reached it, then takes its time.
	arrived := make(chan struct{}, 1)
	slow := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		arrived <- struct{}{}
		time.Sleep(300 * time.Millisecond)
		return http.DefaultTransport.RoundTrip(r)
	})
	gw, err := connector.New(connector.Config{Profiles: []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, UpstreamTransport: slow})
	if err != nil {
		t.Fatal(err)
	}
	secret, rec, _ := connector.NewClientKey("k", "default", store.Read, 0, time.Now())
	db.CreateClientKey(t.Context(), rec)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- gw.Serve(ctx, ln) }()

	result := make(chan int, 1)
	go func() {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/v1/apps", nil)
		req.Header.Set("X-API-Key", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			result <- 0
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		result <- resp.StatusCode
	}()
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatal("the request never reached the upstream")
	}
	cancel()
	if got := <-result; got != 200 {
		t.Errorf("in-flight request got %d, want 200", got)
	}
	if err := <-served; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("the gateway still accepts connections after shutdown")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestMethodNotAllowed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, tc := range []struct{ method, path string }{
		{"DELETE", "/connector/v1/apps"},
		{"POST", "/connector/status"},
		{"GET", "/connector/webhooks/apple/default"},
	} {
		a := e.do(t, tc.method, tc.path, e.writeKey, nil)
		if a.status != 405 || errorCode(t, a) != "METHOD_NOT_ALLOWED" || a.header.Get("Allow") == "" {
			t.Errorf("%s %s: %d Allow %q %s", tc.method, tc.path, a.status, a.header.Get("Allow"), a.body)
		}
	}
}

// TestKeyCache: with a key cache a revoked key still works until the TTL has passed, then
// gets 401; a wrong secret is refused even when the record is cached.
func TestKeyCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.KeyCacheTTL = 200 * time.Millisecond })
	if a := e.do(t, "GET", "/connector/status", e.readKey, nil); a.status != 200 {
		t.Fatalf("status: %d", a.status)
	}
	wrong := e.readKey[:len(e.readKey)-1] + "A"
	if wrong == e.readKey {
		wrong = e.readKey[:len(e.readKey)-1] + "B"
	}
	if a := e.do(t, "GET", "/connector/status", wrong, nil); a.status != 401 {
		t.Errorf("wrong secret with a cached record: %d", a.status)
	}
	if err := e.db.RevokeClientKey(t.Context(), "reader", time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the revocation to reach the cache", func() bool {
		return e.do(t, "GET", "/connector/status", e.readKey, nil).status == 401
	})
}

// TestCloseClosesUpstreamConnections: a closed gateway leaves no connection open to its
// upstream, so a process that goes on (tests, benchmarks, an embedder) does not keep each
// closed gateway's idle connections and their goroutines.
func TestCloseClosesUpstreamConnections(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	closed := make(chan struct{}, 16)
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequestWithContext(r.Context(), r.Method, sb.URL()+r.URL.RequestURI(), nil)
		req.Header = r.Header.Clone()
		resp, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		io.Copy(w, resp.Body)
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	up.Start()
	t.Cleanup(up.Close)
	db := storetest.Open(t, "sqlite")
	gw, err := connector.New(connector.Config{Profiles: []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: up.URL}}, DB: db, DisableDelivery: true})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	e := &env{gw: gw, srv: srv, db: db, sb: sb}
	if a := e.do(t, "GET", "/v1/apps?limit=1", e.key(t, "reader", store.Read, 0), nil); a.status != 200 {
		t.Fatalf("GET through the gateway: %d %s", a.status, a.body)
	}
	select {
	case <-closed:
		t.Fatal("the upstream connection closed before the gateway did")
	default:
	}
	gw.Close()
	select {
	case <-closed:
	case <-time.After(30 * time.Second):
		t.Fatal("the gateway's upstream connection is still open after Close")
	}
}
