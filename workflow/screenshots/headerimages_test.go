package screenshots_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"maps"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

const headerW, headerH = apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight

// writeJPEG writes a flat w x h JPEG image to path.
func writeJPEG(t *testing.T, path string, w, h int) {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// clipEnv is the demo app's version in preparation given an App Clip default experience.
type clipEnv struct {
	sb         *sandboxtest.Sandbox
	c          *asc.Client
	target     metadata.Target
	experience string
	dir        string
	// seeded are the header images the demo data holds elsewhere.
	seeded int
}

func newClipEnv(t *testing.T) *clipEnv {
	t.Helper()
	sb, c := newSandbox(t)
	target := metadata.Target{App: demoApp}
	loc, err := metadata.Locate(t.Context(), c, target)
	if err != nil {
		t.Fatal(err)
	}
	exp := sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": loc.VersionID})
	return &clipEnv{sb: sb, c: c, target: target, experience: exp, dir: t.TempDir(), seeded: len(sb.IDs("appClipHeaderImages"))}
}

func (e *clipEnv) sync(t *testing.T) (*screenshots.HeaderPlan, screenshots.HeaderResult, error) {
	t.Helper()
	h, err := screenshots.LoadHeaderImages(e.dir, metadata.FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return screenshots.SyncHeaderImages(t.Context(), e.c, e.target, h, screenshots.Options{PollInitial: 10 * time.Millisecond, PollMax: 50 * time.Millisecond})
}

// remote is what the experience has: per locale, the header image's file name, with its
// state when not COMPLETE; and the number of header images stored.
func (e *clipEnv) remote(t *testing.T) (map[string]string, int) {
	t.Helper()
	var doc asc.AppClipDefaultExperienceLocalizationsResponse
	_, err := e.c.Do(t.Context(), "GET", "/v1/appClipDefaultExperiences/"+e.experience+"/appClipDefaultExperienceLocalizations",
		map[string][]string{"include": {"appClipHeaderImage"}}, nil, &doc)
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]*asc.AppClipHeaderImage{}
	for _, inc := range doc.Included {
		if r, ok := inc.(*asc.AppClipHeaderImage); ok {
			images[r.ID] = r
		}
	}
	out := map[string]string{}
	for _, l := range doc.Data {
		name := ""
		if rel := l.Relationships.AppClipHeaderImage; rel != nil && rel.Data.One != nil {
			img := images[rel.Data.One.ID]
			name = img.Attributes.FileName
			if st := string(img.Attributes.AssetDeliveryState.State); st != "COMPLETE" {
				name += " " + st
			}
		}
		out[l.Attributes.Locale] = name
	}
	return out, len(e.sb.IDs("appClipHeaderImages")) - e.seeded
}

// Every image is checked before any request, each problem on a line of its own; nothing is
// sent while one is wrong.
func TestHeaderImagesCheckedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	e := newClipEnv(t)
	before := e.sb.Stats().ByMethod["GET"]
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerH, headerW, 1) // turned
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "de-DE", "a.png"), headerW, headerH, 1)
	writeJPEG(t, filepath.Join(e.dir, "de-DE", "b.jpg"), headerW, headerH)
	if err := os.WriteFile(filepath.Join(e.dir, "de-DE", "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(e.dir, "ja"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "ja", "header.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "klingon", "header.png"), headerW, headerH, 1)
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "header.png"), headerW, headerH, 1)
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "fr-FR", "header.png"), headerW, headerH, 2) // fine

	_, err := screenshots.LoadHeaderImages(e.dir, metadata.FolderOptions{})
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a ValidationError, got %v", err)
	}
	var got []string
	for _, p := range ve.Problems {
		got = append(got, p.String())
	}
	slices.Sort(got)
	want := []string{
		"de-DE/notes.txt: not an image; App Clip header images are .png, .jpg or .jpeg",
		"de-DE: 2 images (a.png, b.jpg); an App Clip card has one header image per language: keep one",
		"en-US/header.png: 1200x1800 pixels; an App Clip header image must be exactly 1800x1200",
		"header.png: an App Clip header image goes in a language folder (en-US/header.png) or default/",
		"ja/header.png: not a readable PNG or JPEG image: image: unknown format",
		"klingon: unknown locale; use one of Apple's locale codes such as en-US, de-DE, ja, or default",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if n := e.sb.Stats().ByMethod["GET"]; n != before || e.sb.Writes() != 0 {
		t.Errorf("%d reads and %d writes for a folder with problems", n-before, e.sb.Writes())
	}
	// ignore_language_directory_validation skips the unknown folder with a note.
	_, err = screenshots.LoadHeaderImages(e.dir, metadata.FolderOptions{SkipUnknownLocales: true})
	if !errors.As(err, &ve) || len(ve.Problems) != len(want)-1 {
		t.Errorf("skipping unknown folders: %v", err)
	}
}

