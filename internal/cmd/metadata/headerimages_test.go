package metadata_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// withAppClip gives the demo app's version in preparation an App Clip default experience.
func withAppClip(t *testing.T, h *harness) string {
	t.Helper()
	loc, err := metadata.Locate(t.Context(), h.sb.Client(), metadata.Target{App: "com.example.daybreak"})
	if err != nil {
		t.Fatal(err)
	}
	return h.sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": loc.VersionID})
}

// metadata push --app-clip-header-images: a folder with a bad image is refused before any
// request, one problem a line; a good one goes with the metadata (a subtitle of a new locale
// creates the localization its header image then uses: no second create, no conflict); a
// second push has nothing to push; metadata pull writes the images back in the layout push
// reads.
func TestMetadataPushAppClipHeaderImages(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	withAppClip(t, h)
	dir, images := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(dir, "de-DE", "app_clip_default_experience_subtitle.txt"), "Probier es aus\n")
	w, hh := apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight
	sandboxtest.WritePNG(t, filepath.Join(images, "de-DE", "header.png"), w, hh+1, 1)
	sandboxtest.WritePNG(t, filepath.Join(images, "en-US", "a.png"), w, hh, 2)
	sandboxtest.WritePNG(t, filepath.Join(images, "en-US", "b.png"), w, hh, 3)
	push := []string{"metadata", "push", "--app", "com.example.daybreak", "--dir", dir, "--app-clip-header-images", images, "--yes"}
	before := h.sb.Stats().ByMethod["GET"]
	r := h.run(t, false, push...)
	var lister cli.ProblemLister
	if !errors.As(r.err, &lister) {
		t.Fatalf("a bad header images folder: exit %d, %v", r.code, r.err)
	}
	summary, lines := lister.ProblemList()
	if want := []string{"de-DE/header.png: 1800x1201 pixels; an App Clip header image must be exactly 1800x1200",
		"en-US: 2 images (a.png, b.png); an App Clip card has one header image per language: keep one"}; r.code != 1 || !slices.Equal(lines, want) {
		t.Fatalf("a bad header images folder: exit %d, %s:\n%s", r.code, summary, strings.Join(lines, "\n"))
	}
	if n := h.sb.Stats().ByMethod["GET"] - before; n != 0 || h.writes(t) != 0 {
		t.Fatalf("%d reads and %d writes for a bad folder", n, h.writes(t))
	}

	if err := os.Remove(filepath.Join(images, "en-US", "b.png")); err != nil {
		t.Fatal(err)
	}
	sandboxtest.WritePNG(t, filepath.Join(images, "de-DE", "header.png"), w, hh, 4)
	r = h.run(t, false, slices.Concat(push[:len(push)-1], []string{"--dry-run"})...).want(t, 0)
	if !strings.Contains(r.stdout, "app_clip_header_image") || !strings.Contains(r.stderr, "1 change and 2 App Clip header images") || h.writes(t) != 0 {
		t.Fatalf("dry run: %s\n%s", r.stdout, r.stderr)
	}
	diff := []string{"metadata", "diff", "--app", "com.example.daybreak", "--dir", dir, "--app-clip-header-images", images, "--exit-code"}
	r = h.run(t, false, diff...).want(t, 1)
	if !strings.Contains(r.stderr, "and 2 App Clip header images to upload") {
		t.Errorf("diff: %s", r.stderr)
	}
	r = h.run(t, false, push...).want(t, 0)
	if !strings.Contains(r.stderr, "2 App Clip header images uploaded") {
		t.Errorf("push: %s", r.stderr)
	}
	st := h.sb.Stats()
	if n := st.ByRoute["POST /v1/appClipDefaultExperienceLocalizations"]; n != 2 || st.ByStatus["409"] != 0 {
		t.Errorf("%d localizations created (de-DE by the subtitle, en-US by its image), %d conflicts", n, st.ByStatus["409"])
	}
	writes, routes := h.writes(t), h.sb.Stats().ByRoute
	r = h.run(t, false, push...).want(t, 0)
	if !strings.Contains(r.stderr, "nothing to push") || h.writes(t) != writes {
		t.Errorf("second push: %s (%d writes)", r.stderr, h.writes(t)-writes)
	}
	// The header images cost one read more than the metadata: the version is read once.
	after := h.sb.Stats().ByRoute
	for route, want := range map[string]int{"GET /v1/apps": 1, "GET /v1/apps/{id}/appStoreVersions": 1,
		"GET /v1/appClipDefaultExperiences/{id}/appClipDefaultExperienceLocalizations": 1} {
		if got := after[route] - routes[route]; got != want {
			t.Errorf("second push: %s %d times, want %d", route, got, want)
		}
	}
	h.run(t, false, diff...).want(t, 0) // the folder matches

	// Pulled into a fresh folder: the layout push reads.
	pulled := filepath.Join(t.TempDir(), "app_clip_header_images")
	r = h.run(t, false, "metadata", "pull", "--app", "com.example.daybreak", "--dir", filepath.Join(t.TempDir(), "metadata"),
		"--app-clip-header-images", pulled, "--json").want(t, 0)
	var out struct {
		HeaderImages []string `json:"appClipHeaderImages"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(out.HeaderImages, " "); got != filepath.Join(pulled, "de-DE", "header.png")+" "+filepath.Join(pulled, "en-US", "a.png") {
		t.Errorf("pulled %s", got)
	}
	h.run(t, false, "metadata", "validate", "--dir", dir, "--app-clip-header-images", pulled).want(t, 0)
}

// TestMetadataPullHeaderImagesPartly: a header image whose download fails for good (the
// CDN's 404) is named once, one problem a line, and the files that were written are still
// listed, in text and in --json; a CDN's 503 is tried again, so a pull through two of them
// writes every image.
func TestMetadataPullHeaderImagesPartly(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	withAppClip(t, h)
	dir, images := t.TempDir(), t.TempDir()
	w, hh := apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight
	sandboxtest.WritePNG(t, filepath.Join(images, "de-DE", "header.png"), w, hh, 1)
	sandboxtest.WritePNG(t, filepath.Join(images, "en-US", "a.png"), w, hh, 2)
	h.run(t, false, "metadata", "push", "--app", "com.example.daybreak", "--dir", dir, "--app-clip-header-images", images, "--yes").want(t, 0)

	const assets = "/sandbox/assets/{token}/{file}"
	pulled := filepath.Join(t.TempDir(), "headers")
	h.sb.Fail(sandbox.FaultRule{Method: "GET", Route: assets, Status: 404, Times: 1})
	pull := []string{"metadata", "pull", "--app", "com.example.daybreak", "--dir", filepath.Join(t.TempDir(), "metadata"), "--app-clip-header-images", pulled}
	r := h.run(t, false, pull...).want(t, 1)
	text := cli.ErrorText(r.err)
	if n := strings.Count(text, "pull"); n != 2 || !strings.HasPrefix(text, "the App Clip header images' pull has 1 problem, 1 of 2 images not written; pull again to fetch them:\n  - ") || !strings.Contains(text, "404") || strings.Count(text, "\n") != 1 {
		t.Errorf("error:\n%s", text)
	}
	var listed []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if strings.HasPrefix(l, pulled) {
			listed = append(listed, l)
		}
	}
	if len(listed) != 1 || !strings.Contains(r.stdout, "description.txt") || !strings.Contains(r.stderr, "1 App Clip header image in "+pulled+" (1 not written)") {
		t.Fatalf("listed images %v\nstdout:\n%s\nstderr: %s", listed, r.stdout, r.stderr)
	}
	if _, err := os.Stat(listed[0]); err != nil {
		t.Errorf("listed but not written: %v", err)
	}

	fresh := filepath.Join(t.TempDir(), "headers")
	h.sb.Fail(sandbox.FaultRule{Method: "GET", Route: assets, Status: 404, Times: 1})
	r = h.run(t, false, slices.Concat(pull[:len(pull)-1], []string{fresh, "--json"})...).want(t, 1)
	var out pullJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--json with a failed image: %v\n%s", err, r.stdout)
	}
	if len(out.HeaderImages) != 1 || len(out.Failed) != 1 || out.HeaderImages[0] == out.Failed[0] {
		t.Errorf("--json: %+v", out)
	}

	again := filepath.Join(t.TempDir(), "headers")
	before := h.sb.Count("GET " + assets)
	h.sb.Fail(sandbox.FaultRule{Method: "GET", Route: assets, Status: 503, Times: 2})
	r = h.run(t, false, slices.Concat(pull[:len(pull)-1], []string{again})...).want(t, 0)
	if n := h.sb.Count("GET "+assets) - before; n != 4 || !strings.Contains(r.stderr, "2 App Clip header images in "+again+",") {
		t.Errorf("through two 503s: %d downloads, stderr %s", n, r.stderr)
	}
}

// pullJSON is the part of pull --json this file reads.
type pullJSON struct {
	HeaderImages []string `json:"appClipHeaderImages"`
	Failed       []string `json:"appClipHeaderImagesFailed"`
}
