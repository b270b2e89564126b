package deliver_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

func TestDeliverFromADeliverfile(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	root := t.TempDir()
	fl := filepath.Join(root, "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata", "en-US"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\nphased_release true\nautomatic_release false\nskip_screenshots true\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "metadata", "en-US", "promotional_text.txt"), []byte("Plan the week in a minute."), 0o644)
	r := h.Run(t, false, "deliver", "--fastlane", fl, "--dry-run").Want(t, 0)
	if !strings.Contains(r.Stdout, "metadata\tplanned") || !strings.Contains(r.Stdout, "phased release\tplanned") || !strings.Contains(r.Stdout, "screenshots\tskipped") || h.Writes(t) != 0 {
		t.Fatalf("dry run: %s (%d writes)", r.Stdout, h.Writes(t))
	}
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if !strings.Contains(r.Stdout, "metadata\tchanged") || !strings.Contains(r.Stdout, "phased release\tchanged") || !strings.Contains(r.Stdout, "submit\tskipped") {
		t.Fatalf("deliver: %s", r.Stdout)
	}
	writes := h.Writes(t)
	r = h.Run(t, false, "deliver", "--fastlane", fl, "--json").Want(t, 0)
	if strings.Contains(r.Stdout, `"changed"`) || h.Writes(t) != writes {
		t.Errorf("second deliver: %s (%d writes)", r.Stdout, h.Writes(t)-writes)
	}
	h.Run(t, false, "deliver", "--fastlane", fl, "--platform", "ANDROID").Want(t, 2)
	h.Run(t, false, "deliver", "--fastlane", fl, "--auto-release-date", "soon").Want(t, 1)
	if h.Writes(t) != writes {
		t.Errorf("refused runs wrote")
	}
}
