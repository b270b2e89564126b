package connector_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCommandsThatReadNeedAnExistingDatabase: a mistyped --db must not answer "nothing
// there" from a fresh, empty database (an empty audit log looks like no writes happened);
// commands that only read or remove say the file is missing and create nothing.
func TestCommandsThatReadNeedAnExistingDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo", "gateway.sqlite")
	for _, args := range [][]string{
		{"connector", "audit"},
		{"connector", "keys", "list"},
		{"connector", "keys", "revoke", "flow"},
		{"connector", "subscriptions", "list"},
		{"connector", "subscriptions", "remove", "abc"},
		{"connector", "webhooks", "list"},
	} {
		r := runCLI(t, false, map[string]string{}, append(args, "--db", missing)...).want(t, 1)
		if r.err == nil || !strings.Contains(r.err.Error(), "no gateway database") || strings.Contains(r.err.Error(), "\n") {
			t.Errorf("%v: error %v; want one line saying there is no gateway database", args, r.err)
		}
		if _, err := os.Stat(filepath.Join(dir, "typo")); err == nil {
			t.Fatalf("%v created the mistyped database's folder", args)
		}
	}
}
