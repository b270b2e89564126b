//go:build !unix

package builds

import (
	"hash"
	"io"
)

// hashFile writes the first size bytes of src into h.
func hashFile(h hash.Hash, src io.ReaderAt, size int64) error { return readHash(h, src, size) }
