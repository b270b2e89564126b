package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/release"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// The release tools: each decodes its arguments, makes one call of workflow/versions,
// workflow/release or workflow/deliver, and answers what it returned. The workflows read
// before they write and write only what differs, so a write tool run again with the same
// arguments changes nothing more. What cannot be undone (releasing a version to the App
// Store, completing a phased release) needs confirm: true, as deletions do.
const (
	toolVersionCreate = "version_create"
	toolReleaseNow    = "release_version"
	toolPhased        = "phased_release"
	toolReleasePlan   = "release_plan"
)

func (s *server) releaseTools() []tool {
	open := boolPtr(true)
	versionProp := `"version":{"type":"string","description":"version string, e.g. 2.5.0"}`
	planDir := ""
	if s.opts.Files {
		planDir = `"fastlane":{"type":"string","description":"a fastlane project on this machine: its Appfile and Deliverfile, metadata and screenshots folders"},`
	}
	return []tool{
		{tool: &sdk.Tool{
			Name: toolVersionCreate,
			Description: "Create an App Store version, or bring the existing one to what is asked: release type, earliest release date, copyright, build " +
				"(by number, or the newest processed one). Only what differs is written; dry_run says what would be.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + appProp + `,` + platformProp + `,` + versionProp + `,` +
				`"release":{"type":"string","enum":["manual","after-approval","scheduled"]},` +
				`"earliest_release":{"type":"string","format":"date-time","description":"a scheduled release's date"},` +
				`"copyright":{"type":"string"},"build":{"type":"string","description":"build number to attach"},` +
				`"build_latest":{"type":"boolean","description":"attach the newest processed build"},"dry_run":{"type":"boolean"}},` +
				`"required":["app","version"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Create or update a version", DestructiveHint: boolPtr(false), IdempotentHint: true},
		}, handler: s.versionCreate, write: true},
		{tool: &sdk.Tool{
			Name: toolReleaseNow,
			Description: "Release an approved version waiting for its developer (manual release) to the App Store. Cannot be undone: needs confirm: true; " +
				"without it nothing is sent and the answer names the version. Never sent twice.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + targetProps + `,` +
				`"confirm":{"type":"boolean","description":"must be true: the user agreed to release it"}},"required":["app","confirm"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Release a version", DestructiveHint: open, IdempotentHint: true},
		}, handler: s.releaseVersion, write: true},
		{tool: &sdk.Tool{
			Name: toolPhased,
			Description: "A version's 7-day phased release: status, start (before the release), pause (30 days at most), resume, complete (every user now; " +
				"cannot be undone, needs confirm: true). Answers the day and share of users.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + targetProps + `,` +
				`"action":{"type":"string","enum":["status","start","pause","resume","complete"]},` +
				`"confirm":{"type":"boolean","description":"for complete: the user agreed"}},"required":["app","action"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Phased release", DestructiveHint: open, IdempotentHint: true},
		}, handler: s.phasedRelease, write: true},
		{tool: &sdk.Tool{
			Name: toolReleasePlan,
			Description: "Plan a whole release as fastlane deliver runs it (version and build, metadata, screenshots, age rating, phased release, " +
				"submission information, submission): each step planned, unchanged or skipped, with notes on options not applied. Writes nothing.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + planDir + appProp + `,` + platformProp + `,` + versionProp + `,` +
				`"build":{"type":"string","description":"build number"},"submit":{"type":"boolean"},"automatic_release":{"type":"boolean"},` +
				`"phased_release":{"type":"boolean"},"auto_release_date":{"type":"string","description":"RFC 3339 or milliseconds since 1970"}},` +
				`"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Plan a release", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.releasePlan},
	}
}

// platformEnum is Apple's platforms as a JSON Schema enum; platformProp the tools' platform
// argument, IOS when none is given.
var (
	platformEnum = `"enum":["` + strings.Join(apple.Platforms(), `","`) + `"]`
	platformProp = `"platform":{"type":"string",` + platformEnum + `,"description":"default ` + apple.DefaultPlatform + `"}`
)

