package sandbox

import (
	"fmt"
	"slices"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// App Store versions: their metadata (localizations, review details, screenshot and preview
// sets) can change only while the version is being prepared; a new version carries over the
// previous one's; App Review (family_reviewsubmissions.go) and release move the version's
// state, which the app info being prepared follows; a phased release waiting for the version
// starts when it goes live (family_phasedrelease.go).

func init() {
	register(&family{
		name: "versions",
		hooks: []hooks{
			{types: []string{"appStoreVersions"}, lock: versionLock, beforeCreate: checkNewVersion, afterCreate: newVersion,
				beforeUpdate: checkVersionUpdate, beforeLink: checkVersionLink},
			{types: []string{"appStoreVersionLocalizations", "appScreenshotSets", "appPreviewSets", "appScreenshots", "appPreviews"}, lock: metadataLock},
			{types: []string{"appStoreReviewDetails", "appStoreVersionSubmissions", "routingAppCoverages"}, onePer: "appStoreVersion"},
			// App Store text longer than Apple allows is refused (textLimitsOf).
			{types: []string{"appStoreVersionLocalizations", "appStoreReviewDetails"}, beforeCreate: createTextLimits, beforeUpdate: updateTextLimits},
			{types: []string{"appStoreVersionReleaseRequests"}, afterCreate: releaseVersion},
			// App Store Connect lists an app's versions newest first.
			{types: []string{"apps"}, newestFirst: []string{"appStoreVersions"}},
		},
		machines:  []*machine{versionMachine},
		seed:      seedVersions,
		seedAfter: []string{"builds"},
	})
}

// versionMachine: appVersionState (with the older appStoreState beside it). App Review's
// events come from the review submission the version is an item of.
var versionMachine = &machine{
	types: []string{"appStoreVersions"},
	get:   func(r *record) string { return r.str("appVersionState") },
	set:   (*Server).setVersionState,
	rows: []transition{
		{from: "*", on: "create", to: "PREPARE_FOR_SUBMISSION"},
		{from: "*", on: "submitted", to: "WAITING_FOR_REVIEW"},
		{from: "*", on: "reviewStarted", to: "IN_REVIEW"},
		{from: "*", on: "rejected", to: "REJECTED"},
		{from: "*", on: "approved", when: releaseManually, to: "PENDING_DEVELOPER_RELEASE"},
		{from: "*", on: "approved", when: releaseLater, to: "PENDING_APPLE_RELEASE"},
		{from: "*", on: "approved", to: "READY_FOR_DISTRIBUTION", do: wentLive},
		{from: "PENDING_DEVELOPER_RELEASE", on: "released", to: "READY_FOR_DISTRIBUTION", do: wentLive},
		// Taken back from App Review; a version App Review rejected stays REJECTED.
		{from: "WAITING_FOR_REVIEW|IN_REVIEW", on: "canceled", to: "DEVELOPER_REJECTED"},
		{from: "READY_FOR_DISTRIBUTION", on: "replaced", to: "REPLACED_WITH_NEW_VERSION"},
	},
}

func releaseManually(_ *Server, v *record) bool { return v.str("releaseType") == "MANUAL" }

func releaseLater(s *Server, v *record) bool {
	if v.str("releaseType") != "SCHEDULED" {
		return false
	}
	t, err := time.Parse(time.RFC3339, v.str("earliestReleaseDate"))
	return err == nil && t.After(s.stateNow())
}

// wentLive: the version replaces the previous live version of its platform, and its phased
// release, if it has one waiting, starts.
func wentLive(s *Server, v *record) {
	for _, other := range s.siblings("appStoreVersions", "app", v.one("app")) {
		if other != v && other.str("platform") == v.str("platform") {
			s.send(other, "replaced")
		}
	}
	if pr := s.st.get("appStoreVersionPhasedReleases", v.one("appStoreVersionPhasedRelease")); pr != nil {
		s.send(pr, "start")
	}
}

// appStoreStateFor maps the current appVersionState to the older appStoreState.
func appStoreStateFor(appVersionState string) string {
	switch appVersionState {
	case "READY_FOR_DISTRIBUTION":
		return "READY_FOR_SALE"
	case "PROCESSING_FOR_DISTRIBUTION":
		return "PROCESSING_FOR_APP_STORE"
	}
	return appVersionState
}

// setVersionState moves an App Store version, with its app info, and tells the app's
// webhooks (a new version's first state is no change to tell).
func (s *Server) setVersionState(v *record, state string) {
	old := v.str("appVersionState")
	if old == state {
		return
	}
	v.Attrs["appVersionState"] = state
	v.Attrs["appStoreState"] = appStoreStateFor(state)
	s.markDirty(v)
	if old == "" {
		return
	}
	s.followVersion(v, state)
	s.emit(v.one("app"), "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED", "appStoreVersionAppVersionStateUpdated", v,
		map[string]any{"oldValue": old, "newValue": state})
}

// settledVersionStates are the states of versions that no longer block a new version.
var settledVersionStates = []string{"READY_FOR_DISTRIBUTION", "REPLACED_WITH_NEW_VERSION", "REMOVED_FROM_SALE", "DEVELOPER_REMOVED_FROM_SALE", "ACCEPTED"}

// versionEditable reports whether a version's metadata can change (apple's table of states).
func versionEditable(v *record) bool {
	return v == nil || apple.IsEditable(v.str("appVersionState"))
}

// versionOf finds the App Store version a resource belongs to (a version localization, a
// screenshot set, a screenshot), or nil.
func (s *Server) versionOf(typ string, rels map[string]linkage) *record {
	first := func(l linkage) string {
		if len(l.ids) > 0 {
			return l.ids[0].ID
		}
		return ""
	}
	switch typ {
	case "appStoreVersionLocalizations":
		return s.st.get("appStoreVersions", first(rels["appStoreVersion"]))
	case "appScreenshotSets", "appPreviewSets":
		if loc := s.st.get("appStoreVersionLocalizations", first(rels["appStoreVersionLocalization"])); loc != nil {
			return s.st.get("appStoreVersions", loc.one("appStoreVersion"))
		}
	case "appScreenshots":
		if set := s.st.get("appScreenshotSets", first(rels["appScreenshotSet"])); set != nil {
			return s.versionOf("appScreenshotSets", relsOf(set))
		}
	case "appPreviews":
		if set := s.st.get("appPreviewSets", first(rels["appPreviewSet"])); set != nil {
			return s.versionOf("appPreviewSets", relsOf(set))
		}
	}
	return nil
}

// onlyPromotionalText: an update that changes nothing but promotionalText, which Apple
// allows while the version is in review or live.
func onlyPromotionalText(doc *resourceDoc) bool {
	for k := range doc.Attrs {
		if k != "promotionalText" {
			return false
		}
	}
	return len(doc.Rels) == 0
}

// metadataLock: a version's metadata is created and deleted only while the version is
// being prepared; its localizations' text changes then too, and promotionalText always.
func metadataLock(s *Server, w write) *httpError {
	switch w.kind {
	case "create":
		if v := s.versionOf(w.typ, w.doc.Rels); v != nil && !versionEditable(v) {
			return stateError(fmt.Sprintf("The App Store version %s is %s; its metadata can only change while it is being prepared. Create a new version.", v.str("versionString"), v.str("appVersionState")))
		}
	case "delete":
		if v := s.versionOf(w.typ, relsOf(w.rec)); v != nil && !versionEditable(v) {
			return stateError(fmt.Sprintf("The App Store version %s is %s; its metadata cannot be deleted now.", v.str("versionString"), v.str("appVersionState")))
		}
	case "update":
		if w.typ == "appStoreVersionLocalizations" {
			return promotionalTextOnly(s.st.get("appStoreVersions", w.rec.one("appStoreVersion")), w.doc)
		}
	}
	return nil
}

func versionLock(s *Server, w write) *httpError {
	switch w.kind {
	case "update":
		return promotionalTextOnly(w.rec, w.doc)
	case "delete":
		if !versionEditable(w.rec) {
			return stateError(fmt.Sprintf("Version %s is %s and cannot be deleted.", w.rec.str("versionString"), w.rec.str("appVersionState")))
		}
	}
	return nil
}

func promotionalTextOnly(v *record, doc *resourceDoc) *httpError {
	if !versionEditable(v) && !onlyPromotionalText(doc) {
		return stateError(fmt.Sprintf("The App Store version %s is %s; only promotionalText can change now.", v.str("versionString"), v.str("appVersionState")))
	}
	return nil
}

// checkNewVersion: Apple answers a version that cannot be made now (another is in progress)
// with its relationship error first and, when the version string is taken too, the duplicate
// after it, as captured from App Store Connect (and matched by clients such as fastlane).
func checkNewVersion(s *Server, doc *resourceDoc) *httpError {
	platform, _ := doc.Attrs["platform"].(string)
	vs, _ := doc.Attrs["versionString"].(string)
	var inProgress, taken bool
	for _, r := range s.siblings(doc.Type, "app", doc.relID("app")) {
		if r.str("platform") != platform {
			continue
		}
		taken = taken || r.str("versionString") == vs
		inProgress = inProgress || !slices.Contains(settledVersionStates, r.str("appVersionState"))
	}
	var errs []apiError
	if inProgress {
		errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID",
			"You cannot create a new version of the App in the current state.", "/data/relationships/app"))
	}
	if taken {
		errs = append(errs, duplicate(fmt.Sprintf("Version %s already exists for %s.", vs, platform), "/data/attributes/versionString").errs...)
	}
	if herr := versionStringError(doc.Attrs); herr != nil {
		errs = append(errs, herr.errs...)
	}
	if len(errs) > 0 {
		return errResp(409, errs...)
	}
	return nil
}

