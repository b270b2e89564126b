// Package testutil holds helpers shared by ascend's tests.
package testutil

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// SharedDir returns the project's shared data folder (Apple's spec, captured fixtures, the
// seed connector), which lives beside the repository as ../shared. ASCEND_SHARED overrides
// the location. When the folder is absent, as in a user's fresh clone, the test is skipped
// with the reason printed; under CI=true, where it is always present, the test fails instead.
func SharedDir(tb testing.TB) string {
	tb.Helper()
	dir := os.Getenv("ASCEND_SHARED")
	if dir == "" {
		dir = filepath.Join(repoRoot(), "..", "shared")
	}
	if st, err := os.Stat(filepath.Join(dir, "spec")); err != nil || !st.IsDir() {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("shared data folder %s is missing; CI always provides it", dir)
		}
		tb.Skipf("skipping: shared data folder %s is absent (set ASCEND_SHARED to its path to run this test)", dir)
	}
	return dir
}

// SpecPath returns the path of Apple's OpenAPI spec in the shared folder, skipping or failing
// like SharedDir when it is absent.
func SpecPath(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(SharedDir(tb), "spec", "app-store-connect-openapi.json")
}

// repoRoot finds the module root from this source file's location, so tests in any package
// resolve ../shared the same way.
func repoRoot() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "."
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}
