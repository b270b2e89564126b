package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
)

// AppFlag is the --app flag of commands that work on one app: an App Store Connect id or a
// bundle id, else $ASCEND_APP.
type AppFlag struct{ App string }

// Add binds --app to cmd.
func (a *AppFlag) Add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.App, "app", "", "the app's `ID` or bundle id (default: $ASCEND_APP)")
}

// Value is the app named by --app or $ASCEND_APP; neither is a usage error.
func (a *AppFlag) Value(f *Factory) (string, error) {
	app := a.App
	if app == "" && f.Getenv != nil {
		app = f.Getenv("ASCEND_APP")
	}
	if app == "" {
		return "", UsageErrorf("no app given: pass --app with the app's id or bundle id")
	}
	return app, nil
}

// Resolve is the app's id, through the one app resolver (no request for an id, one for a
// bundle id), with the client the command goes on with. No app given is a usage error
// before credentials are read.
func (a *AppFlag) Resolve(ctx context.Context, f *Factory) (string, *asc.Client, error) {
	app, err := a.Value(f)
	if err != nil {
		return "", nil, err
	}
	c, err := f.Client(ctx)
	if err != nil {
		return "", nil, err
	}
	found, _, err := apps.Resolve(ctx, c, app)
	if err != nil {
		return "", nil, err
	}
	return found.ID, c, nil
}
