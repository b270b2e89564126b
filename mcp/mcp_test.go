package mcp_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/internal/apicall"
	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/sandbox"
)

var genericTools = []string{"call_destructive_operation", "call_read_operation", "call_write_operation", "describe_operation", "search_operations"}

func toolNames(t *testing.T, cs *sdk.ClientSession) (map[string]*sdk.Tool, []string) {
	t.Helper()
	res, err := cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*sdk.Tool{}
	var names []string
	for _, tl := range res.Tools {
		m[tl.Name] = tl
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	return m, names
}

func TestToolAnnotationsMatchWhatEachToolDoes(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	tools, names := toolNames(t, e.cs)
	for _, n := range genericTools {
		if tools[n] == nil {
			t.Fatalf("tool %s missing; have %v", n, names)
		}
	}
	for _, n := range []string{"search_operations", "describe_operation", "call_read_operation"} {
		if a := tools[n].Annotations; a == nil || !a.ReadOnlyHint || !a.IdempotentHint {
			t.Errorf("%s: annotations %+v, want read-only and idempotent", n, a)
		}
	}
	w := tools["call_write_operation"].Annotations
	if w == nil || w.ReadOnlyHint || w.DestructiveHint == nil || *w.DestructiveHint || w.IdempotentHint {
		t.Errorf("call_write_operation: annotations %+v, want a non-destructive, non-idempotent write", w)
	}
	d := tools["call_destructive_operation"].Annotations
	if d == nil || d.ReadOnlyHint || d.DestructiveHint == nil || !*d.DestructiveHint || !d.IdempotentHint {
		t.Errorf("call_destructive_operation: annotations %+v, want destructive and idempotent", d)
	}
	if req := tools["call_destructive_operation"].InputSchema.(map[string]any)["required"]; !slices.Contains(req.([]any), any("confirm")) {
		t.Errorf("call_destructive_operation does not require confirm: %v", req)
	}
}

// Every operation is reachable through exactly one call tool, whose annotations agree with
// what describe_operation says of the operation.
func TestEveryOperationIsReachableWithTrueAnnotations(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	tools, _ := toolNames(t, e.cs)
	ops := spec.Operations()
	reached := 0
	for _, op := range ops {
		d := call(t, e.cs, "describe_operation", map[string]any{"operation": op.ID}).ok(t)
		tl := tools[d.str("tool")]
		if tl == nil {
			t.Fatalf("%s: tool %q is not offered", op.ID, d.str("tool"))
		}
		a := tl.Annotations
		readOnly, destructive := d.v["read_only"] == true, d.v["destructive"] == true
		if a.ReadOnlyHint != readOnly || (a.DestructiveHint != nil && *a.DestructiveHint != destructive && !readOnly) {
			t.Errorf("%s (%s %s): described read_only=%v destructive=%v, tool %s annotated %+v", op.ID, op.Method, op.Path, readOnly, destructive, tl.Name, a)
		}
		if readOnly != (op.Method == http.MethodGet) || (op.Method == http.MethodDelete && !destructive) {
			t.Errorf("%s (%s): read_only=%v destructive=%v", op.ID, op.Method, readOnly, destructive)
		}
		if d.v["idempotent"] == false && a.IdempotentHint {
			t.Errorf("%s is not idempotent but its tool %s says it is", op.ID, tl.Name)
		}
		reached++
	}
	if reached != len(ops) || len(ops) != 1263 {
		t.Errorf("reached %d of %d operations, want all 1,263", reached, len(ops))
	}
	t.Logf("%d tools reach %d of %d operations (%.0f%%)", len(tools), reached, len(ops), 100*float64(reached)/float64(len(ops)))
}

func TestToolListFitsAnAgentsContext(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	res, err := e.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var generic []*sdk.Tool
	for _, tl := range res.Tools {
		if slices.Contains(genericTools, tl.Name) {
			generic = append(generic, tl)
		}
	}
	all, _ := json.Marshal(res)
	gen, _ := json.Marshal(&sdk.ListToolsResult{Tools: generic})
	t.Logf("tools/list: %d tools, %d bytes; the generic set: %d tools, %d bytes", len(res.Tools), len(all), len(generic), len(gen))
	if len(gen) >= 20_000 {
		t.Errorf("the generic tools' list is %d bytes, over the 20 KB goal", len(gen))
	}
}

func TestSearchOperations(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	r := call(t, e.cs, "search_operations", map[string]any{"query": "app info localizations", "method": "POST"}).ok(t)
	ops, _ := r.v["operations"].([]any)
	if len(ops) == 0 || ops[0].(map[string]any)["id"] != "appInfoLocalizations_createInstance" {
		t.Errorf("first POST for 'app info localizations': %v", r.text)
	}
	r = call(t, e.cs, "search_operations", map[string]any{"resource": "appStoreVersions", "tag": "AppStoreVersions", "limit": 3}).ok(t)
	if n := len(r.v["operations"].([]any)); n != 3 || r.v["next_offset"] != float64(3) || r.v["total"].(float64) <= 3 {
		t.Errorf("limit 3: %s", r.text)
	}
	r = call(t, e.cs, "search_operations", map[string]any{"query": "no such thing at all"}).ok(t)
	if r.v["total"] != float64(0) || r.v["tags"] == nil {
		t.Errorf("no match should list the tags: %s", r.text)
	}
	call(t, e.cs, "search_operations", map[string]any{"query": "apps", "colour": "blue"}).failed(t, "unknown field", "colour")
}

func TestDescribeOperation(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	r := call(t, e.cs, "describe_operation", map[string]any{"operation": "apps_getCollection"}).ok(t)
	if r.str("tool") != "call_read_operation" || r.v["paged"] != true {
		t.Errorf("apps_getCollection: %s", r.text)
	}
	var limit, platform map[string]any
	for _, q := range r.v["query"].([]any) {
		p := q.(map[string]any)
		switch p["name"] {
		case "limit":
			limit = p
		case "filter[appStoreVersions.platform]":
			platform = p
		}
	}
	if limit["maximum"] != float64(200) {
		t.Errorf("limit: %v, want maximum 200", limit)
	}
	if !slices.Contains(platform["enum"].([]any), any("VISION_OS")) {
		t.Errorf("filter[appStoreVersions.platform]: %v, want its enum", platform)
	}
	if ret := r.v["returns"].(map[string]any); ret["type"] != "apps" || ret["list"] != true || !slices.Contains(ret["attributes"].([]any), any("bundleId")) {
		t.Errorf("returns: %v", ret)
	}

	r = call(t, e.cs, "describe_operation", map[string]any{"operation": "appInfoLocalizations_createInstance"}).ok(t)
	body := r.v["body"].(map[string]any)
	if body["type"] != "appInfoLocalizations" || body["attributes"].(map[string]any)["locale"].(map[string]any)["required"] != true ||
		body["relationships"].(map[string]any)["appInfo"].(map[string]any)["required"] != true {
		t.Errorf("body: %v", body)
	}
	// The example is a body the shared validator accepts.
	op, _ := spec.ByID("appInfoLocalizations_createInstance")
	example, _ := json.Marshal(body["example"])
	if err := apicall.Check(op, &apicall.Request{Method: op.Method, Path: op.Path, Body: example}); err != nil {
		t.Errorf("the example body is refused: %v\n%s", err, example)
	}
	if r.str("tool") != "call_write_operation" || r.v["idempotent"] != false {
		t.Errorf("create: %s", r.text)
	}
	r = call(t, e.cs, "describe_operation", map[string]any{"operation": "appInfoLocalizations_deleteInstance"}).ok(t)
	if r.str("tool") != "call_destructive_operation" || r.v["needs_confirm"] != true {
		t.Errorf("delete: %s", r.text)
	}
	call(t, e.cs, "describe_operation", map[string]any{"operation": "apps_getCollections"}).failed(t, "unknown operation", "apps_getCollection")
}

func TestBadArgumentIsRefusedWithApplesErrorBeforeSending(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	before := sent(e.sb)
	tests := []struct {
		name   string
		args   map[string]any
		status string
		code   string
		source string
	}{
		{"limit over its maximum", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"limit": 500}}, "400", spec.CodeInvalid, "limit"},
		{"enum value", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"filter[appStoreVersions.platform]": []any{"IOS", "ANDROID"}}}, "400", spec.CodeInvalid, "filter[appStoreVersions.platform]"},
		{"undeclared parameter", map[string]any{"operation": "apps_getInstance", "path_params": map[string]any{"id": "1"}, "query": map[string]any{"colour": "blue"}}, "400", spec.CodeIllegal, "colour"},
	}
	for _, tt := range tests {
		r := call(t, e.cs, "call_read_operation", tt.args).failed(t, `"sent":"no"`)
		fe := r.firstError(t)
		src, _ := fe["source"].(map[string]any)
		if fe["status"] != tt.status || fe["code"] != tt.code || src["parameter"] != tt.source {
			t.Errorf("%s: %v, want %s %s on %s", tt.name, fe, tt.status, tt.code, tt.source)
		}
	}
	r := call(t, e.cs, "call_write_operation", map[string]any{"operation": "appInfoLocalizations_updateInstance", "path_params": map[string]any{"id": "x"},
		"body": map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "id": "x", "attributes": map[string]any{"subtitel": "Hi"}}}}).failed(t, `"sent":"no"`)
	if fe := r.firstError(t); fe["code"] != apicall.CodeAttributeUnknown || fe["source"].(map[string]any)["pointer"] != "/data/attributes/subtitel" {
		t.Errorf("unknown attribute: %v", fe)
	}
	call(t, e.cs, "call_read_operation", map[string]any{"operation": "apps_getInstance"}).failed(t, "needs the path parameter id")
	call(t, e.cs, "call_read_operation", map[string]any{"operation": "appInfoLocalizations_createInstance"}).failed(t, "call it with call_write_operation")
	if got := sent(e.sb); got != before {
		t.Errorf("%d requests reached the sandbox, want none", got-before)
	}
}

