package pilot_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

const quietApp = "com.example.quiethours"

// project writes a fastlane project: its Pilotfile and an ipa of Quiet Hours at
// build/QuietHours.ipa; it returns the project folder.
func project(t *testing.T, pilotfile, version, build string) string {
	t.Helper()
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "fastlane"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "fastlane", "Pilotfile"), []byte(pilotfile), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "fastlane", "Appfile"), []byte("app_identifier \""+quietApp+"\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := archivetest.WriteIPA(filepath.Join(root, "build", "QuietHours.ipa"), archivetest.App{BundleID: quietApp, Version: version, Build: build}); err != nil {
		t.Fatal(err)
	}
	return root
}

// result is `pilot ... --json`'s answer.
type result struct {
	App, BuildID string
	Steps        []struct{ Name, Status, Detail string }
}

func decode(t *testing.T, r cmdtest.Result) result {
	t.Helper()
	var res result
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil {
		t.Fatalf("%v\n%s", err, r.Stdout)
	}
	return res
}

func (r result) steps() string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Name+"="+s.Status)
	}
	return strings.Join(out, " ")
}

// whatToTest is the build's What to Test, read through `ascend api`.
func whatToTest(t *testing.T, h *cmdtest.Harness, buildID string) string {
	t.Helper()
	r := h.Run(t, false, "api", "/v1/builds/"+buildID+"/betaBuildLocalizations", "--jq", `.data[] | .attributes.locale + ": " + .attributes.whatsNew`).Want(t, 0)
	return strings.TrimSpace(r.Stdout)
}

const pilotfile = `ipa "build/QuietHours.ipa"
changelog "From the Pilotfile"
distribute_external true
groups ["Public Beta"]
wait_processing_interval 1
team_id "ABC123"
`

// TestPilotUploadPrecedence: the flag outranks the variable, which outranks the Pilotfile
// (What to Test is the flag's); the build is uploaded, awaited, added to the external group
// and submitted for beta review; the option ascend does not apply is named; a run again
// writes nothing.
func TestPilotUploadPrecedence(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 10 * time.Millisecond, BuildProcessingDelay: 20 * time.Millisecond})
	dir := project(t, pilotfile, "2.0.0", "200")
	h.Env["PILOT_CHANGELOG"] = "From the variable"
	h.Env["PILOT_NOTIFY_EXTERNAL_TESTERS"] = "false"
	r := h.Run(t, false, "pilot", "upload", "--fastlane", dir, "--changelog", "From the flag", "--json").Want(t, 0)
	res := decode(t, r)
	if got, want := res.steps(), "upload=changed processing=unchanged what to test=changed notify testers=unchanged groups=changed beta review=changed"; got != want {
		t.Errorf("steps\n got %s\nwant %s", got, want)
	}
	for _, want := range []string{
		"pilot: fastlane/Pilotfile line 6: team_id is not applied: it names an account or team",
		"pilot: app com.example.quiethours, from fastlane/Appfile line 1",
	} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if got := whatToTest(t, h, res.BuildID); got != "en-US: From the flag" {
		t.Errorf("what to test %q", got)
	}
	groups := h.Run(t, false, "api", "/v1/builds/"+res.BuildID, "-f", "include=betaGroups", "--jq", ".included[].attributes.name").Want(t, 0)
	review := h.Run(t, false, "api", "/v1/builds/"+res.BuildID+"/betaAppReviewSubmission", "--jq", ".data.attributes.betaReviewState").Want(t, 0)
	if strings.TrimSpace(groups.Stdout) != "Public Beta" || strings.TrimSpace(review.Stdout) != "WAITING_FOR_REVIEW" {
		t.Errorf("groups %q, beta review %q", groups.Stdout, review.Stdout)
	}

	w := h.Writes(t)
	again := decode(t, h.Run(t, false, "pilot", "upload", "--fastlane", dir, "--changelog", "From the flag", "--json").Want(t, 0))
	if h.Writes(t) != w || strings.Contains(again.steps(), "=changed") {
		t.Errorf("run again: %d writes (%s)", h.Writes(t)-w, again.steps())
	}
	// Without the flag the variable wins, and only What to Test changes.
	third := decode(t, h.Run(t, false, "pilot", "upload", "--fastlane", dir, "--json").Want(t, 0))
	if got := whatToTest(t, h, res.BuildID); got != "en-US: From the variable" || !strings.Contains(third.steps(), "what to test=changed") || h.Writes(t) != w+1 {
		t.Errorf("without the flag: %q, %d writes (%s)", got, h.Writes(t)-w, third.steps())
	}
}

