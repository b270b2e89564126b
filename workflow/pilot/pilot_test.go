package pilot_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/pilot"
)

const quietApp = "com.example.quiethours"

// project writes a fastlane project (files relative to its root) with an ipa of Quiet Hours
// at build/QuietHours.ipa, and reads it with env as its variables.
func project(t *testing.T, files map[string]string, env map[string]string, version, build string) *fastlane.Pilot {
	t.Helper()
	root := t.TempDir()
	for name, text := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := archivetest.WriteIPA(filepath.Join(root, "build", "QuietHours.ipa"), archivetest.App{BundleID: quietApp, Version: version, Build: build}); err != nil {
		t.Fatal(err)
	}
	p, err := fastlane.ResolvePilot(root, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func options(sb *sandboxtest.Sandbox, p *fastlane.Pilot) pilot.Options {
	return pilot.Options{Project: p, Wait: builds.WaitOptions{Clock: sb.Clock()}}
}

func steps(r *pilot.Result) string {
	if r == nil {
		return "<nil>"
	}
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Name+"="+s.Status)
	}
	return strings.Join(out, " ")
}

const externalPilotfile = `app_identifier "com.example.quiethours"
ipa "build/QuietHours.ipa"
changelog "From the Pilotfile"
distribute_external true
groups ["Public Beta"]
notify_external_testers true
beta_app_review_info(contact_email: "pilot@example.com", contact_first_name: "Ada", notes: "Tap twice", demo_account_required: false)
localized_app_info({ "default" => { feedback_email: "beta@example.com", description: "Try the quiet timer" } })
`

// TestPilotUploadDistributesExternally: the Pilotfile's upload (its changelog outranked by
// PILOT_CHANGELOG) is awaited, given its test information, What to Test, review details and
// notification, added to an external group and submitted for beta review; a run again writes
// nothing.
func TestPilotUploadDistributesExternally(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	p := project(t, map[string]string{"fastlane/Pilotfile": externalPilotfile}, map[string]string{"PILOT_CHANGELOG": "From the variable"}, "1.1.0", "100")
	r, err := pilot.Upload(t.Context(), c, options(sb, p))
	if err != nil {
		t.Fatalf("upload: %v (%s)", err, steps(r))
	}
	want := "upload=changed processing=unchanged review details=changed test information=changed what to test=changed notify testers=changed groups=changed beta review=changed"
	if got := steps(r); got != want {
		t.Errorf("steps\n got %s\nwant %s", got, want)
	}
	if r.BuildID == "" || r.Version != "1.1.0" || r.BuildNumber != "100" {
		t.Errorf("result %+v", r)
	}
	b, _, err := c.Builds.Get(t.Context(), r.BuildID, &asc.BuildsGetOptions{Include: []string{"betaGroups", "betaAppReviewSubmission", "betaBuildLocalizations", "buildBetaDetail"}})
	if err != nil {
		t.Fatal(err)
	}
	var whatsNew, review, groups []string
	notify := false
	for _, inc := range b.Included {
		switch v := inc.(type) {
		case *asc.BetaBuildLocalization:
			whatsNew = append(whatsNew, v.Attributes.Locale+": "+v.Attributes.WhatsNew)
		case *asc.BetaAppReviewSubmission:
			review = append(review, string(v.Attributes.BetaReviewState))
		case *asc.BetaGroup:
			groups = append(groups, v.Attributes.Name)
		case *asc.BuildBetaDetail:
			notify = v.Attributes.AutoNotifyEnabled != nil && *v.Attributes.AutoNotifyEnabled
		}
	}
	if strings.Join(whatsNew, "|") != "en-US: From the variable" || strings.Join(review, "|") != "WAITING_FOR_REVIEW" || strings.Join(groups, "|") != "Public Beta" || !notify {
		t.Errorf("what to test %v, review %v, groups %v, notify %v", whatsNew, review, groups, notify)
	}
	d, _, err := c.Apps.GetBetaAppReviewDetail(t.Context(), r.App, nil)
	if err != nil || d.Data.Attributes.ContactEmail != "pilot@example.com" || d.Data.Attributes.Notes != "Tap twice" {
		t.Errorf("review detail %+v %v", d, err)
	}
	locs, _, err := c.Apps.ListBetaAppLocalizations(t.Context(), r.App, nil)
	if err != nil || len(locs.Data) != 1 || locs.Data[0].Attributes.Description != "Try the quiet timer" || locs.Data[0].Attributes.FeedbackEmail != "beta@example.com" {
		t.Errorf("beta app localizations %+v %v", locs, err)
	}

	w := sb.Writes()
	again, err := pilot.Upload(t.Context(), c, options(sb, p))
	if err != nil || sb.Writes() != w || again.Changed() {
		t.Fatalf("run again: %v, %d writes (%s)", err, sb.Writes()-w, steps(again))
	}
	if n := sb.Count("POST /v1/buildUploads"); n != 1 {
		t.Errorf("%d build uploads", n)
	}
}

