package screenshots_test

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// writePNG writes a w x h PNG whose content depends on seed, so different seeds differ in MD5.
func writePNG(t testing.TB, path string, w, h int, seed int) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix[:min(len(img.Pix), 4096)] {
		img.Pix[i] = uint8(i*seed + seed)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

// TestScanFilesDisplayTypesAsDeliver checks that a folder's images are filed under the
// display type deliver would choose (apple.ChooseDisplayType), the iMessage folder's under
// the iMessage variants, and that a size Apple does not accept is refused before any request
// with the nearest type named: the sandbox, like App Store Connect, fails a 1620x2160 image
// in an APP_IPAD_105 set, so the sync must not file it there.
func TestScanFilesDisplayTypesAsDeliver(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "en-US", "1.png"), 1320, 2868, 1)
	writePNG(t, filepath.Join(dir, "en-US", "2.png"), 2868, 1320, 2)
	writePNG(t, filepath.Join(dir, "en-US", "ipad.png"), 2048, 2732, 3)
	writePNG(t, filepath.Join(dir, "en-US", "iPad Pro (12.9-inch) (2nd generation)-1.png"), 2048, 2732, 4)
	writePNG(t, filepath.Join(dir, "en-US", "tv.png"), 3840, 2160, 5)
	writePNG(t, filepath.Join(dir, "en-US", "vision_1.png"), 3840, 2160, 6)
	writePNG(t, filepath.Join(dir, "en-US", "watch.png"), 368, 448, 7)
	writePNG(t, filepath.Join(dir, "iMessage", "en-US", "1.png"), 1242, 2688, 8)
	l, err := screenshots.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for typ, shots := range l.Locales["en-US"] {
		for _, s := range shots {
			got[typ] = append(got[typ], s.Name)
		}
	}
	want := map[string][]string{
		"APP_IPHONE_67":          {"1.png", "2.png"},
		"APP_IPAD_PRO_3GEN_129":  {"ipad.png"},
		"APP_IPAD_PRO_129":       {"iPad Pro (12.9-inch) (2nd generation)-1.png"},
		"APP_APPLE_TV":           {"tv.png"},
		"APP_APPLE_VISION_PRO":   {"vision_1.png"},
		"APP_WATCH_SERIES_4":     {"watch.png"},
		"IMESSAGE_APP_IPHONE_65": {"1.png"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("display types (-want +got):\n%s", diff)
	}

	bad := t.TempDir()
	writePNG(t, filepath.Join(bad, "en-US", "ipad.png"), 1620, 2160, 1)
	writePNG(t, filepath.Join(bad, "iMessage", "en-US", "watch.png"), 368, 448, 2)
	_, err = screenshots.Load(bad)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("Load = %v, want two problems", err)
	}
	for _, p := range ve.Problems {
		switch p.Path {
		case "en-US/ipad.png":
			if !strings.Contains(p.Message, "1620x2160 pixels fits no App Store display type") || !strings.Contains(p.Message, "APP_IPAD_105 (10.5-inch iPad), takes 1668x2224") {
				t.Errorf("problem %q does not name the nearest type and its sizes", p)
			}
		case "iMessage/en-US/watch.png":
			if !strings.Contains(p.Message, "fits no iMessage display type") {
				t.Errorf("problem %q", p)
			}
		default:
			t.Errorf("unexpected problem %q", p)
		}
	}
}

func TestNaturalOrder(t *testing.T) {
	t.Parallel()
	names := []string{"10_home.png", "2_home.png", "1_home.png", "Screen 1.png", "screen 02.png", "a.png", "B.png"}
	slices.SortFunc(names, screenshots.NaturalCompare)
	want := []string{"1_home.png", "2_home.png", "10_home.png", "a.png", "B.png", "Screen 1.png", "screen 02.png"}
	if !slices.Equal(names, want) {
		t.Errorf("order = %q, want %q", names, want)
	}
}

func TestScanProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "en-US", "1.png"), 368, 448, 1)
	writePNG(t, filepath.Join(dir, "en-US", "odd.png"), 500, 500, 2)
	os.WriteFile(filepath.Join(dir, "en-US", "notes.txt"), []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "en-US", "title.strings"), []byte("x"), 0o644) // frameit's, ignored
	for i := range 11 {
		writePNG(t, filepath.Join(dir, "de-DE", fmt.Sprintf("%d.png", i)), 368, 448, i+10)
	}
	writePNG(t, filepath.Join(dir, "english", "1.png"), 368, 448, 3)
	os.WriteFile(filepath.Join(dir, "Framefile.json"), []byte("{}"), 0o644)

	_, err := screenshots.Load(dir)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load = %v, want a validation error", err)
	}
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	slices.Sort(paths)
	want := []string{"de-DE", "en-US/notes.txt", "en-US/odd.png", "english"}
	if !slices.Equal(paths, want) {
		t.Errorf("problems at %q, want %q (%v)", paths, want, err)
	}
}

type env struct {
	sb      *sandboxtest.Sandbox
	c       *asc.Client
	version string
	locs    map[string]string
	dir     string
}

// shotsApp is the app newEnv seeds.
var shotsApp = metadata.Target{App: "com.example.shots"}

// newEnv seeds, in a sandbox of its own, an app whose version 2.0 has the given locales, and
// makes an empty screenshots dir.
func newEnv(t *testing.T, locales ...string) *env {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{Seed: "empty", PartSize: 20_000, ProcessingDelay: -1})
	app := sb.Add("apps", map[string]any{"bundleId": "com.example.shots"}, nil)
	v := sb.Add("appStoreVersions", map[string]any{"platform": "IOS", "versionString": "2.0", "appVersionState": "PREPARE_FOR_SUBMISSION"}, map[string]string{"app": app})
	e := &env{sb: sb, version: v, locs: map[string]string{}, dir: t.TempDir()}
	for _, l := range locales {
		e.locs[l] = sb.Add("appStoreVersionLocalizations", map[string]any{"locale": l}, map[string]string{"appStoreVersion": v})
	}
	e.c = sb.Client(asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	return e
}

var fastPoll = screenshots.Options{PollInitial: 5 * time.Millisecond, PollMax: 20 * time.Millisecond, PollTimeout: 10 * time.Second}

