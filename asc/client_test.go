package asc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"

	"github.com/ascend-tools/ascend/asc/auth"
)

func TestNewClientOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    []Option
		wantErr string
		wantURL string
	}{
		{name: "default", wantURL: DefaultBaseURL},
		{name: "base url gets a trailing slash", opts: []Option{WithBaseURL("http://127.0.0.1:9/asc")}, wantURL: "http://127.0.0.1:9/asc/"},
		{name: "https kept", opts: []Option{WithBaseURL("https://example.test/")}, wantURL: "https://example.test/"},
		{name: "relative base url", opts: []Option{WithBaseURL("/v1")}, wantErr: "must be an absolute http or https URL"},
		{name: "other scheme", opts: []Option{WithBaseURL("ftp://example.test/")}, wantErr: "must be an absolute http or https URL"},
		{name: "query in base url", opts: []Option{WithBaseURL("http://example.test/?a=b")}, wantErr: "must not have a query"},
		{name: "unparsable base url", opts: []Option{WithBaseURL("http://[::1")}, wantErr: "not a valid URL"},
		{name: "nil http client", opts: []Option{WithHTTPClient(nil)}, wantErr: "http client is nil"},
		{name: "empty user agent", opts: []Option{WithUserAgent(" ")}, wantErr: "user agent"},
		{name: "user agent with newline", opts: []Option{WithUserAgent("a\r\nX-Evil: 1")}, wantErr: "user agent"},
		{name: "nil token source", opts: []Option{WithTokenSource(nil)}, wantErr: "token source is nil"},
		{name: "nil key", opts: []Option{WithKey(nil)}, wantErr: "api key is nil"},
		{name: "negative retries", opts: []Option{WithRetryPolicy(RetryPolicy{MaxAttempts: -1})}, wantErr: "negative"},
		{name: "nil budget", opts: []Option{WithRateBudget(nil)}, wantErr: "rate budget is nil"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClient(tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("NewClient error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewClient: %v", err)
			}
			if got := c.BaseURL().String(); got != tt.wantURL {
				t.Errorf("BaseURL = %s, want %s", got, tt.wantURL)
			}
			if c.Apps == nil || c.AppInfos == nil || c.AppInfoLocalizations == nil {
				t.Errorf("services not initialised")
			}
		})
	}
}

func TestRetryPolicyDefaults(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithRetryPolicy(RetryPolicy{MaxAttempts: 2}))
	if err != nil {
		t.Fatal(err)
	}
	want := RetryPolicy{MaxAttempts: 2, BaseDelay: DefaultBaseDelay, MaxDelay: DefaultMaxDelay}
	if c.retry != want {
		t.Errorf("policy = %+v, want %+v", c.retry, want)
	}
}

