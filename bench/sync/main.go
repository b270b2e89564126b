// Command sync measures metadata push and screenshot sync against the sandbox with injected
// latency and the sandbox's default rate limits, and prints a table: wall time, requests made
// (from /sandbox/stats), 429s, and the lower bound of requests (the reads needed plus one per
// changed resource and per upload step).
//
//	go run ./bench/sync [-latency 100ms] [-locales 40] [-shots 10] [-size 1000000]
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

const app = "com.example.daybreak"

type row struct {
	name                string
	wall                time.Duration
	api, tooMany, parts int
	bound               int
	ideal               time.Duration
	stop                time.Duration // longest time from a 429 to the next API request sent
	note                string
}

// recorder notes when each API request was sent and when each 429 came back, to measure how
// long the client stops after a 429.
type recorder struct {
	mu      sync.Mutex
	sent    []time.Time
	refused []time.Time
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.sent = append(r.sent, time.Now())
	r.mu.Unlock()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		r.mu.Lock()
		r.refused = append(r.refused, time.Now())
		r.mu.Unlock()
	}
	return resp, err
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.sent, r.refused = nil, nil
	r.mu.Unlock()
}

// longestStop is the longest time from a 429 to the next request sent (zero without 429s).
func (r *recorder) longestStop() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	var longest time.Duration
	for _, t := range r.refused {
		i, _ := slices.BinarySearchFunc(r.sent, t, func(a, b time.Time) int { return a.Compare(b) })
		if i < len(r.sent) {
			longest = max(longest, r.sent[i].Sub(t))
		}
	}
	return longest
}

