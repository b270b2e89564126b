package screenshots_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// A file rewritten between the scan and its upload (a screenshot tool still running) must not
// be sent under the scanned checksum: the sync stops for that file, commits nothing for it,
// and asks for a new run.
func TestFileChangedAfterScan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "en-US")
	path := filepath.Join(e.dir, "en-US", "1.png")
	writePNG(t, path, 368, 448, 1)
	l, err := screenshots.Load(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	writePNG(t, path, 368, 448, 2) // same size, other content
	_, _, err = screenshots.Sync(t.Context(), e.c, shotsApp, l, fastPoll)
	if err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("sync = %v, want an error saying 1.png changed", err)
	}
	if n := e.sb.Count("PATCH /v1/appScreenshots/{id}"); n != 0 {
		t.Errorf("%d commits for a file that changed after the scan", n)
	}
}

// openInDir counts this process's open files under dir (Linux's /proc), or -1.
func openInDir(dir string) int {
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	// Files, not descriptors: a file being uploaded is open once for its checks and once more
	// for each part in flight (each part is sent from its own descriptor, with sendfile).
	files := map[string]bool{}
	for _, fd := range fds {
		if target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name())); err == nil && strings.HasPrefix(target, dir) {
			files[target] = true
		}
	}
	return len(files)
}

// Files are opened for upload no faster than their parts can go out: a sync of hundreds of
// files must not hold hundreds open (macOS allows 256 by default).
func TestOpenFilesBounded(t *testing.T) {
	t.Parallel()
	if openInDir(os.TempDir()) < 0 {
		t.Skip("no /proc/self/fd to count open files")
	}
	e := newEnv(t, "en-US", "de-DE", "fr-FR")
	seed := 1
	for _, l := range []string{"en-US", "de-DE", "fr-FR"} {
		for i := range 10 {
			writePNG(t, filepath.Join(e.dir, l, fmt.Sprintf("%d.png", i)), 368, 448, seed)
			seed++
		}
	}
	dir, err := filepath.EvalSymlinks(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	// Each request, API call or upload part, counts the files open when it is sent.
	var most atomic.Int64
	observe := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if n := int64(openInDir(dir)); n > most.Load() {
			most.Store(n)
		}
		return http.DefaultTransport.RoundTrip(r)
	})
	e.sb.SetFaults(sandbox.Faults{Latency: 5 * time.Millisecond})
	c := e.sb.Client(asc.WithHTTPClient(&http.Client{Transport: observe}),
		asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	l, err := screenshots.Load(e.dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := fastPoll
	opts.PartConcurrency = 2
	opts.HTTPClient = &http.Client{Transport: observe}
	if _, res, err := screenshots.Sync(t.Context(), c, shotsApp, l, opts); err != nil || res.Uploaded != 30 {
		t.Fatalf("sync: %+v, %v", res, err)
	}
	// At most PartConcurrency files are open for upload; a part's own descriptor can outlive
	// its file's turn by a moment (the transport may still hold it when the part's answer is
	// in, and Go closes a descriptor when its last user lets go), so the bound counts those
	// parts too: 2 x PartConcurrency. Opening the files as fast as they are listed would hold
	// all 30.
	if n := most.Load(); n > 4 {
		t.Errorf("%d screenshot files open at once, want at most 2 x PartConcurrency (4)", n)
	}
	t.Logf("at most %d screenshot files open at once", most.Load())
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
