package builds_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

const (
	demoApp = "com.example.daybreak" // builds 1-500; 401-500 on train 2.4.0
	macApp  = "com.example.trailhead"
)

func newSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, *asc.Client) {
	t.Helper()
	if opts.ProcessingDelay == 0 {
		opts.ProcessingDelay = 20 * time.Millisecond
	}
	if opts.BuildProcessingDelay == 0 {
		opts.BuildProcessingDelay = 40 * time.Millisecond
	}
	if opts.PartSize == 0 {
		opts.PartSize = 64 << 10
	}
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithRateBudget(asc.NewRateBudget()),
		asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 5, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c
}

type stats struct {
	ByMethod map[string]int `json:"by_method"`
	ByRoute  map[string]int `json:"by_route"`
}

func sandboxStats(t *testing.T, sb *sandbox.Server) stats {
	t.Helper()
	resp, err := http.Get(sb.URL() + "/sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func (s stats) writes() int {
	n := 0
	for route, c := range s.ByRoute {
		if !strings.HasPrefix(route, "GET ") {
			n += c
		}
	}
	return n
}

func (s stats) total() int {
	n := 0
	for _, c := range s.ByRoute {
		n += c
	}
	return n
}

func fastWait() builds.WaitOptions {
	return builds.WaitOptions{PollInitial: 10 * time.Millisecond, PollMax: 40 * time.Millisecond, Timeout: 20 * time.Second}
}

func writeIPA(t *testing.T, a archivetest.App) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Daybreak.ipa")
	if err := archivetest.WriteIPA(p, a); err != nil {
		t.Fatal(err)
	}
	return p
}

// uploadsOf lists the app's build uploads of one build number.
func uploadsOf(t *testing.T, c *asc.Client, bundleID, version, build string) []asc.BuildUpload {
	t.Helper()
	apps, _, err := c.Apps.List(t.Context(), &asc.AppsListOptions{FilterBundleID: []string{bundleID}})
	if err != nil || len(apps.Data) != 1 {
		t.Fatalf("app %s: %v", bundleID, err)
	}
	doc, _, err := c.Apps.ListBuildUploads(t.Context(), apps.Data[0].ID, &asc.AppsListBuildUploadsOptions{
		FilterCfBundleVersion: []string{build}, FilterCfBundleShortVersionString: []string{version}})
	if err != nil {
		t.Fatal(err)
	}
	return doc.Data
}

