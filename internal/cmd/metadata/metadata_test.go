package metadata_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

type result struct {
	stdout, stderr string
	code           int
	err            error
}

type harness struct {
	sb  *sandboxtest.Sandbox
	env map[string]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, sandbox.Options{ProcessingDelay: 20 * time.Millisecond})
}

func newHarnessWith(t *testing.T, opts sandbox.Options) *harness {
	t.Helper()
	sb := sandboxtest.Start(t, opts)
	k := sb.Key()
	return &harness{sb: sb, env: map[string]string{
		"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir(),
		"ASC_BASE_URL": sb.URL(), "ASC_KEY_ID": k.ID, "ASC_ISSUER_ID": k.IssuerID, "ASC_PRIVATE_KEY": string(sb.KeyPEM()),
	}}
}

func (h *harness) run(t *testing.T, tty bool, args ...string) result {
	t.Helper()
	io, _, out, errOut := cli.TestIO()
	io.SetTTY(tty)
	f := cli.NewFactory(io, func(k string) string { return h.env[k] })
	err := root.Run(t.Context(), f, args)
	return result{stdout: out.String(), stderr: errOut.String(), code: cli.ExitCode(err), err: err}
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d: %v\nstdout: %s\nstderr: %s", r.code, code, r.err, r.stdout, r.stderr)
	}
	return r
}

func (h *harness) writes(t *testing.T) int { return h.sb.Writes() }

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestMetadataCommands(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := filepath.Join(t.TempDir(), "fastlane", "metadata")
	app := "com.example.daybreak"

	// pull, as a pipe: the written paths on stdout.
	r := h.run(t, false, "metadata", "pull", "--app", app, "--dir", dir).want(t, 0)
	if !strings.Contains(r.stdout, "en-US/description.txt") {
		t.Fatalf("pull printed %q", r.stdout)
	}
	// The app comes from fastlane's Appfile when --app is absent.
	writeFile(t, filepath.Join(filepath.Dir(dir), "Appfile"), "app_identifier(\"com.example.daybreak\")\napple_id \"a@b.c\"\n")
	h.run(t, false, "metadata", "diff", "--dir", dir).want(t, 0)

	writeFile(t, filepath.Join(dir, "de-DE", "subtitle.txt"), "Neuer Untertitel")
	writeFile(t, filepath.Join(dir, "en-US", "promotional_text.txt"), "Fresh promo")

	r = h.run(t, false, "metadata", "diff", "--dir", dir, "--json").want(t, 0)
	var changes []struct{ Locale, Field, Path, Current, Folder string }
	if err := json.Unmarshal([]byte(r.stdout), &changes); err != nil || len(changes) != 2 {
		t.Fatalf("diff --json = %s (%v)", r.stdout, err)
	}

	before := h.writes(t)
	h.run(t, false, "metadata", "push", "--dir", dir, "--dry-run").want(t, 0)
	// A pipe cannot confirm: usage error naming --yes, nothing written.
	r = h.run(t, false, "metadata", "push", "--dir", dir).want(t, 2)
	if !strings.Contains(r.err.Error(), "--yes") {
		t.Errorf("error does not mention --yes: %v", r.err)
	}
	if h.writes(t) != before {
		t.Fatal("dry run or unconfirmed push wrote")
	}
	r = h.run(t, true, "metadata", "push", "--dir", dir, "--yes").want(t, 0)
	if got := h.writes(t) - before; got != 2 {
		t.Errorf("push wrote %d requests, want 2", got)
	}
	r = h.run(t, false, "metadata", "push", "--dir", dir, "--yes").want(t, 0)
	if !strings.Contains(r.stderr, "nothing to push") {
		t.Errorf("second push said %q", r.stderr)
	}

	// Invalid folder: every problem, exit 1, nothing written.
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), strings.Repeat("x", 31))
	writeFile(t, filepath.Join(dir, "en-US", "support_url.txt"), "nope")
	before = h.writes(t)
	r = h.run(t, false, "metadata", "push", "--dir", dir, "--yes").want(t, 1)
	if !strings.Contains(r.err.Error(), "2 problems") || h.writes(t) != before {
		t.Errorf("invalid push: %v, %d writes", r.err, h.writes(t)-before)
	}
}

func TestScreenshotsSyncCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := t.TempDir()
	for _, l := range []string{"en-US", "de-DE"} {
		for i := 1; i <= 3; i++ {
			sandboxtest.WritePNG(t, filepath.Join(dir, l, fmt.Sprintf("%d.png", i)), 368, 448, i+len(l))
		}
	}
	args := []string{"screenshots", "sync", "--app", "com.example.daybreak", "--dir", dir}
	// The plan, as JSON.
	r0 := h.run(t, false, append(args, "--dry-run", "--json")...).want(t, 0)
	var plan []struct {
		Locale, DisplayType string
		Upload, Delete      []string
		DeleteSet, NewSet   bool
	}
	if err := json.Unmarshal([]byte(r0.stdout), &plan); err != nil || len(plan) == 0 {
		t.Fatalf("dry run --json: %v\n%s", err, r0.stdout)
	}
	// The demo version has screenshots the folder lacks: deleting needs --yes on a pipe.
	h.run(t, false, args...).want(t, 2)
	r := h.run(t, false, append(args, "--yes")...).want(t, 0)
	if !strings.Contains(r.stderr, "en-US APP_WATCH_SERIES_4: uploaded 1.png") {
		t.Errorf("plain progress missing: %s", r.stderr)
	}
	before := h.writes(t)
	r = h.run(t, true, append(args, "--yes")...).want(t, 0)
	if h.writes(t) != before || !strings.Contains(r.stderr, "0 uploaded, 6 kept") {
		t.Errorf("re-run wrote %d: %s", h.writes(t)-before, r.stderr)
	}
	sandboxtest.WritePNG(t, filepath.Join(dir, "en-US", "2.png"), 368, 448, 77)
	r = h.run(t, true, append(args, "--yes")...).want(t, 0)
	if !strings.Contains(r.stderr, "1 uploaded") {
		t.Errorf("after a change: %s", r.stderr)
	}
	// A terminal gets a progress bar per locale: one upload and one deletion in en-US.
	if !strings.Contains(r.stderr, "2/2 done") {
		t.Errorf("no progress bar on a terminal:\n%s", r.stderr)
	}
	// Previews ride along with --previews.
	pdir := t.TempDir()
	sandboxtest.WriteMP4(t, filepath.Join(pdir, "en-US", "IPHONE_67", "1.mp4"), sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second})
	r = h.run(t, false, append(args, "--previews", pdir, "--dry-run")...).want(t, 0)
	if !strings.Contains(r.stderr, "would upload 1 previews") {
		t.Errorf("previews dry run: %s", r.stderr)
	}
	r = h.run(t, false, append(args, "--previews", pdir, "--yes")...).want(t, 0)
	if !strings.Contains(r.stderr, "previews of version 2.4.0: 1 uploaded") {
		t.Errorf("previews sync: %s", r.stderr)
	}
	// A screenshot of no known size fails validation before any request.
	sandboxtest.WritePNG(t, filepath.Join(dir, "en-US", "odd.png"), 300, 300, 1)
	before = h.writes(t)
	r = h.run(t, false, append(args, "--yes")...).want(t, 1)
	if !strings.Contains(r.err.Error(), "300x300") || h.writes(t) != before {
		t.Errorf("invalid folder: %v", r.err)
	}
}

func TestValidateOffline(t *testing.T) {
	t.Parallel()
	env := map[string]string{"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir()}
	h := &harness{env: env} // no credentials: validate needs none
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), "Fine")
	shots := t.TempDir()
	sandboxtest.WritePNG(t, filepath.Join(shots, "en-US", "1.png"), 368, 448, 1)
	r := h.run(t, false, "metadata", "validate", "--dir", dir, "--screenshots", shots).want(t, 0)
	if !strings.Contains(r.stderr, "no problems") {
		t.Errorf("stderr = %q", r.stderr)
	}
	writeFile(t, filepath.Join(dir, "en-US", "keywords.txt"), strings.Repeat("k", 101))
	sandboxtest.WritePNG(t, filepath.Join(shots, "en-US", "2.png"), 100, 100, 2)
	r = h.run(t, false, "metadata", "validate", "--dir", dir, "--screenshots", shots).want(t, 1)
	if lines := strings.Split(strings.TrimSpace(r.stdout), "\n"); len(lines) != 2 {
		t.Errorf("problems printed: %q", r.stdout)
	}
}

