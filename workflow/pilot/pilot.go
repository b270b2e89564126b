// Package pilot runs fastlane pilot's upload and distribute on App Store Connect's API, from
// the options fastlane pilot users already have (workflow/fastlane.ResolvePilot: Pilotfile,
// Appfile, PILOT_* variables, flags over them). It composes the other workflows: the build
// upload (workflow/builds: every check before the first write), the wait for processing,
// the TestFlight test information, beta app review details and groups (workflow/testflight),
// and expiring builds. Each step reads first and writes only what differs, and every create
// is read back after a failure that may have taken effect, so a run again changes nothing and
// a retried one creates nothing twice.
package pilot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/internal/problems"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// Options are a pilot run: the project's options and how ascend runs them.
type Options struct {
	// Project is pilot's options, flags set over them (fastlane.Pilot.Set).
	Project *fastlane.Pilot
	// DryRun reads and checks everything and reports the steps, writing nothing.
	DryRun bool
	// Binary tunes the upload (StateDir, PartConcurrency, HTTPClient, Progress); its App and
	// Wait are pilot's.
	Binary builds.UploadOptions
	// Wait is the wait for processing: its Clock and PollMax; Timeout when the options give
	// no wait_processing_timeout_duration (0: DefaultTimeout), and PollInitial is pilot's
	// wait_processing_interval.
	Wait builds.WaitOptions
	// Progress, when set, receives one line per step taken.
	Progress func(string)
}

// DefaultTimeout bounds the wait for processing when nothing else does: pilot waits without
// a bound; ascend stops after this (exit 8), and a run again picks the wait up.
const DefaultTimeout = 2 * time.Hour

// Step is one step of the run and what it did (or, on a dry run, would do).
type Step struct {
	Name   string `json:"name"`   // upload, processing, review details, test information, what to test, ...
	Status string `json:"status"` // changed, unchanged, skipped, planned
	Detail string `json:"detail,omitempty"`
}

// Result is the run's steps in order.
type Result struct {
	App         string   `json:"app"`
	BuildID     string   `json:"buildId,omitempty"`
	Version     string   `json:"version,omitempty"`
	BuildNumber string   `json:"buildNumber,omitempty"`
	Steps       []Step   `json:"steps"`
	Notes       []string `json:"notes,omitempty"`
}

func (r *Result) add(name, status, detail string) {
	r.Steps = append(r.Steps, Step{Name: name, Status: status, Detail: detail})
}

// Changed reports whether a step wrote something.
func (r *Result) Changed() bool {
	return slices.ContainsFunc(r.Steps, func(s Step) bool { return s.Status == "changed" })
}

// run is one run's state.
type run struct {
	c   *asc.Client
	o   Options
	p   *fastlane.Pilot
	res *Result
	app *asc.App
}

func (r *run) say(format string, a ...any) {
	if r.o.Progress != nil {
		r.o.Progress(fmt.Sprintf(format, a...))
	}
}

// step records a step and says it.
func (r *run) step(name, status, detail string) {
	r.res.add(name, status, detail)
	if detail != "" {
		r.say("%s: %s (%s)", name, status, detail)
	} else {
		r.say("%s: %s", name, status)
	}
}

func (r *run) status(changed bool) string {
	switch {
	case !changed:
		return "unchanged"
	case r.o.DryRun:
		return "planned"
	}
	return "changed"
}