// TestPilotRefusals: a flag pilot cannot take is a usage error naming it, a variable or a
// Pilotfile line one naming it (every one at once), a distribution pilot cannot make is
// refused; nothing is sent for any of them. --dry-run writes nothing.
func TestPilotRefusals(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	dir := project(t, pilotfile, "2.1.0", "210")
	for _, tc := range []struct {
		args []string
		env  map[string]string
		code int
		want []string
	}{
		{[]string{"--skip-submission=maybe"}, nil, 2, []string{`invalid argument "maybe" for "--skip-submission"`}},
		{[]string{"--wait-processing-interval", "soon"}, nil, 2, []string{`--wait-processing-interval "soon": not a whole number`}},
		{[]string{"--beta-app-review-info", `{"contact_fax": "1"}`}, nil, 2, []string{`--beta-app-review-info: beta_app_review_info has the key "contact_fax"`}},
		{[]string{"--app-platform", "android"}, nil, 2, []string{`"android" is not one of pilot's platforms`}},
		{nil, map[string]string{"PILOT_DISTRIBUTE_ONLY": "perhaps", "PILOT_GROUPS": "", "PILOT_BETA_APP_FEEDBACK": "nobody"}, 1,
			[]string{"pilot's options has 2 problems, nothing was sent", `PILOT_DISTRIBUTE_ONLY="perhaps": not a boolean`, `$PILOT_BETA_APP_FEEDBACK: beta_app_feedback_email "nobody" is not an email address`}},
		{[]string{"--groups", "Nobody"}, nil, 1, []string{"--groups: no beta group named Nobody; the app has: Internal Testers, Public Beta, Design Partners; nothing was sent"}},
		{[]string{"--changelog", ""}, map[string]string{"PILOT_GROUPS": " "}, 1, []string{"distribute_external is set and no changelog is given"}},
		{[]string{"--pkg", "build/QuietHours.ipa"}, nil, 2, []string{"does not end in .pkg"}},
	} {
		env := map[string]string{}
		for k, v := range h.Env {
			env[k] = v
		}
		for k, v := range tc.env {
			h.Env[k] = v
		}
		w := h.Writes(t)
		r := h.Run(t, false, append([]string{"pilot", "upload", "--fastlane", dir}, tc.args...)...)
		h.Env = env
		if r.Code != tc.code {
			t.Errorf("%v %v: exit %d, want %d: %v\n%s", tc.args, tc.env, r.Code, tc.code, r.Err, r.Stderr)
			continue
		}
		for _, want := range tc.want {
			if !strings.Contains(r.Stderr+r.Err.Error(), want) {
				t.Errorf("%v %v: %q lacks %q", tc.args, tc.env, r.Err, want)
			}
		}
		if h.Writes(t) != w {
			t.Errorf("%v %v: %d writes", tc.args, tc.env, h.Writes(t)-w)
		}
	}
	w := h.Writes(t)
	r := h.Run(t, false, "pilot", "upload", "--fastlane", dir, "--dry-run").Want(t, 0)
	if h.Writes(t) != w || !strings.Contains(r.Stdout, "upload\tplanned\tQuietHours.ipa 2.1.0 (210)") || !strings.Contains(r.Stdout, "groups\tplanned\tPublic Beta") {
		t.Errorf("dry run: %d writes\n%s", h.Writes(t)-w, r.Stdout)
	}
}

