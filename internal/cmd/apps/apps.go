// Package apps groups the commands about apps.
package apps

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/apps/get"
	"github.com/ascend-tools/ascend/internal/cmd/apps/list"
)

// NewCmd returns `ascend apps`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apps <command>",
		Short: "List and show apps",
	}
	cmd.AddCommand(list.NewCmd(f, nil), get.NewCmd(f, nil))
	return cmd
}
