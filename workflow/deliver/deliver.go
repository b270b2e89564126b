// Package deliver runs a whole App Store release the way fastlane deliver does, from a
// fastlane project's Deliverfile options: the version (created or brought to the release
// type asked, with its build), the metadata folder, the screenshots folder, the age rating,
// the phased release and the submission to App Review. Each step is one workflow call that
// reads before it writes and writes only what differs, so running the release twice changes
// nothing the second time, and a run that died at any step converges when run again.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/agerating"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	problemlist "github.com/ascend-tools/ascend/workflow/internal/problems"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/release"
	"github.com/ascend-tools/ascend/workflow/review"
	"github.com/ascend-tools/ascend/workflow/screenshots"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// Options are deliver's options; a zero field takes the project's (Project, may be nil).
type Options struct {
	Project  *fastlane.Config
	App      string
	Platform string // one of apple.Platforms()
	// Version is app_version; "" works on the version being prepared.
	Version string
	// Build is build_number; "" attaches the newest processed build when submitting.
	Build                             string
	SubmitForReview, AutomaticRelease *bool
	PhasedRelease                     *bool
	// AutoReleaseDate is auto_release_date: milliseconds since 1970 or an RFC 3339 time.
	AutoReleaseDate string
	MetadataPath    string
	ScreenshotsPath string
	SkipMetadata    *bool
	SkipScreenshots *bool
	// AppRatingConfig is app_rating_config_path; "" takes the project's ("" there too: none).
	AppRatingConfig string
	// AppClipHeaderImagesPath is app_clip_header_images_path, the App Clip card's header
	// images; "" takes the project's ("" there too: none sent).
	AppClipHeaderImagesPath string
	// SubmissionInformation is deliver's submission_information (values as a Deliverfile
	// writes them: true, false, nil); nil takes the project's.
	SubmissionInformation map[string]string
	// RejectIfPossible is deliver's reject_if_possible: before its first write the run takes
	// the platform's version back from App Review (its review submission cancelled, the
	// version awaited until editable, bounded by Withdraw's polls), then delivers and submits
	// again. SkipAppVersionUpdate is skip_app_version_update: the version being prepared is
	// used as it is, never created nor given app_version's string. nil takes the project's.
	RejectIfPossible, SkipAppVersionUpdate *bool
	// Withdraw bounds reject_if_possible's wait (its clock, polls and timeout).
	Withdraw review.WaitOptions
	// IPA or PKG is the build archive to upload, wait for and attach (deliver's ipa and pkg;
	// "" takes the project's). The upload is skipped when a build number is given or with
	// SkipBinaryUpload (skip_binary_upload); VerifyOnly (verify_only) checks the archive
	// against App Store Connect and does nothing else. nil takes the project's.
	IPA, PKG                     string
	SkipBinaryUpload, VerifyOnly *bool
	// Binary tunes the upload (StateDir, PartConcurrency, Progress, the wait for processing);
	// App, HTTPClient and Wait are deliver's.
	Binary           builds.UploadOptions
	DryRun           bool
	HTTPClient       *http.Client
	ScreenshotOption screenshots.Options
	// Now is the reference time for the release date (default time.Now).
	Now func() time.Time
}

// Step is one step of the release and what it did (or, on a dry run, would do).
type Step struct {
	Name   string `json:"name"`   // version, metadata, screenshots, age rating, phased release, submit
	Status string `json:"status"` // changed, unchanged, skipped, planned
	Detail string `json:"detail,omitempty"`
}

// Result is the release's steps in order.
type Result struct {
	App     string   `json:"app"`
	Version string   `json:"version"`
	Steps   []Step   `json:"steps"`
	Notes   []string `json:"notes,omitempty"`
	DryRun  bool     `json:"dryRun,omitempty"`
	// Binary is the build upload of the ipa or pkg (its archive, upload and build), when the
	// run uploaded one or found it uploaded.
	Binary *builds.UploadResult `json:"binary,omitempty"`
}

type plan struct {
	app, platform, version, build string
	submit, phased                bool
	releaseType                   *asc.AppStoreVersionReleaseType
	releaseDate                   *time.Time
	metadataDir, screenshotsDir   string
	// previewsDir is app_previews_path ("" for none), frameCode preview_frame_time_code.
	previewsDir, frameCode        string
	skipMetadata, skipScreenshots bool
	// languages are deliver's languages, the locales the metadata step activates.
	languages []string
	rating    *agerating.Config
	info      submissionInfo
	// metadataNotes are what reading the metadata folder (with the Deliverfile's own
	// values) noted, when it was read.
	metadataNotes []metadata.Problem
	// headerImages is app_clip_header_images_path read and checked (nil: none given).
	headerImages *screenshots.HeaderImages
	// binary is the build archive to upload (nil: none); verifyOnly is verify_only.
	binary     *archive.Info
	verifyOnly bool
	// reject is reject_if_possible, keepVersion skip_app_version_update.
	reject, keepVersion bool
}

