package root_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/store"
)

// The tests of this file run ascend as a process of its own, on a real pseudo-terminal and
// with pipes: the test binary is ascend when cmdtest.Main sees its marker.
func TestMain(m *testing.M) { cmdtest.Main(m) }

func baseEnv(t *testing.T) map[string]string {
	return map[string]string{"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir(), "TERM": "xterm-256color"}
}

func with(e map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// TestAuditControlCharactersPrintEscaped: a client key can put terminal escape sequences in
// the audit log (the path of a refused write); `connector audit` prints them escaped, in a
// table on a terminal and in TSV in a pipe, and the stored path keeps what was received.
func TestAuditControlCharactersPrintEscaped(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "gateway.sqlite")
	db, err := store.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	evil := "/v1/apps/\x1b[2K\x1b]0;owned\x07\u2028x\u0085y\x7f"
	if err := db.AddAudit(t.Context(), store.AuditEntry{ID: "a1", Time: time.Now(), KeyName: "ci\x1b[31m", Profile: "default", Method: "PATCH", Path: evil, Status: 403, RequestID: "r1"}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	e := with(baseEnv(t), "ASCEND_GATEWAY_DB", dbPath)
	want := `/v1/apps/\x1b[2K\x1b]0;owned\x07\u2028x\u0085y\x7f`
	for name, r := range map[string]cmdtest.Result{
		"terminal": cmdtest.StartTerm(t, e, 400, "connector", "audit").Wait(t),
		"pipe":     cmdtest.Pipe(t, e, "", "connector", "audit"),
	} {
		r.Want(t, 0)
		if !strings.Contains(r.Stdout, want) || !strings.Contains(r.Stdout, `ci\x1b[31m`) {
			t.Errorf("%s: the audit does not show the path escaped (%q):\n%q", name, want, r.Stdout)
		}
		if strings.ContainsAny(r.Stdout, "\x07\x7f\u2028\u0085") || strings.Contains(r.Stdout, "\x1b[2K") || strings.Contains(r.Stdout, "\x1b]") {
			t.Errorf("%s: raw control characters printed:\n%q", name, r.Stdout)
		}
	}
	// --json keeps the value as stored (JSON escapes it itself).
	r := cmdtest.Pipe(t, e, "", "connector", "audit", "--json", "--jq", ".[0].path").Want(t, 0)
	if strings.TrimSuffix(r.Stdout, "\n") != evil {
		t.Errorf("--json path %q, want %q as stored", r.Stdout, evil)
	}
}

// TestColourOnlyOnATerminal: headers and states are coloured on a terminal, never in a pipe
// nor with NO_COLOR.
func TestColourOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1")
	term := cmdtest.Term(t, e, "builds", "list", "--app", "com.example.daybreak").Want(t, 0)
	if !strings.Contains(term.Stdout, "\x1b[1m") {
		t.Errorf("no bold header on a terminal:\n%q", term.Stdout)
	}
	if !strings.Contains(term.Stdout, "\x1b[32m") && !strings.Contains(term.Stdout, "\x1b[33m") {
		t.Errorf("no coloured state on a terminal:\n%q", term.Stdout)
	}
	noColor := cmdtest.Term(t, with(e, "NO_COLOR", "1"), "builds", "list", "--app", "com.example.daybreak").Want(t, 0)
	pipe := cmdtest.Pipe(t, e, "", "builds", "list", "--app", "com.example.daybreak").Want(t, 0)
	for name, out := range map[string]string{"NO_COLOR": noColor.Stdout, "pipe": pipe.Stdout + pipe.Stderr} {
		if strings.Contains(out, "\x1b[") {
			t.Errorf("%s: colour written:\n%q", name, out)
		}
	}
	// Errors are red on a terminal, plain in a pipe.
	bad := cmdtest.Term(t, e, "apps", "get", "com.example.none").Want(t, cli.ExitError)
	if !strings.Contains(bad.Stdout, "\x1b[31m") {
		t.Errorf("error not red on a terminal: %q", bad.Stdout)
	}
	badPipe := cmdtest.Pipe(t, e, "", "apps", "get", "com.example.none").Want(t, cli.ExitError)
	if strings.Contains(badPipe.Stderr, "\x1b") || strings.Count(badPipe.Stderr, "\n") != 1 {
		t.Errorf("error in a pipe: %q", badPipe.Stderr)
	}
}

// TestTablesFitTheTerminal: on a narrow terminal the widest columns are cut with "…"; a pipe
// gets every value whole.
func TestTablesFitTheTerminal(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	p := cmdtest.StartTerm(t, e, 50, "apps", "list")
	r := p.Wait(t).Want(t, 0)
	lines := strings.Split(strings.TrimRight(r.Stdout, "\n"), "\n")
	if len(lines) < 2 {
		t.Fatalf("apps list printed %q", r.Stdout)
	}
	for _, l := range lines {
		if w := runewidth.StringWidth(l); w > 50 {
			t.Errorf("line of %d columns on a 50-column terminal: %q", w, l)
		}
	}
	wide := cmdtest.StartTerm(t, e, 300, "apps", "list").Wait(t).Want(t, 0)
	if !strings.Contains(r.Stdout, "…") && wide.Stdout != r.Stdout {
		t.Errorf("narrow table shows no cut cell:\n%s", r.Stdout)
	}
	pipe := cmdtest.Pipe(t, e, "", "apps", "list").Want(t, 0)
	if strings.Contains(pipe.Stdout, "…") {
		t.Errorf("a pipe got cut cells:\n%s", pipe.Stdout)
	}
}

// TestDidYouMean: a mistyped command or flag gets the closest ones, exit 2.
func TestDidYouMean(t *testing.T) {
	t.Parallel()
	e := baseEnv(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"aps", "list"}, `"apps"`},
		{[]string{"apps", "lst"}, `did you mean "list"?`},
		{[]string{"metdata", "push"}, `did you mean "metadata"?`},
		{[]string{"apps", "list", "--jsno"}, "did you mean --json?"},
		{[]string{"apps", "list", "--limt", "3"}, "did you mean --limit?"},
	} {
		for name, r := range map[string]cmdtest.Result{
			"terminal": cmdtest.Term(t, e, tt.args...),
			"pipe":     cmdtest.Pipe(t, e, "", tt.args...),
		} {
			r.Want(t, cli.ExitUsage)
			if out := r.Stdout + r.Stderr; !strings.Contains(out, tt.want) || !strings.Contains(out, "did you mean") {
				t.Errorf("%s: ascend %s: %q lacks %q", name, strings.Join(tt.args, " "), out, tt.want)
			}
		}
	}
}

