package mcp_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/apicall"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/mcp"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// The same request everywhere: GET apps_getCollection?limit=2 on a sandbox without latency, so
// each benchmark measures what its path adds. Run:
//
//	go test -run '^$' -bench . -count 5 ./internal/cmd/mcp/
//
// Direct is the request as `ascend api` sends it (validated by internal/apicall, sent through
// a warm asc.Client); APICommand is the whole `ascend api` command in process (flags,
// credentials, a fresh token, output); ToolCallStdio is call_read_operation over `ascend mcp`'s
// stdio pipes; Passthrough and ToolCallHTTP are the gateway's /v1 passthrough and its /mcp.

var benchArgs = map[string]any{"operation": "apps_getCollection", "query": map[string]any{"limit": 2}}

func BenchmarkDirect(b *testing.B) {
	sb := sandboxtest.Start(b, sandbox.Options{HourlyLimit: -1})
	c := sb.Client()
	op, _ := spec.ByID("apps_getCollection")
	ctx := context.Background()
	for b.Loop() {
		req := &apicall.Request{Method: op.Method, Path: op.Path, Query: url.Values{"limit": {"2"}}}
		if err := apicall.Check(op, req); err != nil {
			b.Fatal(err)
		}
		rc, _, err := apicall.Send(ctx, c, req)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, rc)
		rc.Close()
	}
}

func BenchmarkAPICommand(b *testing.B) {
	sb := sandboxtest.Start(b, sandbox.Options{HourlyLimit: -1})
	creds := sb.Credentials()
	env := map[string]string{"ASCEND_CONFIG_DIR": b.TempDir(), "ASCEND_CACHE_DIR": b.TempDir()}
	op, _ := spec.ByID("apps_getCollection")
	for b.Loop() {
		ios, _, _, _ := cli.TestIO()
		f := cli.NewFactory(ios, func(k string) string { return env[k] })
		if err := root.Run(context.Background(), f, []string{"--api-key-json", creds, "api", op.Path + "?limit=2"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkToolCallStdio(b *testing.B) {
	s := startStdio(b, "--sandbox", "mcp")
	for b.Loop() {
		res, err := s.cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "call_read_operation", Arguments: benchArgs})
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
	b.StopTimer()
	s.cs.Close()
	<-s.done
}

func benchGateway(b *testing.B) (string, string) {
	sb := sandboxtest.Start(b, sandbox.Options{HourlyLimit: -1})
	db := storetest.Open(b, "sqlite")
	gw, err := connector.New(connector.Config{Profiles: []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}},
		DB: db, DisableDelivery: true, MCP: mcp.GatewayHandler("bench", nil)})
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	b.Cleanup(func() { srv.Close(); gw.Close() })
	secret, rec, err := connector.NewClientKey("bench", "default", store.Read, 0, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateClientKey(context.Background(), rec); err != nil {
		b.Fatal(err)
	}
	return srv.URL, secret
}

func BenchmarkPassthrough(b *testing.B) {
	base, key := benchGateway(b)
	op, _ := spec.ByID("apps_getCollection")
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, base+op.Path+"?limit=2", nil)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			b.Fatal(err, resp)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

type bearer struct{ key string }

func (k bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+k.key)
	return http.DefaultTransport.RoundTrip(r)
}

func BenchmarkToolCallHTTP(b *testing.B) {
	base, key := benchGateway(b)
	tr := &sdk.StreamableClientTransport{Endpoint: base + "/mcp", DisableStandaloneSSE: true, HTTPClient: &http.Client{Transport: bearer{key}}}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(), tr, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	for b.Loop() {
		res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "call_read_operation", Arguments: benchArgs})
		if err != nil || res.IsError {
			b.Fatal(err, res)
		}
	}
}
