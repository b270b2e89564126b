// Package builds is the domain layer for builds: uploading an .ipa or .pkg through App Store
// Connect's Build Uploads API (reserve, parallel parts, commit with checksums, resume after a
// crash), waiting for processing by polling one build upload narrowly, and reading and
// changing builds. Every function works through the typed services of asc; a CLI command or
// a gateway action is a thin adapter over one of them.
package builds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/asc"
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

// resolveApp finds the app by id (one read, for its bundle id) or by bundle id (one read).
func resolveApp(ctx context.Context, c *asc.Client, app string, n *counter) (appRef, error) {
	if app == "" {
		return appRef{}, errors.New("no app given; pass --app with the app's id or bundle id")
	}
	if strings.Trim(app, "0123456789") == "" {
		n.add()
		doc, _, err := c.Apps.Get(ctx, app, &asc.AppsGetOptions{FieldsApps: []string{"bundleId"}})
		if err != nil {
			var er *asc.ErrorResponse
			if errors.As(err, &er) && er.StatusCode == 404 {
				return appRef{}, fmt.Errorf("no app with id %s is visible to this key; check --app", app)
			}
			return appRef{}, fmt.Errorf("look up app %s: %w", app, err)
		}
		ref := appRef{ID: doc.Data.ID}
		if doc.Data.Attributes != nil {
			ref.BundleID = doc.Data.Attributes.BundleID
		}
		return ref, nil
	}
	n.add()
	doc, _, err := c.Apps.List(ctx, &asc.AppsListOptions{FilterBundleID: []string{app}, FieldsApps: []string{"bundleId"}, Limit: 200})
	if err != nil {
		return appRef{}, fmt.Errorf("look up app %s: %w", app, err)
	}
	for _, a := range doc.Data {
		if a.Attributes != nil && a.Attributes.BundleID == app {
			return appRef{ID: a.ID, BundleID: app}, nil
		}
	}
	return appRef{}, fmt.Errorf("no app with bundle id %s is visible to this key; create the app in App Store Connect first, or check --app", app)
}

// ProcessingError reports a build upload or build that App Store Connect could not process,
// with Apple's reasons.
type ProcessingError struct {
	UploadID, BuildID string
	State             string
	Errors            []asc.StateDetail
}

func (e *ProcessingError) Error() string {
	var why []string
	for _, d := range e.Errors {
		why = append(why, strings.TrimSpace(d.Code+" "+d.Description))
	}
	detail := strings.Join(why, "; ")
	if detail == "" {
		detail = "no reason given"
	}
	what := "build upload " + e.UploadID
	if e.BuildID != "" {
		what = "build " + e.BuildID
	}
	return fmt.Sprintf("App Store Connect could not process %s (%s): %s", what, e.State, detail)
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
	return fmt.Sprintf("%s is still processing (%s) after %s; run `ascend builds wait` to keep waiting", id, state, e.Waited.Round(time.Second))
}
