// Package testflight groups the TestFlight commands, as fastlane pilot users know them.
package testflight

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/testflight/distribute"
	"github.com/ascend-tools/ascend/internal/cmd/testflight/groups"
	"github.com/ascend-tools/ascend/internal/cmd/testflight/testers"
)

// NewCmd returns `ascend testflight`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "testflight <command>",
		Short: "Beta groups, testers and distributing builds to them",
	}
	cmd.AddCommand(groups.NewCmd(f), testers.NewCmd(f), distribute.NewCmd(f, nil))
	return cmd
}
