package metadata_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// TestSyncScreenshotProcessingTimeout: a project's screenshot_processing_timeout (seconds;
// $DELIVER_SCREENSHOT_PROCESSING_TIMEOUT outranking the Deliverfile's) is how long a sync
// awaits the screenshots it uploaded, as deliver awaits them; --timeout outranks both.
func TestSyncScreenshotProcessingTimeout(t *testing.T) {
	t.Parallel()
	h := newHarnessWith(t, sandbox.Options{ProcessingDelay: time.Hour})
	root, fl := daybreakProject(t)
	writeFile(t, filepath.Join(fl, "Deliverfile"), "screenshot_processing_timeout 3600\n")
	sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "en-US", "1.png"), 368, 448, 33)
	// The variable's second outranks the Deliverfile's hour, which would outlast the test.
	h.env["DELIVER_SCREENSHOT_PROCESSING_TIMEOUT"] = "1"
	r := h.run(t, false, "screenshots", "sync", "--fastlane", root, "--yes").want(t, 8)
	if !strings.Contains(r.err.Error(), "still UPLOAD_COMPLETE") {
		t.Errorf("timeout: %v", r.err)
	}
	h.env["DELIVER_SCREENSHOT_PROCESSING_TIMEOUT"] = "3600"
	h.run(t, false, "screenshots", "sync", "--fastlane", root, "--yes", "--timeout", "100ms").want(t, 8)
}