func main() {
	latency := flag.Duration("latency", 100*time.Millisecond, "latency the sandbox adds to every API answer")
	locales := flag.Int("locales", 40, "locales")
	shots := flag.Int("shots", 10, "screenshots per locale")
	size := flag.Int("size", 1_000_000, "bytes per screenshot")
	concurrency := flag.Int("concurrency", 8, "most API requests in flight")
	flag.Parse()
	if err := run(*latency, *locales, *shots, *size, *concurrency); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// burstRate is the sandbox's default sustained rate (BurstRate, requests per second).
const burstRate = 25.0

func run(latency time.Duration, nLocales, nShots, size, concurrency int) error {
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.Options{Faults: sandbox.Faults{Latency: latency}})
	if err != nil {
		return err
	}
	defer sb.Close()
	rec := &recorder{}
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithRateBudget(asc.NewRateBudget()),
		asc.WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "ascend-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if nLocales > len(apple.Locales()) {
		return fmt.Errorf("at most %d locales", len(apple.Locales()))
	}
	locales := pickLocales(nLocales)
	target := metadata.Target{App: app}
	var rows []row

	// Metadata: 40 locales x 9 fields. The first push creates the missing locales (setup).
	mdir := filepath.Join(work, "metadata")
	writeMetadata(mdir, locales, "")
	t0 := time.Now()
	before := stats(sb)
	p, _, err := metadata.Push(ctx, c, target, mdir, metadata.ApplyOptions{Concurrency: concurrency})
	if err != nil {
		return fmt.Errorf("metadata setup push: %w", err)
	}
	d := delta(before, stats(sb))
	rows = append(rows, row{name: fmt.Sprintf("metadata push, %d locales x 9 fields (setup: creates missing locales)", nLocales),
		wall: time.Since(t0), api: d.api, tooMany: d.tooMany, bound: 3 + len(p.Writes),
		ideal: idealWall(3+len(p.Writes), latency, concurrency, 2)})

	refill()
	writeMetadata(mdir, locales, "changed")
	t0 = time.Now()
	before = stats(sb)
	p, _, err = metadata.Push(ctx, c, target, mdir, metadata.ApplyOptions{Concurrency: concurrency})
	if err != nil {
		return fmt.Errorf("metadata push: %w", err)
	}
	d = delta(before, stats(sb))
	rows = append(rows, row{name: fmt.Sprintf("metadata push, %d locales x 9 fields, 1 field changed per locale", nLocales),
		wall: time.Since(t0), api: d.api, tooMany: d.tooMany, bound: 3 + nLocales,
		ideal: idealWall(3+nLocales, latency, concurrency, 2), note: fmt.Sprintf("%d writes", len(p.Writes))})

	refill()
	before = stats(sb)
	t0 = time.Now()
	_, _, err = metadata.Push(ctx, c, target, mdir, metadata.ApplyOptions{Concurrency: concurrency})
	if err != nil {
		return err
	}
	d = delta(before, stats(sb))
	rows = append(rows, row{name: "metadata push again (nothing changed)", wall: time.Since(t0), api: d.api, tooMany: d.tooMany, bound: 3,
		ideal: 2 * latency, note: fmt.Sprintf("%d writes", d.writes)})

	// Screenshots: clear the demo screenshots first (setup), then sync from empty.
	sdir := filepath.Join(work, "screenshots")
	for _, l := range locales {
		os.MkdirAll(filepath.Join(sdir, l), 0o755)
	}
	refill()
	if _, err := syncShots(ctx, c, target, sdir, concurrency); err != nil {
		return fmt.Errorf("screenshots setup: %w", err)
	}
	fmt.Fprintf(os.Stderr, "generating %d screenshots of %d bytes\n", nLocales*nShots, size)
	base := basePNG(1290, 2796)
	seed := uint64(1)
	for _, l := range locales {
		for i := 1; i <= nShots; i++ {
			writeShot(filepath.Join(sdir, l, fmt.Sprintf("%02d_screen.png", i)), base, size, seed)
			seed++
		}
	}
	refill()
	rec.reset()
	t0 = time.Now()
	before = stats(sb)
	res, plan, err := syncShotsPlan(ctx, c, target, sdir, concurrency)
	if err != nil {
		return fmt.Errorf("screenshot sync: %w", err)
	}
	d = delta(before, stats(sb))
	bound := shotBound(plan, res)
	rows = append(rows, row{name: fmt.Sprintf("screenshot sync, %d locales x %d x %d KB, from empty", nLocales, nShots, size/1000),
		wall: time.Since(t0), api: d.api, tooMany: d.tooMany, parts: d.parts, bound: bound,
		ideal: rateWall(bound, latency), stop: rec.longestStop(), note: fmt.Sprintf("%d uploaded, %d sets", res.Uploaded, res.SetsCreated)})

	// 10% of the files change.
	changed := 0
	for li, l := range locales {
		for i := 1; i <= nShots; i++ {
			if (li*nShots+i)%10 == 5 {
				writeShot(filepath.Join(sdir, l, fmt.Sprintf("%02d_screen.png", i)), base, size, seed)
				seed++
				changed++
			}
		}
	}
	refill()
	rec.reset()
	t0 = time.Now()
	before = stats(sb)
	res, plan, err = syncShotsPlan(ctx, c, target, sdir, concurrency)
	if err != nil {
		return fmt.Errorf("screenshot sync (10%%): %w", err)
	}
	d = delta(before, stats(sb))
	bound = shotBound(plan, res)
	rows = append(rows, row{name: fmt.Sprintf("screenshot sync, %d of %d files changed", changed, nLocales*nShots),
		wall: time.Since(t0), api: d.api, tooMany: d.tooMany, parts: d.parts, bound: bound,
		ideal: rateWall(bound, latency), stop: rec.longestStop(), note: fmt.Sprintf("%d uploaded, %d deleted, %d reordered", res.Uploaded, res.Deleted, res.Reordered)})

	refill()
	t0 = time.Now()
	before = stats(sb)
	res, plan, err = syncShotsPlan(ctx, c, target, sdir, concurrency)
	if err != nil {
		return err
	}
	d = delta(before, stats(sb))
	rows = append(rows, row{name: "screenshot sync again (nothing changed)", wall: time.Since(t0), api: d.api, tooMany: d.tooMany, parts: d.parts,
		// Nothing to process: the app lookup, the version read, then the set lists at the
		// concurrency bound (hashing the folder comes on top).
		bound: plan.Requests, ideal: time.Duration(2+(nLocales+concurrency-1)/concurrency) * latency,
		note: fmt.Sprintf("%d writes (ideal wall excludes hashing %d MB)", d.writes, nLocales*nShots*size/1_000_000)})

	fmt.Printf("sandbox latency %v, default rate limits (burst 100, %.0f requests/s sustained, 3600/hour), API concurrency up to %d\n",
		latency, burstRate, concurrency)
	fmt.Printf("load average at the end: %s (%d CPUs; the machine is shared, so wall times vary)\n\n", loadAverage(), runtime.NumCPU())
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\twall\tAPI requests\t429s\tupload parts\tlower bound\tover bound\tideal wall\tover ideal\tlongest stop after 429\tAPI req/s\tnote")
	for _, r := range rows {
		over := float64(r.api-r.bound) / float64(r.bound) * 100
		stop := "-"
		if r.tooMany > 0 {
			stop = fmt.Sprintf("%.0fms", float64(r.stop)/float64(time.Millisecond))
		}
		fmt.Fprintf(tw, "%s\t%.2fs\t%d\t%d\t%d\t%d\t%+.1f%%\t%.2fs\t%+.1f%%\t%s\t%.1f\t%s\n", r.name, r.wall.Seconds(), r.api, r.tooMany, r.parts, r.bound, over,
			r.ideal.Seconds(), (r.wall.Seconds()/r.ideal.Seconds()-1)*100, stop, float64(r.api)/r.wall.Seconds(), r.note)
	}
	tw.Flush()
	fmt.Println(`
API requests count everything but the upload parts (presigned PUTs, no token), 429s included.
lower bound: reads needed (app, version + localizations, app info | one list of sets per locale)
  + one request per changed resource + reserve and commit per upload + one processing check per
  set that received uploads (parts are counted apart).
ideal wall: metadata: the two dependent reads, then the writes at the concurrency bound x latency;
  screenshots: lower-bound API requests at the sandbox's sustained rate, plus its 2s processing.
longest stop after 429: the longest time from a 429 coming back to the next API request sent
  (a stop of every caller shows as the length of the hold).`)
	return nil
}

