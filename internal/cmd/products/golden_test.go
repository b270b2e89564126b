package products_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

// TestSyncOutputGolden pins, byte for byte, what pull, diff and push print (as a pipe, as a
// terminal and with --json), their exit codes and errors, with a file that matches, one that
// differs, no app and an unknown app; push only as a dry run or refused, so nothing is written.
func TestSyncOutputGolden(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	dir := t.TempDir()
	file := filepath.Join(dir, "products.json")
	var tr cmdtest.Transcript
	run := func(tty bool, args ...string) {
		tr.Add(tty, args, h.Run(t, tty, args...))
	}
	app := "com.example.daybreak"
	run(false, "products", "pull", "--app", app, "--file", file)
	run(true, "products", "pull", "--app", app, "--file", file)
	for _, tty := range []bool{false, true} {
		run(tty, "products", "diff", "--app", app, "--file", file)
		run(tty, "products", "push", "--app", app, "--file", file, "--dry-run")
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, []byte(strings.Replace(string(b), `"100 Focus Coins (de-DE)"`, `"Hundert Fokusmünzen"`, 1)), 0o644)
	for _, tty := range []bool{false, true} {
		run(tty, "products", "diff", "--app", app, "--file", file)
		run(tty, "products", "push", "--app", app, "--file", file, "--dry-run")
	}
	run(false, "products", "diff", "--app", app, "--file", file, "--json")
	run(false, "products", "push", "--app", app, "--file", file, "--dry-run", "--json")
	run(false, "products", "push", "--app", app, "--file", file)
	for _, cmd := range []string{"pull", "diff", "push"} {
		run(false, "products", cmd, "--file", file)
		run(false, "products", cmd, "--file", file, "--app", "com.example.nope")
	}
	run(false, "products", "pull", "--app", app, "--file", file, "--json")
	if n := h.Writes(t); n != 0 {
		t.Fatalf("%d writes", n)
	}
	cmdtest.Golden(t, "sync.golden", strings.ReplaceAll(tr.String(), dir, "<dir>"))
}
