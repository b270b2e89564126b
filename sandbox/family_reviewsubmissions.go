package sandbox

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// App Review: a review submission per app and platform collects items (App Store versions);
// submitted, it waits, is reviewed, and ends COMPLETE with its versions approved (released by
// their releaseType) or UNRESOLVED_ISSUES with them rejected (Options.RejectReviews). It can
// be cancelled once submitted (waiting for review, in review, or with unresolved issues: App
// Store Connect Help's "Cancel a submission" works on an In Progress submission, those with
// unresolved issues included, and fastlane's reject_if_possible cancels these three; not one
// cancelling or complete): it is CANCELING for a while, then COMPLETE with its items REMOVED.
// A draft READY_FOR_REVIEW is refused too, which no Apple page confirms (Apple documents no
// cancel of a draft; some third-party tools send it one); ascend never cancels a draft. A
// version must be reviewable to be an item.

func init() {
	register(&family{
		name: "reviewsubmissions",
		hooks: []hooks{
			{types: []string{"reviewSubmissions"}, beforeCreate: oneOpenSubmission, afterCreate: newSubmission,
				beforeUpdate: checkSubmissionUpdate, afterUpdate: submissionUpdated},
			{types: []string{"reviewSubmissionItems"}, beforeCreate: checkSubmissionItem},
		},
		machines:  []*machine{submissionMachine, submissionItemMachine},
		seed:      seedReviewSubmissions,
		seedAfter: []string{"versions"},
	})
}

// submissionMachine: a review submission's state; its items and versions follow.
var submissionMachine = &machine{
	types: []string{"reviewSubmissions"}, attr: "state",
	rows: []transition{
		{from: "*", on: "create", to: "READY_FOR_REVIEW"},
		{from: "READY_FOR_REVIEW|UNRESOLVED_ISSUES", on: "submit", to: "WAITING_FOR_REVIEW", do: submitted, then: "start", after: reviewDelay},
		{from: "WAITING_FOR_REVIEW", on: "start", to: "IN_REVIEW", do: toVersions("reviewStarted"), then: "finish", after: reviewDelay},
		{from: "IN_REVIEW", on: "finish", when: rejecting, to: "UNRESOLVED_ISSUES", do: toItemsAndVersions("rejected")},
		{from: "IN_REVIEW", on: "finish", to: "COMPLETE", do: toItemsAndVersions("approved")},
		{from: "WAITING_FOR_REVIEW|IN_REVIEW|UNRESOLVED_ISSUES", on: "cancel", to: "CANCELING", then: "canceled", after: cancelDelay},
		// A cancelled submission is done with, as App Store Connect leaves one: COMPLETE with
		// its items REMOVED (the next submission is a new one); a version it took back from
		// App Review is DEVELOPER_REJECTED, a rejected one stays REJECTED.
		{from: "CANCELING", on: "canceled", to: "COMPLETE", do: toItemsAndVersions("canceled")},
	},
}

// submissionItemMachine: an item's state, moved by its submission.
var submissionItemMachine = &machine{
	types: []string{"reviewSubmissionItems"}, attr: "state",
	rows: []transition{
		{from: "*", on: "create", to: "READY_FOR_REVIEW"},
		{from: "*", on: "submitted", to: "READY_FOR_REVIEW"},
		{from: "*", on: "approved", to: "APPROVED"},
		{from: "*", on: "rejected", to: "REJECTED"},
		{from: "*", on: "canceled", to: "REMOVED"},
	},
}

// cancelDelay: canceling takes a quarter of a review step.
func cancelDelay(o *Options) time.Duration { return o.ReviewDelay / 4 }

func submitted(s *Server, sub *record) {
	sub.Attrs["submittedDate"] = s.timestamp(sub.Type)
	toItemsAndVersions("submitted")(s, sub)
}

func toVersions(event string) func(*Server, *record) {
	return func(s *Server, sub *record) { s.sendAll(s.submissionVersions(sub), event) }
}

