// Command builds measures `ascend builds upload` against the sandbox and prints a table:
//
//   - uploads of generated .ipa files (1 GiB and 4 GiB by default) by the ascend binary in a
//     child process: throughput against a plain loopback copy of the same file in the same
//     run, the child's peak memory (max RSS), and requests made against the lower bound;
//   - the wait for a build that processes for 10 minutes on the sandbox clock: polls made,
//     against fastlane's BuildWatcher (one poll every 10 s: 60);
//   - kill -9 of the child during the parts, then the same command again: build uploads in
//     the end, and parts sent in all against the parts of the file.
//
// The archives are generated streaming into a temporary folder and deleted after each run.
//
//	go run ./bench/builds -ascend /path/to/ascend [-sizes 1,4] [-kill-size 1]
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

const app = "com.example.daybreak" // its builds 401-500 are on train 2.4.0

// cpuProfile is where -cpuprofile writes the profile of the throughput runs ("" none).
var cpuProfile string

type row struct {
	scenario, size, wall, rate, base, ratio, rss, requests, bound, note string
}

func main() {
	bin := flag.String("ascend", "", "the ascend binary to run (build it with go build ./cmd/ascend)")
	sizes := flag.String("sizes", "1,4", "upload sizes in GiB, comma-separated")
	killSize := flag.Float64("kill-size", 1, "size in GiB of the upload killed part way")
	runs := flag.Int("runs", 3, "runs of each upload and of the loopback copy (the median is shown)")
	spool := flag.String("spool", "", "the folder the sandbox holds uploads in until committed (default /dev/shm where it and the memory have room for the largest size twice over, else the system's temporary folder)")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the sandbox and the loopback copy) during the uploads to this file")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "bench: pass -ascend with the path of an ascend binary")
		os.Exit(2)
	}
	if err := run(*bin, *sizes, *killSize, *runs, *spool); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type env struct {
	sb    *sandbox.Server
	bin   string
	work  string
	creds string
	build int
	// lastCPU is the CPU time (user and system) of the last upload's child process.
	lastCPU time.Duration
}

func run(bin, sizes string, killSize float64, runs int, spool string) error {
	work, err := os.MkdirTemp("", "ascend-bench-builds-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	var gibs []float64
	for _, s := range strings.Split(sizes, ",") {
		gib, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return fmt.Errorf("-sizes: %v", err)
		}
		gibs = append(gibs, gib)
	}
	largest := int64(slices.Max(gibs) * (1 << 30))
	// The archive is read from the page cache by the copy and the upload alike when it fits
	// there; the copy writes nothing, while the sandbox keeps the upload until its check. On
	// disk, a 4 GiB spool is past the kernel's dirty-page thresholds (10 and 20% of the memory
	// by default), so the sandbox's writes wait for the disk: that measures the disk, not the
	// client. The spool goes to memory (/dev/shm) where there is room for it.
	avail := memAvailable()
	fits := avail > 0 && avail > 3*largest
	if spool == "" && fits && freeSpace("/dev/shm") > 2*largest {
		spool = "/dev/shm"
	}
	cacheNote := fmt.Sprintf("archive fits in the page cache (%.0f GiB available)", float64(avail)/(1<<30))
	if !fits {
		cacheNote = fmt.Sprintf("archive may not stay in the page cache (%.1f GiB available): copy and upload may read the disk", float64(avail)/(1<<30))
	}
	sb, err := sandbox.New(sandbox.Options{HourlyLimit: -1, BurstLimit: -1, ProcessingDelay: time.Second, BuildProcessingDelay: 10 * time.Minute, SpoolDir: spool})
	if err != nil {
		return err
	}
	defer sb.Close()
	credDir := filepath.Join(work, "creds")
	if err := sb.WriteCredentials(credDir); err != nil {
		return err
	}
	e := &env{sb: sb, bin: bin, work: work, creds: filepath.Join(credDir, "credentials.json"), build: 700}
	var rows []row
	for _, gib := range gibs {
		r, err := e.throughput(gib, runs)
		if err != nil {
			return err
		}
		r.note = "sandbox spool in " + cmp.Or(spool, os.TempDir()) + "; " + cacheNote + "; load " + r.note
		rows = append(rows, r)
	}
	r, err := e.wait()
	if err != nil {
		return err
	}
	rows = append(rows, r)
	r, err = e.kill(killSize)
	if err != nil {
		return err
	}
	rows = append(rows, r)

	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "scenario\tsize\twall (median)\tthroughput\tloopback copy\tratio\tclient peak RSS; CPU (median)\trequests\tlower bound\tnote")
	for _, r := range rows {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.scenario, r.size, r.wall, r.rate, r.base, r.ratio, r.rss, r.requests, r.bound, r.note)
	}
	return w.Flush()
}

