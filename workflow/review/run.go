package review

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/internal/elapsed"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// SendRequest is what `ascend submit` asks: the app's version (the one being prepared by
// default), a build to attach first, and whether to wait for App Review's outcome.
type SendRequest struct {
	App      string // id or bundle id
	Platform asc.Platform
	Version  string // version string; "" for the one being prepared
	Build    string // build number to attach before submitting; "" keeps the attached one
	// Resubmit sends a version App Review rejected again (once fixed); without it Send shows
	// the rejection and sends nothing, as a run again after the wait should. A Build other
	// than the one the rejected version has is a new attempt: it is sent without Resubmit.
	Resubmit    bool
	Wait        bool
	WaitOptions WaitOptions
}

// SendResult is where a submission stands after Send.
type SendResult struct {
	Version versions.Version `json:"version"`
	Result  *Result          `json:"submission,omitempty"`
	Outcome *Outcome         `json:"outcome,omitempty"`
	// AlreadyReviewed: App Review had finished with the version in the app's latest
	// submission before this run, which sent nothing and shows that outcome.
	AlreadyReviewed bool `json:"alreadyReviewed,omitempty"`
	Requests        int  `json:"requests"`
}

// Send checks the version is ready (every missing piece at once, nothing sent when one is),
// then submits it through Submit (one open submission, reused, never a second), and with
// Wait follows App Review to its outcome.
func Send(ctx context.Context, c *asc.Client, req SendRequest) (*SendResult, error) {
	app, n, err := apps.Resolve(ctx, c, req.App)
	if err != nil {
		return nil, err
	}
	out := &SendResult{Requests: n}
	q := versions.Query{App: app.ID, Platform: req.Platform, Version: req.Version}
	v, err := versions.Get(ctx, c, q)
	out.Requests++
	if req.Version == "" && errors.Is(err, versions.ErrNotFound) {
		// Nothing being prepared: an earlier run may have sent it and stopped while waiting
		// (Ctrl-C, --timeout, a lost connection); the version App Review has is followed, or
		// the one it has just finished with shown.
		found, r, n, ferr := versionInReview(ctx, c, app.ID, req.Platform, req.WaitOptions.Clock)
		out.Requests += n
		switch {
		case ferr != nil:
			err = ferr
		case r != nil:
			return out.reviewed(req, found, r, r.outcome(found.ID))
		case found != nil:
			v, err = found, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if !v.Editable() && !apple.IsWithAppReview(v.State) {
		// App Review may have finished with it since an earlier run sent it.
		if res, ok, err := out.finishedReview(ctx, c, req, app.ID, v); ok {
			return res, err
		}
		return nil, fmt.Errorf("version %s (%s) is %s: it is not being prepared, so there is nothing to submit", v.Version, v.Platform, v.State)
	}
	if !v.Editable() {
		// Already submitted by an earlier run (that may have died or been interrupted before
		// saying so): follow its submission, writing nothing.
		out.Version = *v
		res, n, err := following(ctx, c, app.ID, v)
		out.Requests += n
		if err != nil {
			return nil, err
		}
		if req.Build != "" && req.Build != v.BuildNumber {
			return nil, fmt.Errorf("version %s (%s) is %s with build %s: build %s cannot be attached until App Review is done or the submission is cancelled", v.Version, v.Platform, v.State, v.BuildNumber, req.Build)
		}
		return out.follow(ctx, c, res, req)
	}
	newBuild := req.Build != "" && req.Build != v.BuildNumber
	if apple.IsRejected(v.State) && !req.Resubmit && !newBuild {
		// Rejected: by App Review after an earlier run sent it (shown, nothing sent), or
		// removed from review by the developer (sent again).
		if res, ok, err := out.finishedReview(ctx, c, req, app.ID, v); ok {
			return res, err
		}
	}
	if req.Build != "" {
		ch, err := versions.Update(ctx, c, versions.Change{Query: versions.Query{App: app.ID, Platform: asc.Platform(v.Platform), Version: v.Version}, Build: req.Build})
		if err != nil {
			return nil, err
		}
		v = &ch.Version
	}
	out.Version = *v
	missing, n, err := Check(ctx, c, Target{AppID: app.ID, VersionID: v.ID, Version: v.Version, Platform: asc.Platform(v.Platform)})
	out.Requests += n
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return out, &NotReadyError{Version: v.Version, Missing: missing}
	}
	res, err := Submit(ctx, c, Request{App: app.ID, Version: v.ID, Platform: asc.Platform(v.Platform), Submit: true})
	if res != nil {
		out.Requests += res.Requests
	}
	if err != nil {
		return out, err
	}
	return out.follow(ctx, c, res, req)
}

// follow records the submission and, with Wait, follows it to App Review's outcome.
func (out *SendResult) follow(ctx context.Context, c *asc.Client, res *Result, req SendRequest) (*SendResult, error) {
	out.Result = res
	if req.Wait {
		o, err := Wait(ctx, c, res.Submission.ID, req.WaitOptions)
		if o != nil {
			out.Outcome = o
			out.Requests += o.Requests
		}
		var rej *RejectedError
		if errors.As(err, &rej) && rej.Version == "" {
			rej.Version = out.Version.Version
		}
		return out, err
	}
	return out, nil
}

// versionInReview returns the app's version (of platform, when set) that App Review has,
// waiting or in review: one request. With none, it returns the version App Review has
// finished with in the app's latest review submission (two more requests), when that review
// is recent (a version long on the App Store is not what a run naming none came back for);
// else nil.
func versionInReview(ctx context.Context, c *asc.Client, appID string, platform asc.Platform, clock builds.Clock) (*versions.Version, *lastReview, int, error) {
	all, err := versions.List(ctx, c, versions.Query{App: appID, Platform: platform})
	if err != nil {
		return nil, nil, 1, err
	}
	vs := slices.DeleteFunc(slices.Clone(all), func(v versions.Version) bool { return !apple.IsWithAppReview(v.State) })
	switch len(vs) {
	case 0:
		r, n, err := latestReview(ctx, c, appID, platform)
		if err != nil || r == nil {
			return nil, nil, 1 + n, err
		}
		if clock == nil {
			clock = wallClock{}
		}
		for i := range all {
			if v := &all[i]; outcomeOf(r, v) != nil && recent(v, r, clock.Now()) {
				return v, r, 1 + n, nil
			}
		}
		return nil, nil, 1 + n, nil
	case 1:
		return &vs[0], nil, 1, nil
	}
	var where []string
	for _, v := range vs {
		where = append(where, v.Version+" "+v.Platform)
	}
	return nil, nil, 1, fmt.Errorf("no version of app %s is being prepared, and App Review has several (%s); pass --platform", appID, strings.Join(where, ", "))
}

// outcomeOf is App Review's finished word on v in the app's latest submission r, or nil.
func outcomeOf(r *lastReview, v *versions.Version) *Outcome {
	if r == nil {
		return nil
	}
	return r.outcome(v.ID)
}

// following returns the open submission App Review has with the version in it, reading
// only; a version that is in no such submission has nothing to submit or follow.
func following(ctx context.Context, c *asc.Client, appID string, v *versions.Version) (*Result, int, error) {
	res := &Result{}
	sub, err := findOpen(ctx, c, Request{App: appID, Platform: asc.Platform(v.Platform)}, res)
	if err == nil && sub != nil && inReview(attrs(sub).State) {
		var present bool
		present, err = hasItem(ctx, c, sub.ID, v.ID, res)
		if err == nil && present {
			res.Submission = *sub
			return res, res.Requests, nil
		}
	}
	if err != nil {
		return nil, res.Requests, err
	}
	return nil, res.Requests, fmt.Errorf("version %s (%s) is %s: it is not being prepared, so there is nothing to submit", v.Version, v.Platform, v.State)
}

// WaitOptions bound a wait. Zero values take the defaults.
type WaitOptions struct {
	Timeout     time.Duration // default 48h
	PollInitial time.Duration // default 1m
	PollMax     time.Duration // default 30m
	Clock       builds.Clock  // default the wall clock
	// Progress is told each state the submission is seen in.
	Progress func(state asc.ReviewSubmissionState)
}

// Outcome is where App Review left a submission.
type Outcome struct {
	SubmissionID string                    `json:"submissionId"`
	State        asc.ReviewSubmissionState `json:"state"`
	Approved     bool                      `json:"approved"`
	Items        []string                  `json:"itemStates,omitempty"`
	Polls        int                       `json:"polls"`
	Requests     int                       `json:"requests"`
}

// PendingError says the wait ended before App Review did.
type PendingError struct {
	SubmissionID string
	State        asc.ReviewSubmissionState
	Waited       time.Duration
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("review submission %s is still %s after %s; run again with --wait to keep following it", e.SubmissionID, e.State, elapsed.String(e.Waited))
}

// RejectedError is App Review's rejection, seen by Wait, or found by Send in the app's latest
// review submission (Earlier) after an earlier run sent the version; then nothing was sent.
type RejectedError struct {
	Outcome   *Outcome
	Version   string     // the version string, when known
	Earlier   bool       // found already reviewed: this run sent nothing
	Submitted *time.Time // when the submission went to App Review, when known
}

func (e *RejectedError) Error() string {
	found := "App Review found issues with"
	switch {
	case e.Earlier && e.Version != "":
		found = "version " + e.Version + " was already reviewed: " + found
	case e.Earlier:
		found = "already reviewed: " + found
	case e.Version != "":
		found = "version " + e.Version + ": " + found
	}
	when, sent := "", ""
	if e.Submitted != nil {
		when = ", submitted " + e.Submitted.UTC().Format(time.RFC3339)
	}
	if e.Earlier {
		sent = "; nothing sent"
	}
	return fmt.Sprintf("%s submission %s (%s, items %v%s)%s: read the reviewer's message in App Store Connect's Resolution Center, fix, and submit again with --resubmit (or with another --build)",
		found, e.Outcome.SubmissionID, e.Outcome.State, e.Outcome.Items, when, sent)
}

// finished are the states App Review leaves a submission in.
var finished = []asc.ReviewSubmissionState{asc.ReviewSubmissionStateComplete, asc.ReviewSubmissionStateUnresolvedIssues}

// Wait follows one submission with a single GET per poll, the wait between polls growing by
// half up to PollMax: a review of a day costs tens of requests, not thousands.
func Wait(ctx context.Context, c *asc.Client, subID string, opts WaitOptions) (*Outcome, error) {
	opts = opts.orDefaults(48*time.Hour, time.Minute, 30*time.Minute)
	start := opts.Clock.Now()
	deadline := start.Add(opts.Timeout)
	delay := opts.PollInitial
	o := &Outcome{SubmissionID: subID}
	var last asc.ReviewSubmissionState
	for {
		o.Polls++
		o.Requests++
		got, _, err := c.ReviewSubmissions.Get(ctx, subID, nil)
		if err != nil {
			return o, fmt.Errorf("read review submission %s: %w", subID, err)
		}
		o.State = attrs(&got.Data).State
		if o.State != last && opts.Progress != nil {
			opts.Progress(o.State)
		}
		last = o.State
		if slices.Contains(finished, o.State) {
			o.Requests++
			items, _, err := c.ReviewSubmissions.ListItems(ctx, subID, &asc.ReviewSubmissionsListItemsOptions{Limit: 50})
			if err == nil {
				for _, it := range items.Data {
					if it.Attributes != nil {
						o.Items = append(o.Items, string(it.Attributes.State))
					}
				}
			}
			o.Approved = o.State == asc.ReviewSubmissionStateComplete
			if !o.Approved {
				return o, &RejectedError{Outcome: o}
			}
			return o, nil
		}
		now := opts.Clock.Now()
		if !now.Before(deadline) {
			return o, &PendingError{SubmissionID: subID, State: o.State, Waited: now.Sub(start)}
		}
		if err := opts.Clock.Sleep(ctx, min(delay, deadline.Sub(now))); err != nil {
			return o, err
		}
		delay = upload.NextWait(delay, opts.PollMax)
	}
}

// orDefaults fills what a wait's options leave unset: the timeout, the first and the longest
// wait between polls, and the wall clock.
func (o WaitOptions) orDefaults(timeout, pollInitial, pollMax time.Duration) WaitOptions {
	if o.Timeout <= 0 {
		o.Timeout = timeout
	}
	if o.PollInitial <= 0 {
		o.PollInitial = pollInitial
	}
	if o.PollMax <= 0 {
		o.PollMax = pollMax
	}
	if o.Clock == nil {
		o.Clock = wallClock{}
	}
	return o
}

type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }
func (wallClock) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// CancelResult says what Cancel did.
type CancelResult struct {
	SubmissionID string                    `json:"submissionId,omitempty"`
	State        asc.ReviewSubmissionState `json:"state,omitempty"`
	Canceled     bool                      `json:"canceled"` // false: nothing open to cancel, or already canceling
}

