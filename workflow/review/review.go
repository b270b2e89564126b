// Package review submits App Store versions to App Review through review submissions.
//
// Apple keeps at most one open review submission per app and platform. Submit therefore
// finds that submission, or creates it when there is none, adds the version as an item
// unless it is already one, and submits. Every step reads before it writes, and a write that
// failed in a way that may have taken effect (no answer, a 5xx, a conflict) is reconciled by
// reading back before it is tried again, so running Submit again after any failure, or
// after the process died, converges on one submission with one item and never creates a
// second of either.
package review

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/internal/readback"
)

// Request says what to submit.
type Request struct {
	App      string       // the app's App Store Connect id
	Version  string       // the App Store version's id
	Platform asc.Platform // the version's platform
	// Submit sends the submission to App Review; false leaves it ready to submit.
	Submit bool
}

// Result is the submission as Submit left it, and what this call changed.
type Result struct {
	Submission asc.ReviewSubmission
	Created    bool // this call created the submission (also when its answer was lost and read back; false: an open one was reused)
	ItemAdded  bool // this call added the version as an item (also when read back; false: it already was one)
	Submitted  bool // this call submitted it (false: not asked, or already submitted)
	Requests   int
}

// Error is a failure after the submission was found or created: the submission exists, and
// running Submit again continues from the step that failed.
type Error struct {
	SubmissionID string
	Step         string // "add item" or "submit"
	Err          error
}

func (e *Error) Error() string {
	return fmt.Sprintf("review submission %s: %s: %v", e.SubmissionID, e.Step, e.Err)
}
func (e *Error) Unwrap() error { return e.Err }

// BusyError says the app already has an open submission for the platform that this version
// cannot join: it is in review (or being cancelled) without the version.
type BusyError struct {
	SubmissionID string
	State        asc.ReviewSubmissionState
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("the app's review submission %s is %s without this version; wait until App Review finishes or cancel it, then submit again", e.SubmissionID, e.State)
}

// openStates are the states of a submission Apple counts as open: a new one cannot be
// created beside it.
var openStates = []asc.ReviewSubmissionState{
	asc.ReviewSubmissionStateReadyForReview, asc.ReviewSubmissionStateWaitingForReview,
	asc.ReviewSubmissionStateInReview, asc.ReviewSubmissionStateUnresolvedIssues,
	asc.ReviewSubmissionStateCanceling, asc.ReviewSubmissionStateCompleting,
}

// editable reports whether items may be added and the submission submitted.
func editable(s asc.ReviewSubmissionState) bool {
	return s == asc.ReviewSubmissionStateReadyForReview || s == asc.ReviewSubmissionStateUnresolvedIssues
}

// inReview reports whether a submission has been submitted and App Review has it.
func inReview(s asc.ReviewSubmissionState) bool {
	return s == asc.ReviewSubmissionStateWaitingForReview || s == asc.ReviewSubmissionStateInReview
}

// maxAttempts bounds how often one write is tried; each retry follows a read-back that found
// the first attempt had not taken effect.
const maxAttempts = 3

// Submit finds or creates the app's open review submission for the platform, adds the
// version to it unless present, and submits it when asked.
func Submit(ctx context.Context, c *asc.Client, req Request) (*Result, error) {
	if req.App == "" || req.Version == "" || req.Platform == "" {
		return nil, errors.New("an app id, a version id and a platform are required")
	}
	res := &Result{}
	sub, err := findOpen(ctx, c, req, res)
	if err != nil {
		return nil, err
	}
	if sub == nil {
		if sub, err = create(ctx, c, req, res); err != nil {
			return nil, err
		}
	}
	state := attrs(sub).State
	present, err := hasItem(ctx, c, sub.ID, req.Version, res)
	if err != nil {
		return nil, &Error{SubmissionID: sub.ID, Step: "read items", Err: err}
	}
	switch {
	case present && !editable(state):
		// Submitted earlier (by a run that died before it could say so): nothing to do.
		res.Submission = *sub
		return res, nil
	case !editable(state):
		return nil, &BusyError{SubmissionID: sub.ID, State: state}
	case !present:
		if err := addItem(ctx, c, sub.ID, req.Version, res); err != nil {
			return nil, &Error{SubmissionID: sub.ID, Step: "add item", Err: err}
		}
	}
	if req.Submit {
		if sub, err = submit(ctx, c, sub.ID, res); err != nil {
			return nil, &Error{SubmissionID: sub.ID, Step: "submit", Err: err}
		}
	}
	res.Submission = *sub
	return res, nil
}

func attrs(s *asc.ReviewSubmission) asc.ReviewSubmissionAttributes {
	if s.Attributes == nil {
		return asc.ReviewSubmissionAttributes{}
	}
	return *s.Attributes
}

