package versions_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

func TestCreateUpdateListAgain(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	r := h.Run(t, false, "versions", "create", "--app", "com.example.daybreak", "--platform", "mac_os", "--version", "2.4.0", "--release", "manual", "--copyright", "2026 Example").Want(t, 0)
	if !strings.Contains(r.Stderr, "created") || !strings.Contains(r.Stdout, "MANUAL") || !strings.Contains(r.Stdout, "2026 Example") {
		t.Errorf("create: %q %q", r.Stdout, r.Stderr)
	}
	writes := h.Writes(t)
	r = h.Run(t, false, "versions", "create", "--app", "com.example.daybreak", "--platform", "MAC_OS", "--version", "2.4.0", "--release", "manual", "--copyright", "2026 Example").Want(t, 0)
	if !strings.Contains(r.Stderr, "unchanged") || h.Writes(t) != writes {
		t.Errorf("second create: %q, %d writes", r.Stderr, h.Writes(t)-writes)
	}
	r = h.Run(t, false, "versions", "update", "--app", "com.example.quiethours", "--build", "1").Want(t, 0)
	if !strings.Contains(r.Stderr, "changed build") {
		t.Errorf("update: %q", r.Stderr)
	}
	r = h.Run(t, false, "versions", "list", "--app", "com.example.daybreak").Want(t, 0)
	if n := strings.Count(r.Stdout, "\n"); n != 4 {
		t.Errorf("list: %d lines:\n%s", n, r.Stdout)
	}
	r = h.Run(t, false, "versions", "get", "--app", "com.example.quiethours", "--json").Want(t, 0)
	if !strings.Contains(r.Stdout, `"buildNumber":"1"`) {
		t.Errorf("get --json: %s", r.Stdout)
	}
}

func TestUsageErrorsSendNothing(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	for _, args := range [][]string{
		{"versions", "create", "--app", "com.example.daybreak"},
		{"versions", "update", "--app", "com.example.daybreak", "--release", "someday"},
		{"versions", "update", "--app", "com.example.daybreak", "--release", "scheduled"},
		{"versions", "update", "--app", "com.example.daybreak", "--release-date", "tomorrow"},
		{"versions", "list", "--app", "com.example.daybreak", "--platform", "ANDROID"},
	} {
		h.Run(t, false, args...).Want(t, 2)
	}
	if h.Writes(t) != 0 {
		t.Errorf("%d writes", h.Writes(t))
	}
}

func TestAgeRatingPullPush(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	file := filepath.Join(t.TempDir(), "app_rating_config.json")
	r := h.Run(t, false, "versions", "age-rating", "pull", "--app", "com.example.daybreak", "--file", file).Want(t, 0)
	data, err := os.ReadFile(file)
	if err != nil || !strings.Contains(string(data), `"violenceCartoonOrFantasy": "NONE"`) || !strings.Contains(r.Stderr, "answers written") {
		t.Fatalf("pull: %s %v %q", data, err, r.Stderr)
	}
	if r = h.Run(t, false, "versions", "age-rating", "push", "--app", "com.example.daybreak", "--file", file).Want(t, 0); r.Stdout != "age rating: unchanged\n" {
		t.Errorf("push unchanged: %q", r.Stdout)
	}
	os.WriteFile(file, []byte(`{"CARTOON_FANTASY_VIOLENCE": 1, "gamblingAndContests": false}`), 0o644)
	r = h.Run(t, false, "versions", "age-rating", "push", "--app", "com.example.daybreak", "--file", file).Want(t, 0)
	if r.Stdout != "age rating: changed violenceCartoonOrFantasy\n" || !strings.Contains(r.Stderr, "gamblingAndContests is not applied") {
		t.Errorf("push: %q %q", r.Stdout, r.Stderr)
	}
	writes := h.Writes(t)
	os.WriteFile(file, []byte(`{"CARTOON_FANTASY_VIOLENCE": 7}`), 0o644)
	h.Run(t, false, "versions", "age-rating", "push", "--app", "com.example.daybreak", "--file", file).Want(t, 2)
	if h.Writes(t) != writes {
		t.Errorf("a bad file wrote")
	}
}

func TestReviewAttachments(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	dir := t.TempDir()
	a, b := filepath.Join(dir, "demo.mov"), filepath.Join(dir, "steps.pdf")
	os.WriteFile(a, []byte(strings.Repeat("video", 900)), 0o644)
	os.WriteFile(b, []byte("%PDF-1.4 steps"), 0o644)
	app := []string{"--app", "com.example.daybreak"}
	r := h.Run(t, false, append([]string{"versions", "review-attachments", a, b}, app...)...).Want(t, 0)
	if strings.Count(r.Stdout, "uploaded") != 2 || strings.Count(r.Stdout, "COMPLETE") != 2 {
		t.Fatalf("upload: %s", r.Stdout)
	}
	// Dropping one needs --yes in a pipe; nothing is removed without it.
	r = h.Run(t, false, append([]string{"versions", "review-attachments", a}, app...)...).Want(t, 2)
	if !strings.Contains(r.Err.Error(), "--yes") {
		t.Errorf("no --yes: %v", r.Err)
	}
	r = h.Run(t, false, append([]string{"versions", "review-attachments", a, "--yes"}, app...)...).Want(t, 0)
	if !strings.Contains(r.Stdout, "kept") || !strings.Contains(r.Stdout, "removed") {
		t.Errorf("sync: %s", r.Stdout)
	}
	r = h.Run(t, false, append([]string{"versions", "review-attachments"}, app...)...).Want(t, 0)
	if strings.Count(r.Stdout, "\n") != 1 || !strings.Contains(r.Stdout, "demo.mov") {
		t.Errorf("list: %s", r.Stdout)
	}
}

// TestReviewAttachmentsTimeoutAndNoWait: processing is awaited for at most --timeout (exit 8),
// and not at all with --no-wait (the upload left UPLOAD_COMPLETE, kept by the next run), on a
// terminal and in a pipe.
func TestReviewAttachmentsTimeoutAndNoWait(t *testing.T) {
	t.Parallel()
	cmdtest.TerminalAndPipe(t, func(t *testing.T, tty bool) {
		h := cmdtest.New(t, sandbox.Options{ProcessingDelay: 10 * time.Minute})
		dir := t.TempDir()
		a, b := filepath.Join(dir, "demo.mov"), filepath.Join(dir, "steps.pdf")
		os.WriteFile(a, []byte(strings.Repeat("video", 900)), 0o644)
		os.WriteFile(b, []byte("%PDF-1.4 steps"), 0o644)
		app := []string{"--app", "com.example.daybreak"}
		r := h.Run(t, tty, append([]string{"versions", "review-attachments", a, "--timeout", "200ms"}, app...)...).Want(t, 8)
		if !strings.Contains(r.Err.Error(), "still UPLOAD_COMPLETE") {
			t.Errorf("timeout: %v", r.Err)
		}
		polls := h.Stats(t)["GET /v1/appStoreReviewAttachments/{id}"]
		r = h.Run(t, tty, append([]string{"versions", "review-attachments", a, b, "--no-wait"}, app...)...).Want(t, 0)
		if n := h.Stats(t)["GET /v1/appStoreReviewAttachments/{id}"] - polls; n != 0 {
			t.Errorf("--no-wait polled %d times", n)
		}
		if strings.Count(r.Stdout, "UPLOAD_COMPLETE") != 2 || !strings.Contains(r.Stdout, "kept") || !strings.Contains(r.Stdout, "uploaded") {
			t.Errorf("--no-wait:\n%s", r.Stdout)
		}
	})
}
