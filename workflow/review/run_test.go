package review_test

import (
	"context"
	"errors"
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
	clock := &sbClock{sb: sb, now: time.Now()}
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

type sbClock struct {
	sb  *sandboxtest.Sandbox
	now time.Time
}

func (c *sbClock) Now() time.Time { return c.now }
func (c *sbClock) Sleep(_ context.Context, d time.Duration) error {
	c.now = c.now.Add(d)
	c.sb.Advance(d)
	return nil
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
		WaitOptions: review.WaitOptions{Clock: &sbClock{sb: sb, now: time.Now()}, Timeout: 72 * time.Hour}})
	if err != nil || o.Outcome == nil || !o.Outcome.Approved || o.Outcome.SubmissionID != sub {
		t.Fatalf("Send --wait again: %+v %v, want submission %s followed to its approval", o, err, sub)
	}
	if got := sb.Writes(); got != writes {
		t.Errorf("sending again after the interrupted wait wrote %d requests, want none", got-writes)
	}
}
