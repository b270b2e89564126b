package fastlane

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadDeliverFolder(t *testing.T) {
	t.Parallel()
	dir := Find(filepath.Join("testdata", "project"))
	if dir == "" {
		t.Fatal("Find did not find testdata/project/fastlane")
	}
	c, err := Load(dir, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	root, _ := filepath.Abs(filepath.Join("testdata", "project"))
	if c.AppIdentifier != "com.example.app" || !strings.Contains(c.AppIdentifierFrom, `the default, as ENV["ASCEND_TEST_APP_ID"] is not set`) {
		t.Errorf("app identifier %q from %q", c.AppIdentifier, c.AppIdentifierFrom)
	}
	if c.MetadataPath != filepath.Join(root, "fastlane", "metadata") || c.ScreenshotsPath != filepath.Join(root, "fastlane", "shots") {
		t.Errorf("paths %s %s", c.MetadataPath, c.ScreenshotsPath)
	}
	if c.Platform != "ios" || !slices.Equal(c.Languages, []string{"en-US", "de-DE"}) || c.EditLive == nil || *c.EditLive {
		t.Errorf("platform %q languages %q edit_live %v", c.Platform, c.Languages, c.EditLive)
	}
	// ipa (against the project folder) and skip_binary_upload are applied, as deliver applies them.
	if c.IPA != filepath.Join(root, "build", "App.ipa") || c.Where["ipa"] != "Deliverfile line 22" || c.PKG != "" || !c.Skip["skip_binary_upload"] {
		t.Errorf("ipa %q (%s) pkg %q skip %v", c.IPA, c.Where["ipa"], c.PKG, c.Skip)
	}
	for _, n := range c.Notes {
		if strings.Contains(n, "ipa") || strings.Contains(n, "binary") {
			t.Errorf("an applied option noted: %s", n)
		}
	}
	if !c.Skip["skip_screenshots"] || !c.Flags["overwrite_screenshots"] || !c.Flags["force"] {
		t.Errorf("skip %v flags %v", c.Skip, c.Flags)
	}
	if c.AppRatingConfigPath != filepath.Join(root, "fastlane", "app_rating_config.json") || c.Where["app_rating_config_path"] != "Deliverfile line 26" {
		t.Errorf("app_rating_config_path %s (%s), want it against the project folder", c.AppRatingConfigPath, c.Where["app_rating_config_path"])
	}
	s := c.Submission
	if s.AppVersion != "2.1.0" || s.BuildNumber != "42" || !*s.SubmitForReview || *s.AutomaticRelease || !*s.PhasedRelease || *s.ResetRatings || s.AutoReleaseDate != "1767225600000" {
		t.Errorf("submission %+v", s)
	}
	if s.Information["add_id_info_uses_idfa"] != "false" || s.Information["content_rights_contains_third_party_content"] != "true" || len(s.Information) != 3 {
		t.Errorf("submission_information %v", s.Information)
	}
	// Every line not applied is named.
	wantNotes(t, c.Notes,
		"Appfile line 3: apple_id names an account",
		"Appfile line 4: itc_team_id",
		"Appfile line 6: the for_platform block is not read",
		"Appfile line 7: app_identifier is inside the for_platform block",
		"Deliverfile line 24: download_screenshots_with_magic is not an option ascend knows",
		"Deliverfile line 25 is not read",
	)
	// release_notes({ "en-US" => "Bug fixes" }) is applied, as deliver applies it.
	if want := []InlineValue{{Option: "release_notes", Language: "en-US", Text: "Bug fixes", Where: "Deliverfile line 23"}}; !slices.Equal(c.Inline, want) {
		t.Errorf("inline %+v, want %+v", c.Inline, want)
	}
}

func TestAppIdentifierForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, want, from string
		env              map[string]string
	}{
		{`app_identifier "com.a"`, "com.a", "Appfile line 1", nil},
		{`app_identifier ENV["APP_ID"] || "com.d"`, "com.set", `Appfile line 1 (from ENV["APP_ID"])`, map[string]string{"APP_ID": "com.set"}},
		{`app_identifier(ENV['A'] || ENV['B'] || 'com.d')`, "com.d", `ENV["A"] and ENV["B"] is not set`, nil},
		{`app_identifier ENV.fetch("APP_ID", "com.f")`, "com.f", `ENV["APP_ID"] is not set`, nil},
		{`app_identifier ["com.one", "com.one.widget"]`, "com.one", "the first of 2 identifiers (com.one, com.one.widget)", nil},
	}
	for _, tc := range tests {
		c := &Config{Skip: map[string]bool{}, Flags: map[string]bool{}}
		for _, st := range c.statements("Appfile", tc.line) {
			c.apply("Appfile", st, env(tc.env))
		}
		if c.AppIdentifier != tc.want || !strings.Contains(c.AppIdentifierFrom, tc.from) || len(c.Notes) != 0 {
			t.Errorf("%s: got %q from %q (notes %q), want %q from %q", tc.line, c.AppIdentifier, c.AppIdentifierFrom, c.Notes, tc.want, tc.from)
		}
	}
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fastlane/Appfile":     "app_identifier \"com.example.appfile\"\n",
		"fastlane/Deliverfile": "app_identifier \"com.example.deliver\"\nplatform \"osx\"\nscreenshots_path \"./shots\"\napp_previews_path \"fastlane/previews\"\noverwrite_preview_videos true\n",
	})
	// The Deliverfile outranks the Appfile; found from the project root or fastlane/ itself.
	for _, dir := range []string{root, filepath.Join(root, "fastlane")} {
		c, err := Resolve(dir, env(nil))
		if err != nil {
			t.Fatal(err)
		}
		app, from := c.App()
		if app != "com.example.deliver" || from != "Deliverfile line 1" {
			t.Errorf("%s: app %q from %q", dir, app, from)
		}
		if p, err := c.ApplePlatform(); p != "MAC_OS" || err != nil {
			t.Errorf("platform %q %v", p, err)
		}
		if c.ScreenshotsPath != filepath.Join(root, "shots") || c.AppPreviewsPath != filepath.Join(root, "fastlane", "previews") || c.MetadataPath != filepath.Join(root, "fastlane", "metadata") {
			t.Errorf("paths %s %s %s", c.ScreenshotsPath, c.AppPreviewsPath, c.MetadataPath)
		}
		if !c.HasDeliverfile() || !c.KeepsExtraScreenshots(false) || c.KeepsExtraScreenshots(true) {
			t.Errorf("deliverfile %v keeps screenshots %v previews %v", c.HasDeliverfile(), c.KeepsExtraScreenshots(false), c.KeepsExtraScreenshots(true))
		}
	}
	// DELIVER_* variables outrank both files, as in fastlane.
	c, err := Resolve(root, env(map[string]string{"DELIVER_APP_IDENTIFIER": "com.example.env", "DELIVER_METADATA_PATH": "/abs/meta",
		"DELIVER_SYNC_SCREENSHOTS": "true", "DELIVER_LANGUAGES": "en-US, ja", "DELIVER_PLATFORM": "ios",
		"DELIVER_APP_RATING_CONFIG_PATH": "ratings/env.json"}))
	if err != nil {
		t.Fatal(err)
	}
	if app, from := c.App(); app != "com.example.env" || from != "$DELIVER_APP_IDENTIFIER" {
		t.Errorf("app %q from %q", app, from)
	}
	if p, _ := c.ApplePlatform(); p != "IOS" || c.MetadataPath != "/abs/meta" || !slices.Equal(c.Languages, []string{"en-US", "ja"}) || c.KeepsExtraScreenshots(false) {
		t.Errorf("platform %q metadata %s languages %q keeps %v", p, c.MetadataPath, c.Languages, c.KeepsExtraScreenshots(false))
	}
	if c.AppRatingConfigPath != filepath.Join(root, "ratings", "env.json") {
		t.Errorf("$DELIVER_APP_RATING_CONFIG_PATH gave %s", c.AppRatingConfigPath)
	}
	// An Appfile alone: no Deliverfile, so a sync removes what the folder lacks.
	only := t.TempDir()
	writeFiles(t, only, map[string]string{"Appfile": "app_identifier \"com.example.only\"\n"})
	c, err = Resolve(only, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if app, _ := c.App(); app != "com.example.only" || c.HasDeliverfile() || c.KeepsExtraScreenshots(false) {
		t.Errorf("Appfile only: %q deliverfile %v", app, c.HasDeliverfile())
	}
	if _, err := Resolve(t.TempDir(), env(nil)); err == nil || !strings.Contains(err.Error(), "holds no fastlane folder") {
		t.Errorf("no folder: %v", err)
	}
	bad := t.TempDir()
	writeFiles(t, bad, map[string]string{"fastlane/Deliverfile": "platform \"android\"\n"})
	if c, err := Resolve(bad, env(nil)); err != nil {
		t.Fatal(err)
	} else if _, err := c.ApplePlatform(); err == nil || !strings.Contains(err.Error(), "Deliverfile line 1: platform \"android\"") {
		t.Errorf("unknown platform: %v", err)
	}
	// Near finds the fastlane folder above a folder a command was pointed at.
	if got := Near(filepath.Join(root, "fastlane", "metadata")); got != filepath.Join(root, "fastlane") {
		t.Errorf("Near = %q", got)
	}
	if got := Near(filepath.Join(root, "elsewhere", "metadata")); got != "" {
		t.Errorf("Near of an unrelated folder = %q", got)
	}
}