// versionStringError refuses a versionString that is no version Apple takes: 409 on it.
func versionStringError(attrs map[string]any) *httpError {
	if vs, ok := attrs["versionString"].(string); ok {
		if e, bad := invalidVersion("versionString", vs); bad {
			return errResp(409, e)
		}
	}
	return nil
}

// invalidVersion is the ENTITY_ERROR.ATTRIBUTE.INVALID of attribute attr when v is no
// version Apple takes (apple.IsVersionString), for versions and build uploads alike.
func invalidVersion(attr, v string) (apiError, bool) {
	if apple.IsVersionString(v) {
		return apiError{}, false
	}
	return entityError("ENTITY_ERROR.ATTRIBUTE.INVALID",
		fmt.Sprintf("The value '%s' of %s is invalid: it is one to three period-separated integers, such as 1.4.2.", v, attr), "/data/attributes/"+attr), true
}

func newVersion(s *Server, _ *apiRequest, r *record) *httpError {
	setDefault(r, "releaseType", "AFTER_APPROVAL")
	setDefault(r, "reviewType", "APP_STORE")
	setDefault(r, "downloadable", true)
	s.carryOver(r)
	return nil
}

func checkVersionUpdate(s *Server, r *record, doc *resourceDoc) *httpError {
	if herr := versionStringError(doc.Attrs); herr != nil {
		return herr
	}
	if l, ok := doc.Rels["build"]; ok && len(l.ids) == 1 {
		return s.checkVersionBuild(r, s.st.get("builds", l.ids[0].ID), "/data/relationships/build")
	}
	return nil
}