func TestUploadIPAAndWait(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "501", Size: 300 << 10})
	var (
		mu     sync.Mutex
		kinds  = map[builds.EventKind]int{}
		states []string
	)
	res, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{Wait: true, WaitOptions: fastWait(), StateDir: t.TempDir(),
		Progress: func(e builds.Event) {
			mu.Lock()
			defer mu.Unlock()
			kinds[e.Kind]++
			if e.Kind == builds.EventState {
				states = append(states, e.State+"/"+e.BuildState)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	if res.BuildState != "VALID" || res.State != "COMPLETE" || res.BuildID == "" {
		t.Fatalf("ended %s / build %s %s, want COMPLETE / VALID", res.State, res.BuildID, res.BuildState)
	}
	if res.Parts < 5 || res.PartsSent != res.Parts || res.PartsSkipped != 0 || res.Resumed || res.AlreadyUploaded {
		t.Errorf("parts %d sent %d skipped %d resumed %v", res.Parts, res.PartsSent, res.PartsSkipped, res.Resumed)
	}
	if kinds[builds.EventReserved] != 1 || kinds[builds.EventPart] != res.Parts || kinds[builds.EventCommitted] != 1 || kinds[builds.EventBytes] == 0 {
		t.Errorf("events %v", kinds)
	}
	if len(states) == 0 || states[len(states)-1] != "COMPLETE/VALID" {
		t.Errorf("states seen %v", states)
	}
	st := sandboxStats(t, sb)
	if st.ByRoute["POST /v1/buildUploads"] != 1 || st.ByRoute["POST /v1/buildUploadFiles"] != 1 || st.ByRoute["PATCH /v1/buildUploadFiles/{id}"] != 1 {
		t.Errorf("writes %v", st.ByRoute)
	}
	if polls := st.ByRoute["GET /v1/buildUploads/{id}"]; polls < 1 || polls > 30 {
		t.Errorf("%d polls of the build upload", polls)
	}
	if st.ByRoute["GET /v1/apps/{id}/buildUploads"] != 1 || st.ByRoute["GET /v1/builds"] != 1 {
		t.Errorf("checks %v: want one read of builds and one of uploads, never a re-list", st.ByRoute)
	}
	if api := st.total() - st.ByRoute["GET /sandbox/stats"] - st.ByRoute["PUT /sandbox/upload/{token}/{part}"]; res.Requests != api {
		t.Errorf("result counts %d requests, the sandbox saw %d: %v", res.Requests, api, st.ByRoute)
	}
	// The file went up as an .ipa asset.
	f, _, err := c.BuildUploadFiles.Get(t.Context(), res.FileID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a := f.Data.Attributes; a.Uti != asc.BuildUploadFileUtiComAppleIpa || a.AssetType != asc.BuildUploadFileAssetTypeAsset || *a.FileSize != res.Archive.Size {
		t.Errorf("file %s %s %d", a.Uti, a.AssetType, *a.FileSize)
	}
	b, _, err := c.Builds.Get(t.Context(), res.BuildID, nil)
	if err != nil || b.Data.Attributes.Version != "501" {
		t.Fatalf("build %v %v", b, err)
	}
}

func TestUploadPKG(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, sandbox.Options{})
	p := filepath.Join(t.TempDir(), "Trailhead.pkg")
	if err := archivetest.WritePKG(p, archivetest.App{BundleID: macApp, Version: "3.0.0", Build: "100", Size: 200 << 10}); err != nil {
		t.Fatal(err)
	}
	res, err := builds.Upload(t.Context(), c, p, builds.UploadOptions{App: macApp, Wait: true, WaitOptions: fastWait()})
	if err != nil {
		t.Fatal(err)
	}
	f, _, err := c.BuildUploadFiles.Get(t.Context(), res.FileID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Data.Attributes.Uti != asc.BuildUploadFileUtiComApplePkg {
		t.Errorf("a .pkg went up as %s", f.Data.Attributes.Uti)
	}
	up, _, err := c.BuildUploads.Get(t.Context(), res.UploadID, nil)
	if err != nil || up.Data.Attributes.Platform != asc.PlatformMacOS {
		t.Errorf("upload platform %v %v", up, err)
	}
	if res.BuildState != "VALID" {
		t.Errorf("build %s", res.BuildState)
	}
}

// TestUploadRefusals: every refusal happens before anything is written.
func TestUploadRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notArchive := filepath.Join(dir, "notes.ipa")
	os.WriteFile(notArchive, []byte("hello"), 0o644)
	other := writeIPA(t, archivetest.App{BundleID: "com.example.other", Version: "2.4.0", Build: "600"})
	dup := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "500"})
	ledger := writeIPA(t, archivetest.App{BundleID: "com.example.ledger", Version: "1.8.0", Build: "700"})
	cases := []struct {
		name, path, app, want string
		requests              int // at most
		refused               bool
	}{
		{"not an archive", notArchive, "", "not a valid build archive", 0, false},
		{"bundle id differs from --app", other, demoApp, "built for bundle id com.example.other, not com.example.daybreak", 0, true},
		{"no such app", other, "", "no app with bundle id com.example.other", 1, false},
		{"bundle id is not the app's (by id)", ledger, "", "", 0, false}, // filled below
		{"build number used", dup, "", "build number 500 is already used for version 2.4.0 on IOS", 4, true},
	}
	_, c0 := newSandbox(t, sandbox.Options{})
	apps, _, err := c0.Apps.List(t.Context(), &asc.AppsListOptions{FilterBundleID: []string{demoApp}})
	if err != nil {
		t.Fatal(err)
	}
	cases[3] = struct {
		name, path, app, want string
		requests              int
		refused               bool
	}{"bundle id is not the app's (by id)", ledger, apps.Data[0].ID, "is built for bundle id com.example.ledger, but app " + apps.Data[0].ID + " is com.example.daybreak", 1, true}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb, c := newSandbox(t, sandbox.Options{})
			res, err := builds.Upload(t.Context(), c, tc.path, builds.UploadOptions{App: tc.app, Wait: true})
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("err %v, want one line with %q", err, tc.want)
			}
			var refused *builds.RefusedError
			if errors.As(err, &refused) != tc.refused {
				t.Errorf("RefusedError %v, want %v", errors.As(err, &refused), tc.refused)
			}
			st := sandboxStats(t, sb)
			if w := st.writes(); w != 0 {
				t.Errorf("%d writes before the refusal: %v", w, st.ByRoute)
			}
			if n := st.total() - st.ByRoute["GET /sandbox/stats"]; n > tc.requests {
				t.Errorf("%d requests, want at most %d: %v", n, tc.requests, st.ByRoute)
			}
			if res != nil && res.UploadID != "" {
				t.Errorf("refused upload has an id %s", res.UploadID)
			}
		})
	}
}

