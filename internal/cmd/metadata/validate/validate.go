// Package validate implements `ascend metadata validate`.
package validate

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// Options are the command's flags and dependencies.
type Options struct {
	F           *cli.Factory
	Dir         string
	Screenshots string
	Previews    string
}

// NewCmd returns `ascend metadata validate`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the folders against Apple's rules, offline",
		Long: `Check a deliver metadata folder (and, with --screenshots and --previews, the media
folders) against Apple's rules without credentials or requests: field limits, URL and email
syntax, locale codes, file names, screenshot sizes and counts. Every problem is listed; the
exit code is 1 when there is any. Suited to a pull-request check.`,
		Example: `  ascend metadata validate --dir fastlane/metadata --screenshots fastlane/screenshots`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, "dir", "fastlane/metadata", "the deliver metadata `folder`")
	fl.StringVar(&opts.Screenshots, "screenshots", "", "also check this screenshots `folder`")
	fl.StringVar(&opts.Previews, "previews", "", "also check this app previews `folder`")
	return cmd
}

func run(opts *Options) error {
	f := opts.F
	var problems []metadata.Problem
	var errs []error
	collect := func(prefix string, err error) {
		var ve *metadata.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			for _, p := range ve.Problems {
				p.Path = prefix + "/" + p.Path
				problems = append(problems, p)
			}
		default:
			errs = append(errs, err)
		}
	}
	_, err := metadata.Load(opts.Dir)
	collect(opts.Dir, err)
	if opts.Screenshots != "" {
		_, err := screenshots.Load(opts.Screenshots)
		collect(opts.Screenshots, err)
	}
	if opts.Previews != "" {
		_, err := screenshots.LoadPreviews(opts.Previews)
		collect(opts.Previews, err)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	if f.JSONRequested() {
		out := []map[string]string{}
		for _, p := range problems {
			out = append(out, map[string]string{"path": p.Path, "problem": p.Message})
		}
		if err := f.WriteJSON(out); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			fmt.Fprintln(f.IO.Out, p.String())
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problems found; fix them and run validate again", len(problems))
	}
	if !f.JSONRequested() {
		fmt.Fprintln(f.IO.ErrOut, "no problems found")
	}
	return nil
}