// findOpen returns the app's open submission for the platform, or nil.
func findOpen(ctx context.Context, c *asc.Client, req Request, res *Result) (*asc.ReviewSubmission, error) {
	res.Requests++
	page, _, err := c.ReviewSubmissions.List(ctx, &asc.ReviewSubmissionsListOptions{
		FilterApp: []string{req.App}, FilterPlatform: []asc.Platform{req.Platform}, FilterState: openStates, Limit: 10,
	})
	if err != nil {
		return nil, fmt.Errorf("find the app's open review submission: %w", err)
	}
	for i := range page.Data {
		s := &page.Data[i]
		if slices.Contains(openStates, attrs(s).State) {
			return s, nil
		}
	}
	return nil, nil
}

// create makes the submission, reading back after a failure that may have taken effect.
func create(ctx context.Context, c *asc.Client, req Request, res *Result) (*asc.ReviewSubmission, error) {
	body := &asc.ReviewSubmissionCreateRequest{Data: asc.ReviewSubmissionCreateRequestData{
		Attributes:    &asc.ReviewSubmissionCreateRequestAttributes{Platform: asc.Ptr(req.Platform)},
		Relationships: asc.ReviewSubmissionCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", req.App)}},
	}}
	var err error
	for range maxAttempts {
		res.Requests++
		var created *asc.ReviewSubmissionResponse
		created, _, err = c.ReviewSubmissions.Create(ctx, body)
		if err == nil {
			res.Created = true
			return &created.Data, nil
		}
		if !readback.Needed(ctx, err) {
			break
		}
		found, rerr := findOpen(ctx, c, req, res)
		if rerr != nil {
			return nil, fmt.Errorf("create the review submission: %w (and reading back failed: %v)", err, rerr)
		}
		if found != nil {
			// None was open before this call's create: the one found is its own write.
			res.Created = true
			return found, nil
		}
		if readback.Refused(err) {
			break
		}
	}
	return nil, fmt.Errorf("create the review submission: %w", err)
}

// hasItem reports whether the version is an item of the submission.
func hasItem(ctx context.Context, c *asc.Client, subID, versionID string, res *Result) (bool, error) {
	res.Requests++
	items, _, err := c.ReviewSubmissions.ListItems(ctx, subID, &asc.ReviewSubmissionsListItemsOptions{
		Include: []string{"appStoreVersion"}, FieldsAppStoreVersions: []string{"versionString"}, Limit: 200,
	})
	if err != nil {
		return false, err
	}
	for _, it := range items.Data {
		if it.Relationships != nil && it.Relationships.AppStoreVersion != nil {
			for _, id := range it.Relationships.AppStoreVersion.Data.IDs() {
				if id.ID == versionID {
					return true, nil
				}
			}
		}
	}
	return false, nil
}

func addItem(ctx context.Context, c *asc.Client, subID, versionID string, res *Result) error {
	body := &asc.ReviewSubmissionItemCreateRequest{Data: asc.ReviewSubmissionItemCreateRequestData{
		Relationships: asc.ReviewSubmissionItemCreateRequestRelationships{
			ReviewSubmission: asc.Relationship{Data: asc.ToOne("reviewSubmissions", subID)},
			AppStoreVersion:  &asc.Relationship{Data: asc.ToOne("appStoreVersions", versionID)},
		},
	}}
	var err error
	for range maxAttempts {
		res.Requests++
		if _, _, err = c.ReviewSubmissionItems.Create(ctx, body); err == nil {
			res.ItemAdded = true
			return nil
		}
		if !readback.Needed(ctx, err) {
			return err
		}
		present, rerr := hasItem(ctx, c, subID, versionID, res)
		if rerr != nil {
			return fmt.Errorf("%w (and reading back failed: %v)", err, rerr)
		}
		if present {
			res.ItemAdded = true // it was not an item before this call's add
			return nil
		}
		if readback.Refused(err) {
			return err
		}
	}
	return err
}

// submit sends the submission to App Review; after a failure it reads the submission back,
// since the change may have been made.
func submit(ctx context.Context, c *asc.Client, subID string, res *Result) (*asc.ReviewSubmission, error) {
	body := &asc.ReviewSubmissionUpdateRequest{Data: asc.ReviewSubmissionUpdateRequestData{
		ID: subID, Attributes: &asc.ReviewSubmissionUpdateRequestAttributes{Submitted: asc.Ptr(true)},
	}}
	var err error
	for range maxAttempts {
		res.Requests++
		var updated *asc.ReviewSubmissionResponse
		if updated, _, err = c.ReviewSubmissions.Update(ctx, subID, body); err == nil {
			res.Submitted = true
			return &updated.Data, nil
		}
		if !readback.Needed(ctx, err) {
			break
		}
		res.Requests++
		got, _, rerr := c.ReviewSubmissions.Get(ctx, subID, nil)
		if rerr != nil {
			return &asc.ReviewSubmission{ID: subID}, fmt.Errorf("%w (and reading back failed: %v)", err, rerr)
		}
		if inReview(attrs(&got.Data).State) {
			res.Submitted = true
			return &got.Data, nil
		}
		if readback.Refused(err) {
			break
		}
	}
	return &asc.ReviewSubmission{ID: subID}, err
}
