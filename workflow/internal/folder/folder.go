// Package folder holds what reading deliver's folders needs beyond the standard library:
// which entries to skip, which are folders once symbolic links are followed, and opening only
// regular files of a bounded size.
package folder

import (
	"errors"
	"fmt"
	"io"
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

// MaxText is the most a text file of a folder may hold (metadata fields, What to Test):
// Apple's longest field is 4,000 characters, 16 KB in UTF-8 at most; a larger file is a
// mistake (a file saved under the wrong name), refused before it is read into memory.
const MaxText = 1 << 20

// Open opens a regular file of a folder. Anything else is refused before it is opened, with
// what it is: opening a named pipe waits for a writer, and reading a device may never end.
func Open(path string) (*os.File, error) {
	if err := regular(path); err != nil {
		return nil, err
	}
	return os.Open(path)
}

// ReadFile reads a regular file of at most max bytes (see Open).
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, &fs.PathError{Op: "read", Path: path, Err: fmt.Errorf("over %s, more than such a file holds", size(max))}
	}
	return b, nil
}

// regular is nil for a regular file (a symbolic link to one included), an error naming what
// path is otherwise, or the error of its stat.
func regular(path string) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if kind := Kind(st.Mode()); kind != "" {
		return &fs.PathError{Op: "open", Path: path, Err: errors.New("not a regular file but " + kind)}
	}
	return nil
}

// Kind names what a file of mode m is when it is not a regular file ("a folder", "a named
// pipe", "a socket", "a device", "a special file"); "" for a regular file.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
