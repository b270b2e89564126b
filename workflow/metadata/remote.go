package metadata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"sync"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
)

// Target says which app, platform and version to work on.
type Target struct {
	App      string // numeric app id or bundle id
	Platform string // one of apple.Platforms(); "" is apple.DefaultPlatform
	Version  string // version string; "" picks the version being prepared (or the live one with Live)
	// Live works on the version that is on the App Store, where Apple lets you change only the
	// promotional text.
	Live bool
	// Languages are locales to have even without a folder of their own (deliver's
	// languages option): a missing one is created with default/'s values.
	Languages []string
	// Folders tune how the local folders are read (FolderOptionsOf a project).
	Folders FolderOptions
	// orLive, for reads, takes the live version when no version is being prepared, as
	// deliver's download_metadata does (Pull sets it).
	orLive bool
}

// Check refuses a target that names no app or platform Apple knows, or both a version and
// the live one, before any request is made.
func (t Target) Check() error {
	switch {
	case t.App == "":
		return apps.ErrNoApp
	case t.Platform != "" && !apple.IsPlatform(t.Platform):
		return fmt.Errorf("--platform %q is not a platform: use one of %s", t.Platform, strings.Join(apple.Platforms(), ", "))
	case t.Live && t.Version != "":
		return fmt.Errorf("--edit-live and --version both choose the version: pass one of them")
	}
	return nil
}

// WithDefaults completes a target as typed on a command line and checks it: the platform in
// upper case, and the app, when not given, from fallback (what the caller's environment or
// fastlane project names).
func (t Target) WithDefaults(fallback string) (Target, error) {
	t.Platform = strings.ToUpper(t.Platform)
	if t.App == "" {
		t.App = fallback
	}
	return t, t.Check()
}

func (t Target) platform() string {
	if t.Platform == "" {
		return apple.DefaultPlatform
	}
	return t.Platform
}

// State is what App Store Connect has for a target, in the layout's shape, with the ids
// that writes need.
type State struct {
	AppID         string
	VersionID     string
	VersionString string
	VersionState  string
	// LiveFallback says the app had no version in preparation, so the live one was read.
	LiveFallback   bool
	AppInfoID      string
	ReviewDetailID string // "" when the version has none yet
	// AppClipExperienceID is the version's App Clip default experience ("" without an App
	// Clip), AppClipReviewDetailID its review detail ("" when none, or not read: see Diff).
	AppClipExperienceID   string
	AppClipReviewDetailID string
	// AppClipLocalizations maps a locale to the id of the App Clip default experience's
	// localization (its card's subtitle); nil when they were not read (see Diff).
	AppClipLocalizations map[string]string
	Metadata             *Metadata
	// VersionLocalizations and InfoLocalizations map a locale to its resource id.
	VersionLocalizations map[string]string
	InfoLocalizations    map[string]string
	// Requests counts the reads made to build the state.
	Requests int
}

// The attributes each read asks for (sparse fieldsets keep the answers small).
var (
	versionFields             = []string{"versionString", "appVersionState", "appStoreState", "platform", "copyright", "appStoreVersionLocalizations", "appStoreReviewDetail", "appClipDefaultExperience"}
	versionLocalizationFields = []string{"locale", "description", "keywords", "whatsNew", "supportUrl", "marketingUrl", "promotionalText"}
	infoLocalizationFields    = []string{"locale", "name", "subtitle", "privacyPolicyUrl", "privacyPolicyText"}
	reviewDetailFields        = []string{"contactFirstName", "contactLastName", "contactPhone", "contactEmail", "demoAccountName", "demoAccountPassword", "demoAccountRequired", "notes"}
	categoryRelationships     = []string{"primaryCategory", "primarySubcategoryOne", "primarySubcategoryTwo", "secondaryCategory", "secondarySubcategoryOne", "secondarySubcategoryTwo"}
)

