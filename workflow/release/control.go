package release

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/internal/readback"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// Target names the version to release or whose phased release to control.
type Target struct {
	App      string // id or bundle id
	Platform asc.Platform
	// Version is the version string; "" picks the version the action applies to (the one
	// pending developer release, the live one for pause, resume and complete).
	Version string
}

// ReleaseResult is the version after Release.
type ReleaseResult struct {
	Version versions.Version `json:"version"`
	// Released is true when this run sent the release; false when the version was out already.
	Released bool `json:"released"`
	Requests int  `json:"requests"`
}

// maxAttempts bounds the writes of one action when answers are lost.
const maxAttempts = 3

// Release releases an approved version that waits for its developer (App Store Connect's
// "Release This Version"): one release request. A version already released (processing for
// distribution or live) is left as it is, so running it again changes nothing; a request
// whose answer was lost is read back, never sent twice.
func Release(ctx context.Context, c *asc.Client, t Target) (*ReleaseResult, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	app, n, err := apps.Resolve(ctx, c, t.App)
	if err != nil {
		return nil, err
	}
	out := &ReleaseResult{Requests: n}
	vs, err := versions.List(ctx, c, versions.Query{App: app.ID, Platform: t.Platform, Version: t.Version})
	out.Requests++
	if err != nil {
		return nil, err
	}
	v, err := pick(vs, t, func(v versions.Version) bool { return v.State == apple.ReleasableVersionState }, "pending developer release")
	if err != nil {
		return nil, err
	}
	out.Version = *v
	if released(v.State) {
		return out, nil
	}
	if v.State != apple.ReleasableVersionState {
		return nil, fmt.Errorf("version %s (%s) is %s: only an approved version pending developer release (release type manual) can be released",
			v.Version, v.Platform, v.State)
	}
	body := &asc.AppStoreVersionReleaseRequestCreateRequest{Data: asc.AppStoreVersionReleaseRequestCreateRequestData{
		Relationships: asc.AppStoreVersionReleaseRequestCreateRequestRelationships{AppStoreVersion: asc.Relationship{Data: asc.ToOne("appStoreVersions", v.ID)}}}}
	for attempt := 1; ; attempt++ {
		_, _, err := c.AppStoreVersionReleaseRequests.Create(ctx, body)
		out.Requests++
		if err == nil {
			break
		}
		if !readback.Needed(ctx, err) || attempt == maxAttempts {
			return nil, fmt.Errorf("release version %s: %w", v.Version, err)
		}
		// The release may have gone through: read the version before sending it again.
		state, rerr := versionState(ctx, c, v.ID)
		out.Requests++
		if rerr != nil {
			return nil, fmt.Errorf("release version %s: %w (and reading it back failed: %v)", v.Version, err, rerr)
		}
		if released(state) {
			break
		}
		if state != apple.ReleasableVersionState || readback.Refused(err) {
			return nil, fmt.Errorf("release version %s: %w", v.Version, err)
		}
	}
	state, err := versionState(ctx, c, v.ID)
	out.Requests++
	if err != nil {
		return nil, fmt.Errorf("version %s was released; reading its state failed: %w", v.Version, err)
	}
	out.Version.State, out.Version.Phase = state, apple.StatePhase(state).String()
	out.Released = true
	return out, nil
}

// released: the version has been released (it is being processed for the store or is live).
func released(state string) bool {
	return apple.IsLive(state) || state == "PROCESSING_FOR_DISTRIBUTION" || state == "PROCESSING_FOR_APP_STORE"
}

func versionState(ctx context.Context, c *asc.Client, id string) (string, error) {
	doc, _, err := c.AppStoreVersions.Get(ctx, id, &asc.AppStoreVersionsGetOptions{FieldsAppStoreVersions: []string{"appVersionState"}})
	if err != nil {
		return "", err
	}
	if doc.Data.Attributes == nil {
		return "", nil
	}
	return string(doc.Data.Attributes.AppVersionState), nil
}

