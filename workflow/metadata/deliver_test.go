package metadata_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// A deliver folder's older or looser forms are read as deliver reads them: locale folders in
// any letter case, iTunes Connect's category names, the legacy review file names; what App
// Store Connect has no place for is noted by name, never refused or dropped silently.
func TestDeliverLegacyForms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for path, content := range map[string]string{
		"en-us/name.txt": "Daybreak",
		"en-us/app_clip_default_experience_subtitle.txt": "Clip",
		"DE-de/name.txt":                                 "Tagesanbruch",
		"primary_category.txt":                           "MZGenre.Apps.Food_Drink",
		"secondary_category.txt":                         "MZGenre.Games",
		"secondary_first_sub_category.txt":               "MZGenre.Sports",
		"review_information/review_first_name.txt":       "Ada",
		"review_information/review_email.txt":            "ada@example.com",
		"review_information/last_name.txt":               "Lovelace",
		"review_information/review_last_name.txt":        "Byron",
		"trade_representative_contact_information/x.txt": "Someone",
		"app_icon.png":                                   "not really a png",
	} {
		writeFile(t, filepath.Join(dir, path), content)
	}
	m, err := metadata.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.LocaleNames(); strings.Join(got, ",") != "de-DE,en-US" || m.Locales["en-US"]["name"] != "Daybreak" {
		t.Errorf("locales %q %v", got, m.Locales)
	}
	want := map[string]string{"primary_category": "FOOD_AND_DRINK", "secondary_category": "GAMES", "secondary_first_sub_category": "GAMES_SPORTS"}
	for k, v := range want {
		if m.App[k] != v {
			t.Errorf("%s = %q, want %q", k, m.App[k], v)
		}
	}
	if r := m.Review; r["first_name"] != "Ada" || r["email_address"] != "ada@example.com" || r["last_name"] != "Lovelace" || len(r) != 3 {
		t.Errorf("review %v", r)
	}
	var notes []string
	for _, n := range m.Notes {
		notes = append(notes, n.String())
	}
	all := strings.Join(notes, "\n")
	for _, w := range []string{
		`primary_category.txt: "MZGenre.Apps.Food_Drink" is iTunes Connect's legacy name; pushed as FOOD_AND_DRINK`,
		`secondary_first_sub_category.txt: "MZGenre.Sports" is iTunes Connect's legacy name; pushed as GAMES_SPORTS`,
		"review_information/review_first_name.txt: deliver's legacy name; read as first_name.txt",
		"review_information/review_last_name.txt: deliver's legacy name for last_name.txt, which is there too and wins",
		"trade_representative_contact_information: not sent: App Store Connect's API has no trade representative contact",
		"app_icon.png: not uploaded",
		"en-us/app_clip_default_experience_subtitle.txt: not sent",
	} {
		if !strings.Contains(all, w) {
			t.Errorf("notes lack %q:\n%s", w, all)
		}
	}
	// A pull writes into the folder that is there (en-us), not a second one.
	pulled := metadata.New()
	pulled.Locales["en-US"] = metadata.Values{"name": "Daybreak 2"}
	if _, err := metadata.Write(dir, pulled); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "en-us", "name.txt")); err != nil || string(b) != "Daybreak 2\n" {
		t.Errorf("en-us/name.txt = %q, %v", b, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "en-US")); err == nil {
		t.Error("pull made an en-US folder beside en-us")
	}
	// Two folders of one locale: which one to push is unclear, so it is a problem.
	writeFile(t, filepath.Join(dir, "EN-US", "name.txt"), "Other")
	_, err = metadata.Load(dir)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "are both folders of en-US") {
		t.Errorf("two folders of en-US: %v", err)
	}
}

// An app with no version in preparation pulls its live version, as deliver's download_metadata
// does, in the same requests; a push still refuses, as Apple does.
func TestPullFallsBackToLive(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{Seed: "empty"})
	app := sb.Add("apps", map[string]any{"bundleId": "com.example.released"}, nil)
	live := sb.Add("appStoreVersions", map[string]any{"platform": "IOS", "versionString": "3.1", "appVersionState": "READY_FOR_DISTRIBUTION", "copyright": "2026 Example"}, map[string]string{"app": app})
	sb.Add("appStoreVersionLocalizations", map[string]any{"locale": "en-US", "description": "Live description", "keywords": "live,words"}, map[string]string{"appStoreVersion": live})
	info := sb.Add("appInfos", map[string]any{"state": "READY_FOR_DISTRIBUTION"}, map[string]string{"app": app})
	sb.Add("appInfoLocalizations", map[string]any{"locale": "en-US", "name": "Released"}, map[string]string{"appInfo": info})
	c := sb.Client()
	dir := filepath.Join(t.TempDir(), "metadata")
	target := metadata.Target{App: "com.example.released"}
	st, written, err := metadata.Pull(t.Context(), c, target, dir)
	if err != nil {
		t.Fatal(err)
	}
	if !st.LiveFallback || st.VersionString != "3.1" || st.VersionState != "READY_FOR_DISTRIBUTION" || len(written) == 0 {
		t.Errorf("pull: fallback %v version %s %s, %d written", st.LiveFallback, st.VersionString, st.VersionState, len(written))
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "en-US", "description.txt")); string(b) != "Live description\n" {
		t.Errorf("description.txt = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "en-US", "name.txt")); string(b) != "Released\n" {
		t.Errorf("name.txt = %q", b)
	}
	// One read for the app, one for the versions, one for the app infos: no second attempt.
	if n := sb.Stats().ByMethod["GET"]; n != 3 || st.Requests != 3 {
		t.Errorf("pull made %d requests, want 3", n)
	}
	// A push has no version to write to and says so.
	if _, _, err := metadata.Diff(t.Context(), c, target, dir); err == nil || !strings.Contains(err.Error(), "no IOS version in an editable state") {
		t.Errorf("diff without a version in preparation: %v", err)
	}
}

