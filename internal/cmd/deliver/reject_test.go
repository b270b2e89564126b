package deliver_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// daybreakProject writes a fastlane project releasing daybreak's 2.4.0 with the Deliverfile's
// lines given, and returns its folder.
func daybreakProject(t *testing.T, deliverfile string) string {
	t.Helper()
	fl := filepath.Join(t.TempDir(), "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata", "en-US"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte(deliverfile), 0o644)
	os.WriteFile(filepath.Join(fl, "metadata", "en-US", "promotional_text.txt"), []byte("Plan the week in a minute."), 0o644)
	return fl
}

// TestDeliverRejectIfPossible: a release waiting for review, delivered again with
// --reject-if-possible (or the Deliverfile's reject_if_possible), is taken back from App
// Review, gets the new metadata and is submitted again; with nothing in review the option is
// one note and sends nothing for it.
func TestDeliverRejectIfPossible(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"flag", "Deliverfile"} {
		t.Run(how, func(t *testing.T) {
			t.Parallel()
			h := cmdtest.New(t, sandbox.Options{ReviewDelay: time.Hour})
			lines := "app_version \"2.4.0\"\nsubmit_for_review true\nautomatic_release true\nskip_screenshots true\n"
			args := []string{"deliver", "--fastlane", ""}
			if how == "flag" {
				args = append(args, "--reject-if-possible")
			} else {
				lines += "reject_if_possible true\n"
			}
			fl := daybreakProject(t, lines)
			args[2] = fl
			// Nothing with App Review yet: one note, and the release is submitted.
			r := h.Run(t, false, args...).Want(t, 0)
			if strings.Count(r.Stderr, "reject_if_possible") != 1 || !strings.Contains(r.Stderr, "note: reject_if_possible: nothing to reject") || strings.Contains(r.Stdout, "reject\t") {
				t.Errorf("nothing to reject: %s\n%s", r.Stdout, r.Stderr)
			}
			if h.Stats(t)["PATCH /v1/reviewSubmissions/{id}"] != 1 { // the submit
				t.Errorf("submission PATCHes: %v", h.Stats(t))
			}
			// The cancel takes App Store Connect a quarter of an hour here: the sandbox's clock
			// is moved on once it is sent, so the wait ends at its first poll.
			if err := h.SB.SetFaultRules(sandbox.FaultRule{Method: "PATCH", Route: "/v1/reviewSubmissions/{id}", After: true, Times: 1, Delay: time.Millisecond,
				Call: func(*http.Request) { go h.SB.Advance(time.Hour) }}); err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(fl, "metadata", "en-US", "promotional_text.txt"), []byte("Plan the week in a minute, or less."), 0o644)
			r = h.Run(t, false, args...).Want(t, 0)
			for _, want := range []string{"reject\tchanged\treview submission", "(WAITING_FOR_REVIEW) cancelled; version 2.4.0 is DEVELOPER_REJECTED", "metadata\tchanged", "submit\tchanged"} {
				if !strings.Contains(r.Stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.Stdout)
				}
			}
			if n := h.Stats(t)["PATCH /v1/reviewSubmissions/{id}"]; n != 3 { // submit, cancel, submit
				t.Errorf("%d submission PATCHes", n)
			}
			if n := h.Stats(t)["POST /v1/reviewSubmissions"]; n != 2 { // the cancelled one is COMPLETE
				t.Errorf("%d submissions created", n)
			}
		})
	}
}

// TestDeliverSkipAppVersionUpdate: --skip-app-version-update keeps the version being prepared
// as it is whatever --app-version says (a note), and refuses before any write when the
// platform has none.
func TestDeliverSkipAppVersionUpdate(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	fl := daybreakProject(t, "app_version \"2.5.0\"\nskip_screenshots true\n")
	r := h.Run(t, false, "deliver", "--fastlane", fl, "--skip-app-version-update").Want(t, 0)
	if !strings.Contains(r.Stderr, "note: app_version 2.5.0 is not applied: skip_app_version_update keeps version 2.4.0's string as it is") ||
		!strings.Contains(r.Stderr, "deliver com.example.daybreak 2.4.0") || !strings.Contains(r.Stdout, "metadata\tchanged") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", r.Stdout, r.Stderr)
	}
	if n := h.Stats(t)["POST /v1/appStoreVersions"]; n != 0 {
		t.Errorf("%d versions created", n)
	}
	writes := h.Writes(t)
	r = h.Run(t, false, "deliver", "--fastlane", fl, "--skip-app-version-update", "--platform", "TV_OS").Want(t, 1)
	if !strings.Contains(r.Err.Error(), "no version being prepared for TV_OS, and skip_app_version_update keeps deliver from creating one") || h.Writes(t) != writes {
		t.Errorf("no version: %v, %d writes", r.Err, h.Writes(t)-writes)
	}
}

