package mcp_test

import (
	"context"
	"encoding/json"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// embedded hands the command a sandbox the test owns (and closes).
type embedded struct{ *sandbox.Server }

func (embedded) Close() error { return nil }

// stdio runs `ascend <args>` in-process with its stdin and stdout as pipes, and connects the
// Go SDK's client to them, exactly as an agent connects to the binary it starts.
type stdio struct {
	sb     *sandbox.Server
	cs     *sdk.ClientSession
	stderr *testutil.SyncBuffer
	done   chan error
}

func startStdio(t testing.TB, args ...string) *stdio {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{HourlyLimit: -1}).Server
	serverIn, clientOut := io.Pipe()
	clientIn, serverOut := io.Pipe()
	s := &stdio{sb: sb, stderr: &testutil.SyncBuffer{}, done: make(chan error, 1)}
	env := map[string]string{"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir()}
	f := cli.NewFactory(&cli.IOStreams{In: serverIn, Out: serverOut, ErrOut: s.stderr}, func(k string) string { return env[k] })
	f.StartSandbox = func(string) (cli.EmbeddedSandbox, error) { return embedded{sb}, nil }
	go func() {
		err := root.Run(context.Background(), f, args)
		serverOut.Close()
		s.done <- err
	}()
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "stdio-test", Version: "1"}, nil).
		Connect(t.Context(), &sdk.IOTransport{Reader: clientIn, Writer: clientOut}, nil)
	if err != nil {
		t.Fatalf("connect: %v; stderr: %s", err, s.stderr)
	}
	s.cs = cs
	return s
}

// stop closes the client's end, as an agent quitting does, and waits for the command.
func (s *stdio) stop(t *testing.T) {
	t.Helper()
	s.cs.Close()
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("ascend mcp ended with %v; stderr: %s", err, s.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("ascend mcp did not end when its stdin closed")
	}
}

func (s *stdio) call(t *testing.T, name string, args map[string]any) (string, bool) {
	t.Helper()
	res, err := s.cs.CallTool(t.Context(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res.Content[0].(*sdk.TextContent).Text, res.IsError
}

func TestStdioServesTheCatalogWithTheCLIsCredentials(t *testing.T) {
	t.Parallel()
	s := startStdio(t, "--sandbox", "mcp")
	defer s.stop(t)
	tools, err := s.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	for _, want := range []string{"search_operations", "describe_operation", "call_read_operation", "call_write_operation", "call_destructive_operation"} {
		if !slices.Contains(names, want) {
			t.Errorf("tools %v lack %s", names, want)
		}
	}
	if text, isErr := s.call(t, "search_operations", map[string]any{"query": "apps", "method": "GET", "limit": 1}); isErr || !strings.Contains(text, "apps_getCollection") {
		t.Errorf("search: %s", text)
	}
	if text, isErr := s.call(t, "describe_operation", map[string]any{"operation": "apps_getCollection"}); isErr || !strings.Contains(text, `"maximum":200`) {
		t.Errorf("describe: %s", text)
	}
	text, isErr := s.call(t, "call_read_operation", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"filter[bundleId]": "com.example.daybreak"}})
	var read struct {
		Items []struct{ ID, BundleID string }
	}
	if err := json.Unmarshal([]byte(text), &read); isErr || err != nil || len(read.Items) != 1 || read.Items[0].BundleID != "com.example.daybreak" {
		t.Fatalf("read: %s", text)
	}
	// A write: rename nothing, just set the app's content rights declaration to what it is.
	text, isErr = s.call(t, "call_write_operation", map[string]any{"operation": "apps_updateInstance", "path_params": map[string]any{"id": read.Items[0].ID},
		"body": map[string]any{"data": map[string]any{"type": "apps", "id": read.Items[0].ID, "attributes": map[string]any{"contentRightsDeclaration": "DOES_NOT_USE_THIRD_PARTY_CONTENT"}}}})
	if isErr || !strings.Contains(text, `"status":200`) {
		t.Errorf("write: %s", text)
	}
	before := s.sb.Stats().ByMethod["GET"]
	text, isErr = s.call(t, "call_read_operation", map[string]any{"operation": "apps_getCollection", "query": map[string]any{"limit": 201}})
	if !isErr || !strings.Contains(text, "PARAMETER_ERROR.INVALID") || !strings.Contains(text, `"parameter":"limit"`) {
		t.Errorf("bad argument: %s", text)
	}
	if after := s.sb.Stats().ByMethod["GET"]; after != before {
		t.Errorf("a refused request reached the sandbox")
	}
}

func TestStdioReadOnly(t *testing.T) {
	t.Parallel()
	s := startStdio(t, "--sandbox", "mcp", "--read-only")
	defer s.stop(t)
	tools, err := s.cs.ListTools(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tools.Tools {
		if tl.Annotations == nil || !tl.Annotations.ReadOnlyHint {
			t.Errorf("--read-only offers %s (%+v)", tl.Name, tl.Annotations)
		}
	}
	if text, isErr := s.call(t, "call_write_operation", map[string]any{"operation": "apps_updateInstance"}); !isErr || !strings.Contains(text, "FORBIDDEN_ERROR") {
		t.Errorf("write with --read-only: %s", text)
	}
}

func TestMCPWithoutCredentialsFailsBeforeServing(t *testing.T) {
	t.Parallel()
	ios, _, out, errOut := cli.TestIO()
	env := map[string]string{"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir()}
	f := cli.NewFactory(ios, func(k string) string { return env[k] })
	code := root.Execute(t.Context(), f, []string{"mcp"})
	if code != cli.ExitAuth || out.Len() != 0 || !strings.Contains(errOut.String(), "no App Store Connect credentials") {
		t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and the credentials message on stderr only", code, out, errOut, cli.ExitAuth)
	}
}