func TestBackoffIsCappedExponential(t *testing.T) {
	t.Parallel()
	c, err := NewClient()
	if err != nil {
		t.Fatal(err)
	}
	c.jitter = func(d time.Duration) time.Duration { return d }
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	var got []time.Duration
	for attempt := 1; attempt <= 6; attempt++ {
		got = append(got, c.backoff(p, attempt))
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Second, time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("backoff ceilings (-want +got):\n%s", diff)
	}
	// The real jitter stays within [0, ceiling].
	for range 1000 {
		if d := randomJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("jitter %s outside [0, 1s]", d)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"https://api.appstoreconnect.apple.com/v1/apps", "https://api.appstoreconnect.apple.com/", true},
		{"https://api.appstoreconnect.apple.com:443/v1/apps", "https://API.appstoreconnect.apple.com/", true},
		{"http://127.0.0.1:80/x", "http://127.0.0.1/", true},
		{"https://api.appstoreconnect.apple.com:8443/", "https://api.appstoreconnect.apple.com/", false},
		{"http://api.appstoreconnect.apple.com/", "https://api.appstoreconnect.apple.com/", false},
		{"https://api.appstoreconnect.apple.com.evil.test/", "https://api.appstoreconnect.apple.com/", false},
	}
	for _, tt := range tests {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := sameOrigin(a, b); got != tt.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	c, err := NewClient(WithBaseURL("http://127.0.0.1:9/prefix/"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		query   url.Values
		want    string
		wantErr string
	}{
		{path: "/v1/apps", want: "http://127.0.0.1:9/prefix/v1/apps"},
		{path: "v1/apps", want: "http://127.0.0.1:9/prefix/v1/apps"},
		{path: "/v1/apps?limit=2", want: "http://127.0.0.1:9/prefix/v1/apps?limit=2"},
		{path: "/v1/apps", query: url.Values{"filter[bundleId]": {"a,b"}}, want: "http://127.0.0.1:9/prefix/v1/apps?filter[bundleId]=a,b"},
		{path: "http://127.0.0.1:9/prefix/v1/apps?cursor=AB", want: "http://127.0.0.1:9/prefix/v1/apps?cursor=AB"},
		{path: "http://user:secret@127.0.0.1:9/prefix/v1/apps", want: "http://127.0.0.1:9/prefix/v1/apps"},
		{path: "https://127.0.0.1:9/prefix/v1/apps", wantErr: "not on the client's API host"},
		{path: "http://127.0.0.1:10/prefix/v1/apps", wantErr: "not on the client's API host"},
		{path: "http://127.0.0.2:9/v1/apps", wantErr: "not on the client's API host"},
		{path: "//evil.test/v1/apps", wantErr: "not on the client's API host"},
	}
	for _, tt := range tests {
		got, err := c.resolve(tt.path, tt.query)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("resolve(%q) error = %v, want %q", tt.path, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("resolve(%q): %v", tt.path, err)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("resolve(%q) = %s, want %s", tt.path, got, tt.want)
		}
	}
}

func TestDoSendsHeadersAndNoAuthorizationWithoutSource(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("POST /v1/things", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Authorization"); got != "" {
			t.Errorf("Authorization sent without a token source")
		}
		if got := r.Header.Get("User-Agent"); got != "ascend-test/1" {
			t.Errorf("User-Agent = %q", got)
		}
		if got := r.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := string(readBody(t, r)); got != `{"data":{"type":"things"}}` {
			t.Errorf("body = %s", got)
		}
		w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:3599;")
		writeJSON(t, w, http.StatusCreated, map[string]any{"data": map[string]any{"type": "things", "id": "1"}})
	})
	c, _ := newTestClient(t, srv, WithUserAgent("ascend-test/1"))
	var out Document[Resource]
	body := map[string]any{"data": map[string]any{"type": "things"}}
	resp, err := c.Do(t.Context(), http.MethodPost, "/v1/things", nil, body, &out)
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if resp.StatusCode != http.StatusCreated || out.Data.ID != "1" {
		t.Errorf("got status %d id %q", resp.StatusCode, out.Data.ID)
	}
	if want := (RateLimit{Limit: 3600, Remaining: 3599, Known: true}); resp.Rate != want {
		t.Errorf("Rate = %+v, want %+v", resp.Rate, want)
	}
}

func TestDoBodyKinds(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var mu sync.Mutex
	var bodies []string
	srv.mux.HandleFunc("PATCH /v1/echo", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		bodies = append(bodies, string(readBody(t, r)))
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})
	c, _ := newTestClient(t, srv)
	for _, body := range []any{[]byte(`{"a":1}`), strings.NewReader(`{"a":1}`), map[string]int{"a": 1}} {
		if _, err := c.Do(t.Context(), http.MethodPatch, "/v1/echo", nil, body, nil); err != nil {
			t.Fatalf("Do(%T): %v", body, err)
		}
	}
	if diff := cmp.Diff([]string{`{"a":1}`, `{"a":1}`, `{"a":1}`}, bodies); diff != "" {
		t.Errorf("bodies (-want +got):\n%s", diff)
	}
}

func TestDoRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		method     string
		first      func(w http.ResponseWriter, r *http.Request)
		wantCalls  int
		wantDelays []time.Duration
		wantErr    bool
		wantIs     error // when set, the error must match it with errors.Is
	}{
		{
			name:   "429 with Retry-After seconds then 200",
			method: http.MethodGet,
			first: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3")
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprint(w, `{"errors":[{"status":"429","code":"RATE_LIMIT_EXCEEDED","title":"t","detail":"d"}]}`)
			},
			wantCalls:  2,
			wantDelays: []time.Duration{3 * time.Second},
		},
		{
			name:   "503 then 200 uses the backoff",
			method: http.MethodGet,
			first: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
			},
			wantCalls:  2,
			wantDelays: []time.Duration{DefaultBaseDelay},
		},
		{
			name:   "PATCH retried on 502",
			method: http.MethodPatch,
			first: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
			},
			wantCalls:  2,
			wantDelays: []time.Duration{DefaultBaseDelay},
		},
		{
			name:   "connection reset before the answer",
			method: http.MethodGet,
			first: func(w http.ResponseWriter, r *http.Request) {
				hijackAndClose(t, w, "")
			},
			wantCalls:  2,
			wantDelays: []time.Duration{DefaultBaseDelay},
		},
		{
			name:   "connection reset (RST) before the answer",
			method: http.MethodGet,
			first: func(w http.ResponseWriter, r *http.Request) {
				hijackAndReset(t, w)
			},
			wantCalls:  2,
			wantDelays: []time.Duration{DefaultBaseDelay},
		},
		{
			name:   "POST not retried after an RST",
			method: http.MethodPost,
			first: func(w http.ResponseWriter, r *http.Request) {
				hijackAndReset(t, w)
			},
			wantCalls: 1,
			wantErr:   true,
			wantIs:    syscall.ECONNRESET,
		},
		{
			name:   "connection cut inside the body",
			method: http.MethodGet,
			first: func(w http.ResponseWriter, r *http.Request) {
				hijackAndClose(t, w, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"data\"")
			},
			wantCalls:  2,
			wantDelays: []time.Duration{DefaultBaseDelay},
		},
		{
			name:   "POST is never retried",
			method: http.MethodPost,
			first: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusServiceUnavailable)
			},
			wantCalls: 1,
			wantErr:   true,
		},
		{
			name:   "POST not retried after a reset",
			method: http.MethodPost,
			first: func(w http.ResponseWriter, r *http.Request) {
				hijackAndClose(t, w, "")
			},
			wantCalls: 1,
			wantErr:   true,
		},
		{
			name:   "404 is final",
			method: http.MethodGet,
			first: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusNotFound, appError("404", "NOT_FOUND", "no such thing"))
			},
			wantCalls: 1,
			wantErr:   true,
		},
		{
			name:   "Retry-After beyond MaxDelay is handed back",
			method: http.MethodGet,
			first: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			wantCalls: 1,
			wantErr:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t)
			var calls counter
			srv.mux.HandleFunc("/v1/flaky", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, tt.method)
				if got := string(readBody(t, r)); tt.method != http.MethodGet && got != `{"x":1}` {
					t.Errorf("attempt body = %q, want the original", got)
				}
				if calls.inc() == 1 {
					tt.first(w, r)
					return
				}
				writeJSON(t, w, http.StatusOK, map[string]any{"data": map[string]any{"type": "flaky", "id": "ok"}})
			})
			// A fresh connection per request, so that net/http's own retry of requests on
			// reused connections cannot hide whether the client retried.
			hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
			c, sl := newTestClient(t, srv, WithHTTPClient(hc))
			var body any
			if tt.method != http.MethodGet {
				body = []byte(`{"x":1}`)
			}
			var out Document[Resource]
			_, err := c.Do(t.Context(), tt.method, "/v1/flaky", nil, body, &out)
			if tt.wantErr != (err != nil) {
				t.Fatalf("Do error = %v, want error: %v", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("Do error = %v, want one matching %v", err, tt.wantIs)
			}
			if !tt.wantErr && out.Data.ID != "ok" {
				t.Errorf("decoded id = %q, want ok", out.Data.ID)
			}
			if got := calls.get(); got != tt.wantCalls {
				t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			if diff := cmp.Diff(tt.wantDelays, sl.got()); diff != "" {
				t.Errorf("delays (-want +got):\n%s", diff)
			}
		})
	}
}

