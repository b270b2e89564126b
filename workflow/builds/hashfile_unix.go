//go:build unix

package builds

import (
	"errors"
	"hash"
	"io"
	"os"
	"runtime/debug"
	"syscall"
)

// hashWindow is how much of the file is mapped at a time: enough that mapping costs nothing
// against hashing, little enough that the memory counted to the process stays small.
var hashWindow int64 = 4 << 20

// hashFile writes the first size bytes of src into h. A file is hashed from memory maps of
// its pages, a window at a time, rather than copied into a buffer first: on a 4 GiB archive
// that copy is a tenth of the hash's CPU, and the hash is what an upload over a fast link
// waits for. A file that cannot be mapped is read.
func hashFile(h hash.Hash, src io.ReaderAt, size int64) error {
	f, ok := src.(*os.File)
	if !ok {
		return readHash(h, src, size)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return readHash(h, src, size)
	}
	for off := int64(0); off < size; off += hashWindow {
		n := min(hashWindow, size-off)
		var (
			b    []byte
			merr error
		)
		// Control holds the descriptor open while it is mapped: a run that ends closes the
		// file, which ends the pass at the next window.
		if err := rc.Control(func(fd uintptr) {
			b, merr = syscall.Mmap(int(fd), off, int(n), syscall.PROT_READ, syscall.MAP_SHARED)
		}); err != nil {
			return err
		}
		if merr != nil {
			if off == 0 {
				return readHash(h, src, size)
			}
			return merr
		}
		err := hashMapped(h, b)
		syscall.Munmap(b)
		if err != nil {
			return err
		}
	}
	return nil
}

// errFileShrank is a mapped file cut short while it was hashed (reading past its new end
// faults).
var errFileShrank = errors.New("the file was cut short while it was read")

// hashMapped hashes mapped pages; a fault (the file truncated under the map) is an error,
// not a crash.
func hashMapped(h hash.Hash, b []byte) (err error) {
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	defer func() {
		if r := recover(); r != nil {
			if _, fault := r.(interface{ Addr() uintptr }); fault {
				err = errFileShrank
				return
			}
			panic(r)
		}
	}()
	h.Write(b)
	return nil
}
