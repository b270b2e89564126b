// Command gateway measures what the connector gateway costs per request: the same requests go
// to a sandbox directly (signed with a JWT) and through the gateway (with a client key), at
// 1, 50 and 200 concurrent clients, with the gateway's client key cache off and on. It prints
// p50 and p99 latency, throughput and the process CPU time per request of each, the
// gateway's throughput as a share of direct, and the CPU the gateway adds per request (the
// gateway serves its client and makes the upstream request, so the difference is its whole
// work). Request counts are fixed, so a run is bounded; -rounds repeats the run and reports
// medians.
//
// Then the same at 50 and 200 clients with the sandbox answering after -latency (100 ms, about
// how far Apple is): on a machine of two cores, where client, gateway and sandbox share the
// CPU, the share of direct with no latency is mostly the CPU per request; with the upstream's
// latency it shows what the gateway costs in concurrency. A summary table puts both side by
// side.
//
//	go run ./bench/gateway [-n 6000] [-nlat 2000] [-latency 100ms] [-rounds 3] [-db postgres://...] [-cpuprofile FILE]
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
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/store"
)

func main() {
	n1 := flag.Int("n1", 1000, "requests at 1 client")
	n := flag.Int("n", 6000, "requests at 50 and at 200 clients")
	nlat := flag.Int("nlat", 2000, "requests at 50 and at 200 clients with the upstream latency")
	latency := flag.Duration("latency", 100*time.Millisecond, "upstream latency of the second set of columns (0: none)")
	rounds := flag.Int("rounds", 3, "runs of each measurement; the table shows medians")
	dbURL := flag.String("db", "", "gateway database (default: a SQLite file in a temp dir)")
	path := flag.String("path", "/v1/apps?limit=1", "request path")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if err := run(*n1, *n, *nlat, *rounds, *latency, *dbURL, *path); err != nil {
		log.Print(err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

type stats struct {
	n        int
	p50, p99 time.Duration
	rps      float64
	cpu      time.Duration // process CPU time per request
	errors   int64
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// median of a measurement over rounds, field by field.
func median(runs []stats) stats {
	pick := func(f func(stats) float64) float64 {
		v := make([]float64, len(runs))
		for i, r := range runs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	out := runs[0]
	out.p50 = time.Duration(pick(func(s stats) float64 { return float64(s.p50) }))
	out.p99 = time.Duration(pick(func(s stats) float64 { return float64(s.p99) }))
	out.rps = pick(func(s stats) float64 { return s.rps })
	out.cpu = time.Duration(pick(func(s stats) float64 { return float64(s.cpu) }))
	var errs int64
	for _, r := range runs {
		errs += r.errors
	}
	out.errors = errs
	return out
}

// gateway starts a gateway in front of sb on loopback with a read key; stop ends it.
func gateway(ctx context.Context, sb *sandbox.Server, db *store.DB, keyCache time.Duration) (url, secret string, stop func(), err error) {
	gw, err := connector.New(connector.Config{Profiles: []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, KeyCacheTTL: keyCache})
	if err != nil {
		return "", "", nil, err
	}
	name := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	secret, rec, err := connector.NewClientKey(name, "default", store.Read, time.Hour, time.Now())
	if err == nil {
		err = db.CreateClientKey(ctx, rec)
	}
	if err != nil {
		gw.Close()
		return "", "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		gw.Close()
		return "", "", nil, err
	}
	sctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { gw.Serve(sctx, ln); close(done) }()
	return "http://" + ln.Addr().String(), secret, func() { cancel(); <-done }, nil
}

// row is one measurement of the table: its medians through the gateway and direct.
type row struct {
	cache   string
	latency time.Duration
	clients int
	d, g    stats
}

func run(n1, n, nlat, rounds int, latency time.Duration, dsn, path string) error {
	ctx := context.Background()
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

	base := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512, IdleConnTimeout: time.Minute}
	viaGW := &http.Client{Transport: base}

	fmt.Printf("gateway cost: GET %s, sandbox and gateway on loopback in this process (GOMAXPROCS %d), store %s, medians of %d rounds\n",
		path, runtime.GOMAXPROCS(0), db.Dialect(), rounds)
	fmt.Printf("cpu/req is the process's CPU time per request (client, gateway and sandbox); added is gateway minus direct\n")
	fmt.Printf("upstream is the latency the sandbox adds to every answer (Apple is about 100 ms away)\n\n")
	fmt.Printf("%-10s %-9s %-8s %-9s %8s %10s %10s %9s %9s %7s\n", "key cache", "upstream", "clients", "path", "requests", "p50", "p99", "req/s", "cpu/req", "errors")
	latencies := []time.Duration{0}
	if latency > 0 {
		latencies = append(latencies, latency)
	}
	var rows []row
	for _, lat := range latencies {
		sb, err := sandbox.New(sandbox.Options{BurstLimit: -1, HourlyLimit: -1, Latency: lat})
		if err != nil {
			return err
		}
		direct := &http.Client{Transport: &auth.Transport{Source: auth.NewTokenSource(sb.Key(), auth.TokenOptions{}), Base: base}}
		loads := []struct{ clients, n int }{{1, n1}, {50, n}, {200, n}}
		if lat > 0 {
			// One client would wait out the latency on every request: it measures nothing
			// about the gateway but the upstream's answer time.
			loads = []struct{ clients, n int }{{50, nlat}, {200, nlat}}
		}
		for _, cache := range []time.Duration{0, time.Minute} {
			gwURL, secret, stop, err := gateway(ctx, sb, db, cache)
			if err != nil {
				sb.Close()
				return err
			}
			label := "off"
			if cache > 0 {
				label = "on (" + cache.String() + ")"
			}
			for _, c := range loads {
				var ds, gs []stats
				for range rounds {
					ds = append(ds, measure(direct, sb.URL()+path, "", c.clients, c.n))
					gs = append(gs, measure(viaGW, gwURL+path, secret, c.clients, c.n))
				}
				r := row{cache: label, latency: lat, clients: c.clients, d: median(ds), g: median(gs)}
				rows = append(rows, r)
				for _, m := range []struct {
					name string
					s    stats
				}{{"direct", r.d}, {"gateway", r.g}} {
					fmt.Printf("%-10s %-9s %-8d %-9s %8d %10s %10s %9.0f %9s %7d\n", label, lat, c.clients, m.name, m.s.n, round(m.s.p50), round(m.s.p99), m.s.rps, round(m.s.cpu), m.s.errors)
				}
				fmt.Printf("%-10s %-9s %-8d %-9s %8s %10s %10s %8.2fx %9s\n\n", label, lat, c.clients, "added", "", round(r.g.p50-r.d.p50), round(r.g.p99-r.d.p99), r.g.rps/r.d.rps, round(r.g.cpu-r.d.cpu))
			}
			stop()
		}
		sb.Close()
	}
	summary(rows, latencies)
	return nil
}

// summary prints the gateway's throughput as a share of direct and the CPU it adds per
// request, one column pair per upstream latency. With no latency the share is what the goal
// is stated in; on a machine of few cores where client, gateway and sandbox share the CPU it
// measures mostly the CPU each request costs. With the upstream's latency, as Apple's, the
// clients spend most of their time waiting, and the share shows what the gateway costs in
// concurrency.
func summary(rows []row, latencies []time.Duration) {
	fmt.Printf("summary: gateway throughput as a share of direct, and CPU added per request (medians)\n")
	fmt.Printf("%-10s %-8s", "key cache", "clients")
	for _, lat := range latencies {
		fmt.Printf(" %16s %12s", "share @"+lat.String(), "cpu @"+lat.String())
	}
	fmt.Println()
	type key struct {
		cache   string
		clients int
	}
	var order []key
	byKey := map[key]map[time.Duration]row{}
	for _, r := range rows {
		k := key{r.cache, r.clients}
		if byKey[k] == nil {
			byKey[k] = map[time.Duration]row{}
			order = append(order, k)
		}
		byKey[k][r.latency] = r
	}
	for _, k := range order {
		fmt.Printf("%-10s %-8d", k.cache, k.clients)
		for _, lat := range latencies {
			r, ok := byKey[k][lat]
			if !ok {
				fmt.Printf(" %16s %12s", "-", "-")
				continue
			}
			fmt.Printf(" %15.2fx %12s", r.g.rps/r.d.rps, round(r.g.cpu-r.d.cpu))
		}
		fmt.Println()
	}
	fmt.Printf("goals: share at 200 clients at least 0.80 (as stated, with no upstream latency); CPU added under 50µs\n")
}

func round(d time.Duration) string {
	return d.Round(time.Microsecond).String()
}

// measure sends n requests from `clients` goroutines (after a warm-up of two requests by
// each) and returns the latency percentiles.
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
	// Warm up as the measurement runs, every client at once, so that every client's
	// connection (and the gateway's upstream one behind it) is open before the clock starts:
	// one after the other, they would reuse a single connection and leave the rest to be
	// opened inside the measurement, and with the upstream's latency take clients*2 of it.
	var warm sync.WaitGroup
	for range clients {
		warm.Go(func() { one(); one() })
	}
	warm.Wait()
	var next atomic.Int64
	var errs atomic.Int64
	lat := make([]time.Duration, n)
	var wg sync.WaitGroup
	cpu0 := cpuTime()
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
	cpu := cpuTime() - cpu0
	slices.Sort(lat)
	return stats{n: n, p50: lat[n/2], p99: lat[n*99/100], rps: float64(n) / elapsed.Seconds(), cpu: cpu / time.Duration(n), errors: errs.Load()}
}
