// Package logout implements `ascend auth logout`: forget a saved profile.
package logout

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
)

// Options are the command's flags and dependencies; the profile is the global --profile.
type Options struct {
	F   *cli.Factory
	Yes bool
}

// NewCmd returns `ascend auth logout`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "logout",
		Short: "Remove a saved profile",
		Long: `Remove a profile saved by 'ascend auth login' ("default" unless --profile names another).
The .p8 key file itself is left where it is. Asks first on a terminal; in a pipe it needs
--yes.`,
		Example: `  ascend auth logout
  ascend auth logout --profile ci --yes`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "remove without asking")
	return cmd
}

func run(opts *Options) error {
	f := opts.F
	name := f.Flags.Profile
	if name == "" {
		name = cli.DefaultProfile
	}
	cfg, err := f.LoadConfig()
	if err != nil {
		return err
	}
	if _, ok := cfg.Profiles[name]; !ok {
		known := "none saved"
		if names := cfg.ProfileNames(); len(names) > 0 {
			known = "saved: " + strings.Join(names, ", ")
		}
		return fmt.Errorf("no profile %q to remove (%s)", name, known)
	}
	if err := f.ConfirmDestructive(opts.Yes, fmt.Sprintf("remove profile %q", name)); err != nil {
		return err
	}
	delete(cfg.Profiles, name)
	path, err := f.SaveConfig(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "removed profile %q from %s\n", name, path)
	return nil
}
