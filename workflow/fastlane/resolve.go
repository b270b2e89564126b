package fastlane

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Resolve finds the fastlane folder of dir (dir/fastlane, or dir itself when it is named
// fastlane or holds an Appfile or Deliverfile), reads its Appfile and Deliverfile and then
// the DELIVER_* variables that outrank them, as fastlane ranks them (the table in options.go). env
// looks variables up (nil: os.LookupEnv). It fails when dir holds no fastlane folder, and
// when a variable's value cannot be read (every such variable named, before any request).
func Resolve(dir string, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	if dir == "" {
		dir = "."
	}
	found := Find(dir)
	if found == "" && (exists(filepath.Join(dir, "Appfile")) || exists(filepath.Join(dir, "Deliverfile"))) {
		found = dir
	}
	if found == "" {
		return nil, fmt.Errorf("%s holds no fastlane folder: pass the folder that holds fastlane/ (with its Appfile or Deliverfile), or fastlane/ itself", dir)
	}
	c, err := Load(found, env)
	if err != nil {
		return nil, err
	}
	if err := c.fromEnv(env); err != nil {
		return nil, err
	}
	return c, nil
}

// FromEnv is a project of deliver's variables alone, for a command run where there is no
// fastlane folder, as fastlane deliver runs without one: dir ("": ".") is the project
// folder, its metadata/ and screenshots/ deliver's defaults then. nil, nil when none of the
// variables of deliver's options is set.
func FromEnv(dir string, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = os.LookupEnv
	}
	if dir == "" {
		dir = "."
	}
	set := false
	for _, o := range options {
		for _, n := range o.env {
			if v, ok := env(n); ok && strings.TrimSpace(v) != "" && o.kind != asCredential {
				set = true
			}
		}
	}
	if !set {
		return nil, nil
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Config{Dir: abs, Root: abs, Skip: map[string]bool{}, Flags: map[string]bool{}, Where: map[string]string{},
		MetadataPath: filepath.Join(abs, "metadata"), ScreenshotsPath: filepath.Join(abs, "screenshots")}
	if err := c.fromEnv(env); err != nil {
		return nil, err
	}
	return c, nil
}

// Near returns the fastlane folder that holds dir, a folder a command was pointed at
// (fastlane/metadata, fastlane/screenshots): dir's parent when it is a fastlane folder (named
// fastlane, or holding an Appfile or Deliverfile), else "".
func Near(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	parent := filepath.Dir(abs)
	if filepath.Base(parent) == "fastlane" || exists(filepath.Join(parent, "Appfile")) || exists(filepath.Join(parent, "Deliverfile")) {
		return parent
	}
	return ""
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// HasDeliverfile reports whether the folder has a Deliverfile: its options then shape a sync
// as they shape deliver's.
func (c *Config) HasDeliverfile() bool {
	for _, f := range c.Files {
		if f == "Deliverfile" {
			return true
		}
	}
	return false
}

// App is the app the folder names: deliver's `app` (the Apple id) when given, else the
// app identifier; from says where it came from. Both are "" when the folder names none.
func (c *Config) App() (app, from string) {
	if c.AppID != "" {
		return c.AppID, c.Where["app"]
	}
	return c.AppIdentifier, c.AppIdentifierFrom
}

// deliverPlatforms maps deliver's platform names to App Store Connect's.
var deliverPlatforms = map[string]string{"ios": "IOS", "osx": "MAC_OS", "appletvos": "TV_OS", "tvos": "TV_OS", "xros": "VISION_OS", "visionos": "VISION_OS"}

// ApplePlatform is the platform option as App Store Connect names it ("" when not given).
func (c *Config) ApplePlatform() (string, error) {
	if c.Platform == "" {
		return "", nil
	}
	if p, ok := deliverPlatforms[strings.ToLower(c.Platform)]; ok {
		return p, nil
	}
	return "", fmt.Errorf("%s: platform %q is not one of deliver's platforms (%s)", c.Where["platform"], c.Platform, deliverPlatformNames)
}

// KeepsExtraScreenshots reports whether a sync keeps screenshots (and previews) that App
// Store Connect has and the folder lacks, as deliver does under a Deliverfile unless
// overwrite_screenshots or sync_screenshots (overwrite_preview_videos for previews) is set.
func (c *Config) KeepsExtraScreenshots(previews bool) bool {
	if !c.HasDeliverfile() {
		return false
	}
	if previews {
		return !c.Flags["overwrite_preview_videos"]
	}
	return !c.Flags["overwrite_screenshots"] && !c.Flags["sync_screenshots"]
}