// hijackAndClose takes over the connection, writes raw (which may be empty) and closes it,
// as a peer that resets or truncates the answer would.
func hijackAndClose(t *testing.T, w http.ResponseWriter, raw string) {
	t.Helper()
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Fatal("response writer cannot hijack")
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		t.Fatalf("hijack: %v", err)
	}
	if raw != "" {
		_, _ = buf.WriteString(raw)
		_ = buf.Flush()
	}
	_ = conn.Close()
}

// hijackAndReset takes over the connection and aborts it with a TCP RST (linger 0), which the
// client sees as ECONNRESET rather than an orderly close.
func hijackAndReset(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Fatal("response writer cannot hijack")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Fatalf("hijack: %v", err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

func TestDoGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("/v1/down", func(w http.ResponseWriter, r *http.Request) {
		calls.inc()
		w.WriteHeader(http.StatusInternalServerError)
	})
	c, sl := newTestClient(t, srv, WithRetryPolicy(RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 3 * time.Millisecond}))
	_, err := c.Do(t.Context(), http.MethodGet, "/v1/down", nil, nil, nil)
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusInternalServerError {
		t.Fatalf("error = %v, want a 500 ErrorResponse", err)
	}
	if calls.get() != 3 {
		t.Errorf("calls = %d, want 3", calls.get())
	}
	if diff := cmp.Diff([]time.Duration{time.Millisecond, 2 * time.Millisecond}, sl.got()); diff != "" {
		t.Errorf("delays (-want +got):\n%s", diff)
	}
}

func TestDoCancelledContextStopsRetries(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("/v1/down", func(w http.ResponseWriter, r *http.Request) {
		calls.inc()
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c, sl := newTestClient(t, srv)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	sl.hook = func(int) { cancel() } // the caller gives up while the client waits to retry
	_, err := c.Do(ctx, http.MethodGet, "/v1/down", nil, nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("error %v should still carry the last answer", err)
	}
	if calls.get() != 1 {
		t.Errorf("calls = %d, want 1", calls.get())
	}

	// A context cancelled beforehand sends nothing at all.
	done, cancelDone := context.WithCancel(t.Context())
	cancelDone()
	if _, err := c.Do(done, http.MethodGet, "/v1/down", nil, nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	if calls.get() != 1 {
		t.Errorf("calls after a cancelled context = %d, want still 1", calls.get())
	}
}

func TestDoRetryAfterHTTPDate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.header, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.header, got, tt.want)
		}
	}
}

