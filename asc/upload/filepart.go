package upload

import (
	"io"
	"os"
	"sync"
	"syscall"
)

// filePart is a part's body read from a descriptor of its own of the file, positioned at the
// part. Over plain HTTP, net/http hands such a body to the connection whole and Linux sends
// it with sendfile(2): the bytes go from the page cache to the socket without a copy through
// the process. Over TLS it is read like any reader. Its own descriptor because the position
// is per descriptor and parts go in parallel.
type filePart struct {
	f         *os.File
	end       int64
	closeOnce sync.Once
}

// openFilePart opens the part [off, off+n) of src (an *os.File) again; ok is false when it
// cannot (src has no name that opens the same file, it is not a regular file).
func openFilePart(src io.ReaderAt, off, n int64) (*filePart, bool) {
	sf, isFile := src.(*os.File)
	if !isFile {
		return nil, false
	}
	want, err := sf.Stat()
	if err != nil || !want.Mode().IsRegular() {
		return nil, false
	}
	f, err := os.Open(sf.Name())
	if err != nil {
		return nil, false
	}
	got, err := f.Stat()
	if err != nil || !os.SameFile(want, got) {
		f.Close()
		return nil, false
	}
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		f.Close()
		return nil, false
	}
	return &filePart{f: f, end: off + n}, true
}

// Read reads up to the part's end from the descriptor's position, which sendfile may have
// moved: net/http reads the body on after its Content-Length to check it is done.
func (p *filePart) Read(b []byte) (int, error) {
	pos, err := p.f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	if pos >= p.end {
		return 0, io.EOF
	}
	if rest := p.end - pos; int64(len(b)) > rest {
		b = b[:rest]
	}
	return p.f.Read(b)
}

// SyscallConn is what lets the connection send the part with sendfile.
func (p *filePart) SyscallConn() (syscall.RawConn, error) { return p.f.SyscallConn() }

// Close closes the part's descriptor; net/http closes a body once sent, sendPart again.
func (p *filePart) Close() error {
	var err error
	p.closeOnce.Do(func() { err = p.f.Close() })
	return err
}