// TestVersionAndCompletion: `ascend version` (and --version) print the version; the help
// lists the completion command, which writes a script.
func TestVersionAndCompletion(t *testing.T) {
	t.Parallel()
	e := baseEnv(t)
	v := cmdtest.Pipe(t, e, "", "version").Want(t, 0)
	if !strings.HasPrefix(v.Stdout, "ascend version ") || strings.Count(v.Stdout, "\n") != 1 {
		t.Errorf("version: %q", v.Stdout)
	}
	if f := cmdtest.Pipe(t, e, "", "--version").Want(t, 0); f.Stdout != v.Stdout {
		t.Errorf("--version %q, version %q", f.Stdout, v.Stdout)
	}
	if j := cmdtest.Pipe(t, e, "", "version", "--jq", ".version").Want(t, 0); j.Stdout != "dev\n" {
		t.Errorf("version --jq .version: %q", j.Stdout)
	}
	help := cmdtest.Term(t, e, "--help").Want(t, 0)
	for _, want := range []string{"completion", "version"} {
		if !strings.Contains(help.Stdout, "\n  "+want+" ") {
			t.Errorf("help does not list %q:\n%s", want, help.Stdout)
		}
	}
	if c := cmdtest.Pipe(t, e, "", "completion", "bash").Want(t, 0); !strings.Contains(c.Stdout, "bash completion") {
		t.Errorf("completion bash: %.200q", c.Stdout)
	}
}

