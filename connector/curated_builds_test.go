package connector_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestBuildActions: the builds and TestFlight actions answer flat objects, are safe to
// retry, and refuse what the workflow refuses before writing, as 400s.
func TestBuildActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	var list struct {
		Value []map[string]any `json:"value"`
	}
	json.Unmarshal(e.do(t, "GET", "/connector/v1/apps?bundleId=com.example.quiethours", e.readKey, nil).body, &list)
	if len(list.Value) != 1 {
		t.Fatal("no demo app")
	}
	appID := list.Value[0]["id"].(string)
	json.Unmarshal(e.do(t, "GET", "/connector/v1/apps/"+appID+"/builds?version=3", e.readKey, nil).body, &list)
	if len(list.Value) != 1 {
		t.Fatalf("builds: %v", list.Value)
	}
	buildID := list.Value[0]["id"].(string)
	b := e.do(t, "GET", "/connector/v1/builds/"+buildID, e.readKey, nil)
	if b.status != 200 || b.json(t)["processingState"] != "VALID" {
		t.Fatalf("get build: %d %s", b.status, b.body)
	}
	if a := e.do(t, "GET", "/connector/v1/builds/nope", e.readKey, nil); a.status != 404 {
		t.Errorf("missing build: %d %s", a.status, a.body)
	}

	tester := map[string]any{"email": "flow@example.com", "groups": "Public Beta, Design Partners", "firstName": "Flow"}
	first := e.do(t, "POST", "/connector/v1/apps/"+appID+"/betaTesters", e.writeKey, tester)
	again := e.do(t, "POST", "/connector/v1/apps/"+appID+"/betaTesters", e.writeKey, tester)
	if first.status != 201 || again.status != 201 || first.json(t)["id"] == "" || first.json(t)["id"] != again.json(t)["id"] {
		t.Fatalf("add tester: %d %s; again %d %s", first.status, first.body, again.status, again.body)
	}
	if a := e.do(t, "POST", "/connector/v1/apps/"+appID+"/betaTesters", e.readKey, tester); a.status != 403 {
		t.Errorf("a read key added a tester: %d", a.status)
	}

	dist := map[string]any{"groups": "Public Beta", "whatToTest": "Try the quiet schedule."}
	d := e.do(t, "POST", "/connector/v1/builds/"+buildID+"/distribute", e.writeKey, dist)
	if d.status != 200 || d.json(t)["id"] != buildID {
		t.Fatalf("distribute: %d %s", d.status, d.body)
	}
	if d2 := e.do(t, "POST", "/connector/v1/builds/"+buildID+"/distribute", e.writeKey, dist); d2.status != 200 {
		t.Errorf("distribute again: %d %s", d2.status, d2.body)
	}
	for body, want := range map[string]string{
		`{"groups": "Nope"}`:  "no beta group named Nope",
		`{"whatToTest": "x"}`: "Missing groups",
		`{"groups": "Public Beta", "locale": "zz", "whatToTest": "x"}`: "not a locale",
	} {
		var v any
		json.Unmarshal([]byte(body), &v)
		a := e.do(t, "POST", "/connector/v1/builds/"+buildID+"/distribute", e.writeKey, v)
		if a.status != 400 || !strings.Contains(string(a.body), want) {
			t.Errorf("%s: %d %s; want 400 with %q", body, a.status, a.body, want)
		}
	}

	// The build triggers subscribe to their fixed event types.
	sub := e.do(t, "POST", "/connector/triggers/buildUploads", e.readKey, map[string]any{"callbackUrl": "https://flows.example.com/hook"})
	if sub.status != 201 || !strings.Contains(sub.header.Get("Location"), "/connector/subscriptions/") {
		t.Fatalf("trigger: %d %s", sub.status, sub.body)
	}
	var s struct {
		EventTypes []string `json:"eventTypes"`
	}
	json.Unmarshal(sub.body, &s)
	if strings.Join(s.EventTypes, ",") != "BUILD_UPLOAD_STATE_UPDATED" {
		t.Errorf("trigger event types %v", s.EventTypes)
	}
	if bad := e.do(t, "POST", "/connector/triggers/builds", e.readKey, map[string]any{"callbackUrl": "https://flows.example.com/hook", "eventTypes": []string{"APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"}}); bad.status != 400 {
		t.Errorf("a fixed trigger took other event types: %d %s", bad.status, bad.body)
	}
}
