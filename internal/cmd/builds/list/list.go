// Package list implements `ascend builds list`.
package list

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// Options are the command's flags and dependencies.
type Options struct {
	F       *cli.Factory
	Ref     buildflag.RefFlags
	States  []string
	Expired string
	Limit   int
}

// NewCmd returns `ascend builds list`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "list --app <id | bundle-id>",
		Short: "List an app's builds, newest first",
		Example: `  ascend builds list --app com.example.app
  ascend builds list --app com.example.app --version 2.4.0 --limit 5
  ascend builds list --app com.example.app --expired=false --json --jq '.[].id'`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	opts.Ref.Add(cmd)
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.States, "state", nil, "only builds in these processing `states` (PROCESSING, FAILED, INVALID, VALID)")
	fl.StringVar(&opts.Expired, "expired", "", "only expired (true) or unexpired (false) builds")
	fl.IntVarP(&opts.Limit, "limit", "L", 0, "at most `n` builds (default all)")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	if opts.Ref.App == "" {
		return cli.UsageErrorf("builds list needs --app")
	}
	p, err := buildflag.Platform(opts.Ref.Platform)
	if err != nil {
		return err
	}
	if opts.Limit < 0 {
		return cli.UsageErrorf("--limit must not be negative")
	}
	filter := builds.Filter{App: opts.Ref.App, Version: opts.Ref.Version, BuildNumber: opts.Ref.BuildNumber, Platform: p, States: opts.States, Limit: opts.Limit}
	switch opts.Expired {
	case "":
	case "true", "false":
		v := opts.Expired == "true"
		filter.Expired = &v
	default:
		return cli.UsageErrorf("--expired is true or false, not %q", opts.Expired)
	}
	if f.Flags.JQ != "" {
		if _, err := cli.CompileJQ(f.Flags.JQ); err != nil {
			return err
		}
	}
	c, err := f.Client(cmd.Context())
	if err != nil {
		return err
	}
	list, err := builds.List(cmd.Context(), c, filter)
	if err != nil {
		return err
	}
	return buildflag.Table(f, list)
}
