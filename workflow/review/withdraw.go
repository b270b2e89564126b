package review

import (
	"context"
	"fmt"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
)

// WithdrawRequest names the platform whose version is taken back from App Review: fastlane
// deliver's reject_if_possible.
type WithdrawRequest struct {
	App      string // the app's App Store Connect id
	Platform asc.Platform
	// DryRun reads only: the result says what would be cancelled.
	DryRun bool
	// WaitOptions bound the wait for the cancel to take effect (default: polls from 2 s,
	// growing by half up to 30 s, for at most 15 minutes).
	WaitOptions WaitOptions
}

// WithdrawResult says what Withdraw found and did.
type WithdrawResult struct {
	SubmissionID string `json:"submissionId,omitempty"`
	// State is the submission's state as found.
	State asc.ReviewSubmissionState `json:"state,omitempty"`
	// Version and VersionState are the submission's App Store version and its state as
	// Withdraw left it (DEVELOPER_REJECTED once the cancel of one with App Review has taken
	// effect; a version App Review rejected stays REJECTED).
	Version      string `json:"version,omitempty"`
	VersionState string `json:"versionState,omitempty"`
	// Canceled: this call sent the cancel. Withdrawn: the version is back from App Review
	// (by this call, or by an earlier one whose cancel was still under way).
	Canceled  bool `json:"canceled"`
	Withdrawn bool `json:"withdrawn"`
	// Nothing says why there was nothing to withdraw ("" when there was).
	Nothing  string `json:"nothing,omitempty"`
	Polls    int    `json:"polls"`
	Requests int    `json:"requests"`
}

// Withdraw takes the platform's version back from App Review when that is possible: the
// app's open review submission for the platform, holding an App Store version, is cancelled
// when it is waiting for review, in review or has unresolved issues (the submissions App Store
// Connect's Cancel Submission takes, and those fastlane's reject_if_possible cancels: a
// rejected version then goes again in a new submission rather than through the old one, to
// which nothing can be added), then polled, with backoff, until App Store Connect lets the
// version be edited again (DEVELOPER_REJECTED; a rejected version stays REJECTED, editable all
// along) and the submission has left CANCELING. A submission already cancelling is not
// cancelled again, only waited for, so a run stopped after the cancel converges when run
// again. Nothing to withdraw is no error, and Nothing says why: no open submission, one not
// submitted (READY_FOR_REVIEW: its version is editable, and App Store Connect cancels no
// draft), one completing, or one holding no version. Requests: 1 (none open) or 2 to find
// that, then the cancel, a GET a poll (of the version until it is editable, then of the
// submission) and one of the submission once the version is editable.
func Withdraw(ctx context.Context, c *asc.Client, req WithdrawRequest) (*WithdrawResult, error) {
	if req.Platform == "" {
		req.Platform = asc.PlatformIOS
	}
	var res Result
	out := &WithdrawResult{}
	defer func() { out.Requests += res.Requests }()
	sub, err := findOpen(ctx, c, Request{App: req.App, Platform: req.Platform}, &res)
	if err != nil {
		return nil, err
	}
	if sub == nil {
		out.Nothing = fmt.Sprintf("the app has no review submission for %s in progress", req.Platform)
		return out, nil
	}
	out.SubmissionID, out.State = sub.ID, attrs(sub).State
	switch out.State {
	case asc.ReviewSubmissionStateWaitingForReview, asc.ReviewSubmissionStateInReview, asc.ReviewSubmissionStateUnresolvedIssues, asc.ReviewSubmissionStateCanceling:
	default:
		out.Nothing = fmt.Sprintf("review submission %s is %s, not with App Review", sub.ID, out.State)
		return out, nil
	}
	v, err := submissionVersion(ctx, c, sub.ID, &res)
	if err != nil {
		return nil, fmt.Errorf("read the items of review submission %s: %w", sub.ID, err)
	}
	if v == nil {
		out.Nothing = fmt.Sprintf("review submission %s (%s) holds no App Store version; left as it is", sub.ID, out.State)
		return out, nil
	}
	out.Version, out.VersionState = v.VersionString, string(v.AppVersionState)
	if req.DryRun {
		return out, nil
	}
	// A submission cancelling already (an earlier run stopped after its cancel) is only
	// waited for: the cancel is never sent twice.
	if out.State != asc.ReviewSubmissionStateCanceling {
		if _, err := cancelSubmission(ctx, c, sub.ID, &res); err != nil {
			return out, err
		}
		out.Canceled = true
	}
	return out, awaitWithdrawn(ctx, c, sub.ID, v.ID, out, req.WaitOptions)
}

