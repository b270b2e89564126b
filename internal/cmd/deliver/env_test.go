package deliver_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// version reads the version as App Store Connect has it, through `ascend versions get`.
func version(t *testing.T, h *cmdtest.Harness, v string) (releaseType, copyright string, earliest time.Time) {
	t.Helper()
	r := h.Run(t, false, "versions", "get", "--app", "com.example.daybreak", "--version", v, "--json").Want(t, 0)
	var got struct {
		ReleaseType         string     `json:"releaseType"`
		Copyright           string     `json:"copyright"`
		EarliestReleaseDate *time.Time `json:"earliestReleaseDate"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("versions get: %v\n%s", err, r.Stdout)
	}
	if got.EarliestReleaseDate != nil {
		earliest = *got.EarliestReleaseDate
	}
	return got.ReleaseType, got.Copyright, earliest
}

// TestDeliverFromTheEnvironment: a CI job that configures deliver with DELIVER_* variables
// alone, no fastlane folder at all, gets its release as fastlane deliver would make it: the
// version, its scheduled release, the phased release, the copyright, the age rating (a path
// against the folder it runs in); the options ascend cannot apply are named once each; a
// second run writes nothing. (t.Chdir: the run's folder is the project, as for fastlane.)
func TestDeliverFromTheEnvironment(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile(filepath.Join(dir, "rating.json"), []byte(`{"CARTOON_FANTASY_VIOLENCE": 1}`), 0o644)
	release := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Hour)
	for k, v := range map[string]string{
		"DELIVER_APP_IDENTIFIER": "com.example.daybreak", "DELIVER_APP_VERSION": "2.4.0",
		"DELIVER_AUTO_RELEASE_DATE": strconv.FormatInt(release.UnixMilli(), 10), "DELIVER_PHASED_RELEASE": "true",
		"DELIVER_SKIP_SCREENSHOTS": "true", "DELIVER_COPYRIGHT": "2026 Env Labs", "DELIVER_APP_RATING_CONFIG_PATH": "rating.json",
		"DELIVER_TEAM_ID": "123456", "DELIVER_RUN_PRECHECK_BEFORE_SUBMIT": "false", "DELIVER_PRICE_TIER": "3",
	} {
		h.Env[k] = v
	}
	r := h.Run(t, false, "deliver").Want(t, 0)
	for _, want := range []string{
		"fastlane: app com.example.daybreak, from $DELIVER_APP_IDENTIFIER",
		"fastlane: $DELIVER_TEAM_ID: team_id is not applied",
		"fastlane: $DELIVER_RUN_PRECHECK_BEFORE_SUBMIT: run_precheck_before_submit is not applied",
		"fastlane: $DELIVER_PRICE_TIER: price_tier is not applied",
		"note: $DELIVER_COPYRIGHT: copyright applied from the environment",
	} {
		if strings.Count(r.Stderr, want) != 1 {
			t.Errorf("stderr lacks %q once:\n%s", want, r.Stderr)
		}
	}
	for _, want := range []string{"deliver com.example.daybreak 2.4.0", "metadata\tchanged", "screenshots\tskipped", "age rating\tchanged\tviolenceCartoonOrFantasy", "phased release\tchanged"} {
		if !strings.Contains(r.Stdout+r.Stderr, want) {
			t.Errorf("deliver lacks %q:\n%s", want, r.Stdout)
		}
	}
	if typ, copyright, earliest := version(t, h, "2.4.0"); typ != "SCHEDULED" || copyright != "2026 Env Labs" || !earliest.Equal(release) {
		t.Errorf("version 2.4.0: %s %q %s, want SCHEDULED %q %s", typ, copyright, earliest, "2026 Env Labs", release)
	}
	if n := h.Stats(t)["POST /v1/appStoreVersionPhasedReleases"]; n != 1 {
		t.Errorf("%d phased releases created", n)
	}
	writes := h.Writes(t)
	h.Run(t, false, "deliver").Want(t, 0)
	if h.Writes(t) != writes {
		t.Errorf("the second run wrote %d times", h.Writes(t)-writes)
	}
}

// TestDeliverFlagEnvDeliverfilePrecedence: a variable outranks the Deliverfile's line and a
// flag outranks both, as fastlane ranks them, checked on what App Store Connect then has.
func TestDeliverFlagEnvDeliverfilePrecedence(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	fl := filepath.Join(t.TempDir(), "fastlane")
	os.MkdirAll(fl, 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"9.9.9\"\nautomatic_release true\nphased_release true\nskip_screenshots false\ncopyright \"2025 File\"\n"), 0o644)
	h.Env["DELIVER_APP_VERSION"] = "2.4.0"         // outranks app_version "9.9.9"
	h.Env["DELIVER_AUTOMATIC_RELEASE"] = "false"   // outranks automatic_release true
	h.Env["DELIVER_PHASED_RELEASE"] = "true"       // --phased-release=false outranks it
	h.Env["DELIVER_SKIP_SCREENSHOTS"] = "yes"      // outranks skip_screenshots false
	h.Env["DELIVER_COPYRIGHT"] = "2026 Env Labs"   // outranks copyright "2025 File"
	h.Env["DELIVER_APP_IDENTIFIER"] = "com.no.app" // --app outranks it

	r := h.Run(t, false, "deliver", "--fastlane", fl, "--app-version", "2.5.0", "--app", "com.example.daybreak", "--dry-run").Want(t, 0)
	if !strings.Contains(r.Stderr, "deliver com.example.daybreak 2.5.0 (dry run)") || h.Writes(t) != 0 {
		t.Errorf("--app-version and --app under the variables: %s (%d writes)", r.Stderr, h.Writes(t))
	}
	r = h.Run(t, false, "deliver", "--fastlane", fl, "--app", "com.example.daybreak", "--phased-release=false").Want(t, 0)
	for _, want := range []string{"deliver com.example.daybreak 2.4.0", "screenshots\tskipped", "phased release\tskipped", "$DELIVER_COPYRIGHT outranks Deliverfile line 5's copyright"} {
		if !strings.Contains(r.Stdout+r.Stderr, want) {
			t.Errorf("deliver lacks %q:\n%s\n%s", want, r.Stdout, r.Stderr)
		}
	}
	if typ, copyright, _ := version(t, h, "2.4.0"); typ != "MANUAL" || copyright != "2026 Env Labs" {
		t.Errorf("version 2.4.0: %s %q, want MANUAL from $DELIVER_AUTOMATIC_RELEASE and the variable's copyright", typ, copyright)
	}
	if n := h.Stats(t)["POST /v1/appStoreVersionPhasedReleases"]; n != 0 {
		t.Errorf("--phased-release=false: %d phased releases created", n)
	}
}

// TestDeliverBadEnvSendsNothing: each variable whose value cannot be used is refused in one
// line naming it, before any request, as a bad Deliverfile line is.
func TestDeliverBadEnvSendsNothing(t *testing.T) {
	t.Parallel()
	fl := filepath.Join(t.TempDir(), "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\n"), 0o644)
	for _, tc := range []struct{ name, value, want string }{
		{"DELIVER_PHASED_RELEASE", "maybe", `DELIVER_PHASED_RELEASE="maybe": not a boolean`},
		{"DELIVER_SUBMIT_FOR_REVIEW", "sure", `DELIVER_SUBMIT_FOR_REVIEW="sure": not a boolean`},
		{"DELIVER_APP_ID", "daybreak", `DELIVER_APP_ID="daybreak": not a whole number`},
		{"DELIVER_SCREENSHOT_PROCESSING_TIMEOUT", "-5", `DELIVER_SCREENSHOT_PROCESSING_TIMEOUT="-5": not a number of seconds above 0`},
		{"DELIVER_PLATFORM", "android", `DELIVER_PLATFORM="android": not one of deliver's platforms`},
		{"DELIVER_AUTO_RELEASE_DATE", "soon", `$DELIVER_AUTO_RELEASE_DATE: auto_release_date "soon" is neither milliseconds`},
		{"DELIVER_AUTO_RELEASE_DATE", "1000", `$DELIVER_AUTO_RELEASE_DATE: auto_release_date 1970-01-01T00:00:01Z has passed`},
		{"DELIVER_PREVIEW_FRAME_TIME_CODE", "00:00:61:00", `$DELIVER_PREVIEW_FRAME_TIME_CODE: `},
		{"DELIVER_APP_RATING_CONFIG_PATH", "nowhere.json", `nowhere.json`},
		{"DELIVER_PRIMARY_CATEGORY", "Games & Fun", `$DELIVER_PRIMARY_CATEGORY (primary_category): "Games & Fun" is not an App Store category id`},
	} {
		t.Run(tc.name+"="+tc.value[:min(len(tc.value), 12)], func(t *testing.T) {
			t.Parallel()
			h := cmdtest.New(t, sandbox.Options{})
			h.Env[tc.name] = tc.value
			r := h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 1)
			if msg := r.Err.Error(); !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("%s=%q: %v, want one line with %q", tc.name, tc.value, r.Err, tc.want)
			}
			// A value that cannot be read at all is one line as printed, too; the others join
			// the release's problem list, as a Deliverfile's lines do.
			if printed := cli.ErrorText(r.Err); strings.HasPrefix(tc.want, tc.name+"=") && (printed != r.Err.Error() || !strings.HasSuffix(printed, "; nothing was sent")) {
				t.Errorf("%s=%q printed on several lines:\n%s", tc.name, tc.value, printed)
			}
			if st := h.Stats(t); len(st) != 0 {
				t.Errorf("%s=%q: requests %v", tc.name, tc.value, st)
			}
		})
	}
}