func toItemsAndVersions(event string) func(*Server, *record) {
	return func(s *Server, sub *record) {
		s.sendAll(s.siblings("reviewSubmissionItems", "reviewSubmission", sub.ID), event)
		s.sendAll(s.submissionVersions(sub), event)
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

// openSubmissionStates are the states of a submission that is still open for its platform.
var openSubmissionStates = []string{"READY_FOR_REVIEW", "WAITING_FOR_REVIEW", "IN_REVIEW", "UNRESOLVED_ISSUES", "CANCELING"}

func oneOpenSubmission(s *Server, doc *resourceDoc) *httpError {
	platform, _ := doc.Attrs["platform"].(string)
	if platform == "" {
		platform = "IOS"
	}
	for _, r := range s.siblings(doc.Type, "app", doc.relID("app")) {
		if r.str("platform") == platform && slices.Contains(openSubmissionStates, r.str("state")) {
			return stateError(fmt.Sprintf("The app already has an open review submission %s (%s) for %s; add items to it.", r.ID, r.str("state"), platform))
		}
	}
	return nil
}

func newSubmission(_ *Server, _ *apiRequest, r *record) *httpError {
	setDefault(r, "platform", "IOS")
	return nil
}

func checkSubmissionItem(s *Server, doc *resourceDoc) *httpError {
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
	return nil
}

func checkSubmissionUpdate(s *Server, r *record, doc *resourceDoc) *httpError {
	if sub, _ := doc.Attrs["submitted"].(bool); sub {
		if !s.can(r, "submit") {
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
	if c, _ := doc.Attrs["canceled"].(bool); c && !s.can(r, "cancel") {
		return stateError(fmt.Sprintf("The review submission is %s and cannot be canceled.", r.str("state")))
	}
	return nil
}

func submissionUpdated(s *Server, _ *apiRequest, r, _ *record, doc *resourceDoc) *httpError {
	if sub, _ := doc.Attrs["submitted"].(bool); sub {
		s.send(r, "submit")
	}
	if c, _ := doc.Attrs["canceled"].(bool); c {
		s.send(r, "cancel")
	}
	delete(r.Attrs, "submitted")
	delete(r.Attrs, "canceled")
	return nil
}

// reviewable checks that a version has what App Review needs (a build with its export
// compliance answered, review details, the app's content rights declaration, each
// localization's description, keywords and support URL), answering as Apple does: 409
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
	if b := s.st.get("builds", v.one("build")); b != nil {
		if _, answered := b.Attrs["usesNonExemptEncryption"].(bool); !answered {
			add(s.mdl.selfPath(b.Type, b.ID), entityError("ENTITY_ERROR.ATTRIBUTE.REQUIRED",
				"You must provide a value for the attribute 'usesNonExemptEncryption' with this request", "/data/attributes/usesNonExemptEncryption"))
		}
	}
	if app := s.st.get("apps", v.one("app")); app != nil && app.str("contentRightsDeclaration") == "" {
		add(s.mdl.selfPath(app.Type, app.ID), entityError("ENTITY_ERROR.ATTRIBUTE.REQUIRED",
			"You must provide a value for the attribute 'contentRightsDeclaration' with this request", "/data/attributes/contentRightsDeclaration"))
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

// seedReviewSubmissions: the versions live, waiting for review or rejected came through a
// review submission, which shows its outcome.
func seedReviewSubmissions(sd seeder, d *demo) {
	for vi, v := range d.spec.versions {
		state, ok := map[string]string{"READY_FOR_DISTRIBUTION": "COMPLETE", "WAITING_FOR_REVIEW": "WAITING_FOR_REVIEW", "REJECTED": "UNRESOLVED_ISSUES"}[v.state]
		if !ok {
			continue
		}
		itemState := map[string]string{"COMPLETE": "APPROVED", "WAITING_FOR_REVIEW": "READY_FOR_REVIEW", "UNRESOLVED_ISSUES": "REJECTED"}[state]
		sub := sd.add("reviewSubmissions", map[string]any{"platform": v.platform, "state": state, "submittedDate": stamp(d.versionCreated(vi).Add(48 * time.Hour))}, "app", d.app)
		sd.add("reviewSubmissionItems", map[string]any{"state": itemState}, "reviewSubmission", sub, "appStoreVersion", d.versions[vi])
	}
}