// TestUploadResumesAfterAKill stops an upload part way (as a kill would: no cleanup), then
// runs it again: the reservation is reused, only the parts not sent are sent, one build
// upload exists in the end.
func TestUploadResumesAfterAKill(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "502", Size: 1 << 20})
	state := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	var parts atomic.Int32
	_, err := builds.Upload(ctx, c, path, builds.UploadOptions{StateDir: state, PartConcurrency: 2, Progress: func(e builds.Event) {
		if e.Kind == builds.EventPart && parts.Add(1) == 5 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("the interrupted upload succeeded")
	}
	first := sandboxStats(t, sb).ByRoute["PUT /sandbox/upload/{token}/{part}"]
	done := int(parts.Load())
	var resumed atomic.Bool
	res, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{StateDir: state, Wait: true, WaitOptions: fastWait(), Progress: func(e builds.Event) {
		if e.Kind == builds.EventResumed {
			resumed.Store(true)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Resumed || !resumed.Load() || res.PartsSkipped != done || res.PartsSent != res.Parts-done {
		t.Errorf("resumed %v: %d skipped, %d sent of %d; %d were accepted before the kill", res.Resumed, res.PartsSkipped, res.PartsSent, res.Parts, done)
	}
	st := sandboxStats(t, sb)
	if st.ByRoute["POST /v1/buildUploads"] != 1 || st.ByRoute["POST /v1/buildUploadFiles"] != 1 {
		t.Errorf("creates %v: want one build upload and one file", st.ByRoute)
	}
	// Parts in flight at the kill (2 at most) may have reached the sandbox unacknowledged;
	// every other part was sent exactly once.
	if puts := st.ByRoute["PUT /sandbox/upload/{token}/{part}"]; puts < res.Parts || puts > res.Parts+2 || first < done {
		t.Errorf("%d part requests in all (%d before the kill) for %d parts", puts, first, res.Parts)
	}
	if ups := uploadsOf(t, c, demoApp, "2.4.0", "502"); len(ups) != 1 {
		t.Errorf("%d build uploads of 502", len(ups))
	}
	if res.BuildState != "VALID" {
		t.Errorf("build %s", res.BuildState)
	}
	entries, _ := os.ReadDir(state)
	if len(entries) != 0 {
		t.Errorf("journal left after the commit: %v", entries)
	}
}

// TestUploadAgainAfterCommit: a run that died after committing is recognised by the file's
// MD5: nothing is written again, and the wait picks up where it was.
func TestUploadAgainAfterCommit(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "503", Size: 100 << 10})
	first, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	writes := sandboxStats(t, sb).writes()
	again, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{Wait: true, WaitOptions: fastWait()})
	if err != nil {
		t.Fatal(err)
	}
	if !again.AlreadyUploaded || again.UploadID != first.UploadID || again.BuildState != "VALID" {
		t.Errorf("second run: already %v, upload %s (first %s), build %s", again.AlreadyUploaded, again.UploadID, first.UploadID, again.BuildState)
	}
	// Once the build exists, a third run recognises it as this upload's too.
	third, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{})
	if err != nil || !third.AlreadyUploaded {
		t.Fatalf("third run after the build is VALID: %v", err)
	}
	if w := sandboxStats(t, sb).writes(); w != writes {
		t.Errorf("the later runs wrote %d times", w-writes)
	}
	// A different file with the same build number is refused.
	otherPath := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "503", Size: 100 << 10, Seed: 9})
	_, err = builds.Upload(t.Context(), c, otherPath, builds.UploadOptions{})
	var refused *builds.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(err.Error(), "build number 503 is already used") {
		t.Errorf("another file with the same number: %v", err)
	}
}