func (e *env) sync(t *testing.T) (*screenshots.Plan, screenshots.Result, error) {
	t.Helper()
	l, err := screenshots.Load(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	return screenshots.Sync(t.Context(), e.c, shotsApp, l, fastPoll)
}

// remote returns, per locale and display type, the file names in the set's order, with their
// states, as the API shows them.
func (e *env) remote(t *testing.T) map[string][]string {
	t.Helper()
	return remoteSets(t, e.c, shotsApp, slices.Collect(maps.Keys(e.locs)))
}

func (e *env) local(t *testing.T) map[string][]string {
	t.Helper()
	return localSets(t, e.dir)
}

func equalMaps(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestSyncFromEmptyThenIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US", "de-DE", "ja")
	seed := 1
	for _, l := range []string{"en-US", "de-DE", "ja"} {
		for i := 1; i <= 3; i++ {
			writePNG(t, filepath.Join(e.dir, l, fmt.Sprintf("%d_shot.png", i)), 368, 448, seed)
			seed++
		}
		writePNG(t, filepath.Join(e.dir, l, "10_shot.png"), 368, 448, seed) // natural order: last
		seed++
		writePNG(t, filepath.Join(e.dir, l, "ipad.png"), 1668, 2224, seed)
		seed++
	}
	_, res, err := e.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if res.Uploaded != 15 || res.SetsCreated != 6 || res.Reordered != 0 {
		t.Errorf("result = %+v, want 15 uploads into 6 new sets, no reorder", res)
	}
	if got, want := e.remote(t), e.local(t); !equalMaps(got, want) {
		t.Errorf("remote = %v\nwant %v", got, want)
	}
	// The presigned part URLs refuse a part that carries the API token (400).
	if n := e.sb.Stats().ByStatus["400"]; n != 0 {
		t.Errorf("%d requests refused with 400 (upload parts with an Authorization header?)", n)
	}

	before := e.sb.Writes()
	plan, res2, err := e.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if e.sb.Writes() != before || res2.Uploaded != 0 || res2.Kept != 15 {
		t.Errorf("second sync wrote %d requests (result %+v)", e.sb.Writes()-before, res2)
	}
	// Reads of a re-run: the version, and one list per locale.
	if plan.Requests != 1+1+3 {
		t.Errorf("planning reads = %d, want 5", plan.Requests)
	}
}

func TestSyncChangesDeletesReorders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US", "fr-FR")
	for i := 1; i <= 4; i++ {
		writePNG(t, filepath.Join(e.dir, "en-US", fmt.Sprintf("%d.png", i)), 368, 448, i)
		writePNG(t, filepath.Join(e.dir, "fr-FR", fmt.Sprintf("%d.png", i)), 368, 448, 10+i)
	}
	writePNG(t, filepath.Join(e.dir, "fr-FR", "ipad.png"), 1668, 2224, 50)
	if _, _, err := e.sync(t); err != nil {
		t.Fatal(err)
	}
	// en-US: change 2.png, remove 3.png, swap the order of 1 and 4 by renaming.
	writePNG(t, filepath.Join(e.dir, "en-US", "2.png"), 368, 448, 99)
	os.Remove(filepath.Join(e.dir, "en-US", "3.png"))
	os.Rename(filepath.Join(e.dir, "en-US", "1.png"), filepath.Join(e.dir, "en-US", "9.png"))
	// fr-FR: the iPad screenshots go away entirely.
	os.Remove(filepath.Join(e.dir, "fr-FR", "ipad.png"))

	before := e.sb.Stats().ByMethod
	_, res, err := e.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	after := e.sb.Stats().ByMethod
	if res.Uploaded != 1 || res.Deleted != 3 || res.SetsDeleted != 1 || res.Reordered != 1 {
		t.Errorf("result = %+v, want 1 upload, 3 deletions (one with its set), 1 reorder", res)
	}
	if got := after["POST"] - before["POST"]; got != 1 {
		t.Errorf("POSTs = %d, want 1", got)
	}
	// The renamed file was not uploaded again: 9.png matches the old 1.png by MD5, so
	// App Store Connect still calls it 1.png, now in last place.
	want := e.local(t)
	want["en-US APP_WATCH_SERIES_4"] = []string{"2.png", "4.png", "1.png"}
	if got := e.remote(t); !equalMaps(got, want) {
		t.Errorf("remote = %v\nwant %v", got, want)
	}
}

func TestSyncRetriesFailedProcessing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US")
	e.sb.Fail(sandbox.FaultRule{Processing: true, FileName: "2.png", Times: 1}) // its first upload fails processing
	for i := 1; i <= 3; i++ {
		writePNG(t, filepath.Join(e.dir, "en-US", fmt.Sprintf("%d.png", i)), 368, 448, i)
	}
	_, res, err := e.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retried != 1 || res.Reordered != 1 {
		t.Errorf("result = %+v, want one retry and a reorder", res)
	}
	if got, want := e.remote(t), e.local(t); !equalMaps(got, want) {
		t.Errorf("remote = %v\nwant %v", got, want)
	}
}

func TestSyncValidationWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US")
	writePNG(t, filepath.Join(e.dir, "en-US", "1.png"), 368, 448, 1)
	writePNG(t, filepath.Join(e.dir, "pt-BR", "1.png"), 368, 448, 2) // no such localization
	l, err := screenshots.Load(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = screenshots.Sync(t.Context(), e.c, shotsApp, l, fastPoll)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "pt-BR") {
		t.Fatalf("err = %v, want a validation error naming pt-BR", err)
	}
	if e.sb.Writes() != 0 {
		t.Errorf("writes = %d, want none", e.sb.Writes())
	}
}