// The demo account's password is a credential: diff and push show that it changes, never its
// value, in tables and JSON alike.
func TestDemoPasswordNeverShown(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	dir := filepath.Join(t.TempDir(), "metadata")
	app := "com.example.daybreak"
	h.run(t, false, "metadata", "pull", "--app", app, "--dir", dir).want(t, 0)
	writeFile(t, filepath.Join(dir, "review_information", "demo_user.txt"), "demo@example.com\n")
	writeFile(t, filepath.Join(dir, "review_information", "demo_password.txt"), "0ld-Pa55word\n")
	h.run(t, false, "metadata", "push", "--app", app, "--dir", dir, "--yes").want(t, 0)
	old := "0ld-Pa55word"
	writeFile(t, filepath.Join(dir, "review_information", "demo_password.txt"), "s3cret-Pa55word\n")
	for _, args := range [][]string{
		{"metadata", "diff", "--app", app, "--dir", dir},
		{"metadata", "diff", "--app", app, "--dir", dir, "--json"},
		{"metadata", "push", "--app", app, "--dir", dir, "--dry-run"},
	} {
		for _, tty := range []bool{false, true} {
			r := h.run(t, tty, args...).want(t, 0)
			out := r.stdout + r.stderr
			if strings.Contains(out, "s3cret-Pa55word") || strings.Contains(out, old) {
				t.Errorf("%v (terminal %v) shows the demo password:\n%s", args, tty, out)
			}
			if !strings.Contains(out, "demo_password") {
				t.Errorf("%v (terminal %v) does not list the demo password change:\n%s", args, tty, out)
			}
		}
	}
}

// A fastlane project works unchanged: --fastlane (or the folder above --dir) supplies the
// app, the folders and deliver's options; every line not applied is named.
func TestFastlaneProject(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "fastlane", "Appfile"), "app_identifier(ENV[\"DAYBREAK_ID\"] || \"com.example.daybreak\")\napple_id \"me@example.com\"\n")
	writeFile(t, filepath.Join(root, "fastlane", "Deliverfile"), "metadata_path \"./fastlane/metadata\"\nscreenshots_path \"./fastlane/screenshots\"\nskip_binary_upload true\nprice_tier 0\n")
	r := h.run(t, false, "metadata", "pull", "--fastlane", root).want(t, 0)
	if !strings.Contains(r.stderr, `fastlane: app com.example.daybreak, from Appfile line 1 (the default, as ENV["DAYBREAK_ID"] is not set)`) ||
		!strings.Contains(r.stderr, "fastlane: Deliverfile line 4: price_tier is not applied: Apple retired price tiers") ||
		!strings.Contains(r.stderr, "fastlane: Appfile line 2: apple_id names an account") {
		t.Errorf("pull did not say where the app came from or what it did not apply:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "fastlane", "metadata", "en-US", "description.txt")); err != nil {
		t.Fatalf("pull did not write into metadata_path: %v", err)
	}
	r = h.run(t, false, "metadata", "push", "--fastlane", filepath.Join(root, "fastlane"), "--yes").want(t, 0)
	if !strings.Contains(r.stderr, "nothing to push") {
		t.Errorf("push after pull: %s", r.stderr)
	}
	// Screenshots: under a Deliverfile the sync keeps what the folder lacks, as deliver does,
	// so nothing needs confirming in a pipe and nothing is deleted.
	sandboxtest.WritePNG(t, filepath.Join(root, "fastlane", "screenshots", "en-US", "1.png"), 368, 448, 5)
	deletes := h.sb.Stats().ByMethod["DELETE"]
	r = h.run(t, false, "screenshots", "sync", "--fastlane", root).want(t, 0)
	if d := h.sb.Stats().ByMethod["DELETE"] - deletes; d != 0 || !strings.Contains(r.stderr, "1 uploaded, 0 kept, 0 deleted") {
		t.Errorf("sync under a Deliverfile: %d deletes\n%s", d, r.stderr)
	}
	// deliver's variables outrank the files: skip_screenshots turns the sync off.
	h.env["DELIVER_SKIP_SCREENSHOTS"] = "true"
	w := h.writes(t)
	r = h.run(t, false, "screenshots", "sync", "--fastlane", root).want(t, 0)
	if !strings.Contains(r.stderr, "$DELIVER_SKIP_SCREENSHOTS sets skip_screenshots: nothing synced") || h.writes(t) != w {
		t.Errorf("skip_screenshots: %s", r.stderr)
	}
	delete(h.env, "DELIVER_SKIP_SCREENSHOTS")
	// Offline validation of the whole project.
	h.run(t, false, "metadata", "validate", "--fastlane", root).want(t, 0)
	// A --fastlane folder that is no fastlane project is a usage error.
	r = h.run(t, false, "metadata", "diff", "--fastlane", t.TempDir()).want(t, 2)
	if !strings.Contains(r.err.Error(), "holds no fastlane folder") {
		t.Errorf("bad --fastlane: %v", r.err)
	}
}
