package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/workflow/localization"
	"github.com/ascend-tools/ascend/workflow/lookup"
	"github.com/ascend-tools/ascend/workflow/review"
)

// param describes a parameter of a curated action, for the router and the exported
// definitions alike.
type param struct {
	Name        string // as the client sends it
	In          string // path or query, set when exported
	Type        string // string, integer, boolean
	Summary     string
	Description string
	Enum        []string
	Required    bool
	Advanced    bool // x-ms-visibility: advanced
}

// curatedAction is one action under /connector/v1/: a friendly, flat face over one workflow
// call. Run reads the HTTP request through its actionInput, makes the call on the profile's
// typed client, and returns what to answer; the gateway flattens it.
type curatedAction struct {
	ID          string // operationId in the exported connector
	Method      string
	Pattern     string // Go 1.22 mux pattern, also the exported path
	Summary     string
	Description string
	Write       bool
	PathParams  []param
	Query       []param
	// ResourceType is the JSON:API type the action returns, for the exported schema; Flat
	// instead describes an answer of the action's own shape.
	ResourceType string
	Flat         *flatShape
	List         bool
	// BodyFields lists the fields the action's JSON body takes (exported as its schema).
	BodyFields []param
	// Status is the success status; zero is 200.
	Status int
	Run    func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error)
}

func pathParam(name, summary, desc string) param {
	return param{Name: name, Type: "string", Summary: summary, Description: desc, Required: true}
}

var limitParam = param{Name: "limit", Type: "integer", Summary: "Page size", Description: "How many items to return per page, at most 200. The next page is in nextLink.", Advanced: true}