// TestSyncConvergesUnderFaults injects failures (before and after the change, and dropped
// connections) into a share of every kind of request. Runs end with an error or not; after
// the faults stop, one more run converges, the next writes nothing, and there are no
// duplicates.
func TestSyncConvergesUnderFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault sandbox.FaultRule
		every int
	}{
		{"500 before", sandbox.FaultRule{Status: 500}, 3},
		{"500 after", sandbox.FaultRule{After: true, Status: 500}, 4},
		{"dropped after", sandbox.FaultRule{After: true, Drop: true}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "en-US", "de-DE")
			for _, l := range []string{"en-US", "de-DE"} {
				for i := 1; i <= 4; i++ {
					writePNG(t, filepath.Join(e.dir, l, fmt.Sprintf("%d.png", i)), 368, 448, i+len(l)*10)
				}
			}
			// Every every-th request that is not a read, upload parts included.
			rule := tt.fault
			rule.Method, rule.Skip, rule.Every = "POST|PATCH|DELETE|PUT", tt.every-1, tt.every
			e.sb.Fail(rule)
			var lastErr error
			for range 3 {
				if _, _, lastErr = e.sync(t); lastErr == nil {
					break
				}
			}
			t.Logf("last run under faults: %v", lastErr)
			e.sb.Fail()
			if st := e.sb.Stats().ByStatus; st["500"]+st["dropped"] == 0 {
				t.Fatalf("no fault acted (statuses %v): the test proves nothing", st)
			}
			if _, _, err := e.sync(t); err != nil {
				t.Fatal(err)
			}
			before := e.sb.Writes()
			if _, _, err := e.sync(t); err != nil {
				t.Fatal(err)
			}
			if e.sb.Writes() != before {
				t.Errorf("a run after convergence wrote %d requests", e.sb.Writes()-before)
			}
			if got, want := e.remote(t), e.local(t); !equalMaps(got, want) {
				t.Errorf("remote = %v\nwant %v", got, want)
			}
			// No orphans: every stored screenshot belongs to a set's list.
			if got := len(e.sb.IDs("appScreenshots")); got != 8 {
				t.Errorf("%d screenshots stored, want 8", got)
			}
		})
	}
}

// TestResumeReusesReservation: a run killed after reserving leaves AWAITING_UPLOAD
// screenshots; the next run sends their parts instead of reserving again.
func TestResumeReusesReservation(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US")
	for i := 1; i <= 2; i++ {
		writePNG(t, filepath.Join(e.dir, "en-US", fmt.Sprintf("%d.png", i)), 368, 448, i)
	}
	// Simulate the killed run: the set and one reservation exist.
	st, _ := os.Stat(filepath.Join(e.dir, "en-US", "1.png"))
	set := e.sb.Add("appScreenshotSets", map[string]any{"screenshotDisplayType": "APP_WATCH_SERIES_4"}, map[string]string{"appStoreVersionLocalization": e.locs["en-US"]})
	reserve := fmt.Sprintf(`{"data":{"type":"appScreenshots","attributes":{"fileName":"1.png","fileSize":%d},"relationships":{"appScreenshotSet":{"data":{"type":"appScreenshotSets","id":"%s"}}}}}`, st.Size(), set)
	if _, err := e.c.Do(t.Context(), "POST", "/v1/appScreenshots", nil, []byte(reserve), nil); err != nil {
		t.Fatal(err)
	}
	before := e.sb.Stats().ByMethod["POST"]
	_, res, err := e.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.sb.Stats().ByMethod["POST"] - before; got != 1 {
		t.Errorf("POSTs = %d, want 1 (only 2.png reserved)", got)
	}
	if res.Uploaded != 2 || len(e.sb.IDs("appScreenshots")) != 2 {
		t.Errorf("result %+v, %d screenshots stored", res, len(e.sb.IDs("appScreenshots")))
	}
	if got, want := e.remote(t), e.local(t); !equalMaps(got, want) {
		t.Errorf("remote = %v\nwant %v", got, want)
	}
}

