package sandbox

import (
	"slices"
	"time"
)

// The state machines workflows wait on. Every step is a timer on the sandbox clock, so a
// test drives them with a fake clock or Server.Advance instead of sleeping.

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

// setVersionState moves an App Store version and tells the app's webhooks.
func (s *Server) setVersionState(v *record, state string) {
	old := v.str("appVersionState")
	if old == state {
		return
	}
	v.Attrs["appVersionState"] = state
	v.Attrs["appStoreState"] = appStoreStateFor(state)
	s.markDirty(v)
	s.followVersion(v, state)
	s.emit(v.one("app"), "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED", "appStoreVersionAppVersionStateUpdated", v,
		map[string]any{"oldValue": old, "newValue": state})
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

func (s *Server) submissionVersions(sub *record) []*record {
	var out []*record
	for _, it := range s.siblings("reviewSubmissionItems", "reviewSubmission", sub.ID) {
		if v := s.st.get("appStoreVersions", it.one("appStoreVersion")); v != nil {
			out = append(out, v)
		}
	}
	return out
}

func (s *Server) setItemsState(sub *record, state string) {
	for _, it := range s.siblings("reviewSubmissionItems", "reviewSubmission", sub.ID) {
		it.Attrs["state"] = state
		s.markDirty(it)
	}
}

// submitForReview: READY_FOR_REVIEW -> WAITING_FOR_REVIEW, then IN_REVIEW after ReviewDelay.
func (s *Server) submitForReview(sub *record) {
	sub.Attrs["state"] = "WAITING_FOR_REVIEW"
	sub.Attrs["submittedDate"] = s.stateNow().UTC().Format(time.RFC3339)
	s.setItemsState(sub, "READY_FOR_REVIEW")
	for _, v := range s.submissionVersions(sub) {
		s.setVersionState(v, "WAITING_FOR_REVIEW")
	}
	s.schedule(s.opts.ReviewDelay, sub, "review.start")
}

func (s *Server) reviewStart(sub *record) {
	if sub.str("state") != "WAITING_FOR_REVIEW" {
		return
	}
	sub.Attrs["state"] = "IN_REVIEW"
	for _, v := range s.submissionVersions(sub) {
		s.setVersionState(v, "IN_REVIEW")
	}
	s.schedule(s.opts.ReviewDelay, sub, "review.finish")
}

// reviewFinish ends App Review: COMPLETE with the versions approved (released according to
// their releaseType), or UNRESOLVED_ISSUES with them rejected when Options.RejectReviews.
func (s *Server) reviewFinish(sub *record) {
	if sub.str("state") != "IN_REVIEW" {
		return
	}
	if s.opts.RejectReviews {
		sub.Attrs["state"] = "UNRESOLVED_ISSUES"
		s.setItemsState(sub, "REJECTED")
		for _, v := range s.submissionVersions(sub) {
			s.setVersionState(v, "REJECTED")
		}
		return
	}
	sub.Attrs["state"] = "COMPLETE"
	s.setItemsState(sub, "APPROVED")
	for _, v := range s.submissionVersions(sub) {
		switch v.str("releaseType") {
		case "MANUAL":
			s.setVersionState(v, "PENDING_DEVELOPER_RELEASE")
		case "SCHEDULED":
			if t, err := time.Parse(time.RFC3339, v.str("earliestReleaseDate")); err == nil && t.After(s.stateNow()) {
				s.setVersionState(v, "PENDING_APPLE_RELEASE")
				continue
			}
			s.goLive(v)
		default:
			s.goLive(v)
		}
	}
}

func (s *Server) reviewCancel(sub *record) {
	if sub.str("state") != "CANCELING" {
		return
	}
	sub.Attrs["state"] = "READY_FOR_REVIEW"
	for _, v := range s.submissionVersions(sub) {
		s.setVersionState(v, "DEVELOPER_REJECTED")
	}
}

// goLive makes a version the one on the App Store, replacing the previous live version.
func (s *Server) goLive(v *record) {
	for _, other := range s.siblings("appStoreVersions", "app", v.one("app")) {
		if other != v && other.str("platform") == v.str("platform") && other.str("appVersionState") == "READY_FOR_DISTRIBUTION" {
			s.setVersionState(other, "REPLACED_WITH_NEW_VERSION")
		}
	}
	s.setVersionState(v, "READY_FOR_DISTRIBUTION")
	if pr := s.st.get("appStoreVersionPhasedReleases", v.one("appStoreVersionPhasedRelease")); pr != nil && pr.str("phasedReleaseState") == "INACTIVE" {
		s.startPhasedRelease(pr)
	}
}

// A phased release reaches more users each day over seven days, then completes; a paused
// one waits (its pause counting in totalPauseDuration) until it is active again.
func (s *Server) startPhasedRelease(pr *record) {
	pr.Attrs["phasedReleaseState"] = "ACTIVE"
	pr.Attrs["startDate"] = s.stateNow().UTC().Format(time.RFC3339)
	pr.Attrs["currentDayNumber"] = 1
	s.markDirty(pr)
	s.schedule(24*time.Hour, pr, "phased.day")
}

func (s *Server) phasedReleaseDay(pr *record) {
	switch pr.str("phasedReleaseState") {
	case "ACTIVE":
		day := hiddenOrAttrInt(pr, "currentDayNumber") + 1
		if day > 7 {
			pr.Attrs["phasedReleaseState"] = "COMPLETE"
			return
		}
		pr.Attrs["currentDayNumber"] = day
	case "PAUSED":
		pr.Attrs["totalPauseDuration"] = hiddenOrAttrInt(pr, "totalPauseDuration") + 1
	default:
		return
	}
	s.schedule(24*time.Hour, pr, "phased.day")
}

func hiddenOrAttrInt(r *record, key string) int {
	switch v := r.Attrs[key].(type) {
	case int:
		return v
	case float64:
		return int(v)
	}
	return 0
}

// setExternalBuildState moves a build's external TestFlight state and tells the webhooks.
func (s *Server) setExternalBuildState(b *record, state string) {
	d := s.st.get("buildBetaDetails", b.one("buildBetaDetail"))
	if d == nil {
		return
	}
	old := d.str("externalBuildState")
	if old == state {
		return
	}
	d.Attrs["externalBuildState"] = state
	s.markDirty(d)
	s.emit(b.one("app"), "BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED", "buildBetaDetailExternalBuildStateUpdated", d,
		map[string]any{"oldValue": old, "newValue": state})
}

func (s *Server) betaReviewStep(sub *record, reviewState, buildState, next string) {
	if slices.Contains([]string{"APPROVED", "REJECTED"}, sub.str("betaReviewState")) {
		return
	}
	sub.Attrs["betaReviewState"] = reviewState
	if b := s.st.get("builds", sub.one("build")); b != nil {
		s.setExternalBuildState(b, buildState)
	}
	if next != "" {
		s.schedule(s.opts.ReviewDelay, sub, next)
	}
}

// afterAssetProcessed: when every file of a build upload is COMPLETE, the build appears
// (PROCESSING) and turns VALID after BuildProcessingDelay.
func (s *Server) afterAssetProcessed(r *record) {
	if r.Type != "buildUploadFiles" {
		return
	}
	up := s.st.get("buildUploads", r.one("buildUpload"))
	if up == nil || up.one("build") != "" {
		return
	}
	for _, f := range s.siblings("buildUploadFiles", "buildUpload", up.ID) {
		if assetState(f) != "COMPLETE" {
			return
		}
	}
	s.setBuildUploadState(up, "PROCESSING")
	app := s.st.get("apps", up.one("app"))
	now := s.stateNow().UTC()
	b := s.st.insert("builds", "", map[string]any{
		"version":                 up.str("cfBundleVersion"),
		"uploadedDate":            now.Format(time.RFC3339),
		"expirationDate":          now.Add(90 * 24 * time.Hour).Format(time.RFC3339),
		"expired":                 false,
		"minOsVersion":            "17.0",
		"processingState":         "PROCESSING",
		"buildAudienceType":       "APP_STORE_ELIGIBLE",
		"usesNonExemptEncryption": false,
	})
	if app != nil {
		s.st.link(b, "app", app)
		s.st.link(b, "preReleaseVersion", s.preReleaseVersion(app, up.str("cfBundleShortVersionString"), up.str("platform")))
	}
	s.st.link(up, "build", b)
	d := s.st.insert("buildBetaDetails", "", map[string]any{"autoNotifyEnabled": false, "internalBuildState": "PROCESSING", "externalBuildState": "PROCESSING"})
	s.st.link(b, "buildBetaDetail", d)
	s.markDirty(b)
	s.markDirty(d)
	s.markDirty(up)
	s.schedule(s.opts.BuildProcessingDelay, b, "build.valid")
}

// preReleaseVersion finds or makes the TestFlight version (train) a build belongs to.
func (s *Server) preReleaseVersion(app *record, version, platform string) *record {
	if platform == "" {
		platform = "IOS"
	}
	for _, p := range s.siblings("preReleaseVersions", "app", app.ID) {
		if p.str("version") == version && p.str("platform") == platform {
			return p
		}
	}
	p := s.st.insert("preReleaseVersions", "", map[string]any{"version": version, "platform": platform})
	s.st.link(p, "app", app)
	s.markDirty(p)
	return p
}

func (s *Server) setBuildUploadState(up *record, state string) {
	st, _ := up.Attrs["state"].(map[string]any)
	old, _ := st["state"].(string)
	if old == state {
		return
	}
	up.Attrs["state"] = map[string]any{"state": state, "errors": []any{}, "warnings": []any{}, "infos": []any{}}
	if state == "COMPLETE" || state == "PROCESSING" {
		if _, ok := up.Attrs["uploadedDate"]; !ok {
			up.Attrs["uploadedDate"] = s.stateNow().UTC().Format(time.RFC3339)
		}
	}
	s.markDirty(up)
	s.emit(up.one("app"), "BUILD_UPLOAD_STATE_UPDATED", "buildUploadStateUpdated", up,
		map[string]any{"oldValue": old, "newValue": state})
}

func (s *Server) buildValid(b *record) {
	if b.str("processingState") != "PROCESSING" {
		return
	}
	b.Attrs["processingState"] = "VALID"
	if d := s.st.get("buildBetaDetails", b.one("buildBetaDetail")); d != nil {
		d.Attrs["internalBuildState"] = "READY_FOR_BETA_TESTING"
		s.markDirty(d)
		s.setExternalBuildState(b, "READY_FOR_BETA_SUBMISSION")
	}
	if up := s.st.get("buildUploads", b.one("buildUpload")); up != nil {
		s.setBuildUploadState(up, "COMPLETE")
	}
}
