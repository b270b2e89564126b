// Package auth groups the commands that manage App Store Connect credentials.
package auth

import (
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/auth/check"
	"github.com/ascend-tools/ascend/internal/cmd/auth/login"
	"github.com/ascend-tools/ascend/internal/cmd/auth/logout"
	"github.com/ascend-tools/ascend/internal/cmd/auth/status"
	"github.com/ascend-tools/ascend/internal/cmd/auth/token"
)

// NewCmd returns `ascend auth`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth <command>",
		Short: "Check, save and use App Store Connect API keys",
	}
	cmd.AddCommand(token.NewCmd(f, nil), check.NewCmd(f, nil), login.NewCmd(f, nil), logout.NewCmd(f, nil), status.NewCmd(f, nil))
	return cmd
}