// TestDefaultFolder: screenshots/default/ applies to every locale of the version that has no
// folder of its own.
func TestDefaultFolder(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US", "de-DE", "fr-FR")
	writePNG(t, filepath.Join(e.dir, "default", "1.png"), 368, 448, 1)
	writePNG(t, filepath.Join(e.dir, "default", "2.png"), 368, 448, 2)
	writePNG(t, filepath.Join(e.dir, "en-US", "1.png"), 368, 448, 3)
	if _, _, err := e.sync(t); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"en-US APP_WATCH_SERIES_4": {"1.png"},
		"de-DE APP_WATCH_SERIES_4": {"1.png", "2.png"},
		"fr-FR APP_WATCH_SERIES_4": {"1.png", "2.png"},
	}
	if got := e.remote(t); !equalMaps(got, want) {
		t.Errorf("remote = %v, want %v", got, want)
	}
}

// TestExpiredReservationReplaced: a reservation left by an interrupted run whose upload URLs
// no longer work is deleted and replaced, not retried for ever.
func TestExpiredReservationReplaced(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US")
	writePNG(t, filepath.Join(e.dir, "en-US", "1.png"), 368, 448, 1)
	st, _ := os.Stat(filepath.Join(e.dir, "en-US", "1.png"))
	set := e.sb.Add("appScreenshotSets", map[string]any{"screenshotDisplayType": "APP_WATCH_SERIES_4"}, map[string]string{"appStoreVersionLocalization": e.locs["en-US"]})
	reserve := fmt.Sprintf(`{"data":{"type":"appScreenshots","attributes":{"fileName":"1.png","fileSize":%d},"relationships":{"appScreenshotSet":{"data":{"type":"appScreenshotSets","id":"%s"}}}}}`, st.Size(), set)
	if _, err := e.c.Do(t.Context(), "POST", "/v1/appScreenshots", nil, []byte(reserve), nil); err != nil {
		t.Fatal(err)
	}
	old := e.sb.IDs("appScreenshots")[0]
	e.sb.Expire("appScreenshots", old)
	if _, _, err := e.sync(t); err != nil {
		t.Fatal(err)
	}
	ids := e.sb.IDs("appScreenshots")
	if len(ids) != 1 || ids[0] == old {
		t.Errorf("screenshots = %v, want one new reservation replacing %s", ids, old)
	}
	if got, want := e.remote(t), e.local(t); !equalMaps(got, want) {
		t.Errorf("remote = %v\nwant %v", got, want)
	}
}

// TestVersionNotEditable: a version waiting for review takes no screenshot changes; the sync
// says so before writing, and a sync with nothing to change still succeeds.
func TestVersionNotEditable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US")
	writePNG(t, filepath.Join(e.dir, "en-US", "1.png"), 368, 448, 1)
	if _, _, err := e.sync(t); err != nil {
		t.Fatal(err)
	}
	e.sb.Set("appStoreVersions", e.version, "appVersionState", "WAITING_FOR_REVIEW")
	l, _ := screenshots.Load(e.dir)
	target := metadata.Target{App: "com.example.shots", Version: "2.0"}
	if _, _, err := screenshots.Sync(t.Context(), e.c, target, l, fastPoll); err != nil {
		t.Fatalf("a sync with nothing to change failed: %v", err)
	}
	writePNG(t, filepath.Join(e.dir, "en-US", "2.png"), 368, 448, 2)
	before := e.sb.Writes()
	l, _ = screenshots.Load(e.dir)
	_, _, err := screenshots.Sync(t.Context(), e.c, target, l, fastPoll)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "WAITING_FOR_REVIEW") || e.sb.Writes() != before {
		t.Errorf("err = %v, writes %d", err, e.sb.Writes()-before)
	}
}

