package sandbox

import (
	"strings"
	"testing"
)

func TestTestFlightRules(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.quiethours"))
	internal := findOne(t, c, "/v1/apps/"+app+"/betaGroups", "name", "Internal Testers")
	partners := findOne(t, c, "/v1/apps/"+app+"/betaGroups", "name", "Design Partners")
	newGroup := func(attrs map[string]any) *response {
		return c.do("POST", "/v1/betaGroups", resource("betaGroups", "", attrs, map[string]any{"app": [2]string{"apps", app}}))
	}
	// A public link comes with its URL; its limit is 1 to 10,000; internal groups have none.
	g := newGroup(map[string]any{"name": "QA", "publicLinkEnabled": true, "publicLinkLimitEnabled": true, "publicLinkLimit": 25}).must(t, 201).data()
	if link, _ := attr(g, "publicLink").(string); !strings.HasPrefix(link, "https://testflight.apple.com/join/") || attr(g, "publicLinkId") == nil {
		t.Errorf("public link %v", attr(g, "publicLink"))
	}
	for _, bad := range []map[string]any{
		{"name": "Big", "publicLinkEnabled": true, "publicLinkLimitEnabled": true, "publicLinkLimit": 10001},
		{"name": "Zero", "publicLinkEnabled": true, "publicLinkLimitEnabled": true, "publicLinkLimit": 0},
		{"name": "Inside", "isInternalGroup": true, "publicLinkEnabled": true},
	} {
		if r := newGroup(bad).must(t, 409); r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" {
			t.Errorf("%v: %s", bad, r.body)
		}
	}
	later := newGroup(map[string]any{"name": "Later"}).must(t, 201).data()
	if attr(later, "publicLink") != nil {
		t.Errorf("a group without a link has %v", attr(later, "publicLink"))
	}
	on := c.do("PATCH", "/v1/betaGroups/"+id(later), resource("betaGroups", id(later), map[string]any{"publicLinkEnabled": true}, nil)).must(t, 200).data()
	if attr(on, "publicLink") == nil {
		t.Error("turning the link on gives no link")
	}

	// Testers made through the API join external groups and the app; internal groups refuse them.
	tester := c.do("POST", "/v1/betaTesters", resource("betaTesters", "", map[string]any{"email": "new@example.com"},
		map[string]any{"betaGroups": [][2]string{{"betaGroups", id(partners)}}})).must(t, 201).data()
	findOne(t, c, "/v1/betaTesters?filter[apps]="+app, "email", "new@example.com")
	c.do("POST", "/v1/betaTesters", resource("betaTesters", "", map[string]any{"email": "inside@example.com"},
		map[string]any{"betaGroups": [][2]string{{"betaGroups", id(internal)}}})).must(t, 409)
	c.do("POST", "/v1/betaGroups/"+id(internal)+"/relationships/betaTesters",
		map[string]any{"data": []any{map[string]any{"type": "betaTesters", "id": id(tester)}}}).must(t, 409)
	c.do("POST", "/v1/betaTesters", resource("betaTesters", "", map[string]any{"email": "NEW@example.com"},
		map[string]any{"betaGroups": [][2]string{{"betaGroups", id(partners)}}})).must(t, 409)

	// Invitations go to the app's testers only.
	invite := func(testerID string) *response {
		return c.do("POST", "/v1/betaTesterInvitations", resource("betaTesterInvitations", "", nil,
			map[string]any{"app": [2]string{"apps", app}, "betaTester": [2]string{"betaTesters", testerID}}))
	}
	invite(id(tester)).must(t, 201)
	other := findOne(t, c, "/v1/betaTesters?filter[email]=ada.0@example.com", "email", "ada.0@example.com")
	invite(id(other)).must(t, 409)

	// What to Test is at most 4,000 characters, as Apple counts them.
	build := findOne(t, c, "/v1/builds?filter[app]="+app, "processingState", "VALID")
	newNotes := func(whatsNew string) *response {
		return c.do("POST", "/v1/betaBuildLocalizations", resource("betaBuildLocalizations", "", map[string]any{"locale": "de-DE", "whatsNew": whatsNew},
			map[string]any{"build": [2]string{"builds", id(build)}}))
	}
	if r := newNotes(strings.Repeat("ü", 4001)).must(t, 409); r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" || !strings.Contains(string(r.body), "4001 characters, at most 4000") {
		t.Errorf("What to Test of 4,001 characters: %s", r.body)
	}
	notes := newNotes(strings.Repeat("ü", 4000)).must(t, 201).data()
	c.do("PATCH", "/v1/betaBuildLocalizations/"+id(notes), resource("betaBuildLocalizations", id(notes), map[string]any{"whatsNew": strings.Repeat("x", 4001)}, nil)).must(t, 409)
}
