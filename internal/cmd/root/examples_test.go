package root_test

import (
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

// example is one `ascend ...` command line from a command's --help or the README.
type example struct {
	where string // "ascend apps get --help" or "README.md:92"
	line  string
	args  []string
}

// longRunning are the commands that serve until interrupted: their examples are checked for
// their flags with --help only.
var longRunning = map[string]bool{"sandbox": true, "serve": true, "mcp": true}

// splitShell splits a command line as sh would for the forms the examples use: words,
// '...' and "..." quoting, backslashes, a # comment; a pipe or a redirection ends the
// command. ok is false for a line that needs a shell (a substitution, a variable, a list).
func splitShell(line string) (words []string, ok bool) {
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, false
			}
			cur.WriteString(line[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				return nil, false
			}
			s := line[i+1 : i+1+j]
			if strings.ContainsAny(s, "$`") {
				return nil, false
			}
			cur.WriteString(s)
			i += j + 1
			inWord = true
		case c == '\\' && i+1 < len(line):
			cur.WriteByte(line[i+1])
			i++
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '#' && !inWord, c == '|' || c == '>':
			i = len(line) // a comment, or where the output goes: the command ends here
		case strings.IndexByte("<;&$`()", c) >= 0:
			return nil, false
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, true
}

// ascendArgs returns the arguments of an `ascend` (or `./ascend`) command line, or false; a
// line whose output goes to a pipe or a file runs the ascend part.
func ascendArgs(line string) ([]string, bool) {
	words, ok := splitShell(line)
	if !ok || len(words) == 0 || (words[0] != "ascend" && words[0] != "./ascend") {
		return nil, false
	}
	return words[1:], true
}

// joinContinued joins lines ending in a backslash with the next.
func joinContinued(text string) []string {
	var out []string
	var cur string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		out = append(out, cur+l)
		cur = ""
	}
	return out
}

func helpExamples(t *testing.T) []example {
	ios, _, _, _ := cli.TestIO()
	tree := root.New(cli.NewFactory(ios, func(string) string { return "" }))
	var out []example
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, l := range joinContinued(c.Example) {
			if args, ok := ascendArgs(l); ok {
				out = append(out, example{where: c.CommandPath() + " --help", line: l, args: args})
			} else if strings.HasPrefix(l, "ascend ") {
				t.Errorf("%s --help: example %q cannot be run as written (it needs a shell)", c.CommandPath(), l)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(tree)
	return out
}

func readmeExamples(t *testing.T) []example {
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	inSh := false
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch {
		case strings.HasPrefix(l, "```sh"):
			inSh = true
			continue
		case strings.HasPrefix(l, "```"):
			inSh = false
			continue
		}
		if !inSh {
			continue
		}
		n := i + 1
		for strings.HasSuffix(strings.TrimSpace(l), "\\") && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(strings.TrimSpace(l), "\\") + " " + strings.TrimSpace(lines[i])
		}
		if args, ok := ascendArgs(strings.TrimSpace(l)); ok {
			out = append(out, example{where: "README.md:" + strconv.Itoa(n), line: strings.TrimSpace(l), args: args})
		}
	}
	return out
}

