package mcp_test

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/mcp"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

func changes(r reply) map[string][2]string {
	out := map[string][2]string{}
	list, _ := r.v["changes"].([]any)
	for _, c := range list {
		m := c.(map[string]any)
		out[m["path"].(string)] = [2]string{m["was"].(string), m["now"].(string)}
	}
	return out
}

func TestMetadataPlanThenPush(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	args := map[string]any{"app": "com.example.daybreak", "metadata": map[string]any{
		"locales": map[string]any{"en-US": map[string]any{"subtitle": "  Plan your week \r\n"}},
		"review":  map[string]any{"demo_password": "s3cret-pass"},
	}}
	plan := call(t, e.cs, "metadata_plan", args).ok(t)
	ch := changes(plan)
	if got := ch["en-US/subtitle.txt"]; got[1] != "Plan your week" {
		t.Errorf("subtitle change %v, want the normalised new value; plan %s", got, plan.text)
	}
	if got := ch["review_information/demo_password.txt"]; got[1] != "(hidden)" {
		t.Errorf("demo password change shown as %v", got)
	}
	if strings.Contains(plan.text, "s3cret-pass") {
		t.Errorf("the plan shows the password: %s", plan.text)
	}
	if e.sb.Stats().ByMethod["PATCH"]+e.sb.Stats().ByMethod["POST"] != 0 {
		t.Fatal("metadata_plan wrote")
	}
	push := call(t, e.cs, "metadata_push", args).ok(t)
	if push.v["written"].(float64) < 1 {
		t.Fatalf("push: %s", push.text)
	}
	again := call(t, e.cs, "metadata_plan", args).ok(t)
	if len(again.v["writes"].([]any)) != 0 || !strings.Contains(again.text, "already matches") {
		t.Errorf("after the push the plan still writes: %s", again.text)
	}
	writes := e.sb.Stats().ByMethod["PATCH"] + e.sb.Stats().ByMethod["POST"]
	call(t, e.cs, "metadata_push", args).ok(t)
	if n := e.sb.Stats().ByMethod["PATCH"] + e.sb.Stats().ByMethod["POST"]; n != writes {
		t.Errorf("a second push wrote %d times", n-writes)
	}
}

func TestMetadataProblemsAreRefusedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	before := sent(e.sb)
	call(t, e.cs, "metadata_plan", map[string]any{"app": "com.example.daybreak", "metadata": map[string]any{
		"locales": map[string]any{"en-US": map[string]any{"subtitle": strings.Repeat("x", 31), "subtitel": "x"}, "xx-XX": map[string]any{"name": "X"}},
	}}).failed(t, "subtitle", "30", "en-US/subtitel: not a metadata field", "xx-XX", `"sent":"no"`)
	call(t, e.cs, "metadata_push", map[string]any{"app": "com.example.daybreak"}).failed(t, "metadata is required")
	call(t, e.cs, "metadata_plan", map[string]any{"app": "com.example.daybreak", "dir": t.TempDir()}).failed(t, "dir is not available here")
	if sent(e.sb) != before {
		t.Errorf("%d requests sent for refused metadata", sent(e.sb)-before)
	}
}

func TestReleaseStatusTool(t *testing.T) {
	t.Parallel()
	e := connect(t, false)
	r := call(t, e.cs, "release_status", map[string]any{"app": "com.example.daybreak", "platform": "IOS"}).ok(t)
	versions, _ := r.v["versions"].([]any)
	if len(versions) == 0 || r.v["app"].(map[string]any)["bundleId"] != "com.example.daybreak" {
		t.Fatalf("release status: %s", r.text)
	}
	for _, v := range versions {
		if m := v.(map[string]any); m["state"] == "" || m["phase"] == "" {
			t.Errorf("version without state: %v", m)
		}
	}
	if _, ok := r.v["builds"].([]any); !ok {
		t.Errorf("no builds: %s", r.text)
	}
}

