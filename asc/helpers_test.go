package asc

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// basePath is where the test server mounts the API, so that every test also proves the
// client keeps a base URL's path prefix.
const basePath = "/prefix/asc"

// testServer is an httptest server with the API mounted under basePath.
type testServer struct {
	*httptest.Server
	mux  *http.ServeMux
	base string // absolute base URL, ending in "/"
}

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	mux := http.NewServeMux()
	outer := http.NewServeMux()
	outer.Handle(basePath+"/", http.StripPrefix(basePath, mux))
	outer.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path: %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	return &testServer{Server: srv, mux: mux, base: srv.URL + basePath + "/"}
}

// link returns an absolute URL on the test server for path (which may carry a query).
func (s *testServer) link(path string) string { return s.URL + basePath + path }

// sleeper stands in for the client's sleep: it records each requested delay and returns at
// once, unless the context has ended. Tests then assert on the delays, never on wall time.
type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
	hook   func(n int) // called with the 1-based sleep count, outside the lock
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.delays = append(s.delays, d)
	n := len(s.delays)
	s.mu.Unlock()
	if s.hook != nil {
		s.hook(n)
	}
	return ctx.Err()
}

func (s *sleeper) got() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.delays...)
}

// newTestClient builds a client for srv whose sleeps are recorded and whose jitter is
// deterministic (the full ceiling), so backoff delays can be asserted exactly.
func newTestClient(t *testing.T, srv *testServer, opts ...Option) (*Client, *sleeper) {
	t.Helper()
	c, err := NewClient(append([]Option{WithBaseURL(srv.base)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	sl := &sleeper{}
	c.sleep = sl.sleep
	c.jitter = func(d time.Duration) time.Duration { return d }
	return c, sl
}

// counter counts calls to a handler; safe for concurrent handlers.
type counter struct{ n atomic.Int64 }

func (c *counter) inc() int { return int(c.n.Add(1)) }
func (c *counter) get() int { return int(c.n.Load()) }

func writeJSON(t *testing.T, w http.ResponseWriter, status int, v any) {
	t.Helper()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Errorf("encode response: %v", err)
	}
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("method = %s, want %s", r.Method, want)
	}
}

// testQuery compares the request's query with want, value for value.
func testQuery(t *testing.T, r *http.Request, want url.Values) {
	t.Helper()
	if diff := cmp.Diff(want, r.URL.Query()); diff != "" {
		t.Errorf("query mismatch (-want +got):\n%s", diff)
	}
}

func readBody(t *testing.T, r *http.Request) []byte {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Errorf("read request body: %v", err)
	}
	return b
}

func appError(status, code, detail string) map[string]any {
	return map[string]any{"errors": []map[string]any{{"status": status, "code": code, "title": "title of " + code, "detail": detail}}}
}
