package connector_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/store"
)

// TestCallbacksRefuseMetadataAddresses: cloud metadata services outside link-local, and
// link-local names spelled with a trailing dot, are refused as callbacks (defects 2 and 3).
func TestCallbacksRefuseMetadataAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, cb := range []string{
		"http://169.254.169.254./latest/meta-data",
		"http://169.254.169.254../latest/meta-data",
		"http://[fd00:ec2::254]/latest/meta-data",
		"http://[fd00:ec2::23]/v1/credentials",
		"http://100.100.100.200/latest/meta-data",
		"http://[fd20:ce::254]/computeMetadata/v1/",
		"http://168.63.129.16/machine",
		"http://192.0.0.192/opc/v1/instance/",
		"http://metadata.google.internal/computeMetadata/v1/",
		"http://METADATA.google.internal./computeMetadata/v1/",
		"http://metadata.goog/computeMetadata/v1/",
		"http://[::ffff:169.254.169.254]/x",
		"http://[64:ff9b::a9fe:a9fe]/x",
	} {
		if a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": cb}); a.status != 400 || errorCode(t, a) != "PARAMETER_ERROR.INVALID" {
			t.Errorf("subscribe %s: %d %s; want 400", cb, a.status, a.body)
		}
	}
}

// TestOtherKeysSeeOnlyTheCallbackHost: for n8n and Zapier the callback's path is the
// credential, so another key of the profile sees where a subscription points, not its path
// (defect 4).
func TestOtherKeysSeeOnlyTheCallbackHost(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	other := e.key(t, "other-flow", store.Read, 0)
	for _, cb := range []string{
		"https://hooks.zapier.com/hooks/catch/123456/abcdefSECRET1/",
		"https://n8n.example.com/webhook/0b6f3c1e-SECRET2-4b9e",
		"https://user:SECRET3@flows.example.com/x?sig=SECRET4",
	} {
		if a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": cb}); a.status != 201 {
			t.Fatalf("subscribe %s: %d %s", cb, a.status, a.body)
		}
	}
	own := e.do(t, "GET", "/connector/subscriptions", e.readKey, nil)
	for _, s := range []string{"SECRET1", "SECRET2", "SECRET4"} {
		if !strings.Contains(string(own.body), s) {
			t.Errorf("the subscribing key's own list lost %s: %s", s, own.body)
		}
	}
	l := e.do(t, "GET", "/connector/subscriptions", other, nil)
	for _, s := range []string{"SECRET", "/hooks/", "/webhook/", "abcdef"} {
		if strings.Contains(string(l.body), s) {
			t.Errorf("another key's list shows %q: %s", s, l.body)
		}
	}
	for _, h := range []string{"https://hooks.zapier.com", "https://n8n.example.com", "https://flows.example.com"} {
		if !strings.Contains(string(l.body), h) {
			t.Errorf("another key's list lacks the host %s: %s", h, l.body)
		}
	}
}

// TestOptionsIsAWrite: anything but GET or HEAD is a write, OPTIONS included: a read key is
// refused (and audited), and a write key's OPTIONS is audited (defect 5).
func TestOptionsIsAWrite(t *testing.T) {
	t.Parallel()
	up := &sentUpstream{of: func(r *http.Request) string { return r.Method }}
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.UpstreamTransport = up })
	a := e.do(t, "OPTIONS", "/v1/apps", e.readKey, map[string]any{"data": "x"})
	if a.status != 403 || errorCode(t, a) != "FORBIDDEN_ERROR" {
		t.Errorf("read key OPTIONS: %d %s; want 403", a.status, a.body)
	}
	if upstreamMethods := up.list(); len(upstreamMethods) != 0 {
		t.Errorf("the read key's OPTIONS reached the upstream: %v", upstreamMethods)
	}
	e.do(t, "OPTIONS", "/v1/apps", e.writeKey, nil)
	entries, err := e.db.Audit(t.Context(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, en := range entries {
		if en.Method == "OPTIONS" {
			got[en.KeyName] = en.Status
		}
	}
	if got["reader"] != 403 || got["writer"] == 0 {
		t.Errorf("audited OPTIONS: %v; want the reader's 403 and the writer's request", got)
	}
}

// TestStalledUpstreamBodyIsBounded: an upstream that sends its headers and then stalls
// mid-body does not hold the client: the whole exchange is bounded (defect 6).
func TestStalledUpstreamBodyIsBounded(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := "application/json"
		if strings.Contains(r.URL.Path, "salesReports") {
			ct = "application/a-gzip"
		}
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(200)
		io.WriteString(w, `{"data":[`)
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(upstream.Close)
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles[0].Upstream = upstream.URL
		c.UpstreamTimeout = 300 * time.Millisecond
	})
	// Cleanups run last first: the stalled handlers are released before the servers close.
	t.Cleanup(func() { close(release) })
	for _, path := range []string{"/v1/apps", "/v1/salesReports", "/connector/v1/apps"} {
		done := make(chan answer, 1)
		go func() {
			req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
			req.Header.Set("X-API-Key", e.readKey)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				done <- answer{}
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			done <- answer{status: resp.StatusCode, body: b}
		}()
		select {
		case a := <-done:
			if path != "/v1/salesReports" && a.status != http.StatusGatewayTimeout {
				t.Errorf("GET %s with a stalled body: %d %s; want 504", path, a.status, a.body)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("GET %s: the gateway still holds the request after 30 s", path)
		}
	}
}

