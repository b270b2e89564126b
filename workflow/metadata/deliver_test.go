package metadata_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// A deliver folder's older or looser forms are read as deliver reads them: locale folders in
// any letter case, iTunes Connect's category names, the legacy review file names; what App
// Store Connect has no place for (or deliver leaves alone: an App Clip subtitle outside a
// locale) is noted by name, never refused or dropped silently.
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
		"app_clip_default_experience_subtitle.txt":       "Not per locale",
	} {
		writeFile(t, filepath.Join(dir, path), content)
	}
	m, err := metadata.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.LocaleNames(); strings.Join(got, ",") != "de-DE,en-US" || m.Locales["en-US"]["name"] != "Daybreak" ||
		m.Locales["en-US"]["app_clip_default_experience_subtitle"] != "Clip" {
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
		"app_clip_default_experience_subtitle.txt: not sent: the App Clip card's subtitle is per locale",
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
	// Pulled back into deliver's folder, in the one read of the App Clip experience that
	// brings its subtitles.
	pulled := t.TempDir()
	if _, _, err := metadata.Pull(t.Context(), c, target, pulled); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(pulled, "app_clip_review_information", "invocation_urls.txt")); err != nil || strings.TrimSpace(string(b)) != "https://example.com/clip?x=2" {
		t.Errorf("pull: %q %v", b, err)
	}
	if p, _, err := metadata.Diff(t.Context(), c, target, pulled); err != nil || len(p.Changes) != 0 {
		t.Errorf("the pulled folder differs: %v %+v", err, p.Changes)
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

// TestAppClipSubtitles: <locale>/app_clip_default_experience_subtitle.txt is the App Clip
// card's subtitle on the default experience's localization of the locale, as deliver sends
// it: held to Apple's limit before any request; shown skipped without an App Clip and on a
// live version; read in one request of the experience, however many locales; a missing
// localization created, a changed one updated, one the folder lacks left alone; a second push
// sends nothing; pulled back.
func TestAppClipSubtitles(t *testing.T) {
	t.Parallel()
	sb, c, version := seedVersion(t)
	dir := t.TempDir()
	target := metadata.Target{App: "com.example.notes"}
	subtitle := func(locale string) string {
		return filepath.Join(dir, locale, "app_clip_default_experience_subtitle.txt")
	}
	writeFile(t, subtitle("en-US"), strings.Repeat("é", 57)+"\n")
	_, err := metadata.Load(dir)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].String() != "en-US/app_clip_default_experience_subtitle.txt: 57 characters, Apple allows at most 56" {
		t.Fatalf("subtitle over the limit: %v", err)
	}
	if _, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err == nil || sb.Stats().ByMethod["GET"] != 0 {
		t.Fatalf("push of a subtitle over the limit: %v, %d requests", err, sb.Stats().ByMethod["GET"])
	}
	writeFile(t, subtitle("en-US"), strings.Repeat("é", 56)+"\n") // characters, not bytes
	writeFile(t, subtitle("de-DE"), "Probier es aus\n")

	// Without an App Clip both are shown skipped and nothing is written.
	p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{})
	if err != nil || len(p.Changes) != 2 || len(p.Writes) != 0 || sb.Writes() != 0 {
		t.Fatalf("without an App Clip: %v %+v, %d writes", err, p.Changes, sb.Writes())
	}
	for _, ch := range p.Changes {
		if !strings.Contains(ch.Skipped, "has no App Clip default experience") {
			t.Errorf("%s: skipped %q", ch.Path(), ch.Skipped)
		}
	}

	exp := sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": version})
	sb.Add("appClipDefaultExperienceLocalizations", map[string]any{"locale": "en-US", "subtitle": "Old"}, map[string]string{"appClipDefaultExperience": exp})
	sb.Add("appClipDefaultExperienceLocalizations", map[string]any{"locale": "fr-FR", "subtitle": "Essaie"}, map[string]string{"appClipDefaultExperience": exp})

	// On the live version (edit_live) deliver skips the App Clip; so does ascend.
	p, _, err = metadata.Diff(t.Context(), c, metadata.Target{App: "com.example.notes", Live: true}, dir)
	if err != nil || len(p.Writes) != 0 {
		t.Fatalf("live: %v %+v", err, p.Writes)
	}
	for _, ch := range p.Changes {
		if ch.Skipped != "Apple does not allow changing it on a live version" {
			t.Errorf("live %s: skipped %q", ch.Path(), ch.Skipped)
		}
	}

	before := sb.Stats().ByRoute
	p, _, err = metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var writes []string
	for _, w := range p.Writes {
		writes = append(writes, w.Method+" "+w.Describe())
	}
	if got := strings.Join(writes, "; "); got != "POST create appClipDefaultExperienceLocalizations de-DE; PATCH update appClipDefaultExperienceLocalizations en-US" {
		t.Errorf("writes: %s", got)
	}
	after := sb.Stats().ByRoute
	for route, want := range map[string]int{
		"GET /v1/appClipDefaultExperiences/{id}":                                       1, // the localizations included
		"GET /v1/appClipDefaultExperiences/{id}/appClipDefaultExperienceLocalizations": 0,
		"POST /v1/appClipDefaultExperienceLocalizations":                               1,
		"PATCH /v1/appClipDefaultExperienceLocalizations/{id}":                         1,
		"DELETE /v1/appClipDefaultExperienceLocalizations/{id}":                        0,
	} {
		if n := after[route] - before[route]; n != want {
			t.Errorf("%s: %d requests, want %d", route, n, want)
		}
	}
	if got := clipSubtitles(t, c, exp); got != "de-DE=Probier es aus, en-US="+strings.Repeat("é", 56)+", fr-FR=Essaie" {
		t.Errorf("subtitles: %s", got)
	}
	w := sb.Writes()
	if p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || len(p.Changes) != 0 || sb.Writes() != w {
		t.Errorf("second push: %v %+v, %d writes", err, p.Changes, sb.Writes()-w)
	}

	pulled := t.TempDir()
	if _, _, err := metadata.Pull(t.Context(), c, target, pulled); err != nil {
		t.Fatal(err)
	}
	for locale, want := range map[string]string{"de-DE": "Probier es aus", "fr-FR": "Essaie"} {
		if b, err := os.ReadFile(filepath.Join(pulled, locale, "app_clip_default_experience_subtitle.txt")); err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("pull %s: %q %v", locale, b, err)
		}
	}
}

