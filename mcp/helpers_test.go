package mcp_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/mcp"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// auditLog records the refusals a server reports.
type auditLog struct {
	mu      sync.Mutex
	entries []string // "POST /path 403"
}

func (a *auditLog) record(_ context.Context, method, path string, status int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.entries = append(a.entries, method+" "+path+" "+http.StatusText(status))
}

func (a *auditLog) all() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.entries...)
}

type env struct {
	sb    *sandbox.Server
	cs    *sdk.ClientSession
	audit *auditLog
}

// connect serves an MCP server over the SDK's in-memory transport, for the tests of the
// tools' behaviour; the transports themselves are tested over stdio and HTTP elsewhere.
func connect(t *testing.T, write bool) *env {
	t.Helper()
	return connectWith(t, mcp.Options{Write: write})
}

func connectWith(t *testing.T, opts mcp.Options) *env {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{})
	e := &env{sb: sb.Server, audit: &auditLog{}}
	opts.Client, opts.Audit = sb.Client(), e.audit.record
	e.cs = serve(t, opts)
	return e
}

// serve connects a client to a new server for opts over the in-memory transport; both are
// closed when the test (or fuzz target) ends.
func serve(tb testing.TB, opts mcp.Options) *sdk.ClientSession {
	tb.Helper()
	ct, st := sdk.NewInMemoryTransports()
	ss, err := mcp.New(opts).Connect(tb.Context(), st, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ss.Close() })
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(tb.Context(), ct, nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cs.Close() })
	return cs
}

// reply is a tool's answer decoded loosely.
type reply struct {
	isError bool
	text    string
	v       map[string]any
}

func call(t *testing.T, cs *sdk.ClientSession, name string, args any) reply {
	t.Helper()
	res, err := cs.CallTool(t.Context(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d contents", name, len(res.Content))
	}
	tc, ok := res.Content[0].(*sdk.TextContent)
	if !ok {
		t.Fatalf("%s: content %T", name, res.Content[0])
	}
	r := reply{isError: res.IsError, text: tc.Text}
	if err := json.Unmarshal([]byte(tc.Text), &r.v); err != nil {
		t.Fatalf("%s: answer is not JSON: %v\n%s", name, err, tc.Text)
	}
	return r
}

func (r reply) ok(t *testing.T) reply {
	t.Helper()
	if r.isError {
		t.Fatalf("tool failed: %s", r.text)
	}
	return r
}

func (r reply) failed(t *testing.T, want ...string) reply {
	t.Helper()
	if !r.isError {
		t.Fatalf("tool succeeded, want a failure: %s", r.text)
	}
	for _, w := range want {
		if !strings.Contains(r.text, w) {
			t.Errorf("answer lacks %q: %s", w, r.text)
		}
	}
	return r
}

func (r reply) str(key string) string { s, _ := r.v[key].(string); return s }

func (r reply) items() []map[string]any {
	list, _ := r.v["items"].([]any)
	out := make([]map[string]any, 0, len(list))
	for _, it := range list {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (r reply) item() map[string]any { m, _ := r.v["item"].(map[string]any); return m }

// firstError is the first of Apple's error objects in a failure.
func (r reply) firstError(t *testing.T) map[string]any {
	t.Helper()
	errs, _ := r.v["errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("no error objects: %s", r.text)
	}
	m, _ := errs[0].(map[string]any)
	return m
}

func sent(sb *sandbox.Server) int {
	n := 0
	for _, c := range sb.Stats().ByMethod {
		n += c
	}
	return n
}

// anAppInfo finds an app and its first app info through the tools themselves.
func anAppInfo(t *testing.T, cs *sdk.ClientSession) (appID, appInfoID string) {
	t.Helper()
	apps := call(t, cs, "call_read_operation", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"filter[bundleId]": "com.example.daybreak"}}).ok(t).items()
	if len(apps) != 1 {
		t.Fatalf("apps with bundle id com.example.daybreak: %v", apps)
	}
	appID = apps[0]["id"].(string)
	infos := call(t, cs, "call_read_operation", map[string]any{"operation": "apps_appInfos_getToManyRelated", "path_params": map[string]any{"id": appID}}).ok(t).items()
	if len(infos) == 0 {
		t.Fatal("the demo app has no app info")
	}
	return appID, infos[0]["id"].(string)
}

// freeLocale is a locale the app info has no localization for yet.
func freeLocale(t *testing.T, cs *sdk.ClientSession, appInfoID string) string {
	t.Helper()
	locs := call(t, cs, "call_read_operation", map[string]any{"operation": "appInfos_appInfoLocalizations_getToManyRelated", "path_params": map[string]any{"id": appInfoID}}).ok(t).items()
	have := map[string]bool{}
	for _, l := range locs {
		have[l["locale"].(string)] = true
	}
	for _, l := range []string{"fi", "sv", "da", "no", "nl-NL", "pl", "tr", "uk"} {
		if !have[l] {
			return l
		}
	}
	t.Fatal("no free locale")
	return ""
}

func createLocalizationArgs(appInfoID, locale string) map[string]any {
	return map[string]any{
		"operation": "appInfoLocalizations_createInstance",
		"body": map[string]any{"data": map[string]any{
			"type":          "appInfoLocalizations",
			"attributes":    map[string]any{"locale": locale, "name": "Daybreak " + locale},
			"relationships": map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "appInfos", "id": appInfoID}}},
		}},
	}
}
