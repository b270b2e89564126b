// Package screenshots groups `ascend screenshots sync`.
package screenshots

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/screenshots/sync"
)

// NewCmd returns `ascend screenshots`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "screenshots <command>",
		Short: "Keep App Store screenshots in fastlane deliver's folder layout",
	}
	cmd.AddCommand(sync.NewCmd(f, nil))
	return cmd
}
