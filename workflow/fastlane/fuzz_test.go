package fastlane

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fuzzEnv is the environment the fuzz targets read files with: one variable set, one set
// empty, the rest unset.
var fuzzEnv = env(map[string]string{"SET": "from env", "EMPTY": ""})

// FuzzOptionFiles reads any text as a Deliverfile, an Appfile and a Pilotfile. Properties: no
// panic; every note and error is one line; reading the same file twice gives the same result.
// Seeded with the package's test files and option lines.
func FuzzOptionFiles(f *testing.F) {
	for _, name := range []string{"Appfile", "Deliverfile"} {
		data, err := os.ReadFile(filepath.Join("testdata", "project", "fastlane", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(data))
	}
	for _, s := range []string{
		`app_identifier ENV["APP_ID"] || "com.d"`,
		`app_identifier(ENV['A'] || ENV['B'] || 'com.d')`,
		`app_identifier ENV.fetch("APP_ID", "com.f")`,
		`app_identifier ["com.one", "com.one.widget"]`,
		"release_notes({\n  \"default\" => \"Bug fixes\",\n  \"de-DE\" => ENV[\"NOTES_DE\"] || \"Fehlerbehebungen\",\n})\nsubtitle({ \"en-US\" => 42 })\n",
		"app_review_information(first_name: \"Ada\", demo_password: \"s\", demo_required: true)\n",
		"beta_app_review_info(\n  contact_email: \"review@example.com\",\n  demo_account_required: false,\n  notes: \"Tap twice\"\n)\n",
		"localized_app_info({\n  \"default\" => { feedback_email: \"default@example.com\", description: \"Hello\" },\n  \"de-DE\" => { description: \"Hallo\" }\n})\n",
		"localized_build_info({ \"default\" => { whats_new: \"Fixes\" }, \"fr-FR\" => { whats_new: \"Corrections\" } })\n",
		"groups [\"QA\", \"Friends\"]\nwait_processing_interval 10\nfor_lane :beta do\n  changelog \"lane\"\nend\n",
		`changelog "#{x}"`,
		"screenshot_processing_timeout 600\npreview_frame_time_code \"00:00:05:00\"\n",
		// What the properties found (TestCommentsBlocksAndFalse).
		"localized_app_info({\"de\\nDE\" => 1})\n",
		"platform \"ios\" # ios,\nlanguages [\"en-US\"]\n",
		"for_lane :beta do |options|\n  platform \"osx\"\nend # for_lane\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		root := t.TempDir()
		for _, name := range []string{"Appfile", "Deliverfile", "Pilotfile"} {
			if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		// root is named by TempDir, not fastlane: Load reads the folder given.
		c1, err1 := Load(root, fuzzEnv)
		c2, err2 := Load(root, fuzzEnv)
		if err1 != nil || err2 != nil {
			t.Fatalf("Load: %v, %v", err1, err2)
		}
		if !reflect.DeepEqual(c1, c2) {
			t.Errorf("two reads differ:\n%+v\n%+v", c1, c2)
		}
		oneLine(t, "deliver note", c1.Notes...)

		p1, err1 := ResolvePilot(root, fuzzEnv)
		p2, err2 := ResolvePilot(root, fuzzEnv)
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("two reads differ: %v, %v", err1, err2)
		}
		if err1 != nil {
			oneLine(t, "pilot error", err1.Error())
			return
		}
		if !reflect.DeepEqual(p1, p2) {
			t.Errorf("two reads differ:\n%+v\n%+v", p1, p2)
		}
		oneLine(t, "pilot note", p1.Notes...)
	})
}

func oneLine(t *testing.T, what string, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if strings.ContainsAny(m, "\n\r") {
			t.Errorf("%s is not one line: %q", what, m)
		}
	}
}

// TestCommentsBlocksAndFalse: the wrong reads FuzzOptionFiles's properties and seeds led to.
// A comment ending in a comma joined the next line into it (dropped, no note); a comment inside
// a value spanning lines left the statement unread; `end # done` left its block open to the
// end of the file; `do |options|` was not read, so the block's options applied at the top;
// ENV["X"] || false was nil, not false; a hash key with a line break broke a message in two.
func TestCommentsBlocksAndFalse(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file  string
		check func(c *Config) bool
	}{
		{"platform \"ios\" # ios,\nlanguages [\"en-US\"]\n", func(c *Config) bool {
			return c.Platform == "ios" && strings.Join(c.Languages, " ") == "en-US"
		}},
		{"languages([\n  \"en-US\", # English\n  \"de-DE\" # German\n])\n", func(c *Config) bool {
			return strings.Join(c.Languages, " ") == "en-US de-DE"
		}},
		{"for_platform :osx do # the Mac\n  platform \"osx\"\nend # for_platform\nlanguages [\"ja\"]\n", func(c *Config) bool {
			return c.Platform == "" && strings.Join(c.Languages, " ") == "ja"
		}},
		{"for_lane :beta do |options|\n  platform \"osx\"\nend\n", func(c *Config) bool {
			return c.Platform == "" && len(c.Notes) == 2 && strings.Contains(c.Notes[1], "platform is inside the for_lane block")
		}},
		{"skip_screenshots ENV[\"UNSET\"] || false\nedit_live ENV[\"UNSET\"] || true\n", func(c *Config) bool {
			v, ok := c.Skip["skip_screenshots"]
			return ok && !v && c.EditLive != nil && *c.EditLive
		}},
		{"name \"#\" # the name\n", func(c *Config) bool { return len(c.Notes) == 1 && strings.Contains(c.Notes[0], "name must be a hash") }},
		{"release_notes({\"en\\nUS\" => [1]})\n", func(c *Config) bool {
			return len(c.Notes) == 1 && strings.Contains(c.Notes[0], `release_notes for "en\nUS" must be text`)
		}},
	} {
		root := t.TempDir()
		writeFiles(t, root, map[string]string{"Deliverfile": tt.file})
		c, err := Load(root, fuzzEnv)
		if err != nil {
			t.Fatal(err)
		}
		if !tt.check(c) {
			t.Errorf("%q: platform %q languages %q skip %v edit_live %v where %v notes %q", tt.file, c.Platform, c.Languages, c.Skip, c.EditLive, c.Where, c.Notes)
		}
		oneLine(t, "note", c.Notes...)
	}
	root := t.TempDir()
	writeFiles(t, root, map[string]string{"Pilotfile": "localized_app_info({\"de\\nDE\" => 1})\n"})
	_, err := ResolvePilot(root, fuzzEnv)
	if err == nil || !strings.Contains(err.Error(), `localized_app_info for "de\nDE" must be a hash`) {
		t.Errorf("a key with a line break: %v", err)
	}
}