// TestPilotWaitTimeout: a build still processing at --timeout exits 8 with its one upload;
// run again (processed meanwhile), the run goes on without a second upload.
func TestPilotWaitTimeout(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 10 * time.Millisecond, BuildProcessingDelay: time.Hour})
	dir := project(t, "ipa \"build/QuietHours.ipa\"\nchangelog \"x\"\n", "2.2.0", "220")
	r := h.Run(t, false, "pilot", "upload", "--fastlane", dir, "--timeout", "50ms").Want(t, 8)
	if !strings.Contains(r.Err.Error(), "still") {
		t.Errorf("err %v", r.Err)
	}
	if n := h.Stats(t)["POST /v1/buildUploads"]; n != 1 {
		t.Errorf("%d build uploads", n)
	}
	h.SB.Advance(2 * time.Hour)
	res := decode(t, h.Run(t, false, "pilot", "upload", "--fastlane", dir, "--json").Want(t, 0))
	if got := res.steps(); got != "upload=unchanged processing=unchanged what to test=changed" {
		t.Errorf("run again: %s", got)
	}
	if n := h.Stats(t)["POST /v1/buildUploads"]; n != 1 {
		t.Errorf("%d build uploads", n)
	}
}

// TestPilotDistributeRetried: pilot distribute of an existing build whose beta review
// submission's answer is lost: read back, not sent twice; a run again writes nothing.
func TestPilotDistributeRetried(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 10 * time.Millisecond, BuildProcessingDelay: 20 * time.Millisecond})
	dir := project(t, "ipa \"build/QuietHours.ipa\"\nwait_processing_interval 1\n", "2.3.0", "230")
	h.Run(t, false, "pilot", "upload", "--fastlane", dir, "--skip-submission").Want(t, 0)
	if err := h.SB.SetFaultRules(sandbox.FaultRule{Method: "POST", Route: "/v1/betaAppReviewSubmissions", After: true, Drop: true, Times: 1},
		sandbox.FaultRule{Method: "POST", Route: "/v1/betaBuildLocalizations", After: true, Status: 500, Times: 1}); err != nil {
		t.Fatal(err)
	}
	args := []string{"pilot", "distribute", "--fastlane", dir, "--app-version", "2.3.0", "--build-number", "230", "--groups", "Design Partners", "--changelog", "Fixes", "--json"}
	res := decode(t, h.Run(t, false, args...).Want(t, 0))
	if got, want := res.steps(), "what to test=changed groups=changed beta review=unchanged"; got != want {
		t.Errorf("steps\n got %s\nwant %s", got, want)
	}
	// The sandbox counts a dropped request when its handler has unwound, which can be just
	// after the client saw the connection close: wait for that count (not for a time).
	for i := 0; i < 200 && h.Stats(t)["POST /v1/betaAppReviewSubmissions"] == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	st := h.Stats(t)
	if st["POST /v1/betaAppReviewSubmissions"] != 1 || st["POST /v1/betaBuildLocalizations"] != 1 {
		t.Errorf("%d submissions, %d localizations created", st["POST /v1/betaAppReviewSubmissions"], st["POST /v1/betaBuildLocalizations"])
	}
	subs := h.Run(t, false, "api", "/v1/betaAppReviewSubmissions", "-f", "filter[build]="+res.BuildID, "--jq", ".data | length").Want(t, 0)
	if strings.TrimSpace(subs.Stdout) != "1" {
		t.Errorf("%s beta review submissions of the build", subs.Stdout)
	}
	w := h.Writes(t)
	if again := decode(t, h.Run(t, false, args...).Want(t, 0)); h.Writes(t) != w || strings.Contains(again.steps(), "=changed") {
		t.Errorf("run again: %d writes (%s)", h.Writes(t)-w, again.steps())
	}
}

