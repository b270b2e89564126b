package sandbox

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// pauses records the waits a sandbox would make before answering, instead of sleeping.
type pauses struct {
	mu sync.Mutex
	d  []time.Duration
}

func (p *pauses) pause(_ context.Context, d time.Duration) {
	p.mu.Lock()
	p.d = append(p.d, d)
	p.mu.Unlock()
}

func (p *pauses) take() []time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.d
	p.d = nil
	return out
}

// newPausedServer serves a sandbox through httptest with its waits recorded, not slept.
func newPausedServer(t *testing.T, opts Options) (*Server, *testClient, *pauses) {
	t.Helper()
	if opts.BurstLimit == 0 {
		opts.BurstLimit = -1
	}
	s, err := newServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	p := &pauses{}
	s.pause = p.pause
	ts := httptest.NewServer(s.Handler())
	s.url = ts.URL
	t.Cleanup(func() { ts.Close(); s.Close() })
	return s, clientFor(t, s, s.KeyPEM(), s.Key().ID, s.Key().IssuerID), p
}

// TestOptionsLatency: Options.Latency (and its jitter) is waited before every API answer,
// whatever faults are set later, with the faults' own latency on top.
func TestOptionsLatency(t *testing.T) {
	t.Parallel()
	s, c, p := newPausedServer(t, Options{Seed: "empty", Latency: 40 * time.Millisecond})
	c.do("GET", "/v1/apps", nil).must(t, 200)
	if got := p.take(); len(got) != 1 || got[0] != 40*time.Millisecond {
		t.Fatalf("waits with Options.Latency 40ms: %v", got)
	}
	// Faults set at run time neither drop it nor replace it: they add to it.
	s.SetFaults(Faults{UploadPartDelay: time.Millisecond})
	c.do("GET", "/v1/apps", nil).must(t, 200)
	resp := postJSON(t, s.URL()+"/sandbox/faults", map[string]any{"latency_ms": 10})
	resp.Body.Close()
	c.do("GET", "/v1/apps", nil).must(t, 200)
	if got := p.take(); len(got) != 2 || got[0] != 40*time.Millisecond || got[1] != 50*time.Millisecond {
		t.Fatalf("waits after SetFaults, then 10ms of fault latency: %v, want [40ms 50ms]", got)
	}

	// Given with Faults.Latency at start, both count; LatencyJitter adds up to its value.
	_, c, p = newPausedServer(t, Options{Seed: "empty", Latency: 40 * time.Millisecond, LatencyJitter: 10 * time.Millisecond,
		Faults: Faults{Latency: 5 * time.Millisecond}})
	for range 20 {
		c.do("GET", "/v1/apps", nil).must(t, 200)
	}
	got := p.take()
	if len(got) != 20 {
		t.Fatalf("%d waits for 20 requests", len(got))
	}
	for _, d := range got {
		if d < 45*time.Millisecond || d >= 55*time.Millisecond {
			t.Fatalf("wait %v, want 45ms plus less than 10ms of jitter (all: %v)", d, got)
		}
	}
}

// TestOptionsLogger: Options.Logger gets one debug line per request, admin endpoints and
// upload parts included.
func TestOptionsLogger(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var lines []string
	log := slog.New(handlerFunc(func(r slog.Record) {
		var path string
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "path" {
				path = a.Value.String()
			}
			return true
		})
		mu.Lock()
		lines = append(lines, r.Message+" "+path)
		mu.Unlock()
	}))
	s, c := newTestServer(t, Options{Seed: "empty", Logger: log})
	c.do("GET", "/v1/apps", nil).must(t, 200)
	getJSON(t, s.URL()+"/sandbox/stats", &map[string]any{})
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", s.URL()+"/sandbox/upload/nope/0", strings.NewReader("x"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	mu.Lock()
	defer mu.Unlock()
	for _, want := range []string{"sandbox request /v1/apps", "sandbox request /sandbox/stats", "sandbox request /sandbox/upload/nope/0"} {
		n := 0
		for _, l := range lines {
			if l == want {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d log lines %q, want 1; all: %q", n, want, lines)
		}
	}
}

type handlerFunc func(slog.Record)

func (h handlerFunc) Enabled(context.Context, slog.Level) bool      { return true }
func (h handlerFunc) Handle(_ context.Context, r slog.Record) error { h(r); return nil }
func (h handlerFunc) WithAttrs([]slog.Attr) slog.Handler            { return h }
func (h handlerFunc) WithGroup(string) slog.Handler                 { return h }

// TestOptionsBurstRateNotNegative: a negative BurstRate means the default refill, as zero
// does, instead of draining the burst allowance over time.
func TestOptionsBurstRateNotNegative(t *testing.T) {
	t.Parallel()
	_, c, clk := newClockedServer(t, Options{Seed: "empty", BurstLimit: 2, BurstRate: -1})
	c.do("GET", "/v1/apps", nil).must(t, 200)
	c.do("GET", "/v1/apps", nil).must(t, 200)
	c.do("GET", "/v1/apps", nil).must(t, 429)
	clk.add(time.Second)
	c.do("GET", "/v1/apps", nil).must(t, 200)
}

// TestKeysAcrossRestarts: with StatePath the read-only key is kept like the main key, and
// IndividualKey gets an individual key even when the state file holds a team key.
func TestKeysAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.db")
	open := func(opts Options) *Server {
		t.Helper()
		opts.StatePath, opts.Seed = path, "empty"
		s, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s1 := open(Options{ReadOnlyKey: true})
	team, ro := s1.Key(), s1.ReadOnlyKey()
	s1.Close()
	s2 := open(Options{ReadOnlyKey: true})
	if s2.Key().ID != team.ID || s2.ReadOnlyKey().ID != ro.ID {
		t.Fatalf("keys after a restart %s/%s, want %s/%s", s2.Key().ID, s2.ReadOnlyKey().ID, team.ID, ro.ID)
	}
	c := clientFor(t, s2, s2.ReadOnlyKeyPEM(), ro.ID, ro.IssuerID)
	c.do("GET", "/v1/apps", nil).must(t, 200)
	c.do("POST", "/v1/bundleIds", resource("bundleIds", "", map[string]any{"name": "x"}, nil)).must(t, 403)
	s2.Close()

	s3 := open(Options{IndividualKey: true})
	if !s3.Key().Individual() {
		t.Fatalf("IndividualKey with a state file holding a team key gave %s key %s", s3.Key().Kind(), s3.Key().ID)
	}
	individual := s3.Key().ID
	clientFor(t, s3, s3.KeyPEM(), individual, "").do("GET", "/v1/apps", nil).must(t, 200)
	s3.Close()
	s4 := open(Options{IndividualKey: true})
	defer s4.Close()
	if s4.Key().ID != individual {
		t.Fatalf("individual key changed across a restart: %s, want %s", s4.Key().ID, individual)
	}
}
