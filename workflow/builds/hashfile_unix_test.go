//go:build unix

package builds

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestHashFileMapsWindows: a file hashed from its maps, across window edges, gives the
// SHA-256 of its bytes, as a reader that is not a file does; a file cut short under its map
// is an error, not a crash.
func TestHashFileMapsWindows(t *testing.T) {
	page := int64(os.Getpagesize())
	defer func(w int64) { hashWindow = w }(hashWindow)
	hashWindow = 2 * page
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int64{0, 1, hashWindow - 1, hashWindow, hashWindow + 1, 5*hashWindow + 17} {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rnd.Uint32())
		}
		path := filepath.Join(t.TempDir(), "App.ipa")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		want := sha256.Sum256(data)
		h := sha256.New()
		if err := hashFile(h, f, size); err != nil || !bytes.Equal(h.Sum(nil), want[:]) {
			t.Errorf("%d bytes from the file: %v, sum %x want %x", size, err, h.Sum(nil), want)
		}
		f.Close()
		h.Reset()
		if err := hashFile(h, bytes.NewReader(data), size); err != nil || !bytes.Equal(h.Sum(nil), want[:]) {
			t.Errorf("%d bytes from a reader: %v", size, err)
		}
	}

	path := filepath.Join(t.TempDir(), "Shrinks.ipa")
	if err := os.WriteFile(path, make([]byte, 4*page), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, err := syscall.Mmap(int(f.Fd()), 0, int(4*page), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(b)
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	if err := hashMapped(sha256.New(), b); !errors.Is(err, errFileShrank) {
		t.Errorf("hashing a file cut short: %v", err)
	}
}