// TestPilotTesters: pilot's testers commands with the app from the Appfile and the tester
// and groups from PILOT_* variables and flags: add (again: nothing written), find, list,
// export, import of the file exported (nothing written), remove (asking, or --yes), and the
// refusals before any request.
func TestPilotTesters(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	dir := project(t, "groups [\"Public Beta\"]\n", "2.4.0", "240")
	h.Env["PILOT_TESTER_EMAIL"] = "new.tester@example.com"
	h.Env["PILOT_TESTER_FIRST_NAME"] = "New"
	r := h.Run(t, false, "pilot", "add", "--fastlane", dir, "--last-name", "Tester").Want(t, 0)
	if !strings.Contains(r.Stderr, "1 tester created") {
		t.Errorf("add: %s", r.Stderr)
	}
	w := h.Writes(t)
	h.Run(t, false, "pilot", "add", "--fastlane", dir, "--last-name", "Tester").Want(t, 0)
	if h.Writes(t) != w {
		t.Errorf("add again: %d writes", h.Writes(t)-w)
	}
	found := h.Run(t, false, "pilot", "find", "--fastlane", dir).Want(t, 0)
	if strings.TrimSpace(found.Stdout) != "new.tester@example.com\tNew\tTester\tINVITED\tPublic Beta" {
		t.Errorf("find: %q", found.Stdout)
	}
	if r := h.Run(t, false, "pilot", "find", "nobody@example.com", "--fastlane", dir).Want(t, 1); !strings.Contains(r.Err.Error(), "no tester of the app has the email nobody@example.com") {
		t.Errorf("find nobody: %v", r.Err)
	}
	list := h.Run(t, false, "pilot", "list", "--fastlane", dir).Want(t, 0)
	if !strings.Contains(list.Stdout, "new.tester@example.com") || strings.Count(list.Stdout, "\n") != 5 {
		t.Errorf("list:\n%s", list.Stdout)
	}
	file := filepath.Join(t.TempDir(), "external.csv")
	os.WriteFile(file, []byte("First,Last,Email,Groups\nNew,Tester,new.tester@example.com,Public Beta\nOther,One,other.one@example.com,\n"), 0o644)
	h.Env["PILOT_TESTERS_FILE"] = file
	if r := h.Run(t, false, "pilot", "import", "--fastlane", dir).Want(t, 0); !strings.Contains(r.Stderr, "1 tester created, 0 group memberships added, 1 already as asked") {
		t.Errorf("import: %s", r.Stderr)
	}
	out := filepath.Join(t.TempDir(), "all.csv")
	h.Run(t, false, "pilot", "export", "--fastlane", dir, "--testers-file-path", out).Want(t, 0)
	if data, _ := os.ReadFile(out); !strings.Contains(string(data), "Other,One,other.one@example.com,Public Beta\n") {
		t.Errorf("export:\n%s", data)
	}
	h.Run(t, false, "pilot", "remove", "--fastlane", dir).Want(t, 2) // asks, and nobody answers in a pipe: --yes is needed
	if r := h.Run(t, false, "pilot", "remove", "--fastlane", dir, "--yes").Want(t, 0); !strings.Contains(r.Stderr, "removed 1 tester from group Public Beta") {
		t.Errorf("remove: %s", r.Stderr)
	}
	w = h.Writes(t)
	delete(h.Env, "PILOT_TESTER_EMAIL")
	for _, args := range [][]string{{"pilot", "add", "--fastlane", dir}, {"pilot", "list"}, {"pilot", "add", "a@example.com", "--app", quietApp}, {"pilot", "add", "--fastlane", dir, "--email", "nobody"}} {
		if r := h.Run(t, false, args...); r.Code != 2 {
			t.Errorf("%v: exit %d (%v)", args, r.Code, r.Err)
		}
	}
	if h.Writes(t) != w {
		t.Errorf("refusals: %d writes", h.Writes(t)-w)
	}
}
