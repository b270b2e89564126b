package deliver_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

func TestDeliverFromADeliverfile(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	root := t.TempDir()
	fl := filepath.Join(root, "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata", "en-US"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\nphased_release true\nautomatic_release false\nskip_screenshots true\napp_rating_config_path \"fastlane/rating.json\"\nreset_ratings true\nsubmission_information({ content_rights_has_rights: true })\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "rating.json"), []byte(`{"CARTOON_FANTASY_VIOLENCE": 1}`), 0o644)
	os.WriteFile(filepath.Join(root, "other_rating.json"), []byte(`{"CARTOON_FANTASY_VIOLENCE": 2}`), 0o644)
	os.WriteFile(filepath.Join(fl, "metadata", "en-US", "promotional_text.txt"), []byte("Plan the week in a minute."), 0o644)
	r := h.Run(t, false, "deliver", "--fastlane", fl, "--dry-run").Want(t, 0)
	// What the API has no field for is said by name, one line each.
	for _, want := range []string{"note: Deliverfile line 6: reset_ratings is not applicable", "note: Deliverfile line 7: submission_information's content_rights_has_rights is not applicable"} {
		if strings.Count(r.Stderr, want) != 1 {
			t.Errorf("stderr lacks %q once:\n%s", want, r.Stderr)
		}
	}
	if !strings.Contains(r.Stdout, "metadata\tplanned") || !strings.Contains(r.Stdout, "phased release\tplanned") || !strings.Contains(r.Stdout, "screenshots\tskipped") || h.Writes(t) != 0 {
		t.Fatalf("dry run: %s (%d writes)", r.Stdout, h.Writes(t))
	}
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if !strings.Contains(r.Stdout, "metadata\tchanged") || !strings.Contains(r.Stdout, "age rating\tchanged\tviolenceCartoonOrFantasy") || !strings.Contains(r.Stdout, "phased release\tchanged") || !strings.Contains(r.Stdout, "submit\tskipped") {
		t.Fatalf("deliver: %s", r.Stdout)
	}
	writes := h.Writes(t)
	r = h.Run(t, false, "deliver", "--fastlane", fl, "--json").Want(t, 0)
	if strings.Contains(r.Stdout, `"changed"`) || h.Writes(t) != writes {
		t.Errorf("second deliver: %s (%d writes)", r.Stdout, h.Writes(t)-writes)
	}
	// The flag outranks the Deliverfile's app_rating_config_path.
	r = h.Run(t, false, "deliver", "--fastlane", fl, "--app-rating-config-path", filepath.Join(root, "other_rating.json"), "--dry-run").Want(t, 0)
	if !strings.Contains(r.Stdout, "age rating\tplanned\tviolenceCartoonOrFantasy") {
		t.Errorf("--app-rating-config-path: %s", r.Stdout)
	}
	h.Run(t, false, "deliver", "--fastlane", fl, "--platform", "ANDROID").Want(t, 2)
	h.Run(t, false, "deliver", "--fastlane", fl, "--auto-release-date", "soon").Want(t, 1)
	if h.Writes(t) != writes {
		t.Errorf("refused runs wrote")
	}
}

// TestDeliverScreenshotsTimeoutAndNoWait: the screenshots deliver uploads are awaited for at
// most --timeout (exit 8, the uploads kept for the next run) or not at all with --no-wait, on
// a terminal and in a pipe.
func TestDeliverScreenshotsTimeoutAndNoWait(t *testing.T) {
	t.Parallel()
	cmdtest.TerminalAndPipe(t, func(t *testing.T, tty bool) {
		h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 10 * time.Minute})
		fl := filepath.Join(t.TempDir(), "fastlane")
		os.MkdirAll(filepath.Join(fl, "metadata"), 0o755)
		os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
		os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\n"), 0o644)
		sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "en-US", "1.png"), 368, 448, 9)
		r := h.Run(t, tty, "deliver", "--fastlane", fl, "--timeout", "200ms").Want(t, 8)
		if !strings.Contains(r.Err.Error(), "still UPLOAD_COMPLETE") {
			t.Errorf("timeout: %v", r.Err)
		}
		uploads := h.Stats(t)["POST /v1/appScreenshots"]
		r = h.Run(t, tty, "deliver", "--fastlane", fl, "--no-wait", "--json").Want(t, 0)
		if n := h.Stats(t)["POST /v1/appScreenshots"] - uploads; n != 0 || uploads != 1 {
			t.Errorf("uploads: %d, then %d more after --no-wait", uploads, n)
		}
	})
}

// TestDeliverPreviews: deliver syncs app_previews_path as the screenshots, each preview with
// preview_frame_time_code's poster frame; a new frame is set on the kept preview without
// uploading it again; a bad frame is refused before any write; a second run writes nothing.
func TestDeliverPreviews(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 20 * time.Millisecond})
	fl := filepath.Join(t.TempDir(), "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	deliverfile := func(code string) {
		os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\nskip_screenshots false\napp_previews_path \"./fastlane/previews\"\npreview_frame_time_code \""+code+"\"\n"), 0o644)
	}
	sandboxtest.WriteMP4(t, filepath.Join(fl, "previews", "en-US", "IPHONE_67_tour.mp4"), sandboxtest.Movie{Width: 886, Height: 1920, Duration: 18 * time.Second})
	deliverfile("00:00:61:00")
	r := h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 1)
	if !strings.Contains(r.Stderr+r.Err.Error(), "seconds past 59") || h.Writes(t) != 0 {
		t.Fatalf("bad frame: %v (%d writes)", r.Err, h.Writes(t))
	}
	deliverfile("00:00:04:00")
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if !strings.Contains(r.Stdout, "previews\tchanged\t1 uploaded") {
		t.Fatalf("deliver with previews:\n%s", r.Stdout)
	}
	writes := h.Writes(t)
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if h.Writes(t) != writes {
		t.Errorf("second deliver wrote %d times:\n%s", h.Writes(t)-writes, r.Stdout)
	}
	deliverfile("00:00:09:15")
	before := h.Stats(t)["POST /v1/appPreviews"]
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if !strings.Contains(r.Stdout, "1 poster frame set") || h.Stats(t)["POST /v1/appPreviews"] != before {
		t.Errorf("new frame:\n%s", r.Stdout)
	}
}
