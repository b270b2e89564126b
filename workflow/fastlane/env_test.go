package fastlane

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestEnvOutranksTheDeliverfile: each of deliver's variables is read as fastlane reads it
// (booleans, numbers, lists, paths against the project folder) and outranks the Deliverfile's
// line for the same option, the metadata ones included; t.Setenv and Resolve's default
// lookup (os.LookupEnv), as a CI job sets them.
func TestEnvOutranksTheDeliverfile(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fastlane/Appfile": "app_identifier \"com.example.appfile\"\n",
		"fastlane/Deliverfile": `app_version "1.0"
build_number "7"
submit_for_review false
automatic_release true
phased_release false
copyright "2025 File"
edit_live false
screenshot_processing_timeout 60
platform "ios"
ipa "build/File.ipa"
skip_binary_upload true
`,
	})
	for k, v := range map[string]string{
		"DELIVER_APP_VERSION": "2.0", "DELIVER_BUILD_NUMBER": "512", "DELIVER_SUBMIT_FOR_REVIEW": "yes",
		"DELIVER_AUTOMATIC_RELEASE": "OFF", "DELIVER_AUTO_RELEASE_DATE": "1893456000000", "DELIVER_PHASED_RELEASE": "true",
		"DELIVER_RESET_RATINGS": "false", "DELIVER_COPYRIGHT": "2026 Env", "DELIVER_PRIMARY_CATEGORY": "MZGenre.Business",
		"DELIVER_EDIT_LIVE": "on", "DELIVER_SCREENSHOT_PROCESSING_TIMEOUT": "1800", "DELIVER_PLATFORM": "tvos",
		"DELIVER_APP_ID": "1234567890", "DELIVER_APP_PREVIEWS_PATH": "fastlane/previews", "DELIVER_LANGUAGES": "en-US,de-DE,",
		"DELIVER_SKIP_SCREENSHOTS": "1", "DELIVER_OVERWRITE_PREVIEW_VIDEOS": "TRUE",
		"DELIVER_IPA_PATH": "build/Env.ipa", "DELIVER_PKG_PATH": "/abs/App.pkg", "DELIVER_SKIP_BINARY_UPLOAD": "no", "DELIVER_VERIFY_ONLY": "yes",
		"DELIVER_API_KEY_PATH": "/keys/api.json", // read by the credentials, not noted
	} {
		t.Setenv(k, v)
	}
	c, err := Resolve(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := c.Submission
	if s.AppVersion != "2.0" || s.BuildNumber != "512" || !*s.SubmitForReview || *s.AutomaticRelease || !*s.PhasedRelease || *s.ResetRatings || s.AutoReleaseDate != "1893456000000" {
		t.Errorf("submission %+v", s)
	}
	if c.Where["app_version"] != "$DELIVER_APP_VERSION" || c.Where["phased_release"] != "$DELIVER_PHASED_RELEASE" {
		t.Errorf("where %v", c.Where)
	}
	if p, err := c.ApplePlatform(); p != "TV_OS" || err != nil || c.EditLive == nil || !*c.EditLive || c.ScreenshotProcessingTimeout != 30*time.Minute {
		t.Errorf("platform %q %v, edit_live %v, timeout %s", p, err, c.EditLive, c.ScreenshotProcessingTimeout)
	}
	if app, from := c.App(); app != "1234567890" || from != "$DELIVER_APP_ID" {
		t.Errorf("app %q from %q", app, from)
	}
	if c.AppPreviewsPath != filepath.Join(root, "fastlane", "previews") || !slices.Equal(c.Languages, []string{"en-US", "de-DE"}) ||
		!c.Skip["skip_screenshots"] || !c.Flags["overwrite_preview_videos"] {
		t.Errorf("previews %s languages %q skip %v flags %v", c.AppPreviewsPath, c.Languages, c.Skip, c.Flags)
	}
	if c.IPA != filepath.Join(root, "build", "Env.ipa") || c.Where["ipa"] != "$DELIVER_IPA_PATH" || c.PKG != "/abs/App.pkg" ||
		c.Skip["skip_binary_upload"] || !c.Flags["verify_only"] {
		t.Errorf("ipa %s (%s) pkg %s skip %v flags %v", c.IPA, c.Where["ipa"], c.PKG, c.Skip, c.Flags)
	}
	want := []InlineValue{{Option: "copyright", Text: "2026 Env", Where: "$DELIVER_COPYRIGHT"}, {Option: "primary_category", Text: "MZGenre.Business", Where: "$DELIVER_PRIMARY_CATEGORY"}}
	if !slices.Equal(c.Inline, want) {
		t.Errorf("inline %+v, want %+v", c.Inline, want)
	}
	wantNotes(t, c.Notes, "$DELIVER_COPYRIGHT outranks Deliverfile line 6's copyright, as in fastlane")

	// The flag outranking both is the commands' (internal/cmd/deliver); a variable left
	// empty counts as unset.
	t.Setenv("DELIVER_APP_VERSION", "")
	if c, err := Resolve(root, nil); err != nil || c.Submission.AppVersion != "1.0" {
		t.Errorf("empty variable: %v %q", err, c.Submission.AppVersion)
	}
}

