package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/release"
	"github.com/ascend-tools/ascend/workflow/review"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// Names of the workflow tools. Each is a thin adapter over one workflow: arguments in, one
// workflow call, its result out.
const (
	toolMetadataPlan    = "metadata_plan"
	toolMetadataPush    = "metadata_push"
	toolScreenshotsPlan = "screenshots_plan"
	toolReleaseStatus   = "release_status"
	toolSubmitForReview = "submit_for_review"
)

var targetProps = `"app":{"type":"string","description":"app id or bundle id"},` +
	platformProp + `,` +
	`"version":{"type":"string","description":"version string; default: the version being prepared"}`

func metadataSchema(files bool) json.RawMessage {
	dir := ""
	if files {
		dir = `"dir":{"type":"string","description":"a fastlane deliver metadata folder on this machine, instead of metadata"},`
	}
	values := `{"type":"object","additionalProperties":{"type":"string"}}`
	return json.RawMessage(`{"type":"object","properties":{` + targetProps + `,` +
		`"live":{"type":"boolean","description":"work on the live version (only promotional_text changes)"},` + dir +
		`"metadata":{"type":"object","description":"values by fastlane file name, only those to manage. locales: {locale: {` + fileNames(metadata.LocaleFields) +
		`}}; default: the same for every locale; app: {` + fileNames(metadata.AppFields) + `}; review: {` + fileNames(metadata.ReviewFields) + `}",` +
		`"properties":{"locales":{"type":"object","additionalProperties":` + values + `},"default":` + values + `,"app":` + values + `,"review":` + values + `},` +
		`"additionalProperties":false}},` +
		`"required":["app"],"additionalProperties":false}`)
}

func fileNames(specs []metadata.FieldSpec) string {
	names := make([]string, len(specs))
	for i, f := range specs {
		names[i] = f.File
	}
	return strings.Join(names, ", ")
}

