// Package get implements `ascend apps get`.
package get

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/apps/shared"
)

// Options are the command's flags and dependencies.
type Options struct {
	F   *cli.Factory
	Arg string
}

// NewCmd returns `ascend apps get`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	return &cobra.Command{
		Use:   "get <id | bundle-id>",
		Short: "Show one app by id or bundle id",
		Long: `Show one app. A numeric argument is the app's id (as App Store Connect shows it);
anything else is its bundle id.`,
		Example: `  ascend apps get 1234567890
  ascend apps get com.example.app --json`,
		Aliases: []string{"view"},
		Args:    cli.ExactArgs(1, "ascend apps get <id | bundle-id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Arg = args[0]
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
}

// IsAppID reports whether s is an app id: all digits.
func IsAppID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	if opts.Arg == "" {
		return cli.UsageErrorf("apps get needs an app id or bundle id")
	}
	if f.Flags.JQ != "" {
		if _, err := cli.CompileJQ(f.Flags.JQ); err != nil {
			return err
		}
	}
	ctx := cmd.Context()
	client, err := f.Client(ctx)
	if err != nil {
		return err
	}
	fields := url.Values{}
	if !f.JSONRequested() {
		fields.Set("fields[apps]", shared.TableFields)
	}
	var item json.RawMessage
	if IsAppID(opts.Arg) {
		var doc asc.Document[json.RawMessage]
		_, err := client.Do(ctx, http.MethodGet, "/v1/apps/"+opts.Arg, fields, nil, &doc)
		var apiErr *asc.ErrorResponse
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusNotFound {
			return fmt.Errorf("app %s not found: check the id with 'ascend apps list'", opts.Arg)
		}
		if err != nil {
			return fmt.Errorf("get app %s: %w", opts.Arg, err)
		}
		item = doc.Data
	} else {
		var doc asc.ListDocument[json.RawMessage]
		// Apple does not document filter[bundleId] as an exact match, so ask for a full page
		// and keep only the app whose bundle id is the one asked for.
		q := url.Values{"filter[bundleId]": {opts.Arg}, "limit": {"200"}}
		if v := fields.Get("fields[apps]"); v != "" {
			q.Set("fields[apps]", v)
		}
		if _, err := client.Do(ctx, http.MethodGet, "/v1/apps", q, nil, &doc); err != nil {
			return fmt.Errorf("find app with bundle id %s: %w", opts.Arg, err)
		}
		item = withBundleID(doc.Data, opts.Arg)
		if item == nil {
			return fmt.Errorf("no app with bundle id %s: check it with 'ascend apps list'", opts.Arg)
		}
	}
	return shared.Render(f, []json.RawMessage{item}, false)
}

// withBundleID returns the app among items whose bundle id is exactly bundleID, or nil.
func withBundleID(items []json.RawMessage, bundleID string) json.RawMessage {
	for _, raw := range items {
		var app struct {
			Attributes struct {
				BundleID string `json:"bundleId"`
			} `json:"attributes"`
		}
		if json.Unmarshal(raw, &app) == nil && app.Attributes.BundleID == bundleID {
			return raw
		}
	}
	return nil
}
