// Package export implements `ascend connector export`.
package export

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/cli"
)

// NewCmd returns `ascend connector export`.
func NewCmd(f *cli.Factory) *cobra.Command {
	var host, out string
	var tags []string
	cmd := &cobra.Command{
		Use:   "export --host HOST --out DIR [--tags Apps,AppInfos]",
		Short: "Write a Power Platform custom connector for the gateway",
		Long: `Write apiDefinition.swagger.json (Swagger 2.0) and apiProperties.json into DIR: a custom
connector that Power Platform imports (for example with 'paconn create'). Connections
authenticate with a gateway client key (X-API-Key) instead of a pasted JWT.

It holds the seed connector's two operations under their old operationIds (List Apps, Read
App Information), the curated actions under /connector/v1/ and the "When an App Store Connect
event occurs" webhook trigger; --tags adds every operation of Apple's spec with those tags,
passed through the gateway.`,
		Example: `  ascend connector export --host asc-gw.example.com --out ./connector
  ascend connector export --host asc-gw.example.com --tags Apps,AppInfos,Builds --out ./connector`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if host == "" || out == "" {
				return cli.UsageErrorf("--host and --out are required")
			}
			scheme := "https"
			if h, ok := strings.CutPrefix(host, "http://"); ok {
				host, scheme = h, "http"
			}
			host = strings.TrimSuffix(strings.TrimPrefix(host, "https://"), "/")
			if strings.Contains(host, "/") {
				return cli.UsageErrorf("--host %q must be a host name such as asc-gw.example.com, without a path", host)
			}
			sw, err := connector.Swagger(connector.ExportOptions{Host: host, Tags: tags, Scheme: scheme})
			if err != nil {
				return cli.UsageErrorf("%v", err)
			}
			props, err := connector.APIProperties()
			if err != nil {
				return err
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("create %s: %v", out, err)
			}
			for name, data := range map[string][]byte{"apiDefinition.swagger.json": sw, "apiProperties.json": props} {
				if err := os.WriteFile(filepath.Join(out, name), append(data, '\n'), 0o644); err != nil {
					return fmt.Errorf("write %s: %v", name, err)
				}
			}
			if f.IO.ErrTTY {
				fmt.Fprintf(f.IO.ErrOut, "wrote %s and %s\n", filepath.Join(out, "apiDefinition.swagger.json"), filepath.Join(out, "apiProperties.json"))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "the gateway's public `host` (and port)")
	cmd.Flags().StringVar(&out, "out", "", "`dir` to write the connector files into")
	cmd.Flags().StringSliceVar(&tags, "tags", nil, "also include every operation of these Apple spec `tags`")
	return cmd
}