// A sync creates the localization a language lacks, uploads where there is none, replaces
// an image that differs (delete, reserve, parts, commit), skips one whose MD5 is App Store
// Connect's, fills languages from default/ (folders without an image, the experience's
// other localizations), waits with one read a poll, and a second run writes nothing.
func TestHeaderImagesSync(t *testing.T) {
	t.Parallel()
	e := newClipEnv(t)
	e.sb.Add("appClipDefaultExperienceLocalizations", map[string]any{"locale": "fr-FR", "subtitle": "Essaie"}, map[string]string{"appClipDefaultExperience": e.experience})
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "old.png"), headerW, headerH, 1)
	if _, res, err := e.sync(t); err != nil || res.Uploaded != 1 || res.LocalizationsCreated != 1 {
		t.Fatalf("first sync: %+v %v", res, err)
	}
	// The folder as a user keeps it: en-US changed, de-DE asks for default/'s image, fr-FR
	// (a localization App Store Connect has) gets it too.
	if err := os.Remove(filepath.Join(e.dir, "en-US", "old.png")); err != nil {
		t.Fatal(err)
	}
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerW, headerH, 2)
	if err := os.MkdirAll(filepath.Join(e.dir, "de-DE"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeJPEG(t, filepath.Join(e.dir, "default", "header.jpg"), headerW, headerH)

	before := e.sb.Stats().ByRoute
	p, res, err := e.sync(t)
	if err != nil {
		t.Fatal(err)
	}
	after := e.sb.Stats().ByRoute
	var actions []string
	for _, ch := range p.Changes {
		actions = append(actions, ch.Locale+" "+string(ch.Action)+" "+ch.File)
	}
	if got := strings.Join(actions, "; "); got != "de-DE upload default/header.jpg; en-US replace en-US/header.png; fr-FR upload default/header.jpg" {
		t.Errorf("plan: %s", got)
	}
	requests := res.Requests
	res.Requests = 0
	if res != (screenshots.HeaderResult{LocalizationsCreated: 1, Uploaded: 3, Deleted: 1}) {
		t.Errorf("result %+v", res)
	}
	for route, want := range map[string]int{
		"GET /v1/apps":                                                          1, // the bundle id
		"GET /v1/apps/{id}/appStoreVersions":                                    1,
		"POST /v1/appClipDefaultExperienceLocalizations":                        1,
		"DELETE /v1/appClipHeaderImages/{id}":                                   1,
		"POST /v1/appClipHeaderImages":                                          3,
		"PATCH /v1/appClipHeaderImages/{id}":                                    3,
		"GET /v1/appClipHeaderImages/{id}":                                      0, // no poll per image
		"GET /v1/appClipDefaultExperienceLocalizations/{id}/appClipHeaderImage": 0,
	} {
		if got := after[route] - before[route]; got != want {
			t.Errorf("%s: %d requests, want %d", route, got, want)
		}
	}
	polls := after["GET /v1/appClipDefaultExperiences/{id}/appClipDefaultExperienceLocalizations"] - before["GET /v1/appClipDefaultExperiences/{id}/appClipDefaultExperienceLocalizations"]
	if polls < 2 {
		t.Errorf("%d reads of the localizations: the plan's and at least one poll", polls)
	}
	t.Logf("3 locales (1 new localization, 1 replaced): %d reads of the localizations (1 to plan, %d polls)", polls, polls-1)
	if want := 1 + 1 + 3 + 3 + polls - 1; requests != want {
		t.Errorf("the apply counted %d requests, want %d (create, delete, 3 reserves, 3 commits, %d polls)", requests, want, polls-1)
	}
	remote, stored := e.remote(t)
	if want := map[string]string{"de-DE": "header.jpg", "en-US": "header.png", "fr-FR": "header.jpg"}; !maps.Equal(remote, want) || stored != 3 {
		t.Errorf("remote %v (%d stored), want %v", remote, stored, want)
	}

	// Again: the same files, three reads, no write.
	before, writes := e.sb.Stats().ByMethod, e.sb.Writes()
	p, res, err = e.sync(t)
	if err != nil || e.sb.Writes() != writes || res.Unchanged != 3 || p.Writes() != 0 {
		t.Fatalf("second sync: %v %+v, %d writes", err, res, e.sb.Writes()-writes)
	}
	if got := e.sb.Stats().ByMethod["GET"] - before["GET"]; got != 3 {
		t.Errorf("second sync: %d reads, want 3 (app, version, localizations)", got)
	}
}

// A fault during the upload (a lost answer to the reservation, a commit refused, processing
// that fails) ends the run with an error or is read back; the next run converges with one
// header image per language, and the one after writes nothing.
func TestHeaderImagesConvergeAfterFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault sandbox.FaultRule
	}{
		{"reservation's answer lost", sandbox.FaultRule{Method: "POST", Route: "/v1/appClipHeaderImages", After: true, Drop: true, Times: 1}},
		{"commit refused", sandbox.FaultRule{Method: "PATCH", Route: "/v1/appClipHeaderImages/{id}", Status: 500, Times: 4}},
		{"commit's answer lost", sandbox.FaultRule{Method: "PATCH", Route: "/v1/appClipHeaderImages/{id}", After: true, Drop: true, Times: 1}},
		{"a part refused", sandbox.FaultRule{Method: "PUT", Route: "/sandbox/upload/{token}/{part}", Status: 500, Times: 8}},
		{"processing fails", sandbox.FaultRule{Processing: true, FileName: "header.png", Times: 1}},
		{"delete's answer lost", sandbox.FaultRule{Method: "DELETE", Route: "/v1/appClipHeaderImages/{id}", After: true, Drop: true, Times: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newClipEnv(t)
			sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerW, headerH, 1)
			sandboxtest.WritePNG(t, filepath.Join(e.dir, "de-DE", "header.png"), headerW, headerH, 2)
			if tt.name == "delete's answer lost" {
				if _, _, err := e.sync(t); err != nil {
					t.Fatal(err)
				}
				sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerW, headerH, 3)
			}
			e.sb.Fail(tt.fault)
			_, _, err := e.sync(t)
			t.Logf("run with the fault: %v", err)
			if st := e.sb.Stats().ByStatus; st["500"]+st["dropped"] == 0 && tt.fault.Processing == false {
				t.Fatalf("no fault acted (statuses %v): the test proves nothing", st)
			}
			e.sb.Fail()
			if _, _, err := e.sync(t); err != nil {
				t.Fatalf("the run after the fault: %v", err)
			}
			writes := e.sb.Writes()
			if _, _, err := e.sync(t); err != nil || e.sb.Writes() != writes {
				t.Fatalf("a run after convergence: %v, %d writes", err, e.sb.Writes()-writes)
			}
			remote, stored := e.remote(t)
			if want := map[string]string{"de-DE": "header.png", "en-US": "header.png"}; !maps.Equal(remote, want) || stored != 2 {
				t.Errorf("remote %v (%d header images stored), want %v and 2", remote, stored, want)
			}
		})
	}
}

