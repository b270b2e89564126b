package screenshots_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

const demoApp = "com.example.daybreak"

func newSandbox(t *testing.T) (*sandboxtest.Sandbox, *asc.Client) {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{ProcessingDelay: 30 * time.Millisecond, PartSize: 64 << 10})
	return sb, sb.Client()
}

func sandboxStats(t *testing.T, sb *sandboxtest.Sandbox) map[string]int { return sb.Stats().ByMethod }

func writes(m map[string]int) int { return m["POST"] + m["PATCH"] + m["DELETE"] + m["PUT"] }

// remoteSets reads what the sandbox has: per "locale TYPE", the file names in order, with the
// state appended when not COMPLETE.
func remoteSets(t *testing.T, c *asc.Client, target metadata.Target, locales []string) map[string][]string {
	t.Helper()
	loc, err := metadata.Locate(t.Context(), c, target)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, l := range locales {
		var doc asc.ListDocument[asc.Resource]
		q := url.Values{"include": {"appScreenshots"}, "limit[appScreenshots]": {"50"}}
		if _, err := c.Do(t.Context(), "GET", "/v1/appStoreVersionLocalizations/"+loc.Localizations[l]+"/appScreenshotSets", q, nil, &doc); err != nil {
			t.Fatal(err)
		}
		shots := map[string]*upload.Asset{}
		for _, r := range doc.Included {
			a, _ := upload.FromResource(r)
			shots[a.ID] = a
		}
		for _, set := range doc.Data {
			var attrs struct{ ScreenshotDisplayType string }
			set.DecodeAttributes(&attrs)
			key := l + " " + attrs.ScreenshotDisplayType
			for _, id := range set.Relationships["appScreenshots"].Data.IDs() {
				a := shots[id.ID]
				name := a.Attributes.FileName
				if a.State() != upload.Complete {
					name += " " + a.State()
				}
				out[key] = append(out[key], name)
			}
			if _, ok := out[key]; !ok {
				out[key] = nil
			}
		}
	}
	return out
}

func localSets(t *testing.T, dir string) map[string][]string {
	t.Helper()
	l, err := screenshots.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, locale := range l.LocaleNames() {
		for typ, shots := range l.Locales[locale] {
			for _, s := range shots {
				out[locale+" "+typ] = append(out[locale+" "+typ], s.Name)
			}
		}
	}
	return out
}

func syncDir(t *testing.T, c *asc.Client, dir string) (screenshots.Result, error) {
	t.Helper()
	l, err := screenshots.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := screenshots.Options{PollInitial: 20 * time.Millisecond, PollMax: 100 * time.Millisecond, PollTimeout: 20 * time.Second}
	_, res, err := screenshots.Sync(t.Context(), c, metadata.Target{App: demoApp}, l, opts)
	return res, err
}

// TestSandboxSyncConverges runs against the sandbox: from the demo state to the folder, a
// re-run that writes nothing, a change of one file, and then the same with 500s, 503s,
// dropped connections and latency injected.
func TestSandboxSyncConverges(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	dir := t.TempDir()
	locales := []string{"en-US", "de-DE", "ja"}
	seed := 1
	for _, l := range locales {
		for i := 1; i <= 4; i++ {
			writePNG(t, filepath.Join(dir, l, fmt.Sprintf("shot_%d.png", i)), 368, 448, seed)
			seed++
		}
		writePNG(t, filepath.Join(dir, l, "shot_10.png"), 1242, 2208, seed)
		seed++
	}
	if _, err := syncDir(t, c, dir); err != nil {
		t.Fatal(err)
	}
	got, want := remoteSets(t, c, metadata.Target{App: demoApp}, locales), localSets(t, dir)
	if !equalMaps(got, want) {
		t.Fatalf("after the first sync remote = %v\nwant %v", got, want)
	}

	before := sandboxStats(t, sb)
	res, err := syncDir(t, c, dir)
	if err != nil {
		t.Fatal(err)
	}
	after := sandboxStats(t, sb)
	if w := writes(after) - writes(before); w != 0 || res.Uploaded != 0 {
		t.Errorf("re-run: %d writes (%v -> %v)", w, before, after)
	}
	if gets := after["GET"] - before["GET"]; gets != 1+1+len(locales) {
		t.Errorf("re-run: %d reads, want %d (app, version, one per locale)", gets, 2+len(locales))
	}

	// Change two files and remove one, with faults on.
	writePNG(t, filepath.Join(dir, "ja", "shot_2.png"), 368, 448, 500)
	writePNG(t, filepath.Join(dir, "de-DE", "shot_3.png"), 368, 448, 501)
	writePNG(t, filepath.Join(dir, "en-US", "shot_5.png"), 368, 448, 502)
	sb.SetFaults(sandbox.Faults{Rate500: 0.08, Rate503: 0.05, DropRate: 0.05, Latency: 2 * time.Millisecond, Jitter: 5 * time.Millisecond})
	var lastErr error
	for range 4 {
		if _, lastErr = syncDir(t, c, dir); lastErr == nil {
			break
		}
	}
	t.Logf("last run with faults: %v", lastErr)
	sb.SetFaults(sandbox.Faults{})
	if _, err := syncDir(t, c, dir); err != nil {
		t.Fatal(err)
	}
	before = sandboxStats(t, sb)
	if _, err := syncDir(t, c, dir); err != nil {
		t.Fatal(err)
	}
	if w := writes(sandboxStats(t, sb)) - writes(before); w != 0 {
		t.Errorf("run after convergence wrote %d requests", w)
	}
	got, want = remoteSets(t, c, metadata.Target{App: demoApp}, locales), localSets(t, dir)
	if !equalMaps(got, want) {
		t.Errorf("after faults remote = %v\nwant %v", got, want)
	}
	for k, names := range got {
		if len(slices.Compact(slices.Sorted(slices.Values(names)))) != len(names) {
			t.Errorf("%s has duplicates: %v", k, names)
		}
	}
}

