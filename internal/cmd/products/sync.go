package products

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/products"
)

func newPullCmd(f *cli.Factory) *cobra.Command {
	var app cli.AppFlag
	var file string
	cmd := &cobra.Command{
		Use:   "pull",
		Short: "Write the catalog file from App Store Connect",
		Long: `Read the app's in-app purchases, subscription groups and subscriptions, with their
localizations, availability and prices, and write them to the catalog file. A file that
already matches is not touched; its "$schema" and each subscription's base territory are kept.`,
		Example: `  ascend products pull --app com.example.app --file products.json`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			id, c, err := app.Resolve(ctx, f)
			if err != nil {
				return err
			}
			res, err := products.Pull(ctx, c, id, file)
			if err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(res.Catalog)
			}
			verb := "wrote"
			if !res.Wrote {
				verb = "already up to date:"
			}
			fmt.Fprintf(f.IO.ErrOut, "%s %s: %s, %s (%s)\n", verb, file,
				plural(len(res.Catalog.InAppPurchases), "in-app purchase"), plural(len(res.Catalog.Subscriptions()), "subscription"), plural(res.Requests, "request"))
			return nil
		},
	}
	app.Add(cmd)
	fileFlag(cmd, &file)
	return cmd
}

// renderChanges prints a plan's changes as a table, or JSON.
func renderChanges(f *cli.Factory, changes []products.Change) error {
	if f.JSONRequested() {
		out := []map[string]string{}
		for _, c := range changes {
			out = append(out, map[string]string{"product": c.Product, "field": c.Field, "current": c.Old, "file": c.New})
		}
		return f.WriteJSON(out)
	}
	t := f.NewTable("PRODUCT", "FIELD", "APP STORE CONNECT", "FILE")
	for _, c := range changes {
		t.AddRow(c.Product, c.Field, short(c.Old), short(c.New))
	}
	return t.Render()
}

func short(s string) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if r := []rune(s); len(r) > 48 {
		return string(r[:47]) + "…"
	}
	if s == "" {
		return "(none)"
	}
	return s
}

func newDiffCmd(f *cli.Factory) *cobra.Command {
	var app cli.AppFlag
	var file string
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show how the catalog file differs from App Store Connect, field by field",
		Long: `Validate the catalog file, read the app's products and list every field that differs,
with App Store Connect's value and the file's; prices are checked against Apple's price
points. Nothing is written; the exit code is 0 with or without differences.`,
		Example: `  ascend products diff --app com.example.app --file products.json`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			id, c, err := app.Resolve(ctx, f)
			if err != nil {
				return err
			}
			p, _, _, err := products.Prepare(ctx, c, id, file)
			if err != nil {
				return err
			}
			if err := renderChanges(f, p.Changes); err != nil {
				return err
			}
			return reportPlan(f, p)
		},
	}
	app.Add(cmd)
	fileFlag(cmd, &file)
	return cmd
}

// reportPlan prints a plan's problems and left-alone products on stderr; problems fail.
func reportPlan(f *cli.Factory, p *products.Plan) error {
	if len(p.Unmanaged) > 0 {
		fmt.Fprintf(f.IO.ErrOut, "left alone (on App Store Connect, not in the file): %s\n", strings.Join(p.Unmanaged, ", "))
	}
	if len(p.Problems) > 0 {
		return &products.ValidationError{Dir: "the plan", Problems: p.Problems}
	}
	if len(p.Changes) == 0 && !f.JSONRequested() {
		fmt.Fprintln(f.IO.ErrOut, "App Store Connect matches the file")
	}
	return nil
}

func newPushCmd(f *cli.Factory) *cobra.Command {
	var app cli.AppFlag
	var file string
	var dryRun, yes, submit bool
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Make App Store Connect's products match the catalog file",
		Long: `Validate the catalog file (every problem is listed, nothing is written), read the app's
products, resolve prices to Apple's price points, then write only what changed, in the
order Apple requires (a product before its localizations, availability and prices; a group
before its subscriptions), several writes at a time. A failed create is read back before it
is sent again, so a push that stopped part way converges when run again; a second push
after a successful one sends no writes. With --submit, the file's products that are then
ready for review are submitted, each on its own.`,
		Example: `  ascend products push --app com.example.app --file products.json --dry-run
  ascend products push --app com.example.app --file products.json --yes --submit`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			// Validate before credentials or requests: a bad file costs nothing.
			if _, err := products.Load(file, products.ValidateOptions{Dir: dirOf(file)}); err != nil {
				return err
			}
			id, c, err := app.Resolve(ctx, f)
			if err != nil {
				return err
			}
			p, st, res, err := products.Prepare(ctx, c, id, file)
			if err != nil {
				return err
			}
			if !f.JSONRequested() || dryRun {
				if err := renderChanges(f, p.Changes); err != nil {
					return err
				}
			}
			if err := reportPlan(f, p); err != nil {
				return err
			}
			doSubmit := func() error {
				if !submit || dryRun {
					return nil
				}
				cat, err := products.Load(file, products.ValidateOptions{Dir: dirOf(file)})
				if err != nil {
					return err
				}
				res, err := products.Submit(ctx, c, id, cat)
				if res != nil && !f.JSONRequested() {
					fmt.Fprintf(f.IO.ErrOut, "submitted for review: %s\n", plural(len(res.Submitted), "product"))
					for _, k := range slices.Sorted(maps.Keys(res.Skipped)) {
						fmt.Fprintf(f.IO.ErrOut, "  not submitted: %s (%s)\n", k, res.Skipped[k])
					}
				}
				return err
			}
			if len(p.Ops) == 0 {
				if f.JSONRequested() {
					if err := f.WriteJSON(pushResult{Requests: st.Requests + p.Requests}); err != nil {
						return err
					}
				}
				return doSubmit()
			}
			if dryRun {
				fmt.Fprintf(f.IO.ErrOut, "dry run: %s in %s would be pushed\n", plural(len(p.Changes), "change"), plural(len(p.Ops), "write"))
				return nil
			}
			if err := f.ConfirmDestructive(yes, fmt.Sprintf("push %s in %s to app %s", plural(len(p.Changes), "change"), plural(len(p.Ops), "write"), id)); err != nil {
				return err
			}
			r, err := products.Apply(ctx, c, id, p, res, products.ApplyOptions{})
			total := r.Requests + st.Requests + p.Requests
			if f.JSONRequested() {
				if jerr := f.WriteJSON(pushResult{Requests: total, Writes: r.Ops}); jerr != nil {
					return jerr
				}
			}
			if err != nil {
				return fmt.Errorf("push stopped part way (run push again to finish): %w", err)
			}
			if !f.JSONRequested() {
				fmt.Fprintf(f.IO.ErrOut, "pushed %s: %s, %s in all\n", plural(len(p.Changes), "change"), plural(r.Ops, "write"), plural(total, "request"))
			}
			return doSubmit()
		},
	}
	app.Add(cmd)
	fileFlag(cmd, &file)
	cmd.Flags().BoolVar(&submit, "submit", false, "then submit the file's products that are ready for review")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change and write nothing")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "push without asking")
	return cmd
}

// pushResult is what push prints with --json: the requests it made and the writes among them.
type pushResult struct {
	Requests int `json:"requests"`
	Writes   int `json:"writes"`
}
