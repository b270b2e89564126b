package screenshots_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/workflow/metadata"
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
	_, _, err = screenshots.Sync(t.Context(), e.c, metadata.Target{App: "com.example.shots"}, l, fastPoll)
	if err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("sync = %v, want an error saying 1.png changed", err)
	}
	if n := e.fake.Routes()["PATCH /v1/appScreenshots/{id}"]; n != 0 {
		t.Errorf("%d commits for a file that changed after the scan", n)
	}
}
