package root

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// requests is how many requests a sandbox has answered (upload parts included).
func requests(sb *sandboxtest.Sandbox) int {
	n := 0
	for _, c := range sb.Stats().ByMethod {
		n += c
	}
	return n
}

// TestJQCheckedBeforeAnyRequest: a --jq that does not compile is a usage error (exit 2)
// before any request, for commands that write as for those that read, on a terminal and in a
// pipe. It used to be found only when the output was printed, after the writes.
func TestJQCheckedBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		sb := sandboxtest.Start(t, sandbox.Options{})
		e := newEnv(t).with("ASC_API_KEY_JSON", sb.Credentials())
		dir := filepath.Join(t.TempDir(), "metadata")
		os.MkdirAll(filepath.Join(dir, "en-US"), 0o755)
		os.WriteFile(filepath.Join(dir, "en-US", "promotional_text.txt"), []byte("Something new to say"), 0o644)
		for _, args := range [][]string{
			{"metadata", "push", "--app", "com.example.daybreak", "--dir", dir, "--yes"},
			{"apps", "list"},
			{"api", "-X", "DELETE", "/v1/appInfoLocalizations/none", "--yes"},
			{"auth", "status"},
		} {
			r := runCLI(t, tty, e, "", append(args, "--jq", ".[")...)
			r.check(t, cli.ExitUsage)
			if !strings.Contains(r.err.Error(), "invalid --jq expression") {
				t.Errorf("tty=%v %v: %v", tty, args, r.err)
			}
			if n := requests(sb); n != 0 {
				t.Fatalf("tty=%v %v: %d requests reached App Store Connect before the --jq was refused", tty, args, n)
			}
		}
	}
}

// TestNoCommandReplacesTheRootChecks: the root's PersistentPreRunE (the output flags' check)
// runs for every command only while no command defines a persistent pre-run of its own.
func TestNoCommandReplacesTheRootChecks(t *testing.T) {
	t.Parallel()
	io, _, _, _ := cli.TestIO()
	cmd := New(cli.NewFactory(io, func(string) string { return "" }))
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c != cmd && (c.PersistentPreRun != nil || c.PersistentPreRunE != nil) {
			t.Errorf("%s defines a PersistentPreRun: the root's checks would not run for it", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(cmd)
}

// TestAPIKeyJSONFlagOutranksEnvironment: --api-key-json on the command line wins over ASC_*
// variables, and its base_url over ASC_BASE_URL: the command goes to the file's host (here
// one sandbox) and not to the environment's (another).
func TestAPIKeyJSONFlagOutranksEnvironment(t *testing.T) {
	t.Parallel()
	for _, tty := range []bool{false, true} {
		inEnv := sandboxtest.Start(t, sandbox.Options{})
		inFile := sandboxtest.Start(t, sandbox.Options{})
		k := inEnv.Key()
		e := newEnv(t).with("ASC_KEY_ID", k.ID, "ASC_ISSUER_ID", k.IssuerID, "ASC_PRIVATE_KEY", string(inEnv.KeyPEM()),
			"ASC_BASE_URL", inEnv.URL())
		r := runCLI(t, tty, e, "", "apps", "list", "--api-key-json", inFile.Credentials())
		r.check(t, 0)
		if !strings.Contains(r.stdout, "com.example.daybreak") {
			t.Errorf("tty=%v: apps list printed %q", tty, r.stdout)
		}
		if requests(inFile) == 0 || requests(inEnv) != 0 {
			t.Errorf("tty=%v: %d requests to the file's host, %d to the environment's; want all to the file's",
				tty, requests(inFile), requests(inEnv))
		}
		// Without the flag the environment's credentials are used, as before.
		runCLI(t, tty, e, "", "apps", "list").check(t, 0)
		if requests(inEnv) == 0 {
			t.Errorf("tty=%v: without --api-key-json the environment's key was not used", tty)
		}
	}
}

// TestAuthLogoutConfirms: removing a profile asks on a terminal (no: nothing removed) and
// needs --yes in a pipe.
func TestAuthLogoutConfirms(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, _ := keyFile(t, dir, "LOGOUT1", "")
	e := newEnv(t)
	runCLI(t, false, e, "", "auth", "login", "--profile", "ci", "--private-key-path", path).check(t, 0)
	stillThere := func() bool {
		return runCLI(t, false, e, "", "auth", "token", "--profile", "ci").code == 0
	}
	r := runCLI(t, false, e, "y\n", "auth", "logout", "--profile", "ci")
	r.check(t, cli.ExitUsage)
	if !strings.Contains(r.err.Error(), "--yes") || !stillThere() {
		t.Errorf("in a pipe: %v; profile kept: %v", r.err, stillThere())
	}
	r = runCLI(t, true, e, "n\n", "auth", "logout", "--profile", "ci")
	r.check(t, cli.ExitError)
	if !strings.Contains(r.stderr, `Remove profile "ci"? [y/N]`) || !stillThere() {
		t.Errorf("on a terminal, answered no: stderr %q; profile kept: %v", r.stderr, stillThere())
	}
	runCLI(t, true, e, "y\n", "auth", "logout", "--profile", "ci").check(t, 0)
	if stillThere() {
		t.Errorf("confirmed on a terminal, yet the profile is still saved")
	}
}