// platformOr is the platform argument, IOS when none is given.
func platformOr(p string) asc.Platform {
	if p == "" {
		return asc.Platform(apple.DefaultPlatform)
	}
	return asc.Platform(p)
}

// releaseError is a release workflow's failure as the tool's answer. A failure that is
// neither Apple's answer nor the connection's is the workflow refusing before any write.
func releaseError(err error, name string) *sdk.CallToolResult {
	var api *asc.ErrorResponse
	switch {
	case errors.As(err, &api):
		return failure(&toolError{Message: err.Error(), Errors: api.Errors, Sent: sentYes,
			Hint: "running " + name + " again reads first and does only what is still missing"})
	case connectionFailed(err):
		return failure(&toolError{Message: err.Error(), Sent: sentUnknown,
			Hint: "running " + name + " again reads back first: nothing is sent twice"})
	}
	return failure(&toolError{Message: err.Error(), Sent: sentNo})
}

// connectionFailed reports whether err is a failure to reach App Store Connect or to hear
// its answer: a network error, a timeout or cancellation, or a connection closed or reset
// before the answer (the asc client gives those as io.EOF or the errno, not as a net.Error).
// A write it cut short may have taken effect.
func connectionFailed(err error) bool {
	var ne net.Error
	var ue *url.Error
	return errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNABORTED)
}

// unconfirmed answers a call that needed confirm: true with what it would have done, as a
// failure so the agent asks the user first.
func unconfirmed(would any) *sdk.CallToolResult {
	r := answer(would)
	r.IsError = true
	return r
}

func (s *server) versionCreate(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App, Platform, Version, Release, Copyright, Build string
		EarliestRelease                                   string `json:"earliest_release"`
		BuildLatest                                       bool   `json:"build_latest"`
		DryRun                                            bool   `json:"dry_run"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.App) == "" || a.Version == "" {
		return required("app and version are"), nil
	}
	if a.Build != "" && a.BuildLatest {
		return failure(&toolError{Message: "give build or build_latest, not both", Sent: sentNo}), nil
	}
	ch := versions.Change{Query: versions.Query{App: strings.TrimSpace(a.App), Platform: platformOr(a.Platform), Version: a.Version},
		Build: a.Build, AttachNewest: a.BuildLatest, DryRun: a.DryRun}
	if a.Copyright != "" {
		ch.Copyright = &a.Copyright
	}
	if a.Release != "" {
		rt, err := versions.ParseReleaseType(a.Release)
		if err != nil {
			return failure(&toolError{Message: err.Error(), Sent: sentNo}), nil
		}
		ch.ReleaseType = &rt
	}
	if a.EarliestRelease != "" {
		t, err := time.Parse(time.RFC3339, a.EarliestRelease)
		if err != nil {
			return failure(&toolError{Message: fmt.Sprintf("earliest_release %q is not a time like 2026-12-24T09:00:00Z", a.EarliestRelease), Sent: sentNo}), nil
		}
		ch.EarliestRelease = &t
	}
	res, err := versions.Create(ctx, s.opts.Client, ch)
	if err != nil {
		return releaseError(err, toolVersionCreate), nil
	}
	return answer(res), nil
}

func (s *server) releaseVersion(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		targetArgs
		Confirm bool `json:"confirm"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	t := release.Target{App: strings.TrimSpace(a.App), Platform: platformOr(a.Platform), Version: a.Version}
	if t.App == "" {
		return required("app is"), nil
	}
	if !a.Confirm {
		// Nothing is released: say what would be, from the workflow's own reading.
		st, err := release.Get(ctx, s.opts.Client, release.Request{App: t.App, Platform: string(t.Platform)})
		if err != nil {
			return releaseError(err, toolReleaseNow), nil
		}
		would := struct {
			Message      string            `json:"message"`
			WouldRelease []release.Version `json:"wouldRelease"`
			Sent         string            `json:"sent"`
		}{WouldRelease: []release.Version{}, Sent: sentNo}
		for _, v := range st.Versions {
			if v.State == apple.ReleasableVersionState && (t.Version == "" || v.Version == t.Version) {
				would.WouldRelease = append(would.WouldRelease, v)
			}
		}
		if len(would.WouldRelease) == 0 {
			would.Message = "nothing released: no version of " + t.App + " waits for its developer's release (" + apple.ReleasableVersionState + ")"
		} else {
			would.Message = "nothing released: confirm: true releases version " + would.WouldRelease[0].Version + " to the App Store, which cannot be undone"
		}
		return unconfirmed(would), nil
	}
	res, err := release.Release(ctx, s.opts.Client, t)
	if err != nil {
		return releaseError(err, toolReleaseNow), nil
	}
	return answer(res), nil
}