// rawRequest writes a request by hand, so a test can send a body that is cut short or slow,
// and returns the status line's code.
func rawRequest(t *testing.T, addr, head string, body string, closeWrite bool) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	io.WriteString(conn, head+body)
	if closeWrite {
		conn.(*net.TCPConn).CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestBodyReadErrorsAreNotTooLarge: a body cut short is 400 and a body that stalls 408, not
// 413 "exceeds 8388608 bytes", and the audit log says so (defect 7).
func TestBodyReadErrorsAreNotTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.BodyReadTimeout = 300 * time.Millisecond })
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	for _, path := range []string{"/v1/apps", "/connector/subscriptions", "/connector/v1/reviewSubmissions"} {
		head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: gw\r\nX-API-Key: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n", path, e.writeKey)
		if got := rawRequest(t, addr, head, `{"data":`, true); got != 400 {
			t.Errorf("POST %s with a body cut short: %d; want 400", path, got)
		}
		if got := rawRequest(t, addr, head, `{"data":`, false); got != 408 {
			t.Errorf("POST %s with a body that stalls: %d; want 408", path, got)
		}
	}
	entries, err := e.db.Audit(t.Context(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[int]int{}
	for _, en := range entries {
		codes[en.Status]++
	}
	if codes[400] != 3 || codes[408] != 3 || codes[413] != 0 {
		t.Errorf("audited statuses %v; want three 400s and three 408s", codes)
	}
}

// TestUploadTokenNeverLoggedUnderOtherSpellings: paths that clean to an upload path
// (doubled slashes, dot segments) keep the token out of the logs and the audit (defect 8).
func TestUploadTokenNeverLoggedUnderOtherSpellings(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		c.UploadHosts = []string{"uploads.example.com"}
	})
	token := base64.RawURLEncoding.EncodeToString([]byte("https://uploads.example.com/part?X-Amz-Signature=PRESIGNEDSECRET"))
	addr := strings.TrimPrefix(e.srv.URL, "http://")
	for _, path := range []string{
		"//connector/uploads/" + token,
		"/connector//uploads/" + token,
		"/connector/./uploads/" + token,
		"/connector/x/../uploads/" + token,
		"/connector/uploads//" + token,
		"/connector/%75ploads/" + token,
		"/connector/uploads/" + token + "/",
		"/connector/uploads/" + token + "/x",
	} {
		head := fmt.Sprintf("PUT %s HTTP/1.1\r\nHost: gw\r\nX-API-Key: %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", path, e.writeKey)
		rawRequest(t, addr, head, "", false)
	}
	if l := logs.String(); strings.Contains(l, token) || strings.Contains(l, "PRESIGNEDSECRET") {
		t.Errorf("the log holds the upload token:\n%s", l)
	}
	entries, _ := e.db.Audit(t.Context(), time.Time{}, 0)
	for _, en := range entries {
		if strings.Contains(en.Path, token) {
			t.Errorf("the audit holds the upload token: %+v", en)
		}
	}
}

