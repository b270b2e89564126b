package mcp_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/mcp"
	"github.com/ascend-tools/ascend/sandbox"
)

func writes(e *env) int {
	m := e.sb.Stats().ByMethod
	return m["POST"] + m["PATCH"] + m["DELETE"]
}

// daybreakVersion is the id of the demo's version 2.4.0 (being prepared), read through the tools.
func daybreakVersion(t *testing.T, e *env) string {
	t.Helper()
	r := call(t, e.cs, "release_status", map[string]any{"app": "com.example.daybreak", "platform": "IOS"}).ok(t)
	for _, v := range r.v["versions"].([]any) {
		if m := v.(map[string]any); m["version"] == "2.4.0" {
			return m["id"].(string)
		}
	}
	t.Fatalf("no 2.4.0: %s", r.text)
	return ""
}

func TestVersionCreateTool(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	args := map[string]any{"app": "com.example.daybreak", "version": "2.4.0", "release": "after-approval", "copyright": "2026 Daybreak Labs", "dry_run": true}
	r := call(t, e.cs, "version_create", args).ok(t)
	if got, _ := json.Marshal(r.v["changed"]); string(got) != `["releaseType","copyright"]` || r.v["dryRun"] != true || writes(e) != 0 {
		t.Fatalf("dry run: %s (%d writes)", r.text, writes(e))
	}
	delete(args, "dry_run")
	r = call(t, e.cs, "version_create", args).ok(t)
	v := r.v["version"].(map[string]any)
	if v["releaseType"] != "AFTER_APPROVAL" || v["copyright"] != "2026 Daybreak Labs" || r.v["created"] != false || writes(e) != 1 {
		t.Fatalf("update: %s (%d writes)", r.text, writes(e))
	}
	r = call(t, e.cs, "version_create", args).ok(t)
	if got, _ := json.Marshal(r.v["changed"]); string(got) != `[]` || writes(e) != 1 {
		t.Errorf("again: %s (%d writes)", r.text, writes(e))
	}
	call(t, e.cs, "version_create", map[string]any{"app": "com.example.daybreak", "version": "2.4.0", "release": "soon"}).failed(t, `"sent":"no"`, "soon")
	call(t, e.cs, "version_create", map[string]any{"app": "com.example.daybreak", "version": "2.4.0", "build": "7", "build_latest": true}).failed(t, "not both")
	// Apple allows one version being prepared per platform: a second is refused by App Store
	// Connect, and the answer carries Apple's error.
	call(t, e.cs, "version_create", map[string]any{"app": "com.example.daybreak", "version": "2.5.0"}).failed(t, `"sent":"yes"`)
	if n := len(e.sb.IDs("appStoreVersions")); n == 0 {
		t.Fatal("no versions")
	}
}