// itemVersion is the App Store version a review submission holds.
type itemVersion struct {
	ID string
	asc.AppStoreVersionAttributes
}

// submissionVersion returns the App Store version among a submission's items (nil for none),
// with its version string and state: one request.
func submissionVersion(ctx context.Context, c *asc.Client, subID string, res *Result) (*itemVersion, error) {
	res.Requests++
	items, _, err := c.ReviewSubmissions.ListItems(ctx, subID, &asc.ReviewSubmissionsListItemsOptions{
		Include: []string{"appStoreVersion"}, FieldsAppStoreVersions: []string{"versionString", "appVersionState"}, Limit: 200,
	})
	if err != nil {
		return nil, err
	}
	for _, it := range items.Data {
		if it.Relationships == nil || it.Relationships.AppStoreVersion == nil {
			continue
		}
		for _, id := range it.Relationships.AppStoreVersion.Data.IDs() {
			out := &itemVersion{ID: id.ID}
			for _, inc := range items.Included {
				if v, ok := inc.(*asc.AppStoreVersion); ok && v.ID == id.ID && v.Attributes != nil {
					out.AppStoreVersionAttributes = *v.Attributes
				}
			}
			return out, nil
		}
	}
	return nil, nil
}

// awaitWithdrawn polls the version (one GET each, the waits growing by half) until App Store
// Connect lets it be edited, then the submission until it has left CANCELING, so the
// submission step that follows finds it as App Store Connect will take it; a version editable
// from the start (REJECTED) is not read again. Past the timeout it is a *PendingError naming
// the submission.
func awaitWithdrawn(ctx context.Context, c *asc.Client, subID, versionID string, out *WithdrawResult, opts WaitOptions) error {
	opts = opts.orDefaults(15*time.Minute, 2*time.Second, 30*time.Second)
	start := opts.Clock.Now()
	deadline, delay := start.Add(opts.Timeout), opts.PollInitial
	state := asc.ReviewSubmissionStateCanceling
	editable := apple.IsEditable(out.VersionState)
	for {
		now := opts.Clock.Now()
		if !now.Before(deadline) {
			return &PendingError{SubmissionID: subID, State: state, Waited: now.Sub(start)}
		}
		if err := opts.Clock.Sleep(ctx, min(delay, deadline.Sub(now))); err != nil {
			return err
		}
		delay = upload.NextWait(delay, opts.PollMax)
		out.Polls++
		if !editable {
			out.Requests++
			got, _, err := c.AppStoreVersions.Get(ctx, versionID, &asc.AppStoreVersionsGetOptions{FieldsAppStoreVersions: []string{"versionString", "appVersionState"}})
			if err != nil {
				return fmt.Errorf("read version %s while review submission %s is cancelled: %w", out.Version, subID, err)
			}
			if a := got.Data.Attributes; a != nil {
				out.VersionState = string(a.AppVersionState)
			}
			if editable = apple.IsEditable(out.VersionState); !editable {
				continue
			}
		}
		out.Requests++
		sub, _, err := c.ReviewSubmissions.Get(ctx, subID, nil)
		if err != nil {
			return fmt.Errorf("read review submission %s: %w", subID, err)
		}
		if state = attrs(&sub.Data).State; state != asc.ReviewSubmissionStateCanceling {
			out.Withdrawn = true
			return nil
		}
	}
}
