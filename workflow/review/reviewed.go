package review

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// recentReview bounds how long ago a review counts as the one a run that names no version
// came back for, once the version it approved is on the App Store: past the 48-hour wait and
// the day or two most reviews take. A version approved earlier and live since is not "your
// submit was approved" to someone who means to submit a version not made yet.
const recentReview = 7 * 24 * time.Hour

// lastReview is the app's latest review submission, with the state of each version's item.
type lastReview struct {
	submission asc.ReviewSubmission
	items      []string                                 // every item's state, as Wait reports them
	item       map[string]asc.ReviewSubmissionItemState // by version id
	requests   int                                      // the reads that found it
}

// latestReview returns the app's latest review submission (of platform, when set) with its
// items, or nil when the app has none: two reads (one more per 200 submissions past the
// first 200, each page read once). Apple lists submissions in no promised order, so the latest is found by its
// submitted date; one never submitted is newer than any that was.
func latestReview(ctx context.Context, c *asc.Client, appID string, platform asc.Platform) (*lastReview, int, error) {
	opts := &asc.ReviewSubmissionsListOptions{FilterApp: []string{appID},
		FieldsReviewSubmissions: []string{"state", "submittedDate"}, Limit: 200}
	if platform != "" {
		opts.FilterPlatform = []asc.Platform{platform}
	}
	// Every page is read, since the latest may be on any of them.
	var subs []asc.ReviewSubmission
	for sub, err := range c.ReviewSubmissions.ListIter(ctx, opts) {
		if err != nil {
			return nil, pages(len(subs), opts.Limit), fmt.Errorf("list the app's review submissions: %w", err)
		}
		subs = append(subs, sub)
	}
	n := pages(len(subs), opts.Limit)
	var latest *asc.ReviewSubmission
	for i := range subs {
		if latest == nil || newer(&subs[i], latest) {
			latest = &subs[i]
		}
	}
	if latest == nil {
		return nil, n, nil
	}
	n++
	items, _, err := c.ReviewSubmissions.ListItems(ctx, latest.ID, &asc.ReviewSubmissionsListItemsOptions{
		FieldsReviewSubmissionItems: []string{"state", "appStoreVersion"},
		Include:                     []string{"appStoreVersion"}, FieldsAppStoreVersions: []string{"versionString"}, Limit: 200,
	})
	if err != nil {
		return nil, n, fmt.Errorf("read the items of review submission %s: %w", latest.ID, err)
	}
	out := &lastReview{submission: *latest, item: map[string]asc.ReviewSubmissionItemState{}, requests: n}
	for _, it := range items.Data {
		var state asc.ReviewSubmissionItemState
		if it.Attributes != nil {
			state = it.Attributes.State
			out.items = append(out.items, string(state))
		}
		if it.Relationships != nil && it.Relationships.AppStoreVersion != nil {
			for _, id := range it.Relationships.AppStoreVersion.Data.IDs() {
				out.item[id.ID] = state
			}
		}
	}
	return out, n, nil
}

// pages is how many list requests brought n items at limit a page (one for none).
func pages(n, limit int) int { return max(1, (n+limit-1)/limit) }

// newer reports whether a was submitted after b (one not submitted being the newest).
func newer(a, b *asc.ReviewSubmission) bool {
	at, bt := attrs(a).SubmittedDate, attrs(b).SubmittedDate
	switch {
	case at == nil:
		return bt != nil
	case bt == nil:
		return false
	}
	return at.After(bt.Time)
}

// outcome is App Review's word on the version in the submission: nil when the review has not
// finished, or finished without a word on it (removed from the submission, or the
// submission canceled).
func (r *lastReview) outcome(versionID string) *Outcome {
	state := attrs(&r.submission).State
	item, ok := r.item[versionID]
	if !ok || !slices.Contains(finished, state) {
		return nil
	}
	o := &Outcome{SubmissionID: r.submission.ID, State: state, Items: r.items, Requests: r.requests}
	switch item {
	case asc.ReviewSubmissionItemStateApproved, asc.ReviewSubmissionItemStateAccepted:
		o.Approved = state == asc.ReviewSubmissionStateComplete
	case asc.ReviewSubmissionItemStateRejected:
	default:
		if state == asc.ReviewSubmissionStateComplete {
			return nil
		}
	}
	return o
}

// submitted is when the submission went to App Review, or nil.
func (r *lastReview) submitted() *time.Time {
	if t := attrs(&r.submission).SubmittedDate; t != nil {
		return &t.Time
	}
	return nil
}

// finishedReview shows App Review's finished word on v in the app's latest review
// submission (two reads); ok is false when there is none.
func (out *SendResult) finishedReview(ctx context.Context, c *asc.Client, req SendRequest, appID string, v *versions.Version) (_ *SendResult, ok bool, _ error) {
	r, n, err := latestReview(ctx, c, appID, asc.Platform(v.Platform))
	out.Requests += n
	if err != nil {
		return nil, true, err
	}
	o := outcomeOf(r, v)
	if o == nil {
		return nil, false, nil
	}
	res, err := out.reviewed(req, v, r, o)
	return res, true, err
}

// reviewed records App Review's finished review of v in the result: an approval is the
// result, a rejection the RejectedError Wait gives, with this run having sent nothing. An
// approved version takes no other build.
func (out *SendResult) reviewed(req SendRequest, v *versions.Version, r *lastReview, o *Outcome) (*SendResult, error) {
	if o.Approved && req.Build != "" && req.Build != v.BuildNumber {
		return nil, fmt.Errorf("version %s (%s) is %s with build %s, approved in review submission %s: build %s cannot be attached; create a new version", v.Version, v.Platform, v.State, v.BuildNumber, o.SubmissionID, req.Build)
	}
	out.Version = *v
	out.Result = &Result{Submission: r.submission, Requests: o.Requests}
	out.Outcome = o
	out.AlreadyReviewed = true
	if !o.Approved {
		return out, &RejectedError{Outcome: o, Version: v.Version, Earlier: true, Submitted: r.submitted()}
	}
	return out, nil
}

// recent reports whether a review whose version may be long on the App Store counts as the
// one a run naming no version came back for; a version approved and not yet out always does.
func recent(v *versions.Version, r *lastReview, now time.Time) bool {
	if apple.StatePhase(v.State) == apple.Locked {
		return true
	}
	t := r.submitted()
	return t != nil && now.Sub(*t) < recentReview
}
