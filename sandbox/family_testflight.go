package sandbox

import (
	"fmt"
	"time"
)

// TestFlight's people: beta groups (internal, public link, invited) and testers, who are
// invited by email, once each; the app's beta localizations and beta review details; and
// testers' feedback (POST /sandbox/feedback stands in for their devices, feedback.go).

func init() {
	register(&family{
		name: "testflight",
		hooks: []hooks{
			{types: []string{"betaTesters"}, beforeCreate: uniqueTesterEmail, afterCreate: inviteTester},
			{types: []string{"betaGroups"}, afterCreate: newBetaGroup},
		},
		seed:      seedTestFlight,
		seedAfter: []string{"builds"},
	})
}

func uniqueTesterEmail(s *Server, doc *resourceDoc) *httpError {
	email, _ := doc.Attrs["email"].(string)
	for _, r := range s.st.all(doc.Type) {
		if r.str("email") == email {
			return duplicate(fmt.Sprintf("A beta tester with email %s already exists.", email), "/data/attributes/email")
		}
	}
	return nil
}

func inviteTester(_ *Server, _ *apiRequest, r *record) *httpError {
	setDefault(r, "inviteType", "EMAIL")
	r.Attrs["state"] = "INVITED"
	return nil
}

func newBetaGroup(_ *Server, _ *apiRequest, r *record) *httpError {
	setDefault(r, "isInternalGroup", false)
	setDefault(r, "hasAccessToAllBuilds", false)
	setDefault(r, "publicLinkEnabled", false)
	setDefault(r, "feedbackEnabled", true)
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
		fb.Attrs["createdDate"] = stamp(seedEpoch.Add(-time.Duration(i) * 20 * time.Hour))
	}
}