// TestSandboxProblemsWriteNothing: a folder for a locale the version lacks fails after the
// reads, before any write.
func TestSandboxProblemsWriteNothing(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "en-US", "1.png"), 368, 448, 1)
	writePNG(t, filepath.Join(dir, "ar-SA", "1.png"), 368, 448, 2)
	_, err := syncDir(t, c, dir)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error for ar-SA", err)
	}
	if st := sandboxStats(t, sb); writes(st) != 0 || st["GET"] == 0 {
		t.Errorf("stats = %v, want reads only", st)
	}
}

func TestSandboxPreviewsSync(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	dir := t.TempDir()
	for i, l := range []string{"en-US", "de-DE"} {
		for n := 1; n <= 2; n++ {
			p := filepath.Join(dir, l, "IPHONE_67", fmt.Sprintf("%d_preview.mp4", n))
			sandboxtest.WriteMP4(t, p, sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second, Variant: 10*i + n, MediaBytes: 80 << 10})
		}
	}
	sync := func() (screenshots.Result, error) {
		l, err := screenshots.LoadPreviews(dir)
		if err != nil {
			t.Fatal(err)
		}
		_, res, err := screenshots.Sync(t.Context(), c, metadata.Target{App: demoApp}, l,
			screenshots.Options{PollInitial: 20 * time.Millisecond, PollMax: 100 * time.Millisecond, PollTimeout: 20 * time.Second})
		return res, err
	}
	res, err := sync()
	if err != nil {
		t.Fatal(err)
	}
	if res.Uploaded != 4 {
		t.Errorf("uploaded %d previews, want 4", res.Uploaded)
	}
	before := sandboxStats(t, sb)
	if res, err = sync(); err != nil || res.Uploaded != 0 || writes(sandboxStats(t, sb)) != writes(before) {
		t.Errorf("re-run: %+v, %v, %d writes", res, err, writes(sandboxStats(t, sb))-writes(before))
	}
	// Four previews in one type is one too many.
	sandboxtest.WriteMP4(t, filepath.Join(dir, "en-US", "IPHONE_67", "3.mp4"), sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second, Variant: 3})
	sandboxtest.WriteMP4(t, filepath.Join(dir, "en-US", "IPHONE_67", "4.mp4"), sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second, Variant: 4})
	os.MkdirAll(filepath.Join(dir, "en-US", "IPHONE_99"), 0o755)
	_, err = screenshots.LoadPreviews(dir)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Errorf("LoadPreviews = %v, want 2 problems", err)
	}
}

