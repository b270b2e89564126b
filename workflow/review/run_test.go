package review_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/review"
	"github.com/ascend-tools/ascend/workflow/versions"
)

func TestSendRefusesAVersionThatIsNotReadyAndSendsNothing(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	_, err := review.Send(t.Context(), sb.Client(), review.SendRequest{App: "com.example.quiethours"})
	var nr *review.NotReadyError
	if !errors.As(err, &nr) || len(nr.Missing) == 0 {
		t.Fatalf("%v, want a list of missing pieces", err)
	}
	t.Log(err)
	if sb.Writes() != 0 {
		t.Errorf("%d writes for a version that is not ready", sb.Writes())
	}
}

// TestSendNamesMissingContentRightsAndExportCompliance: an app that has not said whether it
// uses third-party content and a build without export compliance are both named before
// anything is sent, as App Review would refuse them.
func TestSendNamesMissingContentRightsAndExportCompliance(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	v, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	sb.Set("apps", sb.IDs("apps")[0], "contentRightsDeclaration", nil)
	sb.Set("builds", v.BuildID, "usesNonExemptEncryption", nil)
	_, err = review.Send(t.Context(), c, review.SendRequest{App: "com.example.daybreak"})
	var nr *review.NotReadyError
	if !errors.As(err, &nr) {
		t.Fatalf("%v, want a list of missing pieces", err)
	}
	var what []string
	for _, m := range nr.Missing {
		what = append(what, m.What)
	}
	if strings.Join(what, ",") != "export compliance,content rights" {
		t.Errorf("missing %q: %v", what, err)
	}
	if sb.Writes() != 0 {
		t.Errorf("%d writes for a version that is not ready", sb.Writes())
	}
}

func TestWaitThroughADayOfReviewPollsNarrowly(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: 12 * time.Hour})
	c := sb.Client()
	vs, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	app, _, err := apps.Resolve(t.Context(), c, "com.example.daybreak")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := review.Submit(t.Context(), c, review.Request{App: app.ID, Version: vs.ID, Platform: asc.PlatformIOS, Submit: true})
	if err != nil {
		t.Fatal(err)
	}
	clock := sb.Clock()
	short, err := review.Wait(t.Context(), c, sub.Submission.ID, review.WaitOptions{Clock: clock, Timeout: time.Hour})
	var pe *review.PendingError
	if !errors.As(err, &pe) || short.Approved {
		t.Fatalf("a wait of an hour through a day of review: %+v %v, want pending", short, err)
	}
	o, err := review.Wait(t.Context(), c, sub.Submission.ID, review.WaitOptions{Clock: clock, Timeout: 72 * time.Hour})
	if err != nil || !o.Approved || o.State != asc.ReviewSubmissionStateComplete {
		t.Fatalf("outcome %+v %v", o, err)
	}
	// Fastlane-style polling every 30 s would make 2880 requests in 24 hours.
	if o.Polls > 80 {
		t.Errorf("%d polls through a day of review", o.Polls)
	}
	t.Logf("24h review followed in %d polls", o.Polls)
}

// TestSendAgainFollowsTheSubmissionAnInterruptedWaitLeft: a Send whose wait for App Review
// was interrupted (Ctrl-C) has sent the version, so it is no longer being prepared. Sent
// again, by the version being prepared or by its version string, Send follows that same
// submission, writing nothing, and with Wait follows it to App Review's outcome.
func TestSendAgainFollowsTheSubmissionAnInterruptedWaitLeft(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: 12 * time.Hour})
	c := sb.Client()
	const app = "com.example.daybreak"
	ctx, interrupt := context.WithCancel(t.Context())
	first, err := review.Send(ctx, c, review.SendRequest{App: app, Wait: true,
		WaitOptions: review.WaitOptions{Progress: func(asc.ReviewSubmissionState) { interrupt() }}})
	if !errors.Is(err, context.Canceled) || first == nil || first.Result == nil {
		t.Fatalf("interrupted wait: %+v %v, want the submission sent and context.Canceled", first, err)
	}
	sub := first.Result.Submission.ID
	writes := sb.Writes()
	for _, version := range []string{"", first.Version.Version} {
		again, err := review.Send(t.Context(), c, review.SendRequest{App: app, Version: version})
		if err != nil {
			t.Fatalf("Send again (version %q) after the interrupted wait: %v", version, err)
		}
		if got := again.Result.Submission.ID; got != sub || again.Result.Created || again.Result.ItemAdded || again.Result.Submitted {
			t.Errorf("Send again (version %q): submission %s %+v, want %s followed as it is", version, got, again.Result, sub)
		}
	}
	o, err := review.Send(t.Context(), c, review.SendRequest{App: app, Wait: true,
		WaitOptions: review.WaitOptions{Clock: sb.Clock(), Timeout: 72 * time.Hour}})
	if err != nil || o.Outcome == nil || !o.Outcome.Approved || o.Outcome.SubmissionID != sub {
		t.Fatalf("Send --wait again: %+v %v, want submission %s followed to its approval", o, err, sub)
	}
	if got := sb.Writes(); got != writes {
		t.Errorf("sending again after the interrupted wait wrote %d requests, want none", got-writes)
	}
}

