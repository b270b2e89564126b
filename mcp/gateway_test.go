package mcp_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/mcp"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// gateway is `ascend serve` on the sandbox with the MCP server mounted, as the serve command
// mounts it, and a read and a write client key.
type gateway struct {
	sb                *sandbox.Server
	db                *store.DB
	url               string
	readKey, writeKey string
}

func newGateway(t testing.TB) *gateway {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{}).Server
	db := storetest.Open(t, "sqlite")
	gw, err := connector.New(connector.Config{
		Profiles:        []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}},
		DB:              db,
		DisableDelivery: true,
		MCP:             mcp.GatewayHandler("test", nil),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(func() { srv.Close(); gw.Close() })
	g := &gateway{sb: sb, db: db, url: srv.URL}
	g.readKey = g.key(t, "agent-reader", store.Read)
	g.writeKey = g.key(t, "agent-writer", store.Write)
	return g
}

func (g *gateway) key(t testing.TB, name string, access store.Access) string {
	t.Helper()
	secret, rec, err := connector.NewClientKey(name, "default", access, 0, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.db.CreateClientKey(t.Context(), rec); err != nil {
		t.Fatal(err)
	}
	return secret
}

// withKey sends the gateway client key on every request of the MCP client.
type withKey struct {
	key  string
	base http.RoundTripper
}

func (w withKey) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+w.key)
	return w.base.RoundTrip(r)
}

func (g *gateway) session(t testing.TB, key string) *sdk.ClientSession {
	t.Helper()
	tr := &sdk.StreamableClientTransport{Endpoint: g.url + "/mcp", DisableStandaloneSSE: true, MaxRetries: -1,
		HTTPClient: &http.Client{Transport: withKey{key: key, base: http.DefaultTransport}}}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "http-test", Version: "1"}, nil).Connect(t.Context(), tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func (g *gateway) audit(t *testing.T) []string {
	t.Helper()
	entries, err := g.db.Audit(t.Context(), time.Time{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.KeyName+" "+e.Method+" "+e.Path+" "+http.StatusText(e.Status))
	}
	slices.Sort(out)
	return out
}

func TestGatewayRefusesMCPWithoutAKey(t *testing.T) {
	t.Parallel()
	g := newGateway(t)
	resp, err := http.Post(g.url+"/mcp", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", resp.StatusCode)
	}
}

func TestGatewayWriteKeyCallsAndIsAudited(t *testing.T) {
	t.Parallel()
	g := newGateway(t)
	cs := g.session(t, g.writeKey)
	_, names := toolNames(t, cs)
	for _, n := range genericTools {
		if !slices.Contains(names, n) {
			t.Errorf("a write key's tools %v lack %s", names, n)
		}
	}
	_, appInfo := anAppInfo(t, cs)
	created := call(t, cs, "call_write_operation", createLocalizationArgs(appInfo, freeLocale(t, cs, appInfo))).ok(t)
	if created.v["status"] != float64(201) {
		t.Fatalf("create: %s", created.text)
	}
	before := sent(g.sb)
	call(t, cs, "call_read_operation", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"limit": 0}}).failed(t, "PARAMETER_ERROR.INVALID", `"sent":"no"`)
	if sent(g.sb) != before {
		t.Error("a refused request reached the sandbox")
	}
	create := mustPath(t, "appInfoLocalizations_createInstance")
	if got, want := g.audit(t), []string{"agent-writer POST " + create + " Created"}; !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q (one entry per write sent, none for reads or MCP requests)", got, want)
	}
}

func TestGatewayReadKeySeesOnlyReadsAndItsWritesAreRefusedAndAudited(t *testing.T) {
	t.Parallel()
	g := newGateway(t)
	cs := g.session(t, g.readKey)
	tools, names := toolNames(t, cs)
	for _, tl := range tools {
		if !tl.Annotations.ReadOnlyHint {
			t.Errorf("a read key is offered %s", tl.Name)
		}
	}
	if !slices.Contains(names, "call_read_operation") {
		t.Fatalf("a read key's tools: %v", names)
	}
	r := call(t, cs, "search_operations", map[string]any{"resource": "appInfoLocalizations", "limit": 100}).ok(t)
	for _, op := range r.v["operations"].([]any) {
		if op.(map[string]any)["method"] != "GET" {
			t.Errorf("a read key finds %v", op)
		}
	}
	before := sent(g.sb)
	call(t, cs, "call_write_operation", createLocalizationArgs("1", "fi")).failed(t, "FORBIDDEN_ERROR", "--access write")
	call(t, cs, "call_read_operation", map[string]any{"operation": "appInfoLocalizations_deleteInstance", "path_params": map[string]any{"id": "7"}}).failed(t, "FORBIDDEN_ERROR")
	if sent(g.sb) != before {
		t.Error("a refused write reached the sandbox")
	}
	del := strings.Replace(mustPath(t, "appInfoLocalizations_deleteInstance"), "{id}", "7", 1)
	want := []string{"agent-reader DELETE " + del + " Forbidden", "agent-reader POST /mcp/tools/call_write_operation Forbidden"}
	if got := g.audit(t); !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q", got, want)
	}
}