// TestSandboxKilledRunConverges cancels a sync in the middle of its uploads, like a killed
// process, then runs it again: the second run finishes the job, reusing reservations the first
// left AWAITING_UPLOAD, with no duplicate or orphan screenshots.
func TestSandboxKilledRunConverges(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		killAfter int // uploaded events before the kill
	}{
		{"killed after the first upload", 1},
		{"killed half way", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, c := newSandbox(t)
			sb.SetFaults(sandbox.Faults{Latency: 3 * time.Millisecond, UploadPartDelay: 5 * time.Millisecond})
			dir := t.TempDir()
			locales := []string{"en-US", "fr-FR"}
			for li, l := range locales {
				for i := 1; i <= 6; i++ {
					writePNG(t, filepath.Join(dir, l, fmt.Sprintf("%d.png", i)), 368, 448, li*10+i)
				}
			}
			l, err := screenshots.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var uploaded atomic.Int64
			opts := screenshots.Options{PollInitial: 20 * time.Millisecond, PollMax: 100 * time.Millisecond, PollTimeout: 20 * time.Second,
				Progress: func(e screenshots.Event) {
					if e.Kind == screenshots.EventUploaded && uploaded.Add(1) == int64(tt.killAfter) {
						cancel()
					}
				}}
			_, _, err = screenshots.Sync(ctx, c, metadata.Target{App: demoApp}, l, opts)
			if err == nil {
				t.Fatal("the killed run reported success")
			}
			opts.Progress = nil
			if _, _, err := screenshots.Sync(t.Context(), c, metadata.Target{App: demoApp}, l, opts); err != nil {
				t.Fatal(err)
			}
			before := sandboxStats(t, sb)
			if _, _, err := screenshots.Sync(t.Context(), c, metadata.Target{App: demoApp}, l, opts); err != nil {
				t.Fatal(err)
			}
			if w := writes(sandboxStats(t, sb)) - writes(before); w != 0 {
				t.Errorf("run after convergence wrote %d requests", w)
			}
			if got, want := remoteSets(t, c, metadata.Target{App: demoApp}, locales), localSets(t, dir); !equalMaps(got, want) {
				t.Errorf("remote = %v\nwant %v", got, want)
			}
			// Every file was reserved exactly once over both runs: the second run sent the
			// parts of the first run's reservations instead of reserving again.
			if n := sb.Count("POST /v1/appScreenshots"); n != 12 {
				t.Errorf("%d reservations for 12 files", n)
			}
		})
	}
}

// TestSandboxDeliverScreenshots syncs a screenshots folder laid out as fastlane deliver and
// snapshot leave it: device names in file names, frameit's Framefile.json and title.strings,
// framed variants next to the raw ones, an iMessage folder. The images are generated here at
// the exact pixel sizes.
func TestSandboxDeliverScreenshots(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t)
	dir := filepath.Join(t.TempDir(), "screenshots")
	if err := os.CopyFS(dir, os.DirFS("../metadata/testdata/deliver/screenshots")); err != nil {
		t.Fatal(err)
	}
	seed := 1
	shot := func(rel string, w, h int) {
		writePNG(t, filepath.Join(dir, rel), w, h, seed)
		seed++
	}
	for _, l := range []string{"en-US", "de-DE", "ja"} {
		shot(l+"/iPhone 15 Pro Max-01_home.png", 1290, 2796)
		shot(l+"/iPhone 15 Pro Max-02_sync.png", 1290, 2796)
		shot(l+"/iPhone 15 Pro Max-10_settings.png", 1290, 2796)
		shot(l+"/iPhone 8 Plus-01_home.png", 1242, 2208)
		shot(l+"/iPad Pro (12.9-inch) (3rd generation)-01_home.png", 2048, 2732)
	}
	// frameit's output: the framed file is uploaded instead of the raw one.
	shot("en-US/iPhone 8 Plus-01_home_framed.png", 1242, 2208)
	shot("en-US/iMessage/iPhone 15 Pro Max-01_sticker.png", 1290, 2796)

	l, err := screenshots.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	en := l.Locales["en-US"]
	var names []string
	for _, s := range en["APP_IPHONE_67"] {
		names = append(names, s.Name)
	}
	if want := []string{"iPhone 15 Pro Max-01_home.png", "iPhone 15 Pro Max-02_sync.png", "iPhone 15 Pro Max-10_settings.png"}; !slices.Equal(names, want) {
		t.Errorf("APP_IPHONE_67 order = %q, want %q", names, want)
	}
	if got := en["APP_IPHONE_55"]; len(got) != 1 || got[0].Name != "iPhone 8 Plus-01_home_framed.png" {
		t.Errorf("APP_IPHONE_55 = %v, want the framed file only", got)
	}
	if len(en["APP_IPAD_PRO_3GEN_129"]) != 1 || len(en["IMESSAGE_APP_IPHONE_67"]) != 1 {
		t.Errorf("en-US sets = %v", en)
	}
	if _, err := syncDir(t, c, dir); err != nil {
		t.Fatal(err)
	}
	locales := []string{"en-US", "de-DE", "ja"}
	if got, want := remoteSets(t, c, metadata.Target{App: demoApp}, locales), localSets(t, dir); !equalMaps(got, want) {
		t.Errorf("remote = %v\nwant %v", got, want)
	}
}

