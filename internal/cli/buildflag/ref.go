package buildflag

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// RefFlags name one build: an id argument, or --app with --version and --build-number.
type RefFlags struct {
	App, Version, BuildNumber, Platform string
}

// Add binds the flags to cmd.
func (r *RefFlags) Add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&r.App, "app", "", "the app's `id or bundle id`")
	fl.StringVar(&r.Version, "version", "", "the build's version (CFBundleShortVersionString)")
	fl.StringVar(&r.BuildNumber, "build-number", "", "the build number (CFBundleVersion)")
	fl.StringVar(&r.Platform, "platform", "", "IOS, MAC_OS, TV_OS or VISION_OS, when the app has several")
}

// Ref returns the build named by args (an id) or the flags.
func (r *RefFlags) Ref(args []string) (builds.Ref, error) {
	p, err := Platform(r.Platform)
	if err != nil {
		return builds.Ref{}, err
	}
	if len(args) == 1 {
		if r.App != "" || r.BuildNumber != "" || r.Version != "" {
			return builds.Ref{}, cli.UsageErrorf("name the build by its id or by --app/--version/--build-number, not both")
		}
		return builds.Ref{ID: args[0]}, nil
	}
	if r.App == "" || r.BuildNumber == "" {
		return builds.Ref{}, cli.UsageErrorf("name the build: its id, or --app and --build-number (with --version)")
	}
	return builds.Ref{App: r.App, Version: r.Version, BuildNumber: r.BuildNumber, Platform: p}, nil
}

// Platform checks a --platform value.
func Platform(s string) (asc.Platform, error) {
	if s == "" {
		return "", nil
	}
	p := strings.ToUpper(s)
	if apple.IsPlatform(p) {
		return asc.Platform(p), nil
	}
	return "", cli.UsageErrorf("--platform %s is not one of %s", s, strings.Join(apple.Platforms(), ", "))
}

// Table prints builds: a table, or Apple's resources with --json.
func Table(f *cli.Factory, list []builds.Build) error {
	if f.JSONRequested() {
		if list == nil {
			list = []builds.Build{}
		}
		return f.WriteJSON(list)
	}
	t := f.NewTable("ID", "VERSION", "BUILD", "PLATFORM", "STATE", "UPLOADED", "EXPIRED", "ENCRYPTION")
	for _, b := range list {
		uploaded := ""
		if !b.Uploaded().IsZero() {
			uploaded = f.FormatTime(b.Uploaded())
		}
		enc := ""
		if b.Attributes != nil && b.Attributes.UsesNonExemptEncryption != nil {
			enc = "exempt"
			if *b.Attributes.UsesNonExemptEncryption {
				enc = "non-exempt"
			}
		}
		exp := "no"
		if b.IsExpired() {
			exp = "yes"
		}
		t.AddRow(b.ID, b.Version, b.Number(), string(b.Platform), b.State(), uploaded, exp, enc)
	}
	return t.Render()
}