func checkVersionLink(s *Server, v *record, rel, _ string, targets []*record) *httpError {
	if rel != "build" {
		return nil
	}
	if !versionEditable(v) {
		return stateError(fmt.Sprintf("Version %s is %s; its build cannot change now.", v.str("versionString"), v.str("appVersionState")))
	}
	for _, b := range targets {
		if herr := s.checkVersionBuild(v, b, "/data"); herr != nil {
			return herr
		}
	}
	return nil
}

// checkVersionBuild is Apple's rule for the build of an App Store version: a VALID build
// of the same app.
func (s *Server) checkVersionBuild(v, b *record, pointer string) *httpError {
	if b == nil {
		return nil
	}
	if b.one("app") != v.one("app") {
		return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
			fmt.Sprintf("Build %s belongs to another app.", b.str("version")), pointer)
	}
	if b.str("processingState") != "VALID" {
		return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
			fmt.Sprintf("Build %s is %s; only a VALID build can be selected for a version.", b.str("version"), b.str("processingState")), pointer)
	}
	return nil
}

// releaseVersion: a release request releases a version pending developer release.
func releaseVersion(s *Server, _ *apiRequest, r *record) *httpError {
	if v := s.st.get("appStoreVersions", r.one("appStoreVersion")); v != nil && !s.send(v, "released") {
		return stateError(fmt.Sprintf("Version %s is %s; only a version pending developer release can be released.", v.str("versionString"), v.str("appVersionState")))
	}
	return nil
}