// TestAppClipSubtitleCreateIsRetrySafe: a create whose answer is lost after it took effect is
// read back and updated, never sent twice, so the locale has one localization.
func TestAppClipSubtitleCreateIsRetrySafe(t *testing.T) {
	t.Parallel()
	sb, c, version := seedVersion(t)
	exp := sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": version})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ja", "app_clip_default_experience_subtitle.txt"), "試してみて\n")
	sb.Fail(sandbox.FaultRule{Method: "POST", Route: "/v1/appClipDefaultExperienceLocalizations", After: true, Status: 500, Times: 1})
	target := metadata.Target{App: "com.example.notes"}
	if _, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if st := sb.Stats(); st.ByStatus["500"] != 1 || st.ByRoute["POST /v1/appClipDefaultExperienceLocalizations"] != 1 ||
		st.ByRoute["GET /v1/appClipDefaultExperiences/{id}/appClipDefaultExperienceLocalizations"] != 1 {
		t.Errorf("requests: %v %v", st.ByStatus, st.ByRoute)
	}
	if got := clipSubtitles(t, c, exp); got != "ja=試してみて" {
		t.Errorf("subtitles: %s", got)
	}
	w := sb.Writes()
	if p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || len(p.Writes) != 0 || sb.Writes() != w {
		t.Errorf("second push: %v %+v", err, p.Changes)
	}
}

// TestAppClipSubtitleFromDefault: default/'s subtitle fills every locale of the version, as
// default/ fills the other files, and creates no locale the version lacks.
func TestAppClipSubtitleFromDefault(t *testing.T) {
	t.Parallel()
	sb, c, version := seedVersion(t) // the version has en-US and de-DE
	exp := sb.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": version})
	sb.Add("appClipDefaultExperienceLocalizations", map[string]any{"locale": "en-US", "subtitle": "Old"}, map[string]string{"appClipDefaultExperience": exp})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "default", "app_clip_default_experience_subtitle.txt"), "Try it\n")
	p, _, err := metadata.Push(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir, metadata.ApplyOptions{})
	if err != nil || len(p.Writes) != 2 {
		t.Fatalf("push: %v %+v", err, p.Changes)
	}
	if got := clipSubtitles(t, c, exp); got != "de-DE=Try it, en-US=Try it" {
		t.Errorf("subtitles: %s", got)
	}
}

// clipSubtitles lists an App Clip default experience's localizations as "locale=subtitle",
// sorted, read through the API.
func clipSubtitles(t *testing.T, c *asc.Client, experience string) string {
	t.Helper()
	var out []string
	for l, err := range c.AppClipDefaultExperiences.ListLocalizationsIter(t.Context(), experience, nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, l.Attributes.Locale+"="+l.Attributes.Subtitle)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}
