// Package expire implements `ascend builds expire`.
package expire

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// Options are the command's flags and dependencies.
type Options struct {
	F         *cli.Factory
	Ref       buildflag.RefFlags
	Args      []string
	OlderThan string
	Keep      int
	DryRun    bool
	Yes       bool
}

// NewCmd returns `ascend builds expire`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "expire [<build-id>] | --app A [--older-than D] [--keep N]",
		Short: "Expire builds so testers can no longer install them",
		Long: `Expire one build by id (or by --app/--version/--build-number), or an app's old builds:
of its unexpired builds the newest --keep are kept, and of the others those uploaded more
than --older-than ago (30d, 12h; default any age) are expired. Already expired builds are
left alone, so running it again changes nothing. Needs --yes when nobody can confirm.`,
		Example: `  ascend builds expire --app com.example.app --older-than 30d --keep 5 --dry-run
  ascend builds expire --app com.example.app --older-than 30d --keep 5 --yes
  ascend builds expire 6f1c2a9e-4b7d-4c1a-9d2e-0a1b2c3d4e5f --yes`,
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
	fl := cmd.Flags()
	fl.StringVar(&opts.OlderThan, "older-than", "", "expire builds uploaded longer ago than `duration` (30d, 36h)")
	fl.IntVar(&opts.Keep, "keep", 0, "keep the newest `n` unexpired builds")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would be expired and change nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "expire without asking")
	return cmd
}

// parseAge reads a duration that may be given in days ("30d").
func parseAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return 0, cli.UsageErrorf("--older-than %q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, cli.UsageErrorf("--older-than %q is not a duration such as 30d or 36h", s)
	}
	return d, nil
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	age, err := parseAge(opts.OlderThan)
	if err != nil {
		return err
	}
	if opts.Keep < 0 {
		return cli.UsageErrorf("--keep must not be negative")
	}
	ctx := cmd.Context()
	single := len(opts.Args) == 1 || opts.Ref.BuildNumber != ""
	if single {
		if opts.OlderThan != "" || opts.Keep != 0 {
			return cli.UsageErrorf("--older-than and --keep choose among an app's builds; not with one build")
		}
		ref, err := opts.Ref.Ref(opts.Args)
		if err != nil {
			return err
		}
		c, err := f.Client(ctx)
		if err != nil {
			return err
		}
		b, err := builds.Get(ctx, c, ref)
		if err != nil {
			return err
		}
		if opts.DryRun || b.IsExpired() {
			if b.IsExpired() {
				fmt.Fprintf(f.IO.ErrOut, "build %s (%s) is already expired\n", b.Number(), b.ID)
			}
			return buildflag.Table(f, []builds.Build{*b})
		}
		if err := f.ConfirmDestructive(opts.Yes, fmt.Sprintf("expire build %s %s (%s)", b.Version, b.Number(), b.ID)); err != nil {
			return err
		}
		got, err := builds.ExpireOne(ctx, c, b.ID)
		if err != nil {
			return err
		}
		b.Build = *got
		return buildflag.Table(f, []builds.Build{*b})
	}
	if opts.Ref.App == "" {
		return cli.UsageErrorf("builds expire needs a build id or --app")
	}
	p, err := buildflag.Platform(opts.Ref.Platform)
	if err != nil {
		return err
	}
	c, err := f.Client(ctx)
	if err != nil {
		return err
	}
	eo := builds.ExpireOptions{App: opts.Ref.App, OlderThan: age, Keep: opts.Keep, Version: opts.Ref.Version, Platform: p, DryRun: true}
	plan, err := builds.Expire(ctx, c, eo)
	if err != nil {
		return err
	}
	if opts.DryRun || len(plan.Expired) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "would expire %s, keep %d\n", cli.Plural(len(plan.Expired), "build"), plan.Kept)
		return buildflag.Table(f, plan.Expired)
	}
	if err := f.ConfirmDestructive(opts.Yes, fmt.Sprintf("expire %s of %s", cli.Plural(len(plan.Expired), "build"), opts.Ref.App)); err != nil {
		return err
	}
	done, err := builds.ApplyExpire(ctx, c, plan)
	if err != nil {
		buildflag.Table(f, done.Expired)
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "expired %s, kept %d\n", cli.Plural(len(done.Expired), "build"), done.Kept)
	return buildflag.Table(f, done.Expired)
}
