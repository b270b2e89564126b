package deliver_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// TestDeliverStepFailingStopsTheUpload: the metadata step failing while the binary uploads
// beside it ends the run with the metadata's error and the upload stopped (not left running);
// the next run resumes the reservation, attaches the build and sends the metadata: one
// build upload in all, and a third run writes nothing, nor one once the version is out.
func TestDeliverStepFailingStopsTheUpload(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ProcessingDelay: 20 * time.Millisecond, BuildProcessingDelay: 30 * time.Millisecond, PartSize: 64 << 10})
	c := sb.Client()
	meta, _ := project(t, sb)
	ipa := filepath.Join(t.TempDir(), "Daybreak.ipa")
	if err := archivetest.WriteIPA(ipa, archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: "501", Size: 2 << 20}); err != nil {
		t.Fatal(err)
	}
	o := deliver.Options{App: "com.example.daybreak", MetadataPath: meta, IPA: ipa,
		Binary: builds.UploadOptions{StateDir: t.TempDir(), WaitOptions: builds.WaitOptions{PollInitial: 10 * time.Millisecond, PollMax: 20 * time.Millisecond}}}
	// The parts go slowly, so the metadata fails with the upload half way.
	sb.Fail(sandbox.FaultRule{Method: "PUT", Route: "/sandbox/upload/{token}/{part}", Delay: 50 * time.Millisecond},
		sandbox.FaultRule{Method: "PATCH", Route: "/v1/appStoreVersionLocalizations/{id}", Status: 422, Times: 1})
	if _, err := deliver.Run(t.Context(), c, o); err == nil || !strings.HasPrefix(err.Error(), "metadata: ") {
		t.Fatalf("deliver: %v, want the metadata's error", err)
	}
	// The parts in flight when the run stopped end on the sandbox's side within their delay;
	// none is sent after.
	time.Sleep(100 * time.Millisecond)
	parts := sb.Count("PUT /sandbox/upload/{token}/{part}")
	time.Sleep(200 * time.Millisecond)
	if n := sb.Count("PUT /sandbox/upload/{token}/{part}"); n != parts || parts >= 33 {
		t.Errorf("%d parts sent by the run, %d after it ended (of 33)", parts, n-parts)
	}
	sb.Fail()
	r, err := deliver.Run(t.Context(), c, o)
	if err != nil {
		t.Fatalf("run again: %v", err)
	}
	if got := steps(r); !strings.Contains(got, "metadata=changed") || !strings.Contains(got, "binary=changed") {
		t.Errorf("run again: %s", got)
	}
	if n := sb.Count("POST /v1/buildUploads"); n != 1 {
		t.Errorf("%d build uploads created", n)
	}
	v, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS, Version: "2.4.0"})
	if err != nil || v.BuildNumber != "501" {
		t.Errorf("version %+v (%v)", v, err)
	}
	w := sb.Writes()
	if r, err := deliver.Run(t.Context(), c, o); err != nil || sb.Writes() != w {
		t.Errorf("third run: %v, %d writes (%s)", err, sb.Writes()-w, steps(r))
	}
	// Once the version is out, a run has nothing to upload (its build is in) and nothing to
	// do; another build of that version is refused (Apple's 90186).
	sb.Set("appStoreVersions", v.ID, "appVersionState", "READY_FOR_DISTRIBUTION")
	if r, err := deliver.Run(t.Context(), c, o); err != nil || sb.Writes() != w || !strings.Contains(steps(r), "binary=unchanged") {
		t.Errorf("run once live: %v, %d writes (%s)", err, sb.Writes()-w, steps(r))
	}
	other := filepath.Join(t.TempDir(), "Daybreak.ipa")
	if err := archivetest.WriteIPA(other, archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: "502"}); err != nil {
		t.Fatal(err)
	}
	o.IPA = other
	if _, err := deliver.Run(t.Context(), c, o); err == nil || !strings.Contains(err.Error(), "(Apple's 90186)") || sb.Writes() != w {
		t.Errorf("another build once live: %v, %d writes", err, sb.Writes()-w)
	}
}

