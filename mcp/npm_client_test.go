package mcp_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/testutil"
)

const npmClientDir = "testdata/npm-client"

type npmAnswer struct {
	IsError bool           `json:"isError"`
	Answer  map[string]any `json:"answer"`
}

type npmResult struct {
	Error      string `json:"error"`
	WriteTools []struct {
		Name        string         `json:"name"`
		Annotations map[string]any `json:"annotations"`
	} `json:"writeTools"`
	Search       npmAnswer `json:"search"`
	Describe     npmAnswer `json:"describe"`
	Read         npmAnswer `json:"read"`
	Write        npmAnswer `json:"write"`
	BadArgument  npmAnswer `json:"badArgument"`
	ReadTools    []string  `json:"readTools"`
	RefusedWrite npmAnswer `json:"refusedWrite"`
}

// The TypeScript SDK's client, an implementation independent of the Go SDK the server uses,
// drives the gateway's /mcp like an agent.
func TestNPMClientAgainstTheGateway(t *testing.T) {
	t.Parallel()
	node := testutil.Node(t, npmClientDir, "@modelcontextprotocol/sdk")
	g := newGateway(t)
	cs := g.session(t, g.writeKey)
	_, appInfo := anAppInfo(t, cs)
	locale := freeLocale(t, cs, appInfo)
	before := g.sb.Stats().ByMethod["GET"]

	cmd := exec.CommandContext(t.Context(), node, "script.js")
	cmd.Dir = npmClientDir
	// Only what the script needs: never a developer's own credentials.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"),
		"MCP_URL=" + g.url + "/mcp", "WRITE_KEY=" + g.writeKey, "READ_KEY=" + g.readKey, "LOCALE=" + locale}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var res npmResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil || runErr != nil || res.Error != "" {
		t.Fatalf("node script.js: %v; %v; %s\nstdout: %s\nstderr: %s", runErr, err, res.Error, stdout.Bytes(), stderr.Bytes())
	}
	if strings.Contains(stdout.String(), g.writeKey) || strings.Contains(stdout.String(), g.readKey) {
		t.Error("an answer carries a client key")
	}

	var names []string
	for _, tl := range res.WriteTools {
		names = append(names, tl.Name)
		if tl.Name == "call_destructive_operation" && tl.Annotations["destructiveHint"] != true {
			t.Errorf("the TypeScript client sees %s annotated %v", tl.Name, tl.Annotations)
		}
	}
	for _, n := range genericTools {
		if !slices.Contains(names, n) {
			t.Errorf("tools %v lack %s", names, n)
		}
	}
	if ops, _ := res.Search.Answer["operations"].([]any); res.Search.IsError || len(ops) == 0 || ops[0].(map[string]any)["id"] != "appInfoLocalizations_createInstance" {
		t.Errorf("search: %+v", res.Search)
	}
	if res.Describe.IsError || res.Describe.Answer["tool"] != "call_write_operation" || res.Describe.Answer["body"] == nil {
		t.Errorf("describe: %+v", res.Describe)
	}
	if items, _ := res.Read.Answer["items"].([]any); res.Read.IsError || len(items) != 1 {
		t.Errorf("read: %+v", res.Read)
	}
	if res.Write.IsError || res.Write.Answer["status"] != float64(201) {
		t.Errorf("write: %+v", res.Write)
	}
	errs, _ := res.BadArgument.Answer["errors"].([]any)
	if !res.BadArgument.IsError || len(errs) == 0 || errs[0].(map[string]any)["code"] != "PARAMETER_ERROR.INVALID" || res.BadArgument.Answer["sent"] != "no" {
		t.Errorf("bad argument: %+v", res.BadArgument)
	}
	for _, n := range res.ReadTools {
		if strings.HasPrefix(n, "call_write") || strings.HasPrefix(n, "call_destructive") {
			t.Errorf("a read key is offered %s", n)
		}
	}
	if !res.RefusedWrite.IsError || !strings.Contains(res.RefusedWrite.Answer["message"].(string), "may only read") {
		t.Errorf("refused write: %+v", res.RefusedWrite)
	}
	// GETs the script sent: the reads it made, not the refused one with limit 500.
	if got := g.sb.Stats().ByMethod["GET"] - before; got != 2 {
		t.Errorf("the script's session sent %d GETs, want 2 (the bad argument must not be sent)", got)
	}
	create := mustPath(t, "appInfoLocalizations_createInstance")
	want := []string{"agent-reader POST /mcp/tools/call_write_operation Forbidden", "agent-writer POST " + create + " Created"}
	if got := g.audit(t); !slices.Equal(got, want) {
		t.Errorf("audit %q, want %q", got, want)
	}
}
