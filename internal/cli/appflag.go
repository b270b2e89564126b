package cli

import "github.com/spf13/cobra"

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
