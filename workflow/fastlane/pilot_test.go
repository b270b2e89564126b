package fastlane

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	problemlist "github.com/ascend-tools/ascend/workflow/internal/problems"
)

// envMap is a lookup over a fixed set of variables.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

// TestPilotOptionsTable: pilot's 42 options in fastlane's order, each applied or noted with
// its reason, with fastlane's variables (PILOT_DISTRIBUTE_EXTERNAL is two options' variable).
func TestPilotOptionsTable(t *testing.T) {
	t.Parallel()
	names := PilotOptionNames()
	want := []string{"api_key_path", "api_key", "username", "app_identifier", "app_platform", "apple_id", "ipa", "pkg",
		"demo_account_required", "beta_app_review_info", "localized_app_info", "beta_app_description", "beta_app_feedback_email",
		"localized_build_info", "changelog", "skip_submission", "skip_waiting_for_build_processing", "update_build_info_on_upload",
		"app_clip_invocations", "overwrite_app_clip_invocations", "distribute_only", "uses_non_exempt_encryption",
		"distribute_external", "notify_external_testers", "app_version", "build_number", "expire_previous_builds",
		"first_name", "last_name", "email", "testers_file_path", "groups", "team_id", "team_name", "dev_portal_team_id",
		"itc_provider", "provider_public_id", "wait_processing_interval", "wait_processing_timeout_duration",
		"wait_for_uploaded_build", "reject_build_waiting_for_review", "submit_beta_review"}
	if !slices.Equal(names, want) {
		t.Fatalf("options\n got %v\nwant %v", names, want)
	}
	for _, o := range pilotOptions {
		if len(o.env) == 0 {
			t.Errorf("%s has no variable", o.name)
		}
		if (o.kind == notApplied || o.kind == asCredential) != (o.why != "") {
			t.Errorf("%s: kind %d with reason %q", o.name, o.kind, o.why)
		}
	}
	for name, vars := range map[string][]string{
		"api_key_path": {"PILOT_API_KEY_PATH", "APP_STORE_CONNECT_API_KEY_PATH"}, "beta_app_feedback_email": {"PILOT_BETA_APP_FEEDBACK"},
		"reject_build_waiting_for_review": {"PILOT_REJECT_PREVIOUS_BUILD"}, "submit_beta_review": {"PILOT_DISTRIBUTE_EXTERNAL"},
		"distribute_external": {"PILOT_DISTRIBUTE_EXTERNAL"}, "demo_account_required": {"DEMO_ACCOUNT_REQUIRED"},
		"overwrite_app_clip_invocations": {"PILOT_APP_CLIPS_OVERWRITE_INVOCATIONS"}, "testers_file_path": {"PILOT_TESTERS_FILE"},
	} {
		if got := PilotVariables(name); !slices.Equal(got, vars) {
			t.Errorf("%s: variables %v, want %v", name, got, vars)
		}
	}
}

