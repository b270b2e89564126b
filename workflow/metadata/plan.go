package metadata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/asc"
)

// Change is one field whose value in the folder differs from App Store Connect's.
type Change struct {
	Locale string // "" for app-level and review fields
	Field  string // layout file name without .txt
	Scope  Scope
	Old    string
	New    string
	// Skipped, when set, says why the change will not be pushed.
	Skipped string
}

// Path is the change's file, relative to the metadata folder.
func (c Change) Path() string {
	switch {
	case c.Scope == ReviewDetail:
		return "review_information/" + c.Field + ".txt"
	case c.Scope == AppClipReviewDetail:
		return AppClipDir + "/" + c.Field + ".txt"
	case c.Locale == "":
		return c.Field + ".txt"
	}
	return c.Locale + "/" + c.Field + ".txt"
}

// Op is one request of a push: the update of an existing resource or the create of a missing
// one, carrying every changed field of that resource.
type Op struct {
	Method  string // PATCH or POST
	Type    string // the resource type: appStoreVersionLocalizations
	ID      string // "" for a POST until it succeeds
	Locale  string
	Changes []Change
	// values are the files' values the request carries.
	values Values
	// send makes the request and returns the resource's id.
	send func(ctx context.Context, c *asc.Client) (string, error)
	// find reads back the resource a failed POST may have created ("" if none), and update
	// then writes the values to it.
	find   func(ctx context.Context, c *asc.Client) (string, error)
	update func(ctx context.Context, c *asc.Client, id string) error
}

// Describe says what the write does, for plans and errors: "create appStoreVersionLocalizations fr-FR".
func (w Op) Describe() string {
	verb := "update"
	if w.Method == "POST" {
		verb = "create"
	}
	s := verb + " " + w.Type
	if w.Locale != "" {
		s += " " + w.Locale
	}
	return s
}

// Files lists the files whose changes the write carries, for messages.
func (w Op) Files() string {
	paths := make([]string, len(w.Changes))
	for i, c := range w.Changes {
		paths[i] = c.Path()
	}
	if len(paths) == 0 {
		return w.Describe()
	}
	return strings.Join(paths, ", ")
}

// Plan is the outcome of comparing a folder with App Store Connect.
type Plan struct {
	Changes  []Change
	Writes   []*Op
	Problems []Problem // reasons the plan cannot be pushed; nothing is written when set
	// local is the metadata planned from, whose pathOf locates a problem found later (an
	// unknown category id) at the Deliverfile line that gave the value.
	local *Metadata
}

// CreatesAppClipLocalizations reports whether the plan creates a localization of the App
// Clip card (the subtitle of a new locale): a header images plan made before it is applied
// would create that localization too, so it is made again after.
func (p *Plan) CreatesAppClipLocalizations() bool {
	for _, w := range p.Writes {
		if w.Method == "POST" && w.Type == "appClipDefaultExperienceLocalizations" {
			return true
		}
	}
	return false
}

// Pending returns the changes that will be pushed.
func (p *Plan) Pending() []Change {
	var out []Change
	for _, c := range p.Changes {
		if c.Skipped == "" {
			out = append(out, c)
		}
	}
	return out
}