// TestReleaseToolsNeedConfirmForWhatCannotBeUndone: release_version and phased_release's
// complete send nothing without confirm: true and say what they would do; with it they act
// once, and again change nothing; a read key may call neither.
func TestReleaseToolsNeedConfirmForWhatCannotBeUndone(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	id := daybreakVersion(t, e)
	for _, attr := range []string{"appVersionState", "appStoreState"} {
		if err := e.sb.SetAttribute("appStoreVersions", id, attr, "PENDING_DEVELOPER_RELEASE"); err != nil {
			t.Fatal(err)
		}
	}
	app := "com.example.daybreak"
	r := call(t, e.cs, "phased_release", map[string]any{"app": app, "version": "2.4.0", "action": "start"}).ok(t)
	if r.v["changed"] != true || r.v["phase"].(map[string]any)["state"] != "INACTIVE" {
		t.Fatalf("start: %s", r.text)
	}
	if r = call(t, e.cs, "phased_release", map[string]any{"app": app, "version": "2.4.0", "action": "start"}).ok(t); r.v["changed"] != false {
		t.Errorf("start again: %s", r.text)
	}
	before := writes(e)
	call(t, e.cs, "release_version", map[string]any{"app": app, "confirm": false}).failed(t, "nothing released: confirm: true releases version 2.4.0", `"sent":"no"`)
	if writes(e) != before {
		t.Fatal("release_version without confirm wrote")
	}
	r = call(t, e.cs, "release_version", map[string]any{"app": app, "confirm": true}).ok(t)
	if r.v["released"] != true || r.v["version"].(map[string]any)["phase"] != "live" {
		t.Fatalf("release: %s", r.text)
	}
	before = writes(e)
	if r = call(t, e.cs, "release_version", map[string]any{"app": app, "version": "2.4.0", "confirm": true}).ok(t); r.v["released"] != false || writes(e) != before {
		t.Errorf("release again: %s (%d writes)", r.text, writes(e)-before)
	}
	call(t, e.cs, "release_version", map[string]any{"app": app, "confirm": false}).failed(t, "no version of com.example.daybreak waits")
	// The live version's phased release runs: pause, resume, then complete only when confirmed.
	r = call(t, e.cs, "phased_release", map[string]any{"app": app, "action": "status"}).ok(t)
	if p := r.v["phase"].(map[string]any); p["state"] != "ACTIVE" || p["day"] != float64(1) || p["sharePercent"] != float64(1) {
		t.Fatalf("status once live: %s", r.text)
	}
	if r = call(t, e.cs, "phased_release", map[string]any{"app": app, "action": "pause"}).ok(t); r.v["phase"].(map[string]any)["state"] != "PAUSED" {
		t.Errorf("pause: %s", r.text)
	}
	call(t, e.cs, "phased_release", map[string]any{"app": app, "action": "resume"}).ok(t)
	before = writes(e)
	call(t, e.cs, "phased_release", map[string]any{"app": app, "action": "complete"}).failed(t, "confirm: true releases version 2.4.0 to every user now", "day 1 of 7", `"sent":"no"`)
	if writes(e) != before {
		t.Fatal("complete without confirm wrote")
	}
	if r = call(t, e.cs, "phased_release", map[string]any{"app": app, "action": "complete", "confirm": true}).ok(t); r.v["phase"].(map[string]any)["state"] != "COMPLETE" {
		t.Errorf("complete: %s", r.text)
	}
	// A move Apple does not make is refused before anything is sent.
	before = writes(e)
	call(t, e.cs, "phased_release", map[string]any{"app": app, "action": "pause"}).failed(t, `"sent":"no"`)
	call(t, e.cs, "phased_release", map[string]any{"app": app, "action": "halt"}).failed(t, "status, start, pause, resume or complete")
	if writes(e) != before {
		t.Error("refused moves wrote")
	}

	ro := connect(t, false)
	for name, args := range map[string]map[string]any{
		"release_version": {"app": app, "confirm": true},
		"phased_release":  {"app": app, "action": "complete", "confirm": true},
		"version_create":  {"app": app, "version": "2.4.0", "release": "manual"},
	} {
		call(t, ro.cs, name, args).failed(t, "this key may only read")
	}
	if writes(ro) != 0 {
		t.Errorf("a read key wrote %d times", writes(ro))
	}
}