func TestReadPagesAreBoundedAndResumeWithTheCursor(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	all := call(t, e.cs, "call_read_operation", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"fields[apps]": "bundleId"}}).ok(t)
	want := len(all.items())
	if want < 3 {
		t.Fatalf("the demo has %d apps; the test needs 3", want)
	}
	var got []string
	args := map[string]any{"operation": "apps_getCollection", "query": map[string]any{"fields[apps]": "bundleId"}, "max_items": 2}
	for range want + 1 {
		r := call(t, e.cs, "call_read_operation", args).ok(t)
		if n := len(r.items()); n > 2 {
			t.Fatalf("max_items 2 answered %d items", n)
		}
		for _, it := range r.items() {
			got = append(got, it["id"].(string))
		}
		next := r.str("next_cursor")
		if next == "" {
			break
		}
		args["cursor"] = next
	}
	if len(got) != want {
		t.Errorf("paging with max_items 2 gave %d apps (%v), want %d", len(got), got, want)
	}
	// Items beyond max_items within one page come from the same page, by offset.
	r := call(t, e.cs, "call_read_operation", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"limit": 200}, "max_items": 1}).ok(t)
	args = map[string]any{"operation": "apps_getCollection", "query": map[string]any{"limit": 200}, "max_items": 1, "cursor": r.str("next_cursor")}
	if next := call(t, e.cs, "call_read_operation", args).ok(t).items(); len(next) != 1 || next[0]["id"] == r.items()[0]["id"] {
		t.Errorf("second item of a page: %v after %v", next, r.items())
	}
	args["query"] = map[string]any{"limit": 100}
	call(t, e.cs, "call_read_operation", args).failed(t, "cursor belongs to another request")
	args["cursor"] = "not a cursor"
	call(t, e.cs, "call_read_operation", args).failed(t, "cursor is not one this server gave")
}