var curatedActions = []curatedAction{
	{
		ID: "ListApps", Method: "GET", Pattern: "/connector/v1/apps",
		Summary: "Find apps", Description: "Finds the apps of the App Store Connect account, by bundle ID or name, as flat objects.",
		Query: []param{
			{Name: "bundleId", Type: "string", Summary: "Bundle ID", Description: "Only the app with this bundle identifier, such as com.example.app."},
			{Name: "name", Type: "string", Summary: "App name", Description: "Only apps with this name."},
			limitParam,
		},
		ResourceType: "apps", List: true,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return pageResult(lookup.Apps(ctx, c, lookup.AppFilter{BundleID: in.query("bundleId"), Name: in.query("name"), Limit: in.limit()}))
		},
	},
	{
		ID: "GetApp", Method: "GET", Pattern: "/connector/v1/apps/{appId}",
		Summary: "Get an app", Description: "Gets one app by its App Store Connect id, as a flat object.",
		PathParams:   []param{pathParam("appId", "App ID", "The App Store Connect id of the app (a number such as 1234567890).")},
		ResourceType: "apps",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return oneResult(lookup.App(ctx, c, in.path("appId")))
		},
	},
	{
		ID: "ListAppInfos", Method: "GET", Pattern: "/connector/v1/apps/{appId}/appInfos",
		Summary: "List app infos", Description: "Lists the app info records of an app: the live one and, while a version is being prepared, the editable one.",
		PathParams:   []param{pathParam("appId", "App ID", "The App Store Connect id of the app.")},
		Query:        []param{limitParam},
		ResourceType: "appInfos", List: true,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return pageResult(lookup.AppInfos(ctx, c, in.path("appId"), in.limit()))
		},
	},
	{
		ID: "ListAppInfoLocalizations", Method: "GET", Pattern: "/connector/v1/appInfos/{appInfoId}/localizations",
		Summary: "List app info localizations", Description: "Lists the localized app information (name, subtitle, privacy URLs) of an app info record.",
		PathParams: []param{pathParam("appInfoId", "App info ID", "The id of the app info record, from List app infos.")},
		Query: []param{
			{Name: "locale", Type: "string", Summary: "Locale", Description: "Only this locale, such as en-US."},
			limitParam,
		},
		ResourceType: "appInfoLocalizations", List: true,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return pageResult(lookup.AppInfoLocalizations(ctx, c, in.path("appInfoId"), lookup.LocaleFilter{Locale: in.query("locale"), Limit: in.limit()}))
		},
	},
	{
		ID: "UpdateAppInfoLocalization", Method: "PATCH", Pattern: "/connector/v1/appInfoLocalizations/{localizationId}",
		Summary: "Update an app info localization", Description: "Changes the localized name, subtitle or privacy URLs of an app info localization. Only the fields sent change.",
		Write:      true,
		PathParams: []param{pathParam("localizationId", "Localization ID", "The id of the app info localization, from List app info localizations.")},
		BodyFields: []param{
			{Name: "name", Type: "string", Summary: "Name", Description: "The app's name in this locale."},
			{Name: "subtitle", Type: "string", Summary: "Subtitle", Description: "The app's subtitle in this locale."},
			{Name: "privacyPolicyUrl", Type: "string", Summary: "Privacy policy URL", Description: "The URL of the privacy policy."},
			{Name: "privacyChoicesUrl", Type: "string", Summary: "Privacy choices URL", Description: "The URL where users manage their privacy choices."},
			{Name: "privacyPolicyText", Type: "string", Summary: "Privacy policy text", Description: "The privacy policy text (tvOS).", Advanced: true},
		},
		ResourceType: "appInfoLocalizations",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var fields asc.AppInfoLocalizationUpdateRequestAttributes
			if err := in.fields(&fields); err != nil {
				return actionResult{}, err
			}
			return oneResult(localization.UpdateAppInfo(ctx, c, in.path("localizationId"), fields))
		},
	},
	{
		ID: "ListAppStoreVersions", Method: "GET", Pattern: "/connector/v1/apps/{appId}/versions",
		Summary: "List App Store versions", Description: "Lists the App Store versions of an app, newest first.",
		PathParams: []param{pathParam("appId", "App ID", "The App Store Connect id of the app.")},
		Query: []param{
			{Name: "platform", Type: "string", Summary: "Platform", Description: "Only versions for this platform.", Enum: apple.Platforms()},
			{Name: "versionString", Type: "string", Summary: "Version", Description: "Only this version string, such as 1.2.0."},
			{Name: "state", Type: "string", Summary: "State", Description: "Only versions in this state, such as PREPARE_FOR_SUBMISSION.", Advanced: true},
			limitParam,
		},
		ResourceType: "appStoreVersions", List: true,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return pageResult(lookup.Versions(ctx, c, in.path("appId"), lookup.VersionFilter{
				Platform: in.query("platform"), VersionString: in.query("versionString"), State: in.query("state"), Limit: in.limit(),
			}))
		},
	},
	{
		ID: "ListVersionLocalizations", Method: "GET", Pattern: "/connector/v1/versions/{versionId}/localizations",
		Summary: "List version localizations", Description: "Lists the localized metadata (description, keywords, what's new, URLs) of an App Store version.",
		PathParams: []param{pathParam("versionId", "Version ID", "The id of the App Store version, from List App Store versions.")},
		Query: []param{
			{Name: "locale", Type: "string", Summary: "Locale", Description: "Only this locale, such as en-US."},
			limitParam,
		},
		ResourceType: "appStoreVersionLocalizations", List: true,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return pageResult(lookup.VersionLocalizations(ctx, c, in.path("versionId"), lookup.LocaleFilter{Locale: in.query("locale"), Limit: in.limit()}))
		},
	},
	{
		ID: "UpdateVersionLocalization", Method: "PATCH", Pattern: "/connector/v1/versionLocalizations/{localizationId}",
		Summary: "Update a version localization", Description: "Changes the localized description, keywords, what's new text or URLs of an App Store version. Only the fields sent change.",
		Write:      true,
		PathParams: []param{pathParam("localizationId", "Localization ID", "The id of the version localization, from List version localizations.")},
		BodyFields: []param{
			{Name: "description", Type: "string", Summary: "Description", Description: "The app's description in this locale."},
			{Name: "keywords", Type: "string", Summary: "Keywords", Description: "Comma-separated search keywords."},
			{Name: "whatsNew", Type: "string", Summary: "What's new", Description: "The release notes of this version."},
			{Name: "promotionalText", Type: "string", Summary: "Promotional text", Description: "Text shown above the description; changes without a new version."},
			{Name: "marketingUrl", Type: "string", Summary: "Marketing URL", Description: "The app's marketing page.", Advanced: true},
			{Name: "supportUrl", Type: "string", Summary: "Support URL", Description: "The app's support page.", Advanced: true},
		},
		ResourceType: "appStoreVersionLocalizations",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var fields asc.AppStoreVersionLocalizationUpdateRequestAttributes
			if err := in.fields(&fields); err != nil {
				return actionResult{}, err
			}
			return oneResult(localization.UpdateVersion(ctx, c, in.path("localizationId"), fields))
		},
	},
	{
		ID: "ListBuilds", Method: "GET", Pattern: "/connector/v1/apps/{appId}/builds",
		Summary: "List builds of an app", Description: "Lists the builds uploaded for an app, newest first.",
		PathParams: []param{pathParam("appId", "App ID", "The App Store Connect id of the app.")},
		Query: []param{
			{Name: "version", Type: "string", Summary: "Build number", Description: "Only builds with this build number (CFBundleVersion)."},
			{Name: "processingState", Type: "string", Summary: "Processing state", Description: "Only builds in this processing state.", Enum: queryEnum("builds_getCollection", "filter[processingState]"), Advanced: true},
			limitParam,
		},
		ResourceType: "builds", List: true,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return pageResult(lookup.Builds(ctx, c, in.path("appId"), lookup.BuildFilter{Version: in.query("version"), ProcessingState: in.query("processingState"), Limit: in.limit()}))
		},
	},
	{
		ID: "SubmitForReview", Method: "POST", Pattern: "/connector/v1/reviewSubmissions",
		Summary: "Submit a version for review", Description: "Adds an App Store version to the app's open review submission (created when there is none) and, unless submit is false, submits it to App Review. Before submitting it checks the version is ready (build, export compliance, review details, each localization's text and screenshots, age rating, price) and answers 409 naming every missing piece, with nothing sent. Safe to retry: it never creates a second submission or item.",
		Write: true, Status: http.StatusCreated,
		BodyFields: []param{
			{Name: "appId", Type: "string", Summary: "App ID", Description: "The App Store Connect id of the app.", Required: true},
			{Name: "appStoreVersionId", Type: "string", Summary: "Version ID", Description: "The id of the App Store version to submit.", Required: true},
			{Name: "platform", Type: "string", Summary: "Platform", Description: "The platform of the version.", Enum: apple.Platforms(), Required: true},
			{Name: "submit", Type: "boolean", Summary: "Submit now", Description: "Submit to App Review at once (default true); false leaves the submission ready to submit.", Advanced: true},
		},
		ResourceType: "reviewSubmissions",
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct {
				AppID             string `json:"appId"`
				AppStoreVersionID string `json:"appStoreVersionId"`
				Platform          string `json:"platform"`
				Submit            *bool  `json:"submit"`
			}
			err := in.json(&body)
			if err == nil && (body.AppID == "" || body.AppStoreVersionID == "" || body.Platform == "") {
				err = errors.New("missing fields")
			}
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.REQUIRED", "Missing fields", "send {\"appId\", \"appStoreVersionId\", \"platform\"} and optionally \"submit\": false")
			}
			res, err := review.SubmitReady(ctx, c, review.Request{
				App: body.AppID, Version: body.AppStoreVersionID, Platform: asc.Platform(body.Platform), Submit: body.Submit == nil || *body.Submit,
			})
			if err != nil {
				return actionResult{}, err
			}
			return oneResult(&res.Submission, nil)
		},
	},
}