func (t Target) check() error {
	if strings.TrimSpace(t.App) == "" {
		return errors.New("an app (id or bundle id) is required")
	}
	if t.Platform != "" && !apple.IsPlatform(string(t.Platform)) {
		return fmt.Errorf("platform %s is not one of %s", t.Platform, strings.Join(apple.Platforms(), ", "))
	}
	return nil
}

// pick chooses the version: the one named, or the only one that fits (what describes fit).
func pick(vs []versions.Version, t Target, fits func(versions.Version) bool, what string) (*versions.Version, error) {
	if t.Version == "" {
		vs = slices.DeleteFunc(slices.Clone(vs), func(v versions.Version) bool { return !fits(v) })
	}
	switch len(vs) {
	case 0:
		if t.Version != "" {
			return nil, fmt.Errorf("version %s of app %s: %w", t.Version, t.App, versions.ErrNotFound)
		}
		return nil, fmt.Errorf("app %s has no version %s: %w", t.App, what, versions.ErrNotFound)
	case 1:
		return &vs[0], nil
	}
	var where []string
	for _, v := range vs {
		where = append(where, v.Version+" "+v.Platform+" "+v.State)
	}
	return nil, fmt.Errorf("several versions of app %s fit (%s); pass --platform", t.App, strings.Join(where, ", "))
}

// PhasedAction is what PhasedControl does to a version's phased release.
type PhasedAction string

const (
	// PhasedStatus reads the phased release and changes nothing.
	PhasedStatus PhasedAction = "status"
	// PhasedStart sets up a phased release for a version not yet released: it starts (day 1)
	// when the version goes live.
	PhasedStart PhasedAction = "start"
	// PhasedPause holds an active phased release at its day (30 days in all at most).
	PhasedPause PhasedAction = "pause"
	// PhasedResume continues a paused phased release.
	PhasedResume PhasedAction = "resume"
	// PhasedComplete releases the version to every user at once.
	PhasedComplete PhasedAction = "complete"
)

var phasedActions = []PhasedAction{PhasedStatus, PhasedStart, PhasedPause, PhasedResume, PhasedComplete}

// PhasedActionNames are the names ParsePhasedAction accepts.
func PhasedActionNames() []string {
	out := make([]string, len(phasedActions))
	for i, a := range phasedActions {
		out[i] = string(a)
	}
	return out
}

// ParsePhasedAction turns "start", "pause", "resume", "complete" or "status" into an action.
func ParsePhasedAction(s string) (PhasedAction, error) {
	a := PhasedAction(strings.ToLower(strings.TrimSpace(s)))
	if slices.Contains(phasedActions, a) {
		return a, nil
	}
	return "", fmt.Errorf("phased release action %q is not one of %s", s, strings.Join(PhasedActionNames(), ", "))
}

// target is the state each action moves a phased release to.
var phasedTarget = map[PhasedAction]string{PhasedPause: apple.PhasedPaused, PhasedResume: apple.PhasedActive, PhasedComplete: apple.PhasedComplete}

// Phase is where a phased release stands, from apple's day table.
type Phase struct {
	State string `json:"state"` // INACTIVE, ACTIVE, PAUSED, COMPLETE
	Day   int    `json:"day"`   // 1 to Days; 0 before it starts
	Days  int    `json:"days"`
	// Share is the percentage of users with automatic updates who get the version now.
	Share      int `json:"sharePercent"`
	PausedDays int `json:"pausedDays"`
}

// PhaseOf reads a phased release's attributes against apple's day table.
func PhaseOf(a *asc.AppStoreVersionPhasedReleaseAttributes) Phase {
	p := Phase{Days: apple.PhasedReleaseDays}
	if a == nil {
		return p
	}
	p.State = string(a.PhasedReleaseState)
	if a.CurrentDayNumber != nil {
		p.Day = *a.CurrentDayNumber
	}
	if a.TotalPauseDuration != nil {
		p.PausedDays = *a.TotalPauseDuration
	}
	switch p.State {
	case apple.PhasedInactive:
		p.Day, p.Share = 0, 0
	case apple.PhasedComplete:
		p.Day, p.Share = apple.PhasedReleaseDays, 100
	default:
		p.Share, _ = apple.PhasedReleaseShare(p.Day)
	}
	return p
}