// TestPathsAreLoggedAndAuditedEscaped: a path whose escapes decode to control characters
// (ESC, the C1 CSI, U+2028) is logged and audited as it was sent, escaped, not decoded: the
// JSON log handler writes C1 controls raw, and the audit is read on terminals (found by
// FuzzGatewayRequest).
func TestPathsAreLoggedAndAuditedEscaped(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	const sent = "/v1/apps/%1b[2K%c2%9b31m%e2%80%a8x"
	if a := e.do(t, "PATCH", sent, e.readKey, map[string]any{}); a.status != 403 {
		t.Fatalf("PATCH by the read key: %d %s", a.status, a.body)
	}
	entries, err := e.db.Audit(t.Context(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Path != sent {
		t.Errorf("audited %+v; want one entry with the path %q", entries, sent)
	}
	if l := logs.String(); strings.ContainsAny(l, "\x1b\u009b\u2028") || !strings.Contains(l, `"path":"`+sent+`"`) {
		t.Errorf("the log does not hold the path as sent:\n%q", l)
	}
}

// TestErrorDetailsAreOneLine: the gateway's own error details stay on one line without control
// characters, even when they quote the path the client sent (a 405) or a workflow's message
// naming a bundle id from it; and the asterisk request target is answered with an
// ErrorResponse, not ServeMux's bare 400 (found by FuzzGatewayRequest).
func TestErrorDetailsAreOneLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, tc := range []struct {
		method, path, key string
		body              any
		want              int
	}{
		{"PUT", "/connector/subscriptions/a%0d%0aX-Injected:%201%1b[2K", e.readKey, nil, 405},
		{"PUT", "/connector/v1/apps/a%0ab", e.readKey, nil, 405},
		{"POST", "/connector/v1/apps/a%0ab%1b[2K/release", e.writeKey, map[string]any{"versionString": "9.9"}, 400},
	} {
		a := e.do(t, tc.method, tc.path, tc.key, tc.body)
		if a.status != tc.want {
			t.Errorf("%s %s: %d %s; want %d", tc.method, tc.path, a.status, a.body, tc.want)
			continue
		}
		errorCode(t, a)
		var er struct{ Errors []struct{ Detail string } }
		json.Unmarshal(a.body, &er)
		if d := er.Errors[0].Detail; strings.ContainsAny(d, "\r\n\x1b") {
			t.Errorf("%s %s: the detail %q is not one line of text", tc.method, tc.path, d)
		}
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "GET * HTTP/1.1\r\nHost: gw\r\nX-API-Key: %s\r\nConnection: close\r\n\r\n", e.readKey)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if a := (answer{resp.StatusCode, resp.Header, body}); a.status != 400 || errorCode(t, a) != "PARAMETER_ERROR.INVALID" {
		t.Errorf("GET *: %d %q", a.status, a.body)
	}
}

// TestProductActionsAnswerAnUnknownApp404: a bundle id that no app has is the client's
// mistake, 404, not a 502 "could not forward" logged as the gateway's error (found by
// FuzzGatewayRequest).
func TestProductActionsAnswerAnUnknownApp404(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/connector/v1/apps/com.none.x/products", nil},
		{"GET", "/connector/v1/apps/com.none.x/products/p1", nil},
		{"POST", "/connector/v1/apps/com.none.x/products/p1/price", map[string]any{"price": "0.99"}},
		{"POST", "/connector/v1/apps/com.none.x/products", map[string]any{"productId": "p1", "referenceName": "P", "kind": "CONSUMABLE"}},
	} {
		a := e.do(t, tc.method, tc.path, e.writeKey, tc.body)
		if a.status != 404 || errorCode(t, a) != "NOT_FOUND" || !strings.Contains(string(a.body), "com.none.x") {
			t.Errorf("%s %s: %d %s; want 404 naming the bundle id", tc.method, tc.path, a.status, a.body)
		}
	}
}

