package fastlane

import (
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
	if !c.Skip["skip_binary_upload"] || !c.Skip["skip_screenshots"] || !c.Flags["overwrite_screenshots"] || !c.Flags["force"] {
		t.Errorf("skip %v flags %v", c.Skip, c.Flags)
	}
	s := c.Submission
	if s.AppVersion != "2.1.0" || s.BuildNumber != "42" || !*s.SubmitForReview || *s.AutomaticRelease || !*s.PhasedRelease || *s.ResetRatings || s.AutoReleaseDate != "1767225600000" {
		t.Errorf("submission %+v", s)
	}
	if s.Information["add_id_info_uses_idfa"] != "false" || s.Information["content_rights_contains_third_party_content"] != "true" || len(s.Information) != 3 {
		t.Errorf("submission_information %v", s.Information)
	}
	// Every line not applied is named.
	notes := strings.Join(c.Notes, "\n")
	for _, want := range []string{
		"Appfile line 3: apple_id names an account",
		"Appfile line 4: itc_team_id",
		"Appfile line 6: the for_platform block is not read",
		"Appfile line 7: app_identifier is inside the for_platform block",
		"Deliverfile line 22: ipa is not about metadata",
		"Deliverfile line 23: release_notes gives metadata in the Deliverfile",
		"Deliverfile line 24: download_screenshots_with_magic is not an option ascend knows",
		"Deliverfile line 25 is not read",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if len(c.Notes) != 8 {
		t.Errorf("%d notes, want 8:\n%s", len(c.Notes), notes)
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
