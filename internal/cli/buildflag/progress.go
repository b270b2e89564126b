// Package buildflag holds what the builds and TestFlight commands share: the flags naming a
// build, progress display and the mapping of workflow errors to exit codes.
package buildflag

import (
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// Progress shows an upload and the wait for processing: bars on a terminal, plain lines in
// a pipe (one per tenth of the parts, per state change and per message from Apple).
type Progress struct {
	f   *cli.Factory
	mu  sync.Mutex
	tty bool

	// terminal
	prog    *mpb.Progress
	bytes   *mpb.Bar
	waiting *mpb.Bar
	state   atomic.Value // string shown beside the processing spinner

	// pipe
	lastTenth int
}

// NewProgress returns the display for f's stderr. Call Done when the workflow returns.
func NewProgress(f *cli.Factory) *Progress {
	p := &Progress{f: f, tty: f.IO.ErrTTY, lastTenth: -1}
	p.state.Store("")
	if p.tty {
		p.prog = mpb.New(mpb.WithOutput(f.IO.ErrOut), mpb.WithWidth(32), mpb.WithAutoRefresh())
	}
	return p
}

// Event takes one workflow event; it is safe from several goroutines.
func (p *Progress) Event(e builds.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty {
		p.terminal(e)
		return
	}
	p.plain(p.f.IO.ErrOut, e)
}

func (p *Progress) terminal(e builds.Event) {
	switch e.Kind {
	case builds.EventReserved, builds.EventResumed:
		if p.bytes == nil {
			p.bytes = p.prog.AddBar(e.Total,
				mpb.PrependDecorators(decor.Name("upload ", decor.WC{W: 11, C: decor.DindentRight}), decor.CountersKibiByte("% .1f / % .1f")),
				mpb.AppendDecorators(decor.Percentage(decor.WC{W: 5}), decor.Name(" "), decor.AverageSpeed(decor.SizeB1024(0), "% .1f")))
		}
		if e.Kind == builds.EventResumed {
			p.bytes.SetCurrent(e.Bytes)
			p.line(fmt.Sprintf("resuming build upload %s: %d of %d parts already sent\n", e.UploadID, e.PartsDone, e.Parts))
		}
	case builds.EventBytes, builds.EventPart:
		if p.bytes != nil {
			p.bytes.SetCurrent(e.Bytes)
		}
	case builds.EventCommitted:
		if p.bytes != nil {
			p.bytes.SetCurrent(e.Total)
		}
	case builds.EventState:
		p.state.Store(stateText(e))
		if p.waiting == nil {
			// The upload bar is done; the wait shows its own stage, not a finished bar.
			p.waiting = p.prog.New(0, mpb.SpinnerStyle(),
				mpb.PrependDecorators(decor.Name("waiting for processing: ", decor.WC{C: decor.DindentRight}),
					decor.Any(func(decor.Statistics) string { return p.state.Load().(string) })),
				mpb.AppendDecorators(decor.Name(" "), decor.Elapsed(decor.ET_STYLE_GO)))
		}
	case builds.EventIssue, builds.EventWarning:
		p.line(issueText(e))
	}
}

// line prints above the bars.
func (p *Progress) line(s string) {
	if p.prog != nil {
		p.prog.Write([]byte(s))
	}
}

func (p *Progress) plain(w io.Writer, e builds.Event) {
	switch e.Kind {
	case builds.EventReserved:
		fmt.Fprintf(w, "reserved build upload %s: %d parts, %s\n", e.UploadID, e.Parts, size(e.Total))
	case builds.EventResumed:
		fmt.Fprintf(w, "resuming build upload %s: %d of %d parts already sent\n", e.UploadID, e.PartsDone, e.Parts)
		p.lastTenth = e.PartsDone * 10 / max(e.Parts, 1)
	case builds.EventPart:
		if tenth := e.PartsDone * 10 / max(e.Parts, 1); tenth > p.lastTenth {
			p.lastTenth = tenth
			fmt.Fprintf(w, "sent %d of %d parts (%s of %s)\n", e.PartsDone, e.Parts, size(e.Bytes), size(e.Total))
		}
	case builds.EventCommitted:
		fmt.Fprintf(w, "committed build upload %s\n", e.UploadID)
	case builds.EventState:
		fmt.Fprintf(w, "waiting for processing: %s\n", stateText(e))
	case builds.EventIssue, builds.EventWarning:
		fmt.Fprint(w, issueText(e))
	}
}

func stateText(e builds.Event) string {
	s := "upload " + e.State
	if e.BuildID != "" {
		s += ", build " + e.BuildID + " " + e.BuildState
	}
	return s
}

func issueText(e builds.Event) string {
	if e.Kind == builds.EventWarning {
		return "warning: " + e.Description + "\n"
	}
	return fmt.Sprintf("%s from App Store Connect: %s %s\n", e.Level, e.Code, e.Description)
}

func size(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// Done ends the bars (completed when err is nil, aborted otherwise) and waits for them to
// be drawn.
func (p *Progress) Done(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.tty {
		return
	}
	for _, b := range []*mpb.Bar{p.bytes, p.waiting} {
		if b == nil || b.Completed() {
			continue
		}
		if err == nil {
			b.SetTotal(-1, true)
			continue
		}
		b.Abort(false)
	}
	p.mu.Unlock()
	p.prog.Wait()
	p.mu.Lock()
}

// Err maps a workflow error to the CLI's: a wait that timed out exits 8.
func Err(err error) error {
	var pending *builds.PendingError
	if errors.As(err, &pending) {
		return cli.PendingErrorf("%v", err)
	}
	return err
}
