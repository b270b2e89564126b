package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/ascend-tools/ascend/store"
)

// param describes a parameter of a curated action, for the router and the exported
// definitions alike.
type param struct {
	Name        string // as the client sends it
	In          string // path or query, set when exported
	Apple       string // the App Store Connect query parameter it becomes ("" for path params)
	Type        string // string, integer, boolean
	Summary     string
	Description string
	Enum        []string
	Required    bool
	Advanced    bool // x-ms-visibility: advanced
}

// curatedAction is one action under /connector/v1/: a friendly, flat face over one or more
// App Store Connect requests.
type curatedAction struct {
	ID          string // operationId in the exported connector
	Method      string
	Pattern     string // Go 1.22 mux pattern, also the exported path
	Summary     string
	Description string
	Write       bool
	PathParams  []param
	Query       []param
	// Upstream builds the App Store Connect path from the path parameters.
	Upstream func(r *http.Request) string
	// ResourceType is the JSON:API type the action returns (for the exported schema), and
	// for updates the type sent.
	ResourceType string
	List         bool
	// BodyFields lists the attributes an update accepts (exported as the body schema).
	BodyFields []param
	// Handle replaces the generic one-request behaviour (review submission).
	Handle func(g *Gateway, w http.ResponseWriter, r *http.Request, p *profileRuntime)
}

func pathParam(name, summary, desc string) param {
	return param{Name: name, Type: "string", Summary: summary, Description: desc, Required: true}
}

var limitParam = param{Name: "limit", Apple: "limit", Type: "integer", Summary: "Page size", Description: "How many items to return per page, at most 200. The next page is in nextLink.", Advanced: true}

func esc(r *http.Request, name string) string { return url.PathEscape(r.PathValue(name)) }

var platforms = []string{"IOS", "MAC_OS", "TV_OS", "VISION_OS"}