// reviewedOnce gives the app's version being prepared the release type, sends it and lets
// App Review finish with it (the sandbox's clock moved past the review), returning the
// submission and the version string.
func reviewedOnce(t *testing.T, sb *sandboxtest.Sandbox, app, release string) (sub, version string) {
	t.Helper()
	c := sb.Client()
	v, err := versions.Get(t.Context(), c, versions.Query{App: app, Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	sb.Set("appStoreVersions", v.ID, "releaseType", release)
	first, err := review.Send(t.Context(), c, review.SendRequest{App: app})
	if err != nil {
		t.Fatal(err)
	}
	sb.Advance(3 * time.Hour)
	return first.Result.Submission.ID, first.Version.Version
}

// TestSendAgainAfterApprovalShowsItAndSendsNothing: App Review approved the version after
// the run that sent it stopped (no wait, or a wait stopped). Sent again, by the version
// being prepared or by its version string, with or without a wait, Send shows that approval
// from the app's latest submission and writes nothing: whether the version waits for its
// manual release or went out on approval.
func TestSendAgainAfterApprovalShowsItAndSendsNothing(t *testing.T) {
	t.Parallel()
	for _, release := range []string{"MANUAL", "AFTER_APPROVAL"} {
		t.Run(release, func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
			c := sb.Client()
			const app = "com.example.daybreak"
			sub, version := reviewedOnce(t, sb, app, release)
			writes, reads, requests := sb.Writes(), sb.Stats().ByMethod["GET"], 0
			for _, name := range []string{"", version} {
				for _, wait := range []bool{false, true} {
					again, err := review.Send(t.Context(), c, review.SendRequest{App: app, Version: name, Wait: wait})
					if err != nil {
						t.Fatalf("Send again (version %q, wait %v) after the approval: %v", name, wait, err)
					}
					if !again.AlreadyReviewed || again.Outcome == nil || !again.Outcome.Approved || again.Outcome.SubmissionID != sub ||
						again.Outcome.State != asc.ReviewSubmissionStateComplete || again.Version.Version != version {
						t.Errorf("Send again (version %q, wait %v): %+v outcome %+v, want submission %s's approval of %s", name, wait, again, again.Outcome, sub, version)
					}
					// The app, the version asked for (and, by default, the app's versions), the
					// app's review submissions and the latest one's items.
					if want := map[string]int{"": 5, version: 4}[name]; again.Requests != want {
						t.Errorf("Send again (version %q): %d requests, want %d", name, again.Requests, want)
					}
					requests += again.Requests
					t.Logf("version %q: %s %s, %d requests", name, again.Version.State, again.Outcome.State, again.Requests)
				}
			}
			if got := sb.Stats().ByMethod["GET"] - reads; got != requests {
				t.Errorf("%d reads, %d counted", got, requests)
			}
			if _, err := review.Send(t.Context(), c, review.SendRequest{App: app, Build: "999"}); err == nil || !strings.Contains(err.Error(), "build 999 cannot be attached") {
				t.Errorf("Send with another build after the approval: %v, want it refused", err)
			}
			if got := sb.Writes(); got != writes {
				t.Errorf("sending again after the approval wrote %d requests, want none", got-writes)
			}
		})
	}
}

// TestSendAgainFindsTheLatestReviewPastAPage: with more review submissions than one page
// holds, the latest is found wherever it is listed, each page read once.
func TestSendAgainFindsTheLatestReviewPastAPage(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	c := sb.Client()
	const app = "com.example.daybreak"
	sub, version := reviewedOnce(t, sb, app, "MANUAL")
	ref, _, err := apps.Resolve(t.Context(), c, app)
	if err != nil {
		t.Fatal(err)
	}
	appID := ref.ID
	for i := range 230 {
		sb.Add("reviewSubmissions", map[string]any{"platform": "IOS", "state": "COMPLETE",
			"submittedDate": time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339)}, map[string]string{"app": appID})
	}
	reads := sb.Stats().ByMethod["GET"]
	again, err := review.Send(t.Context(), c, review.SendRequest{App: app, Version: version})
	if err != nil || !again.AlreadyReviewed || again.Outcome.SubmissionID != sub {
		t.Fatalf("Send again with 231 review submissions: %+v %v, want submission %s's approval", again, err, sub)
	}
	// The app, the version, two pages of submissions, the latest one's items.
	if got := sb.Stats().ByMethod["GET"] - reads; got != 5 || again.Requests != 5 {
		t.Errorf("%d reads (%d counted), want 5", got, again.Requests)
	}
}

