// Package diff implements `ascend metadata diff`.
package diff

import (
	"fmt"
	"strings"

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

// NewCmd returns `ascend metadata diff`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show how the folder differs from App Store Connect, field by field",
		Long: `Validate the deliver metadata folder, read the app's metadata and list every field
whose value differs: one row per locale and field, with App Store Connect's value and the
folder's. Nothing is written.`,
		Example: `  ascend metadata diff --dir fastlane/metadata --app com.example.app
  ascend metadata diff --dir fastlane/metadata --json --jq '.[].path'`,
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

// ChangeJSON is a change as --json prints it.
type ChangeJSON struct {
	Locale   string `json:"locale,omitempty"`
	Field    string `json:"field"`
	Path     string `json:"path"`
	Current  string `json:"current"`
	Folder   string `json:"folder"`
	Skipped  string `json:"skipped,omitempty"`
	Resource string `json:"resource"`
}

var scopeNames = map[metadata.Scope]string{
	metadata.AppInfoLocalization: "appInfoLocalizations",
	metadata.VersionLocalization: "appStoreVersionLocalizations",
	metadata.Version:             "appStoreVersions",
	metadata.AppInfoCategory:     "appInfos",
	metadata.ReviewDetail:        "appStoreReviewDetails",
}

// Render prints the changes as a table (or JSON); push uses it for its plan.
func Render(f *cli.Factory, changes []metadata.Change) error {
	if f.JSONRequested() {
		out := []ChangeJSON{}
		for _, c := range changes {
			was, now := c.Shown()
			out = append(out, ChangeJSON{Locale: c.Locale, Field: c.Field, Path: c.Path(), Current: was, Folder: now, Skipped: c.Skipped, Resource: scopeNames[c.Scope]})
		}
		return f.WriteJSON(out)
	}
	t := f.NewTable("LOCALE", "FIELD", "APP STORE CONNECT", "FOLDER", "NOTE")
	for _, c := range changes {
		locale := c.Locale
		if locale == "" {
			locale = "-"
		}
		was, now := c.Shown()
		t.AddRow(locale, c.Field, short(was), short(now), c.Skipped)
	}
	return t.Render()
}

func short(s string) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if r := []rune(s); len(r) > 48 {
		return string(r[:47]) + "…"
	}
	if s == "" {
		return "(empty)"
	}
	return s
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	t, err := opts.Target.Target(f, opts.Dir)
	if err != nil {
		return err
	}
	local, err := metadata.Load(opts.Dir)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	c, err := f.Client(ctx)
	if err != nil {
		return err
	}
	st, err := metadata.Fetch(ctx, c, t)
	if err != nil {
		return fmt.Errorf("read metadata: %w", err)
	}
	p := metadata.NewPlan(local, st, t.Live)
	if err := Render(f, p.Changes); err != nil {
		return err
	}
	for _, pr := range p.Problems {
		fmt.Fprintf(f.IO.ErrOut, "cannot push: %s\n", pr)
	}
	if !f.JSONRequested() {
		verb := "differ"
		if len(p.Changes) == 1 {
			verb = "differs"
		}
		fmt.Fprintf(f.IO.ErrOut, "%s %s from version %s; push would send %s\n", Plural(len(p.Changes), "field"), verb, st.VersionString, Plural(len(p.Writes), "request"))
	}
	return nil
}

// Plural renders "1 change", "2 changes".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