// actionInput is a curated action's view of its HTTP request: path values, query parameters
// and the JSON body (read once, capped).
type actionInput struct {
	g    *Gateway
	r    *http.Request
	w    http.ResponseWriter
	max  int64
	body []byte
	read bool
	err  error
}

func (in *actionInput) path(name string) string  { return in.r.PathValue(name) }
func (in *actionInput) query(name string) string { return in.r.URL.Query().Get(name) }

// limit is the page size asked for, zero when absent (curated checks integers first).
func (in *actionInput) limit() int {
	n, _ := strconv.Atoi(in.query("limit"))
	return n
}

// checkQuery refuses integer parameters that are not positive numbers before any request.
func checkQuery(a curatedAction, r *http.Request) error {
	for _, p := range a.Query {
		if v := r.URL.Query().Get(p.Name); p.Type == "integer" && v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 1 {
				return badInput(err, "PARAMETER_ERROR.INVALID", "Invalid "+p.Name, p.Name+" must be a positive whole number, not "+strconv.Quote(v))
			}
		}
	}
	return nil
}

// raw reads the body once, under the gateway's cap.
func (in *actionInput) raw() ([]byte, error) {
	if !in.read {
		in.read = true
		in.body, in.err = in.g.readBody(in.w, in.r, in.max)
	}
	return in.body, in.err
}

