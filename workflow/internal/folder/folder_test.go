package folder

import (
	"os"
	"path/filepath"
	"testing"
)

func TestIsDirFollowsLinks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "real"), 0o755)
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o644)
	if err := os.Symlink("real", filepath.Join(dir, "link")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	os.Symlink("missing", filepath.Join(dir, "dangling"))
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"real": true, "link": true, "file": false, "dangling": false}
	for _, e := range entries {
		if got := IsDir(dir, e); got != want[e.Name()] {
			t.Errorf("IsDir(%s) = %v, want %v", e.Name(), got, want[e.Name()])
		}
	}
	if !IsLink(filepath.Join(dir, "link")) || IsLink(filepath.Join(dir, "real")) {
		t.Error("IsLink does not tell the link from the folder")
	}
	for name, hidden := range map[string]bool{".DS_Store": true, "._1.png": true, "1.png": false} {
		if Hidden(name) != hidden {
			t.Errorf("Hidden(%q) = %v", name, !hidden)
		}
	}
}
