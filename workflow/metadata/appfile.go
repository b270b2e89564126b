package metadata

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

var appIdentifier = regexp.MustCompile(`(?m)^\s*app_identifier\s*\(?\s*["']([^"']+)["']`)

// AppFromAppfile reads app_identifier from the Appfile of the fastlane folder that holds dir
// (fastlane/Appfile for fastlane/metadata), or "" when there is none.
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

// WithDefaults completes a target as typed on a command line and checks it: the platform in
// upper case; the app, when not given, from fallback (what the caller's environment names)
// or else from the Appfile beside dir, the folder worked on.
func (t Target) WithDefaults(dir, fallback string) (Target, error) {
	t.Platform = strings.ToUpper(t.Platform)
	if t.App == "" {
		t.App = fallback
	}
	if t.App == "" {
		t.App = AppFromAppfile(dir)
	}
	return t, t.Check()
}
