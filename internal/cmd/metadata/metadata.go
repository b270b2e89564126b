// Package metadata implements `ascend metadata pull|diff|push|validate`, adapters over
// workflow/metadata (and workflow/screenshots for validate's media folders).
package metadata

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	wfmetadata "github.com/ascend-tools/ascend/workflow/metadata"
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
	cmd.AddCommand(newPullCmd(f), newDiffCmd(f), newPushCmd(f), newValidateCmd(f))
	return cmd
}

// targetFlags are --app, --platform, --version and --edit-live, with --dir's folder.
type targetFlags struct {
	target wfmetadata.Target
	dir    string
}

func (tf *targetFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&tf.target.App, "app", "", "the app's `ID` or bundle id (default: app_identifier in fastlane's Appfile, or $ASCEND_APP)")
	fl.StringVar(&tf.target.Platform, "platform", apple.DefaultPlatform, "`platform` of the version: "+strings.Join(apple.Platforms(), ", "))
	fl.StringVar(&tf.target.Version, "version", "", "version `string` (default: the version being prepared)")
	fl.BoolVar(&tf.target.Live, "edit-live", false, "work on the live version, where Apple lets you change only the promotional text")
	fl.StringVar(&tf.dir, "dir", "fastlane/metadata", "the deliver metadata `folder`")
}

// resolve completes the target from $ASCEND_APP or the Appfile and checks it.
func (tf *targetFlags) resolve(f *cli.Factory) (wfmetadata.Target, error) {
	env := ""
	if f.Getenv != nil {
		env = f.Getenv("ASCEND_APP")
	}
	t, err := tf.target.WithDefaults(tf.dir, env)
	if err != nil {
		return t, cli.UsageErrorf("%v", err)
	}
	return t, nil
}

// open resolves the target, with validate checks the folder before credentials or requests
// (a bad folder costs nothing), and returns the client.
func (tf *targetFlags) open(cmd *cobra.Command, f *cli.Factory, validate bool) (wfmetadata.Target, *asc.Client, error) {
	t, err := tf.resolve(f)
	if err != nil {
		return t, nil, err
	}
	if validate {
		if _, err := wfmetadata.Load(tf.dir); err != nil {
			return t, nil, err
		}
	}
	c, err := f.Client(cmd.Context())
	return t, c, err
}

// plural renders "1 change", "2 changes".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
