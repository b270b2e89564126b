package metadata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
)

// Target says which app, platform and version to work on.
type Target struct {
	App      string // numeric app id or bundle id
	Platform string // IOS (default), MAC_OS, TV_OS, VISION_OS
	Version  string // version string; "" picks the version being prepared (or the live one with Live)
	// Live works on the version that is on the App Store, where Apple lets you change only the
	// promotional text.
	Live bool
}

// State is what App Store Connect has for a target, in the layout's shape, with the ids
// that writes need.
type State struct {
	AppID          string
	VersionID      string
	VersionString  string
	VersionState   string
	AppInfoID      string
	ReviewDetailID string // "" when the version has none yet
	Metadata       *Metadata
	// VersionLocalizations and InfoLocalizations map a locale to its resource id.
	VersionLocalizations map[string]string
	InfoLocalizations    map[string]string
	// Requests counts the reads made to build the state.
	Requests int
}

var (
	versionLocalizationFields = []string{"locale", "description", "keywords", "whatsNew", "supportUrl", "marketingUrl", "promotionalText"}
	infoLocalizationFields    = []string{"locale", "name", "subtitle", "privacyPolicyUrl", "privacyPolicyText"}
	reviewDetailFields        = []string{"contactFirstName", "contactLastName", "contactPhone", "contactEmail", "demoAccountName", "demoAccountPassword", "demoAccountRequired", "notes"}
	categoryRelationships     = []string{"primaryCategory", "primarySubcategoryOne", "primarySubcategoryTwo", "secondaryCategory", "secondarySubcategoryOne", "secondarySubcategoryTwo"}
)

// ResolveApp turns a numeric id or a bundle id into the app's id, with one request for a
// bundle id and none for an id.
func ResolveApp(ctx context.Context, c *asc.Client, app string) (string, int, error) {
	if app == "" {
		return "", 0, errors.New("no app given; pass --app with the app's id or bundle id")
	}
	if strings.Trim(app, "0123456789") == "" {
		return app, 0, nil
	}
	var doc asc.ListDocument[asc.Resource]
	q := url.Values{"filter[bundleId]": {app}, "fields[apps]": {"bundleId"}, "limit": {"200"}}
	if _, err := c.Do(ctx, http.MethodGet, "/v1/apps", q, nil, &doc); err != nil {
		return "", 1, fmt.Errorf("look up app %s: %w", app, err)
	}
	for _, r := range doc.Data {
		if attrString(r, "bundleId") == app {
			return r.ID, 1, nil
		}
	}
	return "", 1, fmt.Errorf("no app with bundle id %s is visible to this key; check --app", app)
}

// Fetch reads the target's metadata in as few requests as Apple allows: the app id (only for
// a bundle id), then the version with its localizations and review detail, and the app info
// with its localizations and categories, those two in parallel.
func Fetch(ctx context.Context, c *asc.Client, t Target) (*State, error) {
	appID, n, err := ResolveApp(ctx, c, t.App)
	if err != nil {
		return nil, err
	}
	st := &State{AppID: appID, Metadata: New(), VersionLocalizations: map[string]string{},
		InfoLocalizations: map[string]string{}, Requests: n}
	var (
		wg               sync.WaitGroup
		verErr, infoErr  error
		verReqs, infoReq int
	)
	// The two readers fill separate states, merged once both are done.
	info := &State{AppID: appID, Metadata: New(), InfoLocalizations: map[string]string{}}
	wg.Add(2)
	go func() { defer wg.Done(); verReqs, verErr = fetchVersion(ctx, c, t, st) }()
	go func() { defer wg.Done(); infoReq, infoErr = fetchAppInfo(ctx, c, t, info) }()
	wg.Wait()
	st.Requests += verReqs + infoReq
	// Both fail alike when the app is wrong; one message is enough.
	if verErr != nil {
		return nil, verErr
	}
	if infoErr != nil {
		return nil, infoErr
	}
	st.AppInfoID = info.AppInfoID
	st.InfoLocalizations = info.InfoLocalizations
	for k, v := range info.Metadata.App {
		st.Metadata.App[k] = v
	}
	for locale, values := range info.Metadata.Locales {
		into := st.Metadata.Locales[locale]
		if into == nil {
			into = Values{}
			st.Metadata.Locales[locale] = into
		}
		for k, v := range values {
			into[k] = v
		}
	}
	return st, nil
}

func platformOf(t Target) string {
	if t.Platform == "" {
		return "IOS"
	}
	return t.Platform
}

