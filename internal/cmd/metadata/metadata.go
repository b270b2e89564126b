// Package metadata implements `ascend metadata pull|diff|push|validate`, adapters over
// workflow/metadata (and workflow/screenshots for validate's media folders).
package metadata

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	wfmetadata "github.com/ascend-tools/ascend/workflow/metadata"
	wfscreenshots "github.com/ascend-tools/ascend/workflow/screenshots"
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

// targetFlags are --app, --platform, --version and --edit-live, with --dir's folder and
// --fastlane's project.
type targetFlags struct {
	target   wfmetadata.Target
	dir      string
	fastlane cli.FastlaneFlag
	// project is the fastlane project resolve found (nil: none).
	project *fastlane.Config
	// skip is the Deliverfile option that turns the command off (skip_metadata for push).
	skip string
	// headerDir is --app-clip-header-images, the App Clip header images folder ("": none);
	// headers is that folder, read and checked before any request (push).
	headerDir string
	headers   *wfscreenshots.HeaderImages
}

// folders names the folders a command works on: --dir, and the header images folder.
func (tf *targetFlags) folders() string {
	if tf.headerDir != "" {
		return tf.dir + " and " + tf.headerDir
	}
	return tf.dir
}

// addHeaderImages adds --app-clip-header-images (push, pull).
func (tf *targetFlags) addHeaderImages(cmd *cobra.Command, what string) {
	cmd.Flags().StringVar(&tf.headerDir, "app-clip-header-images", "", what+" the App Clip card's header images in this `folder` (<locale>/header.png, default/ for every language; one 1800x1200 PNG or JPEG each)")
}

// errSkipped ends a command that the Deliverfile's skip option turned off.
var errSkipped = errors.New("skipped by the Deliverfile")

func (tf *targetFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&tf.target.App, "app", "", "the app's `ID` or bundle id (default: $ASCEND_APP, or app_identifier in fastlane's Appfile or Deliverfile)")
	fl.StringVar(&tf.target.Platform, "platform", apple.DefaultPlatform, "`platform` of the version: "+strings.Join(apple.Platforms(), ", ")+" (default: the Deliverfile's)")
	fl.StringVar(&tf.target.Version, "version", "", "version `string` (default: the version being prepared)")
	fl.BoolVar(&tf.target.Live, "edit-live", false, "work on the live version, where Apple lets you change only the promotional text (default: the Deliverfile's edit_live)")
	fl.StringVar(&tf.dir, "dir", "fastlane/metadata", "the deliver metadata `folder` (default: the Deliverfile's metadata_path)")
	tf.fastlane.Add(cmd)
}

// resolve completes the target from $ASCEND_APP or the fastlane project and checks it;
// --dir, when not given, becomes the project's metadata_path.
func (tf *targetFlags) resolve(cmd *cobra.Command, f *cli.Factory) (wfmetadata.Target, error) {
	fl := cmd.Flags()
	project, err := tf.fastlane.Project(f, cmd, "dir")
	if err != nil {
		return tf.target, err
	}
	tf.project = project
	t := tf.target
	if t.App == "" && f.Getenv != nil {
		t.App = f.Getenv("ASCEND_APP")
	}
	if project != nil {
		if !fl.Changed("dir") {
			tf.dir = project.MetadataPath
		}
		if fl.Lookup("app-clip-header-images") != nil && !fl.Changed("app-clip-header-images") {
			tf.headerDir = project.AppClipHeaderImagesPath
		}
		if t.App == "" {
			t.App = tf.fastlane.App(f, project)
		}
		if t, err = t.FromProject(project, fl.Changed("platform"), fl.Changed("edit-live")); err != nil {
			return t, cli.UsageErrorf("%v", err)
		}
	}
	t, err = t.WithDefaults("")
	if err != nil {
		return t, cli.UsageErrorf("%v", err)
	}
	return t, nil
}

// skipped reports, and says on stderr, that the project's Deliverfile sets option
// (skip_metadata) and --dir does not override it.
func (tf *targetFlags) skipped(cmd *cobra.Command, f *cli.Factory, option string) bool {
	if tf.project == nil || !tf.project.Skip[option] || cmd.Flags().Changed("dir") {
		return false
	}
	fmt.Fprintf(f.IO.ErrOut, "%s sets %s: nothing done (pass --dir to work on the folder anyway)\n", tf.project.Where[option], option)
	return true
}

// forced reports, and says on stderr, that the project's Deliverfile sets force, which
// answers deliver's confirmation as --yes does.
func (tf *targetFlags) forced(f *cli.Factory) bool {
	return tf.fastlane.Forced(f, tf.project)
}

// open resolves the target, with validate checks the folder before credentials or requests
// (a bad folder costs nothing), and returns the client.
func (tf *targetFlags) open(cmd *cobra.Command, f *cli.Factory, validate bool) (wfmetadata.Target, *asc.Client, error) {
	t, err := tf.resolve(cmd, f)
	if err != nil {
		return t, nil, err
	}
	if tf.skip != "" && tf.skipped(cmd, f, tf.skip) {
		return t, nil, errSkipped
	}
	if validate {
		m, err := wfmetadata.LoadWith(tf.dir, t.Folders)
		if err != nil {
			return t, nil, err
		}
		for _, n := range m.Notes {
			fmt.Fprintf(f.IO.ErrOut, "note: %s\n", n)
		}
		if tf.headerDir != "" {
			if tf.headers, err = wfscreenshots.LoadHeaderImages(tf.headerDir, t.Folders); err != nil {
				return t, nil, err
			}
			for _, n := range tf.headers.Notes {
				fmt.Fprintf(f.IO.ErrOut, "note: %s: %s\n", tf.headerDir, n)
			}
		}
	}
	c, err := f.Client(cmd.Context())
	return t, c, err
}

// plural renders "1 change", "2 changes".
func plural(n int, noun string) string { return cli.Plural(n, noun) }
