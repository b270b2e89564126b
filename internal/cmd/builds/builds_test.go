package builds_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

func newHarness(t *testing.T, opts sandbox.Options) *cmdtest.Harness {
	t.Helper()
	if opts.ProcessingDelay == 0 {
		opts.ProcessingDelay = 20 * time.Millisecond
	}
	if opts.BuildProcessingDelay == 0 {
		opts.BuildProcessingDelay = 50 * time.Millisecond
	}
	if opts.PartSize == 0 {
		opts.PartSize = 64 << 10
	}
	return cmdtest.New(t, opts)
}

func ipa(t *testing.T, build string, size int64) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "Daybreak.ipa")
	if err := archivetest.WriteIPA(p, archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: build, Size: size}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestUploadInAPipe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{})
	r := h.Run(t, false, "builds", "upload", ipa(t, "601", 1<<20), "--wait", "--poll", "10ms").Want(t, 0)
	for _, want := range []string{"reserved build upload ", ": 17 parts, 1.0 MiB", "sent 17 of 17 parts", "committed build upload", "waiting for processing: upload COMPLETE, build ", " VALID"} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.Stderr)
		}
	}
	if strings.Contains(r.Stderr, "\r") || strings.Contains(r.Stderr, "\x1b[") {
		t.Errorf("a pipe got terminal control sequences:\n%q", r.Stderr)
	}
	if n := strings.Count(r.Stderr, "sent "); n < 5 || n > 11 {
		t.Errorf("%d progress lines for 17 parts, want one per tenth:\n%s", n, r.Stderr)
	}
	fields := strings.Split(strings.TrimSpace(r.Stdout), "\t")
	if len(fields) != 7 || fields[1] != "2.4.0" || fields[2] != "601" || fields[3] != "IOS" || fields[4] != "COMPLETE" || fields[6] != "VALID" {
		t.Errorf("stdout %q", r.Stdout)
	}
}

func TestUploadOnATerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{})
	r := h.Run(t, true, "builds", "upload", ipa(t, "602", 512<<10), "--wait", "--poll", "10ms").Want(t, 0)
	for _, want := range []string{"upload ", "512.6 KiB / 512.6 KiB", "waiting for processing: "} {
		if !strings.Contains(r.Stderr, want) {
			t.Errorf("terminal progress lacks %q:\n%q", want, r.Stderr)
		}
	}
	if !strings.Contains(r.Stdout, "BUILD UPLOAD") || !strings.Contains(r.Stdout, "VALID") {
		t.Errorf("stdout %q", r.Stdout)
	}
}

func TestUploadJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{})
	r := h.Run(t, false, "builds", "upload", ipa(t, "603", 10<<10), "--json").Want(t, 0)
	var res struct {
		UploadID string `json:"buildUploadId"`
		State    string `json:"state"`
		Parts    int    `json:"parts"`
		Archive  struct {
			BundleID, Version, BuildNumber, Platform string
		} `json:"archive"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil {
		t.Fatalf("%v: %s", err, r.Stdout)
	}
	if res.UploadID == "" || res.Parts != 1 || res.Archive.BuildNumber != "603" || res.Archive.Platform != "IOS" {
		t.Errorf("%+v", res)
	}
}

func TestUploadTimeoutExits8(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{BuildProcessingDelay: 10 * time.Minute})
	r := h.Run(t, false, "builds", "upload", ipa(t, "604", 10<<10), "--wait", "--timeout", "300ms", "--poll", "50ms").Want(t, 8)
	if !strings.Contains(r.Err.Error(), "still processing") || !strings.Contains(r.Err.Error(), "ascend builds wait") {
		t.Errorf("error %v", r.Err)
	}
}

func TestUploadRefusalsWriteNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{})
	dup := ipa(t, "500", 0)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"builds", "upload", dup}, 1, "build number 500 is already used for version 2.4.0"},
		{[]string{"builds", "upload", dup, "--app", "com.example.ledger"}, 1, "built for bundle id com.example.daybreak, not com.example.ledger"},
		{[]string{"builds", "upload", filepath.Join(t.TempDir(), "none.ipa")}, 1, "does not exist"},
		{[]string{"builds", "upload"}, 2, "ascend builds upload <file.ipa | file.pkg>"},
		{[]string{"builds", "upload", dup, "--timeout", "0s"}, 2, "--timeout must be positive"},
		{[]string{"builds", "upload", dup, "--concurrency", "0"}, 2, "--concurrency 0 is out of range"},
	}
	for _, tc := range cases {
		r := h.Run(t, false, tc.args...).Want(t, tc.code)
		if !strings.Contains(r.Err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, r.Err, tc.want)
		}
	}
	if w := h.Writes(t); w != 0 {
		t.Errorf("%d writes", w)
	}
}

func TestListGetExpireUpdate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{})
	r := h.Run(t, false, "builds", "list", "--app", "com.example.quiethours").Want(t, 0)
	lines := strings.Split(strings.TrimSpace(r.Stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], "\t1.0.0\t3\tIOS\tVALID\t") {
		t.Fatalf("list:\n%s", r.Stdout)
	}
	r = h.Run(t, true, "builds", "list", "--app", "com.example.daybreak", "--version", "2.4.0", "--limit", "2").Want(t, 0)
	if !strings.HasPrefix(r.Stdout, "ID") || strings.Count(r.Stdout, "\n") != 3 {
		t.Errorf("terminal list:\n%s", r.Stdout)
	}
	r = h.Run(t, false, "builds", "get", "--app", "com.example.quiethours", "--version", "1.0.0", "--build-number", "2", "--json").Want(t, 0)
	var b struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			Version string `json:"version"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &b); err != nil || b.Type != "builds" || b.Attributes.Version != "2" {
		t.Fatalf("get --json: %v %s", err, r.Stdout)
	}
	r = h.Run(t, false, "builds", "expire", "--app", "com.example.quiethours", "--keep", "1").Want(t, 2)
	if !strings.Contains(r.Err.Error(), "--yes") {
		t.Errorf("expire without --yes in a pipe: %v", r.Err)
	}
	h.Run(t, false, "builds", "expire", "--app", "com.example.quiethours", "--keep", "1", "--dry-run").Want(t, 0)
	if w := h.Writes(t); w != 0 {
		t.Fatalf("%d writes before confirming", w)
	}
	r = h.Run(t, false, "builds", "expire", "--app", "com.example.quiethours", "--keep", "1", "--yes").Want(t, 0)
	if strings.Count(r.Stdout, "\tyes\t") != 2 || !strings.Contains(r.Stderr, "expired 2 builds, kept 1") {
		t.Errorf("expire:\n%s\n%s", r.Stdout, r.Stderr)
	}
	r = h.Run(t, false, "builds", "update", b.ID, "--uses-non-exempt-encryption=false").Want(t, 0)
	if !strings.Contains(r.Stderr, "already has this export compliance") {
		t.Errorf("update of a build already exempt: %s", r.Stderr)
	}
	r = h.Run(t, false, "builds", "update", b.ID, "--uses-non-exempt-encryption=true").Want(t, 0)
	if !strings.Contains(r.Stderr, "set usesNonExemptEncryption") || !strings.Contains(r.Stdout, "non-exempt") {
		t.Errorf("update:\n%s\n%s", r.Stdout, r.Stderr)
	}
	for _, bad := range [][]string{
		{"builds", "update", b.ID, "--uses-non-exempt-encryption=maybe"},
		{"builds", "update", b.ID},
		{"builds", "list"},
		{"builds", "get", b.ID, "--app", "x"},
		{"builds", "expire", "--app", "com.example.quiethours", "--older-than", "soon"},
		{"builds", "list", "--app", "com.example.quiethours", "--platform", "WATCH"},
	} {
		h.Run(t, false, bad...).Want(t, 2)
	}
}