func fetchVersion(ctx context.Context, c *asc.Client, t Target, st *State) (int, error) {
	q := url.Values{
		"filter[platform]":                     {platformOf(t)},
		"include":                              {"appStoreVersionLocalizations,appStoreReviewDetail"},
		"limit[appStoreVersionLocalizations]":  {"50"},
		"fields[appStoreVersions]":             {"versionString,appVersionState,appStoreState,platform,copyright,appStoreVersionLocalizations,appStoreReviewDetail"},
		"fields[appStoreVersionLocalizations]": {strings.Join(versionLocalizationFields, ",")},
		"fields[appStoreReviewDetails]":        {strings.Join(reviewDetailFields, ",")},
	}
	states := apple.StatesIn(apple.Editable)
	if t.Live {
		states = []string{apple.LiveVersionState}
	}
	if t.Version != "" {
		q.Set("filter[versionString]", t.Version)
	} else {
		q.Set("filter[appVersionState]", strings.Join(states, ","))
	}
	var doc asc.ListDocument[asc.Resource]
	path := "/v1/apps/" + url.PathEscape(st.AppID) + "/appStoreVersions"
	if _, err := c.Do(ctx, http.MethodGet, path, q, nil, &doc); err != nil {
		return 1, fmt.Errorf("read the app's versions: %w", err)
	}
	reqs := 1
	// The server may ignore a filter; choose on this side as well.
	var version *asc.Resource
	for i := range doc.Data {
		r := &doc.Data[i]
		state := attrString(*r, "appVersionState")
		if state == "" {
			state = attrString(*r, "appStoreState")
		}
		if p := attrString(*r, "platform"); p != "" && p != platformOf(t) {
			continue
		}
		switch {
		case t.Version != "" && attrString(*r, "versionString") != t.Version:
			continue
		case t.Version == "" && t.Live && !apple.IsLive(state):
			continue
		case t.Version == "" && !t.Live && !apple.IsEditable(state):
			continue
		}
		version = r
		st.VersionState = state
		break
	}
	if version == nil {
		switch {
		case t.Version != "":
			return reqs, fmt.Errorf("app %s has no %s version %s; create it first or check --version", st.AppID, platformOf(t), t.Version)
		case t.Live:
			return reqs, fmt.Errorf("app %s has no %s version on the App Store; drop --edit-live", st.AppID, platformOf(t))
		}
		return reqs, fmt.Errorf("app %s has no %s version in an editable state; create one or pass --version", st.AppID, platformOf(t))
	}
	st.VersionID = version.ID
	st.VersionString = attrString(*version, "versionString")
	st.Metadata.App["copyright"] = attrString(*version, "copyright")

	included := indexIncluded(doc.Included)
	locRel := version.Relationships["appStoreVersionLocalizations"]
	locs, n, err := localizations(ctx, c, locRel, !locRel.Data.Present && len(doc.Included) == 0, included,
		"/v1/appStoreVersions/"+url.PathEscape(version.ID)+"/appStoreVersionLocalizations", "appStoreVersionLocalizations", versionLocalizationFields)
	reqs += n
	if err != nil {
		return reqs, fmt.Errorf("read the version's localizations: %w", err)
	}
	for _, r := range locs {
		locale := attrString(r, "locale")
		st.VersionLocalizations[locale] = r.ID
		v := st.Metadata.Locales[locale]
		if v == nil {
			v = Values{}
			st.Metadata.Locales[locale] = v
		}
		for _, spec := range LocaleFields {
			if spec.Scope == VersionLocalization {
				v[spec.File] = normalize(attrString(r, spec.Attribute))
			}
		}
	}
	if rd := version.Relationships["appStoreReviewDetail"].Data.One; rd != nil {
		st.ReviewDetailID = rd.ID
		if r, ok := included[key("appStoreReviewDetails", rd.ID)]; ok {
			for _, spec := range ReviewFields {
				st.Metadata.Review[spec.File] = normalize(attrString(r, spec.Attribute))
			}
		}
	}
	return reqs, nil
}

