package connector_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReleaseActions: create a version, attach a build, phased release, release and cancel
// through the gateway, each safe to retry and refusing before any write what the workflow
// refuses, as 400s; and the trigger on version state changes.
func TestReleaseActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	appID := func(bundle string) string {
		var list struct {
			Value []map[string]any `json:"value"`
		}
		json.Unmarshal(e.do(t, "GET", "/connector/v1/apps?bundleId="+bundle, e.readKey, nil).body, &list)
		if len(list.Value) != 1 {
			t.Fatalf("no demo app %s", bundle)
		}
		return list.Value[0]["id"].(string)
	}
	daybreak, quiet := appID("com.example.daybreak"), appID("com.example.quiethours")
	post := func(path string, body any, status int) map[string]any {
		t.Helper()
		a := e.do(t, "POST", path, e.writeKey, body)
		if a.status != status {
			t.Fatalf("POST %s %v: %d %s, want %d", path, body, a.status, a.body, status)
		}
		return a.json(t)
	}
	changed := func(m map[string]any) string {
		var out []string
		for _, c := range m["changed"].([]any) {
			out = append(out, c.(string))
		}
		return strings.Join(out, ",")
	}

	create := map[string]any{"versionString": "2.4.0", "platform": "MAC_OS", "releaseType": "manual", "copyright": "2026 Example"}
	v := post("/connector/v1/apps/"+daybreak+"/versions", create, 201)
	if v["appVersionState"] != "PREPARE_FOR_SUBMISSION" || v["releaseType"] != "MANUAL" || !strings.Contains(changed(v), "version") {
		t.Fatalf("create: %v", v)
	}
	if again := post("/connector/v1/apps/"+daybreak+"/versions", create, 201); again["id"] != v["id"] || changed(again) != "" {
		t.Errorf("create again: %v", again)
	}
	post("/connector/v1/apps/"+daybreak+"/versions", map[string]any{"versionString": "2.5.0", "releaseType": "someday"}, 400)
	// The platform is IOS when none is sent, as the field says and as the CLI and MCP do.
	if ios := post("/connector/v1/apps/"+daybreak+"/versions", map[string]any{"versionString": "2.4.0"}, 201); ios["platform"] != "IOS" || changed(ios) != "" {
		t.Errorf("create without a platform: %v", ios)
	}

	if old := post("/connector/v1/apps/"+quiet+"/versions/1.0.0/build", map[string]any{"buildNumber": "1"}, 200); old["buildNumber"] != "1" || changed(old) != "build" {
		t.Fatalf("attach build 1: %v", old)
	}
	b := post("/connector/v1/apps/"+quiet+"/versions/1.0.0/build", map[string]any{}, 200)
	if b["buildNumber"] != "3" || changed(b) != "build" {
		t.Fatalf("attach: %v", b)
	}
	if again := post("/connector/v1/apps/"+quiet+"/versions/1.0.0/build", map[string]any{}, 200); changed(again) != "" {
		t.Errorf("attach again: %v", again)
	}

	p := post("/connector/v1/apps/"+daybreak+"/phasedRelease", map[string]any{"action": "start", "platform": "IOS"}, 200)
	if p["state"] != "INACTIVE" || p["changed"] != true || p["versionString"] != "2.4.0" {
		t.Fatalf("phased start: %v", p)
	}
	post("/connector/v1/apps/"+daybreak+"/phasedRelease", map[string]any{"action": "halt"}, 400)
	if a := post("/connector/v1/apps/"+daybreak+"/release", map[string]any{"platform": "IOS"}, 404); !strings.Contains(a["errors"].([]any)[0].(map[string]any)["detail"].(string), "pending developer release") {
		t.Errorf("release before approval: %v", a)
	}
	e.sb.Set("appStoreVersions", v["id"].(string), "appVersionState", "PENDING_DEVELOPER_RELEASE")
	r := post("/connector/v1/apps/"+daybreak+"/release", map[string]any{"platform": "MAC_OS"}, 200)
	if r["appVersionState"] != "READY_FOR_DISTRIBUTION" || changed(r) != "released" {
		t.Fatalf("release: %v", r)
	}
	if again := post("/connector/v1/apps/"+daybreak+"/release", map[string]any{"platform": "MAC_OS", "versionString": "2.4.0"}, 200); changed(again) != "" {
		t.Errorf("release again: %v", again)
	}
	// The macOS version went live without a phased release; the iOS one has one waiting.
	post("/connector/v1/apps/"+daybreak+"/phasedRelease", map[string]any{"action": "pause", "platform": "MAC_OS"}, 400)
	if st := post("/connector/v1/apps/"+daybreak+"/phasedRelease", map[string]any{"action": "status", "platform": "IOS", "versionString": "2.4.0"}, 200); st["state"] != "INACTIVE" || st["changed"] != false {
		t.Errorf("status: %v", st)
	}

	c := post("/connector/v1/apps/"+quiet+"/reviewSubmissions/cancel", map[string]any{}, 200)
	if c["canceled"] != false {
		t.Errorf("cancel with nothing open: %v", c)
	}
	if a := e.do(t, "POST", "/connector/v1/apps/"+daybreak+"/release", e.readKey, map[string]any{}); a.status != 403 {
		t.Errorf("a read key released: %d", a.status)
	}

	sub := e.do(t, "POST", "/connector/triggers/appStoreVersions", e.readKey, map[string]any{"callbackUrl": "https://flows.example.com/hook"})
	var s struct {
		EventTypes []string `json:"eventTypes"`
	}
	json.Unmarshal(sub.body, &s)
	if sub.status != 201 || strings.Join(s.EventTypes, ",") != "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED" {
		t.Errorf("trigger: %d %s", sub.status, sub.body)
	}
}
