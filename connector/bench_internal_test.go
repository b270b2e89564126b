//go:build unix

package connector

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"syscall"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// replay answers every request with one answer the sandbox gave, so a benchmark measures
// the gateway's own work without the upstream's.
type replay struct {
	header http.Header
	body   []byte
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: r.header.Clone(), Body: io.NopCloser(bytes.NewReader(r.body)),
		ContentLength: int64(len(r.body)), Request: req}, nil
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkPassthrough is the gateway's handler for GET /v1/apps?limit=1 with the key cache
// on, answered by a replay of the sandbox's answer: the CPU and allocations the gateway's
// own code spends per request (the HTTP server and client around it not included); cpu-ns/op
// is the process's CPU time per request, steadier than ns/op on a busy machine.
func BenchmarkPassthrough(b *testing.B) { benchPassthrough(b, nil, time.Hour) }

// BenchmarkPassthroughNoCache is BenchmarkPassthrough with the key cache off (the default):
// the client key is read from the SQLite store on every request.
func BenchmarkPassthroughNoCache(b *testing.B) { benchPassthrough(b, nil, 0) }

// BenchmarkPassthroughLogged is BenchmarkPassthrough with the request log line of `ascend
// serve --log-format json` (written to io.Discard).
func BenchmarkPassthroughLogged(b *testing.B) {
	benchPassthrough(b, slog.New(slog.NewJSONHandler(io.Discard, nil)), time.Hour)
}

func benchPassthrough(b *testing.B, logger *slog.Logger, keyCache time.Duration) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	req, _ := http.NewRequest("GET", sb.URL()+"/v1/apps?limit=1", nil)
	tok, _ := sb.Key().Sign(auth.TokenOptions{})
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	db := storetest.Open(b, "sqlite")
	g, err := New(Config{Profiles: []Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, DisableDelivery: true,
		KeyCacheTTL: keyCache, UpstreamTransport: &replay{header: resp.Header, body: body}, Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	secret, rec, _ := NewClientKey("bench", "default", store.Read, 0, time.Now())
	db.CreateClientKey(b.Context(), rec)
	// A request's context can be cancelled, as the HTTP server's are: database/sql and the
	// SQLite driver do more work for such a context than for context.Background.
	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "http://gw.example.com/v1/apps?limit=1", nil)
	r.Header.Set("X-API-Key", secret)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		g.ServeHTTP(&discardWriter{h: http.Header{}}, r)
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// BenchmarkRewriteLinks rewrites the links of a sandbox answer for GET /v1/apps?limit=1.
func BenchmarkRewriteLinks(b *testing.B) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	req, _ := http.NewRequest("GET", sb.URL()+"/v1/apps?limit=1", nil)
	tok, _ := sb.Key().Sign(auth.TokenOptions{})
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.Logf("%d bytes, %d upstream URLs", len(body), bytes.Count(body, []byte(sb.URL())))
	var out bytes.Buffer
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		rewriteLinksTo(&out, body, sb.URL(), "https://gw.example.com")
	}
}

// BenchmarkLoopback sends GET /v1/apps?limit=1 over loopback HTTP from 50 parallel clients,
// straight to the sandbox (direct) and through the gateway with the key cache on (gateway).
// cpu-ns/op is the process's CPU time per request (clients, gateway and sandbox), so the
// difference of the two is the CPU the gateway adds, its HTTP server and client included; a
// CPU profile of each, one the -diff_base of the other, shows where it goes.
func BenchmarkLoopback(b *testing.B) { benchLoopback(b, 25) } // 50 clients on 2 cores

// BenchmarkLoopbackSequential is BenchmarkLoopback with one client sending one request after
// another, as a Power Automate flow does: every hop's work is on the request's path, and the
// scheduler's idle processors are woken at each hop.
func BenchmarkLoopbackSequential(b *testing.B) { benchLoopback(b, 0) }

// benchLoopback runs BenchmarkLoopback with parallelism*GOMAXPROCS clients, or one (0).
func benchLoopback(b *testing.B, parallelism int) {
	sb, err := sandbox.New(sandbox.Options{BurstLimit: -1, HourlyLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	db := storetest.Open(b, "sqlite")
	g, err := New(Config{Profiles: []Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, DisableDelivery: true, KeyCacheTTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	srv := httptest.NewServer(g)
	defer srv.Close()
	secret, rec, _ := NewClientKey("bench", "default", store.Read, 0, time.Now())
	if err := db.CreateClientKey(b.Context(), rec); err != nil {
		b.Fatal(err)
	}
	base := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	defer base.CloseIdleConnections()
	direct := &http.Client{Transport: &auth.Transport{Source: auth.NewTokenSource(sb.Key(), auth.TokenOptions{}), Base: base}}
	viaGW := &http.Client{Transport: base}
	for _, c := range []struct {
		name     string
		client   *http.Client
		url, key string
	}{{"direct", direct, sb.URL(), ""}, {"gateway", viaGW, srv.URL, secret}} {
		one := func(b *testing.B) bool {
			req, _ := http.NewRequest(http.MethodGet, c.url+"/v1/apps?limit=1", nil)
			if c.key != "" {
				req.Header.Set("X-API-Key", c.key)
			}
			resp, err := c.client.Do(req)
			if err != nil {
				b.Error(err)
				return false
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return false
			}
			return true
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := cpuTime()
			if parallelism == 0 {
				for b.Loop() {
					if !one(b) {
						return
					}
				}
			} else {
				b.SetParallelism(parallelism)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if !one(b) {
							return
						}
					}
				})
			}
			b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