// String tells the phase as a person would: "day 3 of 7: 5% of users".
func (p Phase) String() string {
	switch p.State {
	case "":
		return "no phased release"
	case apple.PhasedInactive:
		return "waiting for the release (then day 1 of " + fmt.Sprint(p.Days) + ")"
	case apple.PhasedComplete:
		return "complete: all users"
	case apple.PhasedPaused:
		return fmt.Sprintf("paused on day %d of %d: %d%% of users (%d of %d pause days used)", p.Day, p.Days, p.Share, p.PausedDays, apple.PhasedReleaseMaxPauseDays)
	}
	return fmt.Sprintf("day %d of %d: %d%% of users", p.Day, p.Days, p.Share)
}

// PhasedRequest is what PhasedControl is asked.
type PhasedRequest struct {
	Target
	Action PhasedAction
}

// PhasedResult is the phased release after PhasedControl.
type PhasedResult struct {
	Version versions.Version `json:"version"`
	ID      string           `json:"id,omitempty"` // the phased release; "" when the version has none
	Phase   Phase            `json:"phase"`
	// Changed is true when this run changed the phased release.
	Changed  bool `json:"changed"`
	Requests int  `json:"requests"`
}

// PhasedControl starts, pauses, resumes or completes a version's phased release (or reads
// it). Each action reads first and writes only when the release is not already where the
// action takes it, so running it again changes nothing; a move Apple does not make (pausing
// a completed release, resuming one that has not started) is refused before anything is
// sent; a write whose answer was lost is read back before it is sent again.
func PhasedControl(ctx context.Context, c *asc.Client, req PhasedRequest) (*PhasedResult, error) {
	if _, err := ParsePhasedAction(string(req.Action)); err != nil {
		return nil, err
	}
	if err := req.check(); err != nil {
		return nil, err
	}
	app, n, err := apps.Resolve(ctx, c, req.App)
	if err != nil {
		return nil, err
	}
	out := &PhasedResult{Requests: n}
	vs, err := versions.List(ctx, c, versions.Query{App: app.ID, Platform: req.Platform, Version: req.Version})
	out.Requests++
	if err != nil {
		return nil, err
	}
	fits, what := func(v versions.Version) bool { return apple.IsLive(v.State) }, "on the App Store"
	if req.Action == PhasedStart {
		fits = func(v versions.Version) bool {
			p := apple.StatePhase(v.State)
			return p == apple.Editable || p == apple.Locked
		}
		what = "not yet released"
	}
	v, err := pick(vs, req.Target, fits, what)
	if err != nil {
		return nil, err
	}
	out.Version = *v
	pr, err := phasedRelease(ctx, c, v.ID)
	out.Requests++
	if err != nil {
		return nil, err
	}
	out.set(pr)
	if req.Action == PhasedStatus {
		return out, nil
	}
	if req.Action == PhasedStart {
		return out, start(ctx, c, v, pr, out)
	}
	if pr == nil {
		return nil, fmt.Errorf("version %s (%s) has no phased release: it was released to all users at once", v.Version, v.Platform)
	}
	to := phasedTarget[req.Action]
	from := out.Phase.State
	if from == to {
		return out, nil
	}
	if !apple.PhasedMoveAllowed(from, to) {
		return nil, refusal(v, req.Action, out.Phase)
	}
	body := &asc.AppStoreVersionPhasedReleaseUpdateRequest{Data: asc.AppStoreVersionPhasedReleaseUpdateRequestData{ID: pr.ID,
		Attributes: &asc.AppStoreVersionPhasedReleaseUpdateRequestAttributes{PhasedReleaseState: asc.Ptr(asc.PhasedReleaseState(to))}}}
	for attempt := 1; ; attempt++ {
		updated, _, err := c.AppStoreVersionPhasedReleases.Update(ctx, pr.ID, body)
		out.Requests++
		if err == nil {
			out.set(&updated.Data)
			out.Changed = true
			return out, nil
		}
		if !readback.Needed(ctx, err) || attempt == maxAttempts {
			return nil, fmt.Errorf("%s the phased release of version %s: %w", req.Action, v.Version, err)
		}
		now, rerr := phasedRelease(ctx, c, v.ID)
		out.Requests++
		if rerr != nil {
			return nil, fmt.Errorf("%s the phased release of version %s: %w (and reading it back failed: %v)", req.Action, v.Version, err, rerr)
		}
		if now != nil && now.Attributes != nil && string(now.Attributes.PhasedReleaseState) == to {
			out.set(now)
			out.Changed = true
			return out, nil
		}
		if readback.Refused(err) {
			return nil, fmt.Errorf("%s the phased release of version %s: %w", req.Action, v.Version, err)
		}
	}
}

