package screenshots_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// apiRequests counts the API requests the sandbox served (the upload parts, sent to storage,
// are not API requests).
func apiRequests(sb *sandboxtest.Sandbox) int {
	n := 0
	for route, c := range sb.Stats().ByRoute {
		if !strings.Contains(route, " /sandbox/") {
			n += c
		}
	}
	return n
}

// pushFolders writes a metadata folder of one file (locale/name.txt) and a header image for
// each of locales, and names them for a push.
func pushFolders(t *testing.T, e *clipEnv, file, text string, locales ...string) screenshots.MetadataPushFolders {
	t.Helper()
	meta := t.TempDir()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(meta, file)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(meta, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, l := range locales {
		sandboxtest.WritePNG(t, filepath.Join(e.dir, l, "header.png"), headerW, headerH, i+1)
	}
	h, err := screenshots.LoadHeaderImages(e.dir, metadata.FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return screenshots.MetadataPushFolders{Metadata: meta, HeaderImages: h}
}

// pushOptions polls the sandbox's processing briskly.
func pushOptions() screenshots.Options {
	return screenshots.Options{PollInitial: 10 * time.Millisecond, PollMax: 50 * time.Millisecond}
}

// A metadata push with the App Clip card's header images: both planned on one read of the
// version; applied metadata first, whose new locale's subtitle creates the localization
// that locale's header image then goes to (planned again: no second create, no conflict);
// every request counted; a second push has nothing to send; header images alone
// (deliver's skip_metadata) read the version themselves.
func TestMetadataPushSendsHeaderImagesAfterTheMetadata(t *testing.T) {
	t.Parallel()
	e := newClipEnv(t)
	folders := pushFolders(t, e, "de-DE/"+metadata.AppClipSubtitleFile+".txt", "Probier es aus\n", "de-DE", "en-US")
	opts := pushOptions()

	before := apiRequests(e.sb)
	push, err := screenshots.PrepareMetadataPush(t.Context(), e.c, e.target, folders)
	if err != nil {
		t.Fatal(err)
	}
	if !push.Metadata.CreatesAppClipLocalizations() || push.Headers.Writes() != 2 || e.sb.Writes() != 0 {
		t.Fatalf("plan: creates the de-DE localization %v, %d header images to send, %d writes", push.Metadata.CreatesAppClipLocalizations(), push.Headers.Writes(), e.sb.Writes())
	}
	if got := apiRequests(e.sb) - before; push.Requests != got || push.Requests != push.State.Requests+1 {
		t.Errorf("plan: %d requests counted, %d sent, the metadata's %d: want the version read once, one more for the header images", push.Requests, got, push.State.Requests)
	}

	before = apiRequests(e.sb)
	res, err := screenshots.ApplyMetadataPush(t.Context(), e.c, push, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := apiRequests(e.sb) - before + push.Requests; res.Requests != got {
		t.Errorf("push: %d requests counted, %d sent", res.Requests, got)
	}
	st := e.sb.Stats()
	if res.Metadata.Writes != 1 || res.Headers.Uploaded != 2 || res.Headers.LocalizationsCreated != 1 ||
		st.ByRoute["POST /v1/appClipDefaultExperienceLocalizations"] != 2 || st.ByStatus["409"] != 0 {
		t.Errorf("push: %+v; %d localizations created (de-DE by the subtitle, en-US by its image), %d conflicts",
			res, st.ByRoute["POST /v1/appClipDefaultExperienceLocalizations"], st.ByStatus["409"])
	}
	if got, n := e.remote(t); got["de-DE"] != "header.png" || got["en-US"] != "header.png" || n != 2 {
		t.Errorf("the experience has %v, %d images stored", got, n)
	}

	writes := e.sb.Writes()
	again, err := screenshots.PrepareMetadataPush(t.Context(), e.c, e.target, folders)
	if err != nil || len(again.Metadata.Writes) != 0 || again.Headers.Writes() != 0 {
		t.Fatalf("second plan: %v, %d metadata writes, %d header images", err, len(again.Metadata.Writes), again.Headers.Writes())
	}
	if res, err := screenshots.ApplyMetadataPush(t.Context(), e.c, again, opts); err != nil || e.sb.Writes() != writes || res.Requests != again.Requests {
		t.Errorf("second push: %v, %d writes, %d requests after the plan's %d", err, e.sb.Writes()-writes, res.Requests, again.Requests)
	}

	only, err := screenshots.PrepareMetadataPush(t.Context(), e.c, e.target, screenshots.MetadataPushFolders{SkipMetadata: true, HeaderImages: folders.HeaderImages})
	if err != nil || only.Metadata != nil || only.State != nil || only.Headers.Writes() != 0 || only.Requests != 3 {
		t.Errorf("header images alone: %v, metadata %v, %d to send, %d requests (want the app, the version, the images)", err, only.Metadata, only.Headers.Writes(), only.Requests)
	}
}

// A push that fails at its header images says so (a *HeaderImagesError) after the metadata
// went; run again, it sends only the images.
func TestMetadataPushNamesAHeaderImagesFailure(t *testing.T) {
	t.Parallel()
	e := newClipEnv(t)
	folders := pushFolders(t, e, "en-US/promotional_text.txt", "Now with header images\n", "en-US")
	opts := pushOptions()
	push, err := screenshots.PrepareMetadataPush(t.Context(), e.c, e.target, folders)
	if err != nil {
		t.Fatal(err)
	}
	e.sb.Fail(sandbox.FaultRule{Method: "POST", Route: "/v1/appClipHeaderImages", Status: 422, Times: 1})
	res, err := screenshots.ApplyMetadataPush(t.Context(), e.c, push, opts)
	var he *screenshots.HeaderImagesError
	if !errors.As(err, &he) || !strings.HasPrefix(err.Error(), "App Clip header images: ") || res.Metadata.Writes != 1 || res.Headers.Uploaded != 0 {
		t.Fatalf("a refused reservation: %v (%T), %+v", err, err, res)
	}
	again, err := screenshots.PrepareMetadataPush(t.Context(), e.c, e.target, folders)
	if err != nil {
		t.Fatal(err)
	}
	res, err = screenshots.ApplyMetadataPush(t.Context(), e.c, again, opts)
	if err != nil || res.Metadata.Writes != 0 || res.Headers.Uploaded != 1 {
		t.Errorf("run again: %v, %+v", err, res)
	}
}