// Upload does what `fastlane pilot upload` does: the archive (ipa, or pkg) uploaded, its
// processing awaited (unless skip_waiting_for_build_processing), then the build distributed
// as Distribute does. With distribute_only it is Distribute. Every check is made before the
// first write: the options, the archive against the app and its build numbers, the groups.
func Upload(ctx context.Context, c *asc.Client, o Options) (*Result, error) {
	p := o.Project
	if p.DistributeOnly {
		return Distribute(ctx, c, o)
	}
	path, err := checkUpload(p)
	if err != nil {
		return nil, err
	}
	r := &run{c: c, o: o, p: p, res: &Result{Steps: []Step{}, Notes: slices.Clone(p.Notes)}}
	up := o.Binary
	up.App, _ = p.App()
	up.Wait = !p.SkipWaitingForBuildProcessing || hasBuildInfo(p)
	up.WaitOptions = r.waitOptions()
	up.UntilBuild = p.SkipWaitingForBuildProcessing
	prep, err := builds.Prepare(ctx, c, path, up)
	if err != nil {
		return nil, err
	}
	defer prep.Close()
	info := prep.Result().Archive
	if err := checkNumbers(p, info); err != nil {
		return nil, err
	}
	r.res.Version, r.res.BuildNumber = info.Version, info.BuildNumber
	if r.app, err = apps.Get(ctx, c, prep.Result().AppID, []string{"bundleId", "primaryLocale"}); err != nil {
		return nil, err
	}
	r.res.App = r.app.ID
	if err := r.checkGroups(ctx); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("%s %s (%s)", info.FileName(), info.Version, info.BuildNumber)
	if prep.Result().AlreadyUploaded {
		r.step("upload", "unchanged", detail+", uploaded before")
	} else {
		r.step("upload", r.status(true), detail)
	}
	if o.DryRun {
		r.planRest()
		return r.res, nil
	}
	sent, err := prep.Send(ctx)
	if sent != nil {
		r.res.BuildID = sent.BuildID
	}
	if err != nil {
		return r.res, err
	}
	if !up.Wait {
		r.step("processing", "skipped", "skip_waiting_for_build_processing, and no changelog to set")
		return r.res, nil
	}
	if p.SkipWaitingForBuildProcessing {
		r.step("processing", "skipped", "skip_waiting_for_build_processing: the build is made, its changelog set while it processes")
	} else {
		r.step("processing", "unchanged", "VALID")
	}
	b, err := builds.Get(ctx, c, builds.Ref{ID: sent.BuildID})
	if err != nil {
		return r.res, err
	}
	return r.res, r.distribute(ctx, b)
}