func TestCreateIsNeverSentTwiceBlindly(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	_, appInfo := anAppInfo(t, e.cs)
	locale := freeLocale(t, e.cs, appInfo)
	args := createLocalizationArgs(appInfo, locale)
	posts := func() int { return e.sb.Stats().ByMethod["POST"] }

	created := call(t, e.cs, "call_write_operation", args).ok(t)
	if created.v["status"] != float64(201) || created.item()["locale"] != locale {
		t.Fatalf("create: %s", created.text)
	}
	again := call(t, e.cs, "call_write_operation", args).failed(t, `"sent":"no"`, "already sent", "appInfos_appInfoLocalizations_getToManyRelated", appInfo, "repeat: true")
	_ = again
	if n := posts(); n != 1 {
		t.Errorf("%d POSTs reached the sandbox, want 1", n)
	}
	// Asked explicitly, the create is sent, and App Store Connect answers for itself.
	args["repeat"] = true
	call(t, e.cs, "call_write_operation", args).failed(t, `"sent":"yes"`, "409")
	if n := posts(); n != 2 {
		t.Errorf("%d POSTs after repeat, want 2", n)
	}
}

func TestCreateWithAnUnknownOutcomeNeedsAReadBack(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	_, appInfo := anAppInfo(t, e.cs)
	args := createLocalizationArgs(appInfo, freeLocale(t, e.cs, appInfo))
	e.sb.SetFaults(sandbox.Faults{Rate500: 1})
	call(t, e.cs, "call_write_operation", args).failed(t, `"sent":"unknown"`, "may have taken effect", "appInfos_appInfoLocalizations_getToManyRelated")
	e.sb.SetFaults(sandbox.Faults{})
	before := e.sb.Stats().ByMethod["POST"]
	call(t, e.cs, "call_write_operation", args).failed(t, "outcome is unknown", `"sent":"no"`)
	if n := e.sb.Stats().ByMethod["POST"]; n != before {
		t.Errorf("the create was sent again blindly (%d POSTs, was %d)", n, before)
	}
	// After a 4xx nothing was created: the fixed request goes through.
	bad := createLocalizationArgs("no-such-app-info", "fi")
	call(t, e.cs, "call_write_operation", bad).failed(t, `"sent":"yes"`)
	call(t, e.cs, "call_write_operation", bad).failed(t, `"sent":"yes"`)
}