// ErrNothingOpen: the app has no open submission for the platform.
var ErrNothingOpen = errors.New("the app has no open review submission for the platform")

// Cancel cancels the app's open submission for the platform; one already canceling is left
// as it is, so running it again changes nothing.
func Cancel(ctx context.Context, c *asc.Client, app string, platform asc.Platform) (*CancelResult, error) {
	a, _, err := apps.Resolve(ctx, c, app)
	if err != nil {
		return nil, err
	}
	if platform == "" {
		platform = asc.PlatformIOS
	}
	var res Result
	sub, err := findOpen(ctx, c, Request{App: a.ID, Platform: platform}, &res)
	if err != nil {
		return nil, err
	}
	if sub == nil {
		return &CancelResult{}, nil
	}
	out := &CancelResult{SubmissionID: sub.ID, State: attrs(sub).State}
	switch out.State {
	case asc.ReviewSubmissionStateCanceling, asc.ReviewSubmissionStateReadyForReview, asc.ReviewSubmissionStateCompleting:
		return out, nil
	}
	state, err := cancelSubmission(ctx, c, sub.ID, &res)
	if err != nil {
		return nil, err
	}
	out.State, out.Canceled = state, true
	return out, nil
}

// cancelSubmission sends the cancel of a submission; after a failure it reads the submission
// back, since the cancel may have been made (then it is CANCELING, and no error). It returns
// the submission's state as App Store Connect answered.
func cancelSubmission(ctx context.Context, c *asc.Client, subID string, res *Result) (asc.ReviewSubmissionState, error) {
	body := &asc.ReviewSubmissionUpdateRequest{Data: asc.ReviewSubmissionUpdateRequestData{
		ID: subID, Attributes: &asc.ReviewSubmissionUpdateRequestAttributes{Canceled: asc.Ptr(true)}}}
	res.Requests++
	updated, _, err := c.ReviewSubmissions.Update(ctx, subID, body)
	if err != nil {
		res.Requests++
		got, _, rerr := c.ReviewSubmissions.Get(ctx, subID, nil)
		if rerr == nil && attrs(&got.Data).State == asc.ReviewSubmissionStateCanceling {
			return asc.ReviewSubmissionStateCanceling, nil
		}
		return "", fmt.Errorf("cancel review submission %s: %w", subID, err)
	}
	return attrs(&updated.Data).State, nil
}

