package builds

import (
	"context"
	"fmt"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
)

// WaitResult is where a wait ended.
type WaitResult struct {
	UploadID   string  `json:"buildUploadId,omitempty"`
	BuildID    string  `json:"buildId,omitempty"`
	State      string  `json:"state,omitempty"`
	BuildState string  `json:"buildState,omitempty"`
	Issues     []Issue `json:"issues,omitempty"`
	Polls      int     `json:"polls"`
	Requests   int     `json:"requests"`
}

// Wait polls one build upload until its build is VALID: one request per poll (the upload
// with its build included), never a list, with waits growing by half up to PollMax. New
// errors, warnings and infos are reported as they appear. A FAILED upload or a FAILED or
// INVALID build returns a *ProcessingError; the timeout a *PendingError.
func Wait(ctx context.Context, c *asc.Client, uploadID string, opts WaitOptions, progress func(Event)) (*WaitResult, error) {
	opts.defaults()
	emit := func(e Event) {
		if progress != nil {
			progress(e)
		}
	}
	var n counter
	return poll(ctx, c, uploadID, opts, emit, &n, true)
}

func poll(ctx context.Context, c *asc.Client, uploadID string, opts WaitOptions, emit func(Event), n *counter, pollFirst bool) (*WaitResult, error) {
	clock := opts.Clock
	start := clock.Now()
	deadline := start.Add(opts.Timeout)
	if opts.Once {
		deadline = start
	}
	delay := opts.PollInitial
	res := &WaitResult{UploadID: uploadID}
	defer func() { res.Requests = n.get() }()
	seen := map[Issue]bool{}
	sleep := func() (bool, error) {
		now := clock.Now()
		if !now.Before(deadline) {
			return false, nil
		}
		d := min(delay, deadline.Sub(now))
		delay = upload.NextWait(delay, opts.PollMax)
		return true, clock.Sleep(ctx, d)
	}
	if !pollFirst {
		if _, err := sleep(); err != nil {
			return res, err
		}
	}
	for {
		n.add()
		res.Polls++
		doc, _, err := c.BuildUploads.Get(ctx, uploadID, &asc.BuildUploadsGetOptions{
			FieldsBuildUploads: []string{"state", "build", "cfBundleShortVersionString", "cfBundleVersion", "platform"},
			FieldsBuilds:       []string{"version", "processingState"},
			Include:            []string{"build"}})
		if err != nil {
			if isNotFound(err) {
				return res, fmt.Errorf("build upload %s no longer exists (deleted, or never created with this key)", uploadID)
			}
			return res, fmt.Errorf("check build upload %s: %w", uploadID, err)
		}
		up := &doc.Data
		state := uploadState(up)
		buildID, buildState := relID(up.Relationships, "build"), ""
		for _, inc := range doc.Included {
			if b, ok := inc.(*asc.Build); ok && b.ID == buildID && b.Attributes != nil {
				buildState = string(b.Attributes.ProcessingState)
			}
		}
		if state != res.State || buildState != res.BuildState || buildID != res.BuildID {
			res.State, res.BuildID, res.BuildState = state, buildID, buildState
			emit(Event{Kind: EventState, UploadID: uploadID, BuildID: buildID, State: state, BuildState: buildState})
		}
		var errs []asc.StateDetail
		if up.Attributes != nil && up.Attributes.State != nil {
			st := up.Attributes.State
			errs = st.Errors
			for _, l := range []struct {
				level string
				list  []asc.StateDetail
			}{{"error", st.Errors}, {"warning", st.Warnings}, {"info", st.Infos}} {
				for _, d := range l.list {
					is := Issue{Level: l.level, Code: d.Code, Description: d.Description}
					if !seen[is] {
						seen[is] = true
						res.Issues = append(res.Issues, is)
						emit(Event{Kind: EventIssue, UploadID: uploadID, BuildID: buildID, Level: is.Level, Code: is.Code, Description: is.Description})
					}
				}
			}
		}
		switch {
		case state == string(asc.BuildUploadStateFailed):
			return res, &ProcessingError{UploadID: uploadID, State: state, Errors: errs}
		case buildState == string(asc.BuildProcessingStateFailed) || buildState == string(asc.BuildProcessingStateInvalid):
			return res, &ProcessingError{UploadID: uploadID, BuildID: buildID, State: buildState, Errors: errs}
		case buildState == string(asc.BuildProcessingStateValid):
			return res, nil
		case opts.UntilBuild && buildID != "":
			return res, nil
		case state == string(asc.BuildUploadStateComplete) && buildID == "":
			return res, nil
		}
		more, err := sleep()
		if err != nil {
			return res, err
		}
		if !more {
			return res, &PendingError{UploadID: uploadID, BuildID: buildID, State: state, BuildState: buildState, Waited: opts.waited(start, clock.Now())}
		}
	}
}