// archive writes an .ipa of about gib GiB for the next build number.
func (e *env) archive(gib float64) (string, string, int64, error) {
	e.build++
	number := strconv.Itoa(e.build)
	path := filepath.Join(e.work, "Daybreak-"+number+".ipa")
	// A little under the size, so the archive with its zip headers stays within the 4 GiB an
	// upload may reserve.
	payload := int64(gib*(1<<30)) - 64<<10
	fmt.Fprintf(os.Stderr, "generating %s (%.2f GiB)\n", filepath.Base(path), gib)
	if err := archivetest.WriteIPA(path, archivetest.App{BundleID: app, Version: "2.4.0", Build: number, Size: payload, Seed: uint64(e.build)}); err != nil {
		return "", "", 0, err
	}
	// Written back to disk before anything is timed: its dirty pages would otherwise slow
	// whatever writes next (the sandbox's spool) while the kernel flushes them.
	f, err := os.Open(path)
	if err != nil {
		return "", "", 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return "", "", 0, err
	}
	st, err := f.Stat()
	if err != nil {
		return "", "", 0, err
	}
	return path, number, st.Size(), nil
}

// stats reads the sandbox's request counts per route.
func (e *env) stats() map[string]int {
	resp, err := http.Get(e.sb.URL() + "/sandbox/stats")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st struct {
		ByRoute map[string]int `json:"by_route"`
	}
	json.NewDecoder(resp.Body).Decode(&st)
	return st.ByRoute
}

const partRoute = "PUT /sandbox/upload/{token}/{part}"

// counts splits the requests made between two stats into API requests and parts.
func counts(before, after map[string]int) (api, parts int) {
	for route, n := range after {
		d := n - before[route]
		switch {
		case route == partRoute:
			parts += d
		case strings.HasPrefix(route, "GET /sandbox/"):
		default:
			api += d
		}
	}
	return api, parts
}

// upload runs `ascend builds upload` in a child process and returns its wall time and max RSS.
func (e *env) upload(ctx context.Context, path, cache string, start func(*exec.Cmd)) (time.Duration, int64, error) {
	cmd := exec.CommandContext(ctx, e.bin, "--api-key-json", e.creds, "builds", "upload", path, "--app", app, "--json")
	cmd.Env = append(os.Environ(), "ASCEND_CACHE_DIR="+cache, "ASCEND_CONFIG_DIR="+filepath.Join(e.work, "config"))
	var stderr strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, 0, err
	}
	if start != nil {
		start(cmd)
	}
	peak := watchPeakRSS(cmd.Process.Pid)
	err := cmd.Wait()
	wall := time.Since(t0)
	rss := peak()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		if rss == 0 {
			rss = ru.Maxrss // KiB on Linux
		}
		e.lastCPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if err != nil {
		return wall, rss, fmt.Errorf("%v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return wall, rss, nil
}

// watchPeakRSS follows a child's peak resident memory (VmHWM in /proc, KiB) until the
// returned function is called, after the child has exited; 0 where /proc has none. The
// child's own rusage is no measure here: Go starts a child sharing its memory map (vfork),
// and Linux counts the parent's peak at the exec in the child's, so the peak memory of this
// process (the sandbox in it) would be counted as the client's.
func watchPeakRSS(pid int) func() int64 {
	var peak atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	status := fmt.Sprintf("/proc/%d/status", pid)
	go func() {
		defer close(done)
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			if b, err := os.ReadFile(status); err == nil {
				for line := range strings.Lines(string(b)) {
					if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
						if kib, _ := strconv.ParseInt(f[1], 10, 64); kib > peak.Load() {
							peak.Store(kib)
						}
					}
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(stop)
		<-done
		return peak.Load()
	}
}

// loopbackCopy sends the file once over a loopback TCP connection (sendfile, as io.Copy
// from a file to a TCP connection does on Linux) to a reader that discards it: the plain
// copy an upload is measured against.
func loopbackCopy(path string) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		// Read as the sandbox reads a part, 256 KiB at a time: io.Copy to io.Discard reads
		// 8 KiB at a time, which made the copy's receiver slower per byte than the sandbox's
		// and the copy a lower mark than it claimed to be.
		buf := make([]byte, 256<<10)
		for {
			if _, err := c.Read(buf); err != nil {
				break
			}
		}
		c.Close()
	})
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	t0 := time.Now()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(c, f); err != nil {
		return 0, err
	}
	c.Close()
	wg.Wait()
	return time.Since(t0), nil
}