// json decodes the body into v; trailing data after the JSON value is refused.
func (in *actionInput) json(v any) error {
	b, err := in.raw()
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// fields decodes a flat object of attributes into a typed update, ignoring "id" and "type"
// (which flat answers carry) and refusing any field the update does not have.
func (in *actionInput) fields(v any) error {
	var m map[string]json.RawMessage
	err := in.json(&m)
	if err == nil && m == nil {
		err = errors.New("not an object")
	}
	if err != nil {
		return badInput(err, "PARAMETER_ERROR.INVALID", "Invalid body", "send a JSON object of the fields to change, such as {\"description\": \"...\"}")
	}
	delete(m, "id")
	delete(m, "type")
	b, err := json.Marshal(m)
	if err == nil {
		err = strictUnmarshal(b, v)
	}
	if err != nil {
		return badInput(err, "PARAMETER_ERROR.INVALID", "Invalid field", err.Error())
	}
	return nil
}

// inputError is a request the gateway refuses before any workflow call: 400 with Apple's
// error shape (or 413 when the underlying error is an oversized body).
type inputError struct {
	err                 error
	code, title, detail string
}

func (e *inputError) Error() string { return e.detail }
func (e *inputError) Unwrap() error { return e.err }

func badInput(err error, code, title, detail string) error {
	return &inputError{err: err, code: code, title: title, detail: detail}
}

// actionResult is what a curated action answers: one resource, or a page of them.
type actionResult struct {
	one   any // a typed resource
	items any // a slice of typed resources
	list  bool
	next  string
	total *int
}

func pageResult[T any](p *lookup.Page[T], err error) (actionResult, error) {
	if err != nil {
		return actionResult{}, err
	}
	return actionResult{items: p.Items, list: true, next: p.Next, total: p.Total}, nil
}

func oneResult[T any](v *T, err error) (actionResult, error) {
	if err != nil {
		return actionResult{}, err
	}
	return actionResult{one: v}, nil
}

// curated serves one curated action with a flat answer.
func (g *Gateway) curated(a curatedAction) authedHandler {
	status := a.Status
	if status == 0 {
		status = http.StatusOK
	}
	return func(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
		in := &actionInput{g: g, r: r, w: w, max: g.cfg.MaxBodyBytes}
		err := checkQuery(a, r)
		var res actionResult
		if err == nil {
			// The whole exchange with App Store Connect is bounded, however many requests
			// the workflow makes and however slowly an answer trickles in.
			ctx, cancel := context.WithTimeout(r.Context(), g.cfg.UpstreamTimeout)
			res, err = a.Run(ctx, p.api, in)
			cancel()
		}
		if err != nil {
			g.writeActionError(w, r, err)
			return
		}
		data, err := g.flatAnswer(r, p, res)
		if err != nil {
			g.writeSendError(w, r, &upstreamError{err})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(status)
		w.Write(data)
	}
}

// flatAnswer encodes a result in the flat shape designers bind: one object, or {value,
// nextLink, total} with the next link pointing at the gateway's flattened passthrough.
func (g *Gateway) flatAnswer(r *http.Request, p *profileRuntime, res actionResult) ([]byte, error) {
	if !res.list {
		var one resource
		if err := remarshal(res.one, &one); err != nil {
			return nil, err
		}
		return marshal(flatResource(one))
	}
	var items []resource
	if err := remarshal(res.items, &items); err != nil {
		return nil, err
	}
	fl := flatList{Value: make([]map[string]any, 0, len(items)), Total: res.total}
	for _, it := range items {
		fl.Value = append(fl.Value, flatResource(it))
	}
	if res.next != "" {
		fl.NextLink = withFlatten(rewriteLink(res.next, p.baseStr, g.publicBase(r)))
	}
	return marshal(fl)
}

// strictUnmarshal decodes data into v, refusing fields v does not have.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "json: "))
	}
	return nil
}

