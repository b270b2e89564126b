// Package folder holds what reading deliver's folders needs beyond the standard library:
// which entries to skip and which are folders once symbolic links are followed.
package folder

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Hidden reports a name that starts with a dot (.DS_Store, .gitkeep, macOS's ._ files): like
// the shell globs deliver uses, the layouts never read those.
func Hidden(name string) bool { return strings.HasPrefix(name, ".") }

// IsDir reports whether the entry of parent is a folder, following a symbolic link (deliver
// users link one locale's folder to another's to share its files).
func IsDir(parent string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.IsDir()
	}
	st, err := os.Stat(filepath.Join(parent, e.Name()))
	return err == nil && st.IsDir()
}

// IsLink reports whether path itself is a symbolic link.
func IsLink(path string) bool {
	st, err := os.Lstat(path)
	return err == nil && st.Mode()&fs.ModeSymlink != 0
}