// NewPlan compares local with remote and lists the writes that make App Store Connect match
// the folder. Absent files are left alone. default/ applies to every locale of the folder and
// of App Store Connect. Locales missing on App Store Connect are created; none are deleted.
func NewPlan(local *Metadata, remote *State, live bool) *Plan {
	p := &Plan{local: local}
	locales := map[string]bool{}
	for l := range local.Locales {
		locales[l] = true
	}
	if len(local.Default) > 0 {
		for l := range remote.VersionLocalizations {
			locales[l] = true
		}
		for l := range remote.InfoLocalizations {
			locales[l] = true
		}
		for l := range remote.AppClipLocalizations {
			locales[l] = true
		}
	}
	names := make([]string, 0, len(locales))
	for l := range locales {
		names = append(names, l)
	}
	slices.Sort(names)

	for _, locale := range names {
		want := local.Effective(locale)
		have := remote.Metadata.Locales[locale]
		_, ownFolder := local.Locales[locale]
		p.planAppClipSubtitle(remote, locale, want, have, ownFolder, live)
		for _, scope := range []Scope{AppInfoLocalization, VersionLocalization} {
			var changes []Change
			values := Values{}
			for _, spec := range LocaleFields {
				if spec.Scope != scope {
					continue
				}
				value, ok := want[spec.File]
				if !ok || value == have[spec.File] {
					continue
				}
				ch := Change{Locale: locale, Field: spec.File, Scope: scope, Old: have[spec.File], New: value}
				if live && !spec.Live {
					ch.Skipped = "Apple does not allow changing it on a live version"
				}
				p.Changes = append(p.Changes, ch)
				if ch.Skipped == "" {
					changes = append(changes, ch)
					values[spec.File] = value
				}
			}
			ids := remote.InfoLocalizations
			if scope == VersionLocalization {
				ids = remote.VersionLocalizations
			}
			if id, exists := ids[locale]; exists {
				if len(changes) > 0 {
					p.Writes = append(p.Writes, patchLocalization(scope, id, locale, values, changes))
				}
				continue
			}
			if !ownFolder {
				continue // default/ does not create locales by itself
			}
			// A missing localization is created with every value the folder has for it.
			if live {
				if len(changes) == 0 {
					continue // only fields Apple keeps locked on a live version
				}
				p.Problems = append(p.Problems, Problem{local.folder(locale), "the live version has no " + locale + " localization and Apple does not allow adding one to a live version; drop --edit-live or remove the folder"})
				continue
			}
			for _, spec := range LocaleFields {
				if v, ok := want[spec.File]; ok && spec.Scope == scope {
					values[spec.File] = v
				}
			}
			if scope == AppInfoLocalization && want["name"] == "" {
				if len(values) == 0 {
					continue // nothing for the app info in this locale
				}
				p.Problems = append(p.Problems, Problem{local.pathOf(locale + "/name.txt"), "the app has no " + locale + " app info localization yet and Apple needs a name to create it; add name.txt"})
				continue
			}
			p.Writes = append(p.Writes, createLocalization(scope, remote, locale, values, changes))
		}
	}

	// App-level fields: copyright on the version, categories on the app info.
	versionValues, infoValues := Values{}, Values{}
	var versionChanges, infoChanges []Change
	for _, spec := range AppFields {
		value, ok := local.App[spec.File]
		if !ok || value == remote.Metadata.App[spec.File] {
			continue
		}
		ch := Change{Field: spec.File, Scope: spec.Scope, Old: remote.Metadata.App[spec.File], New: value}
		switch {
		case spec.Scope == AppClipExperience:
			ch.Skipped = appClipSkipped(remote, live)
		case live:
			ch.Skipped = "Apple does not allow changing it on a live version"
		}
		p.Changes = append(p.Changes, ch)
		if ch.Skipped != "" {
			continue
		}
		if spec.Scope == AppClipExperience {
			p.Writes = append(p.Writes, appClipActionWrite(remote.AppClipExperienceID, value, ch))
			continue
		}
		if spec.Scope == Version {
			versionValues[spec.File] = value
			versionChanges = append(versionChanges, ch)
			continue
		}
		infoValues[spec.File] = value
		infoChanges = append(infoChanges, ch)
	}
	if len(versionChanges) > 0 {
		id := remote.VersionID
		p.Writes = append(p.Writes, &Op{Method: "PATCH", Type: "appStoreVersions", ID: id, Changes: versionChanges, values: versionValues,
			send: func(ctx context.Context, c *asc.Client) (string, error) {
				_, _, err := c.AppStoreVersions.Update(ctx, id, &asc.AppStoreVersionUpdateRequest{Data: asc.AppStoreVersionUpdateRequestData{
					ID: id, Attributes: &asc.AppStoreVersionUpdateRequestAttributes{Copyright: versionValues.ptr("copyright")}}})
				return id, err
			}})
	}
	if len(infoChanges) > 0 {
		id := remote.AppInfoID
		p.Writes = append(p.Writes, &Op{Method: "PATCH", Type: "appInfos", ID: id, Changes: infoChanges, values: infoValues,
			send: func(ctx context.Context, c *asc.Client) (string, error) {
				_, _, err := c.AppInfos.Update(ctx, id, &asc.AppInfoUpdateRequest{Data: asc.AppInfoUpdateRequestData{
					ID: id, Relationships: categoryUpdate(infoValues)}})
				return id, err
			}})
	}

	// Review information.
	reviewValues := Values{}
	var reviewChanges []Change
	for _, spec := range ReviewFields {
		value, ok := local.Review[spec.File]
		if !ok || value == remote.Metadata.Review[spec.File] {
			continue
		}
		ch := Change{Field: spec.File, Scope: ReviewDetail, Old: remote.Metadata.Review[spec.File], New: value}
		if live {
			ch.Skipped = "Apple does not allow changing it on a live version"
		}
		p.Changes = append(p.Changes, ch)
		if ch.Skipped != "" {
			continue
		}
		reviewValues[spec.File] = value
		reviewChanges = append(reviewChanges, ch)
	}
	if len(reviewChanges) > 0 {
		p.Writes = append(p.Writes, reviewDetailWrite(remote, reviewValues, reviewChanges))
	}

	// The App Clip's review information, on its default experience.
	if value, ok := local.AppClip["invocation_urls"]; ok && value != remote.Metadata.AppClip["invocation_urls"] {
		ch := Change{Field: "invocation_urls", Scope: AppClipReviewDetail, Old: remote.Metadata.AppClip["invocation_urls"], New: value,
			Skipped: appClipSkipped(remote, live)}
		p.Changes = append(p.Changes, ch)
		if ch.Skipped == "" {
			p.Writes = append(p.Writes, appClipReviewWrite(remote, SplitURLs(value), ch))
		}
	}
	return p
}