// TestDeliverProcessKilledAtTheCancelConverges: ascend deliver --reject-if-possible, a real
// process, killed by SIGKILL at its cancel of the submission (before the sandbox applies it,
// and after), then run again, takes the version back once and delivers it: one submission
// cancelled (COMPLETE, its item REMOVED), a new one waiting for review with the new
// description, and no error for a cancel already made.
func TestDeliverProcessKilledAtTheCancelConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping under -short: builds ascend and runs it 6 times")
	}
	t.Parallel()
	bin := testutil.BuildBinary(t, "./cmd/ascend")
	for _, after := range []bool{false, true} {
		t.Run(map[bool]string{false: "before it applied", true: "after it applied"}[after], func(t *testing.T) {
			t.Parallel()
			r := newKillRelease(t, "")
			if out, err := r.run(t, bin, nil, nil); err != nil {
				t.Fatalf("deliver: %v\n%s", err, out)
			}
			fixed := "Daybreak plans every day, now with focus blocks and a fix."
			os.WriteFile(filepath.Join(r.fastlane, "metadata", "en-US", "description.txt"), []byte(fixed), 0o644)
			r.args = []string{"--reject-if-possible"}
			started, done := make(chan *os.Process, 1), make(chan struct{})
			r.sb.Fail(killAt(1, after, started, done)) // the run's first write is the cancel
			if out, err := r.run(t, bin, started, done); err == nil || err.Error() != "signal: killed" {
				t.Fatalf("the run was not killed (%v):\n%s", err, out)
			}
			// The cancel takes the sandbox a quarter of an hour: its clock is moved on at the
			// run's first read of the version, so the wait ends in a poll or two.
			r.sb.Fail(sandbox.FaultRule{Method: "GET", Route: "/v1/appStoreVersions/{id}", Times: 1, Delay: time.Millisecond,
				Call: func(*http.Request) { go r.sb.Advance(time.Hour) }})
			out, err := r.run(t, bin, nil, nil)
			if err != nil {
				t.Fatalf("run again: %v\n%s", err, out)
			}
			if !regexp.MustCompile(`reject\s+changed\s+review submission \S+ \((WAITING_FOR_REVIEW|CANCELING)\) cancelled`).MatchString(out) {
				t.Errorf("run again:\n%s", out)
			}
			if after && !strings.Contains(out, "cancelled by an earlier run") {
				t.Errorf("the cancel made before the kill is not the earlier run's:\n%s", out)
			}
			r.sb.Fail()
			c := r.sb.Client()
			subs, _, err := c.Apps.ListReviewSubmissions(t.Context(), r.sb.IDs("apps")[0], &asc.AppsListReviewSubmissionsOptions{FilterPlatform: []asc.Platform{asc.PlatformIOS}, Limit: 200})
			if err != nil {
				t.Fatal(err)
			}
			states := map[asc.ReviewSubmissionState]int{}
			for _, s := range subs.Data {
				states[s.Attributes.State]++
			}
			if r.made("reviewSubmissions") != 2 || states[asc.ReviewSubmissionStateWaitingForReview] != 1 {
				t.Errorf("%d submissions made, states %v", r.made("reviewSubmissions"), states)
			}
			v, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS, Version: "2.4.0"})
			if err != nil || v.State != "WAITING_FOR_REVIEW" {
				t.Fatalf("2.4.0: %+v %v", v, err)
			}
			locs, _, err := c.AppStoreVersions.ListLocalizations(t.Context(), v.ID, &asc.AppStoreVersionsListLocalizationsOptions{FilterLocale: []string{"en-US"}})
			if err != nil || len(locs.Data) != 1 || locs.Data[0].Attributes.Description != fixed {
				t.Errorf("en-US description: %+v %v", locs, err)
			}
		})
	}
}
