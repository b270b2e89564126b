package connector_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	servecmd "github.com/ascend-tools/ascend/internal/cmd/serve"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store/storetest"
)

type result struct {
	stdout, stderr string
	code           int
	err            error
}

// runCLI runs one ascend invocation in-process as a pipe (or a terminal), with env as the
// whole environment.
func runCLI(t *testing.T, tty bool, env map[string]string, args ...string) result {
	t.Helper()
	ios, _, out, errOut := cli.TestIO()
	ios.SetTTY(tty)
	f := cli.NewFactory(ios, func(k string) string { return env[k] })
	err := root.Run(t.Context(), f, args)
	return result{out.String(), errOut.String(), cli.ExitCode(err), err}
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d; err: %v\nstdout: %s\nstderr: %s", r.code, code, r.err, redact(r.stdout), redact(r.stderr))
	}
	return r
}

var clientKeyRE = regexp.MustCompile(`asck_[A-Za-z0-9_-]+`)

// redact hides client keys in test output.
func redact(s string) string { return clientKeyRE.ReplaceAllString(s, "asck_[redacted]") }

func get(t *testing.T, method, url, key string, body string) int {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, url, rd)
	req.Header.Set("X-API-Key", key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestGatewayLifecycle drives the commands a gateway administrator uses, in order, against
// a sandbox: create keys, serve, use a key, register a webhook, read the audit, revoke,
// export.
func TestGatewayLifecycle(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{BurstLimit: -1})
	creds := t.TempDir()
	if err := sb.WriteCredentials(creds); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	env := map[string]string{
		"ASCEND_CONFIG_DIR": dir, "ASCEND_CACHE_DIR": t.TempDir(),
		"ASC_API_KEY_JSON":  filepath.Join(creds, "credentials.json"),
		"ASCEND_GATEWAY_DB": filepath.Join(dir, "gw.sqlite"),
	}

	r := runCLI(t, false, env, "connector", "keys", "create", "--name", "flow", "--access", "write", "--expires", "90d").want(t, 0)
	key := strings.TrimSpace(r.stdout)
	if !strings.HasPrefix(key, "asck_") || strings.Contains(key, "\n") || r.stderr != "" {
		t.Fatalf("key not printed alone on stdout: %q (stderr %q)", redact(r.stdout), redact(r.stderr))
	}
	readKey := strings.TrimSpace(runCLI(t, false, env, "connector", "keys", "create", "--name", "reader", "--quota", "50%").want(t, 0).stdout)
	r = runCLI(t, false, env, "connector", "keys", "create", "--name", "flow").want(t, 1)
	if !strings.Contains(r.err.Error(), "already exists") {
		t.Errorf("duplicate name: %v", r.err)
	}
	runCLI(t, false, env, "connector", "keys", "create", "--name", "x", "--access", "admin").want(t, 2)
	runCLI(t, false, env, "connector", "keys", "create", "--name", "x", "--expires", "soon").want(t, 2)
	runCLI(t, false, env, "connector", "keys", "create", "--name", "x", "--quota", "150%").want(t, 2)
	runCLI(t, false, env, "connector", "keys", "quota", "flow", "12.5%").want(t, 0)
	runCLI(t, false, env, "connector", "keys", "quota", "nobody", "10%").want(t, 1)
	runCLI(t, false, env, "connector", "keys", "quota", "flow", "lots").want(t, 2)
	r = runCLI(t, false, env, "connector", "keys", "list", "--json").want(t, 0)
	var keys []map[string]any
	if json.Unmarshal([]byte(r.stdout), &keys); len(keys) != 2 || strings.Contains(r.stdout, "asck_") || strings.Contains(r.stdout, key[20:]) {
		t.Fatalf("keys list: %s", redact(r.stdout))
	}
	if keys[0]["quota"] != 0.125 || keys[1]["quota"] != 0.5 {
		t.Errorf("keys list quotas: %v, %v; want 0.125 and 0.5", keys[0]["quota"], keys[1]["quota"])
	}
	if r = runCLI(t, false, env, "connector", "keys", "list").want(t, 0); !strings.Contains(r.stdout, "\t12.5%\t") || !strings.Contains(r.stdout, "\t50%\t") {
		t.Errorf("keys list table lacks the quotas: %q", r.stdout)
	}

	// Serve with the credentials found the usual way, as profile "default".
	ios, _, _, _ := cli.TestIO()
	f := cli.NewFactory(ios, func(k string) string { return env[k] })
	ctx, cancel := context.WithCancel(t.Context())
	addrs := make(chan string, 1)
	serve := servecmd.NewCmdWith(f, func(a string) { addrs <- a })
	serve.SetArgs([]string{"--addr", "127.0.0.1:0", "--log-level", "warn"})
	served := make(chan error, 1)
	go func() { served <- serve.ExecuteContext(ctx) }()
	var base string
	select {
	case a := <-addrs:
		base = "http://" + a
	case err := <-served:
		t.Fatalf("serve failed: %v", err)
	}
	if code := get(t, "GET", base+"/v1/apps", key, ""); code != 200 {
		t.Fatalf("GET through the served gateway: %d", code)
	}
	if code := get(t, "GET", base+"/v1/apps", "asck_0000000000000000_nope", ""); code != 401 {
		t.Errorf("unknown key: %d", code)
	}

	// A webhook at the sandbox pointing at the gateway.
	var apps struct {
		Data []struct {
			ID         string
			Attributes struct {
				BundleID string `json:"bundleId"`
			} `json:"attributes"`
		} `json:"data"`
	}
	r = runCLI(t, false, env, "api", "/v1/apps").want(t, 0)
	json.Unmarshal([]byte(r.stdout), &apps)
	if len(apps.Data) == 0 {
		t.Fatalf("no apps: %s", r.stdout)
	}
	runCLI(t, false, env, "connector", "webhooks", "register", "--app", apps.Data[0].ID, "--events", "nope", "--public-url", base).want(t, 2)
	r = runCLI(t, false, env, "connector", "webhooks", "register", "--app", apps.Data[0].ID, "--events", "BUILD_UPLOAD_STATE_UPDATED", "--public-url", base).want(t, 0)
	hookID := strings.TrimSpace(r.stdout)
	// --app also takes the bundle id; registering again for the same URL keeps the one webhook.
	r = runCLI(t, false, env, "connector", "webhooks", "register", "--app", apps.Data[0].Attributes.BundleID, "--events", "BUILD_UPLOAD_STATE_UPDATED", "--public-url", base).want(t, 0)
	if again := strings.TrimSpace(r.stdout); again != hookID {
		t.Errorf("register by bundle id made webhook %s, want the existing %s", again, hookID)
	}
	r = runCLI(t, false, env, "connector", "webhooks", "list", "--json").want(t, 0)
	if strings.Contains(r.stdout, "secret") {
		t.Error("webhooks list shows the webhook's secret")
	} else if !strings.Contains(r.stdout, hookID) || !strings.Contains(r.stdout, base+"/connector/webhooks/apple/default") {
		t.Errorf("webhooks list: %s", r.stdout)
	}
	// The sandbox's ping reaches the gateway and is accepted: the stored secret verifies it.
	ping := `{"data":{"type":"webhookPings","relationships":{"webhook":{"data":{"type":"webhooks","id":"` + hookID + `"}}}}}`
	if code := get(t, "POST", base+"/v1/webhookPings", key, ping); code != 201 {
		t.Fatalf("ping: %d", code)
	}

	r = runCLI(t, false, env, "connector", "audit", "--json", "--since", "1h").want(t, 0)
	var audit []map[string]any
	json.Unmarshal([]byte(r.stdout), &audit)
	if len(audit) != 1 || audit[0]["key"] != "flow" || audit[0]["path"] != "/v1/webhookPings" || audit[0]["status"].(float64) != 201 {
		t.Errorf("audit: %s", r.stdout)
	}
	runCLI(t, false, env, "connector", "audit", "--since", "yesterday-ish").want(t, 2)
	r = runCLI(t, false, env, "connector", "audit").want(t, 0)
	if !strings.Contains(r.stdout, "/v1/webhookPings") {
		t.Errorf("audit table: %s", r.stdout)
	}

	runCLI(t, false, env, "connector", "keys", "revoke", "flow", "--yes").want(t, 0)
	runCLI(t, false, env, "connector", "keys", "revoke", "flow", "--yes").want(t, 1)
	if code := get(t, "GET", base+"/v1/apps", key, ""); code != 401 {
		t.Errorf("revoked key: %d, want 401", code)
	}

	out := filepath.Join(t.TempDir(), "connector")
	publisher := []string{"--publisher", "Example Labs", "--contact-name", "Mobile team", "--contact-url", "https://example.com/mobile", "--contact-email", "mobile@example.com"}
	runCLI(t, false, env, append([]string{"connector", "export", "--host", "asc-gw.example.com", "--tags", "Builds", "--out", out}, publisher...)...).want(t, 0)
	runCLI(t, false, env, append([]string{"connector", "export", "--host", "asc-gw.example.com", "--tags", "Nope", "--out", out}, publisher...)...).want(t, 2)
	runCLI(t, false, env, "connector", "export", "--host", "asc-gw.example.com", "--out", out).want(t, 2)
	runCLI(t, false, env, append([]string{"connector", "export", "--host", "asc-gw.example.com", "--out", out, "--contact-url", "http://insecure.example.com"}, publisher[:6]...)...).want(t, 2)
	for _, name := range []string{"apiDefinition.swagger.json", "apiProperties.json"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil || !json.Valid(b) {
			t.Errorf("%s: %v", name, err)
		}
		if !strings.Contains(string(b), "Example Labs") && !strings.Contains(string(b), "Mobile team") {
			t.Errorf("%s does not name the publisher or contact from the flags", name)
		}
	}
	if b, err := os.ReadFile(filepath.Join(out, "readme.md")); err != nil || !strings.Contains(string(b), "## Publisher: Example Labs") {
		t.Errorf("readme.md: %v %.200s", err, b)
	}

	// A subscription made through the gateway shows up for the operator without its secret
	// query, and can be removed.
	subBody := `{"callbackUrl": "http://127.0.0.1:9/flow?sig=topsecret"}`
	if code := get(t, "POST", base+"/connector/subscriptions", readKey, subBody); code != 201 {
		t.Fatalf("subscribe: %d", code)
	}
	r = runCLI(t, false, env, "connector", "subscriptions", "list", "--json").want(t, 0)
	var subs []map[string]any
	if json.Unmarshal([]byte(r.stdout), &subs); len(subs) != 1 || strings.Contains(r.stdout, "topsecret") {
		t.Fatalf("subscriptions list: %s", r.stdout)
	}
	runCLI(t, false, env, "connector", "subscriptions", "remove", subs[0]["id"].(string), "--yes").want(t, 0)
	runCLI(t, false, env, "connector", "subscriptions", "remove", subs[0]["id"].(string), "--yes").want(t, 1)

	runCLI(t, false, env, "connector", "webhooks", "remove", hookID, "--yes").want(t, 0)
	r = runCLI(t, false, env, "connector", "webhooks", "list", "--json").want(t, 0)
	if strings.Contains(r.stdout, hookID) {
		t.Errorf("webhook still listed: %s", r.stdout)
	}

	cancel()
	if err := <-served; err != nil {
		t.Errorf("serve returned %v after the stop", err)
	}
}

func TestServeUsageErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"ASCEND_CONFIG_DIR": dir, "ASCEND_CACHE_DIR": dir, "ASCEND_GATEWAY_DB": filepath.Join(dir, "gw.sqlite")}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"profiles": {"p": {}}}`), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"no credentials", []string{"serve", "--addr", "127.0.0.1:0"}, 4},
		{"bad log level", []string{"serve", "--log-level", "loud"}, 2},
		{"bad public url", []string{"serve", "--public-url", "gw.example.com"}, 2},
		{"profile without key", []string{"serve", "--config", bad}, 2},
		{"export without host", []string{"connector", "export", "--out", dir}, 2},
	} {
		if r := runCLI(t, false, env, tc.args...); r.code != tc.code {
			t.Errorf("%s: exit %d, want %d (%v)", tc.name, r.code, tc.code, r.err)
		}
	}
}

// TestServeSandbox runs `ascend --sandbox serve` as a user would for a demo: the embedded
// sandbox is the upstream and a key made with `connector keys create` reads its demo apps.
func TestServeSandbox(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	env := map[string]string{"ASCEND_CONFIG_DIR": dir, "ASCEND_CACHE_DIR": t.TempDir(), "ASCEND_GATEWAY_DB": filepath.Join(dir, "gw.sqlite")}
	key := strings.TrimSpace(runCLI(t, false, env, "connector", "keys", "create", "--name", "demo").want(t, 0).stdout)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		ios, _, _, _ := cli.TestIO()
		f := cli.NewFactory(ios, func(k string) string { return env[k] })
		done <- root.Run(ctx, f, []string{"--sandbox", "serve", "--addr", addr, "--log-level", "error"})
	}()
	base := "http://" + addr
	up := false
	for range 3000 {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			up = true
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve stopped: %v", err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if !up {
		t.Fatal("the gateway did not come up")
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", base+"/connector/v1/apps", nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list struct {
		Value []map[string]any `json:"value"`
	}
	json.NewDecoder(resp.Body).Decode(&list)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(list.Value) == 0 {
		t.Errorf("demo apps through the gateway: %d, %d apps", resp.StatusCode, len(list.Value))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve returned %v after the stop", err)
	}
}

// TestCommandsOnPostgres: --db takes a postgres:// URL and the commands work the same.
func TestCommandsOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t, "postgres")
	env := map[string]string{"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir()}
	key := runCLI(t, false, env, "connector", "keys", "create", "--db", dsn, "--name", "pg-flow", "--access", "write").want(t, 0).stdout
	if !strings.HasPrefix(key, "asck_") {
		t.Fatalf("key: %q", redact(key))
	}
	r := runCLI(t, false, env, "connector", "keys", "list", "--db", dsn).want(t, 0)
	if !strings.Contains(r.stdout, "pg-flow\tdefault\twrite\tactive") {
		t.Errorf("keys list: %q", r.stdout)
	}
	runCLI(t, false, env, "connector", "keys", "revoke", "--db", dsn, "pg-flow", "--yes").want(t, 0)
	r = runCLI(t, false, env, "connector", "keys", "list", "--db", dsn, "--json").want(t, 0)
	if !strings.Contains(r.stdout, `"revoked"`) {
		t.Errorf("after revoke: %s", r.stdout)
	}
	runCLI(t, false, env, "connector", "audit", "--db", dsn).want(t, 0)
}