func TestSubmitForReviewConverges(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	first := call(t, e.cs, "submit_for_review", map[string]any{"app": "com.example.daybreak", "submit": false}).ok(t)
	if first.str("submission") == "" || first.v["itemAdded"] != true {
		t.Fatalf("first: %s", first.text)
	}
	second := call(t, e.cs, "submit_for_review", map[string]any{"app": "com.example.daybreak", "submit": false}).ok(t)
	if second.str("submission") != first.str("submission") || second.v["created"] != false || second.v["itemAdded"] != false {
		t.Errorf("second run did not converge on the first submission: %s then %s", first.text, second.text)
	}
	call(t, e.cs, "submit_for_review", map[string]any{"app": "com.example.daybreak"}).failed(t, "submit are required")
}

func TestScreenshotsPlanReadsALocalFolderOnlyOverStdio(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sandboxtest.WritePNG(t, filepath.Join(dir, "en-US", "1_home.png"), 1290, 2796, 1)
	sandboxtest.WritePNG(t, filepath.Join(dir, "en-US", "2_week.png"), 1290, 2796, 2)
	e := connectWith(t, mcp.Options{Write: true, Files: true})
	r := call(t, e.cs, "screenshots_plan", map[string]any{"app": "com.example.daybreak", "dir": dir}).ok(t)
	if r.v["uploads"] != float64(2) {
		t.Errorf("plan: %s", r.text)
	}
	if !strings.Contains(r.text, "en-US/1_home.png") || !strings.Contains(r.text, "APP_IPHONE_67") {
		t.Errorf("plan does not name the files and display type: %s", r.text)
	}
	if e.sb.Stats().ByMethod["POST"]+e.sb.Stats().ByMethod["PATCH"]+e.sb.Stats().ByMethod["DELETE"] != 0 {
		t.Error("screenshots_plan wrote")
	}
	remote := connect(t, true)
	if _, names := toolNames(t, remote.cs); slices.Contains(names, "screenshots_plan") {
		t.Error("a server without Files offers screenshots_plan")
	}
}

func TestReadKeyWorkflowWritesAreRefusedAndAudited(t *testing.T) {
	t.Parallel()
	e := connect(t, false)
	_, names := toolNames(t, e.cs)
	if !slices.Contains(names, "metadata_plan") || !slices.Contains(names, "release_status") || slices.Contains(names, "metadata_push") || slices.Contains(names, "submit_for_review") {
		t.Errorf("read-only tools: %v", names)
	}
	call(t, e.cs, "submit_for_review", map[string]any{"app": "com.example.daybreak", "submit": true}).failed(t, "FORBIDDEN_ERROR")
	if got := e.audit.all(); !slices.Equal(got, []string{"POST /mcp/tools/submit_for_review Forbidden"}) {
		t.Errorf("audit %q", got)
	}
	if sent(e.sb) != 0 {
		t.Error("a refused workflow sent requests")
	}
}

func TestAppleRulesResource(t *testing.T) {
	t.Parallel()
	e := connect(t, false)
	res, err := e.cs.ReadResource(t.Context(), &sdk.ReadResourceParams{URI: "ascend://apple/rules"})
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		TextLimits []struct {
			Field    string
			MaxChars int
		}
		ScreenshotDisplayTypes []struct {
			Name  string
			Sizes []string
		}
		VersionStates map[string][]string
		Locales       []string
	}
	if err := json.Unmarshal([]byte(res.Contents[0].Text), &rules); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(rules.TextLimits, func(l struct {
		Field    string
		MaxChars int
	}) bool {
		return l.Field == "keywords" && l.MaxChars == 100
	}) {
		t.Errorf("text limits: %+v", rules.TextLimits)
	}
	if !slices.ContainsFunc(rules.ScreenshotDisplayTypes, func(d struct {
		Name  string
		Sizes []string
	}) bool {
		return d.Name == "APP_IPHONE_67" && slices.Contains(d.Sizes, "1290x2796")
	}) {
		t.Errorf("display types: %+v", rules.ScreenshotDisplayTypes)
	}
	if !slices.Contains(rules.VersionStates["editable"], "PREPARE_FOR_SUBMISSION") || !slices.Contains(rules.Locales, "en-US") {
		t.Errorf("states %v, locales %v", rules.VersionStates, rules.Locales)
	}
	list, err := e.cs.ListResources(t.Context(), nil)
	if err != nil || len(list.Resources) != 2 {
		t.Errorf("resources: %v, %v", list, err)
	}
}