// resolve merges the options with the project's and checks everything before any request.
func resolve(o Options) (*plan, []string, error) {
	p := &plan{app: o.App, platform: o.Platform, version: o.Version, build: o.Build, metadataDir: o.MetadataPath, screenshotsDir: o.ScreenshotsPath}
	var notes []string
	sub := fastlane.Submission{}
	if c := o.Project; c != nil {
		sub = c.Submission
		if p.app == "" {
			p.app, _ = c.App()
		}
		if p.platform == "" {
			pl, err := c.ApplePlatform()
			if err != nil {
				return nil, nil, err
			}
			p.platform = pl
		}
		if p.metadataDir == "" {
			p.metadataDir = c.MetadataPath
		}
		if p.screenshotsDir == "" {
			p.screenshotsDir = c.ScreenshotsPath
		}
		p.previewsDir, p.frameCode = c.AppPreviewsPath, c.PreviewFrameTimeCode
		p.skipMetadata, p.skipScreenshots = c.Skip["skip_metadata"], c.Skip["skip_screenshots"]
		if sub.ResetRatings != nil && *sub.ResetRatings {
			where := c.Where["reset_ratings"]
			if where != "" {
				where += ": "
			}
			notes = append(notes, where+"reset_ratings is not applicable: App Store Connect's API has no request that resets an app's ratings; reset them in App Store Connect when you release the version")
		}
		// The metadata commands apply these; a release works on the version being prepared.
		for _, opt := range []struct {
			name string
			set  *bool
			use  string
		}{
			{"edit_live", c.EditLive, "change the live version's metadata with `ascend metadata push --edit-live`"},
			{"use_live_version", c.UseLiveVersion, "`ascend metadata pull` reads the live version with it"},
		} {
			if opt.set != nil && *opt.set {
				notes = append(notes, fmt.Sprintf("%s: %s is not applied: ascend deliver works on the version being prepared; %s", c.Where[opt.name], opt.name, opt.use))
			}
		}
		p.languages = c.Languages
	}
	pick := func(flag, project *bool) bool {
		if flag != nil {
			return *flag
		}
		return project != nil && *project
	}
	p.submit = pick(o.SubmitForReview, sub.SubmitForReview)
	if o.Project != nil {
		p.reject, p.keepVersion = o.Project.Flags["reject_if_possible"], o.Project.Skip["skip_app_version_update"]
	}
	if o.RejectIfPossible != nil {
		p.reject = *o.RejectIfPossible
	}
	if o.SkipAppVersionUpdate != nil {
		p.keepVersion = *o.SkipAppVersionUpdate
	}
	p.phased = pick(o.PhasedRelease, sub.PhasedRelease)
	if o.SkipMetadata != nil {
		p.skipMetadata = *o.SkipMetadata
	}
	if o.SkipScreenshots != nil {
		p.skipScreenshots = *o.SkipScreenshots
	}
	if p.version == "" {
		p.version = sub.AppVersion
	}
	if p.build == "" {
		p.build = sub.BuildNumber
	}
	// The archive gives what the options leave out, as fastlane's DetectValues has it.
	binNotes, problems := p.readBinary(o, p.platform != "")
	notes = append(notes, binNotes...)
	if p.platform == "" {
		p.platform = apple.DefaultPlatform
	}
	info, infoFrom := o.SubmissionInformation, "the submission information option"
	if info == nil {
		info, infoFrom = sub.Information, ""
		if o.Project != nil {
			infoFrom = o.Project.Where["submission_information"]
		}
	}
	var infoNotes, infoProblems []string
	p.info, infoNotes, infoProblems = readSubmissionInfo(info, infoFrom)
	notes = append(notes, infoNotes...)
	problems = append(problems, infoProblems...)
	if p.frameCode != "" {
		if _, err := apple.ParsePreviewFrameTimeCode(p.frameCode); err != nil {
			where := "preview_frame_time_code"
			if o.Project != nil && o.Project.Where["preview_frame_time_code"] != "" {
				where = o.Project.Where["preview_frame_time_code"]
			}
			problems = append(problems, where+": "+err.Error())
		}
	}
	if p.app == "" {
		problems = append(problems, "no app: pass --app or name app_identifier in the Appfile")
	}
	if !apple.IsPlatform(p.platform) {
		problems = append(problems, fmt.Sprintf("platform %s is not one of %s", p.platform, strings.Join(apple.Platforms(), ", ")))
	}
	automatic := o.AutomaticRelease
	if automatic == nil {
		automatic = sub.AutomaticRelease
	}
	date, dateFrom := o.AutoReleaseDate, ""
	if date == "" && sub.AutoReleaseDate != "" {
		date, dateFrom = sub.AutoReleaseDate, o.Project.Where["auto_release_date"]+": "
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	switch {
	case date != "":
		t, err := parseDate(date)
		if err != nil {
			problems = append(problems, dateFrom+err.Error())
		} else if !t.After(now()) {
			problems = append(problems, fmt.Sprintf("%sauto_release_date %s has passed", dateFrom, t.Format(time.RFC3339)))
		}
		p.releaseDate = &t
		p.releaseType = asc.Ptr(asc.AppStoreVersionReleaseTypeScheduled)
	case automatic != nil && *automatic:
		p.releaseType = asc.Ptr(asc.AppStoreVersionReleaseTypeAfterApproval)
	case automatic != nil:
		p.releaseType = asc.Ptr(asc.AppStoreVersionReleaseTypeManual)
	}
	rating, ratingFrom := o.AppRatingConfig, ""
	if rating == "" && o.Project != nil && o.Project.AppRatingConfigPath != "" {
		rating, ratingFrom = o.Project.AppRatingConfigPath, " (app_rating_config_path, "+o.Project.Where["app_rating_config_path"]+")"
	}
	if rating != "" {
		cfg, err := agerating.ReadFile(rating)
		var list *problemlist.Error
		switch {
		case errors.As(err, &list):
			for _, line := range list.Problems {
				problems = append(problems, rating+ratingFrom+": "+line)
			}
		case err != nil:
			problems = append(problems, err.Error()+ratingFrom)
		default:
			p.rating = cfg
			notes = append(notes, cfg.Notes...)
		}
	}
	if !p.skipMetadata {
		for _, l := range p.languages {
			if _, ok := apple.LookupLocale(l); !ok {
				problems = append(problems, fmt.Sprintf("%s: languages lists %q, which is not one of Apple's locales", o.Project.Where["languages"], l))
			}
		}
	}
	// The metadata (the folder with the Deliverfile's own values) is checked here too, so a
	// value over Apple's limits stops the run before its first write, not at the metadata step.
	folders := metadata.FolderOptionsOf(o.Project)
	if !p.skipMetadata && (exists(p.metadataDir) || len(folders.Inline) > 0 || folders.AppClipMetadataDir != "") {
		var ve *metadata.ValidationError
		m, err := metadata.LoadWith(p.metadataDir, folders)
		switch {
		case err == nil:
			p.metadataNotes = m.Notes
		case errors.As(err, &ve):
			for _, pr := range ve.Problems {
				if !fromProject(pr.Path) {
					pr.Path = filepath.Join(p.metadataDir, pr.Path)
				}
				problems = append(problems, pr.String())
			}
		case err != nil:
			problems = append(problems, err.Error())
		}
	}
	// The App Clip header images too: every image is checked before the first write.
	headers, headersFrom := o.AppClipHeaderImagesPath, ""
	if headers == "" && o.Project != nil && o.Project.AppClipHeaderImagesPath != "" {
		headers, headersFrom = o.Project.AppClipHeaderImagesPath, " (app_clip_header_images_path, "+o.Project.Where["app_clip_header_images_path"]+")"
	}
	if headers != "" {
		h, err := screenshots.LoadHeaderImages(headers, folders)
		var ve *metadata.ValidationError
		switch {
		case errors.As(err, &ve):
			for _, pr := range ve.Problems {
				pr.Path = filepath.Join(headers, pr.Path)
				problems = append(problems, pr.String())
			}
		case err != nil:
			problems = append(problems, err.Error()+headersFrom)
		default:
			p.headerImages = h
			for _, n := range h.Notes {
				notes = append(notes, filepath.Join(headers, n.Path)+": "+n.Message)
			}
		}
	}
	if len(problems) > 0 {
		return nil, notes, problemlist.New("the release (Deliverfile, DELIVER_* variables and flags)", problems)
	}
	return p, notes, nil
}

// parseDate reads deliver's auto_release_date: milliseconds since 1970, or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("auto_release_date %q is neither milliseconds since 1970 nor a time like 2026-12-24T09:00:00Z", s)
	}
	return t.UTC(), nil
}

