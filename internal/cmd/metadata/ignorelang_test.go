package metadata_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// TestIgnoreLanguageDirectoryValidation: a deliver project whose folders include some that
// are no locale (zz-ZZ, Base) is refused by name; with the Deliverfile's
// ignore_language_directory_validation those folders are skipped, each named in a note, and
// validate, push and screenshots sync go on with the others, on a terminal and in a pipe.
func TestIgnoreLanguageDirectoryValidation(t *testing.T) {
	t.Parallel()
	cmdtest.TerminalAndPipe(t, func(t *testing.T, tty bool) {
		h := newHarness(t)
		root, fl := daybreakProject(t)
		writeFile(t, filepath.Join(fl, "Deliverfile"), "overwrite_screenshots true\n")
		writeFile(t, filepath.Join(fl, "metadata", "en-US", "promotional_text.txt"), "Plan the week in a minute, offline too.")
		writeFile(t, filepath.Join(fl, "metadata", "zz-ZZ", "promotional_text.txt"), "not a locale")
		writeFile(t, filepath.Join(fl, "metadata", "Base", "name.txt"), "Daybreak")
		sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "en-US", "1.png"), 368, 448, 11)
		sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "zz-ZZ", "1.png"), 368, 448, 12)

		// Without the option every such folder is refused by name, nothing written.
		r := h.run(t, tty, "metadata", "validate", "--fastlane", root).want(t, 1)
		for _, name := range []string{"zz-ZZ: unknown locale", "Base: unknown locale"} {
			if !strings.Contains(r.stdout, name) {
				t.Errorf("validate without the option does not refuse %q:\n%s", name, r.stdout)
			}
		}
		writes := h.writes(t)
		h.run(t, tty, "metadata", "push", "--fastlane", root, "--yes").want(t, 1)
		h.run(t, tty, "screenshots", "sync", "--fastlane", root, "--yes").want(t, 1)
		if n := h.writes(t) - writes; n != 0 {
			t.Fatalf("refused runs wrote %d times", n)
		}

		writeFile(t, filepath.Join(fl, "Deliverfile"), "overwrite_screenshots true\nignore_language_directory_validation true\n")
		r = h.run(t, tty, "metadata", "validate", "--fastlane", root).want(t, 0)
		for _, dir := range []string{"metadata/zz-ZZ", "metadata/Base", "screenshots/zz-ZZ"} {
			if !strings.Contains(r.stderr, dir+": not a locale Apple knows; skipped (ignore_language_directory_validation)") {
				t.Errorf("validate does not name %s as skipped:\n%s", dir, r.stderr)
			}
		}
		if strings.Contains(r.stderr, "is not applied") {
			t.Errorf("the option is still noted as not applied:\n%s", r.stderr)
		}
		r = h.run(t, tty, "metadata", "push", "--fastlane", root, "--yes").want(t, 0)
		if !strings.Contains(r.stderr, "zz-ZZ: not a locale Apple knows; skipped") || !strings.Contains(r.stderr, "1 change") {
			t.Errorf("push with the option:\n%s", r.stderr)
		}
		r = h.run(t, tty, "screenshots", "sync", "--fastlane", root, "--yes").want(t, 0)
		if !strings.Contains(r.stderr, "zz-ZZ: not a locale Apple knows; skipped") || !strings.Contains(r.stderr, "1 uploaded") {
			t.Errorf("sync with the option:\n%s", r.stderr)
		}
		// A second run writes nothing.
		writes = h.writes(t)
		h.run(t, tty, "metadata", "push", "--fastlane", root, "--yes").want(t, 0)
		h.run(t, tty, "screenshots", "sync", "--fastlane", root, "--yes").want(t, 0)
		if n := h.writes(t) - writes; n != 0 {
			t.Errorf("second run wrote %d times", n)
		}
	})
}

// daybreakProject is a fastlane project whose Appfile names the demo app: its root and its
// fastlane folder.
func daybreakProject(t *testing.T) (root, fl string) {
	t.Helper()
	root = t.TempDir()
	fl = filepath.Join(root, "fastlane")
	writeFile(t, filepath.Join(fl, "Appfile"), "app_identifier \"com.example.daybreak\"\n")
	return root, fl
}