// refusal says why Apple would not make the move, and what would.
func refusal(v *versions.Version, a PhasedAction, p Phase) error {
	why := ""
	switch p.State {
	case apple.PhasedInactive:
		why = "; it starts by itself when the version is released"
	case apple.PhasedComplete:
		why = "; the version is out to all users"
	case apple.PhasedActive:
		why = "; pause it first"
	}
	return fmt.Errorf("cannot %s the phased release of version %s (%s): it is %s (%s)%s", a, v.Version, v.Platform, p.State, p, why)
}

func (out *PhasedResult) set(pr *asc.AppStoreVersionPhasedRelease) {
	if pr == nil {
		out.ID, out.Phase = "", PhaseOf(nil)
		return
	}
	out.ID, out.Phase = pr.ID, PhaseOf(pr.Attributes)
}

// start sets up the phased release of a version not yet released (none twice).
func start(ctx context.Context, c *asc.Client, v *versions.Version, pr *asc.AppStoreVersionPhasedRelease, out *PhasedResult) error {
	if pr != nil {
		return nil
	}
	if p := apple.StatePhase(v.State); p != apple.Editable && p != apple.Locked {
		return fmt.Errorf("version %s (%s) is %s: a phased release is set up before the version is released", v.Version, v.Platform, v.State)
	}
	body := &asc.AppStoreVersionPhasedReleaseCreateRequest{Data: asc.AppStoreVersionPhasedReleaseCreateRequestData{
		Attributes:    &asc.AppStoreVersionPhasedReleaseCreateRequestAttributes{PhasedReleaseState: asc.Ptr(asc.PhasedReleaseStateInactive)},
		Relationships: asc.AppStoreVersionPhasedReleaseCreateRequestRelationships{AppStoreVersion: asc.Relationship{Data: asc.ToOne("appStoreVersions", v.ID)}}}}
	for attempt := 1; ; attempt++ {
		created, _, err := c.AppStoreVersionPhasedReleases.Create(ctx, body)
		out.Requests++
		if err == nil {
			out.set(&created.Data)
			out.Changed = true
			return nil
		}
		if !readback.Needed(ctx, err) || attempt == maxAttempts {
			return fmt.Errorf("start the phased release of version %s: %w", v.Version, err)
		}
		// The create may have been made: read back before sending it again.
		now, rerr := phasedRelease(ctx, c, v.ID)
		out.Requests++
		if rerr != nil {
			return fmt.Errorf("start the phased release of version %s: %w (and reading it back failed: %v)", v.Version, err, rerr)
		}
		if now != nil {
			out.set(now)
			out.Changed = true
			return nil
		}
		if readback.Refused(err) {
			return fmt.Errorf("start the phased release of version %s: %w", v.Version, err)
		}
	}
}

// phasedRelease reads a version's phased release; nil when it has none.
func phasedRelease(ctx context.Context, c *asc.Client, versionID string) (*asc.AppStoreVersionPhasedRelease, error) {
	doc, _, err := c.AppStoreVersions.GetPhasedRelease(ctx, versionID, nil)
	var er *asc.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == 404 {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the phased release of version %s: %w", versionID, err)
	}
	if doc.Data.ID == "" {
		return nil, nil
	}
	return &doc.Data, nil
}
