package testflight

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/ascend-tools/ascend/asc"
)

// BetaAppInfo is one language's TestFlight test information of an app (its beta app
// localization): empty fields are left as they are.
type BetaAppInfo struct {
	Description, FeedbackEmail, MarketingURL, PrivacyPolicyURL, TvOsPrivacyPolicy string
}

// LocalizedResult says what a sync of localizations did (or, on a dry run, would do), by
// locale; empty lists mean it was all in place.
type LocalizedResult struct {
	Created   []string `json:"created"`
	Updated   []string `json:"updated"`
	Unchanged []string `json:"unchanged"`
	Requests  int      `json:"requests"`
}

// Changed reports whether anything was (or would be) written.
func (r *LocalizedResult) Changed() bool { return len(r.Created)+len(r.Updated) > 0 }

// Localized is a text per locale with a default, as fastlane pilot gives them
// (localized_build_info, localized_app_info, or changelog alone): Default goes to every
// locale the resource has that By does not name, and to Fallback (the app's primary locale)
// when it has none at all.
type Localized[V any] struct {
	By       map[string]V
	Default  *V
	Fallback string
}

// targets is what each locale should hold, given the locales the resource has.
func (l Localized[V]) targets(have []string) map[string]V {
	out := maps.Clone(l.By)
	if out == nil {
		out = map[string]V{}
	}
	if l.Default == nil {
		return out
	}
	for _, h := range have {
		if _, ok := out[h]; !ok {
			out[h] = *l.Default
		}
	}
	if len(out) == 0 && l.Fallback != "" {
		out[l.Fallback] = *l.Default
	}
	return out
}

// locSync is one kind of localization: how to read them all, compare one, create and update.
type locSync[L, V any] struct {
	// have, when not nil, is what the resource has, read already with something else.
	have   map[string]L
	what   string // "set what to test", for errors: "set what to test (de-DE): ..."
	list   func() (map[string]L, error)
	same   func(L, V) bool
	id     func(L) string
	create func(locale string, v V) error
	update func(id string, v V) error
}

// run makes every locale hold its target: one read, then a PATCH of each that differs and a
// POST of each missing. A POST that failed where it may have taken effect, or was refused
// because the locale is there (409), is read back and patched only if it still differs, so a
// retry never creates a locale twice.
func (s locSync[L, V]) run(l Localized[V], dryRun bool) (*LocalizedResult, error) {
	res := &LocalizedResult{Created: []string{}, Updated: []string{}, Unchanged: []string{}}
	have := s.have
	if have == nil {
		res.Requests++
		var err error
		if have, err = s.list(); err != nil {
			return res, err
		}
	}
	want := l.targets(slices.Collect(maps.Keys(have)))
	for _, locale := range slices.Sorted(maps.Keys(want)) {
		v := want[locale]
		cur, ok := have[locale]
		switch {
		case ok && s.same(cur, v):
			res.Unchanged = append(res.Unchanged, locale)
			continue
		case ok:
			res.Updated = append(res.Updated, locale)
			if dryRun {
				continue
			}
			res.Requests++
			if err := s.update(s.id(cur), v); err != nil {
				return res, fmt.Errorf("%s (%s): %w", s.what, locale, err)
			}
			continue
		}
		res.Created = append(res.Created, locale)
		if dryRun {
			continue
		}
		res.Requests++
		err := s.create(locale, v)
		if err == nil {
			continue
		}
		if !mayHaveTakenEffect(err) && !isConflict(err) {
			return res, fmt.Errorf("%s (%s): %w", s.what, locale, err)
		}
		res.Requests++
		again, rerr := s.list()
		got, found := again[locale]
		if rerr != nil || !found {
			return res, fmt.Errorf("%s (%s): %w", s.what, locale, err)
		}
		if !s.same(got, v) {
			res.Requests++
			if err := s.update(s.id(got), v); err != nil {
				return res, fmt.Errorf("%s (%s): %w", s.what, locale, err)
			}
		}
	}
	return res, nil
}

