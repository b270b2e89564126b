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

// TestPilotSkipWaiting follows fastlane's build_manager: with skip_waiting_for_build_processing
// and no changelog the run ends once the archive is uploaded (no wait, no build looked up, no
// tester sees it); with a changelog it waits only until the build exists, sets What to Test
// while the build processes, and distributes nothing. Once processed, `pilot distribute` adds
// it to the groups and submits it, its What to Test already set.
func TestPilotSkipWaiting(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{BuildProcessingDelay: 10 * time.Minute})
	c := sb.Client()
	noChangelog := "app_identifier \"com.example.quiethours\"\nipa \"build/QuietHours.ipa\"\ngroups [\"Public Beta\"]\nskip_waiting_for_build_processing true\n"
	p := project(t, map[string]string{"fastlane/Pilotfile": noChangelog}, nil, "1.5.0", "500")
	o := options(sb, p)
	clk := o.Wait.Clock.(*sandboxtest.Clock)
	r, err := pilot.Upload(t.Context(), c, o)
	if err != nil || steps(r) != "upload=changed processing=skipped" {
		t.Fatalf("without a changelog: %v (%s)", err, steps(r))
	}
	if clk.Slept() != 0 {
		t.Errorf("waited %v for a build it was told not to wait for", clk.Slept())
	}
	for _, route := range []string{"POST /v1/betaBuildLocalizations", "POST /v1/betaAppReviewSubmissions", "POST /v1/builds/{id}/relationships/betaGroups", "POST /v1/betaAppReviewDetails", "PATCH /v1/betaAppReviewDetails/{id}"} {
		if n := sb.Count(route); n != 0 {
			t.Errorf("without a changelog: %s sent %d times", route, n)
		}
	}

	withChangelog := externalPilotfile + "skip_waiting_for_build_processing true\n"
	p = project(t, map[string]string{"fastlane/Pilotfile": withChangelog}, nil, "1.5.0", "501")
	o = options(sb, p)
	clk = o.Wait.Clock.(*sandboxtest.Clock)
	r, err = pilot.Upload(t.Context(), c, o)
	if err != nil {
		t.Fatalf("with a changelog: %v (%s)", err, steps(r))
	}
	t.Logf("with a changelog: %s, slept %v", steps(r), clk.Slept())
	if got := steps(r); !strings.HasPrefix(got, "upload=changed processing=skipped") || !strings.Contains(got, "what to test=changed") || !strings.HasSuffix(got, "distribute=skipped") || strings.Contains(got, "groups=") || strings.Contains(got, "beta review=") {
		t.Errorf("with a changelog: %s", got)
	}
	if clk.Slept() >= 10*time.Minute {
		t.Errorf("waited %v: for processing, not only for the build to exist", clk.Slept())
	}
	b, _, err := c.Builds.Get(t.Context(), r.BuildID, &asc.BuildsGetOptions{Include: []string{"betaGroups", "betaAppReviewSubmission", "betaBuildLocalizations"}})
	if err != nil {
		t.Fatal(err)
	}
	if b.Data.Attributes.ProcessingState != asc.BuildProcessingStateProcessing {
		t.Errorf("build is %s, want PROCESSING", b.Data.Attributes.ProcessingState)
	}
	var included []string
	for _, inc := range b.Included {
		switch v := inc.(type) {
		case *asc.BetaBuildLocalization:
			included = append(included, "what to test "+v.Attributes.WhatsNew)
		case *asc.BetaAppReviewSubmission:
			included = append(included, "submission")
		case *asc.BetaGroup:
			included = append(included, "group "+v.Attributes.Name)
		}
	}
	if strings.Join(included, "|") != "what to test From the Pilotfile" {
		t.Errorf("while processing the build has %v, want What to Test only", included)
	}

	// Processed: distribute does the rest, and sets What to Test no second time.
	sb.Advance(10 * time.Minute)
	p.DistributeOnly, p.AppVersion, p.BuildNumber = true, "1.5.0", "501"
	r, err = pilot.Distribute(t.Context(), c, options(sb, p))
	if err != nil {
		t.Fatalf("distribute once processed: %v (%s)", err, steps(r))
	}
	if got := steps(r); !strings.Contains(got, "what to test=unchanged") || !strings.Contains(got, "groups=changed") || !strings.Contains(got, "beta review=changed") {
		t.Errorf("distribute once processed: %s", got)
	}
	if n := sb.Count("POST /v1/betaBuildLocalizations"); n != 1 {
		t.Errorf("%d What to Test localizations created, want 1", n)
	}
	if n := sb.Count("POST /v1/buildUploads"); n != 2 {
		t.Errorf("%d build uploads, want 2", n)
	}
}
