package upload

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openFDs counts this process's open descriptors ("" when /proc is not there).
func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd to count descriptors: %v", err)
	}
	return len(ents)
}

// TestPartsFromAFileOverPlainHTTP sends the parts of a real file over plain HTTP, where they
// go from the file's own descriptors (sendfile on Linux), with a part failing once: every
// part must arrive with exactly its bytes and Content-Length, progress must count the file
// once, and no descriptor may be left open.
func TestPartsFromAFileOverPlainHTTP(t *testing.T) {
	data := make([]byte, 4<<20+12345) // parts of 1 MiB (sent from the file) and a short last one
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	path := filepath.Join(t.TempDir(), "App.ipa")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var (
		mu       sync.Mutex
		received = map[string][]byte{}
		tries    = map[string]int{}
	)
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		tries[r.URL.Path]++
		if err != nil || int64(len(b)) != r.ContentLength {
			http.Error(w, fmt.Sprintf("read %d of %d bytes: %v", len(b), r.ContentLength, err), http.StatusBadRequest)
			return
		}
		if r.URL.Path == "/p/2" && tries[r.URL.Path] == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		received[r.URL.Path] = b
	}))
	t.Cleanup(storage.Close)
	const part = directPartMin
	a := &Asset{Type: "buildUploadFiles", ID: "f1"}
	n := 0
	for off := 0; off < len(data); off += part {
		a.Attributes.UploadOperations = append(a.Attributes.UploadOperations,
			Operation{Method: http.MethodPut, URL: fmt.Sprintf("%s/p/%d", storage.URL, n), Offset: int64(off), Length: int64(min(part, len(data)-off))})
		n++
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := New(nil, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}, Options{PartConcurrency: 4})
	u.sleep = func(context.Context, time.Duration) error { return nil }
	before := openFDs(t)
	var sent int64
	err = u.SendPartsWith(t.Context(), a, File{Name: "App.ipa", Content: f, Size: int64(len(data))}, PartsOptions{
		OnBytes: func(n int64) { mu.Lock(); sent += n; mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	u.http.CloseIdleConnections()
	for i, op := range a.Attributes.UploadOperations {
		if got := received[fmt.Sprintf("/p/%d", i)]; !bytes.Equal(got, data[op.Offset:op.Offset+op.Length]) {
			t.Fatalf("part %d arrived with %d bytes, not its %d", i, len(got), op.Length)
		}
	}
	if sent != int64(len(data)) {
		t.Errorf("progress counted %d bytes, want %d", sent, len(data))
	}
	// Connections close asynchronously: give them a moment, boundedly.
	for i := 0; i < 50 && openFDs(t) > before; i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if after := openFDs(t); after > before {
		t.Errorf("%d descriptors open after the parts, %d before", after, before)
	}
}

// TestFilePartReadsOnlyItsPart reads a part through its body as TLS would (no sendfile):
// the part's bytes and then EOF, even from a position moved past it.
func TestFilePartReadsOnlyItsPart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, ok := openFilePart(f, 4, 6)
	if !ok {
		t.Fatal("openFilePart refused a regular file")
	}
	got, err := io.ReadAll(p)
	if err != nil || string(got) != "456789" {
		t.Fatalf("read %q, %v; want 456789", got, err)
	}
	if _, err := p.f.Seek(12, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if n, err := p.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("read past the part: %d, %v; want 0, EOF", n, err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatalf("a second Close: %v", err)
	}
	if _, ok := openFilePart(bytes.NewReader(nil), 0, 1); ok {
		t.Fatal("openFilePart took a reader that is not a file")
	}
}
