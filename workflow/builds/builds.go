// Package builds is the domain layer for builds: uploading an .ipa or .pkg through App Store
// Connect's Build Uploads API (reserve, parallel parts, commit with checksums, resume after a
// crash), waiting for processing by polling one build upload narrowly, and reading and
// changing builds. Every function works through the typed services of asc; a CLI command or
// a gateway action is a thin adapter over one of them.
package builds

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/elapsed"
	"github.com/ascend-tools/ascend/workflow/apps"
)

// Clock is the time a wait runs on. Tests and benchmarks pass one that advances the
// sandbox's clock instead of sleeping.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// counter counts the API requests a workflow makes, from several goroutines.
type counter struct{ n atomic.Int64 }

func (c *counter) add() { c.n.Add(1) }

func (c *counter) get() int { return int(c.n.Load()) }

// appRef is an app as far as builds are concerned.
type appRef struct {
	ID, BundleID string
}

// resolveApp finds the app by id or bundle id, with its bundle id (one read either way).
func resolveApp(ctx context.Context, c *asc.Client, app string, n *counter) (appRef, error) {
	if app == "" {
		return appRef{}, apps.ErrNoApp
	}
	n.add()
	a, err := apps.Get(ctx, c, app, []string{"bundleId"})
	if err != nil {
		return appRef{}, err
	}
	ref := appRef{ID: a.ID}
	if a.Attributes != nil {
		ref.BundleID = a.Attributes.BundleID
	}
	return ref, nil
}

// knownApp is the app a caller has looked up, when it says enough (an id and a bundle id);
// the zero appRef otherwise.
func knownApp(a *asc.App) appRef {
	if a == nil || a.ID == "" || a.Attributes == nil || a.Attributes.BundleID == "" {
		return appRef{}
	}
	return appRef{ID: a.ID, BundleID: a.Attributes.BundleID}
}

// ProcessingError reports a build upload or build that App Store Connect could not process,
// with Apple's reasons.
type ProcessingError struct {
	UploadID, BuildID string
	State             string
	Errors            []asc.StateDetail
}

func (e *ProcessingError) Error() string {
	var why, fixes []string
	for _, d := range e.Errors {
		why = append(why, strings.TrimSpace(d.Code+" "+d.Description))
		if is, ok := apple.LookupBuildIssue(d.Code); ok && !slices.Contains(fixes, is.Fix) {
			fixes = append(fixes, is.Fix)
		}
	}
	detail := strings.Join(why, "; ")
	if detail == "" {
		detail = "no reason given"
	}
	what := "build upload " + e.UploadID
	if e.BuildID != "" {
		what = "build " + e.BuildID
	}
	msg := fmt.Sprintf("App Store Connect could not process %s (%s): %s", what, e.State, detail)
	if len(fixes) > 0 {
		// What to do, for the codes Apple's table knows (apple.BuildIssues).
		msg += " (to fix: " + strings.Join(fixes, "; ") + ")"
	}
	return msg
}

// PendingError reports a wait that ended before processing did.
type PendingError struct {
	UploadID, BuildID string
	State, BuildState string
	Waited            time.Duration
}

func (e *PendingError) Error() string {
	state := e.State
	if e.BuildState != "" {
		state += ", build " + e.BuildState
	}
	id := "build upload " + e.UploadID
	if e.UploadID == "" {
		id = "build " + e.BuildID
	}
	if e.Waited <= 0 { // checked once (WaitOptions.Once)
		return fmt.Sprintf("%s is still processing (%s); run `ascend builds wait` to wait for it", id, state)
	}
	return fmt.Sprintf("%s is still processing (%s) after %s; run `ascend builds wait` to keep waiting", id, state, elapsed.String(e.Waited))
}
