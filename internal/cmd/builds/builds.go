// Package builds groups the commands about builds.
package builds

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/builds/upload"
)

// NewCmd returns `ascend builds`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "builds <command>",
		Short: "Upload builds and wait for their processing",
	}
	cmd.AddCommand(upload.NewCmd(f, nil))
	return cmd
}