// TestReleasePlanTool: release_plan is deliver's dry run, from options or (with Files) a
// fastlane project on this machine; it writes nothing and passes on deliver's notes.
func TestReleasePlanTool(t *testing.T) {
	t.Parallel()
	e := connectWith(t, mcp.Options{Files: true})
	r := call(t, e.cs, "release_plan", map[string]any{"app": "com.example.daybreak", "version": "2.4.0", "submit": true, "phased_release": true, "automatic_release": true}).ok(t)
	if got := planSteps(r); got != "version=planned metadata=skipped screenshots=skipped age rating=skipped phased release=planned submission information=skipped submit=planned" {
		t.Errorf("plan: %s\n%s", got, r.text)
	}
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "fastlane", "metadata", "en-US"), 0o755)
	os.WriteFile(filepath.Join(root, "fastlane", "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(root, "fastlane", "Deliverfile"), []byte("app_version \"2.4.0\"\nreset_ratings true\nsubmission_information({ content_rights_contains_third_party_content: true, content_rights_has_rights: true })\nprice_tier 3\n"), 0o644)
	os.WriteFile(filepath.Join(root, "fastlane", "metadata", "en-US", "promotional_text.txt"), []byte("Plan the week in a minute."), 0o644)
	r = call(t, e.cs, "release_plan", map[string]any{"fastlane": root}).ok(t)
	if got := planSteps(r); got != "version=unchanged metadata=planned screenshots=skipped age rating=skipped phased release=skipped submission information=planned submit=skipped" {
		t.Errorf("plan from the project: %s\n%s", got, r.text)
	}
	for _, want := range []string{"reset_ratings is not applicable", "content_rights_has_rights is not applicable", "price_tier"} {
		if !strings.Contains(r.text, want) {
			t.Errorf("notes lack %q: %s", want, r.text)
		}
	}
	if writes(e) != 0 {
		t.Errorf("release_plan wrote %d times", writes(e))
	}
	call(t, e.cs, "release_plan", map[string]any{"app": "com.example.daybreak", "auto_release_date": "soon"}).failed(t, `"sent":"no"`, "auto_release_date")
	noFiles := connect(t, false)
	call(t, noFiles.cs, "release_plan", map[string]any{"fastlane": root}).failed(t, "fastlane is not available here")
}

func planSteps(r reply) string {
	var out []string
	steps, _ := r.v["steps"].([]any)
	for _, s := range steps {
		m := s.(map[string]any)
		out = append(out, m["name"].(string)+"="+m["status"].(string))
	}
	return strings.Join(out, " ")
}

// TestReleaseToolsInTheList: the release tools' share of tools/list, and their annotations.
func TestReleaseToolsInTheList(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	res, err := e.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var rel []*sdk.Tool
	for _, tl := range res.Tools {
		switch tl.Name {
		case "version_create", "release_version", "phased_release", "release_plan":
			rel = append(rel, tl)
		}
	}
	if len(rel) != 4 {
		t.Fatalf("release tools %v", rel)
	}
	for _, tl := range rel {
		a := tl.Annotations
		destructive := a.DestructiveHint != nil && *a.DestructiveHint
		switch tl.Name {
		case "release_plan":
			if !a.ReadOnlyHint {
				t.Errorf("%s is not read-only", tl.Name)
			}
		case "release_version", "phased_release":
			if !destructive || !strings.Contains(tl.Description, "confirm: true") {
				t.Errorf("%s: %+v, want destructive and needing confirm", tl.Name, a)
			}
		default:
			if destructive || a.ReadOnlyHint || !a.IdempotentHint {
				t.Errorf("%s: %+v", tl.Name, a)
			}
		}
	}
	all, _ := json.Marshal(res)
	part, _ := json.Marshal(&sdk.ListToolsResult{Tools: rel})
	t.Logf("tools/list: %d tools, %d bytes; the release tools: %d, %d bytes", len(res.Tools), len(all), len(rel), len(part))
}

// TestReleaseToolLostAnswerIsNotSentNo: a write whose connection closed without an answer
// (io.EOF, once the write had taken effect) may have changed the version, so the answer says
// "sent": "unknown", never "no" (found by FuzzToolCalls).
func TestReleaseToolLostAnswerIsNotSentNo(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	if err := e.sb.SetFaultRules(sandbox.FaultRule{Method: "PATCH", Drop: true, After: true}); err != nil {
		t.Fatal(err)
	}
	call(t, e.cs, "version_create", map[string]any{"app": "com.example.daybreak", "version": "2.4.0", "copyright": "2026 Daybreak Labs"}).
		failed(t, `"sent":"unknown"`, "reads back first")
	if writes(e) == 0 {
		t.Fatal("no PATCH reached the sandbox")
	}
}