var curatedActions = []curatedAction{
	{
		ID: "ListApps", Method: "GET", Pattern: "/connector/v1/apps",
		Summary: "Find apps", Description: "Finds the apps of the App Store Connect account, by bundle ID or name, as flat objects.",
		Query: []param{
			{Name: "bundleId", Apple: "filter[bundleId]", Type: "string", Summary: "Bundle ID", Description: "Only the app with this bundle identifier, such as com.example.app."},
			{Name: "name", Apple: "filter[name]", Type: "string", Summary: "App name", Description: "Only apps with this name."},
			limitParam,
		},
		Upstream:     func(r *http.Request) string { return "/v1/apps" },
		ResourceType: "apps", List: true,
	},
	{
		ID: "GetApp", Method: "GET", Pattern: "/connector/v1/apps/{appId}",
		Summary: "Get an app", Description: "Gets one app by its App Store Connect id, as a flat object.",
		PathParams:   []param{pathParam("appId", "App ID", "The App Store Connect id of the app (a number such as 1234567890).")},
		Upstream:     func(r *http.Request) string { return "/v1/apps/" + esc(r, "appId") },
		ResourceType: "apps",
	},
	{
		ID: "ListAppInfos", Method: "GET", Pattern: "/connector/v1/apps/{appId}/appInfos",
		Summary: "List app infos", Description: "Lists the app info records of an app: the live one and, while a version is being prepared, the editable one.",
		PathParams:   []param{pathParam("appId", "App ID", "The App Store Connect id of the app.")},
		Query:        []param{limitParam},
		Upstream:     func(r *http.Request) string { return "/v1/apps/" + esc(r, "appId") + "/appInfos" },
		ResourceType: "appInfos", List: true,
	},
	{
		ID: "ListAppInfoLocalizations", Method: "GET", Pattern: "/connector/v1/appInfos/{appInfoId}/localizations",
		Summary: "List app info localizations", Description: "Lists the localized app information (name, subtitle, privacy URLs) of an app info record.",
		PathParams: []param{pathParam("appInfoId", "App info ID", "The id of the app info record, from List app infos.")},
		Query: []param{
			{Name: "locale", Apple: "filter[locale]", Type: "string", Summary: "Locale", Description: "Only this locale, such as en-US."},
			limitParam,
		},
		Upstream:     func(r *http.Request) string { return "/v1/appInfos/" + esc(r, "appInfoId") + "/appInfoLocalizations" },
		ResourceType: "appInfoLocalizations", List: true,
	},
	{
		ID: "UpdateAppInfoLocalization", Method: "PATCH", Pattern: "/connector/v1/appInfoLocalizations/{localizationId}",
		Summary: "Update an app info localization", Description: "Changes the localized name, subtitle or privacy URLs of an app info localization. Only the fields sent change.",
		Write:      true,
		PathParams: []param{pathParam("localizationId", "Localization ID", "The id of the app info localization, from List app info localizations.")},
		Upstream:   func(r *http.Request) string { return "/v1/appInfoLocalizations/" + esc(r, "localizationId") },
		BodyFields: []param{
			{Name: "name", Type: "string", Summary: "Name", Description: "The app's name in this locale."},
			{Name: "subtitle", Type: "string", Summary: "Subtitle", Description: "The app's subtitle in this locale."},
			{Name: "privacyPolicyUrl", Type: "string", Summary: "Privacy policy URL", Description: "The URL of the privacy policy."},
			{Name: "privacyChoicesUrl", Type: "string", Summary: "Privacy choices URL", Description: "The URL where users manage their privacy choices."},
			{Name: "privacyPolicyText", Type: "string", Summary: "Privacy policy text", Description: "The privacy policy text (tvOS).", Advanced: true},
		},
		ResourceType: "appInfoLocalizations",
	},
	{
		ID: "ListAppStoreVersions", Method: "GET", Pattern: "/connector/v1/apps/{appId}/versions",
		Summary: "List App Store versions", Description: "Lists the App Store versions of an app, newest first.",
		PathParams: []param{pathParam("appId", "App ID", "The App Store Connect id of the app.")},
		Query: []param{
			{Name: "platform", Apple: "filter[platform]", Type: "string", Summary: "Platform", Description: "Only versions for this platform.", Enum: platforms},
			{Name: "versionString", Apple: "filter[versionString]", Type: "string", Summary: "Version", Description: "Only this version string, such as 1.2.0."},
			{Name: "state", Apple: "filter[appVersionState]", Type: "string", Summary: "State", Description: "Only versions in this state, such as PREPARE_FOR_SUBMISSION.", Advanced: true},
			limitParam,
		},
		Upstream:     func(r *http.Request) string { return "/v1/apps/" + esc(r, "appId") + "/appStoreVersions" },
		ResourceType: "appStoreVersions", List: true,
	},
	{
		ID: "ListVersionLocalizations", Method: "GET", Pattern: "/connector/v1/versions/{versionId}/localizations",
		Summary: "List version localizations", Description: "Lists the localized metadata (description, keywords, what's new, URLs) of an App Store version.",
		PathParams: []param{pathParam("versionId", "Version ID", "The id of the App Store version, from List App Store versions.")},
		Query: []param{
			{Name: "locale", Apple: "filter[locale]", Type: "string", Summary: "Locale", Description: "Only this locale, such as en-US."},
			limitParam,
		},
		Upstream: func(r *http.Request) string {
			return "/v1/appStoreVersions/" + esc(r, "versionId") + "/appStoreVersionLocalizations"
		},
		ResourceType: "appStoreVersionLocalizations", List: true,
	},
	{
		ID: "UpdateVersionLocalization", Method: "PATCH", Pattern: "/connector/v1/versionLocalizations/{localizationId}",
		Summary: "Update a version localization", Description: "Changes the localized description, keywords, what's new text or URLs of an App Store version. Only the fields sent change.",
		Write:      true,
		PathParams: []param{pathParam("localizationId", "Localization ID", "The id of the version localization, from List version localizations.")},
		Upstream:   func(r *http.Request) string { return "/v1/appStoreVersionLocalizations/" + esc(r, "localizationId") },
		BodyFields: []param{
			{Name: "description", Type: "string", Summary: "Description", Description: "The app's description in this locale."},
			{Name: "keywords", Type: "string", Summary: "Keywords", Description: "Comma-separated search keywords."},
			{Name: "whatsNew", Type: "string", Summary: "What's new", Description: "The release notes of this version."},
			{Name: "promotionalText", Type: "string", Summary: "Promotional text", Description: "Text shown above the description; changes without a new version."},
			{Name: "marketingUrl", Type: "string", Summary: "Marketing URL", Description: "The app's marketing page.", Advanced: true},
			{Name: "supportUrl", Type: "string", Summary: "Support URL", Description: "The app's support page.", Advanced: true},
		},
		ResourceType: "appStoreVersionLocalizations",
	},
	{
		ID: "ListBuilds", Method: "GET", Pattern: "/connector/v1/apps/{appId}/builds",
		Summary: "List builds of an app", Description: "Lists the builds uploaded for an app, newest first.",
		PathParams: []param{pathParam("appId", "App ID", "The App Store Connect id of the app.")},
		Query: []param{
			{Name: "version", Apple: "filter[version]", Type: "string", Summary: "Build number", Description: "Only builds with this build number (CFBundleVersion)."},
			{Name: "processingState", Apple: "filter[processingState]", Type: "string", Summary: "Processing state", Description: "Only builds in this processing state.", Enum: []string{"PROCESSING", "FAILED", "INVALID", "VALID"}, Advanced: true},
			limitParam,
		},
		Upstream:     func(r *http.Request) string { return "/v1/builds" },
		ResourceType: "builds", List: true,
	},
	{
		ID: "SubmitForReview", Method: "POST", Pattern: "/connector/v1/reviewSubmissions",
		Summary: "Submit a version for review", Description: "Creates a review submission for an app, adds an App Store version to it and, unless submit is false, submits it to App Review.",
		Write: true,
		BodyFields: []param{
			{Name: "appId", Type: "string", Summary: "App ID", Description: "The App Store Connect id of the app.", Required: true},
			{Name: "appStoreVersionId", Type: "string", Summary: "Version ID", Description: "The id of the App Store version to submit.", Required: true},
			{Name: "platform", Type: "string", Summary: "Platform", Description: "The platform of the version.", Enum: platforms, Required: true},
			{Name: "submit", Type: "boolean", Summary: "Submit now", Description: "Submit to App Review at once (default true); false leaves the submission ready to submit.", Advanced: true},
		},
		ResourceType: "reviewSubmissions",
		Handle:       (*Gateway).handleSubmitForReview,
	},
}