func TestDestructiveCallNeedsConfirmation(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	_, appInfo := anAppInfo(t, e.cs)
	id := call(t, e.cs, "call_write_operation", createLocalizationArgs(appInfo, freeLocale(t, e.cs, appInfo))).ok(t).item()["id"].(string)
	del := map[string]any{"operation": "appInfoLocalizations_deleteInstance", "path_params": map[string]any{"id": id}}
	call(t, e.cs, "call_destructive_operation", del).failed(t, "cannot be undone", "confirm: true", `"sent":"no"`)
	if n := e.sb.Stats().ByMethod["DELETE"]; n != 0 {
		t.Fatalf("%d DELETEs sent without confirmation", n)
	}
	del["confirm"] = true
	if r := call(t, e.cs, "call_destructive_operation", del).ok(t); r.v["status"] != float64(204) {
		t.Errorf("delete: %s", r.text)
	}
	call(t, e.cs, "call_write_operation", map[string]any{"operation": "appInfoLocalizations_deleteInstance", "path_params": map[string]any{"id": id}}).
		failed(t, "call it with call_destructive_operation")
}

func TestReadOnlyServerOffersAndRunsOnlyReads(t *testing.T) {
	t.Parallel()
	e := connect(t, false)
	_, names := toolNames(t, e.cs)
	for _, n := range names {
		if strings.HasPrefix(n, "call_write") || strings.HasPrefix(n, "call_destructive") || strings.Contains(n, "push") || strings.Contains(n, "submit") {
			t.Errorf("a read-only server offers %s", n)
		}
	}
	r := call(t, e.cs, "search_operations", map[string]any{"query": "app info localizations", "limit": 100}).ok(t)
	for _, op := range r.v["operations"].([]any) {
		if m := op.(map[string]any)["method"]; m != "GET" {
			t.Errorf("a read-only server lists %v", op)
		}
	}
	before := sent(e.sb)
	call(t, e.cs, "describe_operation", map[string]any{"operation": "appInfoLocalizations_createInstance"}).failed(t, "FORBIDDEN_ERROR")
	call(t, e.cs, "call_write_operation", createLocalizationArgs("1", "fi")).failed(t, "FORBIDDEN_ERROR", "--access write")
	call(t, e.cs, "call_read_operation", map[string]any{"operation": "appInfoLocalizations_deleteInstance", "path_params": map[string]any{"id": "7"}}).failed(t, "FORBIDDEN_ERROR")
	if got := sent(e.sb); got != before {
		t.Errorf("%d requests sent for refused writes", got-before)
	}
	want := []string{"POST /mcp/tools/call_write_operation Forbidden", "DELETE " + strings.Replace(mustPath(t, "appInfoLocalizations_deleteInstance"), "{id}", "7", 1) + " Forbidden"}
	if got := e.audit.all(); !slices.Equal(got, want) {
		t.Errorf("audited %q, want %q", got, want)
	}
}

func mustPath(t *testing.T, id string) string {
	t.Helper()
	op, ok := spec.ByID(id)
	if !ok {
		t.Fatalf("no operation %s", id)
	}
	return op.Path
}