// TestSendLongAfterAnApprovalWantsAVersion: a version approved and on the App Store for a
// month is not what a run naming no version came back for (it is someone about to submit a
// version not made yet): the old error stands. Named, the version shows its approval.
func TestSendLongAfterAnApprovalWantsAVersion(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	c := sb.Client()
	const app = "com.example.daybreak"
	sub, version := reviewedOnce(t, sb, app, "AFTER_APPROVAL")
	clock := sb.Clock()
	_ = clock.Sleep(t.Context(), 30*24*time.Hour)
	writes := sb.Writes()
	_, err := review.Send(t.Context(), c, review.SendRequest{App: app, WaitOptions: review.WaitOptions{Clock: clock}})
	if !errors.Is(err, versions.ErrNotFound) {
		t.Errorf("Send a month after the approval, naming no version: %v, want no version being prepared", err)
	}
	named, err := review.Send(t.Context(), c, review.SendRequest{App: app, Version: version, WaitOptions: review.WaitOptions{Clock: clock}})
	if err != nil || !named.AlreadyReviewed || !named.Outcome.Approved || named.Outcome.SubmissionID != sub {
		t.Errorf("Send %s a month after its approval: %+v %v, want submission %s's approval", version, named, err, sub)
	}
	if sb.Writes() != writes {
		t.Errorf("%d writes", sb.Writes()-writes)
	}
}

// rejectedOnce starts a sandbox whose App Review rejects, sends daybreak's version and waits
// for the rejection, returning what the wait gave.
func rejectedOnce(t *testing.T) (*sandboxtest.Sandbox, *sandboxtest.Clock, *review.SendResult, *review.RejectedError) {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour, RejectReviews: true})
	clock := sb.Clock()
	first, err := review.Send(t.Context(), sb.Client(), review.SendRequest{App: "com.example.daybreak", Wait: true, WaitOptions: review.WaitOptions{Clock: clock}})
	var waited *review.RejectedError
	if !errors.As(err, &waited) {
		t.Fatalf("the wait: %+v %v, want a rejection", first, err)
	}
	if want := "version " + first.Version.Version + ": App Review found issues with submission"; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("the wait's rejection: %v, want it to start %q", err, want)
	}
	return sb, clock, first, waited
}

// TestSendAgainAfterRejectionShowsItAndSendsNothing: App Review rejected the version the
// wait followed; sent again (by default, by version string, with a wait), Send gives the
// rejection the wait gave, writing nothing, instead of sending the unchanged version back.
// Asked to resubmit, it sends the same submission again.
func TestSendAgainAfterRejectionShowsItAndSendsNothing(t *testing.T) {
	t.Parallel()
	sb, clock, first, waited := rejectedOnce(t)
	c := sb.Client()
	const app = "com.example.daybreak"
	writes := sb.Writes()
	var shown error
	for _, name := range []string{"", first.Version.Version} {
		for _, wait := range []bool{false, true} {
			again, err := review.Send(t.Context(), c, review.SendRequest{App: app, Version: name, Wait: wait, WaitOptions: review.WaitOptions{Clock: clock}})
			shown = err
			var rej *review.RejectedError
			if !errors.As(err, &rej) || !rej.Earlier || rej.Outcome.SubmissionID != waited.Outcome.SubmissionID ||
				rej.Outcome.State != waited.Outcome.State || !slices.Equal(rej.Outcome.Items, waited.Outcome.Items) {
				t.Fatalf("Send again (version %q, wait %v) after the rejection: %+v %v, want the rejection the wait gave (%v)", name, wait, again, err, waited)
			}
			if !strings.Contains(err.Error(), "version 2.4.0 was already reviewed") || !strings.Contains(err.Error(), "nothing sent") {
				t.Errorf("the message does not say what it found: %v", err)
			}
		}
	}
	if got := sb.Writes(); got != writes {
		t.Errorf("sending again after the rejection wrote %d requests, want none", got-writes)
	}
	t.Log(shown)
	again, err := review.Send(t.Context(), c, review.SendRequest{App: app, Resubmit: true})
	if err != nil || again.Result.Submission.ID != waited.Outcome.SubmissionID || !again.Result.Submitted || again.Result.Created {
		t.Fatalf("resubmit: %+v %v, want submission %s sent again", again, err, waited.Outcome.SubmissionID)
	}
}