// Distribute does what `fastlane pilot distribute` does: the build app_version and
// build_number name (the newest uploaded when they do not) gets the beta app review details,
// the test information, What to Test and the tester notification, then, unless
// skip_submission, builds waiting for review and older ones are expired as asked, export
// compliance is answered where the build has none, and the build goes to the groups (with a
// beta review submission for external ones unless submit_beta_review is false).
func Distribute(ctx context.Context, c *asc.Client, o Options) (*Result, error) {
	p := o.Project
	if err := problems.New("pilot's options", checkDistribute(p)); err != nil {
		return nil, err
	}
	r := &run{c: c, o: o, p: p, res: &Result{Steps: []Step{}, Notes: slices.Clone(p.Notes)}}
	app, _ := p.App()
	if app == "" {
		// fastlane takes the archive's bundle id when the options name no app.
		for _, path := range []string{p.IPA, p.PKG} {
			if path == "" {
				continue
			}
			info, err := archive.Read(path)
			if err != nil {
				return nil, err
			}
			app = info.BundleID
			break
		}
	}
	if app == "" {
		return nil, errors.New("no app given: set app_identifier or apple_id (Pilotfile, Appfile, PILOT_APP_IDENTIFIER, PILOT_APPLE_ID) or pass --app")
	}
	var err error
	if r.app, err = apps.Get(ctx, c, app, []string{"bundleId", "primaryLocale"}); err != nil {
		return nil, err
	}
	r.res.App = r.app.ID
	list, err := builds.List(ctx, c, builds.Filter{App: r.app.ID, Version: p.AppVersion, BuildNumber: p.BuildNumber, Platform: asc.Platform(p.ApplePlatform()), Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		what := "the app has no build"
		if p.AppVersion != "" || p.BuildNumber != "" {
			what = fmt.Sprintf("no build of version %q and build number %q", p.AppVersion, p.BuildNumber)
		}
		return nil, fmt.Errorf("no build to distribute: %s; upload one with `ascend pilot upload`", what)
	}
	b := &list[0]
	r.res.BuildID, r.res.Version, r.res.BuildNumber = b.ID, b.Version, b.Number()
	if err := r.checkGroups(ctx); err != nil {
		return nil, err
	}
	return r.res, r.distribute(ctx, b)
}

// checkUpload checks pilot's options for an upload before any request and picks the archive.
func checkUpload(p *fastlane.Pilot) (string, error) {
	list := checkDistribute(p)
	if p.DistributeExternal && !hasBuildInfo(p) {
		list = append(list, "distribute_external is set and no changelog is given: give one (changelog, localized_build_info's whats_new) or leave distribute_external off")
	}
	path := ""
	switch {
	case p.Given("ipa") && p.Given("pkg"):
		list = append(list, fmt.Sprintf("both ipa (%s) and pkg (%s) are given; pilot uploads one of them in a run", p.Where["ipa"], p.Where["pkg"]))
	case p.Given("pkg"), p.IPA == "" && p.PKG != "", p.Platform == "osx" && p.PKG != "" && !p.Given("ipa"):
		path = p.PKG
	case p.IPA != "":
		path = p.IPA
	default:
		list = append(list, "no ipa or pkg file given: name it (--ipa, --pkg, ipa or pkg in the Pilotfile, PILOT_IPA, PILOT_PKG) or run in the folder that holds it")
	}
	return path, problems.New("pilot's options", list)
}

// checkDistribute is what Distribute checks before any request: a text per locale, each a
// locale App Store Connect knows (or default), What to Test within TestFlight's limit, and
// the groups external distribution needs.
func checkDistribute(p *fastlane.Pilot) []string {
	var list []string
	if p.DistributeExternal && len(p.Groups) == 0 && !p.SkipSubmission {
		list = append(list, "distribute_external is set and no groups are given: name at least one external group (groups, PILOT_GROUPS, --groups)")
	}
	for _, l := range slices.Sorted(maps.Keys(p.LocalizedBuildInfo)) {
		if l != "default" && !apple.IsLocale(l) {
			list = append(list, fmt.Sprintf("%s: localized_build_info: %q is not a locale App Store Connect knows", p.Where["localized_build_info"], l))
		}
	}
	for _, l := range slices.Sorted(maps.Keys(p.LocalizedAppInfo)) {
		if l != "default" && !apple.IsLocale(l) {
			list = append(list, fmt.Sprintf("%s: localized_app_info: %q is not a locale App Store Connect knows", p.Where["localized_app_info"], l))
		}
	}
	texts := map[string]string{"changelog": p.Changelog}
	for l, s := range p.LocalizedBuildInfo {
		texts["localized_build_info "+l] = s
	}
	for _, name := range slices.Sorted(maps.Keys(texts)) {
		if n := apple.Length(texts[name]); n > apple.MaxWhatToTestLength {
			list = append(list, fmt.Sprintf("%s is %d characters; TestFlight's What to Test takes at most %d", name, n, apple.MaxWhatToTestLength))
		}
	}
	return list
}

// checkNumbers refuses app_version or build_number that differ from the archive's: App Store
// Connect keys a build by the archive's own numbers.
func checkNumbers(p *fastlane.Pilot, info *archive.Info) error {
	var list []string
	if p.AppVersion != "" && p.AppVersion != info.Version {
		list = append(list, fmt.Sprintf("%s: app_version %q is not %s's version %q; App Store Connect takes the archive's", p.Where["app_version"], p.AppVersion, info.FileName(), info.Version))
	}
	if p.BuildNumber != "" && p.BuildNumber != info.BuildNumber {
		list = append(list, fmt.Sprintf("%s: build_number %q is not %s's build number %q; App Store Connect takes the archive's", p.Where["build_number"], p.BuildNumber, info.FileName(), info.BuildNumber))
	}
	return problems.New("pilot's options", list)
}

// hasBuildInfo reports whether a changelog is given (changelog, or a whats_new of
// localized_build_info), as pilot asks.
func hasBuildInfo(p *fastlane.Pilot) bool { return p.Changelog != "" || len(p.LocalizedBuildInfo) > 0 }

func (r *run) waitOptions() builds.WaitOptions {
	w := r.o.Wait
	if r.p.WaitProcessingTimeout > 0 {
		w.Timeout = r.p.WaitProcessingTimeout
	}
	if w.Timeout <= 0 {
		w.Timeout = DefaultTimeout
	}
	w.PollInitial = r.p.WaitProcessingInterval
	if w.PollMax < w.PollInitial {
		w.PollMax = w.PollInitial
	}
	return w
}

// checkGroups reads the app's groups and refuses a name it has none of, before any write.
func (r *run) checkGroups(ctx context.Context) error {
	if len(r.p.Groups) == 0 || r.p.SkipSubmission {
		return nil
	}
	all, err := testflight.Groups(ctx, r.c, r.app.ID)
	if err != nil {
		return err
	}
	var missing, have []string
	for _, g := range all {
		have = append(have, g.Name())
	}
	for _, name := range r.p.Groups {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, name) }) {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: no beta group named %s; the app has: %s; nothing was sent", r.p.Where["groups"], strings.Join(missing, ", "), strings.Join(have, ", "))
	}
	return nil
}