// appClipSkipped says why a change to the version's App Clip default experience is not sent,
// or "": deliver skips the App Clip on a live version (edit_live), and a version without an
// App Clip has no default experience (App Store Connect sets it up with the App Clip's build).
func appClipSkipped(remote *State, live bool) string {
	switch {
	case live:
		return "Apple does not allow changing it on a live version"
	case remote.AppClipExperienceID == "":
		return "version " + remote.VersionString + " has no App Clip default experience (add the App Clip's build first)"
	}
	return ""
}

// appClipReviewWrite updates the App Clip default experience's review detail, or creates it;
// a failed create reads the experience's review detail back.
func appClipReviewWrite(remote *State, urls []string, ch Change) *Op {
	update := func(ctx context.Context, c *asc.Client, id string) error {
		attrs := &asc.AppClipAppStoreReviewDetailUpdateRequestAttributes{InvocationURLs: urls}
		if len(urls) == 0 {
			attrs.Clear = []string{"invocationUrls"}
		}
		_, _, err := c.AppClipAppStoreReviewDetails.Update(ctx, id, &asc.AppClipAppStoreReviewDetailUpdateRequest{
			Data: asc.AppClipAppStoreReviewDetailUpdateRequestData{ID: id, Attributes: attrs}})
		return err
	}
	v := Values{"invocation_urls": JoinURLs(urls)}
	changes := []Change{ch}
	if id := remote.AppClipReviewDetailID; id != "" {
		return &Op{Method: "PATCH", Type: "appClipAppStoreReviewDetails", ID: id, Changes: changes, values: v,
			send: func(ctx context.Context, c *asc.Client) (string, error) { return id, update(ctx, c, id) }}
	}
	experience := remote.AppClipExperienceID
	return &Op{Method: "POST", Type: "appClipAppStoreReviewDetails", Changes: changes, values: v, update: update,
		send: func(ctx context.Context, c *asc.Client) (string, error) {
			resp, _, err := c.AppClipAppStoreReviewDetails.Create(ctx, &asc.AppClipAppStoreReviewDetailCreateRequest{Data: asc.AppClipAppStoreReviewDetailCreateRequestData{
				Attributes:    &asc.AppClipAppStoreReviewDetailCreateRequestAttributes{InvocationURLs: urls},
				Relationships: asc.AppClipAppStoreReviewDetailCreateRequestRelationships{AppClipDefaultExperience: asc.Relationship{Data: asc.ToOne("appClipDefaultExperiences", experience)}}}})
			return createdID(resp, err, func(r *asc.AppClipAppStoreReviewDetailResponse) string { return r.Data.ID })
		},
		find: func(ctx context.Context, c *asc.Client) (string, error) {
			id, _, err := fetchAppClipReview(ctx, c, experience)
			return id, err
		}}
}