// TestDoReSignsOn401 runs the client over auth.Transport with a key generated for the test:
// the server refuses the first token, and the client must come back once with a fresh,
// valid token and the same body.
func TestDoReSignsOn401(t *testing.T) {
	t.Parallel()
	key, _, err := auth.GenerateKey("TESTKEY123", "issuer-0000")
	if err != nil {
		t.Fatalf("GenerateKey: %v", err)
	}
	srv := newTestServer(t)
	var mu sync.Mutex
	var tokens []string
	srv.mux.HandleFunc("PATCH /v1/appInfoLocalizations/{id}", func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			t.Errorf("no bearer token")
		}
		if _, err := jwt.Parse(tok, func(*jwt.Token) (any, error) { return key.PublicKey(), nil },
			jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("appstoreconnect-v1")); err != nil {
			t.Errorf("token does not verify: %v", err)
		}
		if got := string(readBody(t, r)); !strings.Contains(got, `"name":"Nouveau"`) {
			t.Errorf("attempt body = %s", got)
		}
		mu.Lock()
		tokens = append(tokens, tok)
		n := len(tokens)
		mu.Unlock()
		if n == 1 {
			writeJSON(t, w, http.StatusUnauthorized, appError("401", "NOT_AUTHORIZED", "token revoked"))
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "id": r.PathValue("id"), "attributes": map[string]any{"name": "Nouveau"}}})
	})
	c, sl := newTestClient(t, srv, WithKey(key))
	got, _, err := c.AppInfoLocalizations.Update(t.Context(), "loc-1", &AppInfoLocalizationUpdateRequest{
		Data: AppInfoLocalizationUpdateRequestData{Attributes: &AppInfoLocalizationUpdateRequestAttributes{Name: Ptr("Nouveau")}},
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.Data.Attributes.Name != "Nouveau" {
		t.Errorf("name = %q", got.Data.Attributes.Name)
	}
	if len(tokens) != 2 || tokens[0] == tokens[1] {
		t.Errorf("want two different tokens, got %d (same: %v)", len(tokens), len(tokens) == 2 && tokens[0] == tokens[1])
	}
	if len(sl.got()) != 0 {
		t.Errorf("the 401 path must not go through the client's backoff; slept %v", sl.got())
	}
}

func TestDoErrorsNeverLeakCredentials(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("/v1/apps/1", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, appError("404", "NOT_FOUND", "The specified resource does not exist"))
	})
	u, _ := url.Parse(srv.base)
	u.User = url.UserPassword("user", "hunter2")
	c, _ := newTestClient(t, srv)
	_, err := c.Do(t.Context(), http.MethodGet, u.String()+"v1/apps/1?filter[x]=y", nil, nil, nil)
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	if strings.Contains(msg, "hunter2") || strings.Contains(msg, "127.0.0.1") {
		t.Errorf("message leaks host or credentials: %s", msg)
	}
	want := "GET " + basePath + "/v1/apps/1: 404 NOT_FOUND: The specified resource does not exist"
	if msg != want {
		t.Errorf("message = %q, want %q", msg, want)
	}
}