// TestPilotfilePrecedence: the Pilotfile and Appfile are read as fastlane reads them (every
// kind of value, a file's first statement of an option winning), a variable outranks the
// Pilotfile, a flag (Set) outranks the variable, and the defaults come last.
func TestPilotfilePrecedence(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fastlane/Appfile": "app_identifier \"com.example.appfile\"\napple_id \"me@example.com\"\nitc_team_id \"123\"\n",
		"fastlane/Pilotfile": `# pilot
ipa "build/App.ipa"
changelog "From the file"
changelog "Second statement"
distribute_external true
groups ["QA", "Friends"]
notify_external_testers false
uses_non_exempt_encryption false
beta_app_feedback_email "beta@example.com"
beta_app_description ENV["DESCRIPTION"] || "Default description"
beta_app_review_info(
  contact_email: "review@example.com",
  contact_first_name: "Ada",
  demo_account_required: false,
  notes: "Tap twice"
)
localized_app_info({
  "default" => { feedback_email: "default@example.com", description: "Hello" },
  "de-DE" => { description: "Hallo" }
})
localized_build_info({ "default" => { whats_new: "Fixes" }, "fr-FR" => { whats_new: "Corrections" } })
wait_processing_interval 10
wait_processing_timeout_duration 600
team_id "ABCDE"
for_lane :beta do
  changelog "lane"
end
`,
		"build/App.ipa":   "ipa",
		"build/Other.ipa": "ipa",
		"Newest.ipa":      "ipa",
	})
	env := map[string]string{
		"PILOT_CHANGELOG":              "From the variable",
		"PILOT_GROUPS":                 "Beta, Staff,",
		"PILOT_EXPIRE_PREVIOUS_BUILDS": "yes",
		"PILOT_ITC_PROVIDER":           "ProviderX",
		"PILOT_API_KEY_PATH":           "/keys/api.json",      // the credentials' variable: no note
		"TESTFLIGHT_APP_IDENTITIFER":   "com.example.default", // below the Pilotfile and its variable; above the Appfile
		"PILOT_DISTRIBUTE_EXTERNAL":    "false",               // both distribute_external and submit_beta_review, as in fastlane
		"PILOT_IPA":                    "build/Other.ipa",
	}
	p, err := ResolvePilot(root, envMap(env))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Files, []string{"fastlane/Appfile", "fastlane/Pilotfile"}) {
		t.Errorf("files %v", p.Files)
	}
	if p.Changelog != "From the variable" || p.Where["changelog"] != "$PILOT_CHANGELOG" {
		t.Errorf("changelog %q from %q", p.Changelog, p.Where["changelog"])
	}
	if !slices.Equal(p.Groups, []string{"Beta", "Staff"}) || !p.ExpirePreviousBuilds || p.DistributeExternal || p.SubmitBetaReview {
		t.Errorf("groups %v, expire %v, distribute_external %v, submit_beta_review %v", p.Groups, p.ExpirePreviousBuilds, p.DistributeExternal, p.SubmitBetaReview)
	}
	if p.IPA != filepath.Join(root, "build", "Other.ipa") || p.Where["ipa"] != "$PILOT_IPA" {
		t.Errorf("ipa %q from %q", p.IPA, p.Where["ipa"])
	}
	if p.AppIdentifier != "com.example.default" || p.Where["app_identifier"] != "$TESTFLIGHT_APP_IDENTITIFER" {
		t.Errorf("app identifier %q from %q", p.AppIdentifier, p.Where["app_identifier"])
	}
	if p.NotifyExternalTesters == nil || *p.NotifyExternalTesters || p.UsesNonExemptEncryption || p.BetaAppDescription != "Default description" || p.BetaAppFeedbackEmail != "beta@example.com" {
		t.Errorf("notify %v, encryption %v, description %q, email %q", p.NotifyExternalTesters, p.UsesNonExemptEncryption, p.BetaAppDescription, p.BetaAppFeedbackEmail)
	}
	wantReview := map[string]string{"contact_email": "review@example.com", "contact_first_name": "Ada", "demo_account_required": "false", "notes": "Tap twice"}
	if !maps.Equal(p.BetaAppReviewInfo, wantReview) {
		t.Errorf("review info %v", p.BetaAppReviewInfo)
	}
	if p.LocalizedAppInfo["default"]["feedback_email"] != "default@example.com" || p.LocalizedAppInfo["de-DE"]["description"] != "Hallo" || len(p.LocalizedAppInfo) != 2 {
		t.Errorf("localized app info %v", p.LocalizedAppInfo)
	}
	if !maps.Equal(p.LocalizedBuildInfo, map[string]string{"default": "Fixes", "fr-FR": "Corrections"}) {
		t.Errorf("localized build info %v", p.LocalizedBuildInfo)
	}
	if p.WaitProcessingInterval != 10*time.Second || p.WaitProcessingTimeout != 10*time.Minute {
		t.Errorf("wait %s, timeout %s", p.WaitProcessingInterval, p.WaitProcessingTimeout)
	}
	if p.TestersFilePath != filepath.Join(root, "testers.csv") {
		t.Errorf("testers file %q", p.TestersFilePath)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, want := range []string{
		"fastlane/Pilotfile line 4: changelog is given again; fastlane takes a file's first statement of an option (fastlane/Pilotfile line 3)",
		"fastlane/Pilotfile line 24: team_id is not applied: it names an account or team",
		"$PILOT_ITC_PROVIDER: itc_provider is not applied: ascend uploads through the App Store Connect API",
		"fastlane/Appfile line 2: apple_id names an account or team",
		"fastlane/Pilotfile line 26: changelog is inside the for_lane block and is not applied",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if strings.Contains(notes, "PILOT_API_KEY_PATH") || strings.Contains(notes, "ProviderX") {
		t.Errorf("notes name the credentials' variable or show a noted value:\n%s", notes)
	}

	// A flag outranks the variable, read as the variable would be.
	if err := p.Set("changelog", "From the flag", "--changelog"); err != nil {
		t.Fatal(err)
	}
	if err := p.Set("distribute_external", "true", "--distribute-external"); err != nil {
		t.Fatal(err)
	}
	if p.Changelog != "From the flag" || p.Where["changelog"] != "--changelog" || !p.DistributeExternal {
		t.Errorf("after the flags: changelog %q from %q, distribute_external %v", p.Changelog, p.Where["changelog"], p.DistributeExternal)
	}
	if err := p.Set("skip_submission", "maybe", "--skip-submission"); err == nil || !strings.Contains(err.Error(), `--skip-submission "maybe": not a boolean`) {
		t.Errorf("a bad flag: %v", err)
	}

	// Without the variables: the Pilotfile's values, the Appfile's identifier, pilot's defaults.
	p, err = ResolvePilot(filepath.Join(root, "fastlane"), envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Changelog != "From the file" || p.Where["changelog"] != "fastlane/Pilotfile line 3" || !p.DistributeExternal || !p.SubmitBetaReview {
		t.Errorf("changelog %q from %q, distribute_external %v, submit %v", p.Changelog, p.Where["changelog"], p.DistributeExternal, p.SubmitBetaReview)
	}
	if p.AppIdentifier != "com.example.appfile" || p.Where["app_identifier"] != "fastlane/Appfile line 1" {
		t.Errorf("app identifier %q from %q", p.AppIdentifier, p.Where["app_identifier"])
	}
	if !slices.Equal(p.Groups, []string{"QA", "Friends"}) || p.IPA != filepath.Join(root, "build", "App.ipa") {
		t.Errorf("groups %v, ipa %q", p.Groups, p.IPA)
	}
}

// TestPilotDefaults: with no file and no variable, pilot takes the newest .ipa of the project
// folder, waits every 30 s and submits for beta review; a Pilotfile at the project's top
// level is read too.
func TestPilotDefaults(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"Old.ipa": "a", "New.ipa": "b", "App.pkg": "c"})
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(filepath.Join(root, "Old.ipa"), old, old); err != nil {
		t.Fatal(err)
	}
	p, err := ResolvePilot(root, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.IPA != filepath.Join(root, "New.ipa") || p.PKG != filepath.Join(root, "App.pkg") || p.Given("ipa") {
		t.Errorf("ipa %q pkg %q given %v", p.IPA, p.PKG, p.Given("ipa"))
	}
	if p.WaitProcessingInterval != 30*time.Second || !p.SubmitBetaReview || len(p.Files) != 0 {
		t.Errorf("interval %s, submit %v, files %v", p.WaitProcessingInterval, p.SubmitBetaReview, p.Files)
	}
	writeFiles(t, root, map[string]string{"Pilotfile": "app_identifier \"com.example.top\"\napple_id \"1500000001\"\napp_platform \"osx\"\n"})
	p, err = ResolvePilot(root, envMap(nil))
	if err != nil {
		t.Fatal(err)
	}
	if app, from := p.App(); app != "1500000001" || from != "Pilotfile line 2" || p.ApplePlatform() != "MAC_OS" || p.AppIdentifier != "com.example.top" {
		t.Errorf("app %q from %q, platform %q", app, from, p.ApplePlatform())
	}
}

// TestPilotRefusals: every value pilot cannot use is named at once, from the Pilotfile and
// the variables, before anything is sent.
func TestPilotRefusals(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"fastlane/Pilotfile": `app_platform "android"
apple_id "me@example.com"
beta_app_review_info(contact_email: "a@b.c", contact_fax: "123")
localized_app_info({ "default" => { whats_new: "x" } })
localized_build_info({ "en-US" => "Fixes" })
groupz ["QA"]
ipa "missing.ipa"
pkg "App.zip"
changelog "Build #{ENV['N']}"
skip_submission "perhaps"
wait_processing_interval 0
email "nobody"
`,
		"App.zip": "x",
	})
	_, err := ResolvePilot(root, envMap(map[string]string{
		"PILOT_DISTRIBUTE_ONLY":          "maybe",
		"PILOT_WAIT_PROCESSING_INTERVAL": "1e3",
		"PILOT_LOCALIZED_BUILD_INFO":     `{"default": {"whatsnew": "x"}}`,
		"PILOT_BETA_APP_REVIEW_INFO":     `["not", "an", "object"]`,
		"PILOT_BETA_APP_FEEDBACK":        "feedback",
		"DEMO_ACCOUNT_REQUIRED":          "sure",
	}))
	var pe *problemlist.Error
	if !errors.As(err, &pe) {
		t.Fatalf("err %v", err)
	}
	got := strings.Join(pe.Problems, "\n")
	for _, want := range []string{
		`fastlane/Pilotfile line 1: app_platform "android" is not one of pilot's platforms (ios, appletvos, osx, xros)`,
		`fastlane/Pilotfile line 2: apple_id "me@example.com" is not an app's Apple ID`,
		`fastlane/Pilotfile line 3: beta_app_review_info has the key "contact_fax", which pilot does not take`,
		`fastlane/Pilotfile line 4: localized_app_info for default has the key "whats_new", which pilot does not take`,
		`fastlane/Pilotfile line 5: localized_build_info for en-US must be a hash (whats_new), it is a string`,
		`fastlane/Pilotfile line 6: groupz is not one of pilot's options (did you mean groups?)`,
		`fastlane/Pilotfile line 7: ipa ` + filepath.Join(root, "missing.ipa") + `: no such file`,
		`fastlane/Pilotfile line 8: pkg ` + filepath.Join(root, "App.zip") + ` does not end in .pkg`,
		`fastlane/Pilotfile line 9 is not read: string interpolation`,
		`fastlane/Pilotfile line 10: skip_submission must be true or false, it is "perhaps"`,
		`fastlane/Pilotfile line 11: wait_processing_interval must be a whole number of seconds above 0, it is 0`,
		`fastlane/Pilotfile line 12: email "nobody" is not an email address`,
		`PILOT_DISTRIBUTE_ONLY="maybe": not a boolean`,
		`PILOT_WAIT_PROCESSING_INTERVAL="1e3": not a whole number`,
		`$PILOT_LOCALIZED_BUILD_INFO: localized_build_info for default has the key "whatsnew"`,
		`PILOT_BETA_APP_REVIEW_INFO="[\"not\", \"an\", \"object\"]": not a JSON object`,
		`$PILOT_BETA_APP_FEEDBACK: beta_app_feedback_email "feedback" is not an email address`,
		`DEMO_ACCOUNT_REQUIRED="sure": not a boolean`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("problems lack %q:\n%s", want, got)
		}
	}
	if len(pe.Problems) != 18 {
		t.Errorf("%d problems:\n%s", len(pe.Problems), got)
	}
	if summary, _ := pe.ProblemList(); summary != "pilot's options has 18 problems, nothing was sent" {
		t.Errorf("summary %q", summary)
	}
}
