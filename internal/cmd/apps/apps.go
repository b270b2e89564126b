// Package apps implements `ascend apps list|get`, adapters over workflow/apps.
package apps

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	wfapps "github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// NewCmd returns `ascend apps`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apps <command>",
		Short: "List and show apps",
	}
	cmd.AddCommand(newListCmd(f), newGetCmd(f))
	return cmd
}

// tableFields are the attributes a table shows; asking for only these keeps answers small.
var tableFields = []string{"name", "bundleId", "sku", "primaryLocale"}

func newListCmd(f *cli.Factory) *cobra.Command {
	var filter wfapps.Filter
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List apps",
		Long: `List the apps the key can see: one page (up to --limit) by default, every page with
--all. Filters take comma-separated values.`,
		Example: `  ascend apps list
  ascend apps list --bundle-id com.example.app,com.example.other
  ascend apps list --all --json --jq '.[].attributes.bundleId'`,
		Aliases: []string{"ls"},
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if filter.Limit < 1 || filter.Limit > wfapps.MaxLimit {
				return cli.UsageErrorf("--limit %d is out of range: use 1 to %d", filter.Limit, wfapps.MaxLimit)
			}
			for i, p := range filter.Platforms {
				filter.Platforms[i] = strings.ToUpper(strings.TrimSpace(p))
				if !apple.IsPlatform(filter.Platforms[i]) {
					return cli.UsageErrorf("--platform %q is not a platform: use one of %s", p, strings.Join(apple.Platforms(), ", "))
				}
			}
			if err := checkJQ(f); err != nil {
				return err
			}
			if !f.JSONRequested() {
				filter.Fields = tableFields
			}
			ctx := cmd.Context()
			c, err := f.Client(ctx)
			if err != nil {
				return err
			}
			list, more, err := wfapps.List(ctx, c, filter)
			if err != nil {
				return err
			}
			if err := render(f, list, true); err != nil {
				return err
			}
			if f.IO.ErrTTY && !f.JSONRequested() {
				switch {
				case len(list) == 0:
					fmt.Fprintln(f.IO.ErrOut, "no apps match")
				case more:
					fmt.Fprintf(f.IO.ErrOut, "showing the first %s; pass --all for every page\n", cli.Plural(len(list), "app"))
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&filter.BundleIDs, "bundle-id", nil, "only apps with these bundle `ids`")
	fl.StringSliceVar(&filter.Names, "name", nil, "only apps with these `names`")
	fl.StringSliceVar(&filter.SKUs, "sku", nil, "only apps with these `SKUs`")
	fl.StringSliceVar(&filter.Platforms, "platform", nil, "only apps with a version on `platform`: "+strings.Join(apple.Platforms(), ", "))
	fl.IntVarP(&filter.Limit, "limit", "L", wfapps.MaxLimit, fmt.Sprintf("apps per page (1-%d)", wfapps.MaxLimit))
	fl.BoolVar(&filter.All, "all", false, "list every page")
	return cmd
}

func newGetCmd(f *cli.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "get <id | bundle-id>",
		Short: "Show one app by id or bundle id",
		Long: `Show one app. A numeric argument is the app's id (as App Store Connect shows it);
anything else is its bundle id.

On a terminal it shows a detail view: the app's attributes and its App Store versions with
their state and build (one request more). In a pipe it prints the row 'apps list' prints
(id, name, bundle id, SKU, primary locale, tab-separated); --json prints Apple's resource.`,
		Example: `  ascend apps get 1234567890
  ascend apps get com.example.app --json`,
		Aliases: []string{"view"},
		Args:    cli.ExactArgs(1, "ascend apps get <id | bundle-id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "" {
				return cli.UsageErrorf("apps get needs an app id or bundle id")
			}
			if err := checkJQ(f); err != nil {
				return err
			}
			var fields []string
			if !f.JSONRequested() && !f.IO.OutTTY {
				fields = tableFields
			}
			ctx := cmd.Context()
			c, err := f.Client(ctx)
			if err != nil {
				return err
			}
			app, err := wfapps.Get(ctx, c, args[0], fields)
			if err != nil {
				return err
			}
			if f.JSONRequested() || !f.IO.OutTTY {
				return render(f, []asc.App{*app}, false)
			}
			vs, err := versions.List(ctx, c, versions.Query{App: app.ID})
			if err != nil {
				return err
			}
			return renderDetail(f, app, vs)
		},
	}
}

// checkJQ refuses a --jq expression that does not compile, before any request.
func checkJQ(f *cli.Factory) error {
	if f.Flags.JQ == "" {
		return nil
	}
	_, err := cli.CompileJQ(f.Flags.JQ)
	return err
}

// render prints apps: as JSON when asked (an array for a list, else the one object),
// otherwise as a table.
func render(f *cli.Factory, list []asc.App, many bool) error {
	if f.JSONRequested() {
		if !many && len(list) == 1 {
			return f.WriteJSON(list[0])
		}
		return f.WriteJSON(list)
	}
	t := f.NewTable("ID", "NAME", "BUNDLE ID", "SKU", "PRIMARY LOCALE")
	for _, app := range list {
		a := app.Attributes
		if a == nil {
			a = &asc.AppAttributes{}
		}
		t.AddRow(app.ID, a.Name, a.BundleID, a.SKU, a.PrimaryLocale)
	}
	return t.Render()
}

// renderDetail is the terminal's view of one app: its name, its attributes one a line, and its
// App Store versions newest first.
func renderDetail(f *cli.Factory, app *asc.App, vs []versions.Version) error {
	a := app.Attributes
	if a == nil {
		a = &asc.AppAttributes{}
	}
	cs := f.IO.ColorScheme()
	var b strings.Builder
	b.WriteString(cs.Bold(cli.CleanCell(a.Name)) + "\n")
	yesNo := func(p *bool) string {
		switch {
		case p == nil:
			return ""
		case *p:
			return "yes"
		}
		return "no"
	}
	for _, kv := range [][2]string{
		{"id", app.ID},
		{"bundle id", a.BundleID},
		{"sku", a.SKU},
		{"primary locale", a.PrimaryLocale},
		{"content rights", string(a.ContentRightsDeclaration)},
		{"made for kids", yesNo(a.IsOrEverWasMadeForKids)},
		{"accessibility URL", a.AccessibilityURL},
		{"subscription status URL", a.SubscriptionStatusURL},
	} {
		if kv[1] != "" {
			fmt.Fprintf(&b, "%s %s\n", cs.Gray(fmt.Sprintf("%-24s", kv[0]+":")), cli.CleanCell(kv[1]))
		}
	}
	b.WriteString("\n")
	if len(vs) == 0 {
		b.WriteString("no App Store versions yet; create one with 'ascend versions create'\n")
		_, err := io.WriteString(f.IO.Out, b.String())
		return err
	}
	fmt.Fprintf(&b, "%s\n", cs.Bold(cli.Plural(len(vs), "App Store version")))
	if _, err := io.WriteString(f.IO.Out, b.String()); err != nil {
		return err
	}
	t := f.NewTable("PLATFORM", "VERSION", "STATE", "BUILD", "RELEASE")
	for _, v := range vs {
		t.AddRow(v.Platform, v.Version, v.State, v.BuildNumber, v.ReleaseType)
	}
	return t.Render()
}
