package connector_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSubmitForReviewTwiceIsOneSubmission: the curated submit action is the review workflow,
// so sending it again (a flow's retry) reuses the submission instead of making a second; a
// version that is not ready is refused with every missing piece before anything is written.
func TestSubmitForReviewTwiceIsOneSubmission(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	version := func(bundleID string) map[string]any {
		var list struct {
			Value []map[string]any `json:"value"`
		}
		json.Unmarshal(e.do(t, "GET", "/connector/v1/apps?bundleId="+bundleID, e.readKey, nil).body, &list)
		if len(list.Value) != 1 {
			t.Fatalf("no demo app %s", bundleID)
		}
		appID := list.Value[0]["id"].(string)
		json.Unmarshal(e.do(t, "GET", "/connector/v1/apps/"+appID+"/versions?platform=IOS&state=PREPARE_FOR_SUBMISSION", e.readKey, nil).body, &list)
		if len(list.Value) != 1 {
			t.Fatalf("%s has no version in preparation", bundleID)
		}
		return map[string]any{"appId": appID, "appStoreVersionId": list.Value[0]["id"], "platform": "IOS"}
	}

	notReady := e.do(t, "POST", "/connector/v1/reviewSubmissions", e.writeKey, version("com.example.quiethours"))
	if notReady.status != 409 || errorCode(t, notReady) != "STATE_ERROR" || !strings.Contains(string(notReady.body), "nothing was sent") {
		t.Errorf("submit a version that is not ready: %d %s; want 409 naming what is missing", notReady.status, notReady.body)
	}
	if w := e.sb.Writes(); w != 0 {
		t.Errorf("%d writes reached App Store Connect for a version that is not ready", w)
	}

	body := version("com.example.daybreak")
	first := e.do(t, "POST", "/connector/v1/reviewSubmissions", e.writeKey, body)
	second := e.do(t, "POST", "/connector/v1/reviewSubmissions", e.writeKey, body)
	if first.status != 201 || second.status != 201 {
		t.Fatalf("submit: %d %s; again: %d %s", first.status, first.body, second.status, second.body)
	}
	if a, b := first.json(t), second.json(t); a["id"] != b["id"] || b["state"] != "WAITING_FOR_REVIEW" {
		t.Errorf("first %v, second %v; want the same submission, waiting for review", a, b)
	}
	raw := e.do(t, "GET", "/v1/reviewSubmissions?filter[app]="+body["appId"].(string)+"&filter[state]=WAITING_FOR_REVIEW,READY_FOR_REVIEW", e.readKey, nil)
	var doc struct{ Data []any }
	if json.Unmarshal(raw.body, &doc); len(doc.Data) != 1 {
		t.Errorf("open submissions: %s; want one", raw.body)
	}
}

// TestCuratedUpdatesRefuseUnknownFields: a field the update does not have is refused with a
// 400 that names it, and nothing is sent.
func TestCuratedUpdatesRefuseUnknownFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	for _, tc := range []struct {
		body any
		want string
	}{
		{map[string]any{"whatsNew": "x", "subtitel": "typo"}, "subtitel"},
		{map[string]any{"whatsNew": 42}, "whatsNew"},
		{map[string]any{}, "at least one field"},
		{map[string]any{"id": "x", "type": "y"}, "at least one field"},
	} {
		a := e.do(t, "PATCH", "/connector/v1/versionLocalizations/nope", e.writeKey, tc.body)
		if a.status != 400 || !strings.Contains(string(a.body), tc.want) {
			t.Errorf("PATCH %v: %d %s; want 400 naming %q", tc.body, a.status, a.body, tc.want)
		}
	}
	if a := e.do(t, "GET", "/connector/v1/apps?limit=lots", e.readKey, nil); a.status != 400 || errorCode(t, a) != "PARAMETER_ERROR.INVALID" {
		t.Errorf("limit=lots: %d %s; want 400", a.status, a.body)
	}
	// Apple's own refusals keep Apple's status and error objects.
	if a := e.do(t, "GET", "/connector/v1/apps/does-not-exist", e.readKey, nil); a.status != 404 || errorCode(t, a) != "NOT_FOUND" {
		t.Errorf("missing app: %d %s; want Apple's 404", a.status, a.body)
	}
}