// TestSandboxRemappedSetNeedsReplace: when the folder files images under another display type
// than the set App Store Connect keeps them in (a 2048x2732 image fits both 12.9-inch iPad
// Pro types; the file name decides), the sync must not delete that set on its own: it stops
// before any write unless Replace (the command's --yes) is given.
func TestSandboxRemappedSetNeedsReplace(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	ctx := t.Context()
	target := metadata.Target{App: demoApp}
	opts := screenshots.Options{PollInitial: 10 * time.Millisecond, Replace: true}
	second := t.TempDir()
	sandboxtest.WritePNG(t, filepath.Join(second, "en-US", "iPad Pro (12.9-inch) (2nd generation)-1.png"), 2048, 2732, 1)
	l, err := screenshots.Load(second)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := screenshots.Sync(ctx, c, target, l, opts); err != nil {
		t.Fatal(err)
	}
	if got := remoteSets(t, c, target, []string{"en-US"})["en-US APP_IPAD_PRO_129"]; len(got) != 1 {
		t.Fatalf("APP_IPAD_PRO_129 set = %v after the first sync", got)
	}

	// The same image named without the generation is the 13-inch iPad's (3rd generation on).
	third := t.TempDir()
	sandboxtest.WritePNG(t, filepath.Join(third, "en-US", "1.png"), 2048, 2732, 1)
	if l, err = screenshots.Load(third); err != nil {
		t.Fatal(err)
	}
	before := writes(sandboxStats(t, sb))
	opts.Replace = false
	_, _, err = screenshots.Sync(ctx, c, target, l, opts)
	var re *screenshots.ReplaceError
	if !errors.As(err, &re) || len(re.Sets) != 1 || re.Sets[0].DisplayType != "APP_IPAD_PRO_129" || re.Sets[0].ReplacedBy != "APP_IPAD_PRO_3GEN_129" ||
		!strings.Contains(err.Error(), "en-US: the folder files the screenshots as APP_IPAD_PRO_3GEN_129, so the APP_IPAD_PRO_129 set would be deleted") {
		t.Fatalf("sync without Replace = %v, want a *ReplaceError for en-US APP_IPAD_PRO_129", err)
	}
	if w := writes(sandboxStats(t, sb)) - before; w != 0 {
		t.Errorf("the refused sync wrote %d requests", w)
	}
	opts.Replace = true
	if _, _, err := screenshots.Sync(ctx, c, target, l, opts); err != nil {
		t.Fatal(err)
	}
	sets := remoteSets(t, c, target, []string{"en-US"})
	if _, kept := sets["en-US APP_IPAD_PRO_129"]; kept || len(sets["en-US APP_IPAD_PRO_3GEN_129"]) != 1 {
		t.Errorf("after the confirmed sync: %v", sets)
	}
}

// TestSandboxKeepExtras: as deliver does without overwrite_screenshots, a sync keeps what App
// Store Connect has and the folder lacks, orders each set by the file names of all it holds,
// and refuses before any write when the kept and new screenshots exceed Apple's ten.
func TestSandboxKeepExtras(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "en-US", "a.png"), 368, 448, 1)
	writePNG(t, filepath.Join(dir, "en-US", "c.png"), 368, 448, 3)
	if _, err := syncDir(t, c, dir); err != nil {
		t.Fatal(err)
	}
	target := metadata.Target{App: demoApp}
	opts := screenshots.Options{PollInitial: 20 * time.Millisecond, PollMax: 100 * time.Millisecond, PollTimeout: 20 * time.Second, KeepExtras: true}
	// The folder now has only b.png: a and c stay, b goes between them.
	next := t.TempDir()
	writePNG(t, filepath.Join(next, "en-US", "b.png"), 368, 448, 2)
	l, err := screenshots.Load(next)
	if err != nil {
		t.Fatal(err)
	}
	before := sandboxStats(t, sb)["DELETE"]
	_, res, err := screenshots.Sync(t.Context(), c, target, l, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := remoteSets(t, c, target, []string{"en-US"})["en-US APP_WATCH_SERIES_4"]; !slices.Equal(got, []string{"a.png", "b.png", "c.png"}) {
		t.Errorf("set holds %q, want a, b, c", got)
	}
	if d := sandboxStats(t, sb)["DELETE"] - before; d != 0 || res.Uploaded != 1 || res.KeptExtra != 2 || res.Reordered != 1 {
		t.Errorf("%d deletes, result %+v", d, res)
	}
	// Again: nothing to write.
	w := writes(sandboxStats(t, sb))
	if _, _, err := screenshots.Sync(t.Context(), c, target, l, opts); err != nil || writes(sandboxStats(t, sb)) != w {
		t.Errorf("re-run: %v, %d writes", err, writes(sandboxStats(t, sb))-w)
	}
	// Eight more would make eleven with the three kept: refused, nothing written.
	for i := 1; i <= 8; i++ {
		writePNG(t, filepath.Join(next, "en-US", fmt.Sprintf("d%d.png", i)), 368, 448, 10+i)
	}
	if l, err = screenshots.Load(next); err != nil {
		t.Fatal(err)
	}
	_, _, err = screenshots.Sync(t.Context(), c, target, l, opts)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "App Store Connect keeps (a.png, c.png) make 11") || writes(sandboxStats(t, sb)) != w {
		t.Errorf("over the limit: %v, %d writes", err, writes(sandboxStats(t, sb))-w)
	}
}