// TestCtrlCExits130WithOneLine: Ctrl-C on a terminal while a request is in flight ends the
// command with exit code 130 and one line, not a list of "context canceled".
func TestCtrlCExits130WithOneLine(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		select { // hold the request until the client goes away (bounded)
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}))
	defer srv.Close()
	_, pemBytes, err := auth.GenerateKey("ABC123", "")
	if err != nil {
		t.Fatal(err)
	}
	e := with(baseEnv(t), "ASC_BASE_URL", srv.URL, "ASC_KEY_ID", "ABC123", "ASC_PRIVATE_KEY", string(pemBytes))
	p := cmdtest.StartTerm(t, e, 80, "api", "/v1/apps")
	select {
	case <-arrived:
	case <-time.After(30 * time.Second):
		t.Fatalf("the request never arrived; the terminal shows:\n%s", p.Output())
	}
	p.Type(t, "\x03")
	r := p.Wait(t)
	if r.Code != cli.ExitInterrupted {
		t.Errorf("exit %d after Ctrl-C, want 130:\n%s", r.Code, r.Stdout)
	}
	out := strings.TrimPrefix(strings.TrimSpace(r.Stdout), "^C")
	if strings.Count(strings.TrimSpace(out), "\n") != 0 || !strings.Contains(out, "interrupted") || strings.Contains(out, "context canceled") {
		t.Errorf("after Ctrl-C the terminal shows %q; want one line saying interrupted", r.Stdout)
	}
}

// TestProblemsOnePerLine: problems found before a write are printed one a line, with the
// count in the right number, on a terminal and in a pipe; nothing is sent.
func TestProblemsOnePerLine(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "metadata")
	os.MkdirAll(filepath.Join(dir, "en-US"), 0o755)
	os.WriteFile(filepath.Join(dir, "en-US", "name.txt"), []byte(strings.Repeat("n", 31)), 0o644)
	os.WriteFile(filepath.Join(dir, "en-US", "subtitle.txt"), []byte(strings.Repeat("s", 31)), 0o644)
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	args := []string{"metadata", "push", "--app", "com.example.daybreak", "--dir", dir, "--yes"}
	term := cmdtest.Term(t, e, args...)
	pipe := cmdtest.Pipe(t, e, "", args...)
	for name, r := range map[string]cmdtest.Result{"terminal": term, "pipe": pipe} {
		if r.Code == 0 {
			t.Fatalf("%s: push of a folder with problems succeeded", name)
		}
		out := r.Stdout + r.Stderr
		if !strings.Contains(out, "2 problems, nothing was written") {
			t.Errorf("%s: no count: %q", name, out)
		}
		var items int
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "  - en-US/") {
				items++
			}
		}
		if items != 2 {
			t.Errorf("%s: %d problem lines, want 2:\n%s", name, items, out)
		}
	}
	// A testers CSV with two bad rows: both listed, one a line, nothing sent.
	csv := filepath.Join(t.TempDir(), "testers.csv")
	os.WriteFile(csv, []byte("First,Last,Email,Groups\nA,B,not-an-email,QA\nC,D,c@example.com,\n"), 0o644)
	for name, r := range map[string]cmdtest.Result{
		"terminal": cmdtest.Term(t, e, "testflight", "testers", "import", csv, "--app", "com.example.daybreak"),
		"pipe":     cmdtest.Pipe(t, e, "", "testflight", "testers", "import", csv, "--app", "com.example.daybreak"),
	} {
		out := r.Stdout + r.Stderr
		if r.Code == 0 || !strings.Contains(out, "2 problems, nothing was sent:\n  - line 2: \"not-an-email\"") || !strings.Contains(out, "\n  - line 3: \"c@example.com\" has no group") {
			t.Errorf("%s: testers import with two bad rows: exit %d\n%s", name, r.Code, out)
		}
	}
	one := os.Remove(filepath.Join(dir, "en-US", "subtitle.txt"))
	if one != nil {
		t.Fatal(one)
	}
	r := cmdtest.Pipe(t, e, "", args...)
	if !strings.Contains(r.Stderr, "1 problem, nothing") {
		t.Errorf("one problem: %q", r.Stderr)
	}
}

