// Package connector implements `ascend connector`: the gateway's client keys, audit log,
// webhooks at Apple and the Power Platform connector export. Every subcommand takes --db
// like `ascend serve` and works on the same database.
package connector

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/connector/audit"
	"github.com/ascend-tools/ascend/internal/cmd/connector/export"
	"github.com/ascend-tools/ascend/internal/cmd/connector/keys"
	"github.com/ascend-tools/ascend/internal/cmd/connector/subscriptions"
	"github.com/ascend-tools/ascend/internal/cmd/connector/webhooks"
)

// NewCmd returns `ascend connector`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "connector <command>",
		Short: "Manage the connector gateway: client keys, audit, webhooks, subscriptions, export",
		Long: `Manage what 'ascend serve' serves: client keys for flows and tools, the audit log of
writes, webhooks at Apple that feed the gateway's triggers, and the Power Platform connector
definition. Every subcommand takes --db (a SQLite file or a postgres:// URL) like
'ascend serve', and --profile names the gateway profile (default "default").`,
		Example: `  ascend connector keys create --name nightly-flow --access read --expires 90d
  ascend connector audit --since 24h
  ascend connector export --host asc-gw.example.com --publisher "Example Labs" --contact-name "Mobile team" \
      --contact-url https://example.com/mobile --contact-email mobile@example.com --out ./connector`,
		Args: cli.NoArgs,
	}
	cmd.AddCommand(keys.NewCmd(f), audit.NewCmd(f), webhooks.NewCmd(f), subscriptions.NewCmd(f), export.NewCmd(f))
	return cmd
}
