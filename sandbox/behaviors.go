package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Behaviours are the rules of particular resource types that no schema states: uniqueness,
// defaults the server sets, limits, and the state machines that workflows wait on. The
// generic store calls these hooks around every write; all run with s.mu held.

func stateError(detail string) *httpError {
	return conflict("STATE_ERROR.ENTITY_STATE_INVALID", "The request cannot be fulfilled because of the state of another resource.", detail, "")
}

func duplicate(detail, pointer string) *httpError {
	return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "The provided entity includes an attribute with a value that has already been used", detail, pointer)
}

// editableVersionStates are the App Store version states whose metadata can change.
var editableVersionStates = []string{"PREPARE_FOR_SUBMISSION", "DEVELOPER_REJECTED", "REJECTED", "METADATA_REJECTED", "INVALID_BINARY", "READY_FOR_REVIEW"}

// settledVersionStates are the states of versions that no longer block a new version.
var settledVersionStates = []string{"READY_FOR_DISTRIBUTION", "REPLACED_WITH_NEW_VERSION", "REMOVED_FROM_SALE", "DEVELOPER_REMOVED_FROM_SALE", "ACCEPTED"}

func versionEditable(v *record) bool {
	return v == nil || slices.Contains(editableVersionStates, v.str("appVersionState"))
}

// editableInfoStates are the app info states whose localizations and categories can change;
// the live app info (READY_FOR_DISTRIBUTION) and one in review cannot.
var editableInfoStates = []string{"PREPARE_FOR_SUBMISSION", "DEVELOPER_REJECTED", "REJECTED", "READY_FOR_REVIEW"}

func infoEditable(info *record) bool {
	return info == nil || slices.Contains(editableInfoStates, info.str("state"))
}

// infoOf finds the app info a write touches (an app info, or a localization of one).
func (s *Server) infoOf(typ string, rels map[string]linkage, r *record) *record {
	switch typ {
	case "appInfos":
		return r
	case "appInfoLocalizations":
		if r != nil {
			return s.st.get("appInfos", r.one("appInfo"))
		}
		if l, ok := rels["appInfo"]; ok && len(l.ids) > 0 {
			return s.st.get("appInfos", l.ids[0].ID)
		}
	}
	return nil
}