func TestOptionsNotAppliedAreNoted(t *testing.T) {
	t.Parallel()
	c := &Config{Skip: map[string]bool{}, Flags: map[string]bool{}, Where: map[string]string{}}
	for _, st := range c.statements("Deliverfile", "ignore_language_directory_validation true\nforce true\npreview_frame_time_code \"00:00:05:00\"\napp_clip_header_images_path \"./clip\"\n") {
		c.apply("Deliverfile", st, env(nil))
	}
	// ignore_language_directory_validation is applied (metadata.FolderOptionsOf): a flag, no note.
	// preview_frame_time_code is applied by the previews sync, app_clip_header_images_path by
	// the header images' sync.
	if !c.Flags["force"] || !c.Flags["ignore_language_directory_validation"] || c.PreviewFrameTimeCode != "00:00:05:00" || len(c.Notes) != 0 ||
		filepath.Base(c.AppClipHeaderImagesPath) != "clip" {
		t.Errorf("flags %v notes %q, header images %q", c.Flags, c.Notes, c.AppClipHeaderImagesPath)
	}
}

func TestInlineMetadata(t *testing.T) {
	t.Parallel()
	deliverfile := `release_notes({
  "default" => "Bug fixes and improvements",
  "de-DE" => ENV["NOTES_DE"] || "Fehlerbehebungen",
  "fr-FR": ENV["NOTES_FR"] || "Corrections"
})
name({ "en-US" => "Daybreak Planner" })
copyright("#{Time.now.year} Example")   # needs Ruby
copyright "2026 Example Labs"
primary_category :PRODUCTIVITY
secondary_category ENV["SECONDARY"] || "MZGenre.Business"
app_review_information(first_name: "Ada", last_name: "L", phone_number: "+1 555 0100",
  email_address: "a@example.com", demo_user: "demo", demo_password: ENV.fetch("DEMO_PW", "pw"), demo_required: true, notes: "...")
keywords "one,two"
subtitle({ "en-US" => 42 })
description({ "en-US" => ["a"] })
name({ "en-US" => "Daybreak" })
trade_representative_contact_information({ first_name: "Ada" })
app_icon "icon.png"
app_review_attachment_file "demo.mov"
`
	c := &Config{Skip: map[string]bool{}, Flags: map[string]bool{}, Where: map[string]string{}}
	for _, st := range c.statements("Deliverfile", deliverfile) {
		c.apply("Deliverfile", st, env(map[string]string{"NOTES_FR": "Corrections de bugs"}))
	}
	want := []InlineValue{
		{Option: "release_notes", Language: "default", Text: "Bug fixes and improvements", Where: "Deliverfile line 1"},
		{Option: "release_notes", Language: "de-DE", Text: "Fehlerbehebungen", Where: "Deliverfile line 1"},
		{Option: "release_notes", Language: "fr-FR", Text: "Corrections de bugs", Where: "Deliverfile line 1"},
		{Option: "copyright", Text: "2026 Example Labs", Where: "Deliverfile line 8"},
		{Option: "primary_category", Text: "PRODUCTIVITY", Where: "Deliverfile line 9"},
		{Option: "secondary_category", Text: "MZGenre.Business", Where: "Deliverfile line 10"},
		{Option: "app_review_information", Key: "first_name", Text: "Ada", Where: "Deliverfile line 11"},
		{Option: "app_review_information", Key: "last_name", Text: "L", Where: "Deliverfile line 11"},
		{Option: "app_review_information", Key: "phone_number", Text: "+1 555 0100", Where: "Deliverfile line 11"},
		{Option: "app_review_information", Key: "email_address", Text: "a@example.com", Where: "Deliverfile line 11"},
		{Option: "app_review_information", Key: "demo_user", Text: "demo", Where: "Deliverfile line 11"},
		{Option: "app_review_information", Key: "demo_password", Text: "pw", Where: "Deliverfile line 11"},
		{Option: "app_review_information", Key: "demo_required", Text: "true", Where: "Deliverfile line 11"},
		{Option: "app_review_information", Key: "notes", Text: "...", Where: "Deliverfile line 11"},
		{Option: "subtitle", Language: "en-US", Text: "42", Where: "Deliverfile line 14"},
		// A later statement of an option replaces the earlier one, with a note.
		{Option: "name", Language: "en-US", Text: "Daybreak", Where: "Deliverfile line 16"},
	}
	if !slices.Equal(c.Inline, want) {
		t.Errorf("inline values:\n%+v\nwant\n%+v", c.Inline, want)
	}
	wantNotes(t, c.Notes,
		"Deliverfile line 7 is not read: string interpolation (#{...}) needs Ruby to evaluate; copyright is not applied",
		`Deliverfile line 13: keywords must be a hash of language => text`,
		`Deliverfile line 15: description for en-US must be text, it is ["a"]; not applied`,
		"Deliverfile line 16: name is given again; this statement replaces the one at Deliverfile line 6",
		"Deliverfile line 17: trade_representative_contact_information is not applied: App Store Connect's API has no trade representative contact",
		"Deliverfile line 18: app_icon is not applied",
		"Deliverfile line 19: app_review_attachment_file is not applied: send the file with `ascend versions review-attachments FILE`",
	)
}

