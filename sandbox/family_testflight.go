package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// TestFlight's people: beta groups (internal, public link, invited) and testers, who are
// invited by email, once each; the app's beta localizations and beta review details; and
// testers' feedback (POST /sandbox/feedback stands in for their devices, feedback.go).

func init() {
	register(&family{
		name: "testflight",
		hooks: []hooks{
			{types: []string{"betaTesters"}, beforeCreate: checkNewTester, afterCreate: inviteTester},
			{types: []string{"betaGroups"}, beforeCreate: checkGroupCreate, afterCreate: newBetaGroup,
				beforeUpdate: checkGroupUpdate, afterUpdate: updatedBetaGroup, beforeLink: checkGroupTesters},
			{types: []string{"betaTesterInvitations"}, beforeCreate: checkInvitation, afterCreate: invited},
			{types: []string{"betaBuildLocalizations"},
				beforeCreate: createTextLimits, beforeUpdate: updateTextLimits},
		},
		seed:      seedTestFlight,
		seedAfter: []string{"builds"},
	})
}

// checkNewTester: one tester per email in the team; testers created through the API go to
// external groups (internal testers are App Store Connect users); the app's external
// testers are capped.
func checkNewTester(s *Server, doc *resourceDoc) *httpError {
	email, _ := doc.Attrs["email"].(string)
	for _, r := range s.st.all(doc.Type) {
		if strings.EqualFold(r.str("email"), email) {
			return duplicate(fmt.Sprintf("A beta tester with email %s already exists.", email), "/data/attributes/email")
		}
	}
	for _, g := range doc.Rels["betaGroups"].ids {
		grp := s.st.get("betaGroups", g.ID)
		if grp == nil {
			continue
		}
		if b, _ := grp.Attrs["isInternalGroup"].(bool); b {
			return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
				fmt.Sprintf("'%s' is an internal group; its testers are App Store Connect users, added in Users and Access.", grp.str("name")), "/data/relationships/betaGroups")
		}
		if n := len(s.siblings("betaTesters", "apps", grp.one("app"))); n >= apple.MaxExternalTesters {
			return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
				fmt.Sprintf("The app has %d testers, the most TestFlight allows.", n), "/data/relationships/betaGroups")
		}
	}
	return nil
}

// inviteTester: a new tester is invited by email and becomes a tester of its groups' apps.
func inviteTester(s *Server, _ *apiRequest, r *record) *httpError {
	setDefault(r, "inviteType", "EMAIL")
	r.Attrs["state"] = "INVITED"
	for _, gid := range r.Rels["betaGroups"] {
		if g := s.st.get("betaGroups", gid); g != nil {
			if app := s.st.get("apps", g.one("app")); app != nil {
				s.st.link(r, "apps", app)
			}
		}
	}
	return nil
}

func checkGroupCreate(s *Server, doc *resourceDoc) *httpError {
	internal, _ := doc.Attrs["isInternalGroup"].(bool)
	return checkPublicLink(doc, internal)
}

func checkGroupUpdate(s *Server, r *record, doc *resourceDoc) *httpError {
	internal, _ := r.Attrs["isInternalGroup"].(bool)
	return checkPublicLink(doc, internal)
}

// checkPublicLink: internal groups have no public link; a link's limit is 1 to 10,000.
func checkPublicLink(doc *resourceDoc, internal bool) *httpError {
	if on, _ := doc.Attrs["publicLinkEnabled"].(bool); on && internal {
		return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			"An internal group cannot have a public link.", "/data/attributes/publicLinkEnabled")
	}
	if v, ok := doc.Attrs["publicLinkLimit"].(float64); ok && (v < 1 || v > apple.MaxPublicLinkLimit || v != float64(int(v))) {
		return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			fmt.Sprintf("publicLinkLimit must be a whole number from 1 to %d.", apple.MaxPublicLinkLimit), "/data/attributes/publicLinkLimit")
	}
	return nil
}

func newBetaGroup(s *Server, _ *apiRequest, r *record) *httpError {
	setDefault(r, "isInternalGroup", false)
	setDefault(r, "hasAccessToAllBuilds", false)
	setDefault(r, "publicLinkEnabled", false)
	setDefault(r, "feedbackEnabled", true)
	publicLink(r)
	return nil
}

func updatedBetaGroup(s *Server, _ *apiRequest, r, _ *record, _ *resourceDoc) *httpError {
	publicLink(r)
	return nil
}

// publicLink gives a group whose link is on its link (kept when it is turned off and on).
func publicLink(r *record) {
	if on, _ := r.Attrs["publicLinkEnabled"].(bool); !on || r.str("publicLinkId") != "" {
		return
	}
	linkID := strings.ReplaceAll(newUUID(), "-", "")[:8]
	r.Attrs["publicLinkId"] = linkID
	r.Attrs["publicLink"] = "https://testflight.apple.com/join/" + linkID
}

// checkGroupTesters: testers added to an internal group through the API are refused.
func checkGroupTesters(s *Server, owner *record, rel, method string, targets []*record) *httpError {
	if rel != "betaTesters" || method != "POST" {
		return nil
	}
	if internal, _ := owner.Attrs["isInternalGroup"].(bool); internal {
		return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
			fmt.Sprintf("'%s' is an internal group; its testers are App Store Connect users, added in Users and Access.", owner.str("name")), "/data")
	}
	return nil
}

