// Package screenshots implements `ascend screenshots sync`, an adapter over
// workflow/screenshots.
package screenshots

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
)

// NewCmd returns `ascend screenshots`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "screenshots <command>",
		Short: "Keep App Store screenshots in fastlane deliver's folder layout",
	}
	cmd.AddCommand(newSyncCmd(f))
	return cmd
}