// TestSendWithAnotherBuildAfterRejectionSendsIt: after App Review rejected the version, Send
// with a build other than the rejected one is a new attempt: the build is attached and the
// same submission sent again, without Resubmit; the rejected build itself still only shows
// the rejection.
func TestSendWithAnotherBuildAfterRejectionSendsIt(t *testing.T) {
	t.Parallel()
	sb, _, first, waited := rejectedOnce(t)
	c := sb.Client()
	const app = "com.example.daybreak"
	writes := sb.Writes()
	if _, err := review.Send(t.Context(), c, review.SendRequest{App: app, Build: first.Version.BuildNumber}); !errors.As(err, new(*review.RejectedError)) {
		t.Fatalf("Send with the rejected build %s: %v, want the rejection shown", first.Version.BuildNumber, err)
	}
	if sb.Writes() != writes {
		t.Fatalf("Send with the rejected build wrote %d requests", sb.Writes()-writes)
	}
	other := "499"
	if first.Version.BuildNumber == other {
		other = "498"
	}
	again, err := review.Send(t.Context(), c, review.SendRequest{App: app, Build: other})
	if err != nil || again.AlreadyReviewed || !again.Result.Submitted || again.Result.Submission.ID != waited.Outcome.SubmissionID {
		t.Fatalf("Send with build %s after the rejection: %+v %v, want submission %s sent again", other, again, err, waited.Outcome.SubmissionID)
	}
	if again.Version.BuildNumber != other {
		t.Errorf("sent with build %s, want %s attached", again.Version.BuildNumber, other)
	}
}

// TestSendWithNothingSubmittedRecentlyKeepsNoVersionError: an app with no version at all,
// and an app whose one review (a year ago) approved the version now on the App Store, have
// nothing being prepared: Send says so, as before, sending nothing.
func TestSendWithNothingSubmittedRecentlyKeepsNoVersionError(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	fresh := sb.Add("apps", map[string]any{"bundleId": "com.example.fresh", "name": "Fresh", "sku": "FRESH", "primaryLocale": "en-US"}, nil)
	v, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.AppStoreVersions.Delete(t.Context(), v.ID); err != nil {
		t.Fatal(err)
	}
	writes := sb.Writes()
	for _, app := range []string{fresh, "com.example.daybreak"} {
		_, err := review.Send(t.Context(), c, review.SendRequest{App: app})
		if !errors.Is(err, versions.ErrNotFound) {
			t.Errorf("Send %s: %v, want no version being prepared", app, err)
		}
	}
	if sb.Writes() != writes {
		t.Errorf("%d writes", sb.Writes()-writes)
	}
}

// TestSendAfterCancelSendsAgain: a version the developer took back from review
// (DEVELOPER_REJECTED) has no reviewer's outcome: Send sends it again, in a new submission, as
// App Store Connect leaves the cancelled one COMPLETE with its item REMOVED.
func TestSendAfterCancelSendsAgain(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	c := sb.Client()
	const app = "com.example.daybreak"
	first, err := review.Send(t.Context(), c, review.SendRequest{App: app})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := review.Cancel(t.Context(), c, app, asc.PlatformIOS); err != nil {
		t.Fatal(err)
	}
	sb.Advance(time.Hour)
	again, err := review.Send(t.Context(), c, review.SendRequest{App: app})
	if err != nil || again.AlreadyReviewed || !again.Result.Submitted || !again.Result.Created || again.Result.Submission.ID == first.Result.Submission.ID {
		t.Fatalf("Send after the cancel: %+v %v, want a submission other than %s created and sent", again, err, first.Result.Submission.ID)
	}
	if again.Version.State != "DEVELOPER_REJECTED" {
		t.Errorf("the version was %s before it was sent again, want DEVELOPER_REJECTED", again.Version.State)
	}
}

// TestPendingErrorSaysHowLong: a wait cut short under a second says so in milliseconds.
func TestPendingErrorSaysHowLong(t *testing.T) {
	t.Parallel()
	err := &review.PendingError{SubmissionID: "s1", State: asc.ReviewSubmissionStateWaitingForReview, Waited: 400 * time.Millisecond}
	if !strings.Contains(err.Error(), " is still WAITING_FOR_REVIEW after 400ms;") {
		t.Errorf("%q", err)
	}
}
