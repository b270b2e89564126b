// Command gateway measures the latency the connector gateway adds per request: the same
// requests go to a sandbox directly (signed with a JWT) and through the gateway (with a
// client key), at 1 and at 200 concurrent clients, and it prints p50 and p99 of each and the
// difference. Request counts are fixed, so a run is bounded.
//
//	go run ./bench/gateway [-n1 1000] [-n200 6000] [-db postgres://...]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/store"
)

func main() {
	n1 := flag.Int("n1", 1000, "requests at 1 client")
	n200 := flag.Int("n200", 6000, "requests at 200 clients")
	dbURL := flag.String("db", "", "gateway database (default: a SQLite file in a temp dir)")
	path := flag.String("path", "/v1/apps?limit=1", "request path")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	keyCache := flag.Duration("key-cache", 0, "the gateway's client key cache TTL (0: read the store on every request)")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*n1, *n200, *dbURL, *path, *keyCache); err != nil {
		log.Print(err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

type stats struct {
	n        int
	p50, p99 time.Duration
	rps      float64
	errors   int64
}

func run(n1, n200 int, dsn, path string, keyCache time.Duration) error {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.Options{BurstLimit: -1, HourlyLimit: -1})
	if err != nil {
		return err
	}
	defer sb.Close()
	tmp, err := os.MkdirTemp("", "ascend-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if dsn == "" {
		dsn = filepath.Join(tmp, "gateway.sqlite")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	gw, err := connector.New(connector.Config{Profiles: []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, KeyCacheTTL: keyCache})
	if err != nil {
		return err
	}
	defer gw.Close()
	name := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	secret, rec, err := connector.NewClientKey(name, "default", store.Read, time.Hour, time.Now())
	if err != nil {
		return err
	}
	if err := db.CreateClientKey(ctx, rec); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go gw.Serve(sctx, ln)
	gwURL := "http://" + ln.Addr().String()

	base := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	direct := &http.Client{Transport: &auth.Transport{Source: auth.NewTokenSource(sb.Key(), auth.TokenOptions{}), Base: base}}
	viaGW := &http.Client{Transport: base}

	fmt.Printf("gateway overhead: GET %s, sandbox and gateway on loopback in this process, store %s, key cache %s\n\n", path, db.Dialect(), keyCache)
	fmt.Printf("%-8s %-8s %9s %10s %10s %10s %7s\n", "clients", "path", "requests", "p50", "p99", "req/s", "errors")
	for _, c := range []struct{ clients, n int }{{1, n1}, {200, n200}} {
		d := measure(direct, sb.URL()+path, "", c.clients, c.n)
		g := measure(viaGW, gwURL+path, secret, c.clients, c.n)
		for _, row := range []struct {
			name string
			s    stats
		}{{"direct", d}, {"gateway", g}} {
			fmt.Printf("%-8d %-8s %9d %10s %10s %10.0f %7d\n", c.clients, row.name, row.s.n, round(row.s.p50), round(row.s.p99), row.s.rps, row.s.errors)
		}
		fmt.Printf("%-8d %-8s %9s %10s %10s\n\n", c.clients, "added", "", round(g.p50-d.p50), round(g.p99-d.p99))
	}
	return nil
}

func round(d time.Duration) string {
	return d.Round(time.Microsecond).String()
}

// measure sends n requests from `clients` goroutines (after a warm-up of clients*2) and
// returns the latency percentiles.
func measure(c *http.Client, url, key string, clients, n int) stats {
	one := func() (time.Duration, bool) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		start := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return 0, false
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return time.Since(start), resp.StatusCode == 200
	}
	for range clients * 2 {
		one()
	}
	var next atomic.Int64
	var errs atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	start := time.Now()
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				d, ok := one()
				if !ok {
					errs.Add(1)
				}
				lat[i] = d
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	return stats{n: n, p50: lat[n/2], p99: lat[n*99/100], rps: float64(n) / elapsed.Seconds(), errors: errs.Load()}
}
