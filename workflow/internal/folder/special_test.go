//go:build unix

package folder_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/workflow/internal/folder"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// special makes a folder, a named pipe and a link to /dev/zero in dir under the names given.
func special(t *testing.T, dir, folderName, pipe, device string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, folderName), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, pipe), 0o644); err != nil {
		t.Skipf("no named pipe here: %v", err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(dir, device)); err != nil {
		t.Skipf("no symbolic link here: %v", err)
	}
}

// returns runs f and fails when it has not returned within a minute: a bound on a hang
// (an open that waits for a pipe's writer, a read of a device that never ends), not a
// measure of speed.
func returns(t *testing.T, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("did not return within a minute: it opened a pipe or read a device")
	}
}

func TestOpenRefusesWhatIsNoFile(t *testing.T) {
	dir := t.TempDir()
	special(t, dir, "sub", "pipe", "zero")
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), make([]byte, folder.MaxText+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ok.txt"), []byte("fine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("ok.txt", filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	returns(t, func() {
		for name, want := range map[string]string{
			"sub":     "not a regular file but a folder",
			"pipe":    "not a regular file but a named pipe",
			"zero":    "not a regular file but a device",
			"missing": "no such file or directory",
			"big.txt": "over 1 MiB, more than such a file holds",
		} {
			_, err := folder.ReadFile(filepath.Join(dir, name), folder.MaxText)
			var pe *fs.PathError
			if !errors.As(err, &pe) || !strings.HasSuffix(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("ReadFile(%s) = %v, want a path error ending %q", name, err, want)
			}
		}
		for _, name := range []string{"ok.txt", "link.txt"} {
			if b, err := folder.ReadFile(filepath.Join(dir, name), folder.MaxText); err != nil || string(b) != "fine" {
				t.Errorf("ReadFile(%s) = %q, %v", name, b, err)
			}
		}
	})
}

// A pipe or a device where a metadata file or a screenshot belongs is one problem by name;
// the folder is read to the end, nothing waits.
func TestFoldersWithSpecialFiles(t *testing.T) {
	dir := t.TempDir()
	en := filepath.Join(dir, "en-US")
	if err := os.MkdirAll(en, 0o755); err != nil {
		t.Fatal(err)
	}
	special(t, en, "unused", "description.txt", "keywords.txt")
	if err := os.WriteFile(filepath.Join(en, "name.txt"), []byte("Daybreak"), 0o644); err != nil {
		t.Fatal(err)
	}
	returns(t, func() {
		_, problems, err := metadata.Read(dir)
		if err != nil {
			t.Fatal(err)
		}
		got := problemText(problems)
		for _, want := range []string{"en-US/description.txt: ", "not a regular file but a named pipe", "en-US/keywords.txt: ", "not a regular file but a device"} {
			if !strings.Contains(got, want) {
				t.Errorf("metadata problems lack %q:\n%s", want, got)
			}
		}
	})

	shots := t.TempDir()
	special(t, shots, "en-US", "en-US/1_iphone.png", "en-US/2_iphone.png")
	returns(t, func() {
		_, problems, err := screenshots.Scan(shots)
		if err != nil {
			t.Fatal(err)
		}
		got := problemText(problems)
		for _, want := range []string{"en-US/1_iphone.png", "not a regular file but a named pipe", "en-US/2_iphone.png", "not a regular file but a device"} {
			if !strings.Contains(got, want) {
				t.Errorf("screenshot problems lack %q:\n%s", want, got)
			}
		}
	})
}

func problemText(problems []metadata.Problem) string {
	var b strings.Builder
	for _, p := range problems {
		b.WriteString(p.String() + "\n")
	}
	return b.String()
}