// patchLocalization updates an app info or version localization.
func patchLocalization(scope Scope, id, locale string, v Values, changes []Change) *Op {
	w := &Op{Method: "PATCH", ID: id, Locale: locale, Changes: changes, values: v}
	w.Type, w.send = "appInfoLocalizations", func(ctx context.Context, c *asc.Client) (string, error) {
		return id, updateInfoLocalization(ctx, c, id, v)
	}
	if scope == VersionLocalization {
		w.Type, w.send = "appStoreVersionLocalizations", func(ctx context.Context, c *asc.Client) (string, error) {
			return id, updateVersionLocalization(ctx, c, id, v)
		}
	}
	return w
}

func updateInfoLocalization(ctx context.Context, c *asc.Client, id string, v Values) error {
	_, _, err := c.AppInfoLocalizations.Update(ctx, id, &asc.AppInfoLocalizationUpdateRequest{
		Data: asc.AppInfoLocalizationUpdateRequestData{ID: id, Attributes: infoLocalizationUpdate(v)}})
	return err
}

func updateVersionLocalization(ctx context.Context, c *asc.Client, id string, v Values) error {
	_, _, err := c.AppStoreVersionLocalizations.Update(ctx, id, &asc.AppStoreVersionLocalizationUpdateRequest{
		Data: asc.AppStoreVersionLocalizationUpdateRequestData{ID: id, Attributes: versionLocalizationUpdate(v)}})
	return err
}

// createLocalization creates a missing app info or version localization; after a failed
// attempt the parent's localization of that locale is read back.
func createLocalization(scope Scope, remote *State, locale string, v Values, changes []Change) *Op {
	w := &Op{Method: "POST", Type: scope.ResourceType(), Locale: locale, Changes: changes, values: v}
	infoID, versionID := remote.AppInfoID, remote.VersionID
	if scope == AppInfoLocalization {
		w.send = func(ctx context.Context, c *asc.Client) (string, error) {
			resp, _, err := c.AppInfoLocalizations.Create(ctx, &asc.AppInfoLocalizationCreateRequest{Data: asc.AppInfoLocalizationCreateRequestData{
				Attributes:    infoLocalizationCreate(locale, v),
				Relationships: asc.AppInfoLocalizationCreateRequestRelationships{AppInfo: asc.Relationship{Data: asc.ToOne("appInfos", infoID)}}}})
			return createdID(resp, err, func(r *asc.AppInfoLocalizationResponse) string { return r.Data.ID })
		}
		w.find = func(ctx context.Context, c *asc.Client) (string, error) {
			resp, _, err := c.AppInfos.ListLocalizations(ctx, infoID, &asc.AppInfosListLocalizationsOptions{FilterLocale: []string{locale}})
			return withLocale(resp, err, locale, func(r *asc.AppInfoLocalizationsResponse) map[string]string {
				ids := map[string]string{}
				for _, l := range r.Data {
					ids[attrsOf(l.Attributes).Locale] = l.ID
				}
				return ids
			})
		}
		w.update = func(ctx context.Context, c *asc.Client, id string) error {
			return updateInfoLocalization(ctx, c, id, v)
		}
		return w
	}
	w.send = func(ctx context.Context, c *asc.Client) (string, error) {
		resp, _, err := c.AppStoreVersionLocalizations.Create(ctx, &asc.AppStoreVersionLocalizationCreateRequest{Data: asc.AppStoreVersionLocalizationCreateRequestData{
			Attributes:    versionLocalizationCreate(locale, v),
			Relationships: asc.AppStoreVersionLocalizationCreateRequestRelationships{AppStoreVersion: asc.Relationship{Data: asc.ToOne("appStoreVersions", versionID)}}}})
		return createdID(resp, err, func(r *asc.AppStoreVersionLocalizationResponse) string { return r.Data.ID })
	}
	w.find = func(ctx context.Context, c *asc.Client) (string, error) {
		resp, _, err := c.AppStoreVersions.ListLocalizations(ctx, versionID, &asc.AppStoreVersionsListLocalizationsOptions{FilterLocale: []string{locale}})
		return withLocale(resp, err, locale, func(r *asc.AppStoreVersionLocalizationsResponse) map[string]string {
			ids := map[string]string{}
			for _, l := range r.Data {
				ids[attrsOf(l.Attributes).Locale] = l.ID
			}
			return ids
		})
	}
	w.update = func(ctx context.Context, c *asc.Client, id string) error {
		return updateVersionLocalization(ctx, c, id, v)
	}
	return w
}

