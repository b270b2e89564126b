package connector

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/release"
	"github.com/ascend-tools/ascend/workflow/review"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// The curated actions of versions and release: create a version (or bring the existing one
// to the settings asked), attach a build, cancel the open review submission, release an
// approved version, and control its phased release; each one workflow call, each safe to
// retry. The trigger on version state changes is in fixedTriggers (export.go).
func init() { curatedActions = append(curatedActions, releaseActions...) }

var appRef = pathParam("appId", "App", "The App Store Connect id of the app (a number such as 1234567890) or its bundle ID.")

var platformField = param{Name: "platform", Type: "string", Summary: "Platform", Description: "The platform of the version (default IOS).", Enum: apple.Platforms()}

var releaseActions = []curatedAction{
	{
		ID: "CreateAppStoreVersion", Method: "POST", Pattern: "/connector/v1/apps/{appId}/versions",
		Summary: "Create an App Store version", Description: "Creates an App Store version, or brings the existing one with this version string to the settings sent (release type, date, copyright, build). Safe to retry: a version is never created twice and what is already set is not written again.",
		Write: true, Status: http.StatusCreated,
		PathParams: []param{appRef},
		BodyFields: []param{
			{Name: "versionString", Type: "string", Summary: "Version", Description: "The version string, such as 2.5.0.", Required: true},
			platformField,
			{Name: "releaseType", Type: "string", Summary: "Release type", Description: "How the approved version is released: manual, after-approval or scheduled.", Enum: versions.ReleaseTypeNames()},
			{Name: "earliestReleaseDate", Type: "string", Summary: "Earliest release date", Description: "For a scheduled release, the earliest date and time (RFC 3339, such as 2026-12-24T09:00:00Z).", Advanced: true},
			{Name: "copyright", Type: "string", Summary: "Copyright", Description: "The copyright line, such as 2026 Example Inc.", Advanced: true},
			{Name: "buildNumber", Type: "string", Summary: "Build number", Description: "Attach the build with this number; empty attaches none.", Advanced: true},
		},
		Flat: versionShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct {
				VersionString, Platform, ReleaseType, EarliestReleaseDate, BuildNumber string
				Copyright                                                              *string
			}
			err := in.json(&body)
			if err == nil && body.VersionString == "" {
				err = errors.New("no versionString")
			}
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.REQUIRED", "Missing fields", `send {"versionString"} and optionally "platform", "releaseType", "earliestReleaseDate", "copyright", "buildNumber"`)
			}
			ch := versions.Change{Query: versions.Query{App: in.path("appId"), Platform: platformOf(body.Platform), Version: body.VersionString},
				Copyright: body.Copyright, Build: body.BuildNumber}
			if body.ReleaseType != "" {
				rt, err := versions.ParseReleaseType(body.ReleaseType)
				if err != nil {
					return actionResult{}, badInput(err, "ENTITY_ERROR.ATTRIBUTE.INVALID", "Invalid release type", err.Error())
				}
				ch.ReleaseType = &rt
			}
			if body.EarliestReleaseDate != "" {
				t, err := time.Parse(time.RFC3339, body.EarliestReleaseDate)
				if err != nil {
					return actionResult{}, badInput(err, "ENTITY_ERROR.ATTRIBUTE.INVALID", "Invalid date", "earliestReleaseDate "+body.EarliestReleaseDate+" is not a date like 2026-12-24T09:00:00Z")
				}
				ch.EarliestRelease = &t
			}
			res, err := versions.Create(ctx, c, ch)
			if err != nil {
				return actionResult{}, refusedBeforeWrite(err, "STATE_ERROR", "Cannot create the version")
			}
			return actionResult{one: versionResource(res.Version, res.Changed)}, nil
		},
	},
	{
		ID: "AttachBuild", Method: "POST", Pattern: "/connector/v1/apps/{appId}/versions/{versionString}/build",
		Summary: "Attach a build to a version", Description: "Selects the build of an App Store version: the build with the number sent, or the newest processed build of the version. Safe to retry: a build already attached is not written again.",
		Write: true,
		PathParams: []param{appRef,
			pathParam("versionString", "Version", "The version string, such as 2.5.0.")},
		BodyFields: []param{
			{Name: "buildNumber", Type: "string", Summary: "Build number", Description: "The build number (CFBundleVersion); empty picks the newest processed build of the version."},
			platformField,
		},
		Flat: versionShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct{ BuildNumber, Platform string }
			if err := in.json(&body); err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.INVALID", "Invalid body", `send {"buildNumber"} or {} for the newest processed build, and optionally "platform"`)
			}
			res, err := versions.Update(ctx, c, versions.Change{Query: versions.Query{App: in.path("appId"), Platform: platformOf(body.Platform), Version: in.path("versionString")},
				Build: body.BuildNumber, AttachNewest: body.BuildNumber == ""})
			if err != nil {
				return actionResult{}, refusedBeforeWrite(err, "STATE_ERROR", "Cannot attach the build")
			}
			return actionResult{one: versionResource(res.Version, res.Changed)}, nil
		},
	},
	{
		ID: "CancelReviewSubmission", Method: "POST", Pattern: "/connector/v1/apps/{appId}/reviewSubmissions/cancel",
		Summary: "Cancel the review submission", Description: "Cancels the app's open review submission for the platform, taking its versions out of App Review. Safe to retry: a submission already canceling is left alone, and no open submission is no error.",
		Write:      true,
		PathParams: []param{appRef},
		BodyFields: []param{platformField},
		Flat:       cancelShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct{ Platform string }
			if err := in.json(&body); err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.INVALID", "Invalid body", `send {} or {"platform"}`)
			}
			res, err := review.Cancel(ctx, c, in.path("appId"), platformOf(body.Platform))
			if err != nil {
				return actionResult{}, refusedBeforeWrite(err, "STATE_ERROR", "Cannot cancel")
			}
			r := flatCancel{ID: res.SubmissionID, Type: "reviewSubmissions"}
			r.Attributes.State, r.Attributes.Canceled = string(res.State), res.Canceled
			return actionResult{one: r}, nil
		},
	},
	{
		ID: "ReleaseVersion", Method: "POST", Pattern: "/connector/v1/apps/{appId}/release",
		Summary: "Release an approved version", Description: "Releases an approved App Store version that waits for its developer (release type manual) to the App Store. Safe to retry: a version already released is left alone, and the release is never sent twice.",
		Write:      true,
		PathParams: []param{appRef},
		BodyFields: []param{
			{Name: "versionString", Type: "string", Summary: "Version", Description: "The version string (default: the version pending developer release)."},
			platformField,
		},
		Flat: versionShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct{ VersionString, Platform string }
			if err := in.json(&body); err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.INVALID", "Invalid body", `send {} or {"versionString", "platform"}`)
			}
			res, err := release.Release(ctx, c, release.Target{App: in.path("appId"), Platform: platformOf(body.Platform), Version: body.VersionString})
			if err != nil {
				return actionResult{}, refusedBeforeWrite(err, "STATE_ERROR", "Cannot release")
			}
			changed := []string{}
			if res.Released {
				changed = append(changed, "released")
			}
			return actionResult{one: versionResource(res.Version, changed)}, nil
		},
	},
	{
		ID: "ControlPhasedRelease", Method: "POST", Pattern: "/connector/v1/apps/{appId}/phasedRelease",
		Summary: "Control the phased release", Description: "Starts (before the release), pauses, resumes or completes a version's 7-day phased release, or reads where it stands (status): day 1 gives the update to 1% of users, day 7 to all. Safe to retry: a release already where the action takes it is not written again.",
		Write:      true,
		PathParams: []param{appRef},
		BodyFields: []param{
			{Name: "action", Type: "string", Summary: "Action", Description: "start, pause, resume, complete or status.", Enum: release.PhasedActionNames(), Required: true},
			{Name: "versionString", Type: "string", Summary: "Version", Description: "The version string (default: the version not yet released for start, the live one otherwise).", Advanced: true},
			platformField,
		},
		Flat: phasedShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct{ Action, VersionString, Platform string }
			err := in.json(&body)
			if err == nil && body.Action == "" {
				err = errors.New("no action")
			}
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.REQUIRED", "Missing action", `send {"action": "start"|"pause"|"resume"|"complete"|"status"} and optionally "versionString", "platform"`)
			}
			a, err := release.ParsePhasedAction(body.Action)
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.INVALID", "Unknown action", err.Error())
			}
			res, err := release.PhasedControl(ctx, c, release.PhasedRequest{Target: release.Target{App: in.path("appId"), Platform: platformOf(body.Platform), Version: body.VersionString}, Action: a})
			if err != nil {
				return actionResult{}, refusedBeforeWrite(err, "STATE_ERROR", "Cannot change the phased release")
			}
			r := flatPhased{ID: res.ID, Type: "appStoreVersionPhasedReleases"}
			at := &r.Attributes
			at.State, at.Day, at.Days, at.SharePercent, at.PausedDays = res.Phase.State, res.Phase.Day, res.Phase.Days, res.Phase.Share, res.Phase.PausedDays
			at.Summary, at.VersionString, at.Platform, at.Changed = res.Phase.String(), res.Version.Version, res.Version.Platform, res.Changed
			return actionResult{one: r}, nil
		},
	},
}

