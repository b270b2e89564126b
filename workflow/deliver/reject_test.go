package deliver_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/review"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// submitted delivers daybreak's 2.4.0 to App Review, then changes the project's description,
// as a release that must go again with a fix.
func submitted(t *testing.T, sb *sandboxtest.Sandbox) (deliver.Options, string) {
	t.Helper()
	meta, _ := project(t, sb)
	yes := true
	o := deliver.Options{App: "com.example.daybreak", Platform: "IOS", Version: "2.4.0", MetadataPath: meta, SubmitForReview: &yes, AutomaticRelease: &yes}
	if r, err := deliver.Run(t.Context(), sb.Client(), o); err != nil {
		t.Fatalf("first delivery: %v (%s)", err, steps(r))
	}
	if st := versionState(t, sb); st != "WAITING_FOR_REVIEW" {
		t.Fatalf("after the first delivery 2.4.0 is %s", st)
	}
	fixed := "Daybreak plans every day, now with focus blocks and a fix."
	if err := os.WriteFile(filepath.Join(meta, "en-US", "description.txt"), []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	o.RejectIfPossible = &yes
	o.Withdraw = review.WaitOptions{Clock: sb.Clock()}
	return o, fixed
}

func versionState(t *testing.T, sb *sandboxtest.Sandbox) string {
	t.Helper()
	v, err := versions.Get(t.Context(), sb.Client(), versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS, Version: "2.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	return v.State
}

func description(t *testing.T, sb *sandboxtest.Sandbox) string {
	t.Helper()
	c := sb.Client()
	v, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS, Version: "2.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	locs, _, err := c.AppStoreVersions.ListLocalizations(t.Context(), v.ID, &asc.AppStoreVersionsListLocalizationsOptions{FilterLocale: []string{"en-US"}})
	if err != nil || len(locs.Data) != 1 {
		t.Fatalf("en-US of 2.4.0: %v", err)
	}
	return locs.Data[0].Attributes.Description
}

// TestRejectIfPossibleDeliversAgain: a version waiting for review, or in review, delivered
// with reject_if_possible is taken back (its submission cancelled once, the version awaited
// until DEVELOPER_REJECTED), gets the new metadata and is submitted again, in a new
// submission (the cancelled one is COMPLETE, its item REMOVED).
func TestRejectIfPossibleDeliversAgain(t *testing.T) {
	t.Parallel()
	for _, state := range []string{"WAITING_FOR_REVIEW", "IN_REVIEW"} {
		t.Run(state, func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
			o, fixed := submitted(t, sb)
			if state == "IN_REVIEW" {
				sb.Advance(time.Hour)
			}
			if st := versionState(t, sb); st != state {
				t.Fatalf("2.4.0 is %s, want %s", st, state)
			}
			dry := o
			dry.DryRun = true
			writes := sb.Writes()
			d, err := deliver.Run(t.Context(), sb.Client(), dry)
			if err != nil || !strings.HasPrefix(steps(d), "reject=planned version=unchanged") || sb.Writes() != writes {
				t.Fatalf("dry run: %s %v, %d writes", steps(d), err, sb.Writes()-writes)
			}
			patches := sb.Count("PATCH /v1/reviewSubmissions/{id}")
			r, err := deliver.Run(t.Context(), sb.Client(), o)
			if err != nil {
				t.Fatalf("deliver: %v (%s)", err, steps(r))
			}
			if got := steps(r); got != "reject=changed version=unchanged metadata=changed screenshots=skipped age rating=skipped phased release=skipped submission information=skipped submit=changed" {
				t.Errorf("steps: %s %+v", got, r.Steps)
			}
			if !strings.Contains(r.Steps[0].Detail, "("+state+") cancelled; version 2.4.0 is DEVELOPER_REJECTED") {
				t.Errorf("reject: %s", r.Steps[0].Detail)
			}
			if got := sb.Count("PATCH /v1/reviewSubmissions/{id}") - patches; got != 2 { // the cancel, the submit
				t.Errorf("%d PATCHes of the submission, want 2", got)
			}
			if n := sb.Count("POST /v1/reviewSubmissions"); n != 2 {
				t.Errorf("%d review submissions created, want 2", n)
			}
			if st := versionState(t, sb); st != "WAITING_FOR_REVIEW" {
				t.Errorf("2.4.0 is %s after the delivery", st)
			}
			if got := description(t, sb); got != fixed {
				t.Errorf("description %q", got)
			}
			t.Logf("%s: %s", state, r.Steps[0].Detail)
		})
	}
}

// TestRejectIfPossibleCancelsASubmissionWithUnresolvedIssues: a version App Review rejected
// (its submission UNRESOLVED_ISSUES) delivered with reject_if_possible has that submission
// cancelled, as fastlane does, the version staying REJECTED (editable), and goes again in a
// new submission with the new metadata.
func TestRejectIfPossibleCancelsASubmissionWithUnresolvedIssues(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour, RejectReviews: true})
	o, fixed := submitted(t, sb)
	sb.Advance(2 * time.Hour)
	if st := versionState(t, sb); st != "REJECTED" {
		t.Fatalf("2.4.0 is %s, want REJECTED", st)
	}
	patches := sb.Count("PATCH /v1/reviewSubmissions/{id}")
	r, err := deliver.Run(t.Context(), sb.Client(), o)
	if err != nil {
		t.Fatalf("deliver: %v (%s)", err, steps(r))
	}
	if !strings.HasPrefix(steps(r), "reject=changed") || !strings.Contains(r.Steps[0].Detail, "(UNRESOLVED_ISSUES) cancelled; version 2.4.0 is REJECTED") {
		t.Errorf("steps: %s %+v", steps(r), r.Steps)
	}
	if got := sb.Count("PATCH /v1/reviewSubmissions/{id}") - patches; got != 2 { // the cancel, the submit
		t.Errorf("%d PATCHes of the submission, want 2", got)
	}
	if n := sb.Count("POST /v1/reviewSubmissions"); n != 2 {
		t.Errorf("%d review submissions created, want 2", n)
	}
	if st := versionState(t, sb); st != "WAITING_FOR_REVIEW" || description(t, sb) != fixed {
		t.Errorf("2.4.0 is %s with %q", st, description(t, sb))
	}
}