// A value app_review_information cannot take is named by its kind in the note, never shown:
// the hash holds the demo account's password.
func TestReviewInformationNotesHideValues(t *testing.T) {
	t.Parallel()
	c := &Config{Skip: map[string]bool{}, Flags: map[string]bool{}, Where: map[string]string{}}
	deliverfile := "app_review_information(demo_user: \"demo\", demo_password: [\"hunter2-secret\"])\napp_review_information [\"other-secret\"]\n"
	for _, st := range c.statements("Deliverfile", deliverfile) {
		c.apply("Deliverfile", st, env(nil))
	}
	all := strings.Join(c.Notes, "\n")
	if strings.Contains(all, "secret") {
		t.Errorf("a note shows the value:\n%s", all)
	}
	wantNotes(t, c.Notes,
		"Deliverfile line 1: app_review_information's demo_password must be text, it is an array; not applied",
		"Deliverfile line 2: app_review_information must be a hash",
	)
}

// wantNotes checks that notes are exactly one note holding each of want, in any order.
func wantNotes(t *testing.T, notes []string, want ...string) {
	t.Helper()
	all := strings.Join(notes, "\n")
	for _, w := range want {
		if !strings.Contains(all, w) {
			t.Errorf("notes lack %q:\n%s", w, all)
		}
	}
	if len(notes) != len(want) {
		t.Errorf("%d notes, want %d:\n%s", len(notes), len(want), all)
	}
}
