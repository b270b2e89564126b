package metadata_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// TestPreviewFrameTimeCode: the Deliverfile's preview_frame_time_code is the poster frame of
// the previews a sync uploads, and is set on a kept preview whose frame differs (one PATCH,
// nothing uploaded again); a code not in HH:MM:SS:FF form, or past a preview's end, is
// refused before any write (and by metadata validate, offline); a second run writes nothing. On a terminal and in a pipe.
func TestPreviewFrameTimeCode(t *testing.T) {
	t.Parallel()
	cmdtest.TerminalAndPipe(t, func(t *testing.T, tty bool) {
		h := newHarness(t)
		root, fl := daybreakProject(t)
		deliverfile := func(code string) {
			writeFile(t, filepath.Join(fl, "Deliverfile"), "app_previews_path \"./fastlane/previews\"\npreview_frame_time_code \""+code+"\"\n")
		}
		writeFile(t, filepath.Join(fl, "metadata", "en-US", "promotional_text.txt"), "Plan the week in a minute.")
		sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "en-US", "1.png"), 368, 448, 21)
		sandboxtest.WriteMP4(t, filepath.Join(fl, "previews", "en-US", "IPHONE_67_walkthrough.mp4"), sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second})
		args := []string{"screenshots", "sync", "--fastlane", root, "--yes"}

		deliverfile("00:00:05:30")
		r := h.run(t, tty, args...).want(t, 2)
		if !strings.Contains(r.err.Error(), "frame 30") || !strings.Contains(r.err.Error(), "HH:MM:SS:FF") {
			t.Errorf("bad time code: %v", r.err)
		}
		deliverfile("00:00:25:00")
		r = h.run(t, tty, args...).want(t, 1)
		if !strings.Contains(r.stderr+r.err.Error(), "IPHONE_67_walkthrough.mp4: the poster frame time code 00:00:25:00 (25.00 s) is past the preview's end (20.00 s)") {
			t.Errorf("time code past the end: %v\n%s", r.err, r.stderr)
		}
		// validate checks it offline too, as a pull-request check would.
		r = h.run(t, tty, "metadata", "validate", "--fastlane", root).want(t, 1)
		if !strings.Contains(r.stdout, "IPHONE_67_walkthrough.mp4: the poster frame time code 00:00:25:00 (25.00 s) is past the preview's end") {
			t.Errorf("validate with a time code past the end:\n%s", r.stdout)
		}
		if h.writes(t) != 0 {
			t.Fatalf("refused runs wrote %d times", h.writes(t))
		}

		deliverfile("00:00:05:00")
		h.run(t, tty, "metadata", "validate", "--fastlane", root).want(t, 0)
		r = h.run(t, tty, args...).want(t, 0)
		if !strings.Contains(r.stderr, "previews of version 2.4.0: 1 uploaded") {
			t.Fatalf("first sync:\n%s", r.stderr)
		}
		writes := h.writes(t)
		h.run(t, tty, args...).want(t, 0)
		if n := h.writes(t) - writes; n != 0 {
			t.Errorf("a second sync with the same time code wrote %d times (the frame sent was not the one read back)", n)
		}
		// Another frame: the kept preview is reframed, not uploaded again.
		deliverfile("00:00:07:10")
		st := h.sb.Stats().ByRoute
		r = h.run(t, tty, args...).want(t, 0)
		after := h.sb.Stats().ByRoute
		if n := after["POST /v1/appPreviews"] - st["POST /v1/appPreviews"]; n != 0 {
			t.Errorf("reframing uploaded %d previews", n)
		}
		if n := after["PATCH /v1/appPreviews/{id}"] - st["PATCH /v1/appPreviews/{id}"]; n != 1 {
			t.Errorf("reframing sent %d PATCHes, want 1", n)
		}
		if !strings.Contains(r.stderr, "poster frame set on 1 kept preview") {
			t.Errorf("reframe summary:\n%s", r.stderr)
		}
		writes = h.writes(t)
		h.run(t, tty, args...).want(t, 0)
		if n := h.writes(t) - writes; n != 0 {
			t.Errorf("a run after the reframe wrote %d times", n)
		}
	})
}