// TestAnsweringNoSaysNothingWasDone: a confirmation answered no on a real terminal says that
// nothing was done, and nothing is.
func TestAnsweringNoSaysNothingWasDone(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	p := cmdtest.StartTerm(t, e, 80, "api", "-X", "DELETE", "/v1/betaGroups/none")
	p.WaitFor(t, "[y/N]")
	p.Type(t, "n\r")
	r := p.Wait(t).Want(t, cli.ExitError)
	if !strings.Contains(r.Stdout, "nothing was done") {
		t.Errorf("answering no: %q", r.Stdout)
	}
	if strings.Contains(r.Stdout, "404") || strings.Contains(r.Stdout, "NOT_FOUND") {
		t.Errorf("the DELETE was sent after answering no: %q", r.Stdout)
	}
	// In a pipe nobody can answer: refused with --yes named.
	pipe := cmdtest.Pipe(t, e, "n\n", "api", "-X", "DELETE", "/v1/betaGroups/none").Want(t, cli.ExitUsage)
	if !strings.Contains(pipe.Stderr, "--yes") {
		t.Errorf("pipe: %q", pipe.Stderr)
	}
}

func TestPluralAndCleanCell(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		got, want string
	}{
		{cli.Plural(1, "problem"), "1 problem"},
		{cli.Plural(0, "problem"), "0 problems"},
		{cli.Plural(2, "change"), "2 changes"},
		{cli.Plural(3, "territory"), "3 territories"},
		{cli.Plural(2, "day"), "2 days"},
		{cli.Plural(2, "box"), "2 boxes"},
		{cli.Plural(2, "entry", "entries"), "2 entries"},
		{cli.CleanCell("a\tb\nc"), "a b c"},
		{cli.CleanCell("日本語 ok"), "日本語 ok"},
		{cli.CleanCell("\x1b[2K\u009b\u2029"), `\x1b[2K\u009b\u2029`},
		{cli.CleanCell("bad\xffutf8"), `bad\xffutf8`},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
		if !utf8.ValidString(tt.got) {
			t.Errorf("%q is not UTF-8", tt.got)
		}
	}
}

// TestSandboxReset: `ascend sandbox reset` clears what commands changed in the embedded
// sandbox and keeps its key.
func TestSandboxReset(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	none := cmdtest.Pipe(t, e, "", "sandbox", "reset").Want(t, 0)
	if !strings.Contains(none.Stderr, "nothing to reset") {
		t.Errorf("reset before any state: %q", none.Stderr)
	}
	before := cmdtest.Pipe(t, e, "", "testflight", "groups", "list", "--app", "com.example.daybreak").Want(t, 0)
	cmdtest.Pipe(t, e, "", "testflight", "groups", "create", "Reset Probe", "--app", "com.example.daybreak").Want(t, 0)
	if r := cmdtest.Pipe(t, e, "", "testflight", "groups", "list", "--app", "com.example.daybreak").Want(t, 0); !strings.Contains(r.Stdout, "Reset Probe") {
		t.Fatalf("the group was not created: %s", r.Stdout)
	}
	tok := cmdtest.Pipe(t, e, "", "auth", "status", "--jq", ".keyId").Want(t, 0)
	r := cmdtest.Term(t, e, "sandbox", "reset").Want(t, 0)
	if !strings.Contains(r.Stdout, "reset: demo data restored, key kept") {
		t.Errorf("reset said %q", r.Stdout)
	}
	after := cmdtest.Pipe(t, e, "", "testflight", "groups", "list", "--app", "com.example.daybreak").Want(t, 0)
	if after.Stdout != before.Stdout {
		t.Errorf("after reset the groups are\n%s\nwant\n%s", after.Stdout, before.Stdout)
	}
	if again := cmdtest.Pipe(t, e, "", "auth", "status", "--jq", ".keyId").Want(t, 0); again.Stdout != tok.Stdout {
		t.Errorf("the key changed: %s -> %s", tok.Stdout, again.Stdout)
	}
	cmdtest.Pipe(t, e, "", "sandbox", "reset", "--seed", "nope").Want(t, cli.ExitUsage)
}