// SubmitReady is Submit for a version named by id, as the gateway and agents name it: when
// req.Submit is set it first checks the version is ready (every missing piece at once in a
// *NotReadyError, nothing sent when one is), as Send does for the CLI. Preparing a submission
// without submitting it (req.Submit false) needs no check: App Review reads nothing yet.
func SubmitReady(ctx context.Context, c *asc.Client, req Request) (*Result, error) {
	if req.App == "" || req.Version == "" || req.Platform == "" {
		return nil, errors.New("an app id, a version id and a platform are required")
	}
	if req.Submit {
		doc, _, err := c.AppStoreVersions.Get(ctx, req.Version, &asc.AppStoreVersionsGetOptions{FieldsAppStoreVersions: []string{"versionString"}})
		if err != nil {
			return nil, fmt.Errorf("read version %s: %w", req.Version, err)
		}
		name := req.Version
		if a := doc.Data.Attributes; a != nil && a.VersionString != "" {
			name = a.VersionString
		}
		missing, _, err := Check(ctx, c, Target{AppID: req.App, VersionID: req.Version, Version: name, Platform: req.Platform})
		if err != nil {
			return nil, err
		}
		if len(missing) > 0 {
			return nil, &NotReadyError{Version: name, Missing: missing}
		}
	}
	return Submit(ctx, c, req)
}