func joinRatios(rs []float64) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%.2f", r)
	}
	return strings.Join(parts, " ")
}

func median(ds []time.Duration) time.Duration {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2]
}

func rate(size int64, d time.Duration) string {
	return fmt.Sprintf("%.0f MiB/s", float64(size)/(1<<20)/d.Seconds())
}

// memAvailable is the memory Linux can give without swapping (MemAvailable), 0 where unknown.
func memAvailable() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemAvailable:" {
			kib, _ := strconv.ParseInt(f[1], 10, 64)
			return kib << 10
		}
	}
	return 0
}

// freeSpace is what a folder's file system has free for this user, 0 where unknown.
func freeSpace(dir string) int64 {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return 0
	}
	return int64(st.Bavail) * int64(st.Bsize)
}

// loadAverage is the machine's 1-minute load average ("?" where /proc has none).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func (e *env) throughput(gib float64, runs int) (row, error) {
	path, _, size, err := e.archive(gib)
	if err != nil {
		return row{}, err
	}
	loadBefore := loadAverage()
	defer os.Remove(path)
	if _, err := loopbackCopy(path); err != nil { // warm the page cache for both
		return row{}, err
	}
	if cpuProfile != "" {
		f, err := os.Create(fmt.Sprintf("%s.%gGiB", cpuProfile, gib))
		if err != nil {
			return row{}, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return row{}, err
		}
		defer pprof.StopCPUProfile()
	}
	var copies, walls []time.Duration
	var rss []int64
	var ratios []float64
	var cpus []time.Duration // the client's CPU time: what the load on the machine moves least
	api, parts := 0, 0
	for i := 0; i < runs; i++ {
		// Each run uploads the same build to a sandbox reset to its demo data. The reset comes
		// first: it also ends the sandbox's check of the previous run's upload (a SHA-256 of
		// the whole file), which would otherwise slow the copy.
		if err := e.sb.Reset(); err != nil {
			return row{}, err
		}
		d, err := loopbackCopy(path)
		if err != nil {
			return row{}, err
		}
		copies = append(copies, d)
		before := e.stats()
		fmt.Fprintf(os.Stderr, "upload %d of %d (%.2f GiB)\n", i+1, runs, gib)
		wall, maxRSS, err := e.upload(context.Background(), path, filepath.Join(e.work, "cache"), nil)
		if err != nil {
			return row{}, err
		}
		walls, rss = append(walls, wall), append(rss, maxRSS)
		api, parts = counts(before, e.stats())
		// The ratio of each run is against the copy made just before it: on a shared machine
		// the load moves between runs more than within one.
		ratios = append(ratios, d.Seconds()/wall.Seconds())
		cpus = append(cpus, e.lastCPU)
		fmt.Fprintf(os.Stderr, "  copy %v, upload %v: %.2f; client CPU %v\n", d.Round(10*time.Millisecond), wall.Round(10*time.Millisecond), ratios[len(ratios)-1], e.lastCPU.Round(10*time.Millisecond))
	}
	up, base := median(walls), median(copies)
	sort.Float64s(ratios)
	sort.Slice(rss, func(i, j int) bool { return rss[i] < rss[j] })
	// Lower bound: the app, its builds and its uploads read once each; the upload and its file
	// created; every part; one commit.
	nparts := int((size + 5<<20 - 1) / (5 << 20))
	bound := 3 + 2 + 1
	return row{scenario: "upload (no wait), 8 parts in flight", size: fmt.Sprintf("%.2f GiB", float64(size)/(1<<30)), wall: up.Round(10 * time.Millisecond).String(),
		rate: rate(size, up), base: rate(size, base), ratio: fmt.Sprintf("%.2f (runs %s)", ratios[len(ratios)/2], joinRatios(ratios)),
		rss:      fmt.Sprintf("%.0f MiB (max of runs %.0f); CPU %.2f s/GiB", float64(rss[len(rss)/2])/1024, float64(rss[len(rss)-1])/1024, median(cpus).Seconds()/(float64(size)/(1<<30))),
		requests: fmt.Sprintf("%d API + %d parts", api, parts), bound: fmt.Sprintf("%d API + %d parts", bound, nparts),
		note: loadBefore + " -> " + loadAverage()}, nil
}

