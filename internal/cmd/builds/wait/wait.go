// Package wait implements `ascend builds wait`.
package wait

import (
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// Options are the command's flags and dependencies.
type Options struct {
	F    *cli.Factory
	Ref  buildflag.RefFlags
	Args []string
	cli.WaitFlags
	Poll time.Duration
}

// NewCmd returns `ascend builds wait`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "wait [<build-id>] [--app A --version V --build-number N]",
		Short: "Wait until a build has been processed",
		Long: `Wait until a build is VALID, polling the one build (or its build upload, before the
build exists) with backoff. Exit code 8 when --timeout passes first; 1 when processing fails,
with Apple's reasons. --no-wait checks once: exit 0 when the build is VALID, 8 while it is
still processing.`,
		Example: `  ascend builds wait --app com.example.app --version 2.4.0 --build-number 512 --timeout 45m
  ascend builds wait 6f1c2a9e-4b7d-4c1a-9d2e-0a1b2c3d4e5f
  ascend builds wait 6f1c2a9e-4b7d-4c1a-9d2e-0a1b2c3d4e5f --no-wait`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	opts.Ref.Add(cmd)
	cli.AddWaitFlags(cmd, &opts.WaitFlags, true, 30*time.Minute, "App Store Connect to process the build (VALID)")
	cmd.Flags().DurationVar(&opts.Poll, "poll", 5*time.Second, "the first `interval` between checks; each is half as long again, up to a minute")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	ref, err := opts.Ref.Ref(opts.Args)
	if err != nil {
		return err
	}
	if ref.ID == "" && ref.Version == "" {
		return cli.UsageErrorf("builds wait by numbers needs --version too")
	}
	wait, err := opts.Waiting()
	if err != nil {
		return err
	}
	if opts.Poll <= 0 || opts.Poll > time.Minute {
		return cli.UsageErrorf("--poll must be above 0 and at most 1m, not %s", opts.Poll)
	}
	c, err := f.Client(cmd.Context())
	if err != nil {
		return err
	}
	progress := buildflag.NewProgress(f)
	res, err := builds.WaitFor(cmd.Context(), c, ref, builds.WaitOptions{Timeout: opts.Timeout, PollInitial: opts.Poll, Once: !wait}, progress.Event)
	progress.Done(err)
	if err != nil {
		return buildflag.Err(err)
	}
	if f.JSONRequested() {
		return f.WriteJSON(res)
	}
	t := f.NewTable("BUILD", "STATE", "BUILD UPLOAD", "POLLS")
	t.AddRow(res.BuildID, res.BuildState, res.UploadID, strconv.Itoa(res.Polls))
	return t.Render()
}
