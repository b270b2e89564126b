package sandbox

import (
	"fmt"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// Builds and TestFlight's build side: a build (PROCESSING, then VALID) on its TestFlight
// train, made when a build upload is processed (family_builduploads.go); beta app review of
// a build; expiring a build; a build's export compliance (usesNonExemptEncryption), answered
// before App Review and kept once a version that uses the build is submitted.

func init() {
	register(&family{
		name: "builds",
		hooks: []hooks{
			{types: []string{"builds"}, beforeUpdate: lockCompliance, afterUpdate: expireBuild},
			{types: []string{"betaAppReviewSubmissions"}, beforeCreate: checkBetaReviewSubmission},
		},
		machines: []*machine{buildMachine, betaReviewMachine},
		seed:     seedBuilds,
	})
}

// buildMachine: processingState.
var buildMachine = &machine{
	types: []string{"builds"}, attr: "processingState",
	rows: []transition{
		{from: "PROCESSING", on: "uploaded", then: "processed", after: buildProcessingDelay},
		{from: "PROCESSING", on: "processed", to: "VALID", do: buildReady},
	},
}

// betaReviewMachine: betaReviewState of a beta app review submission, mirrored on the
// build's externalBuildState.
var betaReviewMachine = &machine{
	types: []string{"betaAppReviewSubmissions"}, attr: "betaReviewState",
	rows: []transition{
		{from: "*", on: "create", to: "WAITING_FOR_REVIEW", do: betaSubmitted, then: "start", after: reviewDelay},
		{from: "WAITING_FOR_REVIEW", on: "start", to: "IN_REVIEW", do: externalState("IN_BETA_REVIEW"), then: "finish", after: reviewDelay},
		{from: "IN_REVIEW", on: "finish", when: rejecting, to: "REJECTED", do: externalState("BETA_REJECTED")},
		{from: "IN_REVIEW", on: "finish", to: "APPROVED", do: externalState("BETA_APPROVED")},
	},
}

func betaSubmitted(s *Server, sub *record) {
	sub.Attrs["submittedDate"] = s.timestamp(sub.Type)
	externalState("WAITING_FOR_BETA_REVIEW")(s, sub)
}

// externalState moves the submission's build's external TestFlight state.
func externalState(state string) func(*Server, *record) {
	return func(s *Server, sub *record) {
		if b := s.st.get("builds", sub.one("build")); b != nil {
			s.setExternalBuildState(b, state)
		}
	}
}

func checkBetaReviewSubmission(s *Server, doc *resourceDoc) *httpError {
	b := s.st.get("builds", doc.relID("build"))
	if b != nil && b.str("processingState") != "VALID" {
		return stateError(fmt.Sprintf("Build %s is %s; only a VALID build can be submitted for beta review.", b.str("version"), b.str("processingState")))
	}
	for _, r := range s.siblings(doc.Type, "build", doc.relID("build")) {
		if r.str("betaReviewState") != "REJECTED" {
			return stateError("This build has already been submitted for beta review.")
		}
	}
	return nil
}

// lockCompliance refuses changing a build's export compliance once a version that uses the
// build has gone to App Review (or out): App Review judged the build with that answer, and
// a different one needs a new build. The same answer again is accepted. No Apple page states
// this lock: Apple's "Modify a build" says only that the PATCH changes the setting, and
// fastlane sets the answer only while it is unset, never changing one.
func lockCompliance(s *Server, r *record, doc *resourceDoc) *httpError {
	want, ok := doc.Attrs["usesNonExemptEncryption"]
	if !ok {
		return nil
	}
	if cur, set := r.Attrs["usesNonExemptEncryption"].(bool); set && want == cur {
		return nil
	}
	for _, v := range s.siblings("appStoreVersions", "build", r.ID) {
		if state := v.str("appVersionState"); !apple.IsEditable(state) {
			return stateError(fmt.Sprintf("The export compliance of build %s cannot be changed: version %s uses it and is %s.", r.str("version"), v.str("versionString"), state))
		}
	}
	return nil
}

// expireBuild: expiring a build ends its TestFlight life on both tracks.
func expireBuild(s *Server, _ *apiRequest, r, _ *record, doc *resourceDoc) *httpError {
	if exp, _ := doc.Attrs["expired"].(bool); exp {
		if d := s.st.get("buildBetaDetails", r.one("buildBetaDetail")); d != nil {
			d.Attrs["internalBuildState"] = "EXPIRED"
			s.markDirty(d)
		}
		s.setExternalBuildState(r, "EXPIRED")
	}
	return nil
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

// makeBuild makes the build of a processed upload (PROCESSING, VALID after
// BuildProcessingDelay) on its train.
func (s *Server) makeBuild(up *record) {
	app := s.st.get("apps", up.one("app"))
	now := s.stateNow().UTC()
	b := s.st.insert("builds", "", map[string]any{
		"version":                 up.str("cfBundleVersion"),
		"uploadedDate":            appleTime("builds", now),
		"expirationDate":          appleTime("builds", now.Add(90*24*time.Hour)),
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
	s.send(b, "uploaded")
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

// buildReady: a VALID build is ready for testing inside the team and for beta review.
func buildReady(s *Server, b *record) {
	if d := s.st.get("buildBetaDetails", b.one("buildBetaDetail")); d != nil {
		d.Attrs["internalBuildState"] = "READY_FOR_BETA_TESTING"
		s.markDirty(d)
		s.setExternalBuildState(b, "READY_FOR_BETA_SUBMISSION")
	}
	if up := s.st.get("buildUploads", b.one("buildUpload")); up != nil {
		s.send(up, "buildReady")
	}
}

// seedBuilds: the app's TestFlight trains and builds (the newest three with a What to Test
// and a build upload), every fifth approved in beta review, and those past 90 days expired.
func seedBuilds(sd seeder, d *demo) {
	a, app := d.spec, d.app
	trains := map[string]*record{}
	for _, t := range a.trains {
		trains[t] = sd.add("preReleaseVersions", map[string]any{"version": t, "platform": "IOS"}, "app", app)
	}
	for i := 1; i <= a.builds; i++ {
		train := a.trains[(i-1)*len(a.trains)/a.builds]
		uploaded := seedEpoch.Add(-time.Duration(a.builds-i) * 12 * time.Hour)
		expired := seedEpoch.Sub(uploaded) > 90*24*time.Hour
		b := sd.add("builds", map[string]any{
			"version": fmt.Sprint(i), "uploadedDate": stamp(uploaded), "expirationDate": stamp(uploaded.Add(90 * 24 * time.Hour)),
			"expired": expired, "minOsVersion": "17.0", "processingState": "VALID", "buildAudienceType": "APP_STORE_ELIGIBLE",
			"usesNonExemptEncryption": false, "computedMinMacOsVersion": "14.0", "computedMinVisionOsVersion": "1.0",
			"iconAssetToken": map[string]any{"templateUrl": "https://example.com/demo-assets/" + a.sku + "/icon/{w}x{h}bb.{f}", "width": 1024, "height": 1024},
		}, "app", app, "preReleaseVersion", trains[train])
		external := "READY_FOR_BETA_SUBMISSION"
		internal := "IN_BETA_TESTING"
		if expired {
			external, internal = "EXPIRED", "EXPIRED"
		} else if i%5 == 0 {
			external = "BETA_APPROVED"
		}
		det := sd.add("buildBetaDetails", map[string]any{"autoNotifyEnabled": true, "internalBuildState": internal, "externalBuildState": external})
		sd.s.st.link(b, "buildBetaDetail", det)
		if external == "BETA_APPROVED" {
			sd.add("betaAppReviewSubmissions", map[string]any{"betaReviewState": "APPROVED", "submittedDate": stamp(uploaded.Add(time.Hour))}, "build", b)
		}
		if i > a.builds-3 {
			sd.add("betaBuildLocalizations", map[string]any{"locale": "en-US", "whatsNew": fmt.Sprintf("Build %d: try the new focus timer.", i)}, "build", b)
			up := sd.add("buildUploads", map[string]any{"cfBundleShortVersionString": train, "cfBundleVersion": fmt.Sprint(i), "platform": "IOS",
				"createdDate": stamp(uploaded.Add(-10 * time.Minute)), "uploadedDate": stamp(uploaded),
				"state": map[string]any{"state": "COMPLETE", "errors": []any{}, "warnings": []any{}, "infos": []any{}}}, "app", app)
			sd.s.st.link(up, "build", b)
		}
		d.builds = append(d.builds, b)
	}
}