// TestUpstreamDropsAreNotTheClientsFault: when App Store Connect closes the connection
// without an answer, curated actions answer 502 UPSTREAM_UNAVAILABLE as the passthrough does,
// not 400 "Cannot release: ... EOF" (the client's mistake) nor 502 "could not forward" logged
// at ERROR (the gateway's) (found by FuzzGatewayRequest).
func TestUpstreamDropsAreNotTheClientsFault(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	})
	e.sb.Fail(sandbox.FaultRule{Drop: true})
	const app = "1500000233"
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"GET", "/v1/apps", nil},
		{"POST", "/connector/v1/apps/" + app + "/release", map[string]any{}},
		{"POST", "/connector/v1/apps/" + app + "/versions", map[string]any{"versionString": "9.9", "platform": "IOS"}},
		{"POST", "/connector/v1/reviewSubmissions", map[string]any{"appId": app, "appStoreVersionId": "x", "platform": "IOS"}},
		{"GET", "/connector/v1/apps", nil},
	} {
		if a := e.do(t, tc.method, tc.path, e.writeKey, tc.body); a.status != 502 || errorCode(t, a) != "UPSTREAM_UNAVAILABLE" {
			t.Errorf("%s %s with the upstream dropping: %d %s; want 502 UPSTREAM_UNAVAILABLE", tc.method, tc.path, a.status, a.body)
		}
	}
	if l := logs.String(); strings.Contains(l, `"level":"ERROR"`) {
		t.Errorf("an upstream failure is logged as the gateway's error:\n%s", l)
	}
}

// TestQuerySentWhole: the passthrough sends the query as the client sent it, less flatten;
// parsing it into the upstream URL ended it at a '#', dropping the parameters after (found by
// FuzzGatewayRequest).
func TestQuerySentWhole(t *testing.T) {
	t.Parallel()
	up := &sentUpstream{of: func(r *http.Request) string { return r.URL.RawQuery }}
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.UpstreamTransport = up })
	head := fmt.Sprintf("GET /v1/apps?filter[name]=A#1&flatten=true&limit=1 HTTP/1.1\r\nHost: gw\r\nX-API-Key: %s\r\nConnection: close\r\n\r\n", e.readKey)
	if code := rawRequest(t, strings.TrimPrefix(e.srv.URL, "http://"), head, "", false); code != 200 {
		t.Errorf("GET with a '#' in the query: %d", code)
	}
	if sent, want := up.list(), "filter[name]=A#1&limit=1"; len(sent) != 1 || sent[0] != want {
		t.Errorf("the upstream got the queries %q; want %q", sent, want)
	}
}

// sentUpstream is an UpstreamTransport that keeps something of each request it carries
// (what of returns), for tests of what reaches the upstream.
type sentUpstream struct {
	of   func(*http.Request) string
	mu   sync.Mutex
	sent []string
}

func (u *sentUpstream) RoundTrip(r *http.Request) (*http.Response, error) {
	u.mu.Lock()
	u.sent = append(u.sent, u.of(r))
	u.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (u *sentUpstream) list() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.sent)
}

// TestMCPReadKeyWritesStopAtTheGateway: a write a read key's /mcp request leads to is refused
// by the Caller's client itself, answered 403 and audited, even from a handler that does not
// check Caller.Write; a write key's goes through (found by FuzzGatewayRequest).
func TestMCPReadKeyWritesStopAtTheGateway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", func(c *connector.Config) { c.MCP = http.HandlerFunc(fuzzMCP) })
	const del = "/mcp?m=DELETE&p=/v1/appInfoLocalizations/1"
	if a := e.do(t, "POST", del, e.readKey, nil); a.status != 200 || string(a.body) != "sent: false\n" {
		t.Errorf("the read key's DELETE through /mcp: %d %q; want it refused", a.status, a.body)
	}
	if n := e.sb.Writes(); n != 0 {
		t.Errorf("the read key's DELETE reached the sandbox (%d writes)", n)
	}
	e.do(t, "POST", del, e.writeKey, nil)
	if n := e.sb.Writes(); n != 1 {
		t.Errorf("the write key's DELETE: %d writes reached the sandbox, want 1", n)
	}
	entries, err := e.db.Audit(t.Context(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, en := range entries {
		got = append(got, fmt.Sprintf("%s %s %s %d", en.KeyName, en.Method, en.Path, en.Status))
	}
	if len(got) != 2 || got[0] != "reader DELETE /v1/appInfoLocalizations/1 403" || !strings.HasPrefix(got[1], "writer DELETE /v1/appInfoLocalizations/1 ") {
		t.Errorf("audited %q; want the reader's refused DELETE and the writer's", got)
	}
}