// TestUploadWithFaults: with the sandbox failing and dropping requests, runs repeated until
// one succeeds end up with one build upload, one file and a valid build.
func TestUploadWithFaults(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{Faults: sandbox.Faults{Rate500: 0.15, DropRate: 0.1}})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "504", Size: 400 << 10})
	state := t.TempDir()
	var (
		res *builds.UploadResult
		err error
	)
	for attempt := 0; attempt < 12; attempt++ {
		res, err = builds.Upload(t.Context(), c, path, builds.UploadOptions{StateDir: state, Wait: true, WaitOptions: fastWait()})
		if err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("no run succeeded: %v", err)
	}
	sb.SetFaults(sandbox.Faults{})
	ups := uploadsOf(t, c, demoApp, "2.4.0", "504")
	if len(ups) != 1 {
		t.Fatalf("%d build uploads of build 504", len(ups))
	}
	files, _, err := c.BuildUploads.ListFiles(t.Context(), ups[0].ID, nil)
	if err != nil || len(files.Data) != 1 {
		t.Fatalf("%d files, %v", len(files.Data), err)
	}
	if res.BuildState != "VALID" {
		t.Errorf("build %s", res.BuildState)
	}
}

// sandboxClock runs a wait on the sandbox's clock: sleeping advances it.
type sandboxClock struct {
	sb  *sandbox.Server
	mu  sync.Mutex
	now time.Time
}

func (k *sandboxClock) Now() time.Time { k.mu.Lock(); defer k.mu.Unlock(); return k.now }

func (k *sandboxClock) Sleep(ctx context.Context, d time.Duration) error {
	k.mu.Lock()
	k.now = k.now.Add(d)
	k.mu.Unlock()
	k.sb.Advance(d)
	return ctx.Err()
}

// TestWaitTimesOutAndPollsNarrowly: a build that processes for 10 minutes of sandbox time
// is polled with backoff; a 4-minute timeout ends with a *PendingError.
func TestWaitTimesOutAndPollsNarrowly(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{ProcessingDelay: time.Second, BuildProcessingDelay: 10 * time.Minute})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "505"})
	res, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clock := &sandboxClock{sb: sb, now: time.Now()}
	before := sandboxStats(t, sb).ByRoute["GET /v1/buildUploads/{id}"]
	w, err := builds.Wait(t.Context(), c, res.UploadID, builds.WaitOptions{Clock: clock, Timeout: 4 * time.Minute}, nil)
	var pending *builds.PendingError
	if !errors.As(err, &pending) || pending.BuildState != "PROCESSING" {
		t.Fatalf("err %v, want pending while PROCESSING", err)
	}
	if !strings.Contains(err.Error(), "still processing") {
		t.Errorf("message %q", err)
	}
	polls := sandboxStats(t, sb).ByRoute["GET /v1/buildUploads/{id}"] - before
	if polls != w.Polls || polls > 12 {
		t.Errorf("%d polls in 4 minutes (result says %d)", polls, w.Polls)
	}
	// Waiting on to the end: VALID after 10 minutes in all, with far fewer polls than one every 10 s.
	w, err = builds.Wait(t.Context(), c, res.UploadID, builds.WaitOptions{Clock: clock, Timeout: 20 * time.Minute}, nil)
	if err != nil || w.BuildState != "VALID" {
		t.Fatalf("wait: %v %+v", err, w)
	}
	total := sandboxStats(t, sb).ByRoute["GET /v1/buildUploads/{id}"] - before
	if total >= 60 {
		t.Errorf("%d polls for a 10-minute processing", total)
	}
	t.Logf("polls for 10 minutes of processing: %d", total)
}

// TestWaitUnderASecondSaysHowLong: a wait that times out under a second says how long it
// waited in milliseconds (it said "after 0s"), and a longer one without zero units.
func TestWaitUnderASecondSaysHowLong(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{ProcessingDelay: time.Second, BuildProcessingDelay: 10 * time.Minute})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "506"})
	res, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	clock := &sandboxClock{sb: sb, now: time.Now()}
	for _, tc := range []struct {
		timeout time.Duration
		want    string
	}{{400 * time.Millisecond, " after 400ms;"}, {90 * time.Second, " after 1m30s;"}, {2 * time.Minute, " after 2m;"}} {
		_, err := builds.Wait(t.Context(), c, res.UploadID, builds.WaitOptions{Clock: clock, Timeout: tc.timeout}, nil)
		var pending *builds.PendingError
		if !errors.As(err, &pending) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("timeout %v: %v, want a *PendingError saying%q", tc.timeout, err, tc.want)
		}
	}
}

func TestArchiveRefusalNeedsNoClient(t *testing.T) {
	t.Parallel()
	// A nil client would panic on any request: a bad archive is refused before one.
	_, err := builds.Upload(t.Context(), nil, filepath.Join(t.TempDir(), "missing.ipa"), builds.UploadOptions{})
	var ae *archive.Error
	if err == nil || errors.As(err, &ae) || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("err %v", err)
	}
}