// planRest lists what an upload's dry run would do after the upload, which it cannot read
// yet: there is no build.
func (r *run) planRest() {
	p := r.p
	if p.SkipWaitingForBuildProcessing && !hasBuildInfo(p) {
		r.step("processing", "skipped", "skip_waiting_for_build_processing")
		return
	}
	r.step("processing", "planned", "wait")
	if p.BetaAppReviewInfo != nil || p.DemoAccountRequired != nil {
		r.step("review details", "planned", "")
	}
	if p.LocalizedAppInfo != nil || p.BetaAppDescription != "" || p.BetaAppFeedbackEmail != "" {
		r.step("test information", "planned", "")
	}
	if hasBuildInfo(p) {
		r.step("what to test", "planned", "")
	}
	if p.NotifyExternalTesters != nil {
		r.step("notify testers", "planned", fmt.Sprint(*p.NotifyExternalTesters))
	}
	if p.SkipSubmission {
		r.step("distribute", "skipped", "skip_submission")
		return
	}
	if p.RejectBuildWaitingForReview {
		r.step("reject waiting build", "planned", "")
	}
	if p.ExpirePreviousBuilds {
		r.step("expire previous builds", "planned", "")
	}
	r.step("export compliance", "planned", fmt.Sprintf("uses non-exempt encryption %v, where the build has no answer", p.UsesNonExemptEncryption))
	if len(p.Groups) > 0 {
		r.step("groups", "planned", strings.Join(p.Groups, ", "))
	}
}