// carryOver does what App Store Connect does for a new version: it copies the review
// details, metadata, screenshot sets and screenshots of the previous version of the platform
// (what's new is left empty), or starts with the app's primary locale; and it opens an app
// info to prepare when the app has only its live one.
func (s *Server) carryOver(v *record) {
	app := s.st.get("apps", v.one("app"))
	if app == nil {
		return
	}
	var prev *record
	for _, o := range s.siblings("appStoreVersions", "app", app.ID) {
		if o != v && o.str("platform") == v.str("platform") && (prev == nil || o.Seq > prev.Seq) {
			prev = o
		}
	}
	if prev != nil {
		if old := s.st.get("appStoreReviewDetails", prev.one("appStoreReviewDetail")); old != nil {
			d := s.st.insert("appStoreReviewDetails", "", copyAttrs(old))
			s.st.link(d, "appStoreVersion", v)
			s.markDirty(d)
		}
	}
	if prev == nil {
		loc := s.st.insert("appStoreVersionLocalizations", "", map[string]any{"locale": app.str("primaryLocale")})
		s.st.link(loc, "appStoreVersion", v)
		s.markDirty(loc)
	} else {
		for _, old := range s.st.related(prev, "appStoreVersionLocalizations") {
			loc := s.st.insert("appStoreVersionLocalizations", "", copyAttrs(old, "whatsNew"))
			s.st.link(loc, "appStoreVersion", v)
			s.markDirty(loc)
			s.carryOverScreenshots(old, loc)
		}
	}
	s.openAppInfo(app)
}

// copyAttrs copies a record's attributes but the ones named.
func copyAttrs(r *record, skip ...string) map[string]any {
	out := map[string]any{}
	for k, val := range r.Attrs {
		if !slices.Contains(skip, k) {
			out[k] = cloneValue(val)
		}
	}
	return out
}

func setDefault(r *record, k string, v any) {
	if _, ok := r.Attrs[k]; !ok {
		r.Attrs[k] = v
	}
}

// seedVersions: each demo app's versions in their states, with a build (iOS), review
// details, a localization per locale and, when live, a completed phased release.
func seedVersions(sd seeder, d *demo) {
	a, app := d.spec, d.app
	builds := d.builds
	for vi, v := range a.versions {
		created := d.versionCreated(vi)
		ver := sd.add("appStoreVersions", map[string]any{
			"platform": v.platform, "versionString": v.version, "appVersionState": v.state, "appStoreState": appStoreStateFor(v.state),
			"copyright": "2026 Example Labs", "releaseType": v.releaseType, "reviewType": "APP_STORE", "downloadable": true,
			"createdDate": stamp(created), "usesIdfa": false,
		}, "app", app)
		d.versions = append(d.versions, ver)
		// Every iOS version has a build, the one in preparation the newest (as after an upload).
		if v.platform == "IOS" && len(builds) > 0 {
			sd.s.st.link(ver, "build", builds[min(len(builds)-1, (vi+1)*len(builds)/len(a.versions)-1)])
		}
		if v.state == "READY_FOR_DISTRIBUTION" {
			sd.add("appStoreVersionPhasedReleases", map[string]any{"phasedReleaseState": "COMPLETE", "currentDayNumber": 7,
				"startDate": stamp(created.Add(72 * time.Hour)), "totalPauseDuration": 0}, "appStoreVersion", ver)
		}
		sd.add("appStoreReviewDetails", map[string]any{"contactFirstName": "Sam", "contactLastName": "Reviewer", "contactEmail": "review@example.com",
			"contactPhone": "+1 555 0100", "demoAccountRequired": false, "notes": "No login needed."}, "appStoreVersion", ver)
		for _, l := range d.locales {
			sd.add("appStoreVersionLocalizations", map[string]any{
				"locale": l.code, "description": fmt.Sprintf("%s helps you plan every day. (%s)", a.name, l.code),
				"keywords": "planner,calendar,focus,habits", "promotionalText": l.promo,
				"marketingUrl": "https://example.com/" + a.sku, "supportUrl": "https://example.com/" + a.sku + "/support",
				"whatsNew": "Bug fixes and performance improvements.",
			}, "appStoreVersion", ver)
		}
	}
}