// TestEnvBadValues: a variable that cannot be read as its option's type is refused by name,
// every one at once, and no Config is returned; a good value of another variable does not
// hide them.
func TestEnvBadValues(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"fastlane/Deliverfile": "phased_release true\n"})
	tests := []struct{ name, value, want string }{
		{"DELIVER_PHASED_RELEASE", "maybe", `DELIVER_PHASED_RELEASE="maybe": not a boolean`},
		{"DELIVER_SUBMIT_FOR_REVIEW", "2", `DELIVER_SUBMIT_FOR_REVIEW="2": not a boolean`},
		{"DELIVER_APP_ID", "com.example.app", `DELIVER_APP_ID="com.example.app": not a whole number`},
		{"DELIVER_APP_ID", "0123", `DELIVER_APP_ID="0123": not a whole number`},
		{"DELIVER_SCREENSHOT_PROCESSING_TIMEOUT", "10m", `DELIVER_SCREENSHOT_PROCESSING_TIMEOUT="10m": not a whole number`},
		{"DELIVER_SCREENSHOT_PROCESSING_TIMEOUT", "0", `DELIVER_SCREENSHOT_PROCESSING_TIMEOUT="0": not a number of seconds above 0`},
		{"DELIVER_PLATFORM", "android", `DELIVER_PLATFORM="android": not one of deliver's platforms (ios, osx, appletvos (or tvos), xros)`},
	}
	all := map[string]string{"DELIVER_APP_VERSION": "2.0"}
	for _, tc := range tests {
		c, err := Resolve(root, env(map[string]string{tc.name: tc.value, "DELIVER_APP_VERSION": "2.0"}))
		if c != nil || err == nil || !strings.HasPrefix(err.Error(), tc.want) || !strings.HasSuffix(err.Error(), "; nothing was sent") {
			t.Errorf("%s=%q: %v", tc.name, tc.value, err)
		}
		all[tc.name] = tc.value
	}
	_, err := Resolve(root, env(all))
	if err == nil || !strings.Contains(err.Error(), "the environment has 5 problems") {
		t.Errorf("all at once: %v", err)
	}
	if _, err := FromEnv(t.TempDir(), env(all)); err == nil {
		t.Error("FromEnv took bad values")
	}
}

