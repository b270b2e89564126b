// Package push implements `ascend metadata push`.
package push

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/metadata/diff"
	"github.com/ascend-tools/ascend/internal/cmd/metadata/shared"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// Options are the command's flags and dependencies.
type Options struct {
	F      *cli.Factory
	Target shared.TargetFlags
	Dir    string
	DryRun bool
	Yes    bool
}

// NewCmd returns `ascend metadata push`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Make App Store Connect's metadata match the folder",
		Long: `Validate the deliver metadata folder against Apple's limits (every problem is listed,
nothing is written), read the app's metadata with as few requests as Apple allows, then
write only what changed: one PATCH per changed localization, a POST for each missing
locale. Absent files are left alone; an empty file clears the field. A second push after
a successful one sends no writes.

With --edit-live it works on the version on the App Store, where Apple lets you change only
the promotional text; other differences are shown as skipped.`,
		Example: `  ascend metadata push --dir fastlane/metadata --app com.example.app --dry-run
  ascend metadata push --dir fastlane/metadata --app com.example.app --yes
  ascend metadata push --dir fastlane/metadata --edit-live --yes`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	opts.Target.Add(cmd, true)
	fl := cmd.Flags()
	fl.StringVar(&opts.Dir, "dir", "fastlane/metadata", "the deliver metadata `folder`")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "show what would change and write nothing")
	fl.BoolVarP(&opts.Yes, "yes", "y", false, "push without asking")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	t, err := opts.Target.Target(f, opts.Dir)
	if err != nil {
		return err
	}
	// Validate before credentials or requests: a bad folder costs nothing.
	if _, err := metadata.Load(opts.Dir); err != nil {
		return err
	}
	ctx := cmd.Context()
	c, err := f.Client(ctx)
	if err != nil {
		return err
	}
	p, st, err := metadata.Prepare(ctx, c, t, opts.Dir)
	if err != nil {
		return err
	}
	pending := p.Pending()
	if len(p.Writes) == 0 {
		if f.JSONRequested() {
			return f.WriteJSON(map[string]any{"version": st.VersionString, "writes": 0, "changes": []any{}})
		}
		if len(p.Changes) > 0 {
			diff.Render(f, p.Changes)
		}
		fmt.Fprintf(f.IO.ErrOut, "version %s already matches %s; nothing to push\n", st.VersionString, opts.Dir)
		return nil
	}
	if !f.JSONRequested() || opts.DryRun {
		if err := diff.Render(f, p.Changes); err != nil {
			return err
		}
	}
	if opts.DryRun {
		fmt.Fprintf(f.IO.ErrOut, "dry run: %s in %s would be pushed to version %s\n", diff.Plural(len(pending), "change"), diff.Plural(len(p.Writes), "request"), st.VersionString)
		return nil
	}
	if err := f.ConfirmDestructive(opts.Yes, fmt.Sprintf("push %s to version %s of app %s", diff.Plural(len(pending), "change"), st.VersionString, st.AppID)); err != nil {
		return err
	}
	res, err := metadata.Apply(ctx, c, p, metadata.ApplyOptions{})
	if f.JSONRequested() {
		if jerr := f.WriteJSON(map[string]any{"version": st.VersionString, "writes": res.Writes, "requests": res.Requests + st.Requests}); jerr != nil {
			return jerr
		}
	}
	if err != nil {
		return fmt.Errorf("push metadata stopped part way (run push again to finish): %w", err)
	}
	if !f.JSONRequested() {
		fmt.Fprintf(f.IO.ErrOut, "pushed %s to version %s: %s, %s in all\n", diff.Plural(len(pending), "change"), st.VersionString, diff.Plural(res.Writes, "write"), diff.Plural(res.Requests+st.Requests, "request"))
	}
	return nil
}