// remarshal turns a typed value into another shape through its JSON encoding.
func remarshal(from, to any) error {
	b, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, to)
}

// writeActionError answers a curated action that failed: the client's own mistakes as 400,
// App Store Connect's refusals with Apple's status and errors, and the rest as the
// passthrough answers them.
func (g *Gateway) writeActionError(w http.ResponseWriter, r *http.Request, err error) {
	var in *inputError
	var api *asc.ErrorResponse
	var rl *asc.RateLimitError
	var busy *review.BusyError
	var notReady *review.NotReadyError
	var partial *review.Error
	if errors.As(err, &partial) {
		// A retry continues with this submission; the header says which it is.
		w.Header().Set("X-Ascend-Review-Submission-Id", partial.SubmissionID)
	}
	switch {
	case writeBodyError(w, r, err):
	case errors.As(err, &in):
		writeError(w, r, http.StatusBadRequest, in.code, in.title, in.detail)
	case errors.Is(err, localization.ErrNothingToChange):
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Nothing to change", "send at least one field to change")
	case errors.As(err, &busy):
		writeError(w, r, http.StatusConflict, "STATE_ERROR", "Another review submission is in progress", busy.Error())
	case errors.As(err, &notReady):
		writeError(w, r, http.StatusConflict, "STATE_ERROR", "The version is not ready for App Review", notReady.Error())
	case errors.As(err, &rl):
		if rl.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(rl.RetryAfter.Seconds())))
		}
		writeAppleErrors(w, r, &rl.ErrorResponse)
	case errors.As(err, &api) && api.StatusCode >= 400:
		writeAppleErrors(w, r, api)
	default:
		g.writeSendError(w, r, err)
	}
}

// writeAppleErrors relays App Store Connect's error answer: its status and its errors.
func writeAppleErrors(w http.ResponseWriter, r *http.Request, e *asc.ErrorResponse) {
	if len(e.Errors) == 0 {
		writeError(w, r, e.StatusCode, "UPSTREAM_ERROR", http.StatusText(e.StatusCode), "App Store Connect answered "+strconv.Itoa(e.StatusCode)+" without an error document")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.StatusCode)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(struct {
		Errors []asc.APIError `json:"errors"`
	}{e.Errors})
}

// queryEnum is the values of an operation's query parameter, from Apple's spec (so that they
// are Apple's); it panics when the spec has no such enumeration, at start.
func queryEnum(opID, name string) []string {
	op, ok := spec.ByID(opID)
	if !ok {
		panic("connector: the spec has no operation " + opID)
	}
	p, ok := op.Param(name)
	if !ok || len(p.Enum) == 0 {
		panic("connector: " + opID + " has no enumerated parameter " + name)
	}
	return slices.Clone(p.Enum)
}
