package review_test

import (
	"errors"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/review"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// submitRequest names an app's version in preparation by id, as the gateway and agents do.
func submitRequest(t *testing.T, c *asc.Client, bundleID string, submit bool) review.Request {
	t.Helper()
	app, _, err := apps.Resolve(t.Context(), c, bundleID)
	if err != nil {
		t.Fatal(err)
	}
	v, err := versions.Get(t.Context(), c, versions.Query{App: app.ID, Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	return review.Request{App: app.ID, Version: v.ID, Platform: asc.PlatformIOS, Submit: submit}
}

// TestSubmitReadyChecksBeforeSubmitting: a version by id that is not ready is refused with
// every missing piece and nothing written; preparing its submission without submitting is
// not checked; a ready version is submitted once however often it is sent.
func TestSubmitReadyChecksBeforeSubmitting(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()

	_, err := review.SubmitReady(t.Context(), c, submitRequest(t, c, "com.example.quiethours", true))
	var nr *review.NotReadyError
	if !errors.As(err, &nr) || len(nr.Missing) == 0 {
		t.Fatalf("submit a version that is not ready: %v; want its missing pieces", err)
	}
	if w := sb.Writes(); w != 0 {
		t.Errorf("%d writes for a version that is not ready", w)
	}
	if _, err := review.SubmitReady(t.Context(), c, submitRequest(t, c, "com.example.quiethours", false)); err != nil {
		t.Errorf("prepare a submission without submitting: %v", err)
	}

	req := submitRequest(t, c, "com.example.daybreak", true)
	first, err := review.SubmitReady(t.Context(), c, req)
	if err != nil {
		t.Fatalf("submit a ready version: %v", err)
	}
	again, err := review.SubmitReady(t.Context(), c, req)
	if err != nil || again.Submission.ID != first.Submission.ID {
		t.Fatalf("submit again: %v, submission %v; want %s again", err, again, first.Submission.ID)
	}
	if s := again.Submission.Attributes; s == nil || s.State != asc.ReviewSubmissionStateWaitingForReview {
		t.Errorf("submission after two sends: %+v; want WAITING_FOR_REVIEW", s)
	}
}