// TestRejectIfPossibleNothingToReject: with no submission with App Review, reject_if_possible
// is one note and sends nothing for it; the release goes on.
func TestRejectIfPossibleNothingToReject(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	yes := true
	o := deliver.Options{App: "com.example.daybreak", Platform: "IOS", Version: "2.4.0", SkipMetadata: &yes, RejectIfPossible: &yes}
	r, err := deliver.Run(t.Context(), sb.Client(), o)
	if err != nil {
		t.Fatal(err)
	}
	var notes []string
	for _, n := range r.Notes {
		if strings.Contains(n, "reject_if_possible") {
			notes = append(notes, n)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0], "nothing to reject") {
		t.Errorf("notes: %q", r.Notes)
	}
	if strings.Contains(steps(r), "reject") {
		t.Errorf("steps: %s", steps(r))
	}
	if n := sb.Count("PATCH /v1/reviewSubmissions/{id}"); n != 0 || sb.Writes() != 0 {
		t.Errorf("%d submission PATCHes, %d writes", n, sb.Writes())
	}
}

// TestRejectIfPossibleStoppedAfterTheCancelConverges: a run stopped once its cancel was
// answered, run again, waits for that cancel (never sending a second) and delivers; so does
// one run again after the cancel has taken effect.
func TestRejectIfPossibleStoppedAfterTheCancelConverges(t *testing.T) {
	t.Parallel()
	for _, settled := range []bool{false, true} {
		t.Run(map[bool]string{false: "canceling", true: "canceled"}[settled], func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
			o, fixed := submitted(t, sb)
			patches := sb.Count("PATCH /v1/reviewSubmissions/{id}")
			ctx, cancel := context.WithCancel(t.Context())
			k := &killer{base: http.DefaultTransport, n: 1, cancel: cancel}
			_, err := deliver.Run(ctx, sb.Client(asc.WithHTTPClient(&http.Client{Transport: k})), o)
			cancel()
			if err == nil || k.writes != 1 {
				t.Fatalf("stopped after the cancel: %v, %d writes", err, k.writes)
			}
			if settled {
				sb.Advance(time.Hour)
				if st := versionState(t, sb); st != "DEVELOPER_REJECTED" {
					t.Fatalf("after the cancel took effect 2.4.0 is %s", st)
				}
			} else if st := versionState(t, sb); st != "WAITING_FOR_REVIEW" {
				t.Fatalf("while cancelling 2.4.0 is %s", st)
			}
			r, err := deliver.Run(t.Context(), sb.Client(), o)
			if err != nil {
				t.Fatalf("run again: %v (%s)", err, steps(r))
			}
			if got := sb.Count("PATCH /v1/reviewSubmissions/{id}") - patches; got != 2 { // one cancel, one submit
				t.Errorf("%d PATCHes of the submission, want 2", got)
			}
			if settled {
				if !strings.Contains(strings.Join(r.Notes, "\n"), "reject_if_possible: nothing to reject") || strings.Contains(steps(r), "reject") {
					t.Errorf("after the cancel took effect: %s %q", steps(r), r.Notes)
				}
			} else if !strings.HasPrefix(steps(r), "reject=changed") || !strings.Contains(r.Steps[0].Detail, "cancelled by an earlier run") {
				t.Errorf("while cancelling: %s %+v", steps(r), r.Steps)
			}
			if st := versionState(t, sb); st != "WAITING_FOR_REVIEW" || description(t, sb) != fixed {
				t.Errorf("2.4.0 is %s with %q", st, description(t, sb))
			}
		})
	}
}

