// Package deliver implements `ascend deliver`, one command for a whole release, a thin
// adapter over workflow/deliver that reads a fastlane project's Deliverfile.
package deliver

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/internal/elapsed"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/review"
)

// NewCmd returns `ascend deliver`.
func NewCmd(f *cli.Factory) *cobra.Command {
	var (
		fl    = cli.FastlaneFlag{FromEnv: true}
		o     deliver.Options
		bools = map[string]*bool{}
		wf    cli.WaitFlags
		poll  time.Duration
		// buildTimeout bounds the wait for the uploaded binary's processing.
		buildTimeout time.Duration
		// rejectTimeout bounds reject_if_possible's wait for the version to be editable.
		rejectTimeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "deliver [--fastlane DIR] [--app A] [--app-version V] [--build-number N] [flags]",
		Short: "Release in one command, as fastlane deliver: version, build, metadata, screenshots, age rating, phased release, submission",
		Long: `Run a whole release from a fastlane project (its Appfile and Deliverfile: app_identifier,
app_version, build_number, submit_for_review, automatic_release, auto_release_date,
phased_release, skip_metadata, skip_screenshots, languages, metadata_path, screenshots_path,
app_rating_config_path, the App Clip's app_clip_header_images_path,
app_clip_default_experience_metadata_path, app_clip_default_experience_subtitle and
app_clip_default_experience_action, relative to the project folder as fastlane reads them;
submission_information's export_compliance_uses_encryption on the build,
content_rights_contains_third_party_content on the app, add_id_info_uses_idfa on the
version); deliver's DELIVER_* variables (DELIVER_APP_VERSION, DELIVER_SUBMIT_FOR_REVIEW, ...)
outrank the files and work without them, and flags outrank both, as in fastlane. Options App
Store Connect's API has no field for (reset_ratings, the other submission_information keys)
are noted one a line. Each step reads first and writes only what differs, so running deliver
twice changes nothing the second time, and a run that died at any step converges when run
again. --dry-run prints the plan and changes nothing. The screenshots uploaded are awaited
until processed, for at most --timeout (default: screenshot_processing_timeout's seconds,
else 10m; exit 8 when it passes; run again to go on); --no-wait goes on once they are
uploaded.

The binary (ipa or pkg, --ipa or --pkg) is checked before any write: a valid archive, the
app's bundle id, app_version and platform (each taken from the archive when not given), a
version App Store Connect still takes builds for and that App Review does not have, a build
number not used yet. It is uploaded as 'ascend builds upload' uploads (parts in parallel,
resumed after an interruption, even a kill) while the other steps run, awaited until
processed (for at most --build-timeout, default 30m; exit 8 then, and run again to go on)
and attached to the version before the submission. build_number or skip_binary_upload skip
the upload (a submission then attaches build_number's build, or the archive's); verify_only
makes the checks alone and changes nothing.

reject_if_possible (--reject-if-possible) first takes the version back from App Review when
its submission is waiting for review, in review or has unresolved issues (App Review
rejected it): the submission is cancelled once and the
version awaited (for at most --reject-timeout, default 15m; exit 8 then) until it can be
edited, so the release goes on and submits it again; a run stopped meanwhile only waits when
run again; nothing with App Review is a note. skip_app_version_update (--skip-app-version-update) works on the version
being prepared as it is: none is created and its version string never becomes app_version (a
note says so; the release type, build and the rest still apply); no version being prepared for
the platform is an error before any write.`,
		Example: `  ascend deliver --dry-run
  ascend deliver --app com.example.app --app-version 2.5.0 --build-number 512 --submit-for-review --phased-release
  ascend deliver --fastlane ios/fastlane --skip-screenshots --json
  ascend deliver --ipa build/Daybreak.ipa --verify-only`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wait, err := wf.Waiting()
			if err != nil {
				return err
			}
			o.ScreenshotOption.PollTimeout, o.ScreenshotOption.NoWait = wf.Timeout, !wait
			o.Platform = strings.ToUpper(o.Platform)
			if o.Platform != "" && !apple.IsPlatform(o.Platform) {
				return cli.UsageErrorf("--platform %s is not one of %s", o.Platform, strings.Join(apple.Platforms(), ", "))
			}
			for name, v := range bools {
				if !cmd.Flags().Changed(name) {
					continue
				}
				switch name {
				case "submit-for-review":
					o.SubmitForReview = v
				case "automatic-release":
					o.AutomaticRelease = v
				case "phased-release":
					o.PhasedRelease = v
				case "skip-metadata":
					o.SkipMetadata = v
				case "skip-screenshots":
					o.SkipScreenshots = v
				case "skip-binary-upload":
					o.SkipBinaryUpload = v
				case "verify-only":
					o.VerifyOnly = v
				case "reject-if-possible":
					o.RejectIfPossible = v
				case "skip-app-version-update":
					o.SkipAppVersionUpdate = v
				}
			}
			project, err := fl.Project(f, cmd, "metadata-path")
			if err != nil {
				return err
			}
			o.Project = project
			if project != nil && project.ScreenshotProcessingTimeout > 0 && !cmd.Flags().Changed("timeout") {
				o.ScreenshotOption.PollTimeout = project.ScreenshotProcessingTimeout // screenshot_processing_timeout
			}
			if o.App == "" && project != nil {
				o.App = fl.App(f, project)
			}
			if o.App == "" && o.IPA == "" && o.PKG == "" && (project == nil || project.IPA == "" && project.PKG == "") {
				return cli.UsageErrorf("no app: pass --app or run in a fastlane project with an Appfile")
			}
			if poll <= 0 || poll > time.Minute {
				return cli.UsageErrorf("--poll must be above 0 and at most 1m, not %s", poll)
			}
			if buildTimeout <= 0 {
				return cli.UsageErrorf("--build-timeout must be above 0, not %s", buildTimeout)
			}
			if rejectTimeout <= 0 {
				return cli.UsageErrorf("--reject-timeout must be above 0, not %s", rejectTimeout)
			}
			o.Withdraw.Timeout = rejectTimeout
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			o.HTTPClient = f.HTTPClient()
			cache, err := f.CacheDir()
			if err != nil {
				return err
			}
			progress := buildflag.NewProgress(f)
			o.Binary = builds.UploadOptions{StateDir: filepath.Join(cache, "build-uploads"), Progress: progress.Event,
				WaitOptions: builds.WaitOptions{PollInitial: poll, Timeout: buildTimeout}}
			res, err := deliver.Run(cmd.Context(), c, o)
			progress.Done(err)
			if cmd.Context().Err() != nil {
				return cmd.Context().Err() // interrupted: the binary says so in one line
			}
			if res != nil {
				for _, n := range res.Notes {
					fmt.Fprintf(f.IO.ErrOut, "note: %s\n", n)
				}
			}
			if err != nil {
				if res != nil && len(res.Steps) > 0 && !f.JSONRequested() {
					printSteps(f, res)
				}
				var withdrawing *review.PendingError // reject_if_possible's cancel still under way
				if errors.As(err, &withdrawing) {
					return cli.PendingErrorf("reject: review submission %s is still %s after %s; run deliver again to go on waiting", withdrawing.SubmissionID, withdrawing.State, elapsed.String(withdrawing.Waited))
				}
				return buildflag.Err(err) // a build still processing at the timeout exits 8
			}
			if f.JSONRequested() {
				return f.WriteJSON(res)
			}
			return printSteps(f, res)
		},
	}
	flags := cmd.Flags()
	fl.Add(cmd)
	flags.StringVar(&o.App, "app", "", "the app's `id or bundle id` (default: the Appfile's app_identifier)")
	flags.StringVar(&o.Platform, "platform", "", strings.Join(apple.Platforms(), ", ")+" (default: the Deliverfile's, or IOS)")
	flags.StringVar(&o.Version, "app-version", "", "the version string to create or update (default: app_version, or the version being prepared)")
	flags.StringVar(&o.Build, "build-number", "", "attach the build with this `number` (default: build_number, or the newest processed one when submitting)")
	flags.StringVar(&o.AutoReleaseDate, "auto-release-date", "", "release on this date (milliseconds since 1970 or RFC 3339), a scheduled release")
	flags.StringVar(&o.MetadataPath, "metadata-path", "", "the metadata `folder` (default: metadata_path, or fastlane/metadata)")
	flags.StringVar(&o.ScreenshotsPath, "screenshots-path", "", "the screenshots `folder` (default: screenshots_path, or fastlane/screenshots)")
	flags.StringVar(&o.AppRatingConfig, "app-rating-config-path", "", "answer the age rating from this app_rating_config.json (default: the Deliverfile's app_rating_config_path)")
	flags.StringVar(&o.AppClipHeaderImagesPath, "app-clip-header-images-path", "", "send the App Clip card's header images from this `folder` (<locale>/, default/; one 1800x1200 PNG or JPEG each; default: app_clip_header_images_path)")
	flags.StringVar(&o.IPA, "ipa", "", "upload this .ipa `file`, wait for it to be processed and attach its build (default: ipa, $DELIVER_IPA_PATH)")
	flags.StringVar(&o.PKG, "pkg", "", "upload this macOS .pkg `file`, as --ipa (default: pkg, $DELIVER_PKG_PATH)")
	flags.DurationVar(&rejectTimeout, "reject-timeout", 15*time.Minute, "with --reject-if-possible, wait at most this `duration` for the version to be editable once its submission is cancelled (exit 8 past it; run again to go on waiting)")
	flags.DurationVar(&buildTimeout, "build-timeout", 30*time.Minute, "with --ipa or --pkg, wait at most this `duration` for its processing (exit 8 past it; run again to go on waiting)")
	flags.DurationVar(&poll, "poll", 5*time.Second, "with --ipa or --pkg, the first `interval` between checks of its processing; each is half as long again, up to a minute")
	flags.BoolVar(&o.DryRun, "dry-run", false, "print the plan, change nothing")
	cli.AddWaitFlags(cmd, &wf, true, 10*time.Minute, "App Store Connect to process the screenshots uploaded")
	for name, usage := range map[string]string{
		"submit-for-review":       "submit the version to App Review at the end",
		"automatic-release":       "release as soon as App Review approves (false: release by hand with 'ascend release')",
		"phased-release":          "release over 7 days (1% to 100% of users)",
		"skip-metadata":           "leave the metadata alone",
		"skip-screenshots":        "leave the screenshots alone",
		"skip-binary-upload":      "upload no ipa or pkg (attach build_number's build, or the newest one)",
		"verify-only":             "check the ipa or pkg against App Store Connect (app, version, build number unused) and do nothing else",
		"reject-if-possible":      "first take the version back from App Review (cancel its submission, wait until it can be edited), then deliver and submit again",
		"skip-app-version-update": "use the version being prepared as it is: never create one, nor give it --app-version's string",
	} {
		bools[name] = new(bool)
		flags.BoolVar(bools[name], name, false, usage)
	}
	return cmd
}

func printSteps(f *cli.Factory, res *deliver.Result) error {
	fmt.Fprintf(f.IO.ErrOut, "deliver %s %s%s\n", res.App, res.Version, map[bool]string{true: " (dry run)"}[res.DryRun])
	t := f.NewTable("STEP", "STATUS", "DETAIL")
	for _, s := range res.Steps {
		t.AddRow(s.Name, s.Status, s.Detail)
	}
	return t.Render()
}