// TestPilotRefusesBeforeAnyWrite: options pilot cannot run, an archive App Store Connect
// would refuse, numbers that differ from the archive's and a group the app does not have are
// each refused by name with nothing written.
func TestPilotRefusesBeforeAnyWrite(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	for _, tc := range []struct {
		name, pilotfile string
		env             map[string]string
		version, build  string
		want            string
	}{
		{"external without groups", "ipa \"build/QuietHours.ipa\"\ndistribute_external true\nchangelog \"x\"\n", nil, "1.2.0", "200",
			"distribute_external is set and no groups are given"},
		{"external without changelog", "ipa \"build/QuietHours.ipa\"\ndistribute_external true\ngroups [\"Public Beta\"]\n", nil, "1.2.0", "200",
			"distribute_external is set and no changelog is given"},
		{"ipa and pkg", "ipa \"build/QuietHours.ipa\"\n", map[string]string{"PILOT_PKG": "build/QuietHours.ipa.pkg"}, "1.2.0", "200", ""},
		{"unknown group", "ipa \"build/QuietHours.ipa\"\ngroups [\"Nobody\"]\n", nil, "1.2.0", "200",
			"fastlane/Pilotfile line 2: no beta group named Nobody; the app has: "},
		{"another version", "ipa \"build/QuietHours.ipa\"\napp_version \"9.9\"\n", nil, "1.2.0", "200",
			`fastlane/Pilotfile line 2: app_version "9.9" is not QuietHours.ipa's version "1.2.0"`},
		{"a bad locale", "ipa \"build/QuietHours.ipa\"\nlocalized_build_info({ \"xx-YY\" => { whats_new: \"x\" } })\n", nil, "1.2.0", "200",
			`localized_build_info: "xx-YY" is not a locale`},
		{"another app's archive", "ipa \"build/QuietHours.ipa\"\napp_identifier \"com.example.daybreak\"\n", nil, "1.2.0", "200",
			"is built for bundle id com.example.quiethours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{"fastlane/Pilotfile": tc.pilotfile}
			if tc.name == "ipa and pkg" {
				files["build/QuietHours.ipa.pkg"] = "pkg"
				tc.want = "both ipa (fastlane/Pilotfile line 1) and pkg ($PILOT_PKG) are given"
			}
			p := project(t, files, tc.env, tc.version, tc.build)
			w := sb.Writes()
			_, err := pilot.Upload(t.Context(), c, options(sb, p))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
			if sb.Writes() != w {
				t.Errorf("%d writes", sb.Writes()-w)
			}
		})
	}
}

