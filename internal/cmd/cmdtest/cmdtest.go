// Package cmdtest runs ascend's commands in tests against a sandbox started for the test,
// in-process (Run) or as a process on a real pseudo-terminal (Term, StartTerm) or pipes (Pipe):
// credentials in a fake environment, a terminal or a pipe, the result with its exit code.
package cmdtest

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	"github.com/ascend-tools/ascend/sandbox"
)

// Harness is a sandbox and the environment pointing commands at it.
type Harness struct {
	SB  *sandbox.Server
	Env map[string]string
}

// New starts a sandbox with opts, closed when the test ends; config and cache dirs are the
// test's own.
func New(t testing.TB, opts sandbox.Options) *Harness {
	t.Helper()
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	k := sb.Key()
	return &Harness{SB: sb, Env: map[string]string{
		"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir(),
		"ASC_BASE_URL": sb.URL(), "ASC_KEY_ID": k.ID, "ASC_ISSUER_ID": k.IssuerID, "ASC_PRIVATE_KEY": string(sb.KeyPEM()),
	}}
}

// Result is what one command printed and returned.
type Result struct {
	Stdout, Stderr string
	Code           int
	Err            error
}

// Run runs `ascend args...` with stdout and stderr a terminal when tty.
func (h *Harness) Run(t testing.TB, tty bool, args ...string) Result {
	t.Helper()
	io, _, out, errOut := cli.TestIO()
	io.SetTTY(tty)
	f := cli.NewFactory(io, func(k string) string { return h.Env[k] })
	err := root.Run(t.Context(), f, args)
	return Result{Stdout: out.String(), Stderr: errOut.String(), Code: cli.ExitCode(err), Err: err}
}

// Want fails the test unless the command exited with code.
func (r Result) Want(t testing.TB, code int) Result {
	t.Helper()
	if r.Code != code {
		t.Fatalf("exit %d, want %d: %v\nstdout: %s\nstderr: %s", r.Code, code, r.Err, r.Stdout, r.Stderr)
	}
	return r
}

// Stats is the sandbox's request count per route ("POST /v1/buildUploads").
func (h *Harness) Stats(t testing.TB) map[string]int {
	t.Helper()
	resp, err := http.Get(h.SB.URL() + "/sandbox/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st struct {
		ByRoute map[string]int `json:"by_route"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st.ByRoute
}

// Writes counts the requests that were not reads.
func (h *Harness) Writes(t testing.TB) int {
	t.Helper()
	n := 0
	for route, c := range h.Stats(t) {
		if !strings.HasPrefix(route, "GET ") {
			n += c
		}
	}
	return n
}

// TerminalAndPipe runs test twice in parallel subtests, "terminal" and "pipe", with tty
// saying which (for Run's tty).
func TerminalAndPipe(t *testing.T, test func(t *testing.T, tty bool)) {
	t.Helper()
	for _, tty := range []bool{true, false} {
		t.Run(map[bool]string{true: "terminal", false: "pipe"}[tty], func(t *testing.T) {
			t.Parallel()
			test(t, tty)
		})
	}
}
