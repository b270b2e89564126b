package deliver_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// deliver's App Clip options, from the Deliverfile and from DELIVER_APP_CLIP_* variables:
// app_clip_default_experience_metadata_path's action and subtitles, the localized
// app_clip_default_experience_subtitle hash ("default" for every locale) and
// app_clip_default_experience_action over them, then app_clip_header_images_path's images,
// every image checked before any request; a second run writes nothing.
func TestDeliverAppClipOptions(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	loc, err := metadata.Locate(t.Context(), c, metadata.Target{App: "com.example.daybreak"})
	if err != nil {
		t.Fatal(err)
	}
	sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": loc.VersionID})
	seeded := len(sb.IDs("appClipDefaultExperienceLocalizations")) // the demo data's, elsewhere
	root := t.TempDir()
	files := map[string]string{
		"fastlane/Appfile": "app_identifier \"com.example.daybreak\"\n",
		"fastlane/Deliverfile": "skip_screenshots true\nmetadata_path \"./none\"\n" +
			"app_clip_default_experience_metadata_path \"./fastlane/clip\"\n" +
			"app_clip_header_images_path \"./fastlane/clip_images\"\n" +
			"app_clip_default_experience_subtitle({ \"default\" => \"Try Daybreak\" })\n",
		"fastlane/clip/app_clip_default_experience_action.txt":         "VIEW\n",
		"fastlane/clip/de-DE/app_clip_default_experience_subtitle.txt": "Probier Daybreak\n",
	}
	for name, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	images := filepath.Join(root, "fastlane", "clip_images")
	sandboxtest.WritePNG(t, filepath.Join(images, "de-DE", "header.png"), apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight-1, 1)
	resolve := func(env map[string]string) *fastlane.Config {
		t.Helper()
		p, err := fastlane.Resolve(root, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	reads := sb.Stats().ByMethod["GET"]
	_, err = deliver.Run(t.Context(), c, deliver.Options{Project: resolve(nil)})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(images, "de-DE", "header.png")+": 1800x1199 pixels; an App Clip header image must be exactly 1800x1200") {
		t.Fatalf("a header image of the wrong size: %v", err)
	}
	if sb.Writes() != 0 || sb.Stats().ByMethod["GET"] != reads {
		t.Fatalf("a refused run made %d reads and %d writes", sb.Stats().ByMethod["GET"]-reads, sb.Writes())
	}
	sandboxtest.WritePNG(t, filepath.Join(images, "de-DE", "header.png"), apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight, 1)
	sandboxtest.WritePNG(t, filepath.Join(images, "default", "header.png"), apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight, 2)

	// The action from the variable outranks the folder's; the subtitle hash fills en-US.
	env := map[string]string{"DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_ACTION": "PLAY", "DELIVER_LANGUAGES": "en-US"}
	r, err := deliver.Run(t.Context(), c, deliver.Options{Project: resolve(env)})
	if err != nil {
		t.Fatalf("deliver: %v (%s)", err, steps(r))
	}
	if got := steps(r); !strings.Contains(got, "metadata=changed app clip header images=changed") {
		t.Errorf("steps %s", got)
	}
	st, err := metadata.FetchFor(t.Context(), c, metadata.Target{App: "com.example.daybreak"}, &metadata.Metadata{Default: metadata.Values{metadata.AppClipSubtitleFile: ""}})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Metadata.App[metadata.AppClipActionFile]; got != "PLAY" {
		t.Errorf("action %q, want PLAY (the variable's)", got)
	}
	for locale, want := range map[string]string{"de-DE": "Probier Daybreak", "en-US": "Try Daybreak"} {
		if got := st.Metadata.Locales[locale][metadata.AppClipSubtitleFile]; got != want {
			t.Errorf("%s subtitle %q, want %q", locale, got, want)
		}
	}
	h, err := screenshots.LoadHeaderImages(images, metadata.FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	hp, err := screenshots.PrepareHeaderImages(t.Context(), c, metadata.Target{App: "com.example.daybreak"}, h)
	// "default" gave every locale of the version a subtitle, so a localization; each has its
	// header image, default/'s where the folder has none.
	created := sb.Count("POST /v1/appClipDefaultExperienceLocalizations")
	if err != nil || len(hp.Changes) != created || created < 2 || hp.Writes() != 0 || sb.Stats().ByStatus["409"] != 0 {
		t.Errorf("header images after deliver: %v, %d localizations created, %d with an image, %d to send, %d conflicts", err, created, len(hp.Changes), hp.Writes(), sb.Stats().ByStatus["409"])
	}
	if n := len(sb.IDs("appClipDefaultExperienceLocalizations")) - seeded; n != created {
		t.Errorf("%d localizations stored, %d created", n, created)
	}
	writes := sb.Writes()
	again, err := deliver.Run(t.Context(), c, deliver.Options{Project: resolve(env)})
	if err != nil || sb.Writes() != writes {
		t.Fatalf("deliver again: %v, %d writes (%s)", err, sb.Writes()-writes, steps(again))
	}
	if got := steps(again); !strings.Contains(got, "metadata=unchanged app clip header images=unchanged") {
		t.Errorf("again: %s", got)
	}
}
