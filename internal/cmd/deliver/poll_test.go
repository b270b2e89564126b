package deliver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

// TestDeliverPollOutOfRange: --poll 0 or over a minute is a usage error (exit 2) that says
// which values are taken, before any request; 0 itself is not one of them.
func TestDeliverPollOutOfRange(t *testing.T) {
	t.Parallel()
	h := binarySandbox(t)
	before := requests(t, h)
	for _, poll := range []string{"0", "-1s", "2m"} {
		r := h.Run(t, false, "deliver", "--app", "com.example.daybreak", "--dry-run", "--poll", poll).Want(t, 2)
		if msg := r.Err.Error(); !strings.Contains(msg, "--poll must be above 0 and at most 1m") || strings.Contains(msg, "\n") {
			t.Errorf("--poll %s: %q", poll, msg)
		}
	}
	if n := requests(t, h) - before; n != 0 {
		t.Errorf("%d requests made", n)
	}
}

// --build-timeout bounds the wait for the binary's processing: past it deliver exits 8 with
// its one build upload kept for the next run. A bound of 0 or less is a usage error before
// any request.
func TestDeliverBuildTimeout(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 20 * time.Millisecond, BuildProcessingDelay: time.Hour, PartSize: 64 << 10})
	before := requests(t, h)
	for _, d := range []string{"0", "-1s"} {
		r := h.Run(t, false, "deliver", "--app", "com.example.daybreak", "--dry-run", "--build-timeout", d).Want(t, 2)
		if msg := r.Err.Error(); !strings.Contains(msg, "--build-timeout must be above 0") || strings.Contains(msg, "\n") {
			t.Errorf("--build-timeout %s: %q", d, msg)
		}
	}
	if n := requests(t, h) - before; n != 0 {
		t.Errorf("%d requests made", n)
	}
	ipa := writeIPA(t, t.TempDir(), "App.ipa", archivetest.App{Version: "2.4.0", Build: "601"})
	h.Run(t, false, "deliver", "--ipa", ipa, "--skip-metadata", "--skip-screenshots", "--poll", "10ms", "--build-timeout", "50ms").Want(t, 8)
	if n := h.Stats(t)["POST /v1/buildUploads"]; n != 1 {
		t.Errorf("%d build uploads after the timeout, want 1", n)
	}
}

// --reject-timeout bounds reject_if_possible's wait: a cancel App Store Connect takes longer
// to carry out than the bound exits 8 having cancelled once. A bound of 0 or less is a usage
// error before any request.
func TestDeliverRejectTimeout(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ReviewDelay: time.Hour})
	fl := daybreakProject(t, "app_version \"2.4.0\"\nsubmit_for_review true\nskip_screenshots true\n")
	before := requests(t, h)
	for _, d := range []string{"0", "-1s"} {
		r := h.Run(t, false, "deliver", "--fastlane", fl, "--dry-run", "--reject-timeout", d).Want(t, 2)
		if msg := r.Err.Error(); !strings.Contains(msg, "--reject-timeout must be above 0") || strings.Contains(msg, "\n") {
			t.Errorf("--reject-timeout %s: %q", d, msg)
		}
	}
	if n := requests(t, h) - before; n != 0 {
		t.Errorf("%d requests made", n)
	}
	h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0) // submitted: waiting for review
	patches := h.Stats(t)["PATCH /v1/reviewSubmissions/{id}"]
	r := h.Run(t, false, "deliver", "--fastlane", fl, "--reject-if-possible", "--reject-timeout", "50ms").Want(t, 8)
	if msg := r.Err.Error(); !strings.Contains(msg, "reject: review submission") || !strings.Contains(msg, "run deliver again to go on waiting") {
		t.Errorf("timed-out reject: %q", msg)
	}
	if n := h.Stats(t)["PATCH /v1/reviewSubmissions/{id}"] - patches; n != 1 {
		t.Errorf("%d submission PATCHes by the timed-out reject, want 1 (the cancel)", n)
	}
}
