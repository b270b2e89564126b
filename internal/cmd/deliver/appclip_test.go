package deliver_test

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// ascend deliver with the App Clip's header images: the Deliverfile's
// app_clip_header_images_path, outranked by DELIVER_APP_CLIP_HEADER_IMAGES_PATH, outranked by
// --app-clip-header-images-path; a wrong image stops the run before any request; the images
// go after the metadata and a second run sends nothing.
func TestDeliverAppClipHeaderImages(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 20 * time.Millisecond})
	c, err := asc.NewClient(asc.WithBaseURL(h.SB.URL()), asc.WithKey(h.SB.Key()))
	if err != nil {
		t.Fatal(err)
	}
	loc, err := metadata.Locate(t.Context(), c, metadata.Target{App: "com.example.daybreak", Version: "2.4.0"})
	if err != nil {
		t.Fatal(err)
	}
	before := h.Stats(t)
	root := t.TempDir()
	fl := filepath.Join(root, "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\nskip_screenshots true\napp_clip_header_images_path \"./fastlane/clip\"\n"), 0o644)
	w, hh := apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight
	sandboxtest.WritePNG(t, filepath.Join(fl, "clip", "en-US", "header.png"), hh, w, 1) // turned: refused
	env := filepath.Join(root, "env_clip")
	sandboxtest.WritePNG(t, filepath.Join(env, "en-US", "header.png"), w, hh, 2)
	flag := filepath.Join(root, "flag_clip")
	sandboxtest.WritePNG(t, filepath.Join(flag, "de-DE", "header.png"), w, hh, 3)

	r := h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 1)
	if !strings.Contains(r.Err.Error(), filepath.Join(fl, "clip", "en-US", "header.png")+": 1200x1800 pixels; an App Clip header image must be exactly 1800x1200") {
		t.Errorf("a wrong image: %v", r.Err)
	}
	if after := h.Stats(t); !maps.Equal(after, before) {
		t.Fatalf("a refused run made requests: %v, before %v", after, before)
	}
	if _, err := h.SB.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": loc.VersionID}); err != nil {
		t.Fatal(err)
	}
	h.Env["DELIVER_APP_CLIP_HEADER_IMAGES_PATH"] = env
	r = h.Run(t, false, "deliver", "--fastlane", fl, "--app-clip-header-images-path", flag, "--dry-run").Want(t, 0)
	if !strings.Contains(r.Stdout, "app clip header images\tplanned\t1 uploads") || h.Writes(t) != 0 {
		t.Fatalf("dry run: %s", r.Stdout)
	}
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if !strings.Contains(r.Stdout, "app clip header images\tchanged\t1 uploaded, 0 replaced") {
		t.Fatalf("deliver with the variable's folder: %s", r.Stdout)
	}
	writes := h.Writes(t)
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if !strings.Contains(r.Stdout, "app clip header images\tunchanged") || h.Writes(t) != writes {
		t.Errorf("second deliver: %s (%d writes)", r.Stdout, h.Writes(t)-writes)
	}
}