// fromUpstream reports whether err is App Store Connect's answer or a failure to reach it,
// rather than a workflow's own refusal of what the client asked.
func fromUpstream(err error) bool {
	var api *asc.ErrorResponse
	var rl *asc.RateLimitError
	var up *upstreamError
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &api) || errors.As(err, &rl) || errors.As(err, &up) || errors.As(err, &ne) || errors.As(err, &ue) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}

func platformOf(s string) asc.Platform { return asc.Platform(strings.ToUpper(strings.TrimSpace(s))) }

// refusedBeforeWrite answers the workflow's own refusals (a version not approved, a move
// Apple does not make, a build that is not processed) as 400s naming what is wrong; Apple's
// errors and failures to reach it pass as they are.
func refusedBeforeWrite(err error, code, title string) error {
	if fromUpstream(err) {
		return err
	}
	if errors.Is(err, versions.ErrNotFound) {
		return &bodyError{status: http.StatusNotFound, code: "NOT_FOUND", title: title, detail: err.Error()}
	}
	return badInput(err, code, title, err.Error())
}

type flatVersion struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		VersionString       string     `json:"versionString"`
		Platform            string     `json:"platform"`
		AppVersionState     string     `json:"appVersionState"`
		Phase               string     `json:"phase"`
		ReleaseType         string     `json:"releaseType,omitempty"`
		EarliestReleaseDate *time.Time `json:"earliestReleaseDate,omitempty"`
		Copyright           string     `json:"copyright,omitempty"`
		BuildNumber         string     `json:"buildNumber,omitempty"`
		BuildID             string     `json:"buildId,omitempty"`
		Changed             []string   `json:"changed"`
	} `json:"attributes"`
}