// curated serves one curated action with a flat answer.
func (g *Gateway) curated(a curatedAction) authedHandler {
	return func(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
		if a.Handle != nil {
			a.Handle(g, w, r, p)
			return
		}
		q := url.Values{}
		for _, prm := range a.Query {
			if v := r.URL.Query().Get(prm.Name); v != "" {
				q.Set(prm.Apple, v)
			}
		}
		if a.ID == "ListBuilds" {
			q.Set("filter[app]", r.PathValue("appId"))
			q.Set("sort", "-uploadedDate")
		}
		var body []byte
		if a.Method == http.MethodPatch {
			var err error
			body, err = g.updateBody(w, r, a.ResourceType, r.PathValue("localizationId"))
			if err != nil {
				return
			}
		}
		resp, err := g.send(r.Context(), p, a.Method, a.Upstream(r), q.Encode(), body, jsonHeaders)
		if err != nil {
			g.writeSendError(w, r, err)
			return
		}
		defer resp.Body.Close()
		g.relay(w, r, p, resp, true)
	}
}

var jsonHeaders = http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}}

// updateBody wraps the flat fields a designer sends into Apple's update document. On error it
// has already answered the client.
func (g *Gateway) updateBody(w http.ResponseWriter, r *http.Request, typ, id string) ([]byte, error) {
	var attrs map[string]json.RawMessage
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, g.cfg.MaxBodyBytes))
	if err == nil {
		err = json.Unmarshal(raw, &attrs)
	}
	if err != nil && writeTooLarge(w, r, err) {
		return nil, err
	}
	if err != nil || attrs == nil {
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Invalid body", "send a JSON object of the fields to change, such as {\"description\": \"...\"}")
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	delete(attrs, "id")
	delete(attrs, "type")
	return marshal(map[string]any{"data": map[string]any{"type": typ, "id": id, "attributes": attrs}})
}