func TestWaitCommand(t *testing.T) {
	t.Parallel()
	h := newHarness(t, sandbox.Options{BuildProcessingDelay: 150 * time.Millisecond})
	h.Run(t, false, "builds", "upload", ipa(t, "605", 10<<10)).Want(t, 0)
	r := h.Run(t, false, "builds", "wait", "--app", "com.example.daybreak", "--version", "2.4.0", "--build-number", "605", "--poll", "20ms").Want(t, 0)
	if !strings.Contains(r.Stdout, "\tVALID\t") || !strings.Contains(r.Stderr, "build ") {
		t.Errorf("wait:\n%s\n%s", r.Stdout, r.Stderr)
	}
	h.Run(t, false, "builds", "wait", "--app", "com.example.daybreak", "--build-number", "605").Want(t, 2)
}

// TestWaitNoWaitChecksOnce: builds wait --no-wait reads the build once: exit 8 while it is
// processing, 0 once it is VALID, on a terminal and in a pipe; --wait with --no-wait is a
// usage error.
func TestWaitNoWaitChecksOnce(t *testing.T) {
	t.Parallel()
	cmdtest.TerminalAndPipe(t, func(t *testing.T, tty bool) {
		h := newHarness(t, sandbox.Options{BuildProcessingDelay: 10 * time.Minute})
		h.Run(t, false, "builds", "upload", ipa(t, "606", 10<<10)).Want(t, 0)
		ref := []string{"builds", "wait", "--app", "com.example.daybreak", "--version", "2.4.0", "--build-number", "606"}
		before := h.Stats(t)["GET /v1/buildUploads/{id}"]
		r := h.Run(t, tty, append(ref, "--no-wait")...).Want(t, 8)
		if n := h.Stats(t)["GET /v1/buildUploads/{id}"] - before; n != 1 {
			t.Errorf("--no-wait checked %d times, want 1", n)
		}
		if msg := r.Err.Error(); !strings.Contains(msg, "is still processing") || strings.Contains(msg, " after ") {
			t.Errorf("--no-wait on a processing build: %v", msg)
		}
		h.Run(t, tty, append(ref, "--wait", "--no-wait")...).Want(t, 2)
		h.Run(t, tty, append(ref, "--timeout", "0s")...).Want(t, 2)
	})
	// A processed build: --no-wait says VALID and exits 0.
	h := newHarness(t, sandbox.Options{BuildProcessingDelay: 20 * time.Millisecond})
	h.Run(t, false, "builds", "upload", ipa(t, "607", 10<<10), "--wait").Want(t, 0)
	r := h.Run(t, false, "builds", "wait", "--app", "com.example.daybreak", "--version", "2.4.0", "--build-number", "607", "--no-wait").Want(t, 0)
	if !strings.Contains(r.Stdout, "\tVALID\t") {
		t.Errorf("--no-wait on a processed build:\n%s", r.Stdout)
	}
}