func versionResource(v versions.Version, changed []string) flatVersion {
	r := flatVersion{ID: v.ID, Type: "appStoreVersions"}
	a := &r.Attributes
	a.VersionString, a.Platform, a.AppVersionState, a.Phase = v.Version, v.Platform, v.State, v.Phase
	a.ReleaseType, a.EarliestReleaseDate, a.Copyright, a.BuildNumber, a.BuildID = v.ReleaseType, v.EarliestReleaseDate, v.Copyright, v.BuildNumber, v.BuildID
	a.Changed = changed
	if a.Changed == nil {
		a.Changed = []string{}
	}
	return r
}

var versionShape = &flatShape{name: "AppStoreVersionFlat", summary: "App Store version", description: "An App Store version with its state, release type and build", props: func() map[string]*schema {
	return map[string]*schema{
		"id":                  field("string", "ID", "The App Store Connect id of the version."),
		"type":                field("string", "Type", "appStoreVersions."),
		"versionString":       field("string", "Version", "The version string, such as 2.5.0."),
		"platform":            enumField("Platform", "The platform of the version.", apple.Platforms()),
		"appVersionState":     field("string", "State", "The version's state, such as PREPARE_FOR_SUBMISSION, WAITING_FOR_REVIEW, PENDING_DEVELOPER_RELEASE or READY_FOR_DISTRIBUTION."),
		"phase":               enumField("Phase", "What the state means for work on the version.", []string{"editable", "locked", "live", "retired"}),
		"releaseType":         field("string", "Release type", "MANUAL, AFTER_APPROVAL or SCHEDULED."),
		"earliestReleaseDate": {Type: "string", Format: "date-time", Summary: "Earliest Release Date", Description: "The earliest release of a scheduled version."},
		"copyright":           field("string", "Copyright", "The copyright line."),
		"buildNumber":         field("string", "Build number", "The number of the attached build."),
		"buildId":             field("string", "Build ID", "The id of the attached build."),
		"changed":             arrayOf("Changed", "What this call changed (empty: nothing needed changing).", &schema{Type: "string"}),
	}
}}

type flatCancel struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		State    string `json:"state,omitempty"`
		Canceled bool   `json:"canceled"`
	} `json:"attributes"`
}

var cancelShape = &flatShape{name: "ReviewCancelFlat", summary: "Canceled review submission", description: "The review submission that was canceled, if any", props: func() map[string]*schema {
	return map[string]*schema{
		"id":       field("string", "Submission ID", "The review submission's id; empty when the app had none open."),
		"type":     field("string", "Type", "reviewSubmissions."),
		"state":    field("string", "State", "The submission's state now, such as CANCELING."),
		"canceled": field("boolean", "Canceled", "Whether this call canceled it."),
	}
}}

type flatPhased struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		State         string `json:"state"`
		Day           int    `json:"day"`
		Days          int    `json:"days"`
		SharePercent  int    `json:"sharePercent"`
		PausedDays    int    `json:"pausedDays"`
		Summary       string `json:"summary"`
		VersionString string `json:"versionString"`
		Platform      string `json:"platform"`
		Changed       bool   `json:"changed"`
	} `json:"attributes"`
}

var phasedShape = &flatShape{name: "PhasedReleaseFlat", summary: "Phased release", description: "Where a version's 7-day phased release stands", props: func() map[string]*schema {
	return map[string]*schema{
		"id":            field("string", "ID", "The phased release's id; empty when the version has none."),
		"type":          field("string", "Type", "appStoreVersionPhasedReleases."),
		"state":         enumField("State", "INACTIVE before the release, then ACTIVE, PAUSED or COMPLETE.", apple.PhasedReleaseStates()),
		"day":           field("integer", "Day", "The day of the release, 1 to 7 (0 before it starts)."),
		"days":          field("integer", "Days", "How many days the release takes."),
		"sharePercent":  field("integer", "Share of users", "The percentage of users with automatic updates who get the version now."),
		"pausedDays":    field("integer", "Paused days", "The days the release has been paused, at most 30."),
		"summary":       field("string", "Summary", "Where it stands, such as day 3 of 7: 5% of users."),
		"versionString": field("string", "Version", "The version string."),
		"platform":      enumField("Platform", "The platform of the version.", apple.Platforms()),
		"changed":       field("boolean", "Changed", "Whether this call changed the phased release."),
	}
}}