// Locale folders in any letter case hold Apple's locale, as deliver matches them.
func TestLocaleFoldersAnyCase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "en-us", "1.png"), 368, 448, 1)
	writePNG(t, filepath.Join(dir, "DE-DE", "1.png"), 368, 448, 2)
	writePNG(t, filepath.Join(dir, "imessage", "JA", "1.png"), 1242, 2208, 3)
	os.MkdirAll(filepath.Join(dir, "App_Clip_Review_Information"), 0o755)
	l, err := screenshots.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(l.LocaleNames(), ","); got != "de-DE,en-US,ja" {
		t.Errorf("locales %s", got)
	}
	if _, ok := l.Locales["ja"]["IMESSAGE_APP_IPHONE_55"]; !ok {
		t.Errorf("ja sets %v", l.Locales["ja"])
	}
}

// Previews in deliver's layout: movies in the locale folder, the preview type in the name,
// held to Apple's limits from their own headers.
func TestPreviewsDeliverLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ok := sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second}
	sandboxtest.WriteMP4(t, filepath.Join(dir, "EN-us", "iPhone_67_walkthrough.mp4"), ok)
	sandboxtest.WriteMP4(t, filepath.Join(dir, "EN-us", "IPHONE_67_b.mp4"), sandboxtest.Movie{Width: 1920, Height: 886, Duration: 30 * time.Second, Variant: 2})
	sandboxtest.WriteMP4(t, filepath.Join(dir, "en-US", "ipad_pro_3gen_129-tour.mov"), sandboxtest.Movie{Width: 1200, Height: 1600, Duration: 15 * time.Second, Rotated: true, Version1: true})
	sandboxtest.WriteMP4(t, filepath.Join(dir, "de-DE", "IPHONE_65", "1.mp4"), ok)
	l, err := screenshots.LoadPreviews(dir)
	if err != nil {
		t.Fatal(err)
	}
	en := l.Locales["en-US"]
	if len(en["IPHONE_67"]) != 2 || en["IPHONE_67"][0].Name != "IPHONE_67_b.mp4" || len(en["IPAD_PRO_3GEN_129"]) != 1 || len(l.Locales["de-DE"]["IPHONE_65"]) != 1 {
		t.Errorf("sets %v / %v", en, l.Locales["de-DE"])
	}
	// Every limit Apple holds a preview to, each named, nothing read past them.
	bad := t.TempDir()
	sandboxtest.WriteMP4(t, filepath.Join(bad, "en-US", "IPHONE_67_short.mp4"), sandboxtest.Movie{Width: 886, Height: 1920, Duration: 14500 * time.Millisecond})
	sandboxtest.WriteMP4(t, filepath.Join(bad, "en-US", "IPHONE_67_long.mp4"), sandboxtest.Movie{Width: 886, Height: 1920, Duration: 31 * time.Second})
	sandboxtest.WriteMP4(t, filepath.Join(bad, "en-US", "IPAD_97_wrong.mp4"), sandboxtest.Movie{Width: 1200, Height: 1600, Duration: 20 * time.Second})
	sandboxtest.WriteMP4(t, filepath.Join(bad, "en-US", "walkthrough.mp4"), ok)
	os.WriteFile(filepath.Join(bad, "en-US", "IPHONE_65_text.mp4"), []byte("not a movie"), 0o644)
	huge := filepath.Join(bad, "en-US", "IPHONE_61_huge.mp4")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(501 << 20) // sparse: costs no disk
	f.Close()
	_, err = screenshots.LoadPreviews(bad)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 6 {
		t.Fatalf("LoadPreviews = %v, want 6 problems", err)
	}
	for _, want := range []string{
		"en-US/IPHONE_67_short.mp4: 14.50 seconds long, Apple accepts previews of 15 to 30 seconds",
		"en-US/IPHONE_67_long.mp4: 31.00 seconds long",
		"en-US/IPAD_97_wrong.mp4: 1200x1600 pixels, Apple accepts IPAD_97 previews of 900x1200, 1200x900",
		"en-US/walkthrough.mp4: the name says no preview type",
		"en-US/IPHONE_65_text.mp4: not an MP4 or QuickTime movie",
		"en-US/IPHONE_61_huge.mp4: 501 MB, Apple accepts previews of at most 500 MB",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems lack %q:\n%v", want, err)
		}
	}
}