// TestEnvNotApplied: a variable of an option ascend does not apply is one note naming it and
// why, never its value; the credentials' variables are not noted (asc/auth reads them).
func TestEnvNotApplied(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"fastlane/Appfile": "app_identifier \"com.example.app\"\n"})
	c, err := Resolve(root, env(map[string]string{
		"DELIVER_TEAM_ID": "SECRETTEAM", "DELIVER_USERNAME": "me@example.com", "DELIVER_RUN_PRECHECK_BEFORE_SUBMIT": "false",
		"DELIVER_PRICE_TIER":        "abc",
		"APP_STORE_CONNECT_API_KEY": `{"key_id":"K"}`, "DELIVER_APP_REVIEW_ATTACHMENT_FILE": "demo.mov",
		"DELIVER_INDIVIDUAL_METADATA_ITEMS": "name", "DELIVER_REJECT_IF_POSSIBLE": "true", "DELIVER_SKIP_APP_VERSION_UPDATE": "true",
		"APP_STORE_CONNECT_API_KEY_PATH": "/keys/api.json", "DELIVER_API_KEY_PATH": "/keys/api.json",
	}))
	if err != nil {
		t.Fatal(err)
	}
	wantNotes(t, c.Notes,
		"$DELIVER_TEAM_ID: team_id is not applied: it names an account or team",
		"$DELIVER_USERNAME: username is not applied: it names an account or team",
		"$DELIVER_RUN_PRECHECK_BEFORE_SUBMIT: run_precheck_before_submit is not applied: ascend runs no precheck",
		"$DELIVER_PRICE_TIER: price_tier is not applied: Apple retired price tiers",
		"$APP_STORE_CONNECT_API_KEY: api_key is not applied: ascend does not read an API key given as a hash",
		"$DELIVER_APP_REVIEW_ATTACHMENT_FILE: app_review_attachment_file is not applied: send the file with `ascend versions review-attachments FILE`",
		"$DELIVER_INDIVIDUAL_METADATA_ITEMS: individual_metadata_items is not applied",
	)
	// reject_if_possible and skip_app_version_update are applied by ascend deliver.
	if !c.Flags["reject_if_possible"] || !c.Skip["skip_app_version_update"] || c.Where["reject_if_possible"] != "$DELIVER_REJECT_IF_POSSIBLE" {
		t.Errorf("reject_if_possible %v, skip_app_version_update %v (from %q)", c.Flags["reject_if_possible"], c.Skip["skip_app_version_update"], c.Where["reject_if_possible"])
	}
	for _, n := range c.Notes {
		if strings.Contains(n, "SECRETTEAM") || strings.Contains(n, "me@example.com") || strings.Contains(n, "key_id") {
			t.Errorf("a note shows a value: %s", n)
		}
	}
	// The Deliverfile's lines for the same options get the same reasons.
	d := &Config{Skip: map[string]bool{}, Flags: map[string]bool{}, Where: map[string]string{}}
	for _, st := range d.statements("Deliverfile", "team_id \"X\"\nrun_precheck_before_submit false\napi_key_path \"k.json\"\n") {
		d.apply("Deliverfile", st, env(nil))
	}
	wantNotes(t, d.Notes,
		"Deliverfile line 1: team_id is not applied: it names an account or team",
		"Deliverfile line 2: run_precheck_before_submit is not applied: ascend runs no precheck",
		"Deliverfile line 3: api_key_path is not applied: ascend takes credentials from its flags, the environment",
	)
}

// TestOptionsTable: every option of the table is read or noted, and each variable belongs to
// one option.
func TestOptionsTable(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, o := range options {
		if (o.kind == notApplied || o.kind == asCredential) != (o.why != "") {
			t.Errorf("%s: kind %d with why %q", o.name, o.kind, o.why)
		}
		for _, e := range o.env {
			if seen[e] != "" {
				t.Errorf("%s is %s's and %s's", e, seen[e], o.name)
			}
			seen[e] = o.name
		}
	}
}

// TestFromEnv: with no fastlane folder, deliver's variables alone make a project whose
// folders are deliver's defaults there; none set, no project.
func TestFromEnv(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if c, err := FromEnv(dir, env(map[string]string{"DELIVER_API_KEY_PATH": "/k.json", "PATH": "/bin"})); c != nil || err != nil {
		t.Errorf("no deliver variable: %v %v", c, err)
	}
	c, err := FromEnv(dir, env(map[string]string{"DELIVER_APP_IDENTIFIER": "com.example.env", "DELIVER_APP_VERSION": "3.0", "DELIVER_SKIP_METADATA": "true"}))
	if err != nil {
		t.Fatal(err)
	}
	if app, from := c.App(); app != "com.example.env" || from != "$DELIVER_APP_IDENTIFIER" || c.Submission.AppVersion != "3.0" || !c.Skip["skip_metadata"] {
		t.Errorf("app %q from %q, %+v", app, from, c)
	}
	if c.MetadataPath != filepath.Join(dir, "metadata") || c.ScreenshotsPath != filepath.Join(dir, "screenshots") || c.HasDeliverfile() || len(c.Notes) != 0 {
		t.Errorf("paths %s %s notes %q", c.MetadataPath, c.ScreenshotsPath, c.Notes)
	}
}