func infoLocked(info *record) *httpError {
	return stateError(fmt.Sprintf("The app info is %s; only the app info being prepared with a new version can change.", info.str("state")))
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

// relsOf turns a stored record's relationships into request-shaped linkage.
func relsOf(r *record) map[string]linkage {
	out := map[string]linkage{}
	for name, ids := range r.Rels {
		l := linkage{present: true}
		for _, id := range ids {
			l.ids = append(l.ids, identifier{ID: id})
		}
		out[name] = l
	}
	return out
}

func (doc *resourceDoc) relID(name string) string {
	if l, ok := doc.Rels[name]; ok && len(l.ids) > 0 {
		return l.ids[0].ID
	}
	return ""
}

// siblings returns the stored resources of a type under the same parent: through the
// parent's inverse list when the model has one (no scan of the whole type), else by a scan.
func (s *Server) siblings(typ, rel, parentID string) []*record {
	if tgt := s.mdl.target(typ, rel); tgt != "" {
		for _, inv := range s.mdl.inverse(typ, rel) {
			if s.mdl.target(tgt, inv) != typ {
				continue
			}
			if p := s.st.get(tgt, parentID); p != nil {
				return s.st.related(p, inv)
			}
			return nil
		}
	}
	var out []*record
	for _, r := range s.st.all(typ) {
		if r.one(rel) == parentID {
			out = append(out, r)
		}
	}
	return out
}

// reviewable checks that a version has what App Review needs, answering as Apple does: 409
// STATE_ERROR.ENTITY_STATE_INVALID with each missing piece under meta.associatedErrors,
// keyed by the path of the resource that lacks it.
func (s *Server) reviewable(v *record) *httpError {
	associated := map[string]any{}
	add := func(path string, e apiError) {
		list, _ := associated[path].([]apiError)
		associated[path] = append(list, e)
	}
	vpath := s.mdl.selfPath(v.Type, v.ID)
	if v.one("build") == "" {
		add(vpath, entityError("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "You must provide a value for the relationship 'build' with this request", "/data/relationships/build"))
	}
	if v.one("appStoreReviewDetail") == "" {
		add(vpath, entityError("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "You must provide a value for the relationship 'appStoreReviewDetail' with this request", "/data/relationships/appStoreReviewDetail"))
	}
	for _, loc := range s.st.related(v, "appStoreVersionLocalizations") {
		for _, attr := range []string{"description", "keywords", "supportUrl"} {
			if loc.str(attr) == "" {
				add(s.mdl.selfPath(loc.Type, loc.ID), entityError("ENTITY_ERROR.ATTRIBUTE.REQUIRED",
					fmt.Sprintf("You must provide a value for the attribute '%s' with this request", attr), "/data/attributes/"+attr))
			}
		}
	}
	if len(associated) == 0 {
		return nil
	}
	e := newError(http.StatusConflict, "STATE_ERROR.ENTITY_STATE_INVALID",
		fmt.Sprintf("appStoreVersions with id '%s' is not in valid state.", v.ID),
		"This resource cannot be reviewed, please check associated errors to see why.")
	e.Meta = map[string]any{"associatedErrors": associated}
	return errResp(http.StatusConflict, e)
}

// singletons are resources a parent has at most one of (a version's review details), by the
// relationship to that parent. Creating a second is a conflict; resources that replace the
// previous one when created (price schedules, availability) are not listed.
var singletons = map[string]string{
	"appStoreReviewDetails":                  "appStoreVersion",
	"appStoreVersionPhasedReleases":          "appStoreVersion",
	"appStoreVersionSubmissions":             "appStoreVersion",
	"routingAppCoverages":                    "appStoreVersion",
	"inAppPurchaseAppStoreReviewScreenshots": "inAppPurchaseV2",
	"subscriptionAppStoreReviewScreenshots":  "subscription",
}

// beforeCreate refuses a create that would break a rule of the type.
func (s *Server) beforeCreate(doc *resourceDoc) *httpError {
	if v := s.versionOf(doc.Type, doc.Rels); v != nil && !versionEditable(v) {
		return stateError(fmt.Sprintf("The App Store version %s is %s; its metadata can only change while it is being prepared. Create a new version.", v.str("versionString"), v.str("appVersionState")))
	}
	if info := s.infoOf(doc.Type, doc.Rels, nil); info != nil && !infoEditable(info) {
		return infoLocked(info)
	}
	if locale, ok := doc.Attrs["locale"].(string); ok {
		for name, l := range doc.Rels {
			if l.many || len(l.ids) != 1 || len(s.mdl.inverse(doc.Type, name)) == 0 {
				continue
			}
			for _, r := range s.siblings(doc.Type, name, l.ids[0].ID) {
				if r.str("locale") == locale {
					// Apple's detail, as captured from App Store Connect.
					return duplicate(fmt.Sprintf("Entity with locale: '%s' already exists. Try updating.", locale), "/data/attributes/locale")
				}
			}
		}
	}
	if rel, ok := singletons[doc.Type]; ok {
		if l, has := doc.Rels[rel]; has && len(l.ids) == 1 {
			if len(s.siblings(doc.Type, rel, l.ids[0].ID)) > 0 {
				return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
					fmt.Sprintf("%s '%s' already has its %s; update that one instead.", l.ids[0].Type, l.ids[0].ID, doc.Type), "/data/relationships/"+rel)
			}
		}
	}
	switch doc.Type {
	case "appScreenshotSets", "appPreviewSets":
		attr, parentRel := "screenshotDisplayType", "appStoreVersionLocalization"
		if doc.Type == "appPreviewSets" {
			attr = "previewType"
		}
		for name := range doc.Rels {
			parentRel = name
		}
		want, _ := doc.Attrs[attr].(string)
		for _, r := range s.siblings(doc.Type, parentRel, doc.relID(parentRel)) {
			if r.str(attr) == want {
				return duplicate(fmt.Sprintf("A %s with %s %s already exists for this localization.", doc.Type, attr, want), "/data/attributes/"+attr)
			}
		}
	case "appScreenshots", "appPreviews":
		rel, limit := "appScreenshotSet", 10
		if doc.Type == "appPreviews" {
			rel, limit = "appPreviewSet", 3
		}
		if n := len(s.siblings(doc.Type, rel, doc.relID(rel))); n >= limit {
			return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
				fmt.Sprintf("The set already holds %d %s, the most it can hold; delete one first.", n, doc.Type), "/data/relationships/"+rel)
		}
	case "appStoreVersions":
		platform, _ := doc.Attrs["platform"].(string)
		vs, _ := doc.Attrs["versionString"].(string)
		// Apple answers a version that cannot be made now (another is in progress) with its
		// relationship error first and, when the version string is taken too, the duplicate
		// after it, as captured from App Store Connect (and matched by clients such as fastlane).
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
		if len(errs) > 0 {
			return errResp(http.StatusConflict, errs...)
		}
	case "reviewSubmissions":
		platform, _ := doc.Attrs["platform"].(string)
		if platform == "" {
			platform = "IOS"
		}
		for _, r := range s.siblings(doc.Type, "app", doc.relID("app")) {
			if r.str("platform") == platform && slices.Contains([]string{"READY_FOR_REVIEW", "WAITING_FOR_REVIEW", "IN_REVIEW", "UNRESOLVED_ISSUES", "CANCELING"}, r.str("state")) {
				return stateError(fmt.Sprintf("The app already has an open review submission %s (%s) for %s; add items to it.", r.ID, r.str("state"), platform))
			}
		}
	case "reviewSubmissionItems":
		sub := s.st.get("reviewSubmissions", doc.relID("reviewSubmission"))
		if sub != nil && !slices.Contains([]string{"READY_FOR_REVIEW", "UNRESOLVED_ISSUES"}, sub.str("state")) {
			return stateError(fmt.Sprintf("Items cannot be added to a review submission that is %s.", sub.str("state")))
		}
		if v := s.st.get("appStoreVersions", doc.relID("appStoreVersion")); v != nil {
			if herr := s.reviewable(v); herr != nil {
				return herr
			}
		}
		if vid := doc.relID("appStoreVersion"); vid != "" {
			for _, it := range s.siblings(doc.Type, "reviewSubmission", doc.relID("reviewSubmission")) {
				if it.one("appStoreVersion") == vid {
					return duplicate("This App Store version is already an item of the submission.", "/data/relationships/appStoreVersion")
				}
			}
		}
	case "betaTesters":
		email, _ := doc.Attrs["email"].(string)
		for _, r := range s.st.all(doc.Type) {
			if r.str("email") == email {
				return duplicate(fmt.Sprintf("A beta tester with email %s already exists.", email), "/data/attributes/email")
			}
		}
	case "inAppPurchases", "subscriptions", "bundleIds":
		key := "productId"
		if doc.Type == "bundleIds" {
			key = "identifier"
		}
		want, _ := doc.Attrs[key].(string)
		for _, t := range []string{"inAppPurchases", "subscriptions", "bundleIds"} {
			for _, r := range s.st.all(t) {
				if t == doc.Type || (t != "bundleIds" && doc.Type != "bundleIds") {
					if r.str(key) == want && want != "" {
						return duplicate(fmt.Sprintf("The %s '%s' is already used.", key, want), "/data/attributes/"+key)
					}
				}
			}
		}
	case "inAppPurchaseSubmissions", "subscriptionSubmissions":
		rel, typ := "inAppPurchaseV2", "inAppPurchases"
		if doc.Type == "subscriptionSubmissions" {
			rel, typ = "subscription", "subscriptions"
		}
		if p := s.st.get(typ, doc.relID(rel)); p != nil && p.str("state") != "READY_TO_SUBMIT" && p.str("state") != "DEVELOPER_ACTION_NEEDED" && p.str("state") != "REJECTED" {
			return stateError(fmt.Sprintf("%s %s is %s; only a product that is ready to submit can be submitted.", typ, p.str("productId"), p.str("state")))
		}
	case "betaAppReviewSubmissions":
		b := s.st.get("builds", doc.relID("build"))
		if b != nil && b.str("processingState") != "VALID" {
			return stateError(fmt.Sprintf("Build %s is %s; only a VALID build can be submitted for beta review.", b.str("version"), b.str("processingState")))
		}
		for _, r := range s.siblings(doc.Type, "build", doc.relID("build")) {
			if r.str("betaReviewState") != "REJECTED" {
				return stateError("This build has already been submitted for beta review.")
			}
		}
	}
	return nil
}

// afterCreate sets what the server fills in on a new resource and starts its machinery.
func (s *Server) afterCreate(req *apiRequest, r *record) *httpError {
	now := s.stateNow().UTC().Format(time.RFC3339)
	if rt := s.mdl.resource(r.Type); rt != nil {
		if f, ok := rt.Attributes["createdDate"]; ok && f.Format == "date-time" {
			r.Attrs["createdDate"] = now
		}
	}
	if s.isAsset(r.Type) {
		if herr := s.reserveUpload(req, r); herr != nil {
			return herr
		}
	}
	setDefault := func(k string, v any) {
		if _, ok := r.Attrs[k]; !ok {
			r.Attrs[k] = v
		}
	}
	switch r.Type {
	case "appStoreVersions":
		r.Attrs["appVersionState"] = "PREPARE_FOR_SUBMISSION"
		r.Attrs["appStoreState"] = "PREPARE_FOR_SUBMISSION"
		setDefault("releaseType", "AFTER_APPROVAL")
		setDefault("reviewType", "APP_STORE")
		setDefault("downloadable", true)
		s.carryOver(r)
	case "reviewSubmissions":
		setDefault("platform", "IOS")
		r.Attrs["state"] = "READY_FOR_REVIEW"
	case "reviewSubmissionItems":
		r.Attrs["state"] = "READY_FOR_REVIEW"
	case "betaTesters":
		setDefault("inviteType", "EMAIL")
		r.Attrs["state"] = "INVITED"
	case "betaGroups":
		setDefault("isInternalGroup", false)
		setDefault("hasAccessToAllBuilds", false)
		setDefault("publicLinkEnabled", false)
		setDefault("feedbackEnabled", true)
	case "inAppPurchases", "subscriptions":
		r.Attrs["state"] = "MISSING_METADATA"
	case "buildUploads":
		r.Attrs["state"] = map[string]any{"state": "AWAITING_UPLOAD", "errors": []any{}, "warnings": []any{}, "infos": []any{}}
	case "betaAppReviewSubmissions":
		r.Attrs["betaReviewState"] = "WAITING_FOR_REVIEW"
		r.Attrs["submittedDate"] = now
		if b := s.st.get("builds", r.one("build")); b != nil {
			s.setExternalBuildState(b, "WAITING_FOR_BETA_REVIEW")
		}
		s.schedule(s.opts.ReviewDelay, r, "beta.start")
	case "webhooks":
		r.Hidden = map[string]any{"secret": r.Attrs["secret"]}
		delete(r.Attrs, "secret")
	case "webhookPings":
		if wh := s.st.get("webhooks", r.one("webhook")); wh != nil {
			s.deliver(wh, s.newEvent("", "webhookPingCreated", nil, nil))
		}
	case "webhookDeliveries":
		tmpl := s.st.get("webhookDeliveries", r.one("template"))
		if tmpl == nil {
			return notFound("webhookDeliveries", r.one("template"))
		}
		wh := s.st.get("webhooks", stringOf(tmpl.Hidden["webhook"]))
		if wh == nil {
			return notFound("webhooks", stringOf(tmpl.Hidden["webhook"]))
		}
		ev := s.st.get("webhookEvents", tmpl.one("event"))
		if ev == nil {
			return notFound("webhookEvents", tmpl.one("event"))
		}
		s.deliverInto(r, wh, ev, true)
	case "appStoreVersionReleaseRequests":
		if v := s.st.get("appStoreVersions", r.one("appStoreVersion")); v != nil {
			if v.str("appVersionState") != "PENDING_DEVELOPER_RELEASE" {
				return stateError(fmt.Sprintf("Version %s is %s; only a version pending developer release can be released.", v.str("versionString"), v.str("appVersionState")))
			}
			s.goLive(v)
		}
	case "inAppPurchaseSubmissions", "subscriptionSubmissions":
		rel, typ := "inAppPurchaseV2", "inAppPurchases"
		if r.Type == "subscriptionSubmissions" {
			rel, typ = "subscription", "subscriptions"
		}
		if p := s.st.get(typ, r.one(rel)); p != nil {
			p.Attrs["state"] = "WAITING_FOR_REVIEW"
			s.markDirty(p)
			s.schedule(s.opts.ReviewDelay, p, "product.review")
		}
	case "inAppPurchaseLocalizations", "subscriptionLocalizations":
		// A product with a localization has its metadata (the sandbox does not ask for a
		// price or review screenshot) and becomes ready to submit.
		for _, rel := range []string{"inAppPurchaseV2", "subscription"} {
			typ := map[string]string{"inAppPurchaseV2": "inAppPurchases", "subscription": "subscriptions"}[rel]
			if p := s.st.get(typ, r.one(rel)); p != nil && p.str("state") == "MISSING_METADATA" {
				p.Attrs["state"] = "READY_TO_SUBMIT"
				s.markDirty(p)
			}
		}
	case "appStoreVersionPhasedReleases":
		setDefault("phasedReleaseState", "INACTIVE")
		r.Attrs["totalPauseDuration"] = 0
		if v := s.st.get("appStoreVersions", r.one("appStoreVersion")); v != nil && v.str("appVersionState") == "READY_FOR_DISTRIBUTION" {
			s.startPhasedRelease(r)
		}
	case "customerReviewResponses":
		r.Attrs["state"] = "PUBLISHED"
		r.Attrs["lastModifiedDate"] = now
	}
	return nil
}

// carryOver does what App Store Connect does for a new version: it copies the metadata,
// screenshot sets and screenshots of the previous version of the platform (what's new is
// left empty), or starts with the app's primary locale; and it opens an app info to prepare
// when the app has only its live one.
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
	copyAttrs := func(r *record, skip ...string) map[string]any {
		out := map[string]any{}
		for k, val := range r.Attrs {
			if !slices.Contains(skip, k) {
				out[k] = cloneValue(val)
			}
		}
		return out
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
			for _, oldSet := range s.st.related(old, "appScreenshotSets") {
				set := s.st.insert("appScreenshotSets", "", copyAttrs(oldSet))
				s.st.link(set, "appStoreVersionLocalization", loc)
				s.markDirty(set)
				for _, shot := range s.st.related(oldSet, "appScreenshots") {
					if assetState(shot) != "COMPLETE" {
						continue
					}
					c := s.st.insert("appScreenshots", "", copyAttrs(shot))
					s.st.link(c, "appScreenshotSet", set)
					s.markDirty(c)
				}
			}
		}
	}
	var prepared, live *record
	for _, info := range s.siblings("appInfos", "app", app.ID) {
		switch {
		case infoEditable(info):
			prepared = info
		case info.str("state") == "READY_FOR_DISTRIBUTION":
			live = info
		}
	}
	if prepared == nil && live != nil {
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
}

func stringOf(v any) string { s, _ := v.(string); return s }

// beforeUpdate refuses updates the resource's state does not allow.
func (s *Server) beforeUpdate(r *record, doc *resourceDoc) *httpError {
	if s.isAsset(r.Type) {
		if up, _ := doc.Attrs["uploaded"].(bool); up && assetState(r) != "AWAITING_UPLOAD" {
			return stateError(fmt.Sprintf("The asset is %s; it was already committed.", assetState(r)))
		}
	}
	if info := s.infoOf(r.Type, nil, r); info != nil && !infoEditable(info) {
		return infoLocked(info)
	}
	switch r.Type {
	case "appStoreVersions", "appStoreVersionLocalizations":
		v := r
		if r.Type == "appStoreVersionLocalizations" {
			v = s.st.get("appStoreVersions", r.one("appStoreVersion"))
		}
		onlyPromo := len(doc.Rels) == 0
		for k := range doc.Attrs {
			if k != "promotionalText" {
				onlyPromo = false
			}
		}
		if !versionEditable(v) && !onlyPromo {
			return stateError(fmt.Sprintf("The App Store version %s is %s; only promotionalText can change now.", v.str("versionString"), v.str("appVersionState")))
		}
		if l, ok := doc.Rels["build"]; ok && r.Type == "appStoreVersions" && len(l.ids) == 1 {
			if herr := s.checkVersionBuild(r, s.st.get("builds", l.ids[0].ID), "/data/relationships/build"); herr != nil {
				return herr
			}
		}
	case "reviewSubmissions":
		if sub, _ := doc.Attrs["submitted"].(bool); sub {
			if !slices.Contains([]string{"READY_FOR_REVIEW", "UNRESOLVED_ISSUES"}, r.str("state")) {
				return stateError(fmt.Sprintf("The review submission is %s and cannot be submitted.", r.str("state")))
			}
			if len(s.siblings("reviewSubmissionItems", "reviewSubmission", r.ID)) == 0 {
				return stateError("The review submission has no items; add an App Store version to it first.")
			}
			for _, v := range s.submissionVersions(r) {
				if herr := s.reviewable(v); herr != nil {
					return herr
				}
			}
		}
		if c, _ := doc.Attrs["canceled"].(bool); c && !slices.Contains([]string{"WAITING_FOR_REVIEW", "IN_REVIEW", "UNRESOLVED_ISSUES"}, r.str("state")) {
			return stateError(fmt.Sprintf("The review submission is %s and cannot be canceled.", r.str("state")))
		}
	}
	return nil
}

// afterUpdate runs what an update sets in motion: commits, submissions, cancellations.
func (s *Server) afterUpdate(req *apiRequest, r, old *record, doc *resourceDoc) *httpError {
	if s.isAsset(r.Type) {
		if up, _ := doc.Attrs["uploaded"].(bool); up {
			s.commitUpload(r, doc)
		}
		delete(r.Attrs, "uploaded")
	}
	switch r.Type {
	case "reviewSubmissions":
		if sub, _ := doc.Attrs["submitted"].(bool); sub {
			s.submitForReview(r)
		}
		if c, _ := doc.Attrs["canceled"].(bool); c {
			r.Attrs["state"] = "CANCELING"
			s.schedule(s.opts.ReviewDelay/4, r, "review.cancel")
		}
		delete(r.Attrs, "submitted")
		delete(r.Attrs, "canceled")
	case "builds":
		// Expiring a build ends its TestFlight life on both tracks.
		if exp, _ := doc.Attrs["expired"].(bool); exp {
			if d := s.st.get("buildBetaDetails", r.one("buildBetaDetail")); d != nil {
				d.Attrs["internalBuildState"] = "EXPIRED"
				s.markDirty(d)
			}
			s.setExternalBuildState(r, "EXPIRED")
		}
	case "webhooks":
		if sec, ok := r.Attrs["secret"]; ok {
			r.Hidden = map[string]any{"secret": sec}
			delete(r.Attrs, "secret")
		}
	}
	return nil
}

func (s *Server) beforeDelete(r *record) *httpError {
	if info := s.infoOf(r.Type, nil, r); info != nil && !infoEditable(info) {
		return infoLocked(info)
	}
	if v := s.versionOf(r.Type, relsOf(r)); v != nil && !versionEditable(v) {
		return stateError(fmt.Sprintf("The App Store version %s is %s; its metadata cannot be deleted now.", v.str("versionString"), v.str("appVersionState")))
	}
	if r.Type == "appStoreVersions" && !versionEditable(r) {
		return stateError(fmt.Sprintf("Version %s is %s and cannot be deleted.", r.str("versionString"), r.str("appVersionState")))
	}
	if token, ok := r.Hidden["upload"].(string); ok {
		delete(s.uploads, token)
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

// checkRelationshipChange guards relationship writes: an owned list (a set's screenshots)
// can be reordered but not emptied or filled with others' children through PATCH.
func (s *Server) checkRelationshipChange(owner *record, rel, method string, targets []*record) *httpError {
	if owner.Type == "appStoreVersions" && rel == "build" {
		if !versionEditable(owner) {
			return stateError(fmt.Sprintf("Version %s is %s; its build cannot change now.", owner.str("versionString"), owner.str("appVersionState")))
		}
		for _, b := range targets {
			if herr := s.checkVersionBuild(owner, b, "/data"); herr != nil {
				return herr
			}
		}
	}
	if method != http.MethodPatch || !s.mdl.toMany(owner.Type, rel) {
		return nil
	}
	invs := s.mdl.inverse(owner.Type, rel)
	if len(invs) == 0 || s.mdl.toMany(s.mdl.target(owner.Type, rel), invs[0]) {
		return nil
	}
	have := slices.Clone(owner.Rels[rel])
	var want []string
	for _, t := range targets {
		want = append(want, t.ID)
	}
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
			fmt.Sprintf("Send every one of the %d %s of this resource, in the new order.", len(have), rel), "/data")
	}
	return nil
}

// fire applies a timer's action to its resource.
func (s *Server) fire(r *record, action string) {
	switch action {
	case "asset.process":
		s.processAsset(r)
	case "review.start":
		s.reviewStart(r)
	case "review.finish":
		s.reviewFinish(r)
	case "review.cancel":
		s.reviewCancel(r)
	case "build.valid":
		s.buildValid(r)
	case "phased.day":
		s.phasedReleaseDay(r)
	case "product.review":
		// In-app purchases and subscriptions: WAITING_FOR_REVIEW -> IN_REVIEW -> APPROVED
		// (or REJECTED with Options.RejectReviews).
		switch r.str("state") {
		case "WAITING_FOR_REVIEW":
			r.Attrs["state"] = "IN_REVIEW"
			s.schedule(s.opts.ReviewDelay, r, "product.review")
		case "IN_REVIEW":
			r.Attrs["state"] = "APPROVED"
			if s.opts.RejectReviews {
				r.Attrs["state"] = "REJECTED"
			}
		}
	case "beta.start":
		s.betaReviewStep(r, "IN_REVIEW", "IN_BETA_REVIEW", "beta.finish")
	case "beta.finish":
		if s.opts.RejectReviews {
			s.betaReviewStep(r, "REJECTED", "BETA_REJECTED", "")
		} else {
			s.betaReviewStep(r, "APPROVED", "BETA_APPROVED", "")
		}
	}
}
