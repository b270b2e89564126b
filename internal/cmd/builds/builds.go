// Package builds groups the commands about builds.
package builds

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/builds/expire"
	"github.com/ascend-tools/ascend/internal/cmd/builds/get"
	"github.com/ascend-tools/ascend/internal/cmd/builds/list"
	"github.com/ascend-tools/ascend/internal/cmd/builds/update"
	"github.com/ascend-tools/ascend/internal/cmd/builds/upload"
	"github.com/ascend-tools/ascend/internal/cmd/builds/wait"
)

// NewCmd returns `ascend builds`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "builds <command>",
		Short: "Upload, list, wait for, expire builds and set their export compliance",
	}
	cmd.AddCommand(upload.NewCmd(f, nil), list.NewCmd(f, nil), get.NewCmd(f, nil), wait.NewCmd(f, nil),
		expire.NewCmd(f, nil), update.NewCmd(f, nil))
	return cmd
}