func (s *server) phasedRelease(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		targetArgs
		Action  string `json:"action"`
		Confirm bool   `json:"confirm"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	action, err := release.ParsePhasedAction(a.Action)
	if err != nil || strings.TrimSpace(a.App) == "" {
		return required("app and action (status, start, pause, resume or complete) are"), nil
	}
	r := release.PhasedRequest{Target: release.Target{App: strings.TrimSpace(a.App), Platform: platformOr(a.Platform), Version: a.Version}, Action: action}
	if action == release.PhasedComplete && !a.Confirm {
		st, err := release.PhasedControl(ctx, s.opts.Client, release.PhasedRequest{Target: r.Target, Action: release.PhasedStatus})
		if err != nil {
			return releaseError(err, toolPhased), nil
		}
		would := struct {
			Message string        `json:"message"`
			Now     release.Phase `json:"now"`
			Version string        `json:"version"`
			Sent    string        `json:"sent"`
		}{Now: st.Phase, Version: st.Version.Version, Sent: sentNo,
			Message: "nothing changed: confirm: true releases version " + st.Version.Version + " to every user now (it is " + st.Phase.String() + "), which cannot be undone"}
		return unconfirmed(would), nil
	}
	res, err := release.PhasedControl(ctx, s.opts.Client, r)
	if err != nil {
		return releaseError(err, toolPhased), nil
	}
	return answer(res), nil
}

func (s *server) releasePlan(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		Fastlane, App, Platform, Version, Build string
		Submit                                  *bool
		AutomaticRelease                        *bool  `json:"automatic_release"`
		PhasedRelease                           *bool  `json:"phased_release"`
		AutoReleaseDate                         string `json:"auto_release_date"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	o := deliver.Options{App: strings.TrimSpace(a.App), Platform: a.Platform, Version: a.Version, Build: a.Build, SubmitForReview: a.Submit,
		AutomaticRelease: a.AutomaticRelease, PhasedRelease: a.PhasedRelease, AutoReleaseDate: a.AutoReleaseDate, DryRun: true}
	if a.Fastlane != "" {
		if !s.opts.Files {
			return failure(&toolError{Message: "fastlane is not available here: pass the options instead", Sent: sentNo}), nil
		}
		// The project's files only: the server's own DELIVER_* variables are not the user's.
		p, err := fastlane.Resolve(a.Fastlane, func(string) (string, bool) { return "", false })
		if err != nil {
			return failure(&toolError{Message: err.Error(), Sent: sentNo}), nil
		}
		o.Project = p
	}
	if o.App == "" && o.Project == nil {
		return required("app (or a fastlane project) is"), nil
	}
	res, err := deliver.Run(ctx, s.opts.Client, o)
	if err != nil {
		return releaseError(err, toolReleasePlan), nil
	}
	if o.Project != nil {
		res.Notes = append(o.Project.Notes, res.Notes...)
	}
	return answer(res), nil
}