// Fetch reads the target's metadata in as few requests as Apple allows: the app id (only for
// a bundle id), then the version with its localizations and review detail, and the app info
// with its localizations and categories, those two in parallel.
func Fetch(ctx context.Context, c *asc.Client, t Target) (*State, error) {
	app, n, err := apps.Resolve(ctx, c, t.App)
	if err != nil {
		return nil, err
	}
	st := &State{AppID: app.ID, Metadata: New(), VersionLocalizations: map[string]string{},
		InfoLocalizations: map[string]string{}, Requests: n}
	var (
		wg               sync.WaitGroup
		verErr, infoErr  error
		verReqs, infoReq int
	)
	// The two readers fill separate states, merged once both are done.
	info := &State{AppID: app.ID, Metadata: New(), InfoLocalizations: map[string]string{}}
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

// versionState is a version's state, from appVersionState or, where Apple sends only that,
// the older appStoreState.
func versionState(a *asc.AppStoreVersionAttributes) string {
	if a.AppVersionState != "" {
		return string(a.AppVersionState)
	}
	return string(a.AppStoreState)
}

func fetchVersion(ctx context.Context, c *asc.Client, t Target, st *State) (int, error) {
	opts := &asc.AppsListAppStoreVersionsOptions{
		FilterPlatform:                     []asc.Platform{asc.Platform(t.platform())},
		Include:                            []string{"appStoreVersionLocalizations", "appStoreReviewDetail", "appClipDefaultExperience"},
		FieldsAppClipDefaultExperiences:    []string{"action"},
		LimitAppStoreVersionLocalizations:  50,
		FieldsAppStoreVersions:             versionFields,
		FieldsAppStoreVersionLocalizations: versionLocalizationFields,
		FieldsAppStoreReviewDetails:        reviewDetailFields,
	}
	switch {
	case t.Version != "":
		opts.FilterVersionString = []string{t.Version}
	case t.Live:
		opts.FilterAppVersionState = []asc.AppVersionState{apple.LiveVersionState}
	default:
		for _, s := range apple.StatesIn(apple.Editable) {
			opts.FilterAppVersionState = append(opts.FilterAppVersionState, asc.AppVersionState(s))
		}
		if t.orLive {
			opts.FilterAppVersionState = append(opts.FilterAppVersionState, apple.LiveVersionState)
		}
	}
	resp, _, err := c.Apps.ListAppStoreVersions(ctx, st.AppID, opts)
	if err != nil {
		return 1, fmt.Errorf("read the app's versions: %w", err)
	}
	reqs := 1
	// The server may ignore a filter; choose on this side as well.
	var version, live *asc.AppStoreVersion
	for i := range resp.Data {
		v := &resp.Data[i]
		a := attrsOf(v.Attributes)
		state := versionState(a)
		if a.Platform != "" && string(a.Platform) != t.platform() {
			continue
		}
		if t.Version == "" && !t.Live && t.orLive && apple.IsLive(state) && live == nil {
			live = v
			continue
		}
		switch {
		case t.Version != "" && a.VersionString != t.Version:
			continue
		case t.Version == "" && t.Live && !apple.IsLive(state):
			continue
		case t.Version == "" && !t.Live && !apple.IsEditable(state):
			continue
		}
		version = v
		break
	}
	if version == nil && live != nil {
		version, st.LiveFallback = live, true
	}
	if version != nil {
		st.VersionState = versionState(attrsOf(version.Attributes))
	}
	if version == nil {
		switch {
		case t.Version != "":
			return reqs, fmt.Errorf("app %s has no %s version %s; create it first or check --version", st.AppID, t.platform(), t.Version)
		case t.Live:
			return reqs, fmt.Errorf("app %s has no %s version on the App Store; drop --edit-live", st.AppID, t.platform())
		}
		return reqs, fmt.Errorf("app %s has no %s version in an editable state; create one or pass --version", st.AppID, t.platform())
	}
	a := attrsOf(version.Attributes)
	st.VersionID = version.ID
	st.VersionString = a.VersionString
	st.Metadata.App["copyright"] = a.Copyright

	// The answer may hold several versions (the live one beside the one in preparation), so
	// their included resources are told apart by id.
	locs := map[string]*asc.AppStoreVersionLocalization{}
	reviews := map[string]*asc.AppStoreReviewDetail{}
	experiences := map[string]*asc.AppClipDefaultExperience{}
	for _, inc := range resp.Included {
		switch r := inc.(type) {
		case *asc.AppClipDefaultExperience:
			experiences[r.ID] = r
		case *asc.AppStoreVersionLocalization:
			locs[r.ID] = r
		case *asc.AppStoreReviewDetail:
			reviews[r.ID] = r
		}
	}
	rels := attrsOf(version.Relationships)
	locRel := attrsOf(rels.AppStoreVersionLocalizations)
	list, n, err := localizations(locRel, !locRel.Data.Present && len(resp.Included) == 0, locs, func() iter.Seq2[asc.AppStoreVersionLocalization, error] {
		return c.AppStoreVersions.ListLocalizationsIter(ctx, version.ID,
			&asc.AppStoreVersionsListLocalizationsOptions{Limit: 200, FieldsAppStoreVersionLocalizations: versionLocalizationFields})
	})
	reqs += n
	if err != nil {
		return reqs, fmt.Errorf("read the version's localizations: %w", err)
	}
	for _, r := range list {
		a := attrsOf(r.Attributes)
		st.VersionLocalizations[a.Locale] = r.ID
		st.Metadata.locale(a.Locale).merge(versionLocalizationValues(a))
	}
	if rel := rels.AppClipDefaultExperience; rel != nil && rel.Data.One != nil {
		st.AppClipExperienceID = rel.Data.One.ID
		if e := experiences[st.AppClipExperienceID]; e != nil && e.Attributes != nil {
			st.Metadata.App[AppClipActionFile] = string(e.Attributes.Action)
		}
	}
	if rel := rels.AppStoreReviewDetail; rel != nil && rel.Data.One != nil {
		st.ReviewDetailID = rel.Data.One.ID
		if review := reviews[st.ReviewDetailID]; review != nil {
			st.Metadata.Review.merge(reviewValues(attrsOf(review.Attributes)))
		}
	}
	return reqs, nil
}

func fetchAppInfo(ctx context.Context, c *asc.Client, t Target, st *State) (int, error) {
	opts := &asc.AppsListInfosOptions{
		Include:                    append([]string{"appInfoLocalizations"}, categoryRelationships...),
		LimitAppInfoLocalizations:  50,
		FieldsAppInfos:             append([]string{"state", "appStoreState", "appInfoLocalizations"}, categoryRelationships...),
		FieldsAppInfoLocalizations: infoLocalizationFields,
		FieldsAppCategories:        []string{"platforms"},
	}
	resp, _, err := c.Apps.ListInfos(ctx, st.AppID, opts)
	if err != nil {
		return 1, fmt.Errorf("read the app's app infos: %w", err)
	}
	reqs := 1
	if len(resp.Data) == 0 {
		return reqs, fmt.Errorf("app %s has no app info; check --app", st.AppID)
	}
	// An app has at most two app infos: the live one and the one being prepared.
	info := &resp.Data[0]
	for i := range resp.Data {
		a := attrsOf(resp.Data[i].Attributes)
		state := string(a.State)
		if state == "" {
			state = string(a.AppStoreState)
		}
		if apple.IsLive(state) == t.Live {
			info = &resp.Data[i]
			break
		}
	}
	st.AppInfoID = info.ID
	rels := attrsOf(info.Relationships)
	st.Metadata.App.merge(categoryValues(rels))
	locs := map[string]*asc.AppInfoLocalization{}
	for _, inc := range resp.Included {
		if r, ok := inc.(*asc.AppInfoLocalization); ok {
			locs[r.ID] = r
		}
	}
	locRel := attrsOf(rels.AppInfoLocalizations)
	list, n, err := localizations(locRel, !locRel.Data.Present, locs, func() iter.Seq2[asc.AppInfoLocalization, error] {
		return c.AppInfos.ListLocalizationsIter(ctx, info.ID,
			&asc.AppInfosListLocalizationsOptions{Limit: 200, FieldsAppInfoLocalizations: infoLocalizationFields})
	})
	reqs += n
	if err != nil {
		return reqs, fmt.Errorf("read the app info's localizations: %w", err)
	}
	for _, r := range list {
		a := attrsOf(r.Attributes)
		st.InfoLocalizations[a.Locale] = r.ID
		values := infoLocalizationValues(a)
		if values["apple_tv_privacy_policy"] == "" {
			delete(values, "apple_tv_privacy_policy") // tvOS only; not written unless used
		}
		st.Metadata.locale(a.Locale).merge(values)
	}
	return reqs, nil
}

// attrsOf returns *p, or a zero value when Apple sent none (a sparse fieldset without
// attributes, or an answer that omits them).
func attrsOf[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

// localizations returns a parent's localizations from the answer's included resources, or,
// when the answer could not carry them all (Apple caps included linkage at limit[...] = 50,
// and some answers omit the linkage: unlinked), from the parent's list endpoint. It returns
// the requests it made.
func localizations[T any, PT interface {
	*T
	asc.IncludedResource
}](rel *asc.Relationship, unlinked bool, included map[string]PT, list func() iter.Seq2[T, error]) ([]PT, int, error) {
	ids := rel.Data.IDs()
	if len(ids) < 50 && relTotal(rel) <= len(ids) && !unlinked {
		locs := make([]PT, 0, len(ids))
		for _, id := range ids {
			if r, ok := included[id.ID]; ok {
				locs = append(locs, r)
			}
		}
		return locs, 0, nil
	}
	var locs []PT
	for r, err := range list() {
		if err != nil {
			return nil, 1, err
		}
		locs = append(locs, PT(&r))
	}
	return locs, 1 + len(locs)/200, nil
}

// relTotal is the total a to-many relationship's paging meta reports, 0 when absent.
func relTotal(r *asc.Relationship) int {
	if len(r.Meta) == 0 {
		return 0
	}
	var p asc.PagingInformation
	if json.Unmarshal(r.Meta, &p) != nil {
		return 0
	}
	return p.Paging.Total
}

// Location identifies a version and its localizations, for work that needs only their ids
// (screenshots).
type Location struct {
	AppID, VersionID, VersionString, VersionState string
	// Localizations maps a locale to its appStoreVersionLocalizations id.
	Localizations map[string]string
	// AppClipExperienceID is the version's App Clip default experience, "" without an App
	// Clip (read in the same request).
	AppClipExperienceID string
	Requests            int
}

// Location is the version st was read from, for work on it that needs only its ids (the App
// Clip header images of a metadata push or pull), without reading it again.
func (st *State) Location() *Location {
	return &Location{AppID: st.AppID, VersionID: st.VersionID, VersionString: st.VersionString, VersionState: st.VersionState,
		Localizations: st.VersionLocalizations, AppClipExperienceID: st.AppClipExperienceID}
}

// Locate finds the target's version and its localizations: one request, plus one to resolve a
// bundle id.
func Locate(ctx context.Context, c *asc.Client, t Target) (*Location, error) {
	app, n, err := apps.Resolve(ctx, c, t.App)
	if err != nil {
		return nil, err
	}
	st := &State{AppID: app.ID, Metadata: New(), VersionLocalizations: map[string]string{}}
	reqs, err := fetchVersion(ctx, c, t, st)
	if err != nil {
		return nil, err
	}
	return &Location{AppID: app.ID, VersionID: st.VersionID, VersionString: st.VersionString, VersionState: st.VersionState,
		Localizations: st.VersionLocalizations, AppClipExperienceID: st.AppClipExperienceID, Requests: n + reqs}, nil
}

// fetchAppClipReview reads the review detail of an App Clip default experience: its id ("" when
// it has none) and invocation URLs. One request.
func fetchAppClipReview(ctx context.Context, c *asc.Client, experienceID string) (string, []string, error) {
	resp, _, err := c.AppClipDefaultExperiences.GetAppStoreReviewDetail(ctx, experienceID,
		&asc.AppClipDefaultExperiencesGetAppStoreReviewDetailOptions{FieldsAppClipAppStoreReviewDetails: []string{"invocationUrls"}})
	var er *asc.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
		return "", nil, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("read the App Clip's review information: %w", err)
	}
	return resp.Data.ID, attrsOf(resp.Data.Attributes).InvocationURLs, nil
}

// appClipReads says what of the App Clip's default experience a folder needs read beyond its
// action, which comes with the version.
type appClipReads struct{ review, subtitles bool }

// appClipReadsOf is what local's App Clip files need: the review detail for
// app_clip_review_information/, the localizations for a subtitle in any locale or default/.
func appClipReadsOf(local *Metadata) appClipReads {
	need := appClipReads{review: len(local.AppClip) > 0, subtitles: hasKey(local.Default, AppClipSubtitleFile)}
	for _, v := range local.Locales {
		need.subtitles = need.subtitles || hasKey(v, AppClipSubtitleFile)
	}
	return need
}

var appClipLocalizationFields = []string{"locale", "subtitle"}

// fetchAppClip completes st with what of the App Clip's default experience need names: its
// review information and its localizations (the card's subtitles), both in one request of the
// experience with them included (none without an App Clip; one more only for an experience
// with 50 or more localizations, more than Apple includes).
func fetchAppClip(ctx context.Context, c *asc.Client, st *State, need appClipReads) error {
	id := st.AppClipExperienceID
	if id == "" || (!need.review && !need.subtitles) {
		return nil
	}
	opts := &asc.AppClipDefaultExperiencesGetOptions{}
	if need.review {
		opts.Include = append(opts.Include, "appClipAppStoreReviewDetail")
		opts.FieldsAppClipAppStoreReviewDetails = []string{"invocationUrls"}
	}
	if need.subtitles {
		opts.Include = append(opts.Include, "appClipDefaultExperienceLocalizations")
		opts.FieldsAppClipDefaultExperienceLocalizations = appClipLocalizationFields
		opts.LimitAppClipDefaultExperienceLocalizations = 50
	}
	opts.FieldsAppClipDefaultExperiences = opts.Include // the relationships' linkage, no attributes
	resp, _, err := c.AppClipDefaultExperiences.Get(ctx, id, opts)
	st.Requests++
	if err != nil {
		return fmt.Errorf("read the App Clip default experience: %w", err)
	}
	reviews := map[string]*asc.AppClipAppStoreReviewDetail{}
	locs := map[string]*asc.AppClipDefaultExperienceLocalization{}
	for _, inc := range resp.Included {
		switch r := inc.(type) {
		case *asc.AppClipAppStoreReviewDetail:
			reviews[r.ID] = r
		case *asc.AppClipDefaultExperienceLocalization:
			locs[r.ID] = r
		}
	}
	rels := attrsOf(resp.Data.Relationships)
	if need.review {
		if rel := rels.AppClipAppStoreReviewDetail; rel != nil && rel.Data.One != nil {
			st.AppClipReviewDetailID = rel.Data.One.ID
			if r := reviews[rel.Data.One.ID]; r != nil {
				st.Metadata.AppClip["invocation_urls"] = JoinURLs(attrsOf(r.Attributes).InvocationURLs)
			}
		}
	}
	if !need.subtitles {
		return nil
	}
	locRel := attrsOf(rels.AppClipDefaultExperienceLocalizations)
	list, n, err := localizations(locRel, !locRel.Data.Present, locs, func() iter.Seq2[asc.AppClipDefaultExperienceLocalization, error] {
		return c.AppClipDefaultExperiences.ListLocalizationsIter(ctx, id,
			&asc.AppClipDefaultExperiencesListLocalizationsOptions{Limit: 200, FieldsAppClipDefaultExperienceLocalizations: appClipLocalizationFields})
	})
	st.Requests += n
	if err != nil {
		return fmt.Errorf("read the App Clip default experience's localizations: %w", err)
	}
	st.AppClipLocalizations = map[string]string{}
	for _, r := range list {
		a := attrsOf(r.Attributes)
		st.AppClipLocalizations[a.Locale] = r.ID
		st.Metadata.locale(a.Locale).merge(appClipLocalizationValues(a))
	}
	return nil
}

// FetchFor is Fetch completed with what local's App Clip files need of the version's App
// Clip default experience (one request more, made only for such files and an App Clip), so
// that NewPlan(local, state) compares them with what App Store Connect has.
func FetchFor(ctx context.Context, c *asc.Client, t Target, local *Metadata) (*State, error) {
	st, err := Fetch(ctx, c, t)
	if err != nil {
		return nil, err
	}
	if err := fetchAppClip(ctx, c, st, appClipReadsOf(local)); err != nil {
		return nil, err
	}
	return st, nil
}
