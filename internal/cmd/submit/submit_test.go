package submit_test

import (
	"strings"
	"testing"

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