// TestDeliverSkipBinaryUploadSubmitsTheArchivesBuild: with skip_binary_upload and an ipa, a
// submission attaches the ipa's build (uploaded some other way), as fastlane's submission
// selects it; nothing is uploaded.
func TestDeliverSkipBinaryUploadSubmitsTheArchivesBuild(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	ipa := filepath.Join(t.TempDir(), "Daybreak.ipa")
	if err := archivetest.WriteIPA(ipa, archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: "450"}); err != nil {
		t.Fatal(err)
	}
	r, _ := deliver.Run(t.Context(), sb.Client(), deliver.Options{IPA: ipa, SkipBinaryUpload: asc.Ptr(true), SubmitForReview: asc.Ptr(true), DryRun: true})
	if r == nil || len(r.Steps) == 0 || r.Steps[0].Detail != "2.4.0: build" || !strings.Contains(strings.Join(r.Notes, "\n"), "the submission attaches build 450, Daybreak.ipa's") {
		t.Fatalf("dry run: %+v", r)
	}
	if sb.Writes() != 0 || sb.Count("POST /v1/buildUploads") != 0 {
		t.Errorf("%d writes", sb.Writes())
	}
}

// TestDeliverBinaryChecksComeFirst: the archive is checked before reject_if_possible's
// cancel (the first write it would make), verify_only with reject_if_possible cancels
// nothing, and skip_app_version_update keeping another version string refuses the archive:
// nothing written in each.
func TestDeliverBinaryChecksComeFirst(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	dir := t.TempDir()
	write := func(name, bundle, version, build string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := archivetest.WriteIPA(p, archivetest.App{BundleID: bundle, Version: version, Build: build}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	yes := asc.Ptr(true)
	for _, tc := range []struct {
		name string
		o    deliver.Options
		want string // "" for no error
	}{
		{"reject_if_possible, build number used", deliver.Options{IPA: write("Used.ipa", "com.example.ledger", "1.8.0", "24"), RejectIfPossible: yes},
			"binary: build number 24 is already used for version 1.8.0"},
		{"reject_if_possible, verify_only", deliver.Options{IPA: write("Ledger.ipa", "com.example.ledger", "1.8.0", "25"), RejectIfPossible: yes, VerifyOnly: yes}, ""},
		{"skip_app_version_update keeps 2.4.0", deliver.Options{IPA: write("Daybreak.ipa", "com.example.daybreak", "2.5.0", "1"), SkipAppVersionUpdate: yes},
			"binary: Daybreak.ipa is version 2.5.0, but skip_app_version_update keeps the version being prepared, 2.4.0"},
	} {
		r, err := deliver.Run(t.Context(), c, tc.o)
		switch {
		case tc.want == "" && err != nil, tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		case tc.want == "" && steps(r) != "binary=verified":
			t.Errorf("%s: %s", tc.name, steps(r))
		}
		if sb.Writes() != 0 {
			t.Fatalf("%s: %d writes", tc.name, sb.Writes())
		}
	}
}

// TestDeliverLooksTheAppUpOnce: deliver with an ipa resolves the app once, whether it is
// named by bundle id, taken from the archive's bundle id or given by id (then read once, for
// its bundle id): the upload's checks use the app the run resolved.
func TestDeliverLooksTheAppUpOnce(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	ipa := filepath.Join(t.TempDir(), "Daybreak.ipa")
	if err := archivetest.WriteIPA(ipa, archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: "601"}); err != nil {
		t.Fatal(err)
	}
	app, _, err := c.Apps.List(t.Context(), &asc.AppsListOptions{FilterBundleID: []string{"com.example.daybreak"}})
	if err != nil || len(app.Data) != 1 {
		t.Fatalf("app: %v", err)
	}
	for _, tc := range []struct{ name, app string }{{"bundle id", "com.example.daybreak"}, {"the archive's", ""}, {"id", app.Data[0].ID}} {
		lookups := func() int { return sb.Count("GET /v1/apps") + sb.Count("GET /v1/apps/{id}") }
		before := lookups()
		r, err := deliver.Run(t.Context(), c, deliver.Options{App: tc.app, IPA: ipa, VerifyOnly: asc.Ptr(true)})
		if err != nil || steps(r) != "binary=verified" {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if n := lookups() - before; n != 1 {
			t.Errorf("%s: %d app lookups, want 1", tc.name, n)
		}
	}
}
