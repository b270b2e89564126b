// Command release measures a release against the sandbox and prints a table.
//
// Release: `deliver` of an app with 40 locales whose descriptions all changed, screenshots
// unchanged (one 6.9-inch iPhone screenshot a locale) and a build attached, with the sandbox
// adding -latency to every answer: the requests against the lower bound (what any client must
// send: the 40 writes and one read of each collection it compares, the screenshot sets of
// each locale included) and the wall time against requests x latency / concurrency.
//
// Review wait: a submission followed through a 24-hour review (12 h waiting, 12 h in review)
// on the sandbox clock: the polls made against a fixed-interval loop (-fixed-interval, the
// 30 s of fastlane's waits).
//
//	go run ./bench/release [-latency 100ms] [-runs 3] [-fixed-interval 30s]
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/review"
	"github.com/ascend-tools/ascend/workflow/screenshots"
	"github.com/ascend-tools/ascend/workflow/versions"
)

const (
	app         = "com.example.daybreak"
	nLocales    = 40
	concurrency = 8 // metadata.ApplyOptions' and screenshots.Options' default
)

func main() {
	latency := flag.Duration("latency", 100*time.Millisecond, "latency the sandbox adds to every API answer")
	runs := flag.Int("runs", 3, "runs of the release; the median is shown")
	fixed := flag.Duration("fixed-interval", 30*time.Second, "the fixed polling interval compared with")
	ipaSize := flag.Int64("ipa-size", 64<<20, "bytes of the ipa the binary scenario uploads (0: no binary scenario)")
	processing := flag.Duration("build-processing", 10*time.Second, "how long the sandbox processes the uploaded build")
	flag.Parse()
	binarySize, binaryProcessing = *ipaSize, *processing
	if err := run(*latency, *runs, *fixed); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// The binary scenario's flags.
var (
	binarySize       int64
	binaryProcessing time.Duration
)

func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

func total(s sandbox.Stats) int {
	n := 0
	for _, c := range s.ByMethod {
		n += c
	}
	return n
}

func client(s *sandbox.Server) (*asc.Client, error) {
	return asc.NewClient(asc.WithBaseURL(s.URL()), asc.WithKey(s.Key()), asc.WithRateBudget(asc.NewRateBudget()))
}

type result struct {
	wall     time.Duration
	requests int
	steps    string
}

// release prepares a sandbox (40 locales, screenshots in place, a build) and measures deliver.
func release(ctx context.Context, latency time.Duration) (*result, error) {
	s, err := sandbox.New(sandbox.Options{BurstLimit: -1, HourlyLimit: -1, ProcessingDelay: -1})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	c, err := client(s)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "bench-release")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	meta, shots := filepath.Join(dir, "metadata"), filepath.Join(dir, "screenshots")
	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 1290, 2796))); err != nil {
		return nil, err
	}
	locales := slices.Sorted(slices.Values(apple.Locales()))[:nLocales]
	write := func(desc string) error {
		for _, l := range locales {
			files := map[string]string{"description.txt": desc + " (" + l + ")", "keywords.txt": "planner,calendar", "support_url.txt": "https://example.com/support"}
			for name, v := range files {
				if err := os.MkdirAll(filepath.Join(meta, l), 0o755); err != nil {
					return err
				}
				if err := os.WriteFile(filepath.Join(meta, l, name), []byte(v), 0o644); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := write("Daybreak plans every day."); err != nil {
		return nil, err
	}
	for _, l := range locales {
		os.MkdirAll(filepath.Join(shots, l), 0o755)
		if err := os.WriteFile(filepath.Join(shots, l, "1_home.png"), img.Bytes(), 0o644); err != nil {
			return nil, err
		}
	}
	t := metadata.Target{App: app, Platform: "IOS"}
	if _, _, err := metadata.Push(ctx, c, t, meta, metadata.ApplyOptions{}); err != nil {
		return nil, fmt.Errorf("prepare metadata: %w", err)
	}
	l, err := screenshots.Load(shots)
	if err != nil {
		return nil, err
	}
	if _, _, err := screenshots.Sync(ctx, c, t, l, screenshots.Options{PollInitial: 10 * time.Millisecond, Replace: true}); err != nil {
		return nil, fmt.Errorf("prepare screenshots: %w", err)
	}
	if _, err := versions.Update(ctx, c, versions.Change{Query: versions.Query{App: app, Platform: asc.PlatformIOS}, AttachNewest: true}); err != nil {
		return nil, err
	}
	if err := write("Daybreak plans every day, now with focus blocks."); err != nil {
		return nil, err
	}
	s.SetFaults(sandbox.Faults{Latency: latency})
	before := total(s.Stats())
	start := time.Now()
	r, err := deliver.Run(ctx, c, deliver.Options{App: app, Platform: "IOS", MetadataPath: meta, ScreenshotsPath: shots})
	wall := time.Since(start)
	if err != nil {
		return nil, err
	}
	steps := ""
	for _, st := range r.Steps {
		steps += st.Name + " " + st.Status + "; "
	}
	return &result{wall: wall, requests: total(s.Stats()) - before, steps: steps}, nil
}

type sbClock struct {
	s   *sandbox.Server
	now time.Time
}

func (c *sbClock) Now() time.Time { return c.now }
func (c *sbClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	c.s.Advance(d)
	return nil
}

// reviewWait submits the demo version and follows a 24-hour review on the sandbox clock.
func reviewWait(ctx context.Context) (*review.Outcome, error) {
	s, err := sandbox.New(sandbox.Options{BurstLimit: -1, ReviewDelay: 12 * time.Hour})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	c, err := client(s)
	if err != nil {
		return nil, err
	}
	res, err := review.Send(ctx, c, review.SendRequest{App: app, Platform: asc.PlatformIOS})
	if err != nil {
		return nil, err
	}
	return review.Wait(ctx, c, res.Result.Submission.ID, review.WaitOptions{Clock: &sbClock{s: s, now: time.Now()}, Timeout: 72 * time.Hour})
}

func run(latency time.Duration, runs int, fixed time.Duration) error {
	ctx := context.Background()
	var rs []*result
	for range max(runs, 1) {
		r, err := release(ctx, latency)
		if err != nil {
			return err
		}
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b *result) int { return int(a.wall - b.wall) })
	med := rs[len(rs)/2]
	// The lower bound: the 40 description writes; reads of the app, its versions, the
	// version's localizations, the app infos and their localizations; the screenshot sets
	// (with their screenshots) of each of the 40 localizations.
	lower := nLocales + 5 + nLocales
	ideal := time.Duration(med.requests) * latency / concurrency
	o, err := reviewWait(ctx)
	if err != nil {
		return err
	}
	loop := int((24 * time.Hour) / fixed)
	w := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(w, "scenario\trequests\tlower bound\tratio\twall (median of %d)\tideal wall\tratio\n", len(rs))
	fmt.Fprintf(w, "deliver, %d locales, descriptions changed, screenshots unchanged, latency %s\t%d\t%d\t%.2f\t%s\t%s\t%.2f\n",
		nLocales, latency, med.requests, lower, float64(med.requests)/float64(lower), med.wall.Round(time.Millisecond), ideal.Round(time.Millisecond), float64(med.wall)/float64(ideal))
	if binarySize > 0 {
		var walls [2][]time.Duration // sequential, overlapped
		for range max(runs, 1) {
			for i, overlap := range []bool{false, true} {
				b, err := binaryRelease(ctx, latency, binaryProcessing, binarySize, overlap)
				if err != nil {
					return err
				}
				walls[i] = append(walls[i], b.wall)
			}
		}
		seq, ovl := median(walls[0]), median(walls[1])
		fmt.Fprintf(w, "deliver with a %d MiB ipa (build processed in %s), 1 description, 3 screenshots, latency %s: upload first, then deliver\t\t\t\t%s\t\t\n",
			binarySize>>20, binaryProcessing, latency, seq.Round(time.Millisecond))
		fmt.Fprintf(w, "the same, the upload beside deliver's other steps\t\t\t\t%s\t\t%.2f\n", ovl.Round(time.Millisecond), float64(ovl)/float64(seq))
	}
	fmt.Fprintf(w, "review wait, 24 h on the sandbox clock (%s)\t%d polls\t%d (every %s)\t%.0fx fewer\t\t\t\n", o.State, o.Polls, loop, fixed, float64(loop)/float64(max(o.Polls, 1)))
	w.Flush()
	fmt.Println("steps:", med.steps)
	return nil
}
