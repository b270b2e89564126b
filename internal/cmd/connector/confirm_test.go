package connector_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
)

// runAnswering runs one invocation as a terminal (stdin, stdout and stderr all terminals) or
// as a pipe, with stdin holding answer.
func runAnswering(t *testing.T, tty bool, env map[string]string, answer string, args ...string) result {
	t.Helper()
	ios, in, out, errOut := cli.TestIO()
	ios.SetTTY(tty)
	in.WriteString(answer)
	f := cli.NewFactory(ios, func(k string) string { return env[k] })
	err := root.Run(t.Context(), f, args)
	return result{out.String(), errOut.String(), cli.ExitCode(err), err}
}

// TestDestructiveCommandsConfirm: revoking a client key, removing a webhook or a
// subscription asks on a terminal (and a "no" changes nothing), and in a pipe needs --yes
// (without it: a usage error naming --yes, and nothing changed).
func TestDestructiveCommandsConfirm(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "gw.sqlite")
	env := map[string]string{
		"ASCEND_CONFIG_DIR": dir, "ASCEND_CACHE_DIR": t.TempDir(),
		"ASC_API_KEY_JSON": sb.Credentials(), "ASCEND_GATEWAY_DB": dbPath,
	}
	runCLI(t, false, env, "connector", "keys", "create", "--name", "flow").want(t, 0)
	var apps struct {
		Data []struct{ ID string } `json:"data"`
	}
	json.Unmarshal([]byte(runCLI(t, false, env, "api", "/v1/apps").want(t, 0).stdout), &apps)
	if len(apps.Data) == 0 {
		t.Fatal("no demo apps")
	}
	hookID := strings.TrimSpace(runCLI(t, false, env, "connector", "webhooks", "register", "--app", apps.Data[0].ID,
		"--events", "BUILD_UPLOAD_STATE_UPDATED", "--public-url", "https://gw.example.com").want(t, 0).stdout)
	db, err := store.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	err = db.CreateSubscription(t.Context(), store.Subscription{ID: "sub-1", Profile: "default", KeyName: "flow",
		CallbackURL: "http://127.0.0.1:9/hook", CreatedAt: time.Now()})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}

	listed := func(args ...string) string {
		return runCLI(t, false, env, append(args, "--json")...).want(t, 0).stdout
	}
	tests := []struct {
		name    string
		args    []string
		present func() bool // whether the thing is still there
	}{
		{"keys revoke", []string{"connector", "keys", "revoke", "flow"},
			func() bool { return strings.Contains(listed("connector", "keys", "list"), `"active"`) }},
		{"webhooks remove", []string{"connector", "webhooks", "remove", hookID},
			func() bool { return strings.Contains(listed("connector", "webhooks", "list"), hookID) }},
		{"subscriptions remove", []string{"connector", "subscriptions", "remove", "sub-1"},
			func() bool { return strings.Contains(listed("connector", "subscriptions", "list"), "sub-1") }},
	}
	for _, tt := range tests {
		deletes := sb.Stats().ByMethod["DELETE"]
		// A pipe without --yes: refused before anything is done.
		r := runAnswering(t, false, env, "y\n", tt.args...).want(t, cli.ExitUsage)
		if !strings.Contains(r.err.Error(), "--yes") {
			t.Errorf("%s in a pipe: %v, want it to name --yes", tt.name, r.err)
		}
		// A terminal answering no: asked, and nothing is done.
		r = runAnswering(t, true, env, "n\n", tt.args...).want(t, cli.ExitError)
		if !strings.Contains(r.stderr, "? ") || !strings.Contains(r.stderr, "[y/N]") {
			t.Errorf("%s on a terminal did not ask: %q", tt.name, r.stderr)
		}
		if !tt.present() || sb.Stats().ByMethod["DELETE"] != deletes {
			t.Fatalf("%s: refused or declined, yet something was removed", tt.name)
		}
		// A terminal answering yes.
		runAnswering(t, true, env, "y\n", tt.args...).want(t, 0)
		if tt.present() {
			t.Errorf("%s: confirmed on a terminal, yet still present", tt.name)
		}
	}
}
