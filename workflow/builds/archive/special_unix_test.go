//go:build unix

package archive_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/workflow/builds/archive"
)

// TestReadRefusesPipesAndDevices: a named pipe or a device named like an archive is refused
// by what it is, without opening it (opening a pipe waits for a writer in a system call
// that neither Ctrl-C nor SIGTERM ends, and `builds upload` hung until kill -9).
func TestReadRefusesPipesAndDevices(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pipe, dev := filepath.Join(dir, "Daybreak.ipa"), filepath.Join(dir, "Daybreak.pkg")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Skipf("no named pipe here: %v", err)
	}
	if err := os.Symlink("/dev/zero", dev); err != nil {
		t.Skipf("no symbolic link here: %v", err)
	}
	for path, want := range map[string]string{pipe: "it is not a regular file (a named pipe)", dev: "it is not a regular file (a device)"} {
		done := make(chan error, 1)
		go func() { _, err := archive.Read(path); done <- err }()
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "is not a valid build archive") {
				t.Errorf("%s: %v, want %q", filepath.Base(path), err, want)
			}
		case <-time.After(time.Minute): // a bound on a hang, not a measure of speed
			t.Fatalf("%s: Read did not return: it opened the pipe", filepath.Base(path))
		}
	}
}
