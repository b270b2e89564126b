package testutil

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// BuildBinary builds the main package pkg (a path inside this module: "./cmd/ascend") with
// go build into the test's temporary folder and returns the executable's path, for tests
// that kill or restart a real process. It builds with -race when the test runs with it, so
// the packages compiled for the test are reused and mostly the link is new. A failed build
// fails the test with the compiler's output.
func BuildBinary(tb testing.TB, pkg string) string {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), filepath.Base(pkg))
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	args := []string{"build", "-o", out}
	if raceEnabled {
		args = append(args, "-race")
	}
	cmd := exec.Command(goTool, append(args, pkg)...)
	cmd.Dir = repoRoot()
	if msg, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
	return out
}
