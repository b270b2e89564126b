package deliver_test

import (
	"strings"
	"testing"
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