// TestCredentialChecks: an issuer id that is not a UUID is refused before any request; a
// profile saved without one says it signs as an individual key; auth token --scope is
// checked against the spec.
func TestCredentialChecks(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, pemBytes, err := auth.GenerateKey("CHECK12345", "")
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, "AuthKey_CHECK12345.p8")
	os.WriteFile(keyPath, pemBytes, 0o600)
	arrived := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { arrived++ }))
	defer srv.Close()
	e := with(baseEnv(t), "NO_COLOR", "1", "ASC_BASE_URL", srv.URL)
	bad := cmdtest.Pipe(t, with(e, "ASC_PRIVATE_KEY_PATH", keyPath, "ASC_ISSUER_ID", "my-team"), "", "apps", "list").Want(t, cli.ExitAuth)
	if !strings.Contains(bad.Stderr, `issuer id "my-team" is not a UUID`) || arrived != 0 {
		t.Errorf("a non-UUID issuer: %q, %d requests", bad.Stderr, arrived)
	}
	login := cmdtest.Pipe(t, e, "", "auth", "login", "--private-key-path", keyPath, "--issuer-id", "12345").Want(t, cli.ExitUsage)
	if !strings.Contains(login.Stderr, "not a UUID") || !strings.Contains(login.Stderr, "nothing was saved") {
		t.Errorf("login with a bad issuer: %q", login.Stderr)
	}
	ind := cmdtest.Term(t, e, "auth", "login", "--private-key-path", keyPath).Want(t, 0)
	if !strings.Contains(ind.Stdout, "sign as an individual key") {
		t.Errorf("login without an issuer id: %q", ind.Stdout)
	}
	for _, tt := range []struct{ scope, want string }{
		{"GET /v1/aps", "did you mean /v1/apps?"},
		{"GET /v1/apps?filter[platform]=IOS", "filter[appStoreVersions.platform]"},
		{"DELETE /v1/apps/123", "DELETE is not allowed on /v1/apps/123"},
	} {
		r := cmdtest.Pipe(t, e, "", "auth", "token", "--scope", tt.scope).Want(t, cli.ExitUsage)
		if !strings.Contains(r.Stderr, tt.want) {
			t.Errorf("--scope %q: %q lacks %q", tt.scope, r.Stderr, tt.want)
		}
	}
	if r := cmdtest.Pipe(t, e, "", "auth", "token", "--scope", "GET /v1/apps?filter[bundleId]=com.example.app").Want(t, 0); strings.Count(r.Stdout, ".") != 2 {
		t.Errorf("a good scope: %q", r.Stdout)
	}
}

// TestUnknownFilterListsTheValidOnes: `api` with an unknown filter names the closest one and
// every filter the operation takes, before any request.
func TestUnknownFilterListsTheValidOnes(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	for name, r := range map[string]cmdtest.Result{
		"terminal": cmdtest.Term(t, e, "api", "/v1/apps", "-f", "filter[platform]=IOS"),
		"pipe":     cmdtest.Pipe(t, e, "", "api", "/v1/apps", "-f", "filter[platform]=IOS"),
	} {
		r.Want(t, cli.ExitUsage)
		out := r.Stdout + r.Stderr
		if !strings.Contains(out, "did you mean 'filter[appStoreVersions.platform]'?") || !strings.Contains(out, "valid filters: filter[name], filter[bundleId], filter[sku]") {
			t.Errorf("%s: %q", name, out)
		}
	}
}

// TestConnectorExportSaysWhatItWrote, in a pipe as on a terminal.
func TestConnectorExportSaysWhatItWrote(t *testing.T) {
	t.Parallel()
	e := baseEnv(t)
	out := filepath.Join(t.TempDir(), "connector")
	args := []string{"connector", "export", "--host", "gw.example.com", "--publisher", "Example Labs", "--contact-name", "Mobile",
		"--contact-url", "https://example.com/m", "--contact-email", "m@example.com", "--out", out}
	pipe := cmdtest.Pipe(t, e, "", args...).Want(t, 0)
	term := cmdtest.Term(t, with(e, "NO_COLOR", "1"), args...).Want(t, 0)
	for name, msg := range map[string]string{"pipe": pipe.Stderr, "terminal": term.Stdout} {
		for _, want := range []string{"wrote apiDefinition.swagger.json (", "apiProperties.json (", "readme.md (", " KB", "into " + out} {
			if !strings.Contains(msg, want) {
				t.Errorf("%s: %q lacks %q", name, msg, want)
			}
		}
	}
	if pipe.Stdout != "" {
		t.Errorf("export wrote to stdout: %q", pipe.Stdout)
	}
}

