// Package metadata groups `ascend metadata pull|diff|push`.
package metadata

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/metadata/diff"
	"github.com/ascend-tools/ascend/internal/cmd/metadata/pull"
	"github.com/ascend-tools/ascend/internal/cmd/metadata/push"
	"github.com/ascend-tools/ascend/internal/cmd/metadata/validate"
)

// NewCmd returns `ascend metadata`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "metadata <command>",
		Short: "Keep App Store metadata in fastlane deliver's folder layout",
		Long: `Keep an app's App Store metadata in git, in fastlane deliver's layout:
metadata/<locale>/{name,subtitle,description,keywords,...}.txt, default/ for values shared
by every locale, copyright.txt, the category files and review_information/.

pull writes what App Store Connect has; diff shows field-level changes; push validates
the folder against Apple's limits and writes only what changed; validate checks the folders
offline.`,
	}
	cmd.AddCommand(pull.NewCmd(f, nil), diff.NewCmd(f, nil), push.NewCmd(f, nil), validate.NewCmd(f, nil))
	return cmd
}
