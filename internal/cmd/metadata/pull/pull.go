// Package pull implements `ascend metadata pull`.
package pull

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/metadata/shared"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// Options are the command's flags and dependencies.
type Options struct {
	F      *cli.Factory
	Target shared.TargetFlags
	Dir    string
}

// NewCmd returns `ascend metadata pull`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Write the app's metadata into a deliver metadata folder",
		Long: `Read the app's metadata (the version being prepared, or --version, or the live one
with --edit-live) and write it in fastlane deliver's layout. Files already holding the
same value are left untouched, and a locale's value equal to the one in default/ is not
copied into the locale's folder, so pulling into your deliver folder changes only what
differs.`,
		Example: `  ascend metadata pull --app com.example.app --dir fastlane/metadata
  ascend metadata pull --app 1234567890 --version 2.1 --dir metadata`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	opts.Target.Add(cmd, true)
	cmd.Flags().StringVar(&opts.Dir, "dir", "fastlane/metadata", "the deliver metadata `folder`")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	t, err := opts.Target.Target(f, opts.Dir)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	c, err := f.Client(ctx)
	if err != nil {
		return err
	}
	st, written, err := metadata.Pull(ctx, c, t, opts.Dir)
	if err != nil {
		return fmt.Errorf("pull metadata: %w", err)
	}
	if f.JSONRequested() {
		return f.WriteJSON(map[string]any{"app": st.AppID, "version": st.VersionString, "dir": opts.Dir, "written": nonNil(written), "requests": st.Requests})
	}
	for _, w := range written {
		fmt.Fprintln(f.IO.Out, w)
	}
	fmt.Fprintf(f.IO.ErrOut, "pulled version %s (%d locales): %d files written in %s, %d requests\n",
		st.VersionString, len(st.Metadata.Locales), len(written), opts.Dir, st.Requests)
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