// TestMetadataDiffExitCode: --exit-code exits 0 when the folder matches and 1, with the
// differences shown and no error line, when it does not.
func TestMetadataDiffExitCode(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	dir := filepath.Join(t.TempDir(), "metadata")
	cmdtest.Pipe(t, e, "", "metadata", "pull", "--app", "com.example.daybreak", "--dir", dir).Want(t, 0)
	args := []string{"metadata", "diff", "--app", "com.example.daybreak", "--dir", dir, "--exit-code"}
	cmdtest.Pipe(t, e, "", args...).Want(t, 0)
	cmdtest.Term(t, e, args...).Want(t, 0)
	locales, _ := filepath.Glob(filepath.Join(dir, "*", "promotional_text.txt"))
	if len(locales) == 0 {
		t.Fatalf("pull wrote no promotional_text.txt in %s", dir)
	}
	os.WriteFile(locales[0], []byte("Something else entirely"), 0o644)
	pipe := cmdtest.Pipe(t, e, "", args...).Want(t, cli.ExitError)
	if !strings.Contains(pipe.Stdout, "Something else entirely") || strings.Contains(pipe.Stderr, "exit status") {
		t.Errorf("diff --exit-code with a difference: stdout %q stderr %q", pipe.Stdout, pipe.Stderr)
	}
	term := cmdtest.Term(t, e, args...).Want(t, cli.ExitError)
	if !strings.Contains(term.Stdout, "1 field differs") || strings.Contains(term.Stdout, "exit status") {
		t.Errorf("terminal: %q", term.Stdout)
	}
	// Without the flag a difference is no failure.
	cmdtest.Pipe(t, e, "", args[:len(args)-1]...).Want(t, 0)
}

// TestEveryWaitHasTimeoutAndNoWait: the commands that can wait (for a build, App Review,
// Beta App Review, uploaded screenshots, previews or attachments) take --wait, --no-wait and
// --timeout alike; contradicting or empty values are usage errors before any request, on a
// terminal and in a pipe.
func TestEveryWaitHasTimeoutAndNoWait(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	for _, c := range []struct{ name, args []string }{
		{[]string{"builds", "upload"}, []string{"builds", "upload", "App.ipa"}},
		{[]string{"testflight", "distribute"}, []string{"testflight", "distribute", "--build", "b1", "--groups", "QA"}},
		{[]string{"submit"}, []string{"submit", "--app", "com.example.daybreak"}},
		{[]string{"builds", "wait"}, []string{"builds", "wait", "b1"}},
		{[]string{"screenshots", "sync"}, []string{"screenshots", "sync", "--app", "com.example.daybreak", "--dir", t.TempDir()}},
		{[]string{"deliver"}, []string{"deliver", "--app", "com.example.daybreak", "--dry-run"}},
		{[]string{"pilot", "upload"}, []string{"pilot", "upload", "--app", "com.example.daybreak", "--dry-run"}},
		{[]string{"versions", "review-attachments"}, []string{"versions", "review-attachments", "--app", "com.example.daybreak", "x.pdf"}},
	} {
		help := cmdtest.Pipe(t, e, "", append(c.name, "--help")...).Want(t, 0)
		for _, flag := range []string{"--wait ", "--no-wait ", "--timeout duration"} {
			if !strings.Contains(help.Stdout, flag) {
				t.Errorf("%s --help lacks %s", strings.Join(c.name, " "), flag)
			}
		}
		for _, bad := range [][]string{{"--wait", "--no-wait"}, {"--wait", "--timeout", "0s"}} {
			args := append(append([]string{}, c.args...), bad...)
			r := cmdtest.Pipe(t, e, "", args...).Want(t, cli.ExitUsage)
			if !strings.Contains(r.Stderr, "--") {
				t.Errorf("%v %v: %q", c, bad, r.Stderr)
			}
			if r := cmdtest.Term(t, e, args...).Want(t, cli.ExitUsage); !strings.Contains(r.Stdout, "--") {
				t.Errorf("terminal: %v %v: %q", c, bad, r.Stdout)
			}
		}
	}
}

