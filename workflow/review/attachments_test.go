package review_test

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/review"
)

func writeFile(t *testing.T, dir, name string, size int) string {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func actions(res *review.AttachmentsResult) string {
	var out []string
	for _, a := range res.Attachments {
		out = append(out, a.FileName+":"+a.Action)
	}
	return strings.Join(out, " ")
}

func TestAttachmentsSyncOnceAndConverge(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{PartSize: 64 << 10})
	c := sb.Client()
	dir := t.TempDir()
	demo := writeFile(t, dir, "demo.mov", 200<<10)
	guide := writeFile(t, dir, "guide.pdf", 3000)
	req := review.AttachmentsRequest{App: "com.example.daybreak", Files: []string{demo, guide},
		Upload: upload.Options{PollInitial: 5 * time.Millisecond, PollMax: 20 * time.Millisecond}}
	// The first reserve's answer is lost after it took effect, and a part fails twice.
	sb.Fail(sandbox.FaultRule{Method: "POST", Route: "/v1/appStoreReviewAttachments", After: true, Drop: true, Times: 1},
		sandbox.FaultRule{Route: "/sandbox/upload/{token}/{part}", Status: 503, Times: 2})
	res, err := review.SyncAttachments(t.Context(), c, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := actions(res); got != "demo.mov:uploaded guide.pdf:uploaded" {
		t.Fatalf("first sync: %s", got)
	}
	for _, a := range res.Attachments {
		if a.State != "COMPLETE" || a.ID == "" {
			t.Errorf("attachment %+v", a)
		}
	}
	if n := sb.Count("POST /v1/appStoreReviewAttachments"); n != 2 {
		t.Errorf("%d reservations for 2 files", n)
	}
	writes := sb.Writes()
	again, err := review.SyncAttachments(t.Context(), c, req)
	if err != nil || actions(again) != "demo.mov:kept guide.pdf:kept" || sb.Writes() != writes {
		t.Fatalf("second sync: %s %v, %d writes", actions(again), err, sb.Writes()-writes)
	}
	// A new guide, the demo dropped.
	writeFile(t, dir, "guide.pdf", 4000)
	req.Files = []string{guide}
	dry := req
	dry.DryRun = true
	if d, err := review.SyncAttachments(t.Context(), c, dry); err != nil || actions(d) != "guide.pdf:uploaded demo.mov:removed guide.pdf:removed" || sb.Writes() != writes {
		t.Fatalf("dry run: %s %v", actions(d), err)
	}
	third, err := review.SyncAttachments(t.Context(), c, req)
	if err != nil || actions(third) != "guide.pdf:uploaded demo.mov:removed guide.pdf:removed" {
		t.Fatalf("third sync: %s %v", actions(third), err)
	}
	list, err := review.SyncAttachments(t.Context(), c, review.AttachmentsRequest{App: "com.example.daybreak", List: true})
	if err != nil || len(list.Attachments) != 1 || list.Attachments[0].FileSize != 4000 {
		t.Fatalf("list: %+v %v", list, err)
	}
}

func TestAnInterruptedUploadIsResumed(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	file := writeFile(t, t.TempDir(), "demo.mov", 10<<10)
	req := review.AttachmentsRequest{App: "com.example.daybreak", Files: []string{file},
		Upload: upload.Options{PollInitial: 5 * time.Millisecond, PartAttempts: 1}}
	// Every part fails: the run stops with a reservation and no content.
	sb.Fail(sandbox.FaultRule{Route: "/sandbox/upload/{token}/{part}", Status: 500})
	if _, err := review.SyncAttachments(t.Context(), c, req); err == nil {
		t.Fatal("no error while every part failed")
	}
	sb.Fail()
	res, err := review.SyncAttachments(t.Context(), c, req)
	if err != nil || actions(res) != "demo.mov:uploaded" || res.Attachments[0].State != "COMPLETE" {
		t.Fatalf("resumed: %s %v", actions(res), err)
	}
	if n := sb.Count("POST /v1/appStoreReviewAttachments"); n != 1 {
		t.Errorf("%d reservations, want the first one reused", n)
	}
}

func TestBadAttachmentsSendNothing(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pdf")
	os.WriteFile(empty, nil, 0o644)
	a := writeFile(t, dir, "a.pdf", 10)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	b := writeFile(t, filepath.Join(dir, "sub"), "a.pdf", 10)
	_, err := review.SyncAttachments(t.Context(), sb.Client(), review.AttachmentsRequest{App: "com.example.daybreak",
		Files: []string{filepath.Join(dir, "missing.pdf"), empty, dir, a, b}})
	for _, want := range []string{"missing.pdf: no such file", "empty.pdf is empty", "is a folder", "a second file named a.pdf"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v, want %q", err, want)
		}
	}
	if n := len(sb.Stats().ByRoute); n != 0 {
		t.Errorf("requests sent: %v", sb.Stats().ByRoute)
	}
}
