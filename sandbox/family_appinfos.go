package sandbox

import (
	"fmt"
	"slices"

	"github.com/ascend-tools/ascend/apple"
)

// App infos: a live app has two, the live one (READY_FOR_DISTRIBUTION), which cannot change,
// and the one being prepared with the next version, which follows that version through
// review and replaces the live one when the version goes live. Their localizations (name,
// subtitle) and categories change only on the one being prepared.

func init() {
	register(&family{
		name: "appinfos",
		hooks: []hooks{
			{types: []string{"appInfos", "appInfoLocalizations"}, lock: appInfoLock},
			// A name or subtitle longer than Apple allows is refused (textLimitsOf).
			{types: []string{"appInfoLocalizations"}, beforeCreate: createTextLimits, beforeUpdate: updateTextLimits},
		},
		seed: seedAppInfos,
	})
}

// infoEditable reports whether an app info's localizations and categories can change
// (apple's table of states); the live app info (READY_FOR_DISTRIBUTION) and one in review
// cannot.
func infoEditable(info *record) bool {
	return info == nil || apple.IsEditable(info.str("state"))
}

// appInfoLock refuses writes to an app info, or a localization of one, that cannot change.
func appInfoLock(s *Server, w write) *httpError {
	var info *record
	switch {
	case w.typ == "appInfos":
		info = w.rec
	case w.rec != nil:
		info = s.st.get("appInfos", w.rec.one("appInfo"))
	case w.doc != nil:
		info = s.st.get("appInfos", w.doc.relID("appInfo"))
	}
	if info != nil && !infoEditable(info) {
		return stateError(fmt.Sprintf("The app info is %s; only the app info being prepared with a new version can change.", info.str("state")))
	}
	return nil
}

// infoStateFor is the app info state that goes with a version state in review and release.
var infoStateFor = map[string]string{
	"WAITING_FOR_REVIEW": "WAITING_FOR_REVIEW", "IN_REVIEW": "IN_REVIEW", "REJECTED": "REJECTED",
	"DEVELOPER_REJECTED": "DEVELOPER_REJECTED", "PENDING_DEVELOPER_RELEASE": "PENDING_RELEASE",
	"PENDING_APPLE_RELEASE": "PENDING_RELEASE", "READY_FOR_DISTRIBUTION": "READY_FOR_DISTRIBUTION",
}

// followVersion moves the app info being prepared along with its version: into review,
// back, and live, where it replaces the previous live app info.
func (s *Server) followVersion(v *record, state string) {
	next, ok := infoStateFor[state]
	if !ok {
		return
	}
	var prepared, live *record
	for _, info := range s.siblings("appInfos", "app", v.one("app")) {
		switch info.str("state") {
		case "READY_FOR_DISTRIBUTION":
			live = info
		case "REPLACED_WITH_NEW_INFO":
		default:
			prepared = info
		}
	}
	if prepared == nil {
		return
	}
	prepared.Attrs["state"] = next
	prepared.Attrs["appStoreState"] = map[string]string{"PENDING_RELEASE": "PENDING_DEVELOPER_RELEASE", "READY_FOR_DISTRIBUTION": "READY_FOR_SALE"}[next]
	if prepared.Attrs["appStoreState"] == "" {
		prepared.Attrs["appStoreState"] = next
	}
	s.markDirty(prepared)
	if next == "READY_FOR_DISTRIBUTION" && live != nil {
		live.Attrs["state"] = "REPLACED_WITH_NEW_INFO"
		live.Attrs["appStoreState"] = "REPLACED_WITH_NEW_VERSION"
		s.markDirty(live)
	}
}

// openAppInfo opens an app info to prepare, a copy of the live one with its localizations,
// categories and age rating, when a new version starts and the app has only its live one.
func (s *Server) openAppInfo(app *record) {
	var prepared, live *record
	for _, info := range s.siblings("appInfos", "app", app.ID) {
		switch {
		case infoEditable(info):
			prepared = info
		case info.str("state") == "READY_FOR_DISTRIBUTION":
			live = info
		}
	}
	if prepared != nil || live == nil {
		return
	}
	info := s.st.insert("appInfos", "", copyAttrs(live))
	info.Attrs["state"], info.Attrs["appStoreState"] = "PREPARE_FOR_SUBMISSION", "PREPARE_FOR_SUBMISSION"
	s.st.link(info, "app", app)
	for name, ids := range live.Rels {
		if name != "app" && name != "appInfoLocalizations" && !s.mdl.toMany("appInfos", name) && len(ids) == 1 {
			info.Rels[name] = []string{ids[0]} // categories and age rating carry over
		}
	}
	for _, old := range s.st.related(live, "appInfoLocalizations") {
		loc := s.st.insert("appInfoLocalizations", "", copyAttrs(old))
		s.st.link(loc, "appInfo", info)
		s.markDirty(loc)
	}
	s.markDirty(info)
}

// seedAppInfos: a live app has two app infos, the one being prepared (listed first) and the
// live one; each with categories, an age rating declaration and a localization per locale.
func seedAppInfos(sd seeder, d *demo) {
	a, app, n := d.spec, d.app, d.n
	infoStates := []string{"PREPARE_FOR_SUBMISSION"}
	if d.live {
		infoStates = []string{"PREPARE_FOR_SUBMISSION", "READY_FOR_DISTRIBUTION"}
	}
	for _, st := range infoStates {
		info := sd.add("appInfos", map[string]any{"state": st, "appStoreState": appStoreStateFor(st), "appStoreAgeRating": "FOUR_PLUS"}, "app", app,
			"primaryCategory", sd.s.st.get("appCategories", []string{"PRODUCTIVITY", "FINANCE", "NAVIGATION", "LIFESTYLE"}[n%4]),
			"secondaryCategory", sd.s.st.get("appCategories", "UTILITIES"))
		sd.add("ageRatingDeclarations", ageRatingNone(sd.s), "appInfo", info)
		for _, l := range d.locales {
			sd.add("appInfoLocalizations", map[string]any{
				"locale": l.code, "name": a.name, "subtitle": l.subtitle,
				"privacyPolicyUrl": "https://example.com/" + a.sku + "/privacy",
			}, "appInfo", info)
		}
	}
}

// ageRatingNone is the age rating declaration of an app rated 4+: every content question
// answered NONE (or no), no override, no kids band; the values Apple's questionnaire stores.
func ageRatingNone(s *Server) map[string]any {
	out := map[string]any{}
	rt := s.mdl.resource("ageRatingDeclarations")
	if rt == nil {
		return out
	}
	for name, f := range rt.Attributes {
		switch {
		case slices.Contains(f.Enum, "NONE"):
			out[name] = "NONE"
		case f.Type == "boolean":
			out[name] = false
		}
	}
	return out
}
