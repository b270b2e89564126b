package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// appleStub is a loopback server that refuses revoked tokens with 401 and records what it
// was sent.
type appleStub struct {
	srv      *httptest.Server
	requests atomic.Int64

	mu      sync.Mutex
	revoked map[string]bool
	bodies  []string
	always  bool // refuse every token
}

func newAppleStub(t *testing.T) *appleStub {
	t.Helper()
	a := &appleStub{revoked: map[string]bool{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.requests.Add(1)
		body, _ := io.ReadAll(r.Body)
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		a.bodies = append(a.bodies, string(body))
		refused := !ok || tok == "" || a.always || a.revoked[tok]
		a.mu.Unlock()
		if refused {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"errors":[{"status":"401","code":"NOT_AUTHORIZED"}]}`)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *appleStub) revoke(tok string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revoked[tok] = true
}

// staticSource hands out one token and cannot invalidate it.
type staticSource string

func (s staticSource) Token(context.Context) (string, error) { return string(s), nil }

type failingSource struct{}

func (failingSource) Token(context.Context) (string, error) {
	return "", errors.New("sign token: the key has no private key")
}

func TestTransportSetsBearer(t *testing.T) {
	t.Parallel()
	a := newAppleStub(t)
	src, _ := countingSource(t, TokenOptions{})
	client := &http.Client{Transport: &Transport{Source: src, Base: a.srv.Client().Transport}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.srv.URL+"/v1/apps", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	if req.Header.Get("Authorization") != "" {
		t.Error("the caller's request was modified")
	}
}

func TestTransportRetriesOnceOn401(t *testing.T) {
	t.Parallel()
	tests := []retryTest{
		{name: "no body, revoked token is replaced", source: cached, revokeFirst: true,
			wantStatus: 200, wantReqs: 2, wantSigns: 2, wantBodies: []string{"", ""}},
		{name: "replayable body is sent again", source: cached, revokeFirst: true,
			body:       func() (io.Reader, bool) { return strings.NewReader(`{"data":{}}`), true },
			wantStatus: 200, wantReqs: 2, wantSigns: 2, wantBodies: []string{`{"data":{}}`, `{"data":{}}`}},
		{name: "one-shot body is not retried", source: cached, revokeFirst: true,
			body:       func() (io.Reader, bool) { return strings.NewReader(`{"data":{}}`), false },
			wantStatus: 401, wantReqs: 1, wantSigns: 1, wantBodies: []string{`{"data":{}}`}},
		{name: "refused twice is returned, not looped", source: cached, refuseAll: true,
			wantStatus: 401, wantReqs: 2, wantSigns: 2, wantBodies: []string{"", ""}},
		{name: "source that cannot invalidate is not retried", refuseAll: true,
			source: func(*testing.T) (TokenSource, *atomic.Int64) {
				return staticSource("static"), &atomic.Int64{}
			},
			wantStatus: 401, wantReqs: 1, wantSigns: 0, wantBodies: []string{""}},
	}
	for _, owned := range []bool{false, true} {
		for _, tc := range tests {
			name := tc.name
			if owned {
				name += " (owned request)"
			}
			t.Run(name, func(t *testing.T) {
				retryCase(t, tc, owned)
			})
		}
	}
}

type retryTest struct {
	name        string
	source      func(t *testing.T) (TokenSource, *atomic.Int64)
	body        func() (io.Reader, bool) // reader and whether GetBody is kept
	refuseAll   bool
	wantStatus  int
	wantReqs    int64
	wantSigns   int64
	wantBodies  []string
	revokeFirst bool
}

// retryCase runs one case of TestTransportRetriesOnceOn401 through RoundTrip, or with owned
// through RoundTripOwned, which may set the header on the request itself but must not
// otherwise behave differently.
func retryCase(t *testing.T, tc retryTest, owned bool) {
	t.Parallel()
	a := newAppleStub(t)
	a.always = tc.refuseAll
	src, signs := tc.source(t)
	if tc.revokeFirst {
		first, err := src.Token(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		a.revoke(first)
	}
	var body io.Reader
	keepGetBody := true
	if tc.body != nil {
		body, keepGetBody = tc.body()
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, a.srv.URL+"/v1/apps", body)
	if err != nil {
		t.Fatal(err)
	}
	if !keepGetBody {
		req.GetBody = nil
		req.Body = io.NopCloser(req.Body)
	}
	tr := &Transport{Source: src, Base: a.srv.Client().Transport}
	roundTrip := tr.RoundTrip
	if owned {
		roundTrip = tr.RoundTripOwned
	}
	resp, err := roundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if !owned && req.Header.Get("Authorization") != "" {
		t.Error("RoundTrip changed the caller's request")
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != tc.wantStatus {
		t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
	}
	if resp.StatusCode == 401 && !strings.Contains(string(got), "NOT_AUTHORIZED") {
		t.Errorf("the 401 body was not passed on: %q", got)
	}
	if n := a.requests.Load(); n != tc.wantReqs {
		t.Errorf("server saw %d requests, want %d", n, tc.wantReqs)
	}
	if n := signs.Load(); n != tc.wantSigns {
		t.Errorf("%d signatures, want %d", n, tc.wantSigns)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if strings.Join(a.bodies, "|") != strings.Join(tc.wantBodies, "|") {
		t.Errorf("server got bodies %q, want %q", a.bodies, tc.wantBodies)
	}
}

func cached(t *testing.T) (TokenSource, *atomic.Int64) {
	s, n := countingSource(t, TokenOptions{})
	return s, n
}

// TestTransportConcurrent401 sends fifty requests with a token the server has just revoked:
// they all come back 401, and the source signs one replacement for all of them.
func TestTransportConcurrent401(t *testing.T) {
	t.Parallel()
	a := newAppleStub(t)
	src, signs := countingSource(t, TokenOptions{})
	first, err := src.Token(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	a.revoke(first)
	client := &http.Client{Transport: &Transport{Source: src, Base: a.srv.Client().Transport}}
	const n = 50
	start := make(chan struct{})
	var wg sync.WaitGroup
	var ok atomic.Int64
	for range n {
		wg.Go(func() {
			<-start
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.srv.URL+"/v1/apps", nil)
			if err != nil {
				t.Error(err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				ok.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok.Load() != n {
		t.Errorf("%d of %d requests succeeded", ok.Load(), n)
	}
	if got := signs.Load(); got != 2 {
		t.Errorf("%d signatures for %d concurrent 401s, want 2 (the first and one replacement)", got, n)
	}
	// Requests that start after the replacement is signed go through first time, so the
	// server sees between n+1 and 2n requests; more would mean a request was retried twice.
	if got := a.requests.Load(); got <= n || got > 2*n {
		t.Errorf("server saw %d requests, want between %d and %d", got, n+1, 2*n)
	}
}

func TestTransportErrors(t *testing.T) {
	t.Parallel()
	a := newAppleStub(t)
	tests := []struct {
		name string
		tr   *Transport
		want string
	}{
		{"no source", &Transport{}, "no token source"},
		{"source fails", &Transport{Source: failingSource{}, Base: a.srv.Client().Transport}, "no private key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := &closeRecorder{Reader: bytes.NewReader([]byte("x"))}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, a.srv.URL+"/v1/apps", body)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := tc.tr.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
				t.Fatal("RoundTrip succeeded")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if !body.closed.Load() {
				t.Error("request body was not closed")
			}
		})
	}
	if a.requests.Load() != 0 {
		t.Errorf("server saw %d requests, want none", a.requests.Load())
	}
}

type closeRecorder struct {
	io.Reader
	closed atomic.Bool
}

func (c *closeRecorder) Close() error { c.closed.Store(true); return nil }

func TestTransportDefaultBase(t *testing.T) {
	t.Parallel()
	a := newAppleStub(t)
	tr := &Transport{Source: staticSource("tok")}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, a.srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || a.requests.Load() != 1 {
		t.Errorf("status %d after %d requests, want one 200 through http.DefaultTransport", resp.StatusCode, a.requests.Load())
	}
}