// TestSkipAppVersionUpdate: with skip_app_version_update, an app_version other than the
// version being prepared neither creates a version nor renames it: 2.4.0 keeps its string
// (one note says app_version was not applied) and gets the metadata and the submission; with
// no version being prepared for the platform the run is one error and sends nothing.
func TestSkipAppVersionUpdate(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	meta, _ := project(t, sb)
	yes := true
	o := deliver.Options{App: "com.example.daybreak", Platform: "IOS", Version: "2.5.0", MetadataPath: meta, SubmitForReview: &yes,
		AutomaticRelease: &yes, SkipAppVersionUpdate: &yes}
	r, err := deliver.Run(t.Context(), sb.Client(), o)
	if err != nil {
		t.Fatalf("deliver: %v (%s)", err, steps(r))
	}
	if r.Version != "2.4.0" || !strings.HasPrefix(steps(r), "version=changed metadata=changed") || !strings.HasSuffix(steps(r), "submit=changed") {
		t.Errorf("version %s, steps %s %+v", r.Version, steps(r), r.Steps)
	}
	if r.Steps[0].Detail != "2.4.0: releaseType" {
		t.Errorf("version step: %q", r.Steps[0].Detail)
	}
	var notes []string
	for _, n := range r.Notes {
		if strings.Contains(n, "skip_app_version_update") {
			notes = append(notes, n)
		}
	}
	if len(notes) != 1 || notes[0] != "app_version 2.5.0 is not applied: skip_app_version_update keeps version 2.4.0's string as it is" {
		t.Errorf("notes: %q", r.Notes)
	}
	if n := sb.Count("POST /v1/appStoreVersions"); n != 0 {
		t.Errorf("%d versions created", n)
	}
	if st := versionState(t, sb); st != "WAITING_FOR_REVIEW" {
		t.Errorf("2.4.0 is %s", st)
	}
	if _, err := versions.Get(t.Context(), sb.Client(), versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS, Version: "2.5.0"}); err == nil {
		t.Error("a version 2.5.0 exists")
	}
	if !strings.Contains(description(t, sb), "focus blocks") {
		t.Errorf("description %q", description(t, sb))
	}
	// Run again: the version App Review has now is used as it is, nothing written.
	writes := sb.Writes()
	if again, err := deliver.Run(t.Context(), sb.Client(), o); err != nil || sb.Writes() != writes {
		t.Errorf("again: %s %v, %d writes", steps(again), err, sb.Writes()-writes)
	}

	// No version for the platform: one error naming the option, nothing sent.
	writes = sb.Writes()
	mac := o
	mac.Platform = "MAC_OS"
	_, err = deliver.Run(t.Context(), sb.Client(), mac)
	if err == nil || !strings.Contains(err.Error(), "no version being prepared for MAC_OS, and skip_app_version_update keeps deliver from creating one") || strings.Contains(err.Error(), "\n") {
		t.Errorf("no version: %v", err)
	}
	if sb.Writes() != writes {
		t.Errorf("no version: %d writes", sb.Writes()-writes)
	}
}
