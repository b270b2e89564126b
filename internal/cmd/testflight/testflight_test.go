package testflight_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

func TestTestFlightCommands(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	const app = "com.example.quiethours"
	r := h.Run(t, false, "testflight", "groups", "create", "QA", "--app", app, "--public-link", "--public-link-limit", "40").Want(t, 0)
	if !strings.Contains(r.Stderr, `created beta group "QA"`) || !strings.Contains(r.Stdout, "\tQA\texternal\thttps://testflight.apple.com/join/") || !strings.HasSuffix(strings.TrimSpace(r.Stdout), "\t40") {
		t.Errorf("create:\n%s\n%s", r.Stdout, r.Stderr)
	}
	r = h.Run(t, false, "testflight", "groups", "create", "QA", "--app", app, "--public-link", "--public-link-limit", "40").Want(t, 0)
	if !strings.Contains(r.Stderr, "exists as asked") {
		t.Errorf("re-create: %s", r.Stderr)
	}
	r = h.Run(t, true, "testflight", "groups", "list", "--app", app).Want(t, 0)
	if strings.Count(r.Stdout, "\n") != 5 || !strings.HasPrefix(r.Stdout, "ID") {
		t.Errorf("list:\n%s", r.Stdout)
	}

	dir := t.TempDir()
	csv := filepath.Join(dir, "in.csv")
	os.WriteFile(csv, []byte("First,Last,Email,Groups\nNew,Person,new.person@example.com,QA;Design Partners\n"), 0o644)
	r = h.Run(t, false, "testflight", "testers", "import", csv, "--app", app).Want(t, 0)
	if !strings.Contains(r.Stderr, "1 tester created, 0 group memberships added") {
		t.Errorf("import: %s", r.Stderr)
	}
	writes := h.Writes(t)
	h.Run(t, false, "testflight", "testers", "import", csv, "--app", app).Want(t, 0)
	if h.Writes(t) != writes {
		t.Error("importing the same file again wrote")
	}
	out := filepath.Join(dir, "out.csv")
	h.Run(t, false, "testflight", "testers", "export", out, "--app", app, "--group", "QA").Want(t, 0)
	if b, _ := os.ReadFile(out); string(b) != "First,Last,Email,Groups\nNew,Person,new.person@example.com,Design Partners;QA\n" {
		t.Errorf("export:\n%s", b)
	}
	h.Run(t, false, "testflight", "testers", "invite", "new.person@example.com", "--app", app).Want(t, 0)
	h.Run(t, false, "testflight", "testers", "remove", "new.person@example.com", "--app", app, "--group", "QA").Want(t, 2) // needs --yes in a pipe
	h.Run(t, false, "testflight", "testers", "remove", "new.person@example.com", "--app", app, "--group", "QA", "--yes").Want(t, 0)

	r = h.Run(t, false, "testflight", "distribute", "--app", app, "--version", "1.0.0", "--build-number", "3", "--groups", "QA", "--what-to-test", "Check the quiet schedule.").Want(t, 0)
	if !strings.Contains(r.Stderr, "added to QA") || !strings.Contains(r.Stderr, "submitted for beta review") || !strings.Contains(r.Stdout, "\tQA\t\tWAITING_FOR_REVIEW") {
		t.Errorf("distribute:\n%s\n%s", r.Stdout, r.Stderr)
	}
	writes = h.Writes(t)
	r = h.Run(t, false, "testflight", "distribute", "--app", app, "--version", "1.0.0", "--build-number", "3", "--groups", "QA", "--what-to-test", "Check the quiet schedule.").Want(t, 0)
	if !strings.Contains(r.Stderr, "nothing changed") || h.Writes(t) != writes {
		t.Errorf("distribute again wrote: %s", r.Stderr)
	}
	h.Run(t, false, "testflight", "distribute", "--app", app, "--build-number", "3").Want(t, 2)
	h.Run(t, false, "testflight", "groups", "delete", "QA", "--app", app, "--yes").Want(t, 0)
}
