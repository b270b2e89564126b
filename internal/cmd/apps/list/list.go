// Package list implements `ascend apps list`.
package list

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/apps/shared"
)

// MaxLimit is the largest page Apple serves for apps.
const MaxLimit = 200

// Options are the command's flags and dependencies.
type Options struct {
	F        *cli.Factory
	BundleID []string
	Name     []string
	SKU      []string
	Platform []string
	Limit    int
	All      bool
}

// NewCmd returns `ascend apps list`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
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
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&opts.BundleID, "bundle-id", nil, "only apps with these bundle `ids`")
	fl.StringSliceVar(&opts.Name, "name", nil, "only apps with these `names`")
	fl.StringSliceVar(&opts.SKU, "sku", nil, "only apps with these `SKUs`")
	fl.StringSliceVar(&opts.Platform, "platform", nil, "only apps with a version on `platform`: "+strings.Join(apple.Platforms(), ", "))
	fl.IntVarP(&opts.Limit, "limit", "L", MaxLimit, "apps per page (1-200)")
	fl.BoolVar(&opts.All, "all", false, "follow every page")
	return cmd
}

// Query builds the request's query from the options, refusing what Apple would refuse.
func Query(opts *Options) (url.Values, error) {
	if opts.Limit < 1 || opts.Limit > MaxLimit {
		return nil, cli.UsageErrorf("--limit %d is out of range: use 1 to %d", opts.Limit, MaxLimit)
	}
	q := url.Values{"limit": {strconv.Itoa(opts.Limit)}}
	add := func(name string, vals []string) {
		if len(vals) > 0 {
			q.Set(name, strings.Join(vals, ","))
		}
	}
	add("filter[bundleId]", opts.BundleID)
	add("filter[name]", opts.Name)
	add("filter[sku]", opts.SKU)
	var plats []string
	for _, p := range opts.Platform {
		up := strings.ToUpper(strings.TrimSpace(p))
		if !apple.IsPlatform(up) {
			return nil, cli.UsageErrorf("--platform %q is not a platform: use one of %s", p, strings.Join(apple.Platforms(), ", "))
		}
		plats = append(plats, up)
	}
	add("filter[appStoreVersions.platform]", plats)
	return q, nil
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	q, err := Query(opts)
	if err != nil {
		return err
	}
	if f.Flags.JQ != "" {
		if _, err := cli.CompileJQ(f.Flags.JQ); err != nil {
			return err
		}
	}
	if !f.JSONRequested() {
		q.Set("fields[apps]", shared.TableFields)
	}
	ctx := cmd.Context()
	client, err := f.Client(ctx)
	if err != nil {
		return err
	}
	items := []json.RawMessage{}
	more := false
	for page, err := range asc.Pages(ctx, client, "/v1/apps", q) {
		if err != nil {
			return fmt.Errorf("list apps: %w", err)
		}
		items = append(items, page.Data...)
		if !opts.All {
			more = page.Links.Next != ""
			break
		}
	}
	if err := shared.Render(f, items, true); err != nil {
		return err
	}
	if len(items) == 0 && f.IO.ErrTTY && !f.JSONRequested() {
		fmt.Fprintln(f.IO.ErrOut, "no apps match")
	}
	if more && f.IO.ErrTTY && !f.JSONRequested() {
		fmt.Fprintf(f.IO.ErrOut, "showing the first %d apps; pass --all for every page\n", len(items))
	}
	return nil
}