func TestAnswersCarryNoPresignedURLs(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	appID, _ := anAppInfo(t, e.cs)
	versions := call(t, e.cs, "call_read_operation", map[string]any{"operation": "apps_appStoreVersions_getToManyRelated", "path_params": map[string]any{"id": appID}}).ok(t).items()
	editable := slices.IndexFunc(versions, func(v map[string]any) bool { return v["appVersionState"] == "PREPARE_FOR_SUBMISSION" })
	if editable < 0 {
		t.Fatalf("the demo app has no version in preparation: %v", versions)
	}
	locs := call(t, e.cs, "call_read_operation", map[string]any{"operation": "appStoreVersions_appStoreVersionLocalizations_getToManyRelated",
		"path_params": map[string]any{"id": versions[editable]["id"]}}).ok(t).items()
	sets := call(t, e.cs, "call_read_operation", map[string]any{"operation": "appStoreVersionLocalizations_appScreenshotSets_getToManyRelated",
		"path_params": map[string]any{"id": locs[0]["id"]}}).ok(t).items()
	setID := ""
	if len(sets) > 0 {
		setID = sets[0]["id"].(string)
	} else {
		setID = call(t, e.cs, "call_write_operation", map[string]any{"operation": "appScreenshotSets_createInstance", "body": map[string]any{"data": map[string]any{
			"type": "appScreenshotSets", "attributes": map[string]any{"screenshotDisplayType": "APP_IPHONE_67"},
			"relationships": map[string]any{"appStoreVersionLocalization": map[string]any{"data": map[string]any{"type": "appStoreVersionLocalizations", "id": locs[0]["id"]}}}}}}).ok(t).item()["id"].(string)
	}
	r := call(t, e.cs, "call_write_operation", map[string]any{"operation": "appScreenshots_createInstance", "body": map[string]any{"data": map[string]any{
		"type": "appScreenshots", "attributes": map[string]any{"fileName": "a.png", "fileSize": 1000},
		"relationships": map[string]any{"appScreenshotSet": map[string]any{"data": map[string]any{"type": "appScreenshotSets", "id": setID}}}}}}).ok(t)
	if strings.Contains(r.text, "/sandbox/upload/") || strings.Contains(r.text, e.sb.URL()) {
		t.Errorf("the answer carries an upload URL: %s", r.text)
	}
	if !strings.Contains(r.text, "presigned upload URL removed") {
		t.Errorf("the answer does not show the upload operations without their URLs: %s", r.text)
	}
	raw := call(t, e.cs, "call_read_operation", map[string]any{"operation": "appScreenshots_getInstance", "path_params": map[string]any{"id": r.item()["id"]}, "raw": true}).ok(t)
	if strings.Contains(raw.text, "/sandbox/upload/") {
		t.Errorf("a raw read carries an upload URL: %s", raw.text)
	}
}

func TestAppListResource(t *testing.T) {
	t.Parallel()
	e := connect(t, false)
	res, err := e.cs.ReadResource(t.Context(), &sdk.ReadResourceParams{URI: "ascend://apps"})
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Apps []struct{ ID, Name, BundleID string }
	}
	if err := json.Unmarshal([]byte(res.Contents[0].Text), &list); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list.Apps, func(a struct{ ID, Name, BundleID string }) bool {
		return a.BundleID == "com.example.daybreak" && a.ID != ""
	}) {
		t.Errorf("app list: %s", res.Contents[0].Text)
	}
}

// TestErrorMessagesAreOneLine: a message that quotes an argument (an app, a group, a build
// number) keeps it on one line and inert: line breaks and other control characters are
// written escaped, as the gateway's details and the CLI's errors write them.
func TestErrorMessagesAreOneLine(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	for _, tt := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"testflight_groups", map[string]any{"app": "a\x00b\x1b[31m\r\nc\u2028d\x7f\u0085"}, `a\x00b\x1b[31m\r\nc\u2028d\x7f is`},
		{"testflight_testers", map[string]any{"app": "com.example.daybreak", "group": "x\ny"}, `no beta group named x\ny`},
		{"call_read_operation", map[string]any{"operation": "apps\tgetCollection"}, `apps\tgetCollection`},
	} {
		r := call(t, e.cs, tt.tool, tt.args).failed(t, `"sent":`)
		msg := r.str("message")
		if strings.ContainsFunc(msg, func(r rune) bool { return unicode.IsControl(r) || r == '\u2028' }) {
			t.Errorf("%s: the message holds control characters: %q", tt.tool, msg)
		}
		if !strings.Contains(msg, tt.want) {
			t.Errorf("%s: message %q lacks %q", tt.tool, msg, tt.want)
		}
	}
}