// clock runs a wait on the sandbox's clock: sleeping advances it.
type clock struct {
	sb  *sandbox.Server
	mu  sync.Mutex
	now time.Time
}

func (k *clock) Now() time.Time { k.mu.Lock(); defer k.mu.Unlock(); return k.now }

func (k *clock) Sleep(ctx context.Context, d time.Duration) error {
	k.mu.Lock()
	k.now = k.now.Add(d)
	k.mu.Unlock()
	k.sb.Advance(d)
	return ctx.Err()
}

func (e *env) wait() (row, error) {
	ctx := context.Background()
	c, err := asc.NewClient(asc.WithBaseURL(e.sb.URL()), asc.WithKey(e.sb.Key()))
	if err != nil {
		return row{}, err
	}
	path, _, _, err := e.archive(1.0 / 1024)
	if err != nil {
		return row{}, err
	}
	defer os.Remove(path)
	res, err := builds.Upload(ctx, c, path, builds.UploadOptions{App: app})
	if err != nil {
		return row{}, err
	}
	before := e.stats()
	k := &clock{sb: e.sb, now: time.Now()}
	start := k.Now()
	w, err := builds.Wait(ctx, c, res.UploadID, builds.WaitOptions{Clock: k, Timeout: time.Hour}, nil)
	if err != nil {
		return row{}, err
	}
	api, _ := counts(before, e.stats())
	return row{scenario: "wait for a build processing 10 min (sandbox clock)", size: "1 MiB",
		wall:     k.Now().Sub(start).Round(time.Second).String() + " (sandbox)",
		requests: fmt.Sprintf("%d polls", api), bound: "fastlane: 60 polls",
		note: fmt.Sprintf("ended %s, build %s; first poll at once, then 5 s growing x1.5 to 60 s", w.State, w.BuildState)}, nil
}

func (e *env) kill(gib float64) (row, error) {
	path, number, size, err := e.archive(gib)
	if err != nil {
		return row{}, err
	}
	defer os.Remove(path)
	nparts := int((size + 5<<20 - 1) / (5 << 20))
	// Slow the parts down so the kill lands in the middle of them.
	e.sb.SetFaults(sandbox.Faults{UploadPartDelay: 20 * time.Millisecond})
	defer e.sb.SetFaults(sandbox.Faults{})
	cache := filepath.Join(e.work, "kill-cache")
	before := e.stats()
	fmt.Fprintf(os.Stderr, "upload of %.2f GiB killed with SIGKILL after a third of its parts\n", gib)
	_, _, err = e.upload(context.Background(), path, cache, func(cmd *exec.Cmd) {
		for {
			_, parts := counts(before, e.stats())
			if parts >= nparts/3 {
				cmd.Process.Signal(syscall.SIGKILL)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
	if err == nil {
		return row{}, fmt.Errorf("the upload finished before it could be killed")
	}
	_, sentBefore := counts(before, e.stats())
	e.sb.SetFaults(sandbox.Faults{})
	if _, _, err := e.upload(context.Background(), path, cache, nil); err != nil {
		return row{}, fmt.Errorf("the run after the kill: %w", err)
	}
	api, parts := counts(before, e.stats())
	c, err := asc.NewClient(asc.WithBaseURL(e.sb.URL()), asc.WithKey(e.sb.Key()))
	if err != nil {
		return row{}, err
	}
	apps, _, err := c.Apps.List(context.Background(), &asc.AppsListOptions{FilterBundleID: []string{app}})
	if err != nil || len(apps.Data) == 0 {
		return row{}, fmt.Errorf("find the app: %v", err)
	}
	ups, _, err := c.Apps.ListBuildUploads(context.Background(), apps.Data[0].ID, &asc.AppsListBuildUploadsOptions{FilterCfBundleVersion: []string{number}})
	if err != nil {
		return row{}, err
	}
	return row{scenario: "kill -9 during the parts, then run again", size: fmt.Sprintf("%.2f GiB", float64(size)/(1<<30)),
		requests: fmt.Sprintf("%d API + %d parts in all", api, parts), bound: fmt.Sprintf("%d parts", nparts),
		note: fmt.Sprintf("%d build upload(s) in the end; %d parts reached the sandbox before the kill; %d resent", len(ups.Data), sentBefore, parts-nparts)}, nil
}
