package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Node returns the path of node for a test that runs an npm harness in dir (a testdata
// folder with a package.json), once module, a package of its dependencies, is installed in
// dir/node_modules. When node or the package is missing the test is skipped with the reason
// and the command that installs it; under CI=true, where .ci/run installs every harness, it
// fails instead.
func Node(tb testing.TB, dir, module string) string {
	tb.Helper()
	missing := func(format string, args ...any) {
		tb.Helper()
		if os.Getenv("CI") == "true" {
			tb.Fatalf(format, args...)
		}
		tb.Skipf("skipping: "+format, args...)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		missing("node is not on PATH (install Node.js 20 or later)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(module))); err != nil {
		abs, _ := filepath.Abs(dir)
		missing("%s is not installed in %s/node_modules: run 'cd %s && npm ci --no-audit --no-fund'", module, dir, abs)
	}
	return node
}