func (s *server) workflowTools() []tool {
	closed := boolPtr(false)
	out := []tool{
		{tool: &sdk.Tool{
			Name:        toolMetadataPlan,
			Description: "Compare App Store metadata (given inline or as a fastlane folder) with App Store Connect: every change, checked against Apple's limits. Writes nothing.",
			InputSchema: schema(metadataSchema(s.opts.Files)),
			Annotations: &sdk.ToolAnnotations{Title: "Plan a metadata push", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.metadataPlan},
		{tool: &sdk.Tool{
			Name:        toolMetadataPush,
			Description: "Push App Store metadata: the metadata_plan for the same arguments, then only its writes. Running it again writes nothing.",
			InputSchema: schema(metadataSchema(s.opts.Files)),
			Annotations: &sdk.ToolAnnotations{Title: "Push metadata", DestructiveHint: closed, IdempotentHint: true},
		}, handler: s.metadataPush, write: true},
		{tool: &sdk.Tool{
			Name:        toolReleaseStatus,
			Description: "Where an app's releases stand: recent App Store versions with state and build, builds with processing state, review submissions.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{"app":{"type":"string","description":"app id or bundle id"},` +
				`"platform":{"type":"string",` + platformEnum + `,"description":"default: every platform"}},"required":["app"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Release status", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.releaseStatus},
		{tool: &sdk.Tool{
			Name: toolSubmitForReview,
			Description: "Add an App Store version to the app's open review submission (creating it if needed) and, with submit: true, send it to App Review. " +
				"Before sending it checks the version is ready and, when it is not, names every missing piece and sends nothing. Safe to run again: it never makes a second submission or item.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + targetProps + `,` +
				`"submit":{"type":"boolean","description":"send to App Review; false leaves the submission ready"}},"required":["app","submit"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Submit for review", DestructiveHint: closed, IdempotentHint: true},
		}, handler: s.submitForReview, write: true},
	}
	if s.opts.Files {
		out = append(out, tool{tool: &sdk.Tool{
			Name:        toolScreenshotsPlan,
			Description: "Plan a screenshot sync from a fastlane screenshots folder on this machine: per locale and display type, what would be uploaded, kept, reordered or deleted. Writes nothing.",
			InputSchema: schema(json.RawMessage(`{"type":"object","properties":{` + targetProps + `,` +
				`"dir":{"type":"string","description":"screenshots/<locale>/*.png|jpg folder"}},"required":["app","dir"],"additionalProperties":false}`)),
			Annotations: &sdk.ToolAnnotations{Title: "Plan a screenshot sync", ReadOnlyHint: true, IdempotentHint: true},
		}, handler: s.screenshotsPlan})
	}
	return out
}

type targetArgs struct {
	App      string `json:"app"`
	Platform string `json:"platform"`
	Version  string `json:"version"`
}

func (a targetArgs) target(live bool) metadata.Target {
	return metadata.Target{App: strings.TrimSpace(a.App), Platform: a.Platform, Version: a.Version, Live: live}
}

type metadataValues struct {
	Locales map[string]map[string]string `json:"locales"`
	Default map[string]string            `json:"default"`
	App     map[string]string            `json:"app"`
	Review  map[string]string            `json:"review"`
}

type metadataArgs struct {
	targetArgs
	Live     bool            `json:"live"`
	Dir      string          `json:"dir"`
	Metadata *metadataValues `json:"metadata"`
}

type changeDoc struct {
	Path    string `json:"path"`
	Was     string `json:"was"`
	Now     string `json:"now"`
	Skipped string `json:"skipped,omitempty"`
}

type metadataAnswer struct {
	App          string      `json:"app"`
	Version      string      `json:"version"`
	VersionState string      `json:"versionState"`
	Changes      []changeDoc `json:"changes"`
	Writes       []string    `json:"writes"`
	Problems     []string    `json:"problems,omitempty"`
	Written      int         `json:"written,omitempty"`
	Requests     int         `json:"requests"`
	Note         string      `json:"note,omitempty"`
}

// metadataOf turns the inline values into the workflow's Metadata, checking every name against
// the workflow's own tables and normalising values as the workflow reads files.
func metadataOf(v *metadataValues) (*metadata.Metadata, []string) {
	m := metadata.New()
	var problems []string
	fill := func(where string, into metadata.Values, specs []metadata.FieldSpec, from map[string]string) {
		for k, val := range from {
			if !slices.ContainsFunc(specs, func(f metadata.FieldSpec) bool { return f.File == k }) {
				problems = append(problems, fmt.Sprintf("%s%s: not a metadata field; use %s", where, k, fileNames(specs)))
				continue
			}
			into[k] = metadata.Normalize(val)
		}
	}
	for loc, vals := range v.Locales {
		into := metadata.Values{}
		fill(loc+"/", into, metadata.LocaleFields, vals)
		m.Locales[loc] = into
	}
	fill(metadata.DefaultLocale+"/", m.Default, metadata.LocaleFields, v.Default)
	fill("", m.App, metadata.AppFields, v.App)
	fill("review_information/", m.Review, metadata.ReviewFields, v.Review)
	for _, p := range metadata.Validate(m) {
		problems = append(problems, p.String())
	}
	slices.Sort(problems)
	return m, problems
}

// metadataPlanOf makes the workflow's plan for the arguments; a refusal is the tool's answer.
func (s *server) metadataPlanOf(ctx context.Context, a *metadataArgs) (*metadata.Plan, *metadata.State, *sdk.CallToolResult) {
	if a.App == "" {
		return nil, nil, failure(&toolError{Message: "app is required: an app id or bundle id", Sent: sentNo})
	}
	t := a.target(a.Live)
	switch {
	case a.Dir != "" && a.Metadata != nil:
		return nil, nil, failure(&toolError{Message: "give metadata or dir, not both", Sent: sentNo})
	case a.Dir != "":
		if !s.opts.Files {
			return nil, nil, failure(&toolError{Message: "dir is not available here: pass the values as metadata", Sent: sentNo})
		}
		plan, st, err := metadata.Prepare(ctx, s.opts.Client, t, a.Dir)
		if err != nil {
			return nil, nil, workflowError(err, false)
		}
		return plan, st, nil
	case a.Metadata == nil:
		return nil, nil, failure(&toolError{Message: "metadata is required: the values to manage, by fastlane file name", Sent: sentNo})
	}
	m, problems := metadataOf(a.Metadata)
	if len(problems) > 0 {
		return nil, nil, failure(&toolError{Message: "the metadata has problems, nothing was read or written: " + strings.Join(problems, "; "), Sent: sentNo})
	}
	st, err := metadata.FetchFor(ctx, s.opts.Client, t, m)
	if err != nil {
		return nil, nil, workflowError(err, false)
	}
	return metadata.NewPlan(m, st, a.Live), st, nil
}

func planAnswer(plan *metadata.Plan, st *metadata.State) metadataAnswer {
	out := metadataAnswer{Changes: []changeDoc{}, Writes: []string{}}
	if st != nil {
		out.App, out.Version, out.VersionState, out.Requests = st.AppID, st.VersionString, st.VersionState, st.Requests
	}
	for _, c := range plan.Changes {
		was, now := c.Shown()
		out.Changes = append(out.Changes, changeDoc{Path: c.Path(), Was: was, Now: now, Skipped: c.Skipped})
	}
	for _, w := range plan.Writes {
		out.Writes = append(out.Writes, w.Describe()+" ("+w.Files()+")")
	}
	for _, p := range plan.Problems {
		out.Problems = append(out.Problems, p.String())
	}
	return out
}

func (s *server) metadataPlan(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a metadataArgs
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	plan, st, bad := s.metadataPlanOf(ctx, &a)
	if bad != nil {
		return bad, nil
	}
	out := planAnswer(plan, st)
	switch {
	case len(plan.Problems) > 0:
		out.Note = "this plan cannot be pushed: fix the problems first"
	case len(plan.Writes) == 0:
		out.Note = "App Store Connect already matches: nothing to push"
	default:
		out.Note = fmt.Sprintf("%s with the same arguments sends these %d writes", toolMetadataPush, len(plan.Writes))
	}
	return answer(out), nil
}

func (s *server) metadataPush(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a metadataArgs
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	plan, st, bad := s.metadataPlanOf(ctx, &a)
	if bad != nil {
		return bad, nil
	}
	out := planAnswer(plan, st)
	if len(plan.Problems) > 0 {
		return failure(&toolError{Message: "nothing was written: " + strings.Join(out.Problems, "; "), Sent: sentNo}), nil
	}
	res, err := metadata.Apply(ctx, s.opts.Client, plan, metadata.ApplyOptions{})
	out.Written, out.Requests = res.Writes, out.Requests+res.Requests
	if err != nil {
		var partial *metadata.PartialError
		if errors.As(err, &partial) {
			e := &toolError{Message: err.Error(), Sent: sentYes,
				Hint: "pushing again with the same arguments sends only what is missing"}
			return failure(e), nil
		}
		return workflowError(err, true), nil
	}
	out.Note = fmt.Sprintf("%d writes sent", res.Writes)
	return answer(out), nil
}

func (s *server) screenshotsPlan(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		targetArgs
		Dir string `json:"dir"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if a.App == "" || a.Dir == "" {
		return failure(&toolError{Message: "app and dir are required", Sent: sentNo}), nil
	}
	layout, err := screenshots.Load(a.Dir)
	if err != nil {
		return workflowError(err, false), nil
	}
	plan, err := screenshots.Prepare(ctx, s.opts.Client, a.target(false), layout, screenshots.Options{})
	if err != nil {
		return workflowError(err, false), nil
	}
	type setDoc struct {
		Locale      string   `json:"locale"`
		DisplayType string   `json:"displayType"`
		CreateSet   bool     `json:"createSet,omitempty"`
		DeleteSet   bool     `json:"deleteSet,omitempty"`
		Upload      []string `json:"upload,omitempty"`
		Delete      int      `json:"delete,omitempty"`
		Keep        int      `json:"keep"`
	}
	out := struct {
		Version  string   `json:"version"`
		Sets     []setDoc `json:"sets"`
		Uploads  int      `json:"uploads"`
		Deletes  int      `json:"deletes"`
		Problems []string `json:"problems,omitempty"`
		Requests int      `json:"requests"`
	}{Sets: []setDoc{}, Requests: plan.Requests}
	if plan.Location != nil {
		out.Version = plan.Location.VersionString
	}
	for _, sp := range plan.Sets {
		d := setDoc{Locale: sp.Locale, DisplayType: sp.DisplayType, CreateSet: sp.SetID == "" && !sp.DeleteSet, DeleteSet: sp.DeleteSet, Delete: len(sp.Delete)}
		for _, sh := range sp.Uploads() {
			d.Upload = append(d.Upload, sh.Rel)
		}
		for _, m := range sp.Match {
			if m != nil {
				d.Keep++
			}
		}
		out.Sets = append(out.Sets, d)
	}
	out.Uploads, out.Deletes, _ = plan.Totals()
	for _, p := range plan.Problems {
		out.Problems = append(out.Problems, p.String())
	}
	return answer(out), nil
}

func (s *server) releaseStatus(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		App      string `json:"app"`
		Platform string `json:"platform"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if strings.TrimSpace(a.App) == "" {
		return failure(&toolError{Message: "app is required: an app id or bundle id", Sent: sentNo}), nil
	}
	st, err := release.Get(ctx, s.opts.Client, release.Request{App: strings.TrimSpace(a.App), Platform: a.Platform})
	if err != nil {
		return workflowError(err, false), nil
	}
	return answer(st), nil
}

func (s *server) submitForReview(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
	var a struct {
		targetArgs
		Submit *bool `json:"submit"`
	}
	if bad := decodeArgs(req.Params.Arguments, &a); bad != nil {
		return bad, nil
	}
	if a.App == "" || a.Submit == nil {
		return failure(&toolError{Message: "app and submit are required (submit: false prepares the submission, true sends it to App Review)", Sent: sentNo}), nil
	}
	t := a.target(false)
	if t.Platform == "" {
		t.Platform = "IOS"
	}
	loc, err := metadata.Locate(ctx, s.opts.Client, t)
	if err != nil {
		return workflowError(err, false), nil
	}
	res, err := review.SubmitReady(ctx, s.opts.Client, review.Request{App: loc.AppID, Version: loc.VersionID, Platform: asc.Platform(t.Platform), Submit: *a.Submit})
	if err != nil {
		e := workflowError(err, true)
		var re *review.Error
		if errors.As(err, &re) {
			if te, ok := resultError(e); ok {
				te.Hint = "the submission " + re.SubmissionID + " exists: running submit_for_review again continues from " + re.Step
				e = failure(te)
			}
		}
		return e, nil
	}
	out := struct {
		Submission string `json:"submission"`
		State      string `json:"state"`
		Version    string `json:"version"`
		Created    bool   `json:"created"`
		ItemAdded  bool   `json:"itemAdded"`
		Submitted  bool   `json:"submitted"`
		Requests   int    `json:"requests"`
	}{Submission: res.Submission.ID, Version: loc.VersionString, Created: res.Created, ItemAdded: res.ItemAdded, Submitted: res.Submitted, Requests: loc.Requests + res.Requests}
	if res.Submission.Attributes != nil {
		out.State = string(res.Submission.Attributes.State)
	}
	return answer(out), nil
}

// workflowError is a workflow's failure as the tool's answer: Apple's errors when it has them,
// every problem of a validation. Any other failure of a write may have left it half done.
func workflowError(err error, write bool) *sdk.CallToolResult {
	var v *metadata.ValidationError
	var nr *review.NotReadyError
	if errors.As(err, &v) || errors.As(err, &nr) {
		return failure(&toolError{Message: err.Error(), Sent: sentNo})
	}
	var apiErr *asc.ErrorResponse
	if errors.As(err, &apiErr) {
		return failure(&toolError{Message: err.Error(), Errors: apiErr.Errors, Sent: sentYes})
	}
	if write {
		return failure(&toolError{Message: err.Error(), Sent: sentUnknown})
	}
	return failure(&toolError{Message: err.Error(), Sent: sentNo})
}