// SetWhatToTest makes a build's What to Test (its beta build localizations) what l says:
// one read of the build's localizations, then only the locales that differ are written.
func SetWhatToTest(ctx context.Context, c *asc.Client, buildID string, l Localized[string], dryRun bool) (*LocalizedResult, error) {
	return whatToTest(ctx, c, buildID, nil, l, dryRun)
}

// whatToTest is SetWhatToTest with the build's localizations read already (have; nil reads them).
func whatToTest(ctx context.Context, c *asc.Client, buildID string, have map[string]asc.BetaBuildLocalization, l Localized[string], dryRun bool) (*LocalizedResult, error) {
	s := locSync[asc.BetaBuildLocalization, string]{
		have: have, what: "set what to test",
		list: func() (map[string]asc.BetaBuildLocalization, error) {
			out := map[string]asc.BetaBuildLocalization{}
			for loc, err := range c.Builds.ListBetaBuildLocalizationsIter(ctx, buildID, &asc.BuildsListBetaBuildLocalizationsOptions{FieldsBetaBuildLocalizations: []string{"locale", "whatsNew"}, Limit: 200}) {
				if err != nil {
					return nil, fmt.Errorf("read what to test of build %s: %w", buildID, err)
				}
				if loc.Attributes != nil {
					out[loc.Attributes.Locale] = loc
				}
			}
			return out, nil
		},
		same: func(l asc.BetaBuildLocalization, v string) bool {
			return l.Attributes != nil && l.Attributes.WhatsNew == v
		},
		id: func(l asc.BetaBuildLocalization) string { return l.ID },
		create: func(locale, v string) error {
			_, _, err := c.BetaBuildLocalizations.Create(ctx, &asc.BetaBuildLocalizationCreateRequest{Data: asc.BetaBuildLocalizationCreateRequestData{
				Type: "betaBuildLocalizations", Attributes: asc.BetaBuildLocalizationCreateRequestAttributes{Locale: locale, WhatsNew: asc.Ptr(v)},
				Relationships: asc.BetaBuildLocalizationCreateRequestRelationships{Build: asc.Relationship{Data: asc.ToOne("builds", buildID)}}}})
			return err
		},
		update: func(id, v string) error {
			_, _, err := c.BetaBuildLocalizations.Update(ctx, id, &asc.BetaBuildLocalizationUpdateRequest{Data: asc.BetaBuildLocalizationUpdateRequestData{
				Type: "betaBuildLocalizations", ID: id, Attributes: &asc.BetaBuildLocalizationUpdateRequestAttributes{WhatsNew: asc.Ptr(v)}}})
			return err
		},
	}
	return s.run(l, dryRun)
}