// TestEveryExampleWorks runs every example of every command's --help and of the README, in
// order, against the embedded sandbox, in a folder holding the files they name: none may be
// a usage error (a flag, an argument or a value refused: the example is wrong), and those
// about the sandbox's demo apps must succeed. Commands that serve until stopped are run with
// --help, which checks their flags.
func TestEveryExampleWorks(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	demo := filepath.Join(dir, "demo")
	os.MkdirAll(demo, 0o755)
	env := map[string]string{"ASCEND_CONFIG_DIR": filepath.Join(dir, "config"), "ASCEND_CACHE_DIR": filepath.Join(dir, "cache"), "ASCEND_SANDBOX": "1"}
	// Each runs as on a terminal whose user answers yes to a confirmation; an example that
	// names its own credentials runs without the embedded sandbox.
	run := func(args ...string) (int, string) {
		ios, in, out, errOut := cli.TestIO()
		ios.SetTTY(true)
		in.WriteString("y\n")
		e := env
		if slices.ContainsFunc(args, func(a string) bool { return a == "--api-key-json" || a == "--private-key-path" }) {
			e = maps.Clone(env)
			delete(e, "ASCEND_SANDBOX")
		}
		f := cli.NewFactory(ios, func(k string) string { return e[k] })
		err := root.Run(t.Context(), f, args)
		return cli.ExitCode(err), strings.TrimSpace(out.String() + " " + errOut.String() + " " + errText(err))
	}
	// The files the examples name.
	if code, out := run("metadata", "pull", "--app", "com.example.daybreak", "--dir", "fastlane/metadata"); code != 0 {
		t.Fatalf("pull: %s", out)
	}
	if code, out := run("versions", "age-rating", "pull", "--app", "com.example.daybreak", "--file", filepath.Join("fastlane", "app_rating_config.json")); code != 0 {
		t.Fatalf("age-rating pull: %s", out)
	}
	// A fastlane folder whose Appfile names a demo app, as `--fastlane .` and `--dir
	// fastlane/...` without --app expect, with its screenshots folder.
	os.WriteFile(filepath.Join("fastlane", "Appfile"), []byte("app_identifier(\"com.example.daybreak\")\n"), 0o644)
	os.MkdirAll(filepath.Join("fastlane", "screenshots", "en-US"), 0o755)
	os.MkdirAll("ios", 0o755)
	if err := os.Symlink(filepath.Join("..", "fastlane"), filepath.Join("ios", "fastlane")); err != nil {
		t.Fatal(err)
	}
	// The archives the builds upload examples name, for the demo apps they name.
	os.MkdirAll("build", 0o755)
	if err := archivetest.WriteIPA(filepath.Join("build", "Daybreak.ipa"), archivetest.App{BundleID: "com.example.daybreak", Version: "9.0.0", Build: "901"}); err != nil {
		t.Fatal(err)
	}
	if err := archivetest.WritePKG(filepath.Join("build", "Trailhead.pkg"), archivetest.App{BundleID: "com.example.trailhead", Name: "Trailhead", Version: "9.0.0", Build: "902"}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile("body.json", []byte(`{"data":{"type":"appInfoLocalizations","attributes":{"locale":"de-DE","name":"Daybreak"},"relationships":{"appInfo":{"data":{"type":"appInfos","id":"none"}}}}}`), 0o644)
	os.WriteFile("testers.csv", []byte("First,Last,Email,Groups\nAda,Lovelace,ada@example.com,\n"), 0o644)
	examples := append(helpExamples(t), readmeExamples(t)...)
	if len(examples) < 50 {
		t.Fatalf("found %d examples; the collector is broken", len(examples))
	}
	var ok, failed int
	for _, ex := range examples {
		args := make([]string, len(ex.args))
		for i, a := range ex.args {
			args[i] = strings.ReplaceAll(a, "/tmp/demo", demo)
		}
		if cmd := commandOf(args); longRunning[cmd] {
			args = append(args, "--help")
		}
		start := time.Now()
		code, out := run(args...)
		if d := time.Since(start); d > 2*time.Second {
			t.Logf("%s: %s took %s", ex.where, ex.line, d.Round(time.Millisecond))
		}
		switch {
		case code == cli.ExitUsage:
			t.Errorf("%s: %s\n  is a usage error: %s", ex.where, ex.line, out)
		case code != 0 && aboutDemoData(ex.line):
			t.Errorf("%s: %s\n  exit %d against the sandbox's demo data: %s", ex.where, ex.line, code, out)
		case code != 0:
			failed++
			t.Logf("%s: %s\n  exit %d (names what the sandbox does not have): %.200s", ex.where, ex.line, code, out)
		default:
			ok++
		}
	}
	t.Logf("%d examples: %d succeed against the sandbox, %d name apps, builds or files it does not have", len(examples), ok, failed)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// commandOf is the first word of args that is not a flag (nor a global flag's value).
func commandOf(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if (a == "--api-key-json" || a == "--profile" || a == "--base-url") && i+1 < len(args) {
				i++
			}
			continue
		}
		return a
	}
	return ""
}

// aboutDemoData reports whether an example is about the sandbox's demo apps, which exist.
func aboutDemoData(line string) bool {
	for _, app := range []string{"com.example.daybreak", "com.example.trailhead", "com.example.ledger"} {
		if strings.Contains(line, app) {
			return true
		}
	}
	return false
}