// TestEnvErrorLists: several bad variables are a list a front end prints one a line.
func TestEnvErrorLists(t *testing.T) {
	t.Parallel()
	_, err := FromEnv(t.TempDir(), env(map[string]string{"DELIVER_FORCE": "y", "DELIVER_APP_ID": "x"}))
	var list interface{ ProblemList() (string, []string) }
	if !errors.As(err, &list) {
		t.Fatalf("%v is no list", err)
	}
	if head, lines := list.ProblemList(); head != "the environment has 2 problems, nothing was sent" || len(lines) != 2 {
		t.Errorf("%s: %q", head, lines)
	}
	_, err = FromEnv(t.TempDir(), env(map[string]string{"DELIVER_FORCE": "y"}))
	if errors.As(err, &list) || err.Error() != `DELIVER_FORCE="y": not a boolean (true or false, yes or no, on or off); nothing was sent` {
		t.Errorf("one bad variable: %v", err)
	}
}

// TestAppClipOptions: deliver's App Clip options from the Deliverfile (paths against the
// project folder, the subtitle a localized hash, the action text) and their variables, which
// outrank it (the subtitle's as fastlane parses it, a JSON object); a variable that is no
// object is refused by name.
func TestAppClipOptions(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fastlane/Deliverfile": `app_clip_header_images_path "./fastlane/clip_images"
app_clip_default_experience_metadata_path "./fastlane/clip_metadata"
app_clip_default_experience_subtitle({ "default" => "Try it", "de-DE" => "Probier es" })
app_clip_default_experience_action "PLAY"
`,
	})
	c, err := Resolve(root, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	var inline []string
	for _, v := range c.Inline {
		inline = append(inline, v.Option+" "+v.Language+"="+v.Text+" @"+v.Where)
	}
	if c.AppClipHeaderImagesPath != filepath.Join(root, "fastlane", "clip_images") || c.AppClipDefaultExperienceMetadataPath != filepath.Join(root, "fastlane", "clip_metadata") ||
		len(c.Notes) != 0 || strings.Join(inline, "; ") != "app_clip_default_experience_subtitle default=Try it @Deliverfile line 3; "+
		"app_clip_default_experience_subtitle de-DE=Probier es @Deliverfile line 3; app_clip_default_experience_action =PLAY @Deliverfile line 4" {
		t.Errorf("from the Deliverfile: %q %q, inline %q, notes %q", c.AppClipHeaderImagesPath, c.AppClipDefaultExperienceMetadataPath, inline, c.Notes)
	}
	c, err = Resolve(root, env(map[string]string{
		"DELIVER_APP_CLIP_HEADER_IMAGES_PATH": "env_images", "DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_METADATA_PATH": "/abs/clip",
		"DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE": `{"default": "Env", "fr-FR": "Essaie"}`, "DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_ACTION": "VIEW",
	}))
	if err != nil {
		t.Fatal(err)
	}
	inline = inline[:0]
	for _, v := range c.Inline {
		inline = append(inline, v.Option+" "+v.Language+"="+v.Text+" @"+v.Where)
	}
	if c.AppClipHeaderImagesPath != filepath.Join(root, "env_images") || c.AppClipDefaultExperienceMetadataPath != "/abs/clip" ||
		strings.Join(inline, "; ") != "app_clip_default_experience_subtitle default=Env @$DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE; "+
			"app_clip_default_experience_subtitle fr-FR=Essaie @$DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE; app_clip_default_experience_action =VIEW @$DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_ACTION" {
		t.Errorf("from the variables: %q %q, inline %q", c.AppClipHeaderImagesPath, c.AppClipDefaultExperienceMetadataPath, inline)
	}
	_, err = Resolve(root, env(map[string]string{"DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE": "Try it"}))
	if err == nil || !strings.Contains(err.Error(), `DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE="Try it": not a JSON object of language => text`) {
		t.Errorf("a subtitle variable that is no object: %v", err)
	}
	// JSON's null decodes without error to no map: it is no object either, and must not
	// silently replace the Deliverfile's subtitles with none.
	_, err = Resolve(root, env(map[string]string{"DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE": "null"}))
	if err == nil || !strings.Contains(err.Error(), `DELIVER_APP_CLIP_DEFAULT_EXPERIENCE_SUBTITLE="null": not a JSON object of language => text`) {
		t.Errorf("a subtitle variable that is null: %v", err)
	}
}