func fetchAppInfo(ctx context.Context, c *asc.Client, t Target, st *State) (int, error) {
	q := url.Values{
		"include":                      {"appInfoLocalizations," + strings.Join(categoryRelationships, ",")},
		"limit[appInfoLocalizations]":  {"50"},
		"fields[appInfos]":             {"state,appStoreState,appInfoLocalizations," + strings.Join(categoryRelationships, ",")},
		"fields[appInfoLocalizations]": {strings.Join(infoLocalizationFields, ",")},
		"fields[appCategories]":        {"platforms"},
	}
	var doc asc.ListDocument[asc.Resource]
	path := "/v1/apps/" + url.PathEscape(st.AppID) + "/appInfos"
	if _, err := c.Do(ctx, http.MethodGet, path, q, nil, &doc); err != nil {
		return 1, fmt.Errorf("read the app's app infos: %w", err)
	}
	reqs := 1
	if len(doc.Data) == 0 {
		return reqs, fmt.Errorf("app %s has no app info; check --app", st.AppID)
	}
	// An app has at most two app infos: the live one and the one being prepared.
	info := &doc.Data[0]
	for i := range doc.Data {
		r := &doc.Data[i]
		state := attrString(*r, "state")
		if state == "" {
			state = attrString(*r, "appStoreState")
		}
		live := apple.IsLive(state)
		if live == t.Live {
			info = r
			break
		}
	}
	st.AppInfoID = info.ID
	for _, rel := range categoryRelationships {
		if one := info.Relationships[rel].Data.One; one != nil {
			spec, _ := specForAttribute(AppFields, rel)
			st.Metadata.App[spec.File] = one.ID
		}
	}
	included := indexIncluded(doc.Included)
	locRel := info.Relationships["appInfoLocalizations"]
	locs, n, err := localizations(ctx, c, locRel, !locRel.Data.Present, included,
		"/v1/appInfos/"+url.PathEscape(info.ID)+"/appInfoLocalizations", "appInfoLocalizations", infoLocalizationFields)
	reqs += n
	if err != nil {
		return reqs, fmt.Errorf("read the app info's localizations: %w", err)
	}
	for _, r := range locs {
		locale := attrString(r, "locale")
		st.InfoLocalizations[locale] = r.ID
		v := st.Metadata.Locales[locale]
		if v == nil {
			v = Values{}
			st.Metadata.Locales[locale] = v
		}
		for _, spec := range LocaleFields {
			if spec.Scope == AppInfoLocalization {
				val := normalize(attrString(r, spec.Attribute))
				if spec.File == "apple_tv_privacy_policy" && val == "" {
					continue // tvOS only; not written unless used
				}
				v[spec.File] = val
			}
		}
	}
	return reqs, nil
}

func specForAttribute(list []FieldSpec, attr string) (FieldSpec, bool) {
	for _, f := range list {
		if f.Attribute == attr {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// localizations returns a parent's localizations of type typ from the answer's included
// resources, or, when the answer could not carry them all (Apple caps included linkage at
// limit[...], and some answers omit the linkage: unlinked), reads them from the parent's list
// endpoint at listPath. It returns the requests it made.
func localizations(ctx context.Context, c *asc.Client, rel asc.Relationship, unlinked bool, included map[string]asc.Resource,
	listPath, typ string, fields []string) ([]asc.Resource, int, error) {
	ids := rel.Data.IDs()
	if len(ids) < 50 && relTotal(rel) <= len(ids) && !unlinked {
		locs := make([]asc.Resource, 0, len(ids))
		for _, id := range ids {
			if r, ok := included[key(typ, id.ID)]; ok {
				locs = append(locs, r)
			}
		}
		return locs, 0, nil
	}
	var locs []asc.Resource
	q := url.Values{"limit": {"200"}, "fields[" + typ + "]": {strings.Join(fields, ",")}}
	for r, err := range asc.All[asc.Resource](ctx, c, listPath, q) {
		if err != nil {
			return nil, 1, err
		}
		included[key(r.Type, r.ID)] = r
		locs = append(locs, r)
	}
	return locs, 1 + len(locs)/200, nil
}

func key(typ, id string) string { return typ + "/" + id }

func indexIncluded(rs []asc.Resource) map[string]asc.Resource {
	m := make(map[string]asc.Resource, len(rs))
	for _, r := range rs {
		m[key(r.Type, r.ID)] = r
	}
	return m
}

func relTotal(r asc.Relationship) int {
	if len(r.Meta) == 0 {
		return 0
	}
	var p asc.PagingInformation
	if json.Unmarshal(r.Meta, &p) != nil {
		return 0
	}
	return p.Paging.Total
}

// attrString returns a string attribute of r, "" when absent or null.
func attrString(r asc.Resource, name string) string {
	if len(r.Attributes) == 0 {
		return ""
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(r.Attributes, &m) != nil {
		return ""
	}
	raw, ok := m[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "true"
		}
		return "false"
	}
	return ""
}

// Location identifies a version and its localizations, for work that needs only their ids
// (screenshots).
type Location struct {
	AppID, VersionID, VersionString, VersionState string
	// Localizations maps a locale to its appStoreVersionLocalizations id.
	Localizations map[string]string
	Requests      int
}

// Locate finds the target's version and its localizations: one request, plus one to resolve a
// bundle id.
func Locate(ctx context.Context, c *asc.Client, t Target) (*Location, error) {
	appID, n, err := ResolveApp(ctx, c, t.App)
	if err != nil {
		return nil, err
	}
	st := &State{AppID: appID, Metadata: New(), VersionLocalizations: map[string]string{}}
	reqs, err := fetchVersion(ctx, c, t, st)
	if err != nil {
		return nil, err
	}
	return &Location{AppID: appID, VersionID: st.VersionID, VersionString: st.VersionString, VersionState: st.VersionState,
		Localizations: st.VersionLocalizations, Requests: n + reqs}, nil
}