// TestRefusalsListProblemsOnePerLine: every command that refuses its input before a write
// prints the problems one a line under a head with the count in the right number, on a
// terminal and in a pipe: api (the spec's checks), products validate and push, the age
// rating, the review attachments and deliver.
func TestRefusalsListProblemsOnePerLine(t *testing.T) {
	t.Parallel()
	e := with(baseEnv(t), "ASCEND_SANDBOX", "1", "NO_COLOR", "1")
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	products := `{"inAppPurchases": [
  {"productId": "com.example.daybreak.gems", "referenceName": "Gems", "type": "NOPE", "localizations": {"en-US": {"name": "` + strings.Repeat("g", 40) + `"}}},
  {"productId": "com.example.daybreak.more", "referenceName": "More", "type": "CONSUMABLE", "localizations": {"en-US": {"name": "More"}}}]}`
	two := write("products.json", products)
	one := write("one.json", strings.Replace(products, strings.Repeat("g", 40), "Gems", 1))
	rating := write("app_rating_config.json", `{"violenceCartoonOrFantasy": "SOMETIMES", "notAQuestion": "NONE", "alsoNot": true}`)
	app := "com.example.daybreak"
	for _, c := range []struct {
		args  []string
		head  string // the head line, up to its colon
		lines int
	}{
		{[]string{"api", "/v1/apps", "-f", "filter[platfrm]=IOS", "-f", "limit=900"}, "GET /v1/apps (apps_getCollection) has 2 problems, nothing was sent:", 2},
		{[]string{"api", "/v1/apps", "-f", "limit=900"}, "GET /v1/apps (apps_getCollection) has 1 problem, nothing was sent:", 1},
		{[]string{"api", "-X", "POST", "/v1/betaGroups", "-f", "data[type]=betaGroups", "-f", "data[attributes][name]=QA", "-f", "data[attributes][nme]=x", "--yes"},
			"the body of POST /v1/betaGroups (betaGroups_createInstance) has 2 problems, nothing was sent:", 2},
		{[]string{"products", "push", "--app", app, "--file", two, "--yes"}, two + " has 2 problems, nothing was written; fix them and run again:", 2},
		{[]string{"products", "push", "--app", app, "--file", one, "--yes"}, one + " has 1 problem, nothing was written; fix it and run again:", 1},
		{[]string{"versions", "age-rating", "push", "--app", app, "--file", rating}, rating + " has 3 problems, nothing was sent:", 3},
		{[]string{"versions", "review-attachments", "--app", app, filepath.Join(dir, "none.pdf"), dir}, "the review attachments has 2 problems, nothing was sent:", 2},
		{[]string{"deliver", "--app", app, "--auto-release-date", "soon", "--app-rating-config-path", rating}, "the release (Deliverfile, DELIVER_* variables and flags) has 4 problems, nothing was sent:", 4},
	} {
		for name, r := range map[string]cmdtest.Result{"terminal": cmdtest.Term(t, e, c.args...), "pipe": cmdtest.Pipe(t, e, "", c.args...)} {
			out := strings.ReplaceAll(r.Stdout+r.Stderr, "\r", "")
			if r.Code == 0 || !strings.Contains(out, c.head) {
				t.Errorf("%s: ascend %s: exit %d, no head %q:\n%s", name, strings.Join(c.args, " "), r.Code, c.head, out)
				continue
			}
			if items := strings.Count(out, "\n  - "); items != c.lines {
				t.Errorf("%s: ascend %s: %d problem lines, want %d:\n%s", name, strings.Join(c.args, " "), items, c.lines, out)
			}
		}
	}
	// products validate prints the problems one a line, then the count in the right number.
	for name, r := range map[string]cmdtest.Result{
		"terminal": cmdtest.Term(t, e, "products", "validate", "--file", one),
		"pipe":     cmdtest.Pipe(t, e, "", "products", "validate", "--file", one),
	} {
		out := strings.ReplaceAll(r.Stdout+r.Stderr, "\r", "")
		if r.Code != 1 || !strings.Contains(out, one+": 1 problem found; fix it and run validate again") || strings.Count(out, "inAppPurchases[") != 1 {
			t.Errorf("%s: products validate with one problem: exit %d\n%s", name, r.Code, out)
		}
	}
}