// TestUploadReplacesAnExpiredReservation: a run resumed after the reservation's upload URLs
// expired (403 from the storage) replaces the reservation once and finishes.
func TestUploadReplacesAnExpiredReservation(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "506", Size: 512 << 10})
	state := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	var fileID atomic.Value
	var parts atomic.Int32
	builds.Upload(ctx, c, path, builds.UploadOptions{StateDir: state, PartConcurrency: 1, Progress: func(e builds.Event) {
		if e.Kind == builds.EventPart && parts.Add(1) == 2 {
			cancel()
		}
	}})
	ups := uploadsOf(t, c, demoApp, "2.4.0", "506")
	if len(ups) != 1 {
		t.Fatalf("%d uploads after the interruption", len(ups))
	}
	files, _, err := c.BuildUploads.ListFiles(t.Context(), ups[0].ID, nil)
	if err != nil || len(files.Data) != 1 {
		t.Fatal(err)
	}
	fileID.Store(files.Data[0].ID)
	if err := sb.ExpireUpload("buildUploadFiles", files.Data[0].ID); err != nil {
		t.Fatal(err)
	}
	var warned atomic.Bool
	res, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{StateDir: state, Wait: true, WaitOptions: fastWait(), Progress: func(e builds.Event) {
		if e.Kind == builds.EventWarning && strings.Contains(e.Description, "no longer work") {
			warned.Store(true)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !warned.Load() || res.UploadID == ups[0].ID || res.BuildState != "VALID" {
		t.Errorf("warned %v, upload %s (first %s), build %s", warned.Load(), res.UploadID, ups[0].ID, res.BuildState)
	}
	if n := len(uploadsOf(t, c, demoApp, "2.4.0", "506")); n != 1 {
		t.Errorf("%d build uploads in the end", n)
	}
}

// TestUploadWithoutWaitReportsProcessing: a committed upload is reported PROCESSING, not the
// AWAITING_UPLOAD it had when it was created.
func TestUploadWithoutWaitReportsProcessing(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t, sandbox.Options{})
	res, err := builds.Upload(t.Context(), c, writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "507"}), builds.UploadOptions{})
	if err != nil || res.State != "PROCESSING" {
		t.Fatalf("state %q, %v", res.State, err)
	}
	up, _, err := c.BuildUploads.Get(t.Context(), res.UploadID, nil)
	if err != nil || up.Data.Attributes.State.State != "PROCESSING" {
		t.Errorf("the sandbox has it %v, %v", up.Data.Attributes.State, err)
	}
}

// TestPrepareWritesNothing: Prepare makes every read and check of an upload and writes
// nothing; Send then writes it; a second Prepare of the same file finds it committed, and
// its Send only polls (once: the build is processed already).
func TestPrepareWritesNothing(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "501", Size: 200 << 10})
	p, err := builds.Prepare(t.Context(), c, path, builds.UploadOptions{Wait: true, WaitOptions: fastWait()})
	if err != nil {
		t.Fatal(err)
	}
	if w := sandboxStats(t, sb).writes(); w != 0 || p.Result().AppID == "" || p.Result().AlreadyUploaded {
		t.Fatalf("prepare: %d writes, %+v", w, p.Result())
	}
	res, err := p.Send(t.Context())
	if err != nil || res.BuildState != "VALID" {
		t.Fatalf("send: %v %+v", err, res)
	}
	before := sandboxStats(t, sb)
	again, err := builds.Prepare(t.Context(), c, path, builds.UploadOptions{Wait: true, WaitOptions: fastWait()})
	if err != nil || !again.Result().AlreadyUploaded || again.Result().UploadID != res.UploadID {
		t.Fatalf("prepare again: %v %+v", err, again.Result())
	}
	res2, err := again.Send(t.Context())
	after := sandboxStats(t, sb)
	if err != nil || res2.BuildID != res.BuildID || after.writes() != before.writes() ||
		after.ByRoute["GET /v1/buildUploads/{id}"]-before.ByRoute["GET /v1/buildUploads/{id}"] != 1 {
		t.Errorf("send again: %v, %d writes, %d polls", err, after.writes()-before.writes(), after.ByRoute["GET /v1/buildUploads/{id}"]-before.ByRoute["GET /v1/buildUploads/{id}"])
	}
}
