// Package pilot implements `ascend pilot upload` and `ascend pilot distribute`, fastlane
// pilot's two commands over workflow/pilot, reading the project's Pilotfile, Appfile and
// PILOT_* variables (workflow/fastlane.ResolvePilot) with a flag for each of pilot's options
// over them.
package pilot

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/pilot"
)

// NewCmd returns `ascend pilot`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pilot",
		Short: "Upload and distribute TestFlight builds as fastlane pilot does, from its Pilotfile and PILOT_* variables",
		Long: `fastlane pilot's upload and distribute, reading what pilot reads: the Pilotfile and the
Appfile (fastlane/, .fastlane/ or the project folder, --fastlane naming another), the PILOT_*
variables over them, and these flags over both, as fastlane ranks them; every one of pilot's
options works, and those ascend does not apply are named one a line with the reason. Every
value pilot cannot take is named at once before any request.`,
		Args: cli.NoArgs,
	}
	cmd.AddCommand(newUpload(f), newDistribute(f))
	cmd.AddCommand(testerCommands(f)...)
	return cmd
}

func newUpload(f *cli.Factory) *cobra.Command {
	var (
		r  runner
		wf cli.WaitFlags
	)
	cmd := &cobra.Command{
		Use:   "upload [--ipa FILE | --pkg FILE] [flags]",
		Short: "Upload a build to TestFlight, wait for its processing and distribute it, as fastlane pilot upload",
		Long: `Upload an ipa (or a macOS pkg) to TestFlight as 'fastlane pilot upload' does: the archive
(ipa, pkg; default: the newest in the project folder) is checked against App Store Connect
before any write (its bundle id, a build number not used yet, app_version and build_number
equal to its own, the groups named), uploaded as 'ascend builds upload' uploads (resumed after
an interruption), awaited until processed (every wait_processing_interval seconds, for at most
--timeout or wait_processing_timeout_duration, else 2h: exit 8, run again to go on), then
distributed as 'ascend pilot distribute' does. --no-wait or skip_waiting_for_build_processing
returns once it is uploaded (once the build exists when a changelog is to be set).
distribute_only distributes an existing build instead. Each step reads first and writes only
what differs: running it again changes nothing. --dry-run prints the steps and changes
nothing.`,
		Example: `  ascend pilot upload --ipa build/Daybreak.ipa --changelog "Try the new timer" --distribute-external --groups "Public Beta" --dry-run
  ascend pilot upload --ipa build/Daybreak.ipa --skip-waiting-for-build-processing --dry-run --json
  ascend pilot upload --fastlane ios --ipa build/Daybreak.ipa --timeout 45m --no-wait`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			wait, err := wf.Waiting()
			if err != nil {
				return err
			}
			p, err := r.project(f, cmd)
			if err != nil {
				return err
			}
			if !wait {
				p.SkipWaitingForBuildProcessing = true
				p.Where["skip_waiting_for_build_processing"] = "--no-wait"
			}
			if cmd.Flags().Changed("timeout") {
				p.WaitProcessingTimeout, p.Where["wait_processing_timeout_duration"] = wf.Timeout, "--timeout"
			}
			return r.run(f, cmd, p, pilot.Upload)
		},
	}
	r.add(cmd, uploadOption)
	cmd.Flags().BoolVar(&r.dryRun, "dry-run", false, "print the steps, change nothing")
	cli.AddWaitFlags(cmd, &wf, true, pilot.DefaultTimeout, "App Store Connect to process the build")
	return cmd
}

func newDistribute(f *cli.Factory) *cobra.Command {
	var r runner
	cmd := &cobra.Command{
		Use:   "distribute [--app-version V] [--build-number N] [flags]",
		Short: "Distribute an uploaded build to TestFlight testers, as fastlane pilot distribute",
		Long: `Distribute a build already uploaded, as 'fastlane pilot distribute' does: the build
app_version and build_number name (the newest uploaded when they do not) gets
beta_app_review_info (with demo_account_required), the test information (localized_app_info,
or beta_app_description and beta_app_feedback_email for every language), What to Test
(localized_build_info, or changelog for every language) and notify_external_testers; then,
unless skip_submission, reject_build_waiting_for_review expires the version's build waiting
for beta review, expire_previous_builds every other build, export compliance is answered
where the build has none (uses_non_exempt_encryption), and the build goes to the groups, an
external one submitted for beta review unless submit_beta_review is false. Each step reads
first and writes only what differs: running it again changes nothing.`,
		Example: `  ascend pilot distribute --app com.example.daybreak --app-version 2.4.0 --groups "Public Beta" --changelog "Fixes" --dry-run
  ascend pilot distribute --app com.example.daybreak --build-number 500 --distribute-external --groups "Public Beta,Design Partners" --changelog "Fixes" --dry-run`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := r.project(f, cmd)
			if err != nil {
				return err
			}
			return r.run(f, cmd, p, pilot.Distribute)
		},
	}
	r.add(cmd, distributeOption)
	cmd.Flags().BoolVar(&r.dryRun, "dry-run", false, "print the steps, change nothing")
	return cmd
}

