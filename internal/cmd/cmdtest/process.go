package cmdtest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/ascend-tools/ascend/internal/cmd/root"
)

// mainEnv marks a re-run of the test binary that should be ascend itself.
const mainEnv = "ASCEND_CMDTEST_MAIN"

// Main is a test package's TestMain when its tests run ascend as a process (Term, Pipe): the
// test binary, started again with ASCEND_CMDTEST_MAIN=1, is the ascend binary (root.Main),
// so no separate build is needed.
func Main(m *testing.M) {
	if os.Getenv(mainEnv) == "1" {
		os.Exit(root.Main())
	}
	os.Exit(m.Run())
}

// Proc is ascend running as a process of its own.
type Proc struct {
	cmd  *exec.Cmd
	tty  *os.File // the pseudo-terminal's controlling side; nil for a pipe
	in   io.WriteCloser
	mu   sync.Mutex
	out  bytes.Buffer
	read chan struct{}
}

func command(t testing.TB, env map[string]string, args []string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = []string{mainEnv + "=1"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	return cmd
}

// StartTerm starts `ascend args...` on a real pseudo-terminal cols columns wide (stdin,
// stdout and stderr all the terminal), with env as its whole environment.
func StartTerm(t testing.TB, env map[string]string, cols int, args ...string) *Proc {
	t.Helper()
	p := &Proc{cmd: command(t, env, args), read: make(chan struct{})}
	tty, err := pty.StartWithSize(p.cmd, &pty.Winsize{Cols: uint16(cols), Rows: 40})
	if err != nil {
		t.Fatal(err)
	}
	p.tty, p.in = tty, tty
	go func() {
		defer close(p.read)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return // EIO once the process has exited and closed the terminal
			}
		}
	}()
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
		tty.Close()
	})
	return p
}

// Term runs `ascend args...` on an 80-column pseudo-terminal and returns what it printed
// (stdout and stderr together, as a terminal shows them, line ends as "\n") and its exit code.
func Term(t testing.TB, env map[string]string, args ...string) Result {
	t.Helper()
	return StartTerm(t, env, 80, args...).Wait(t)
}

// Pipe runs `ascend args...` with stdin, stdout and stderr pipes (stdin gives in).
func Pipe(t testing.TB, env map[string]string, in string, args ...string) Result {
	t.Helper()
	cmd := command(t, env, args)
	var out, errb bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = strings.NewReader(in), &out, &errb
	err := cmd.Run()
	code := exitCode(t, err)
	return Result{Stdout: out.String(), Stderr: errb.String(), Code: code, Err: err}
}

// Output is what the terminal has shown so far, line ends as "\n".
func (p *Proc) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.ReplaceAll(p.out.String(), "\r\n", "\n")
}

// WaitFor waits (at most 30 s) until the terminal shows s.
func (p *Proc) WaitFor(t testing.TB, s string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.Output(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%s", s, p.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Type sends keystrokes to the terminal ("n\r" to answer a prompt, "\x03" for Ctrl-C).
func (p *Proc) Type(t testing.TB, s string) {
	t.Helper()
	if _, err := io.WriteString(p.in, s); err != nil {
		t.Fatal(err)
	}
}

// Wait waits (at most 60 s) for the process to end and returns its output and exit code.
func (p *Proc) Wait(t testing.TB) Result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		p.cmd.Process.Kill()
		<-done
		t.Fatalf("ascend %s did not end within 60 s; the terminal shows:\n%s", strings.Join(p.cmd.Args[1:], " "), p.Output())
	}
	select {
	case <-p.read:
	case <-time.After(5 * time.Second):
	}
	code := exitCode(t, err)
	return Result{Stdout: p.Output(), Code: code, Err: err}
}

// exitCode is the exit code of a process that ended with err (from Wait or Run).
func exitCode(t testing.TB, err error) int {
	t.Helper()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return 0
}