// Run runs the release. Problems with the options are reported before any request; each step
// then runs only when the one before it succeeded.
func Run(ctx context.Context, c *asc.Client, o Options) (*Result, error) {
	p, notes, err := resolve(o)
	if err != nil {
		return nil, err
	}
	app, _, err := apps.Resolve(ctx, c, p.app)
	if err != nil {
		return nil, err
	}
	res := &Result{App: p.app, Version: p.version, Notes: notes, DryRun: o.DryRun}
	add := func(name, status, detail string) { res.Steps = append(res.Steps, Step{name, status, detail}) }
	platform := asc.Platform(p.platform)

	// The version being prepared (or the one an earlier run submitted), when none is named or
	// skip_app_version_update keeps it as it is: found before any other write, so a run that
	// has no version to work on sends nothing.
	if p.version == "" || p.keepVersion {
		v, err := preparedVersion(ctx, c, app.ID, p)
		if err != nil {
			return res, fmt.Errorf("version: %w", err)
		}
		if p.keepVersion && p.version != "" && p.version != v {
			res.Notes = append(res.Notes, fmt.Sprintf("app_version %s is not applied: skip_app_version_update keeps version %s's string as it is", p.version, v))
		}
		p.version, res.Version = v, v
	}

	// 0. The build archive: every check made (its bundle id against the app, a version open
	// for builds, its build number unused) before the first write; verify_only stops there. The upload then runs beside
	// the steps below, and its build, once processed, is attached before the submission.
	var bin *binaryUpload
	binaryPlanned := ""
	if p.binary != nil {
		uo := o.Binary
		// The app resolved above (by bundle id, with it) is the upload's: not looked up again.
		uo.App, uo.KnownApp, uo.HTTPClient, uo.Wait = app.ID, app, o.HTTPClient, true
		// The two sets of reads are independent: one round trip saved before the first write.
		var (
			existing *versions.Version
			trainErr error
			checked  = make(chan struct{})
		)
		go func() {
			defer close(checked)
			existing, trainErr = checkTrain(ctx, c, app.ID, p.binary)
		}()
		prep, err := builds.Prepare(ctx, c, p.binary.Path, uo)
		<-checked
		switch {
		case err != nil && trainErr != nil:
			return res, fmt.Errorf("binary: %w", trainErr)
		case err != nil:
			return res, fmt.Errorf("binary: %w", err)
		case trainErr != nil && !prep.Result().AlreadyUploaded:
			// (An earlier run's upload of this very file is in: a run after the release
			// went live has nothing to upload, and goes on as the other steps do.)
			prep.Close()
			return res, fmt.Errorf("binary: %w", trainErr)
		}
		if existing != nil && apple.StatePhase(existing.State) == apple.Locked && !prep.Result().AlreadyUploaded && !p.verifyOnly && !p.reject {
			// Its build cannot change until App Review is done with it: uploading one for it
			// now would end in a refused attach (reject_if_possible takes it back first).
			prep.Close()
			return res, fmt.Errorf("binary: version %s is %s, so no new build can be attached to it; cancel its submission first (reject_if_possible, ascend submit --cancel), or give the build a new version", existing.Version, existing.State)
		}
		if p.keepVersion && p.version != p.binary.Version && !p.verifyOnly {
			// skip_app_version_update keeps another version string: the build could not go to it.
			prep.Close()
			return res, fmt.Errorf("binary: %s is version %s, but skip_app_version_update keeps the version being prepared, %s, whose builds are %s's: build it as %s or leave skip_app_version_update out", p.binary.FileName(), p.binary.Version, p.version, p.version, p.version)
		}
		a := p.binary
		what := fmt.Sprintf("%s (%s build %s, %s)", a.FileName(), a.Version, a.BuildNumber, a.Platform)
		if p.verifyOnly {
			prep.Close()
			detail := what + ": bundle id, version (open for builds) and build number (unused) checked; nothing sent (verify_only)"
			if prep.Result().AlreadyUploaded {
				detail = what + ": uploaded already (build upload " + prep.Result().UploadID + "); nothing sent (verify_only)"
			}
			add("binary", "verified", detail)
			return res, nil
		}
		if o.DryRun {
			prep.Close()
			binaryPlanned = "upload " + what + ", wait for processing, attach it"
			if prep.Result().AlreadyUploaded {
				binaryPlanned = what + " uploaded already (build upload " + prep.Result().UploadID + "); attach it"
			}
		} else {
			bin = startBinary(ctx, prep)
			defer bin.stop()
		}
	}

	// reject_if_possible: the version back from App Review before anything else is written
	// (the upload aside: it touches no version), so its metadata, screenshots and build can
	// change and it can be submitted again.
	if p.reject {
		if err := reject(ctx, c, app.ID, platform, o, res, add); err != nil {
			return res, fmt.Errorf("reject: %w", err)
		}
	}

	// 1. The version, its release type and build.
	ch := versions.Change{Query: versions.Query{App: app.ID, Platform: platform, Version: p.version}, ReleaseType: p.releaseType,
		EarliestRelease: p.releaseDate, Build: p.build, AttachNewest: p.build == "" && p.submit && p.binary == nil, UsesIdfa: p.info.usesIdfa, DryRun: o.DryRun, Now: o.Now}
	vr, err := versions.Create(ctx, c, ch)
	if err != nil {
		return res, fmt.Errorf("version: %w", err)
	}
	res.Version = vr.Version.Version
	switch {
	case vr.Created:
		add("version", status(o.DryRun, true), "create "+vr.Version.Version+" "+vr.Version.Platform+" ("+strings.Join(vr.Changed, ", ")+")")
	case len(vr.Changed) > 0:
		add("version", status(o.DryRun, true), vr.Version.Version+": "+strings.Join(vr.Changed, ", "))
	default:
		add("version", "unchanged", vr.Version.Version+" "+vr.Version.State)
	}
	if o.DryRun && vr.Created {
		// Nothing below can be read before the version exists.
		for _, s := range []string{"metadata", "app clip header images", "screenshots", "age rating", "phased release", "binary", "submission information", "submit"} {
			switch {
			case s == "binary":
				if binaryPlanned != "" {
					add(s, "planned", binaryPlanned)
				}
				continue
			case s == "app clip header images" && p.headerImages == nil:
				continue // none given
			}
			add(s, "planned", "after the version is created")
		}
		return res, nil
	}
	target := metadata.Target{App: app.ID, Platform: p.platform, Version: vr.Version.Version, Languages: p.languages, Folders: metadata.FolderOptionsOf(o.Project)}
	skipped := func(dir string, notes []metadata.Problem) {
		for _, n := range notes {
			switch {
			case fromProject(n.Path): // a Deliverfile's line or a variable: its inline values applied, or skipped
				res.Notes = append(res.Notes, n.String())
			case strings.HasSuffix(n.Message, "(ignore_language_directory_validation)"):
				res.Notes = append(res.Notes, filepath.Join(dir, n.Path)+": "+n.Message)
			}
		}
	}
	// syncMedia syncs one media folder (step "screenshots" or "previews"); deliver keeps
	// what the folder lacks unless overwrite says otherwise.
	syncMedia := func(step string, l *screenshots.Layout, overwrite bool) error {
		skipped(l.Dir, l.Notes)
		so := o.ScreenshotOption
		so.DryRun, so.HTTPClient, so.KeepExtras, so.PreviewFrameTimeCode = o.DryRun, o.HTTPClient, !overwrite, p.frameCode
		plan, r, err := screenshots.Sync(ctx, c, target, l, so)
		if err != nil {
			return fmt.Errorf("%s: %w", step, err)
		}
		up, del, _ := plan.Totals()
		frames := 0
		for _, sp := range plan.Sets {
			frames += len(sp.Reframe)
		}
		framed := ""
		switch {
		case frames == 1:
			framed = ", 1 poster frame set"
		case frames > 1:
			framed = fmt.Sprintf(", %d poster frames set", frames)
		}
		if o.DryRun {
			add(step, count(true, up+del+frames), fmt.Sprintf("%d uploads, %d deletions%s", up, del, framed))
		} else {
			add(step, count(false, r.Uploaded+r.Deleted+r.Reordered+r.Framed), fmt.Sprintf("%d uploaded, %d deleted, %d reordered%s", r.Uploaded, r.Deleted, r.Reordered, framed))
		}
		return nil
	}
	if !vr.Version.Editable() {
		// Submitted or out already: metadata, screenshots and age rating are locked.
		why := "version " + vr.Version.Version + " is " + vr.Version.State
		add("metadata", "skipped", why)
		if p.headerImages != nil {
			add("app clip header images", "skipped", why)
		}
		add("screenshots", "skipped", why)
		add("age rating", "skipped", why)
	}

	// 2. Metadata, then the App Clip card's header images (app_clip_header_images_path): one
	// push, the images after the metadata, whose subtitles may make the localizations they go
	// to; the images are not skipped by skip_metadata, as in deliver.
	sendMetadata := false
	switch {
	case !vr.Version.Editable():
	case p.skipMetadata:
		add("metadata", "skipped", "skip_metadata")
	case !exists(p.metadataDir) && len(target.Folders.Inline) == 0 && target.Folders.AppClipMetadataDir == "":
		if p.metadataDir == "" {
			add("metadata", "skipped", "no metadata folder")
		} else {
			add("metadata", "skipped", "no folder "+p.metadataDir)
		}
	default:
		sendMetadata = true
	}
	if vr.Version.Editable() && (sendMetadata || p.headerImages != nil) {
		so := o.ScreenshotOption
		so.HTTPClient = o.HTTPClient
		folders := screenshots.MetadataPushFolders{Metadata: p.metadataDir, SkipMetadata: !sendMetadata, HeaderImages: p.headerImages}
		if err := pushMetadata(ctx, c, target, folders, so, o.DryRun, add, func() { skipped(p.metadataDir, p.metadataNotes) }); err != nil {
			return res, err
		}
	}

	// 3. Screenshots, then app previews (app_previews_path, each with
	// preview_frame_time_code's poster frame), read and synced alike.
	for _, m := range []struct {
		step, dir string
		load      func(string, metadata.FolderOptions) (*screenshots.Layout, error)
		overwrite bool
	}{
		{"screenshots", p.screenshotsDir, screenshots.LoadWith, o.Project == nil || o.Project.Flags["overwrite_screenshots"] || o.Project.Flags["sync_screenshots"]},
		{"previews", p.previewsDir, screenshots.LoadPreviewsWith, o.Project == nil || o.Project.Flags["overwrite_preview_videos"]},
	} {
		switch {
		case !vr.Version.Editable(), m.step == "previews" && m.dir == "":
		case p.skipScreenshots:
			add(m.step, "skipped", "skip_screenshots")
		case !exists(m.dir):
			add(m.step, "skipped", "no folder "+m.dir)
		default:
			l, err := m.load(m.dir, target.Folders)
			if err != nil {
				return res, fmt.Errorf("%s: %w", m.step, err)
			}
			if err := syncMedia(m.step, l, m.overwrite); err != nil {
				return res, err
			}
		}
	}

	// 4. Age rating.
	switch {
	case !vr.Version.Editable():
	case p.rating == nil:
		add("age rating", "skipped", "no app_rating_config_path")
	default:
		r, err := agerating.Push(ctx, c, app.ID, p.rating, o.DryRun)
		if err != nil {
			return res, fmt.Errorf("age rating: %w", err)
		}
		add("age rating", count(o.DryRun, len(r.Changed)), strings.Join(r.Changed, ", "))
	}

	// 5. Phased release.
	if !p.phased {
		add("phased release", "skipped", "phased_release not set")
	} else {
		action := release.PhasedStart
		if o.DryRun {
			action = release.PhasedStatus
		}
		r, err := release.PhasedControl(ctx, c, release.PhasedRequest{Target: release.Target{App: app.ID, Platform: platform, Version: vr.Version.Version}, Action: action})
		switch {
		case err != nil:
			return res, fmt.Errorf("phased release: %w", err)
		case o.DryRun && r.ID == "":
			add("phased release", "planned", "set up a 7-day phased release")
		case r.Changed:
			add("phased release", "changed", r.Phase.String())
		default:
			add("phased release", "unchanged", r.Phase.String())
		}
	}

	// 5b. The build uploaded beside the steps above, once processed, attached to the version.
	switch {
	case binaryPlanned != "":
		add("binary", "planned", binaryPlanned)
	case bin != nil:
		up, err := bin.join()
		res.Binary = up
		if err != nil {
			return res, fmt.Errorf("binary: %w", err)
		}
		attach := ch
		attach.Version, attach.Build, attach.AttachNewest = vr.Version.Version, up.Archive.BuildNumber, false
		ar, err := versions.Create(ctx, c, attach)
		if err != nil {
			return res, fmt.Errorf("binary: attach build %s: %w", up.Archive.BuildNumber, err)
		}
		detail := binaryDetail(up)
		if slices.Contains(ar.Changed, "build") {
			detail += "; attached to " + vr.Version.Version
		} else {
			detail += "; attached already"
		}
		add("binary", status(false, !up.AlreadyUploaded || len(ar.Changed) > 0), detail)
		vr = ar
	}

	// 6. Submission information: content rights on the app, export compliance on the build.
	if err := submissionInformation(ctx, c, app.ID, p, vr.Version, o.DryRun, add); err != nil {
		return res, fmt.Errorf("submission information: %w", err)
	}

	// 7. Submission.
	if !p.submit {
		add("submit", "skipped", "submit_for_review not set")
		return res, nil
	}
	if o.DryRun || !apple.IsEditable(vr.Version.State) {
		v, err := versions.Get(ctx, c, versions.Query{App: app.ID, Platform: platform, Version: vr.Version.Version})
		if err != nil {
			return res, fmt.Errorf("submit: %w", err)
		}
		if !v.Editable() {
			add("submit", "unchanged", "version "+v.Version+" is "+v.State)
			return res, nil
		}
		missing, _, err := review.Check(ctx, c, review.Target{AppID: app.ID, VersionID: v.ID, Version: v.Version, Platform: platform})
		if err != nil {
			return res, fmt.Errorf("submit: %w", err)
		}
		// The step before answers these when the run is for real.
		missing = slices.DeleteFunc(missing, func(m review.Missing) bool {
			return (m.What == "export compliance" && p.info.usesEncryption != nil) || (m.What == "content rights" && p.info.thirdPartyContent != nil)
		})
		if len(missing) > 0 {
			return res, fmt.Errorf("submit: %w", &review.NotReadyError{Version: v.Version, Missing: missing})
		}
		add("submit", "planned", "submit "+v.Version+" to App Review")
		return res, nil
	}
	// submit_for_review asks for the submission as fastlane's does: a version App Review
	// rejected is sent again (with the fixes this run made), not only shown.
	s, err := review.Send(ctx, c, review.SendRequest{App: app.ID, Platform: platform, Version: vr.Version.Version, Resubmit: true})
	if err != nil {
		return res, fmt.Errorf("submit: %w", err)
	}
	state := ""
	if s.Result != nil && s.Result.Submission.Attributes != nil {
		state = string(s.Result.Submission.Attributes.State)
	}
	add("submit", "changed", "review submission "+s.Result.Submission.ID+" "+state)
	return res, nil
}

