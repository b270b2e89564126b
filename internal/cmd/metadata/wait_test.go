package metadata_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// TestScreenshotsSyncTimeoutAndNoWait: the wait for processing is bounded by --timeout (exit 8,
// the uploads kept for the next run) and skipped by --no-wait (the sets put in order, nothing
// polled, what is left processing counted), on a terminal and in a pipe alike.
func TestScreenshotsSyncTimeoutAndNoWait(t *testing.T) {
	t.Parallel()
	cmdtest.TerminalAndPipe(t, func(t *testing.T, tty bool) {
		h := newHarnessWith(t, sandbox.Options{ProcessingDelay: 10 * time.Minute})
		dir := t.TempDir()
		for i := 1; i <= 3; i++ {
			sandboxtest.WritePNG(t, filepath.Join(dir, "en-US", fmt.Sprintf("%d.png", i)), 368, 448, 40+i)
		}
		args := []string{"screenshots", "sync", "--app", "com.example.daybreak", "--dir", dir, "--yes"}

		// Contradictions and a zero timeout: usage errors before any request.
		total := func() (n int) {
			for _, c := range h.sb.Stats().ByMethod {
				n += c
			}
			return n
		}
		before := total()
		h.run(t, tty, append(args, "--wait", "--no-wait")...).want(t, cli.ExitUsage)
		h.run(t, tty, append(args, "--timeout", "0s")...).want(t, cli.ExitUsage)
		if n := total() - before; n != 0 {
			t.Errorf("refused flags sent %d requests", n)
		}

		r := h.run(t, tty, append(args, "--timeout", "1500ms")...).want(t, cli.ExitPending)
		if !strings.Contains(r.err.Error(), "still processing") {
			t.Errorf("timeout: %v", r.err)
		}
		// The uploads stay: a --no-wait run uploads nothing again and polls nothing.
		polls := func() int {
			st := h.sb.Stats().ByRoute
			return st["GET /v1/appScreenshots/{id}"] + st["GET /v1/appScreenshotSets/{id}/appScreenshots"]
		}
		uploads, p0 := h.sb.Stats().ByRoute["POST /v1/appScreenshots"], polls()
		r = h.run(t, tty, append(args, "--no-wait")...).want(t, 0)
		if n := h.sb.Stats().ByRoute["POST /v1/appScreenshots"] - uploads; n != 0 || uploads != 3 {
			t.Errorf("%d uploads, then %d again with --no-wait after the timeout", uploads, n)
		}
		if n := polls() - p0; n != 0 || p0 == 0 {
			t.Errorf("--no-wait polled %d times", n)
		}
		if !strings.Contains(r.stderr, "0 uploaded, 3 kept, 3 still processing (not awaited: --no-wait)") {
			t.Errorf("--no-wait summary:\n%s", r.stderr)
		}
	})
}