// distribute is pilot's distribute of build b: the test information first (it can be set on
// a build still processing), then, unless skip_submission, the rest.
func (r *run) distribute(ctx context.Context, b *builds.Build) error {
	p, c, dry := r.p, r.c, r.o.DryRun
	r.res.BuildID, r.res.Version, r.res.BuildNumber = b.ID, b.Version, b.Number()
	if p.BetaAppReviewInfo != nil || p.DemoAccountRequired != nil {
		changed, _, err := testflight.SetReviewDetail(ctx, c, r.app.ID, reviewDetail(p), dry)
		if err != nil {
			return err
		}
		r.step("review details", r.status(len(changed) > 0), strings.Join(changed, ", "))
	}
	primary := ""
	if r.app.Attributes != nil {
		primary = r.app.Attributes.PrimaryLocale
	}
	if l, ok := appInfo(p, primary); ok {
		res, err := testflight.SetBetaAppInfo(ctx, c, r.app.ID, l, dry)
		if err != nil {
			return err
		}
		r.step("test information", r.status(res.Changed()), locales(res))
	}
	if l, ok := buildInfo(p, primary); ok {
		res, err := testflight.SetWhatToTest(ctx, c, b.ID, l, dry)
		if err != nil {
			return err
		}
		r.step("what to test", r.status(res.Changed()), locales(res))
	}
	if on := p.NotifyExternalTesters; on != nil {
		changed, err := testflight.SetAutoNotify(ctx, c, b.ID, *on, dry)
		if err != nil {
			return err
		}
		r.step("notify testers", r.status(changed), fmt.Sprint(*on))
	}
	if p.SkipSubmission {
		r.step("distribute", "skipped", "skip_submission")
		return nil
	}
	if p.RejectBuildWaitingForReview {
		if err := r.rejectWaiting(ctx, b); err != nil {
			return err
		}
	}
	if p.ExpirePreviousBuilds {
		if err := r.expirePrevious(ctx, b); err != nil {
			return err
		}
	}
	if b.State() != string(asc.BuildProcessingStateValid) && p.SkipWaitingForBuildProcessing {
		r.step("distribute", "skipped", fmt.Sprintf("build %s is %s and skip_waiting_for_build_processing is set; run `ascend pilot distribute` once it is processed", b.Number(), b.State()))
		return nil
	}
	if b.Attributes == nil || b.Attributes.UsesNonExemptEncryption == nil {
		uses := p.UsesNonExemptEncryption
		u, err := builds.Update(ctx, c, builds.Ref{ID: b.ID}, builds.Compliance{UsesNonExemptEncryption: &uses, DryRun: dry})
		if err != nil {
			return err
		}
		r.step("export compliance", r.status(len(u.Changed) > 0), fmt.Sprintf("uses non-exempt encryption %v", uses))
	}
	if len(p.Groups) == 0 {
		return nil
	}
	if dry {
		r.step("groups", "planned", strings.Join(p.Groups, ", "))
		return nil
	}
	d, err := testflight.Distribute(ctx, c, testflight.DistributeOptions{Build: builds.Ref{ID: b.ID}, Groups: p.Groups, SkipSubmission: !p.SubmitBetaReview})
	if err != nil {
		return err
	}
	switch {
	case len(d.GroupsAdded) > 0:
		r.step("groups", "changed", "added to "+strings.Join(d.GroupsAdded, ", "))
	default:
		r.step("groups", "unchanged", "in "+strings.Join(d.GroupsAlready, ", "))
	}
	switch {
	case !d.ExternalGroups:
	case !p.SubmitBetaReview:
		r.step("beta review", "skipped", "submit_beta_review is false")
	case d.Submitted:
		r.step("beta review", "changed", "submitted")
	default:
		r.step("beta review", "unchanged", d.ReviewState)
	}
	return nil
}

// reviewDetail is beta_app_review_info (with demo_account_required over it, as pilot merges
// them) as testflight takes it.
func reviewDetail(p *fastlane.Pilot) testflight.ReviewDetail {
	i := p.BetaAppReviewInfo
	d := testflight.ReviewDetail{ContactEmail: i["contact_email"], ContactFirstName: i["contact_first_name"], ContactLastName: i["contact_last_name"],
		ContactPhone: i["contact_phone"], DemoAccountName: i["demo_account_name"], DemoAccountPassword: i["demo_account_password"], Notes: i["notes"]}
	if s, ok := i["demo_account_required"]; ok {
		d.DemoAccountRequired = asc.Ptr(s == "true")
	}
	if p.DemoAccountRequired != nil {
		d.DemoAccountRequired = p.DemoAccountRequired
	}
	return d
}

// appInfo is the test information to set: localized_app_info, else beta_app_description and
// beta_app_feedback_email as every locale's default, as pilot chooses.
func appInfo(p *fastlane.Pilot, primary string) (testflight.Localized[testflight.BetaAppInfo], bool) {
	l := testflight.Localized[testflight.BetaAppInfo]{Fallback: primary, By: map[string]testflight.BetaAppInfo{}}
	info := func(m map[string]string) testflight.BetaAppInfo {
		return testflight.BetaAppInfo{Description: m["description"], FeedbackEmail: m["feedback_email"], MarketingURL: m["marketing_url"],
			PrivacyPolicyURL: m["privacy_policy_url"], TvOsPrivacyPolicy: m["tv_os_privacy_policy_url"]}
	}
	switch {
	case p.LocalizedAppInfo != nil:
		for lang, m := range p.LocalizedAppInfo {
			if lang == "default" {
				l.Default = asc.Ptr(info(m))
			} else {
				l.By[lang] = info(m)
			}
		}
	case p.BetaAppDescription != "" || p.BetaAppFeedbackEmail != "":
		l.Default = &testflight.BetaAppInfo{Description: p.BetaAppDescription, FeedbackEmail: p.BetaAppFeedbackEmail}
	default:
		return l, false
	}
	return l, true
}

