// Package products implements `ascend products pull|diff|validate|push|schema`: an app's
// in-app purchases and subscriptions kept as a catalog file. Each subcommand is a thin adapter
// over one workflow/products call.
package products

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/products"
)

// NewCmd returns `ascend products`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "products <command>",
		Short: "Keep in-app purchases and subscriptions in a catalog file",
		Long: `Keep an app's in-app purchases, subscription groups, subscriptions, their prices in
every territory and their offers in one JSON file (products.json) in git.

pull writes the file from App Store Connect; diff shows field-level changes; validate
checks the file against Apple's rules (offline, or with --app also its prices against
Apple's price points); push writes only what changed, in the order Apple requires; schema
prints the file's JSON Schema for editors.`,
	}
	cmd.AddCommand(newPullCmd(f), newDiffCmd(f), newValidateCmd(f), newPushCmd(f), newSchemaCmd(f))
	return cmd
}

// fileFlag is the catalog file every subcommand takes.
func fileFlag(cmd *cobra.Command, file *string) {
	cmd.Flags().StringVar(file, "file", "products.json", "the catalog `file`")
}

func newSchemaCmd(f *cli.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "schema",
		Short: "Print the catalog file's JSON Schema",
		Long: `Print the JSON Schema (draft 2020-12) of products.json: Apple's limits, enumerations and
code formats, for editors and linters. Point the file at it with "$schema".`,
		Example: `  ascend products schema > products.schema.json`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := f.IO.Out.Write(products.Schema())
			return err
		},
	}
}

type validateOptions struct {
	f    *cli.Factory
	file string
	app  cli.AppFlag
}

func newValidateCmd(f *cli.Factory) *cobra.Command {
	opts := &validateOptions{f: f}
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the catalog file against Apple's rules",
		Long: `Check products.json against Apple's rules without credentials or requests: text limits,
product id syntax, types, periods and offer modes (as Apple's spec lists them), locale and
territory codes, prices, duplicate identifiers, group levels, start dates Apple refuses, review
screenshots. Every problem is listed; the exit code is 1 when there is any. With --app it
then reads App Store Connect (nothing is written) and also checks what needs it: every price
against Apple's price points, changes Apple does not allow (a product's type, a subscription
moved to another group, family sharing turned off).`,
		Example: `  ascend products validate --file products.json
  ascend products validate --file products.json --app com.example.app`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runValidate(cmd.Context(), opts)
		},
	}
	fileFlag(cmd, &opts.file)
	cmd.Flags().StringVar(&opts.app.App, "app", "", "also check against this app on App Store Connect (`ID` or bundle id)")
	return cmd
}

func runValidate(ctx context.Context, opts *validateOptions) error {
	f := opts.f
	_, err := products.Load(opts.file, products.ValidateOptions{Dir: dirOf(opts.file)})
	var ve *products.ValidationError
	if err != nil && !errors.As(err, &ve) {
		return err
	}
	var problems []products.Problem
	if ve != nil {
		problems = ve.Problems
	}
	if len(problems) == 0 && opts.app.App != "" {
		id, c, err := opts.app.Resolve(ctx, f)
		if err != nil {
			return err
		}
		p, _, _, err := products.Prepare(ctx, c, id, opts.file)
		if err != nil {
			return err
		}
		problems = p.Problems
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
		return cli.ProblemsFound(opts.file, len(problems))
	}
	if !f.JSONRequested() {
		fmt.Fprintf(f.IO.ErrOut, "%s: no problems found\n", opts.file)
	}
	return nil
}

// plural says "1 problem", "2 problems".
func plural(n int, noun string) string { return cli.Plural(n, noun) }

func dirOf(file string) string { return filepath.Dir(file) }