func TestDoRawStreamsBody(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("GET /v1/salesReports", func(w http.ResponseWriter, r *http.Request) {
		if got := r.Header.Get("Accept"); got != "application/a-gzip" {
			// Apple's answer to any other Accept on this operation.
			writeJSON(t, w, http.StatusNotAcceptable, appError("406", "NOT_ACCEPTABLE", "Allowed: application/a-gzip; got "+got))
			return
		}
		w.Header().Set("Content-Type", "application/a-gzip")
		fmt.Fprint(w, "line1\nline2\n")
	})
	c, _ := newTestClient(t, srv)
	rc, resp, err := c.DoRaw(t.Context(), http.MethodGet, "/v1/salesReports", url.Values{"filter[frequency]": {"DAILY"}}, nil, "application/a-gzip")
	if err != nil {
		t.Fatalf("DoRaw: %v", err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if diff := cmp.Diff([]string{"line1", "line2"}, lines); diff != "" {
		t.Errorf("lines (-want +got):\n%s", diff)
	}
	if resp.Header.Get("Content-Type") != "application/a-gzip" {
		t.Errorf("content type = %q", resp.Header.Get("Content-Type"))
	}
}

func TestDoWithRateBudget(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("/v1/apps", func(w http.ResponseWriter, r *http.Request) {
		n := calls.inc()
		w.Header().Set("X-Rate-Limit", fmt.Sprintf("user-hour-lim:3600;user-hour-rem:%d;", 3600-n))
		if n == 1 {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": []any{}})
	})
	budget, clock, budgetSleeps := newTestBudget()
	c, sl := newTestClient(t, srv, WithRateBudget(budget))
	c.now = clock.now
	if _, err := c.Do(t.Context(), http.MethodGet, "/v1/apps", nil, nil, nil); err != nil {
		t.Fatalf("Do: %v", err)
	}
	// A Retry-After of more than a second is a hold even with hourly budget left. The client
	// slept it itself (its clock does not move in this test), and the budget then held the
	// next attempt until the pause it recorded had passed.
	if diff := cmp.Diff([]time.Duration{2 * time.Second}, sl.got()); diff != "" {
		t.Errorf("client delays (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{2 * time.Second}, budgetSleeps.got()); diff != "" {
		t.Errorf("budget delays (-want +got):\n%s", diff)
	}
	snap := budget.Snapshot()
	if !snap.Known || snap.Limit != 3600 || snap.Remaining != 3598 {
		t.Errorf("snapshot = %+v, want the last answer's 3600/3598", snap)
	}
}

// TestDoRetriesBurstAtBudgetPace: a 429 of the burst limit (hourly budget left, Retry-After
// of a second) is retried at the budget's pace: the client sleeps nothing itself, nobody is
// held, and such refusals do not use up the retry policy's attempts.
func TestDoRetriesBurstAtBudgetPace(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("/v1/apps", func(w http.ResponseWriter, r *http.Request) {
		n := calls.inc()
		w.Header().Set("X-Rate-Limit", fmt.Sprintf("user-hour-lim:3600;user-hour-rem:%d;", 3600-n))
		if n <= 5 {
			w.Header().Set("Retry-After", "1")
			writeJSON(t, w, http.StatusTooManyRequests, appError("429", "RATE_LIMIT_EXCEEDED", "slow down"))
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": []any{}})
	})
	budget, clock, budgetSleeps := newTestBudget()
	c, sl := newTestClient(t, srv, WithRateBudget(budget))
	c.now = clock.now
	if _, err := c.Do(t.Context(), http.MethodGet, "/v1/apps", nil, nil, nil); err != nil {
		t.Fatalf("Do: %v (after %d calls)", err, calls.get())
	}
	if calls.get() != 6 {
		t.Errorf("server saw %d calls, want 6", calls.get())
	}
	if got := sl.got(); len(got) != 0 {
		t.Errorf("client delays = %v, want none", got)
	}
	snap := budget.Snapshot()
	if got := budgetSleeps.got(); len(got) != 5 || snap.Pace <= 0 || !snap.PausedUntil.IsZero() {
		t.Errorf("budget delays = %v, snapshot %+v; want five paced waits and no hold", got, snap)
	}
	for _, d := range budgetSleeps.got() {
		if d >= time.Second {
			t.Errorf("a wait of %s: a hold, not a pace", d)
		}
	}
}

// TestClientConcurrentUse shares one client and one budget between goroutines while the
// server fails the first attempt of every tenth app; -race checks the shared state, and every call must succeed.
func TestClientConcurrentUse(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	var attempted sync.Map
	srv.mux.HandleFunc("GET /v1/apps/{id}", func(w http.ResponseWriter, r *http.Request) {
		n := calls.inc()
		w.Header().Set("X-Rate-Limit", fmt.Sprintf("user-hour-lim:100000;user-hour-rem:%d;", 100000-n))
		if _, seen := attempted.LoadOrStore(r.PathValue("id"), true); !seen && strings.HasSuffix(r.PathValue("id"), "0") {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": map[string]any{"type": "apps", "id": r.PathValue("id")}, "links": map[string]any{"self": "s"}})
	})
	budget, _, _ := newTestBudget()
	c, _ := newTestClient(t, srv, WithRateBudget(budget))
	const workers, each = 8, 20
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("%d-%d", w, i)
				app, _, err := c.Apps.Get(t.Context(), id, nil)
				if err != nil {
					t.Errorf("Get %s: %v", id, err)
					return
				}
				if app.Data.ID != id {
					t.Errorf("Get %s returned %s", id, app.Data.ID)
				}
			}
		})
	}
	wg.Wait()
	if got, want := calls.get(), workers*each+workers*2; got != want {
		t.Errorf("server saw %d calls, want %d (one retry per failed first attempt)", got, want)
	}
	if snap := budget.Snapshot(); !snap.Known || snap.Limit != 100000 {
		t.Errorf("budget = %+v", snap)
	}
}