// SetBetaAppInfo makes an app's TestFlight test information (its beta app localizations)
// what l says, each field given replacing the one there: one read, then only the locales
// that differ are written.
func SetBetaAppInfo(ctx context.Context, c *asc.Client, appID string, l Localized[BetaAppInfo], dryRun bool) (*LocalizedResult, error) {
	s := locSync[asc.BetaAppLocalization, BetaAppInfo]{
		what: "set the beta app information",
		list: func() (map[string]asc.BetaAppLocalization, error) {
			out := map[string]asc.BetaAppLocalization{}
			for loc, err := range c.Apps.ListBetaAppLocalizationsIter(ctx, appID, &asc.AppsListBetaAppLocalizationsOptions{Limit: 200}) {
				if err != nil {
					return nil, fmt.Errorf("read the beta app information of app %s: %w", appID, err)
				}
				if loc.Attributes != nil {
					out[loc.Attributes.Locale] = loc
				}
			}
			return out, nil
		},
		same: func(l asc.BetaAppLocalization, v BetaAppInfo) bool {
			a := l.Attributes
			eq := func(cur, want string) bool { return want == "" || cur == want }
			return a != nil && eq(a.Description, v.Description) && eq(a.FeedbackEmail, v.FeedbackEmail) && eq(a.MarketingURL, v.MarketingURL) &&
				eq(a.PrivacyPolicyURL, v.PrivacyPolicyURL) && eq(a.TvOsPrivacyPolicy, v.TvOsPrivacyPolicy)
		},
		id: func(l asc.BetaAppLocalization) string { return l.ID },
		create: func(locale string, v BetaAppInfo) error {
			_, _, err := c.BetaAppLocalizations.Create(ctx, &asc.BetaAppLocalizationCreateRequest{Data: asc.BetaAppLocalizationCreateRequestData{
				Type: "betaAppLocalizations", Attributes: asc.BetaAppLocalizationCreateRequestAttributes{Locale: locale,
					Description: given(v.Description), FeedbackEmail: given(v.FeedbackEmail), MarketingURL: given(v.MarketingURL),
					PrivacyPolicyURL: given(v.PrivacyPolicyURL), TvOsPrivacyPolicy: given(v.TvOsPrivacyPolicy)},
				Relationships: asc.BetaAppLocalizationCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", appID)}}}})
			return err
		},
		update: func(id string, v BetaAppInfo) error {
			_, _, err := c.BetaAppLocalizations.Update(ctx, id, &asc.BetaAppLocalizationUpdateRequest{Data: asc.BetaAppLocalizationUpdateRequestData{
				Type: "betaAppLocalizations", ID: id, Attributes: &asc.BetaAppLocalizationUpdateRequestAttributes{
					Description: given(v.Description), FeedbackEmail: given(v.FeedbackEmail), MarketingURL: given(v.MarketingURL),
					PrivacyPolicyURL: given(v.PrivacyPolicyURL), TvOsPrivacyPolicy: given(v.TvOsPrivacyPolicy)}}})
			return err
		},
	}
	return s.run(l, dryRun)
}

// given is s to send, nil when empty (left as it is).
func given(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// SetReviewDetail makes the app's beta app review details what want gives (empty fields
// left as they are): one read, and one PATCH of what differs. changed names the attributes
// written (or, on a dry run, to write).
func SetReviewDetail(ctx context.Context, c *asc.Client, appID string, want ReviewDetail, dryRun bool) (changed []string, requests int, err error) {
	return updateReviewDetail(ctx, c, appID, want, dryRun)
}

// SetAutoNotify makes whether App Store Connect notifies testers when the build becomes
// available to them exactly on (fastlane pilot's notify_external_testers): one read of the
// build's beta detail, one PATCH when it differs. changed says whether it did (or would).
func SetAutoNotify(ctx context.Context, c *asc.Client, buildID string, on, dryRun bool) (changed bool, err error) {
	doc, _, err := c.Builds.GetBetaDetail(ctx, buildID, &asc.BuildsGetBetaDetailOptions{FieldsBuildBetaDetails: []string{"autoNotifyEnabled"}})
	if err != nil {
		return false, fmt.Errorf("read the beta detail of build %s: %w", buildID, err)
	}
	a := doc.Data.Attributes
	if a != nil && a.AutoNotifyEnabled != nil && *a.AutoNotifyEnabled == on {
		return false, nil
	}
	if dryRun {
		return true, nil
	}
	if err := setAutoNotify(ctx, c, doc.Data.ID, on); err != nil {
		return false, fmt.Errorf("turn %s tester notifications for build %s: %w", map[bool]string{true: "on", false: "off"}[on], buildID, err)
	}
	return true, nil
}

func setAutoNotify(ctx context.Context, c *asc.Client, detailID string, on bool) error {
	_, _, err := c.BuildBetaDetails.Update(ctx, detailID, &asc.BuildBetaDetailUpdateRequest{Data: asc.BuildBetaDetailUpdateRequestData{
		Type: "buildBetaDetails", ID: detailID, Attributes: &asc.BuildBetaDetailUpdateRequestAttributes{AutoNotifyEnabled: asc.Ptr(on)}}})
	return err
}
