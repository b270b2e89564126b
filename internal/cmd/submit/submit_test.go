package submit_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

func TestSubmitNotReadyListsWhatIsMissingAndSendsNothing(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	r := h.Run(t, false, "submit", "--app", "com.example.quiethours").Want(t, 1)
	if !strings.Contains(r.Err.Error(), "screenshots") || !strings.Contains(r.Err.Error(), "price schedule") {
		t.Errorf("error %v", r.Err)
	}
	h.Run(t, false, "submit", "--app", "com.example.quiethours", "--platform", "ANDROID").Want(t, 2)
	r = h.Run(t, false, "submit", "--app", "com.example.quiethours", "--cancel").Want(t, 0)
	if !strings.Contains(r.Stdout, "no open review submission") {
		t.Errorf("cancel: %q", r.Stdout)
	}
	if h.Writes(t) != 0 {
		t.Errorf("%d writes", h.Writes(t))
	}
}

// TestSubmitAgainAfterAppReviewFinishedShowsTheOutcome: App Review finished with the version
// after `submit` sent it. Run again (by default, by --version, with --wait), `submit` says
// what it found, exits as the wait would have (0 for the approval, 1 with the rejection's
// message) and writes nothing; --resubmit sends a rejected version again.
func TestSubmitAgainAfterAppReviewFinishedShowsTheOutcome(t *testing.T) {
	t.Parallel()
	for _, reject := range []bool{false, true} {
		t.Run(map[bool]string{false: "approved", true: "rejected"}[reject], func(t *testing.T) {
			t.Parallel()
			h := cmdtest.New(t, sandbox.Options{ReviewDelay: time.Hour, RejectReviews: reject})
			const app = "com.example.daybreak"
			h.Run(t, false, "submit", "--app", app).Want(t, 0)
			h.SB.Advance(3 * time.Hour)
			writes := h.Writes(t)
			for _, args := range [][]string{nil, {"--version", "2.4.0"}, {"--wait", "--timeout", "1ms"}} {
				r := h.Run(t, false, append([]string{"submit", "--app", app}, args...)...)
				t.Logf("submit %v: exit %d %q %v", args, r.Code, r.Stdout, r.Err)
				if !reject {
					r.Want(t, 0)
					if !strings.Contains(r.Stdout, "version 2.4.0 (IOS) was already reviewed: APPROVED (review submission ") ||
						!strings.Contains(r.Stdout, "COMPLETE, submitted ") || !strings.Contains(r.Stdout, "nothing sent") {
						t.Errorf("submit %v after the approval: %q", args, r.Stdout)
					}
					continue
				}
				r.Want(t, 1)
				if msg := r.Err.Error(); !strings.Contains(msg, "version 2.4.0 was already reviewed: App Review found issues with submission ") ||
					!strings.Contains(msg, "UNRESOLVED_ISSUES, items [REJECTED]") || !strings.Contains(msg, "nothing sent") || !strings.Contains(msg, "--resubmit") {
					t.Errorf("submit %v after the rejection: %v", args, msg)
				}
			}
			if got := h.Writes(t); got != writes {
				t.Errorf("running submit again wrote %d requests, want none", got-writes)
			}
			if reject {
				r := h.Run(t, false, "submit", "--app", app, "--resubmit").Want(t, 0)
				if !strings.Contains(r.Stdout, "WAITING_FOR_REVIEW") || h.Writes(t) != writes+1 {
					t.Errorf("--resubmit: %q, %d writes, want the submission sent again (one write)", r.Stdout, h.Writes(t)-writes)
				}
			}
		})
	}
}