// TestPilotRetriesCreateNothingTwice: the creates of a run fail after taking effect (the
// answer lost) and are read back in the same run: What to Test in the first run, which stops
// when adding the build to its group fails after taking effect; the beta review submission
// in the run again, which finishes. One of each in the end.
func TestPilotRetriesCreateNothingTwice(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	p := project(t, map[string]string{"fastlane/Pilotfile": externalPilotfile}, nil, "1.3.0", "300")
	sb.Fail(
		sandbox.FaultRule{Method: "POST", Route: "/v1/betaBuildLocalizations", After: true, Status: 500, Times: 1},
		sandbox.FaultRule{Method: "POST", Route: "/v1/betaAppReviewSubmissions", After: true, Drop: true, Times: 1},
		sandbox.FaultRule{Method: "POST", Route: "/v1/builds/{id}/relationships/betaGroups", After: true, Status: 503, Times: 1},
	)
	r, err := pilot.Upload(t.Context(), c, options(sb, p))
	if err == nil || !strings.Contains(err.Error(), "Public Beta") {
		t.Fatalf("first run: %v (%s)", err, steps(r))
	}
	// The submission's rule has not acted yet: it drops the answer of the run again's.
	r, err = pilot.Upload(t.Context(), c, options(sb, p))
	if err != nil {
		t.Fatalf("run again: %v (%s)", err, steps(r))
	}
	// The sandbox counts a dropped request once its handler has unwound, which can be just
	// after the client saw the connection close: wait for that count (not for a time).
	for i := 0; i < 200 && sb.Count("POST /v1/betaAppReviewSubmissions") == 0; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if got := steps(r); !strings.Contains(got, "groups=unchanged") || !strings.Contains(got, "what to test=unchanged") || !strings.Contains(got, "beta review=unchanged") {
		t.Errorf("run again: %s", got)
	}
	for route, want := range map[string]int{"POST /v1/buildUploads": 1, "POST /v1/betaBuildLocalizations": 1, "POST /v1/betaAppReviewSubmissions": 1} {
		if n := sb.Count(route); n != want {
			t.Errorf("%s: %d, want %d", route, n, want)
		}
	}
	b, _, err := c.Builds.Get(t.Context(), r.BuildID, &asc.BuildsGetOptions{Include: []string{"betaBuildLocalizations", "betaAppReviewSubmission"}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(b.Included); n != 2 {
		t.Errorf("%d localizations and submissions: %+v", n, b.Included)
	}
	w := sb.Writes()
	if r, err := pilot.Upload(t.Context(), c, options(sb, p)); err != nil || sb.Writes() != w {
		t.Errorf("third run: %v, %d writes (%s)", err, sb.Writes()-w, steps(r))
	}
}

// TestPilotDistributeOnly: distribute_only with app_version and build_number picks that
// existing build; reject_build_waiting_for_review expires the build of the version waiting
// for beta review and expire_previous_builds every other one; skip_submission sets the test
// information alone.
func TestPilotDistributeOnly(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	c := sb.Client()
	// Two builds of 1.4.0: 400 submitted for beta review (waiting: its review takes longer
	// than 401's processing), then 401.
	first := project(t, map[string]string{"fastlane/Pilotfile": externalPilotfile}, nil, "1.4.0", "400")
	if _, err := pilot.Upload(t.Context(), c, options(sb, first)); err != nil {
		t.Fatal(err)
	}
	second := project(t, map[string]string{"fastlane/Pilotfile": "ipa \"build/QuietHours.ipa\"\nskip_submission true\nchangelog \"Second\"\n"}, nil, "1.4.0", "401")
	r, err := pilot.Upload(t.Context(), c, options(sb, second))
	if err != nil || steps(r) != "upload=changed processing=unchanged what to test=changed distribute=skipped" {
		t.Fatalf("upload with skip_submission: %v (%s)", err, steps(r))
	}
	p := project(t, map[string]string{"fastlane/Pilotfile": `app_identifier "com.example.quiethours"
distribute_only true
app_version "1.4.0"
build_number "401"
changelog "Second"
groups ["Public Beta"]
reject_build_waiting_for_review true
expire_previous_builds true
`}, nil, "0.0.1", "1")
	r, err = pilot.Upload(t.Context(), c, options(sb, p))
	if err != nil {
		t.Fatalf("distribute: %v (%s)", err, steps(r))
	}
	want := "what to test=unchanged reject waiting build=changed expire previous builds=changed groups=changed beta review=changed"
	if got := steps(r); got != want || r.BuildNumber != "401" {
		t.Errorf("steps\n got %s\nwant %s (build %s)", got, want, r.BuildNumber)
	}
	no := false
	left, err := builds.List(t.Context(), c, builds.Filter{App: quietApp, Expired: &no})
	if err != nil || len(left) != 1 || left[0].Number() != "401" {
		t.Errorf("unexpired builds %d (%v)", len(left), err)
	}
	w := sb.Writes()
	if r, err := pilot.Distribute(t.Context(), c, options(sb, p)); err != nil || sb.Writes() != w || r.Changed() {
		t.Errorf("distribute again: %v, %d writes (%s)", err, sb.Writes()-w, steps(r))
	}
	// A build that is not there is named.
	p.BuildNumber = "999"
	if _, err := pilot.Distribute(t.Context(), c, options(sb, p)); err == nil || !strings.Contains(err.Error(), `no build to distribute: no build of version "1.4.0" and build number "999"`) {
		t.Errorf("no such build: %v", err)
	}
}
