package deliver_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

// binarySandbox is a sandbox that processes builds in milliseconds, with small upload parts.
func binarySandbox(t *testing.T) *cmdtest.Harness {
	return cmdtest.New(t, sandbox.Options{ProcessingDelay: 20 * time.Millisecond, BuildProcessingDelay: 30 * time.Millisecond, PartSize: 64 << 10})
}

// writeIPA writes a real .ipa of Daybreak (bundle id com.example.daybreak unless a says
// otherwise) at dir/name.
func writeIPA(t *testing.T, dir, name string, a archivetest.App) string {
	t.Helper()
	if a.BundleID == "" {
		a.BundleID = "com.example.daybreak"
	}
	if a.Size == 0 {
		a.Size = 200 << 10
	}
	p := filepath.Join(dir, name)
	os.MkdirAll(dir, 0o755)
	if err := archivetest.WriteIPA(p, a); err != nil {
		t.Fatal(err)
	}
	return p
}

// attached is the build number attached to Daybreak's version v.
func attached(t *testing.T, h *cmdtest.Harness, v string) string {
	t.Helper()
	r := h.Run(t, false, "versions", "get", "--app", "com.example.daybreak", "--version", v, "--json").Want(t, 0)
	var got struct {
		BuildNumber string `json:"buildNumber"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &got); err != nil {
		t.Fatalf("versions get: %v\n%s", err, r.Stdout)
	}
	return got.BuildNumber
}

func requests(t *testing.T, h *cmdtest.Harness) int {
	t.Helper()
	n := 0
	for _, c := range h.Stats(t) {
		n += c
	}
	return n
}

// TestDeliverUploadsTheBinary: the Deliverfile's ipa is uploaded, awaited and attached, the
// app and version taken from the archive (no Appfile); a second run sends nothing;
// DELIVER_IPA_PATH outranks the Deliverfile and --ipa outranks both; build_number and
// skip_binary_upload skip the upload, as in fastlane deliver.
func TestDeliverUploadsTheBinary(t *testing.T) {
	t.Parallel()
	h := binarySandbox(t)
	root := t.TempDir()
	fl := filepath.Join(root, "fastlane")
	os.MkdirAll(fl, 0o755)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("ipa \"build/File.ipa\"\nskip_metadata true\nskip_screenshots true\n"), 0o644)
	build := filepath.Join(root, "build")
	writeIPA(t, build, "File.ipa", archivetest.App{Version: "2.4.0", Build: "501"})
	writeIPA(t, build, "Env.ipa", archivetest.App{Version: "2.4.0", Build: "502", Seed: 2})
	flag := writeIPA(t, build, "Flag.ipa", archivetest.App{Version: "2.4.0", Build: "503", Seed: 3})
	deliver := func(args ...string) cmdtest.Result {
		t.Helper()
		return h.Run(t, false, append([]string{"deliver", "--fastlane", root, "--poll", "10ms"}, args...)...).Want(t, 0)
	}
	uploads := func() int { return h.Stats(t)["POST /v1/buildUploads"] }

	r := deliver()
	if !strings.Contains(r.Stdout, "binary\tchanged\tFile.ipa (2.4.0 build 501) uploaded in 4 parts, build valid; attached to 2.4.0") {
		t.Errorf("deliver:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "note: the app is com.example.daybreak, the bundle id of File.ipa") ||
		!strings.Contains(r.Stderr, "reserved build upload") || !strings.Contains(r.Stderr, "committed build upload") {
		t.Errorf("stderr lacks the app's note or the upload's progress lines:\n%s", r.Stderr)
	}
	if got := attached(t, h, "2.4.0"); got != "501" || uploads() != 1 {
		t.Fatalf("build %s attached, %d build uploads", got, uploads())
	}

	w := h.Writes(t)
	r = deliver()
	if h.Writes(t) != w || !strings.Contains(r.Stdout, "binary\tunchanged\tFile.ipa (2.4.0 build 501) uploaded already, build valid; attached already") {
		t.Errorf("second run: %d writes\n%s", h.Writes(t)-w, r.Stdout)
	}
	// --json carries the upload: its build for the next job of a pipeline.
	r = deliver("--json", "--jq", ".binary.buildState + \" \" + .binary.archive.BuildNumber")
	if strings.TrimSpace(r.Stdout) != "VALID 501" {
		t.Errorf("--json: %q", r.Stdout)
	}

	h.Env["DELIVER_IPA_PATH"] = "build/Env.ipa"
	deliver()
	if got := attached(t, h, "2.4.0"); got != "502" || uploads() != 2 {
		t.Errorf("DELIVER_IPA_PATH: build %s attached, %d build uploads", got, uploads())
	}
	deliver("--ipa", flag)
	if got := attached(t, h, "2.4.0"); got != "503" || uploads() != 3 {
		t.Errorf("--ipa: build %s attached, %d build uploads", got, uploads())
	}

	writeIPA(t, build, "Env.ipa", archivetest.App{Version: "2.4.0", Build: "504", Seed: 4})
	r = deliver("--build-number", "501")
	if got := attached(t, h, "2.4.0"); got != "501" || uploads() != 3 || !strings.Contains(r.Stderr, "is not uploaded: build_number 501 names the build to attach") {
		t.Errorf("build_number: build %s attached, %d build uploads\n%s", got, uploads(), r.Stderr)
	}
	h.Env["DELIVER_SKIP_BINARY_UPLOAD"] = "true"
	r = deliver()
	if uploads() != 3 || !strings.Contains(r.Stderr, "is not uploaded: skip_binary_upload") {
		t.Errorf("skip_binary_upload: %d build uploads\n%s", uploads(), r.Stderr)
	}
}

// TestDeliverRefusesTheBinary: an archive that cannot be uploaded stops deliver before its
// first write, in one line: not an archive, another app's bundle id, another version (these
// before any request), a build number already used, a version the App Store has closed or
// one below it, a version with App Review (its build cannot change); verify_only checks a
// good one and writes nothing.
func TestDeliverRefusesTheBinary(t *testing.T) {
	t.Parallel()
	h := binarySandbox(t)
	dir := t.TempDir()
	junk := filepath.Join(dir, "Junk.ipa")
	os.WriteFile(junk, []byte("not a zip at all"), 0o644)
	good := writeIPA(t, dir, "Good.ipa", archivetest.App{Version: "2.4.0", Build: "510"})
	used := writeIPA(t, dir, "Used.ipa", archivetest.App{Version: "2.4.0", Build: "500"})
	live := writeIPA(t, dir, "Live.ipa", archivetest.App{Version: "2.3.0", Build: "900"})
	lower := writeIPA(t, dir, "Lower.ipa", archivetest.App{Version: "2.2.5", Build: "900"})
	inReview := writeIPA(t, dir, "Ledger.ipa", archivetest.App{BundleID: "com.example.ledger", Version: "1.8.0", Build: "25"})
	pkg := filepath.Join(dir, "Trailhead.pkg")
	if err := archivetest.WritePKG(pkg, archivetest.App{BundleID: "com.example.trailhead", Version: "1.0.0", Build: "1"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		want     string
		offline  bool // refused before any request
		exitCode int
	}{
		{"not an archive", []string{"--ipa", junk}, "Junk.ipa is not a valid build archive", true, 1},
		{"another app", []string{"--ipa", good, "--app", "com.example.trailhead"}, "Good.ipa (--ipa) is built for bundle id com.example.daybreak, but the app is com.example.trailhead", true, 1},
		{"another version", []string{"--ipa", good, "--app-version", "2.5.0"}, "Good.ipa (--ipa) is version 2.4.0 (CFBundleShortVersionString), but app_version is 2.5.0", true, 1},
		{"a pkg as ipa", []string{"--ipa", pkg}, "Trailhead.pkg is a .pkg archive; name it with pkg", true, 1},
		{"both", []string{"--ipa", good, "--pkg", pkg}, "--ipa and --pkg are both given", true, 1},
		{"build number used", []string{"--ipa", used}, "binary: build number 500 is already used for version 2.4.0", false, 1},
		{"a live version", []string{"--ipa", live}, "binary: Live.ipa is version 2.3.0, but version 2.3.0 is READY_FOR_DISTRIBUTION: the version is closed for new builds (Apple's 90186)", false, 1},
		{"below a live version", []string{"--ipa", lower}, "binary: Lower.ipa is version 2.2.5, but version 2.3.0, higher, is READY_FOR_DISTRIBUTION: the version is lower than one already approved (Apple's 90062)", false, 1},
		{"a version in review", []string{"--ipa", inReview}, "binary: version 1.8.0 is WAITING_FOR_REVIEW, so no new build can be attached to it; cancel its submission first", false, 1},
	} {
		before, w := requests(t, h), h.Writes(t)
		r := h.Run(t, false, append([]string{"deliver", "--skip-metadata", "--skip-screenshots"}, tc.args...)...)
		if r.Code != tc.exitCode || !strings.Contains(r.Stderr, tc.want) && !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%s: exit %d, %v\n%s", tc.name, r.Code, r.Err, r.Stderr)
		}
		if r.Err != nil && strings.Contains(r.Err.Error(), "\n") {
			t.Errorf("%s: more than one line: %q", tc.name, r.Err)
		}
		if h.Writes(t) != w || tc.offline && requests(t, h) != before {
			t.Errorf("%s: %d writes, %d requests", tc.name, h.Writes(t)-w, requests(t, h)-before)
		}
	}

	w := h.Writes(t)
	r := h.Run(t, false, "deliver", "--ipa", good, "--verify-only").Want(t, 0)
	if h.Writes(t) != w || !strings.Contains(r.Stdout, "binary\tverified\tGood.ipa (2.4.0 build 510, IOS): bundle id, version (open for builds) and build number (unused) checked; nothing sent (verify_only)") {
		t.Errorf("verify_only: %d writes\n%s", h.Writes(t)-w, r.Stdout)
	}
	r = h.Run(t, false, "deliver", "--ipa", used, "--verify-only")
	if r.Code != 1 || h.Writes(t) != w || !strings.Contains(r.Err.Error(), "build number 500 is already used") {
		t.Errorf("verify_only of a used number: exit %d, %v", r.Code, r.Err)
	}
}

// TestDeliverUploadsAPackage: DELIVER_PKG_PATH alone (no fastlane folder) names a macOS
// .pkg: the app, version and platform come from it; a dry run plans the upload and writes
// nothing; the run, on a terminal, shows the upload's bar and attaches the build to the
// macOS version.
func TestDeliverUploadsAPackage(t *testing.T) {
	t.Parallel()
	h := binarySandbox(t)
	dir := t.TempDir()
	pkg := filepath.Join(dir, "Trailhead.pkg")
	if err := archivetest.WritePKG(pkg, archivetest.App{BundleID: "com.example.trailhead", Name: "Trailhead", Version: "3.0.0", Build: "31", Size: 300 << 10}); err != nil {
		t.Fatal(err)
	}
	h.Env["DELIVER_PKG_PATH"] = pkg
	h.Env["DELIVER_SKIP_SCREENSHOTS"] = "true"
	r := h.Run(t, false, "deliver", "--dry-run", "--poll", "10ms").Want(t, 0)
	if h.Writes(t) != 0 || !strings.Contains(r.Stdout, "binary\tplanned\tupload Trailhead.pkg (3.0.0 build 31, MAC_OS), wait for processing, attach it") {
		t.Errorf("dry run: %d writes\n%s", h.Writes(t), r.Stdout)
	}
	r = h.Run(t, true, "deliver", "--poll", "10ms").Want(t, 0)
	if !strings.Contains(r.Stderr, "upload ") || strings.Contains(r.Stderr, "reserved build upload") {
		t.Errorf("no upload bar on a terminal (or plain lines):\n%s", r.Stderr)
	}
	out := h.Run(t, false, "versions", "get", "--app", "com.example.trailhead", "--version", "3.0.0", "--platform", "MAC_OS", "--json").Want(t, 0).Stdout
	if !strings.Contains(out, `"buildNumber":"31"`) {
		t.Errorf("the macOS version:\n%s", out)
	}
}
