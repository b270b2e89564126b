// Package shared holds what the metadata and screenshots commands have in common: the
// target flags and the app fallback from fastlane's Appfile.
package shared

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// TargetFlags are --app, --platform, --version and --edit-live.
type TargetFlags struct {
	App      string
	Platform string
	Version  string
	Live     bool
}

// Add binds the flags to cmd.
func (t *TargetFlags) Add(cmd *cobra.Command, live bool) {
	fl := cmd.Flags()
	fl.StringVar(&t.App, "app", "", "the app's `ID` or bundle id (default: app_identifier in fastlane's Appfile, or $ASCEND_APP)")
	fl.StringVar(&t.Platform, "platform", apple.DefaultPlatform, "`platform` of the version: "+strings.Join(apple.Platforms(), ", "))
	fl.StringVar(&t.Version, "version", "", "version `string` (default: the version being prepared)")
	if live {
		fl.BoolVar(&t.Live, "edit-live", false, "work on the live version, where Apple lets you change only the promotional text")
	}
}

// Target checks the flags and returns the workflow target. dir is the folder the command
// works on; an Appfile next to it (fastlane/Appfile for fastlane/metadata) names the app when
// --app is not given.
func (t *TargetFlags) Target(f *cli.Factory, dir string) (metadata.Target, error) {
	p := strings.ToUpper(t.Platform)
	if !apple.IsPlatform(p) {
		return metadata.Target{}, cli.UsageErrorf("--platform %q is not a platform: use one of %s", t.Platform, strings.Join(apple.Platforms(), ", "))
	}
	if t.Live && t.Version != "" {
		return metadata.Target{}, cli.UsageErrorf("--edit-live and --version both choose the version: pass one of them")
	}
	app := t.App
	if app == "" && f.Getenv != nil {
		app = f.Getenv("ASCEND_APP")
	}
	if app == "" {
		app = AppFromAppfile(dir)
	}
	if app == "" {
		return metadata.Target{}, cli.UsageErrorf("no app given: pass --app with the app's id or bundle id")
	}
	return metadata.Target{App: app, Platform: p, Version: t.Version, Live: t.Live}, nil
}

var appIdentifier = regexp.MustCompile(`(?m)^\s*app_identifier\s*\(?\s*["']([^"']+)["']`)

// AppFromAppfile reads app_identifier from the Appfile of the fastlane folder that holds dir,
// or "" when there is none.
func AppFromAppfile(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for _, candidate := range []string{filepath.Join(filepath.Dir(abs), "Appfile"), filepath.Join(abs, "fastlane", "Appfile")} {
		b, err := os.ReadFile(candidate)
		if err != nil {
			continue
		}
		if m := appIdentifier.FindSubmatch(b); m != nil {
			return string(m[1])
		}
	}
	return ""
}
