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
	var opts connector.ExportOptions
	cmd := &cobra.Command{
		Use:   "export --host HOST --publisher NAME --contact-name NAME --contact-url URL --contact-email EMAIL --out DIR [--tags Apps,AppInfos]",
		Short: "Write a Power Platform custom connector for the gateway",
		Long: `Write apiDefinition.swagger.json (Swagger 2.0), apiProperties.json and readme.md into DIR: a
custom connector that Power Platform imports (for example with 'paconn create'), written to
Microsoft's certification rules. Connections ask for the gateway's host (the dynamic host
policy, so one connector serves every organisation's gateway; --host is the default shown)
and authenticate with a gateway client key (X-API-Key) instead of a pasted JWT.

It holds the seed connector's two operations under their old operationIds (List apps, Read
app information), the curated actions under /connector/v1/ and the "When an App Store Connect
event occurs" webhook trigger; --tags adds every operation of Apple's spec with those tags,
passed through the gateway. Every operation declares its answer's schema (flat objects for
reads), so flows get dynamic content. Power Platform refuses definitions over 1 MB: keep
--tags to what the flows need.`,
		Example: `  ascend connector export --host asc-gw.example.com --publisher "Example Labs" --contact-name "Mobile team" \
      --contact-url https://example.com/mobile --contact-email mobile@example.com --out ./connector
  ascend connector export --host asc-gw.example.com --tags Apps,AppInfos,Builds --publisher "Example Labs" \
      --contact-name "Mobile team" --contact-url https://example.com/mobile --contact-email mobile@example.com --out ./connector`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if host == "" || out == "" {
				return cli.UsageErrorf("--host and --out are required")
			}
			if opts.Publisher == "" || opts.ContactName == "" || opts.ContactURL == "" || opts.ContactEmail == "" {
				return cli.UsageErrorf("--publisher, --contact-name, --contact-url and --contact-email are required: Microsoft certifies connectors that name who publishes and supports them")
			}
			scheme := "https"
			if h, ok := strings.CutPrefix(host, "http://"); ok {
				host, scheme = h, "http"
			}
			host = strings.TrimSuffix(strings.TrimPrefix(host, "https://"), "/")
			if strings.Contains(host, "/") {
				return cli.UsageErrorf("--host %q must be a host name such as asc-gw.example.com, without a path", host)
			}
			opts.Host, opts.Tags, opts.Scheme = host, tags, scheme
			sw, err := connector.Swagger(opts)
			if err != nil {
				return cli.UsageErrorf("%v", err)
			}
			props, err := connector.APIProperties(opts)
			if err != nil {
				return cli.UsageErrorf("%v", err)
			}
			readme, err := connector.Readme(opts)
			if err != nil {
				return cli.UsageErrorf("%v", err)
			}
			if err := os.MkdirAll(out, 0o755); err != nil {
				return fmt.Errorf("create %s: %v", out, err)
			}
			files := []struct {
				name string
				data []byte
			}{{"apiDefinition.swagger.json", append(sw, '\n')}, {"apiProperties.json", append(props, '\n')}, {"readme.md", readme}}
			for _, file := range files {
				if err := os.WriteFile(filepath.Join(out, file.name), file.data, 0o644); err != nil {
					return fmt.Errorf("write %s: %v", file.name, err)
				}
			}
			if len(sw) > 1<<20 {
				fmt.Fprintf(f.IO.ErrOut, "warning: the definition is %d KB; Power Platform refuses definitions over 1 MB: export fewer --tags\n", len(sw)>>10)
			}
			// Said on stderr whatever stdout is: in a pipe or a CI log the files are the result.
			parts := make([]string, len(files))
			for i, file := range files {
				parts[i] = fmt.Sprintf("%s (%s)", file.name, kb(len(file.data)))
			}
			fmt.Fprintf(f.IO.ErrOut, "wrote %s into %s\n", strings.Join(parts, ", "), out)
			return nil
		},
	}
	cmd.Flags().StringVar(&host, "host", "", "the gateway's public `host` (and port)")
	cmd.Flags().StringVar(&out, "out", "", "`dir` to write the connector files into")
	cmd.Flags().StringSliceVar(&tags, "tags", nil, "also include every operation of these Apple spec `tags`")
	cmd.Flags().StringVar(&opts.Title, "title", "", "the connector's `name`, at most 30 characters (default \"ascend App Store Connect\")")
	cmd.Flags().StringVar(&opts.Publisher, "publisher", "", "who publishes the connector (`name`, apiProperties.json's publisher)")
	cmd.Flags().StringVar(&opts.StackOwner, "stack-owner", "", "who runs the service behind it (`name`; default: the publisher)")
	cmd.Flags().StringVar(&opts.ContactName, "contact-name", "", "the connector's support contact `name`")
	cmd.Flags().StringVar(&opts.ContactURL, "contact-url", "", "the support contact's https `URL`")
	cmd.Flags().StringVar(&opts.ContactEmail, "contact-email", "", "the support contact's `email`")
	return cmd
}

// kb renders a file size: "812 bytes", "14 KB".
func kb(n int) string {
	if n < 1024 {
		return cli.Plural(n, "byte")
	}
	return fmt.Sprintf("%d KB", (n+512)>>10)
}