// createdID returns the id of a created resource, or the create's error.
func createdID[R any](resp *R, err error, id func(*R) string) (string, error) {
	if err != nil {
		return "", err
	}
	return id(resp), nil
}

// withLocale returns the id of the listed localization of locale ("" if none), or the
// list's error.
func withLocale[R any](resp *R, err error, locale string, ids func(*R) map[string]string) (string, error) {
	if err != nil {
		return "", err
	}
	return ids(resp)[locale], nil
}

// reviewDetailWrite updates the version's review detail, or creates it when the version has
// none; a failed create reads the version's review detail back.
func reviewDetailWrite(remote *State, v Values, changes []Change) *Op {
	update := func(ctx context.Context, c *asc.Client, id string) error {
		_, _, err := c.AppStoreReviewDetails.Update(ctx, id, &asc.AppStoreReviewDetailUpdateRequest{
			Data: asc.AppStoreReviewDetailUpdateRequestData{ID: id, Attributes: reviewUpdate(v)}})
		return err
	}
	if id := remote.ReviewDetailID; id != "" {
		return &Op{Method: "PATCH", Type: "appStoreReviewDetails", ID: id, Changes: changes, values: v,
			send: func(ctx context.Context, c *asc.Client) (string, error) { return id, update(ctx, c, id) }}
	}
	versionID := remote.VersionID
	return &Op{Method: "POST", Type: "appStoreReviewDetails", Changes: changes, values: v, update: update,
		send: func(ctx context.Context, c *asc.Client) (string, error) {
			resp, _, err := c.AppStoreReviewDetails.Create(ctx, &asc.AppStoreReviewDetailCreateRequest{Data: asc.AppStoreReviewDetailCreateRequestData{
				Attributes:    reviewCreate(v),
				Relationships: asc.AppStoreReviewDetailCreateRequestRelationships{AppStoreVersion: asc.Relationship{Data: asc.ToOne("appStoreVersions", versionID)}}}})
			if err != nil {
				return "", err
			}
			return resp.Data.ID, nil
		},
		find: func(ctx context.Context, c *asc.Client) (string, error) {
			resp, _, err := c.AppStoreVersions.GetReviewDetail(ctx, versionID, nil)
			var er *asc.ErrorResponse
			if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
				return "", nil
			}
			if err != nil {
				return "", err
			}
			return resp.Data.ID, nil
		}}
}

// Secret reports a change whose values are a credential (the demo account's password):
// plans, diffs and errors say that it changes, never what to.
func (c Change) Secret() bool { return c.Scope == ReviewDetail && c.Field == "demo_password" }

// Shown returns the old and new values as they may be displayed: a secret's as "(hidden)"
// ("" stays "", so clearing it still shows).
func (c Change) Shown() (was, now string) {
	if !c.Secret() {
		return c.Old, c.New
	}
	hide := func(s string) string {
		if s == "" {
			return ""
		}
		return "(hidden)"
	}
	return hide(c.Old), hide(c.New)
}

// String renders a change for a terminal: "de-DE/name.txt: "Old" -> "New"".
func (c Change) String() string {
	was, now := c.Shown()
	s := fmt.Sprintf("%s: %s -> %s", c.Path(), quoteShort(was), quoteShort(now))
	if c.Skipped != "" {
		s += " (skipped: " + c.Skipped + ")"
	}
	return s
}

func quoteShort(s string) string {
	const max = 60
	r := []rune(s)
	if len(r) > max {
		return fmt.Sprintf("%q…(%d characters)", string(r[:max]), len(r))
	}
	return fmt.Sprintf("%q", s)
}

