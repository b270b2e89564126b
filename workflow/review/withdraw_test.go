package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/review"
)

// TestWithdrawInEachState: Withdraw cancels a submission waiting for review, in review or with
// unresolved issues (as fastlane's reject_if_possible and App Store Connect's Cancel
// Submission do) and waits until its version can be edited and the submission has left
// CANCELING; a draft and none at all are left alone, with why, and nothing written.
func TestWithdrawInEachState(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		state    string
		withdraw bool
		nothing  string
		// versionState is the version's once withdrawn: a rejected one stays REJECTED.
		versionState string
	}{
		{"NONE", false, "no review submission for IOS in progress", ""},
		{"READY_FOR_REVIEW", false, "is READY_FOR_REVIEW, not with App Review", ""},
		{"WAITING_FOR_REVIEW", true, "", "DEVELOPER_REJECTED"},
		{"IN_REVIEW", true, "", "DEVELOPER_REJECTED"},
		{"UNRESOLVED_ISSUES", true, "", "REJECTED"},
	} {
		t.Run(tc.state, func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour, RejectReviews: tc.state == "UNRESOLVED_ISSUES"})
			c := sb.Client()
			app, _, err := apps.Resolve(t.Context(), c, "com.example.daybreak")
			if err != nil {
				t.Fatal(err)
			}
			if tc.state != "NONE" {
				v, err := review.Send(t.Context(), c, review.SendRequest{App: app.ID})
				if err != nil {
					t.Fatal(err)
				}
				if tc.state == "READY_FOR_REVIEW" {
					// A draft: the version added to a submission that is not submitted.
					if _, err := review.Cancel(t.Context(), c, app.ID, asc.PlatformIOS); err != nil {
						t.Fatal(err)
					}
					sb.Advance(time.Hour)
					if _, err := review.Submit(t.Context(), c, review.Request{App: app.ID, Version: v.Version.ID, Platform: asc.PlatformIOS}); err != nil {
						t.Fatal(err)
					}
				}
				switch tc.state {
				case "IN_REVIEW":
					sb.Advance(time.Hour)
				case "UNRESOLVED_ISSUES":
					sb.Advance(2 * time.Hour)
				}
			}
			writes := sb.Writes()
			clock := sb.Clock()
			w, err := review.Withdraw(t.Context(), c, review.WithdrawRequest{App: app.ID, Platform: asc.PlatformIOS, WaitOptions: review.WaitOptions{Clock: clock}})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.withdraw {
				if !strings.Contains(w.Nothing, tc.nothing) || w.Canceled || sb.Writes() != writes {
					t.Errorf("%+v, %d writes; want nothing done because %q", w, sb.Writes()-writes, tc.nothing)
				}
				return
			}
			if !w.Canceled || !w.Withdrawn || w.State != asc.ReviewSubmissionState(tc.state) || w.VersionState != tc.versionState || sb.Writes() != writes+1 {
				t.Errorf("%+v, %d writes", w, sb.Writes()-writes)
			}
			// The cancel waited for: 2 reads to find it, the cancel, a GET a poll (of the version
			// until it is editable, then of the submission), the submission's once the version is.
			want := 3 + w.Polls + 1
			if tc.versionState == "REJECTED" {
				want = 3 + w.Polls // editable all along: only the submission is polled
			}
			if w.Requests != want {
				t.Errorf("%d requests for %d polls", w.Requests, w.Polls)
			}
			// Run again: nothing in progress, nothing sent.
			again, err := review.Withdraw(t.Context(), c, review.WithdrawRequest{App: app.ID, Platform: asc.PlatformIOS, WaitOptions: review.WaitOptions{Clock: clock}})
			if err != nil || again.Nothing == "" || sb.Writes() != writes+1 {
				t.Errorf("again: %+v %v", again, err)
			}
		})
	}
}