// TestDeliverLanguagesFromTheEnvironment: DELIVER_LANGUAGES activates its locales in the
// metadata step (default/'s values filling them), as deliver's languages; a locale Apple does
// not know is refused by name before any request; DELIVER_EDIT_LIVE, which ascend deliver
// does not apply, is one note.
func TestDeliverLanguagesFromTheEnvironment(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	fl := filepath.Join(t.TempDir(), "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata", "default"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\nlanguages [\"en-US\"]\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "metadata", "default", "release_notes.txt"), []byte("Focus blocks."), 0o644)

	before := filepath.Join(t.TempDir(), "before")
	h.Run(t, false, "metadata", "pull", "--app", "com.example.daybreak", "--dir", before).Want(t, 0)
	if _, err := os.Stat(filepath.Join(before, "da")); err == nil {
		t.Fatal("daybreak has da already")
	}
	h.Env["DELIVER_LANGUAGES"] = "en-US,xx-YY"
	r := h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 1)
	if !strings.Contains(r.Err.Error(), `$DELIVER_LANGUAGES: languages lists "xx-YY", which is not one of Apple's locales`) || h.Writes(t) != 0 {
		t.Fatalf("bad language: %v (%d writes)", r.Err, h.Writes(t))
	}
	h.Env["DELIVER_LANGUAGES"] = "en-US, da"
	h.Env["DELIVER_EDIT_LIVE"] = "true"
	r = h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 0)
	if strings.Count(r.Stderr, "note: $DELIVER_EDIT_LIVE: edit_live is not applied: ascend deliver works on the version being prepared") != 1 {
		t.Errorf("edit_live is not noted once:\n%s", r.Stderr)
	}
	out := filepath.Join(t.TempDir(), "pulled")
	h.Run(t, false, "metadata", "pull", "--app", "com.example.daybreak", "--version", "2.4.0", "--dir", out).Want(t, 0)
	for _, l := range []string{"en-US", "da"} {
		if b, err := os.ReadFile(filepath.Join(out, l, "release_notes.txt")); err != nil || strings.TrimSpace(string(b)) != "Focus blocks." {
			t.Errorf("%s release notes: %q %v", l, b, err)
		}
	}
}

// TestDeliverScreenshotProcessingTimeout: DELIVER_SCREENSHOT_PROCESSING_TIMEOUT (seconds) is
// how long deliver awaits the screenshots it uploaded, and --timeout outranks it.
func TestDeliverScreenshotProcessingTimeout(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{ProcessingDelay: time.Hour})
	fl := filepath.Join(t.TempDir(), "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\nscreenshot_processing_timeout 3600\n"), 0o644)
	sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "en-US", "1.png"), 368, 448, 9)
	// The variable's second outranks the Deliverfile's hour (which would outlast the test).
	h.Env["DELIVER_SCREENSHOT_PROCESSING_TIMEOUT"] = "1"
	r := h.Run(t, false, "deliver", "--fastlane", fl).Want(t, 8)
	if !strings.Contains(r.Err.Error(), "still UPLOAD_COMPLETE") {
		t.Errorf("timeout: %v", r.Err)
	}
	// --timeout outranks the variable's hour.
	h.Env["DELIVER_SCREENSHOT_PROCESSING_TIMEOUT"] = "3600"
	h.Run(t, false, "deliver", "--fastlane", fl, "--timeout", "100ms").Want(t, 8)
}
