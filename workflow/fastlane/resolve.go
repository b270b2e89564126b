package fastlane

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// envOptions are the deliver options that fastlane also reads from an environment variable.
// fastlane ranks a variable above the Deliverfile (and the Deliverfile above the Appfile), so
// Resolve applies them after the files.
var envOptions = []struct{ option, env string }{
	{"app_identifier", "DELIVER_APP_IDENTIFIER"},
	{"app", "DELIVER_APP_ID"},
	{"metadata_path", "DELIVER_METADATA_PATH"},
	{"screenshots_path", "DELIVER_SCREENSHOTS_PATH"},
	{"app_previews_path", "DELIVER_APP_PREVIEWS_PATH"},
	{"app_rating_config_path", "DELIVER_APP_RATING_CONFIG_PATH"},
	{"platform", "DELIVER_PLATFORM"},
	{"languages", "DELIVER_LANGUAGES"},
	{"use_live_version", "DELIVER_USE_LIVE_VERSION"},
	{"skip_metadata", "DELIVER_SKIP_METADATA"},
	{"skip_screenshots", "DELIVER_SKIP_SCREENSHOTS"},
	{"overwrite_screenshots", "DELIVER_OVERWRITE_SCREENSHOTS"},
	{"sync_screenshots", "DELIVER_SYNC_SCREENSHOTS"},
	{"overwrite_preview_videos", "DELIVER_OVERWRITE_PREVIEW_VIDEOS"},
	{"ignore_language_directory_validation", "DELIVER_IGNORE_LANGUAGE_DIRECTORY_VALIDATION"},
	{"force", "DELIVER_FORCE"},
	{"preview_frame_time_code", "DELIVER_PREVIEW_FRAME_TIME_CODE"},
}

// Resolve finds the fastlane folder of dir (dir/fastlane, or dir itself when it is named
// fastlane or holds an Appfile or Deliverfile), reads its Appfile and Deliverfile and then
// the DELIVER_* variables that outrank them, as fastlane ranks them. env looks variables up
// (nil: os.LookupEnv). It fails when dir holds no fastlane folder.
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
	for _, o := range envOptions {
		text, ok := env(o.env)
		if !ok || strings.TrimSpace(text) == "" {
			continue
		}
		v := value{kind: kindString, text: text}
		if o.option == "languages" {
			// fastlane splits an array option given as a variable at commas.
			v = value{kind: kindArray}
			for _, l := range strings.Split(text, ",") {
				if l = strings.TrimSpace(l); l != "" {
					v.list = append(v.list, value{kind: kindString, text: l})
				}
			}
		}
		before := len(c.Notes)
		c.applyValue("environment", "$"+o.env, o.option, v, "")
		if len(c.Notes) == before {
			c.Where[o.option] = "$" + o.env
			if o.option == "app_identifier" {
				c.AppIdentifierFrom = "$" + o.env
			}
		}
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
var deliverPlatforms = map[string]string{"ios": "IOS", "osx": "MAC_OS", "appletvos": "TV_OS", "xros": "VISION_OS", "visionos": "VISION_OS"}

// ApplePlatform is the platform option as App Store Connect names it ("" when not given).
func (c *Config) ApplePlatform() (string, error) {
	if c.Platform == "" {
		return "", nil
	}
	if p, ok := deliverPlatforms[strings.ToLower(c.Platform)]; ok {
		return p, nil
	}
	return "", fmt.Errorf("%s: platform %q is not one of deliver's platforms (ios, osx, appletvos, xros)", c.Where["platform"], c.Platform)
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
