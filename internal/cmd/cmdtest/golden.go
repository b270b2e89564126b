package cmdtest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests print")

// Transcript is what a series of commands printed, one block an invocation: its arguments,
// whether it ran on a terminal, its exit code, its error, stdout and stderr, byte for byte.
type Transcript struct{ b strings.Builder }

// Add records one invocation.
func (tr *Transcript) Add(tty bool, args []string, r Result) {
	mode := "pipe"
	if tty {
		mode = "tty"
	}
	fmt.Fprintf(&tr.b, "$ [%s] %s\nexit %d\n", mode, strings.Join(args, " "), r.Code)
	if r.Err != nil {
		fmt.Fprintf(&tr.b, "error: %s\n", r.Err)
	}
	fmt.Fprintf(&tr.b, "stdout:\n%sstderr:\n%s\n", r.Stdout, r.Stderr)
}

// String is the transcript so far.
func (tr *Transcript) String() string { return tr.b.String() }

// Golden fails the test unless got is the content of testdata/name; with -update it writes
// got there first.
func Golden(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -run %s -update rewrites it):\n%s", path, t.Name(), got)
	}
}