// usage is each flag's help, by pilot's option.
var usage = map[string]string{
	"app_identifier":                    "the app's bundle `id` (default: the Appfile's app_identifier)",
	"app_platform":                      "ios, appletvos, osx or xros",
	"apple_id":                          "the app's Apple `id` (digits, App Information in App Store Connect)",
	"ipa":                               "the .ipa `file` to upload (default: the newest .ipa in the project folder)",
	"pkg":                               "the macOS .pkg `file` to upload",
	"demo_account_required":             "Beta App Review needs a demo account",
	"beta_app_review_info":              "Beta App Review's contact and demo account, a JSON `object` (contact_email, contact_first_name, contact_last_name, contact_phone, demo_account_name, demo_account_password, demo_account_required, notes)",
	"localized_app_info":                "the test information by language, a JSON `object` ({\"default\": {\"description\": ..., \"feedback_email\": ...}, \"de-DE\": {...}})",
	"beta_app_description":              "the test information's description, every language's",
	"beta_app_feedback_email":           "the feedback `email`, every language's",
	"localized_build_info":              "What to Test by language, a JSON `object` ({\"default\": {\"whats_new\": ...}, \"de-DE\": {...}})",
	"changelog":                         "What to Test, every language's",
	"skip_submission":                   "set the test information only: no groups, no expiring, no beta review",
	"skip_waiting_for_build_processing": "return once uploaded (once the build exists when a changelog is to be set)",
	"distribute_only":                   "distribute an existing build instead of uploading (as pilot distribute)",
	"uses_non_exempt_encryption":        "the export compliance answer for a build that has none",
	"distribute_external":               "distribute to external testers (needs --groups and a changelog)",
	"notify_external_testers":           "notify testers when the build becomes available (default: App Store Connect's, on)",
	"app_version":                       "the build's version (distribute: pick the newest build of it)",
	"build_number":                      "the build's `number` (distribute: pick that build)",
	"expire_previous_builds":            "expire every other build of the app",
	"groups":                            "the beta `groups` to distribute to, by name, comma-separated",
	"wait_processing_interval":          "check the processing every this many `seconds` (default 30)",
	"wait_processing_timeout_duration":  "wait at most this many `seconds` for the processing (exit 8)",
	"reject_build_waiting_for_review":   "expire the version's build waiting for beta review, so this one goes instead",
	"first_name":                        "the tester's first `name`",
	"last_name":                         "the tester's last `name`",
	"email":                             "the tester's `email` (or give the emails as arguments)",
	"testers_file_path":                 "the testers CSV `file` (default: testers.csv in the project folder)",
	"submit_beta_review":                "submit for beta review when distributing to external groups (default true)",
}

// runner is what upload and distribute share: the project, the flags over it, the output.
type runner struct {
	dir     string
	app     string
	dryRun  bool
	texts   map[string]*string
	bools   map[string]*bool
	options map[string]string // flag name -> pilot's option
	kinds   map[string]string
}

func flagName(option string) string { return strings.ReplaceAll(option, "_", "-") }

