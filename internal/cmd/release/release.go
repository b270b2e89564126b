// Package release implements `ascend release` (release an approved version) and
// `ascend phased-release start|pause|resume|complete|status`, thin adapters over
// workflow/release. They share the flags that name the version.
package release

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/release"
)

type targetFlags struct{ app, platform, version string }

func (t *targetFlags) add(cmd *cobra.Command, versionHelp string) {
	fl := cmd.Flags()
	fl.StringVar(&t.app, "app", "", "the app's `id or bundle id`")
	fl.StringVar(&t.platform, "platform", "", strings.Join(apple.Platforms(), ", "))
	fl.StringVar(&t.version, "version", "", versionHelp)
}

func (t *targetFlags) target() (release.Target, error) {
	if t.app == "" {
		return release.Target{}, cli.UsageErrorf("--app is required")
	}
	p := strings.ToUpper(t.platform)
	if p != "" && !apple.IsPlatform(p) {
		return release.Target{}, cli.UsageErrorf("--platform %s is not one of %s", t.platform, strings.Join(apple.Platforms(), ", "))
	}
	return release.Target{App: t.app, Platform: asc.Platform(p), Version: t.version}, nil
}

// client checks the flags, then makes the client.
func (t *targetFlags) client(cmd *cobra.Command, f *cli.Factory) (release.Target, *asc.Client, error) {
	target, err := t.target()
	if err != nil {
		return target, nil, err
	}
	c, err := f.Client(cmd.Context())
	return target, c, err
}

// NewCmd returns `ascend release`.
func NewCmd(f *cli.Factory) *cobra.Command {
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "release --app A [--version V] [--platform P]",
		Short: "Release an approved version that waits for you (release type manual) to the App Store",
		Long: `Release an approved App Store version that is pending developer release.

A version already released is left as it is, so running the command again changes nothing.
With a phased release set up (ascend phased-release start), the release starts on day 1.`,
		Example: `  ascend release --app com.example.app
  ascend release --app com.example.app --version 2.4.0 --json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, c, err := tf.client(cmd, f)
			if err != nil {
				return err
			}
			res, err := release.Release(cmd.Context(), c, t)
			if err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(res)
			}
			what := "released"
			if !res.Released {
				what = "already released"
			}
			fmt.Fprintf(f.IO.Out, "version %s (%s): %s, %s\n", res.Version.Version, res.Version.Platform, what, res.Version.State)
			return nil
		},
	}
	tf.add(cmd, "the version string (default: the one pending developer release)")
	return cmd
}

// NewPhasedCmd returns `ascend phased-release`.
func NewPhasedCmd(f *cli.Factory) *cobra.Command {
	var tf targetFlags
	cmd := &cobra.Command{
		Use:   "phased-release start|pause|resume|complete|status --app A [--version V] [--platform P]",
		Short: "Release an update over 7 days (1% of users on day 1 to 100% on day 7): start, pause, resume, complete",
		Long: fmt.Sprintf(`Control a version's phased release.

  start     set it up for a version not yet released; it begins when the version is released
  pause     hold it at its day (at most %d days in all; then Apple resumes it)
  resume    continue a paused release
  complete  release to every user now
  status    show where it stands (the default)

Share of users with automatic updates by day: %s.
Each action reads first and writes only when needed: running it again changes nothing.
Without --version, start picks the version not yet released and the others the live one.`,
			apple.PhasedReleaseMaxPauseDays, shares()),
		Example: `  ascend phased-release start --app com.example.app
  ascend phased-release pause --app com.example.app
  ascend phased-release --app com.example.app --json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return cli.UsageErrorf("phased-release takes one action (%s), not %d", strings.Join(release.PhasedActionNames(), ", "), len(args))
			}
			return nil
		},
		ValidArgs: release.PhasedActionNames(),
		RunE: func(cmd *cobra.Command, args []string) error {
			action := release.PhasedStatus
			if len(args) == 1 {
				a, err := release.ParsePhasedAction(args[0])
				if err != nil {
					return cli.UsageErrorf("%v", err)
				}
				action = a
			}
			t, c, err := tf.client(cmd, f)
			if err != nil {
				return err
			}
			res, err := release.PhasedControl(cmd.Context(), c, release.PhasedRequest{Target: t, Action: action})
			if err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(res)
			}
			what := ""
			switch {
			case action == release.PhasedStatus:
			case res.Changed:
				what = " (" + map[release.PhasedAction]string{release.PhasedStart: "set up", release.PhasedPause: "paused",
					release.PhasedResume: "resumed", release.PhasedComplete: "completed"}[action] + ")"
			default:
				what = " (unchanged)"
			}
			fmt.Fprintf(f.IO.Out, "version %s (%s) phased release: %s%s\n", res.Version.Version, res.Version.Platform, res.Phase, what)
			return nil
		},
	}
	tf.add(cmd, "the version string (default: see above)")
	return cmd
}

func shares() string {
	var parts []string
	for i, s := range apple.PhasedReleaseShares() {
		parts = append(parts, fmt.Sprintf("day %d %d%%", i+1, s))
	}
	return strings.Join(parts, ", ")
}