// app_clip_review_information/invocation_urls.txt goes to the review detail of the version's
// App Clip default experience, created the first time and updated after, as deliver sends it;
// without an App Clip the change is shown as skipped and nothing is written.
func TestAppClipReviewInformation(t *testing.T) {
	t.Parallel()
	sb, c, version := seedVersion(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "app_clip_review_information", "invocation_urls.txt"), "https://example.com/clip?x=1,\nhttps://appclip.example.com/go\n")
	target := metadata.Target{App: "com.example.notes"}
	addAppClip(t, sb, c, target, dir, version)
	if _, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	p, st, err := metadata.Diff(t.Context(), c, target, dir)
	if err != nil || len(p.Changes) != 0 {
		t.Fatalf("after the push: %v %+v", err, p.Changes)
	}
	if st.AppClipReviewDetailID == "" {
		t.Fatal("no App Clip review detail read back")
	}
	// A changed list updates the same review detail.
	writeFile(t, filepath.Join(dir, "app_clip_review_information", "invocation_urls.txt"), "https://example.com/clip?x=2\n")
	before := sb.Stats().ByMethod
	if _, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	after := sb.Stats().ByMethod
	if after["PATCH"]-before["PATCH"] != 1 || after["POST"] != before["POST"] {
		t.Errorf("update: %d PATCH, %d POST", after["PATCH"]-before["PATCH"], after["POST"]-before["POST"])
	}
	// Bad URLs are problems before any write.
	writeFile(t, filepath.Join(dir, "app_clip_review_information", "invocation_urls.txt"), "https://example.com/ok, not a url\n")
	if _, err := metadata.Load(dir); err == nil || !strings.Contains(err.Error(), "app_clip_review_information/invocation_urls.txt") {
		t.Errorf("bad URL: %v", err)
	}
}

// TestAppClipAction: app_clip_default_experience_action.txt is the App Clip card's action on
// the version's default experience: checked against Apple's actions before any request,
// shown skipped without an App Clip, sent in one PATCH with one, pulled back, and a second
// push writes nothing.
func TestAppClipAction(t *testing.T) {
	t.Parallel()
	sb, c, version := seedVersion(t)
	dir := t.TempDir()
	target := metadata.Target{App: "com.example.notes"}
	writeFile(t, filepath.Join(dir, "app_clip_default_experience_action.txt"), "LAUNCH\n")
	if _, err := metadata.Load(dir); err == nil || !strings.Contains(err.Error(), `app_clip_default_experience_action.txt: "LAUNCH" is not an App Clip action: use one of OPEN, VIEW, PLAY`) {
		t.Fatalf("bad action: %v", err)
	}
	writeFile(t, filepath.Join(dir, "app_clip_default_experience_action.txt"), "PLAY\n")
	addAppClip(t, sb, c, target, dir, version)
	before := sb.Stats().ByRoute["PATCH /v1/appClipDefaultExperiences/{id}"]
	p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{})
	if err != nil || len(p.Changes) != 1 || p.Changes[0].Old != "OPEN" || p.Changes[0].New != "PLAY" {
		t.Fatalf("push: %v %+v", err, p.Changes)
	}
	if n := sb.Stats().ByRoute["PATCH /v1/appClipDefaultExperiences/{id}"] - before; n != 1 {
		t.Errorf("%d PATCHes of the default experience, want 1", n)
	}
	writes := sb.Writes()
	if p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || len(p.Changes) != 0 || sb.Writes() != writes {
		t.Errorf("second push: %v %+v, %d writes", err, p.Changes, sb.Writes()-writes)
	}
	pulled := t.TempDir()
	if _, _, err := metadata.Pull(t.Context(), c, target, pulled); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(pulled, "app_clip_default_experience_action.txt")); err != nil || strings.TrimSpace(string(b)) != "PLAY" {
		t.Errorf("pull: %q %v", b, err)
	}
}

// addAppClip pushes dir to a version without an App Clip (its one change shown skipped,
// nothing written), then gives the version an App Clip default experience (action OPEN).
func addAppClip(t *testing.T, sb *sandboxtest.Sandbox, c *asc.Client, target metadata.Target, dir, version string) {
	t.Helper()
	p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 1 || !strings.Contains(p.Changes[0].Skipped, "has no App Clip default experience") || sb.Writes() != 0 {
		t.Fatalf("without an App Clip: %+v, %d writes", p.Changes, sb.Writes())
	}
	sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": version})
}