// add registers a flag for each of pilot's options keep keeps (fastlane's names with
// dashes), --app and --fastlane.
func (r *runner) add(cmd *cobra.Command, keep func(option string) bool) {
	fl := cmd.Flags()
	r.texts, r.bools, r.options, r.kinds = map[string]*string{}, map[string]*bool{}, map[string]string{}, map[string]string{}
	for _, o := range fastlane.PilotFlags() {
		if !keep(o.Option) {
			continue
		}
		name := flagName(o.Option)
		help := usage[o.Option]
		if help == "" {
			help = o.Option
		}
		help += " (" + o.Option + ", $" + strings.Join(fastlane.PilotVariables(o.Option), ", $") + ")"
		r.options[name], r.kinds[name] = o.Option, o.Kind
		if o.Kind == "bool" {
			r.bools[name] = fl.Bool(name, false, help)
		} else {
			r.texts[name] = fl.String(name, "", help)
		}
	}
	fl.StringVar(&r.app, "app", "", "the app's `id or bundle id` (apple_id or app_identifier)")
	fl.StringVar(&r.dir, "fastlane", "", "the project `folder` whose fastlane/Pilotfile and Appfile are read (default: this folder)")
}

// testerOptions are the options only the testers commands take.
var testerOptions = map[string]bool{"first_name": true, "last_name": true, "email": true, "testers_file_path": true}

// uploadOption keeps the options of pilot upload; distributeOption those of pilot distribute.
func uploadOption(o string) bool { return !testerOptions[o] }

func distributeOption(o string) bool {
	return uploadOption(o) && o != "ipa" && o != "pkg" && o != "distribute_only" && o != "skip_waiting_for_build_processing" && !strings.HasPrefix(o, "wait_processing")
}

// project reads the project and puts the flags given over it; a flag pilot cannot take is a
// usage error naming it.
func (r *runner) project(f *cli.Factory, cmd *cobra.Command) (*fastlane.Pilot, error) {
	p, err := fastlane.ResolvePilot(r.dir, f.LookupEnv)
	if err != nil {
		return nil, err
	}
	set := func(flag, option, text string) error {
		if err := p.Set(option, text, "--"+flag); err != nil {
			return cli.UsageErrorf("%v", err)
		}
		return nil
	}
	if cmd.Flags().Changed("app") {
		option := "app_identifier"
		if apps.IsID(r.app) {
			option = "apple_id"
		}
		if err := set("app", option, r.app); err != nil {
			return nil, err
		}
	}
	var failed []error
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		option, ok := r.options[fl.Name]
		if !ok {
			return
		}
		text := fl.Value.String()
		if r.kinds[fl.Name] == "path" && text != "" && !filepath.IsAbs(text) {
			if abs, err := filepath.Abs(text); err == nil {
				text = abs // a flag's path is the shell's, not the project's
			}
		}
		if err := set(fl.Name, option, text); err != nil {
			failed = append(failed, err)
		}
	})
	if len(failed) > 0 {
		return nil, failed[0]
	}
	for _, n := range p.Notes {
		fmt.Fprintf(f.IO.ErrOut, "pilot: %s\n", n)
	}
	p.Notes = nil
	if app, from := p.App(); app != "" {
		fmt.Fprintf(f.IO.ErrOut, "pilot: app %s, from %s\n", app, from)
	}
	return p, nil
}

// run runs a pilot workflow with the project and prints its steps.
func (r *runner) run(f *cli.Factory, cmd *cobra.Command, p *fastlane.Pilot, do func(ctx context.Context, c *asc.Client, o pilot.Options) (*pilot.Result, error)) error {
	c, err := f.Client(cmd.Context())
	if err != nil {
		return err
	}
	cache, err := f.CacheDir()
	if err != nil {
		return err
	}
	progress := buildflag.NewProgress(f)
	o := pilot.Options{Project: p, DryRun: r.dryRun,
		Binary: builds.UploadOptions{StateDir: filepath.Join(cache, "build-uploads"), Progress: progress.Event, HTTPClient: f.HTTPClient()},
		Wait:   builds.WaitOptions{PollMax: time.Minute}}
	res, err := do(cmd.Context(), c, o)
	progress.Done(err)
	if cmd.Context().Err() != nil {
		return cmd.Context().Err() // interrupted: the binary says so in one line
	}
	if err != nil {
		return buildflag.Err(err) // a build still processing at the timeout exits 8
	}
	if f.JSONRequested() {
		return f.WriteJSON(res)
	}
	fmt.Fprintf(f.IO.ErrOut, "pilot %s: app %s, build %s (%s)%s\n", cmd.Name(), res.App, res.Version, res.BuildNumber, map[bool]string{true: ", dry run"}[r.dryRun])
	t := f.NewTable("STEP", "STATUS", "DETAIL")
	for _, s := range res.Steps {
		t.AddRow(s.Name, s.Status, s.Detail)
	}
	return t.Render()
}