// appClipActionWrite sets the App Clip card's action on the version's default experience.
func appClipActionWrite(id, action string, ch Change) *Op {
	return &Op{Method: "PATCH", Type: "appClipDefaultExperiences", ID: id, Changes: []Change{ch}, values: Values{AppClipActionFile: action},
		send: func(ctx context.Context, c *asc.Client) (string, error) {
			a := asc.AppClipAction(action)
			_, _, err := c.AppClipDefaultExperiences.Update(ctx, id, &asc.AppClipDefaultExperienceUpdateRequest{Data: asc.AppClipDefaultExperienceUpdateRequestData{
				ID: id, Attributes: &asc.AppClipDefaultExperienceUpdateRequestAttributes{Action: &a}}})
			return id, err
		}}
}

// planAppClipSubtitle plans the App Clip card's subtitle of locale, as deliver sends it: a
// PATCH of the default experience's localization of the locale, or its create where the
// locale has a folder or a version localization (default/ fills those, as it fills the
// others); none is ever deleted. Skipped on a live version (deliver's edit_live skips the App
// Clip) and where the version has no App Clip default experience.
func (p *Plan) planAppClipSubtitle(remote *State, locale string, want, have Values, ownFolder, live bool) {
	value, ok := want[AppClipSubtitleFile]
	if !ok || value == have[AppClipSubtitleFile] {
		return
	}
	id, exists := remote.AppClipLocalizations[locale]
	_, versionHas := remote.VersionLocalizations[locale]
	if !exists && !ownFolder && !versionHas {
		return // default/ does not create locales by itself
	}
	ch := Change{Locale: locale, Field: AppClipSubtitleFile, Scope: AppClipExperienceLocalization, Old: have[AppClipSubtitleFile], New: value,
		Skipped: appClipSkipped(remote, live)}
	p.Changes = append(p.Changes, ch)
	if ch.Skipped != "" {
		return
	}
	v := Values{AppClipSubtitleFile: value}
	if exists {
		p.Writes = append(p.Writes, &Op{Method: "PATCH", Type: AppClipExperienceLocalization.ResourceType(), ID: id, Locale: locale,
			Changes: []Change{ch}, values: v,
			send: func(ctx context.Context, c *asc.Client) (string, error) {
				return id, updateAppClipLocalization(ctx, c, id, v)
			}})
		return
	}
	experience := remote.AppClipExperienceID
	p.Writes = append(p.Writes, &Op{Method: "POST", Type: AppClipExperienceLocalization.ResourceType(), Locale: locale,
		Changes: []Change{ch}, values: v,
		send: func(ctx context.Context, c *asc.Client) (string, error) {
			resp, _, err := c.AppClipDefaultExperienceLocalizations.Create(ctx, &asc.AppClipDefaultExperienceLocalizationCreateRequest{
				Data: asc.AppClipDefaultExperienceLocalizationCreateRequestData{Attributes: appClipLocalizationCreate(locale, v),
					Relationships: asc.AppClipDefaultExperienceLocalizationCreateRequestRelationships{
						AppClipDefaultExperience: asc.Relationship{Data: asc.ToOne("appClipDefaultExperiences", experience)}}}})
			return createdID(resp, err, func(r *asc.AppClipDefaultExperienceLocalizationResponse) string { return r.Data.ID })
		},
		// After a failed create, the experience's localization of the locale is read back.
		find: func(ctx context.Context, c *asc.Client) (string, error) {
			resp, _, err := c.AppClipDefaultExperiences.ListLocalizations(ctx, experience, &asc.AppClipDefaultExperiencesListLocalizationsOptions{
				FilterLocale: []string{locale}, FieldsAppClipDefaultExperienceLocalizations: appClipLocalizationFields})
			return withLocale(resp, err, locale, func(r *asc.AppClipDefaultExperienceLocalizationsResponse) map[string]string {
				ids := map[string]string{}
				for _, l := range r.Data {
					ids[attrsOf(l.Attributes).Locale] = l.ID
				}
				return ids
			})
		},
		update: func(ctx context.Context, c *asc.Client, id string) error {
			return updateAppClipLocalization(ctx, c, id, v)
		}})
}

func updateAppClipLocalization(ctx context.Context, c *asc.Client, id string, v Values) error {
	_, _, err := c.AppClipDefaultExperienceLocalizations.Update(ctx, id, &asc.AppClipDefaultExperienceLocalizationUpdateRequest{
		Data: asc.AppClipDefaultExperienceLocalizationUpdateRequestData{ID: id, Attributes: appClipLocalizationUpdate(v)}})
	return err
}