func idealWall(requests int, latency time.Duration, concurrency, serialReads int) time.Duration {
	writes := requests - 3
	rounds := (writes + concurrency - 1) / concurrency
	return time.Duration(serialReads+rounds) * latency
}

func rateWall(requests int, latency time.Duration) time.Duration {
	// The first 100 requests ride the burst; the rest go at the sustained rate.
	extra := max(requests-100, 0)
	return time.Duration(float64(extra)/burstRate*float64(time.Second)) + 2*time.Second + 3*latency
}

func shotBound(p *screenshots.Plan, res screenshots.Result) int {
	setsWithUploads := 0
	for _, s := range p.Sets {
		if len(s.Uploads()) > 0 {
			setsWithUploads++
		}
	}
	deletes := res.Deleted
	for _, s := range p.Sets {
		if s.DeleteSet {
			deletes -= len(s.Delete) - 1 // one DELETE removes the set and its screenshots
		}
	}
	return p.Requests + res.SetsCreated + deletes + 2*res.Uploaded + res.Reordered + setsWithUploads
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func refill() {
	// Let the sandbox's burst allowance (100 requests at 25/s) fill up between scenarios.
	time.Sleep(4500 * time.Millisecond)
}

func syncShots(ctx context.Context, c *asc.Client, t metadata.Target, dir string, concurrency int) (screenshots.Result, error) {
	res, _, err := syncShotsPlan(ctx, c, t, dir, concurrency)
	return res, err
}

func syncShotsPlan(ctx context.Context, c *asc.Client, t metadata.Target, dir string, concurrency int) (screenshots.Result, *screenshots.Plan, error) {
	l, err := screenshots.Load(dir)
	if err != nil {
		return screenshots.Result{}, nil, err
	}
	t0 := time.Now()
	p, err := screenshots.Prepare(ctx, c, t, l, screenshots.Options{Concurrency: concurrency})
	if err != nil {
		return screenshots.Result{}, p, err
	}
	prepared := time.Since(t0)
	res, err := screenshots.Apply(ctx, c, p, screenshots.Options{Concurrency: concurrency})
	if os.Getenv("BENCH_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "prepare %v, apply %v, budget %+v\n", prepared, time.Since(t0)-prepared, c.RateBudget().Snapshot())
	}
	return res, p, err
}

type counts struct{ api, tooMany, parts, writes int }

type sbStats struct {
	ByMethod map[string]int `json:"by_method"`
	ByStatus map[string]int `json:"by_status"`
	ByRoute  map[string]int `json:"by_route"`
}

func stats(sb *sandbox.Server) sbStats {
	resp, err := http.Get(sb.URL() + "/sandbox/stats")
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var st sbStats
	json.NewDecoder(resp.Body).Decode(&st)
	return st
}

func delta(a, b sbStats) counts {
	var c counts
	for route, n := range b.ByRoute {
		n -= a.ByRoute[route]
		if strings.Contains(route, "/sandbox/upload/") {
			c.parts += n
			continue
		}
		if strings.Contains(route, "/sandbox/") {
			continue
		}
		c.api += n
		if !strings.HasPrefix(route, "GET ") {
			c.writes += n
		}
	}
	c.tooMany = b.ByStatus["429"] - a.ByStatus["429"]
	return c
}

func pickLocales(n int) []string {
	// en-US and the demo app's locales first, then the rest of Apple's list.
	order := []string{"en-US", "de-DE", "fr-FR", "es-ES", "it", "ja", "ko", "pt-BR", "zh-Hans", "nl-NL", "sv", "en-GB"}
	seen := map[string]bool{}
	for _, l := range order {
		seen[l] = true
	}
	for _, l := range apple.Locales() {
		if !seen[l] {
			order = append(order, l)
			seen[l] = true
		}
	}
	return order[:n]
}

// writeMetadata writes 9 fields per locale; with suffix, one field per locale changes (which
// one rotates over the fields, so both app info and version localizations are updated).
func writeMetadata(dir string, locales []string, suffix string) {
	fields := []string{"name", "subtitle", "privacy_url", "description", "keywords", "release_notes", "support_url", "marketing_url", "promotional_text"}
	for i, l := range locales {
		values := map[string]string{
			"name":             "Daybreak " + l,
			"subtitle":         "Plan your day " + l,
			"privacy_url":      "https://example.com/" + l + "/privacy",
			"description":      strings.Repeat("Daybreak helps you plan every day. ", 40) + l,
			"keywords":         "planner,calendar,focus," + l,
			"release_notes":    "Bug fixes for " + l,
			"support_url":      "https://example.com/" + l + "/support",
			"marketing_url":    "https://example.com/" + l,
			"promotional_text": "Focus timers everywhere " + l,
		}
		if suffix != "" {
			f := fields[i%len(fields)]
			if strings.HasSuffix(f, "_url") {
				values[f] += "/" + suffix
			} else if f == "name" || f == "subtitle" {
				values[f] = values[f][:min(len(values[f]), 22)] + " " + suffix[:3]
			} else {
				values[f] += " " + suffix
			}
		}
		os.MkdirAll(filepath.Join(dir, l), 0o755)
		for k, v := range values {
			os.WriteFile(filepath.Join(dir, l, k+".txt"), []byte(v), 0o644)
		}
	}
}

// basePNG encodes a plain image of the screenshot size once.
func basePNG(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h)))
	return b.Bytes()
}

// writeShot writes a valid PNG of the base image's pixel size, made about size bytes long
// (and unique) by a private ancillary chunk of random bytes before IEND, so hundreds of
// screenshot-sized files are made in a second instead of encoding noise.
func writeShot(path string, base []byte, size int, seed uint64) {
	iend := len(base) - 12
	n := max(size-len(base)-12, 16)
	data := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed*7919))
	for i := 0; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(data[i:], r.Uint64())
	}
	var chunk bytes.Buffer
	binary.Write(&chunk, binary.BigEndian, uint32(n))
	chunk.WriteString("azCp") // ancillary, private, safe to copy
	chunk.Write(data)
	crc := crc32.NewIEEE()
	crc.Write(chunk.Bytes()[4:])
	binary.Write(&chunk, binary.BigEndian, crc.Sum32())
	out := append(append(append([]byte{}, base[:iend]...), chunk.Bytes()...), base[iend:]...)
	os.WriteFile(path, out, 0o644)
}