// buildInfo is What to Test: localized_build_info, else changelog as every locale's default.
func buildInfo(p *fastlane.Pilot, primary string) (testflight.Localized[string], bool) {
	l := testflight.Localized[string]{Fallback: primary, By: map[string]string{}}
	switch {
	case p.LocalizedBuildInfo != nil:
		for lang, s := range p.LocalizedBuildInfo {
			if lang == "default" {
				l.Default = asc.Ptr(s)
			} else {
				l.By[lang] = s
			}
		}
	case p.Changelog != "":
		l.Default = asc.Ptr(p.Changelog)
	default:
		return l, false
	}
	return l, true
}

func locales(res *testflight.LocalizedResult) string {
	var parts []string
	if len(res.Created) > 0 {
		parts = append(parts, "created "+strings.Join(res.Created, ", "))
	}
	if len(res.Updated) > 0 {
		parts = append(parts, "updated "+strings.Join(res.Updated, ", "))
	}
	if len(parts) == 0 {
		return strings.Join(res.Unchanged, ", ")
	}
	return strings.Join(parts, "; ")
}

// rejectWaiting expires the build of the same version that waits for (or is in) beta review,
// as pilot's reject_build_waiting_for_review does: App Store Connect's API cannot withdraw a
// beta review submission, so the build waiting is expired and the new one goes instead.
func (r *run) rejectWaiting(ctx context.Context, b *builds.Build) error {
	opts := &asc.BuildsListOptions{FilterApp: []string{r.app.ID}, FilterExpired: []string{"false"},
		FilterBetaAppReviewSubmissionBetaReviewState: []asc.BetaReviewState{asc.BetaReviewStateWaitingForReview, asc.BetaReviewStateInReview},
		FieldsBuilds: []string{"version", "expired"}, Limit: 200}
	if b.Version != "" {
		opts.FilterPreReleaseVersionVersion = []string{b.Version}
	}
	var waiting []asc.Build
	for w, err := range r.c.Builds.ListIter(ctx, opts) {
		if err != nil {
			return fmt.Errorf("find the builds waiting for beta review: %w", err)
		}
		if w.ID != b.ID {
			waiting = append(waiting, w)
		}
	}
	return r.expire(ctx, "reject waiting build", waiting)
}

// expirePrevious expires every other unexpired build of the app, as pilot's
// expire_previous_builds does.
func (r *run) expirePrevious(ctx context.Context, b *builds.Build) error {
	no := false
	list, err := builds.List(ctx, r.c, builds.Filter{App: r.app.ID, Expired: &no})
	if err != nil {
		return err
	}
	var others []asc.Build
	for _, o := range list {
		if o.ID != b.ID && !o.IsExpired() {
			others = append(others, o.Build)
		}
	}
	return r.expire(ctx, "expire previous builds", others)
}

func (r *run) expire(ctx context.Context, step string, list []asc.Build) error {
	var numbers []string
	for _, b := range list {
		n := b.ID
		if b.Attributes != nil {
			n = b.Attributes.Version
		}
		numbers = append(numbers, n)
	}
	for i, b := range list {
		if r.o.DryRun {
			break
		}
		if _, err := builds.ExpireOne(ctx, r.c, b.ID); err != nil && !isNotFound(err) {
			return fmt.Errorf("%s: expired %d of %d, then: %w (run it again to finish)", step, i, len(list), err)
		}
	}
	detail := "none"
	if len(numbers) > 0 {
		detail = "builds " + strings.Join(numbers, ", ")
	}
	r.step(step, r.status(len(list) > 0), detail)
	return nil
}

func isNotFound(err error) bool {
	var er *asc.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}
