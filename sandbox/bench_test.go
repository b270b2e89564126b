package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// Benchmarks of the sandbox over real loopback HTTP, as clients use it. Rate limits are
// off so the numbers measure the emulator, not its budget. Run with:
//
//	go test -run '^$' -bench . -benchmem ./sandbox
//
// or bench/sandbox.sh, which prints requests per second.

func benchServer(b *testing.B) (*Server, *testClient, *http.Client) {
	b.Helper()
	s, err := New(Options{HourlyLimit: -1, BurstLimit: -1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	c := clientFor(b, s, s.KeyPEM(), s.Key().ID, s.Key().IssuerID)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	return s, c, hc
}

func benchGet(b *testing.B, hc *http.Client, url, tok string) {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("GET %s: %s", url, resp.Status)
	}
}

// BenchmarkListApps is GET /v1/apps?limit=200 from parallel clients.
func BenchmarkListApps(b *testing.B) {
	s, c, hc := benchServer(b)
	tok := c.token()
	url := s.URL() + "/v1/apps?limit=200"
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchGet(b, hc, url, tok)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkListBuilds is a 200-item page of the 500-build app with its related data
// included, the heaviest common read.
func BenchmarkListBuilds(b *testing.B) { benchListBuilds(b, true) }

// BenchmarkListBuildsUncached is the same page with the render cache off: what the first
// read after a write costs (filter, sort, render).
func BenchmarkListBuildsUncached(b *testing.B) { benchListBuilds(b, false) }

func benchListBuilds(b *testing.B, cache bool) {
	s, c, hc := benchServer(b)
	s.noRenderCache.Store(!cache)
	tok := c.token()
	app := findOneB(b, c, "/v1/apps?filter[bundleId]=com.example.daybreak")
	url := s.URL() + "/v1/builds?limit=200&filter[app]=" + app + "&include=preReleaseVersion,buildBetaDetail&sort=-uploadedDate"
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			benchGet(b, hc, url, tok)
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkCreateThenRead is POST /v1/appInfoLocalizations followed by GET of the new
// resource; each op is both requests, plus a DELETE so the app info keeps a realistic
// number of localizations (the duplicate-locale check looks at the siblings).
func BenchmarkCreateThenRead(b *testing.B) {
	s, c, hc := benchServer(b)
	tok := c.token()
	app := findOneB(b, c, "/v1/apps?filter[bundleId]=com.example.quiethours")
	info := findOneB(b, c, "/v1/apps/"+app+"/appInfos")
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			body := fmt.Sprintf(`{"data":{"type":"appInfoLocalizations","attributes":{"locale":"x-bench-%d","name":"Bench %d"},"relationships":{"appInfo":{"data":{"type":"appInfos","id":%q}}}}}`, i, i, info)
			req, _ := http.NewRequest("POST", s.URL()+"/v1/appInfoLocalizations", bytes.NewReader([]byte(body)))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			var created struct {
				Data struct {
					Links struct {
						Self string `json:"self"`
					} `json:"links"`
				} `json:"data"`
			}
			data, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 201 {
				b.Fatalf("create: %s %s", resp.Status, data)
			}
			if err := jsonUnmarshal(data, &created); err != nil {
				b.Fatal(err)
			}
			benchGet(b, hc, created.Data.Links.Self, tok)
			del, _ := http.NewRequest("DELETE", created.Data.Links.Self, nil)
			del.Header.Set("Authorization", "Bearer "+tok)
			dresp, err := hc.Do(del)
			if err != nil {
				b.Fatal(err)
			}
			dresp.Body.Close()
			if dresp.StatusCode != 204 {
				b.Fatalf("delete: %s", dresp.Status)
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "cycles/s")
}

// BenchmarkDemoSeedHeap reports the heap a demo sandbox holds (bytes in use after GC, with
// the spec catalog already loaded so only the sandbox's own state counts).
func BenchmarkDemoSeedHeap(b *testing.B) {
	warm, err := New(Options{Seed: "empty"})
	if err != nil {
		b.Fatal(err)
	}
	warm.Close()
	var servers []*Server
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	for range b.N {
		s, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		servers = append(servers, s)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/float64(b.N)/(1<<20), "MiB/sandbox")
	records := 0
	for _, s := range servers {
		records = s.st.count()
		s.Close()
	}
	b.ReportMetric(float64(records), "resources")
}

func findOneB(b *testing.B, c *testClient, path string) string {
	b.Helper()
	r := c.do("GET", path, nil)
	if r.status != 200 || len(r.list()) == 0 {
		b.Fatalf("%s: %d %s", path, r.status, r.body)
	}
	return r.list()[0].(map[string]any)["id"].(string)
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
