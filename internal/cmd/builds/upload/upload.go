// Package upload implements `ascend builds upload`.
package upload

import (
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// Options are the command's flags and dependencies.
type Options struct {
	F    *cli.Factory
	Path string
	App  string
	cli.WaitFlags
	Concurrency int
	Poll        time.Duration
}

// NewCmd returns `ascend builds upload`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "upload <file.ipa | file.pkg>",
		Short: "Upload an .ipa or a macOS .pkg to App Store Connect",
		Long: `Upload a build through App Store Connect's Build Uploads API, from any machine.

The bundle id, version (CFBundleShortVersionString), build number (CFBundleVersion) and
platform come from the archive: an .ipa's Payload/<Name>.app/Info.plist, a flat .pkg's
PackageInfo. Before anything is written, ascend refuses a file that is not a valid archive,
a bundle id that is not the app's, and a build number already used for that version.

The parts are sent in parallel straight from disk. A run that is interrupted (even killed)
can be started again: it reuses its reservation and sends only the parts not yet sent.
With --wait, ascend polls the one build upload with backoff until its build is VALID,
showing Apple's processing messages as they come; exit code 8 when --timeout passes first.`,
		Example: `  ascend builds upload build/Daybreak.ipa --wait
  ascend builds upload build/Trailhead.pkg --app com.example.trailhead
  ascend builds upload App.ipa --app 1500000001 --wait --timeout 45m --json`,
		Args: cli.ExactArgs(1, "ascend builds upload <file.ipa | file.pkg>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.App, "app", "", "the app's `id or bundle id` (default: the archive's bundle id)")
	cli.AddWaitFlags(cmd, &opts.WaitFlags, false, 30*time.Minute, "App Store Connect to process the build (VALID)")
	fl.IntVar(&opts.Concurrency, "concurrency", 8, "at most `n` parts in flight")
	fl.DurationVar(&opts.Poll, "poll", 5*time.Second, "with --wait, the first `interval` between checks; each is half as long again, up to a minute")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	wait, err := opts.Waiting()
	if err != nil {
		return err
	}
	if opts.Poll <= 0 || opts.Poll > time.Minute {
		return cli.UsageErrorf("--poll must be above 0 and at most 1m, not %s", opts.Poll)
	}
	if opts.Concurrency < 1 || opts.Concurrency > 64 {
		return cli.UsageErrorf("--concurrency %d is out of range: use 1 to 64", opts.Concurrency)
	}
	if f.Flags.JQ != "" {
		if _, err := cli.CompileJQ(f.Flags.JQ); err != nil {
			return err
		}
	}
	ctx := cmd.Context()
	cache, err := f.CacheDir()
	if err != nil {
		return err
	}
	c, err := f.Client(ctx)
	if err != nil {
		return err
	}
	progress := buildflag.NewProgress(f)
	res, err := builds.Upload(ctx, c, opts.Path, builds.UploadOptions{
		App: opts.App, HTTPClient: f.HTTPClient(), PartConcurrency: opts.Concurrency,
		StateDir: filepath.Join(cache, "build-uploads"), Wait: wait,
		WaitOptions: builds.WaitOptions{Timeout: opts.Timeout, PollInitial: opts.Poll}, Progress: progress.Event,
	})
	progress.Done(err)
	if err != nil {
		return buildflag.Err(err)
	}
	if f.JSONRequested() {
		return f.WriteJSON(res)
	}
	t := f.NewTable("BUILD UPLOAD", "VERSION", "BUILD NUMBER", "PLATFORM", "STATE", "BUILD", "BUILD STATE")
	a := res.Archive
	t.AddRow(res.UploadID, a.Version, a.BuildNumber, string(a.Platform), res.State, res.BuildID, res.BuildState)
	return t.Render()
}
