package builds

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

// TestSendCancelledDoesNotAwaitTheChecksum: a Send whose context ends during the parts
// returns then, without waiting for the checksum pass over the whole file (seconds of CPU on
// a large archive), which only the commit needs; deliver's stop of the upload beside its
// other steps, and Ctrl-C, wait for Send. The pass is held here until Send returns.
func TestSendCancelledDoesNotAwaitTheChecksum(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.New(sandbox.Options{ProcessingDelay: 20 * time.Millisecond, BuildProcessingDelay: 40 * time.Millisecond, PartSize: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithRateBudget(asc.NewRateBudget()))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "Daybreak.ipa")
	if err := archivetest.WriteIPA(path, archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: "777", Size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	p, err := Prepare(ctx, c, path, UploadOptions{StateDir: t.TempDir(), Progress: func(e Event) {
		if e.Kind == EventReserved {
			cancel() // the run stops as the parts start
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	p.u.sumMu.Lock() // the checksum pass, still under way
	done := make(chan error, 1)
	go func() {
		_, err := p.Send(ctx)
		done <- err
	}()
	select {
	case err := <-done:
		p.u.sumMu.Unlock()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Send: %v, want the context's end", err)
		}
	case <-time.After(30 * time.Second): // a guard against a hang, not a measure
		p.u.sumMu.Unlock()
		<-done
		t.Fatal("the cancelled Send waited for the checksum pass")
	}
}