// pushMetadata is deliver's metadata and header images step: a dry run adds the plans' rows,
// a run sends the push and adds what it did; notes adds the metadata's notes once it is read.
// An error names the step that failed.
func pushMetadata(ctx context.Context, c *asc.Client, target metadata.Target, folders screenshots.MetadataPushFolders, so screenshots.Options, dryRun bool,
	add func(name, status, detail string), notes func()) error {
	push, err := screenshots.PrepareMetadataPush(ctx, c, target, folders)
	if push != nil && push.Metadata != nil {
		notes() // name each folder skipped and each Deliverfile value applied, as the CLI does
	}
	if err != nil {
		return stepError(err)
	}
	n, hp := 0, push.Headers
	if push.Metadata != nil {
		n = len(push.Metadata.Pending())
	}
	headerRow := func(uploaded, deleted int, sent bool) {
		switch {
		case hp == nil:
		case hp.Skipped != "":
			add("app clip header images", "skipped", hp.Skipped)
		case !sent:
			add("app clip header images", count(dryRun, hp.Writes()), fmt.Sprintf("%d uploads", hp.Writes()))
		default:
			add("app clip header images", "changed", fmt.Sprintf("%d uploaded, %d replaced", uploaded, deleted))
		}
	}
	if dryRun {
		if push.Metadata != nil {
			add("metadata", count(true, n), fmt.Sprintf("%d changes", n))
		}
		headerRow(0, 0, false)
		return nil
	}
	r, err := screenshots.ApplyMetadataPush(ctx, c, push, so)
	if _, images := errors.AsType[*screenshots.HeaderImagesError](err); err != nil && !images {
		return stepError(err) // the metadata failed: nothing after it was sent
	}
	if push.Metadata != nil {
		add("metadata", count(false, n), fmt.Sprintf("%d changes", n))
	}
	if err != nil {
		return stepError(err)
	}
	headerRow(r.Headers.Uploaded, r.Headers.Deleted, hp.Writes() > 0)
	return nil
}