// No App Clip default experience, or the live version: nothing sent, the plan says why.
func TestHeaderImagesSkipped(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	dir := t.TempDir()
	sandboxtest.WritePNG(t, filepath.Join(dir, "en-US", "header.png"), headerW, headerH, 1)
	h, err := screenshots.LoadHeaderImages(dir, metadata.FolderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := screenshots.SyncHeaderImages(t.Context(), c, metadata.Target{App: demoApp}, h, screenshots.Options{})
	if err != nil || !strings.Contains(p.Skipped, "has no App Clip default experience") || sb.Writes() != 0 {
		t.Fatalf("without an App Clip: %v %q, %d writes", err, p.Skipped, sb.Writes())
	}
	p, _, err = screenshots.SyncHeaderImages(t.Context(), c, metadata.Target{App: demoApp, Live: true}, h, screenshots.Options{})
	if err != nil || !strings.Contains(p.Skipped, "live version") || sb.Writes() != 0 {
		t.Fatalf("live: %v %q", err, p.Skipped)
	}
	// A version App Review has: refused before any write.
	loc, err := metadata.Locate(t.Context(), c, metadata.Target{App: demoApp})
	if err != nil {
		t.Fatal(err)
	}
	sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": loc.VersionID})
	sb.Set("appStoreVersions", loc.VersionID, "appVersionState", "WAITING_FOR_REVIEW")
	_, _, err = screenshots.SyncHeaderImages(t.Context(), c, metadata.Target{App: demoApp, Version: loc.VersionString}, h, screenshots.Options{})
	if err == nil || !strings.Contains(err.Error(), "is WAITING_FOR_REVIEW and Apple accepts changes only while it is") || sb.Writes() != 0 {
		t.Errorf("a version in review: %v, %d writes", err, sb.Writes())
	}
}

// Pull writes the layout a push reads: into the folder pushed, nothing (every image is
// there by MD5, default/'s included); into an empty folder, one image a language, which a
// push accepts (replacing each once: App Store Connect serves images rendered anew, not the
// bytes uploaded), after which a push writes nothing and a pull downloads nothing.
func TestHeaderImagesPullRoundTrip(t *testing.T) {
	t.Parallel()
	e := newClipEnv(t)
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerW, headerH, 1)
	writeJPEG(t, filepath.Join(e.dir, "default", "card.jpg"), headerW, headerH)
	if err := os.MkdirAll(filepath.Join(e.dir, "de-DE"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.sync(t); err != nil {
		t.Fatal(err)
	}
	pull := func(dir string) *screenshots.HeaderPull {
		t.Helper()
		res, err := screenshots.PullHeaderImages(t.Context(), e.c, e.target, dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := pull(e.dir); len(res.Written) != 0 || res.Downloads != 0 || res.Requests != 3 {
		t.Errorf("pull into the folder pushed: %+v", res)
	}
	fresh := filepath.Join(t.TempDir(), "app_clip_header_images")
	res := pull(fresh)
	if got := strings.Join(res.Written, " "); got != "de-DE/card.jpg en-US/header.png" || res.Downloads != 2 {
		t.Errorf("pull into an empty folder: %+v", res)
	}
	h, err := screenshots.LoadHeaderImages(fresh, metadata.FolderOptions{})
	if err != nil {
		t.Fatalf("the pulled folder does not load: %v", err)
	}
	if h.Count() != 2 {
		t.Errorf("%d images pulled", h.Count())
	}
	e.dir = fresh
	if _, res, err := e.sync(t); err != nil || res.Uploaded != 2 || res.Deleted != 2 {
		t.Fatalf("push of the pulled folder: %+v %v", res, err)
	}
	writes := e.sb.Writes()
	if _, _, err := e.sync(t); err != nil || e.sb.Writes() != writes {
		t.Fatalf("a second push: %v, %d writes", err, e.sb.Writes()-writes)
	}
	if res := pull(fresh); len(res.Written) != 0 || res.Downloads != 0 {
		t.Errorf("a second pull: %+v", res)
	}
	// A language folder holding another image gets App Store Connect's in its place.
	if err := os.Remove(filepath.Join(fresh, "en-US", "header.png")); err != nil {
		t.Fatal(err)
	}
	sandboxtest.WritePNG(t, filepath.Join(fresh, "en-US", "mine.png"), headerW, headerH, 9)
	if res := pull(fresh); strings.Join(res.Written, " ") != "en-US/header.png" || strings.Join(res.Removed, " ") != "en-US/mine.png" {
		t.Errorf("pull over another image: %+v", res)
	}
	if _, err := screenshots.LoadHeaderImages(fresh, metadata.FolderOptions{}); err != nil {
		t.Errorf("after the pull: %v", err)
	}
}

// failFirst fails the first request it is given, as a dropped connection to the CDN would,
// and sends the others.
type failFirst struct{ once sync.Once }

func (f *failFirst) RoundTrip(r *http.Request) (*http.Response, error) {
	failed := false
	f.once.Do(func() { failed = true })
	if failed {
		return nil, errors.New("connection reset")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestHeaderImagesPullCountsOnlyWhatItWrote: a download that fails for good (the CDN's 404)
// is no download: Downloads counts the files written, Failed names the one that was not (in
// the error too), and the next pull has nothing failed. A broken connection is tried again:
// every image is written. (Both images come again each time: the CDN renders them anew, so a
// pulled image matches App Store Connect's checksum only once it is pushed.)
func TestHeaderImagesPullCountsOnlyWhatItWrote(t *testing.T) {
	t.Parallel()
	e := newClipEnv(t)
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerW, headerH, 1)
	sandboxtest.WritePNG(t, filepath.Join(e.dir, "de-DE", "karte.png"), headerW, headerH, 2)
	if _, _, err := e.sync(t); err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(t.TempDir(), "app_clip_header_images")
	e.sb.Fail(sandbox.FaultRule{Method: "GET", Route: "/sandbox/assets/{token}/{file}", Status: 404, Times: 1})
	res, err := screenshots.PullHeaderImages(t.Context(), e.c, e.target, fresh, nil)
	if err == nil || res == nil || res.Downloads != 1 || len(res.Written) != 1 || len(res.Failed) != 1 {
		t.Fatalf("pull with a download failing: %+v %v", res, err)
	}
	if !strings.Contains(err.Error(), path.Base(res.Failed[0])) || !strings.Contains(err.Error(), "404") || slices.Contains(res.Written, res.Failed[0]) {
		t.Errorf("failed %v, written %v, error %v", res.Failed, res.Written, err)
	}
	again, err := screenshots.PullHeaderImages(t.Context(), e.c, e.target, fresh, nil)
	if err != nil || again.Downloads != 2 || len(again.Written) != 2 || len(again.Failed) != 0 {
		t.Errorf("pull again: %+v %v", again, err)
	}
	reset, err := screenshots.PullHeaderImages(t.Context(), e.c, e.target, filepath.Join(t.TempDir(), "h"), &http.Client{Transport: &failFirst{}})
	if err != nil || reset.Downloads != 2 || len(reset.Failed) != 0 {
		t.Errorf("pull through a broken connection: %+v %v", reset, err)
	}
}

// killAfter stops a run (as kill -9 would: nothing after is sent) once its n-th write to
// App Store Connect has been answered.
type killAfter struct {
	n      int
	cancel context.CancelFunc
	mu     sync.Mutex
	writes int
}

func (k *killAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/") {
		k.mu.Lock()
		if k.writes++; k.writes == k.n {
			k.cancel()
		}
		k.mu.Unlock()
	}
	return resp, err
}

// A sync stopped after each of its writes in turn (a localization created, an image
// deleted, reserved, committed), then run again, ends with one header image per language,
// the folder's; a third run writes nothing.
func TestHeaderImagesKilledAtEachWriteConverge(t *testing.T) {
	t.Parallel()
	for n := 1; ; n++ {
		e := newClipEnv(t)
		e.sb.Add("appClipDefaultExperienceLocalizations", map[string]any{"locale": "fr-FR"}, map[string]string{"appClipDefaultExperience": e.experience})
		sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerW, headerH, 1)
		if _, _, err := e.sync(t); err != nil {
			t.Fatal(err)
		}
		sandboxtest.WritePNG(t, filepath.Join(e.dir, "en-US", "header.png"), headerW, headerH, 2) // replaced
		sandboxtest.WritePNG(t, filepath.Join(e.dir, "de-DE", "header.png"), headerW, headerH, 3) // a new localization
		sandboxtest.WritePNG(t, filepath.Join(e.dir, "fr-FR", "header.png"), headerW, headerH, 4) // uploaded
		h, err := screenshots.LoadHeaderImages(e.dir, metadata.FolderOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		k := &killAfter{n: n, cancel: cancel}
		_, _, err = screenshots.SyncHeaderImages(ctx, e.sb.Client(asc.WithHTTPClient(&http.Client{Transport: k})), e.target, h,
			screenshots.Options{PollInitial: 10 * time.Millisecond, PollMax: 50 * time.Millisecond})
		cancel()
		if k.writes < n {
			if err != nil {
				t.Fatalf("kill after write %d: the run made %d writes and failed: %v", n, k.writes, err)
			}
			t.Logf("the sync takes %d writes; killed after each of them", k.writes)
			return
		}
		if _, _, err := e.sync(t); err != nil {
			t.Fatalf("kill after write %d, run again: %v", n, err)
		}
		writes := e.sb.Writes()
		if _, _, err := e.sync(t); err != nil || e.sb.Writes() != writes {
			t.Fatalf("kill after write %d, third run: %v, %d writes", n, err, e.sb.Writes()-writes)
		}
		remote, stored := e.remote(t)
		if want := map[string]string{"de-DE": "header.png", "en-US": "header.png", "fr-FR": "header.png"}; !maps.Equal(remote, want) || stored != 3 {
			t.Errorf("kill after write %d: remote %v, %d header images stored", n, remote, stored)
		}
		h2, _ := screenshots.LoadHeaderImages(e.dir, metadata.FolderOptions{})
		if p, err := screenshots.PrepareHeaderImages(t.Context(), e.c, e.target, h2); err != nil || p.Writes() != 0 {
			t.Errorf("kill after write %d: the files are not App Store Connect's: %v", n, err)
		}
	}
}

// A reservation an earlier run left (same name and size, not committed) is used: its parts
// sent and committed, nothing reserved again; one whose URLs expired is replaced, once.
func TestHeaderImagesResumeReservation(t *testing.T) {
	t.Parallel()
	for _, expired := range []bool{false, true} {
		e := newClipEnv(t)
		path := filepath.Join(e.dir, "en-US", "header.png")
		sandboxtest.WritePNG(t, path, headerW, headerH, 1)
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		loc := e.sb.Add("appClipDefaultExperienceLocalizations", map[string]any{"locale": "en-US"}, map[string]string{"appClipDefaultExperience": e.experience})
		resp, _, err := e.c.AppClipHeaderImages.Create(t.Context(), &asc.AppClipHeaderImageCreateRequest{Data: asc.AppClipHeaderImageCreateRequestData{
			Attributes:    asc.AppClipHeaderImageCreateRequestAttributes{FileName: "header.png", FileSize: int(st.Size())},
			Relationships: asc.AppClipHeaderImageCreateRequestRelationships{AppClipDefaultExperienceLocalization: asc.Relationship{Data: asc.ToOne("appClipDefaultExperienceLocalizations", loc)}}}})
		if err != nil {
			t.Fatal(err)
		}
		if expired {
			e.sb.Expire("appClipHeaderImages", resp.Data.ID)
		}
		before := e.sb.Stats().ByMethod
		p, _, err := e.sync(t)
		if err != nil {
			t.Fatalf("expired %v: %v", expired, err)
		}
		after := e.sb.Stats().ByMethod
		writes := fmt.Sprintf("%d POST, %d PATCH, %d DELETE", after["POST"]-before["POST"], after["PATCH"]-before["PATCH"], after["DELETE"]-before["DELETE"])
		want, action := "0 POST, 1 PATCH, 0 DELETE", screenshots.HeaderResume
		if expired {
			want, action = "1 POST, 1 PATCH, 1 DELETE", screenshots.HeaderReplace // what the apply did
		}
		if p.Changes[0].Action != action || writes != want {
			t.Errorf("expired %v: %s, %s; want %s, %s", expired, p.Changes[0].Action, writes, action, want)
		}
		if remote, stored := e.remote(t); remote["en-US"] != "header.png" || stored != 1 {
			t.Errorf("expired %v: remote %v, %d stored", expired, remote, stored)
		}
	}
}

// The requests of a sync grow with the languages only by their writes: 3 reads to plan
// (app, version, localizations), per new language a localization, a reservation and a
// commit, and one list a poll whatever the number of languages; a second run reads 3 times
// and writes nothing.
func TestHeaderImagesRequestsPerLocale(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 5, 20} {
		e := newClipEnv(t)
		for i, locale := range apple.Locales()[:n] {
			sandboxtest.WritePNG(t, filepath.Join(e.dir, locale, "header.png"), headerW, headerH, i+1)
		}
		before := e.sb.Stats().ByRoute
		_, res, err := e.sync(t)
		if err != nil {
			t.Fatal(err)
		}
		after := e.sb.Stats().ByRoute
		d := func(route string) int { return after[route] - before[route] }
		list := "GET /v1/appClipDefaultExperiences/{id}/appClipDefaultExperienceLocalizations"
		polls := d(list) - 1
		writes := d("POST /v1/appClipDefaultExperienceLocalizations") + d("POST /v1/appClipHeaderImages") + d("PATCH /v1/appClipHeaderImages/{id}")
		if writes != 3*n || res.Uploaded != n || res.LocalizationsCreated != n || polls < 1 || polls > 8 {
			t.Errorf("%d languages: %d writes (want %d), %d polls, %+v", n, writes, 3*n, polls, res)
		}
		t.Logf("%2d new languages: 3 reads to plan, %d writes, %d polls (one list each): %d API requests", n, writes, polls, 3+writes+polls)
		reads := e.sb.Stats().ByMethod["GET"]
		w := e.sb.Writes()
		if _, _, err := e.sync(t); err != nil || e.sb.Writes() != w || e.sb.Stats().ByMethod["GET"]-reads != 3 {
			t.Errorf("%d languages, again: %v, %d writes, %d reads", n, err, e.sb.Writes()-w, e.sb.Stats().ByMethod["GET"]-reads)
		}
	}
}