// checkInvitation: only a tester of the app can be invited to it.
func checkInvitation(s *Server, doc *resourceDoc) *httpError {
	t := s.st.get("betaTesters", doc.relID("betaTester"))
	if t == nil {
		return nil
	}
	app := doc.relID("app")
	for _, gid := range t.Rels["betaGroups"] {
		if g := s.st.get("betaGroups", gid); g != nil && g.one("app") == app {
			return nil
		}
	}
	return conflict("ENTITY_ERROR.RELATIONSHIP.INVALID", entityTitles["ENTITY_ERROR.RELATIONSHIP.INVALID"],
		fmt.Sprintf("The beta tester %s is not in any of the app's beta groups.", t.str("email")), "/data/relationships/betaTester")
}

// invited: the invitation is sent again; a tester who has not accepted is INVITED.
func invited(s *Server, _ *apiRequest, r *record) *httpError {
	if t := s.st.get("betaTesters", r.one("betaTester")); t != nil && t.str("state") != "ACCEPTED" && t.str("state") != "INSTALLED" {
		t.Attrs["state"] = "INVITED"
		s.markDirty(t)
	}
	return nil
}

// seedTestFlight: three beta groups (internal, a public link with the newest ten builds,
// design partners with the newest three), testers spread over them, the beta localization
// and review details, and, for the first app, five pieces of feedback.
func seedTestFlight(sd seeder, d *demo) {
	a, app, n, builds := d.spec, d.app, d.n, d.builds
	internal := sd.add("betaGroups", map[string]any{"name": "Internal Testers", "isInternalGroup": true, "hasAccessToAllBuilds": true,
		"publicLinkEnabled": false, "feedbackEnabled": true, "createdDate": stamp(seedEpoch.Add(-400 * day))}, "app", app)
	public := sd.add("betaGroups", map[string]any{"name": "Public Beta", "isInternalGroup": false, "hasAccessToAllBuilds": false,
		"publicLinkEnabled": true, "publicLinkId": fmt.Sprintf("pUbL1nk%d", n), "publicLink": fmt.Sprintf("https://testflight.apple.com/join/pUbL1nk%d", n),
		"publicLinkLimitEnabled": true, "publicLinkLimit": 1000, "feedbackEnabled": true, "createdDate": stamp(seedEpoch.Add(-200 * day))}, "app", app)
	partners := sd.add("betaGroups", map[string]any{"name": "Design Partners", "isInternalGroup": false, "hasAccessToAllBuilds": false,
		"publicLinkEnabled": false, "feedbackEnabled": true, "createdDate": stamp(seedEpoch.Add(-100 * day))}, "app", app)
	for i, b := range builds {
		if i >= len(builds)-10 {
			sd.s.st.link(public, "builds", b)
		}
		if i >= len(builds)-3 {
			sd.s.st.link(partners, "builds", b)
		}
	}
	firstNames := []string{"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Tim", "Frances", "Guido", "Hedy", "Edsger"}
	lastNames := []string{"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Perlman", "Berners-Lee", "Allen", "van Rossum", "Lamarr", "Dijkstra"}
	testers := 15
	if n > 0 {
		testers = 4
	}
	for i := range testers {
		state := []string{"INSTALLED", "ACCEPTED", "INVITED"}[i%3]
		t := sd.add("betaTesters", map[string]any{
			"firstName": firstNames[i], "lastName": lastNames[i], "email": fmt.Sprintf("%s.%d@example.com", lowerASCII(firstNames[i]), n),
			"inviteType": "EMAIL", "state": state, "appDevices": []any{},
		}, "apps", app)
		group := []*record{internal, public, partners}[i%3]
		sd.s.st.link(t, "betaGroups", group)
	}
	sd.add("betaAppLocalizations", map[string]any{"locale": "en-US", "description": "Help us test " + a.name + ".", "feedbackEmail": "beta@example.com",
		"marketingUrl": "https://example.com/" + a.sku, "privacyPolicyUrl": "https://example.com/" + a.sku + "/privacy"}, "app", app)
	sd.add("betaAppReviewDetails", map[string]any{"contactFirstName": "Sam", "contactLastName": "Reviewer", "contactEmail": "review@example.com",
		"contactPhone": "+1 555 0100", "demoAccountRequired": true, "demoAccountName": "tester@example.com", "demoAccountPassword": "demo-password",
		"notes": "Sign in with the demo account."}, "app", app)
	if n != 0 {
		return
	}
	for i, kind := range []string{"screenshot", "screenshot", "crash", "screenshot", "crash"} {
		fb, _ := sd.s.addFeedback(feedbackRequest{App: app.ID, Kind: kind, Comment: fmt.Sprintf("Feedback %d from the demo testers.", i+1)})
		fb.Attrs["createdDate"] = appleTime(fb.Type, seedEpoch.Add(-time.Duration(i)*20*time.Hour-time.Duration(i*613)*time.Second))
	}
}