// stepError names the step of a metadata push that failed: its App Clip header images, or
// its metadata.
func stepError(err error) error {
	if he, ok := errors.AsType[*screenshots.HeaderImagesError](err); ok {
		return fmt.Errorf("app clip header images: %w", he.Err)
	}
	return fmt.Errorf("metadata: %w", err)
}

// preparedVersion is the version string of the app's version being prepared for the plan's
// platform, or of the one an earlier run submitted (locked by App Review): one request.
func preparedVersion(ctx context.Context, c *asc.Client, appID string, p *plan) (string, error) {
	vs, err := versions.List(ctx, c, versions.Query{App: appID, Platform: asc.Platform(p.platform)})
	if err != nil {
		return "", err
	}
	for _, v := range vs {
		if ph := apple.StatePhase(v.State); ph == apple.Editable || ph == apple.Locked {
			return v.Version, nil
		}
	}
	if p.keepVersion {
		return "", fmt.Errorf("app %s has no version being prepared for %s, and skip_app_version_update keeps deliver from creating one: create it (ascend versions create) or leave skip_app_version_update out; nothing was sent", p.app, p.platform)
	}
	return "", fmt.Errorf("app %s has no version being prepared for %s: name one (app_version, --version) to create it", p.app, p.platform)
}

// reject takes the platform's version back from App Review (review.Withdraw): a step when a
// submission is cancelled (or, on a dry run, would be), a note when there is nothing to.
func reject(ctx context.Context, c *asc.Client, appID string, platform asc.Platform, o Options, res *Result, add func(name, status, detail string)) error {
	w, err := review.Withdraw(ctx, c, review.WithdrawRequest{App: appID, Platform: platform, DryRun: o.DryRun, WaitOptions: o.Withdraw})
	if err != nil {
		return err
	}
	switch {
	case w.Nothing != "":
		res.Notes = append(res.Notes, "reject_if_possible: nothing to reject: "+w.Nothing)
	case o.DryRun:
		add("reject", "planned", fmt.Sprintf("cancel review submission %s (%s), wait until version %s can be edited", w.SubmissionID, w.State, w.Version))
	default:
		how := "cancelled"
		if !w.Canceled {
			how = "cancelled by an earlier run"
		}
		add("reject", "changed", fmt.Sprintf("review submission %s (%s) %s; version %s is %s (%d requests, %d of them polls)", w.SubmissionID, w.State, how, w.Version, w.VersionState, w.Requests, w.Polls))
	}
	return nil
}

