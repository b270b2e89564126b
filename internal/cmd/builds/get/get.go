// Package get implements `ascend builds get`.
package get

import (
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
}

// NewCmd returns `ascend builds get`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "get [<build-id>] [--app A --version V --build-number N]",
		Short: "Show one build",
		Example: `  ascend builds get 6f1c2a9e-4b7d-4c1a-9d2e-0a1b2c3d4e5f
  ascend builds get --app com.example.app --version 2.4.0 --build-number 512 --json`,
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
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	ref, err := opts.Ref.Ref(opts.Args)
	if err != nil {
		return err
	}
	c, err := f.Client(cmd.Context())
	if err != nil {
		return err
	}
	b, err := builds.Get(cmd.Context(), c, ref)
	if err != nil {
		return err
	}
	if f.JSONRequested() {
		return f.WriteJSON(b)
	}
	return buildflag.Table(f, []builds.Build{*b})
}