// call makes one upstream request for a composite action and returns the answer with links
// rewritten.
func (g *Gateway) call(r *http.Request, p *profileRuntime, method, path string, doc any) (int, []byte, error) {
	var body []byte
	if doc != nil {
		var err error
		if body, err = marshal(doc); err != nil {
			return 0, nil, err
		}
	}
	resp, err := g.send(r.Context(), p, method, path, "", body, jsonHeaders)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxUpstreamJSON+1))
	if err != nil {
		return 0, nil, &upstreamError{err}
	}
	if len(data) > maxUpstreamJSON {
		return 0, nil, &upstreamError{fmt.Errorf("answer over %d bytes", maxUpstreamJSON)}
	}
	return resp.StatusCode, rewriteLinks(data, p.baseStr, g.publicBase(r)), nil
}

func ref(typ, id string) map[string]any {
	return map[string]any{"data": map[string]any{"type": typ, "id": id}}
}

// handleSubmitForReview creates a review submission, adds the version as its item, and
// submits it: three requests, answered with the submission as a flat object. When a step
// fails the client gets Apple's error for it, and the X-Ascend-Review-Submission-Id header
// names a submission already created, so a retry can reuse it instead of creating another.
func (g *Gateway) handleSubmitForReview(w http.ResponseWriter, r *http.Request, p *profileRuntime) {
	var in struct {
		AppID             string `json:"appId"`
		AppStoreVersionID string `json:"appStoreVersionId"`
		Platform          string `json:"platform"`
		Submit            *bool  `json:"submit"`
	}
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&in)
	if err != nil && writeTooLarge(w, r, err) {
		return
	}
	if err != nil || in.AppID == "" || in.AppStoreVersionID == "" || in.Platform == "" {
		writeError(w, r, http.StatusBadRequest, "PARAMETER_ERROR.REQUIRED", "Missing fields", "send {\"appId\", \"appStoreVersionId\", \"platform\"} and optionally \"submit\": false")
		return
	}
	fail := func(status int, data []byte, err error) {
		if err != nil {
			g.writeSendError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(data)
	}
	status, data, err := g.call(r, p, http.MethodPost, "/v1/reviewSubmissions", map[string]any{"data": map[string]any{
		"type": "reviewSubmissions", "attributes": map[string]any{"platform": in.Platform},
		"relationships": map[string]any{"app": ref("apps", in.AppID)},
	}})
	if err != nil || status/100 != 2 {
		fail(status, data, err)
		return
	}
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if json.Unmarshal(data, &created) != nil || created.Data.ID == "" {
		g.writeSendError(w, r, &upstreamError{errorString("review submission created without an id")})
		return
	}
	id := created.Data.ID
	w.Header().Set("X-Ascend-Review-Submission-Id", id)
	status, data, err = g.call(r, p, http.MethodPost, "/v1/reviewSubmissionItems", map[string]any{"data": map[string]any{
		"type": "reviewSubmissionItems",
		"relationships": map[string]any{
			"reviewSubmission": ref("reviewSubmissions", id),
			"appStoreVersion":  ref("appStoreVersions", in.AppStoreVersionID),
		},
	}})
	if err != nil || status/100 != 2 {
		fail(status, data, err)
		return
	}
	final := data
	if in.Submit == nil || *in.Submit {
		status, data, err = g.call(r, p, http.MethodPatch, "/v1/reviewSubmissions/"+url.PathEscape(id), map[string]any{"data": map[string]any{
			"type": "reviewSubmissions", "id": id, "attributes": map[string]any{"submitted": true},
		}})
		if err != nil || status/100 != 2 {
			fail(status, data, err)
			return
		}
		final = data
	} else {
		_, final, err = g.call(r, p, http.MethodGet, "/v1/reviewSubmissions/"+url.PathEscape(id), nil)
		if err != nil {
			g.writeSendError(w, r, err)
			return
		}
	}
	if f, err := flattenDocument(final); err == nil {
		final = f
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(final)))
	w.WriteHeader(http.StatusCreated)
	w.Write(bytes.TrimRight(final, " "))
}

type errorString string

func (e errorString) Error() string { return string(e) }