// submissionInformation applies what submission_information asks that the API has a field
// for (the version's usesIdfa goes with the version step): the app's content rights
// declaration, and the export compliance of the version's build while the version is
// editable. Each reads first and writes only what differs.
func submissionInformation(ctx context.Context, c *asc.Client, appID string, p *plan, v versions.Version, dryRun bool, add func(name, status, detail string)) error {
	const step = "submission information"
	if p.info.thirdPartyContent == nil && p.info.usesEncryption == nil {
		detail := "no submission_information"
		if p.info.usesIdfa != nil {
			detail = "usesIdfa goes with the version"
		}
		add(step, "skipped", detail)
		return nil
	}
	var did []string
	changed := false
	if t := p.info.thirdPartyContent; t != nil {
		want := apps.ContentRights(*t)
		differs, err := apps.SetContentRights(ctx, c, appID, want, dryRun)
		if err != nil {
			return err
		}
		changed = changed || differs
		did = append(did, "contentRightsDeclaration "+string(want))
	}
	if u := p.info.usesEncryption; u != nil {
		buildID, number := v.BuildID, v.BuildNumber
		if v.Editable() && buildID == "" && !dryRun {
			// A version just created answers without its build's number: read it.
			got, err := versions.Get(ctx, c, versions.Query{App: appID, Platform: asc.Platform(v.Platform), Version: v.Version})
			if err != nil {
				return err
			}
			buildID, number = got.BuildID, got.BuildNumber
		}
		switch {
		case !v.Editable():
			did = append(did, "export compliance left as it is: version "+v.Version+" is "+v.State)
		case buildID == "":
			did = append(did, "export compliance: no build attached to version "+v.Version)
		default:
			r, err := builds.Update(ctx, c, builds.Ref{ID: buildID}, builds.Compliance{UsesNonExemptEncryption: u, DryRun: dryRun})
			if err != nil {
				return err
			}
			if number == "" && r.Build != nil {
				number = r.Build.Number()
			}
			changed = changed || len(r.Changed) > 0
			did = append(did, fmt.Sprintf("usesNonExemptEncryption %v on build %s", *u, number))
		}
	}
	add(step, status(dryRun, changed), strings.Join(did, "; "))
	return nil
}

func status(dryRun, changed bool) string {
	switch {
	case !changed:
		return "unchanged"
	case dryRun:
		return "planned"
	}
	return "changed"
}

func count(dryRun bool, n int) string { return status(dryRun, n > 0) }

// fromProject reports whether a metadata problem's or note's path is the project's: a
// Deliverfile's line (an absolute path) or a variable ($DELIVER_COPYRIGHT), not a file of
// the metadata folder.
func fromProject(path string) bool { return filepath.IsAbs(path) || strings.HasPrefix(path, "$") }

func exists(dir string) bool {
	if dir == "" {
		return false
	}
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}
