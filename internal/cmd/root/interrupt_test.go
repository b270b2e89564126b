package root_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

// TestInterruptInAPipeExits130WithOneLine: the ascend binary (built with go build), its stdout
// and stderr pipes, is sent SIGINT in the middle of a wait against a sandbox: a build's
// processing (builds wait, builds upload --wait), uploaded screenshots' processing
// (screenshots sync, with uploads and polls in flight), Beta App Review (testflight distribute
// --wait) and App Review (submit --wait). It exits 130 and what it prints after the signal is
// exactly one line, "interrupted": no list of cancelled requests, no "context canceled", no
// summary, nothing more on stdout. A review wait interrupted leaves its submission open, and
// the same command run again follows it: no second submission, nothing written.
func TestInterruptInAPipeExits130WithOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the ascend binary; skipped under -short")
	}
	t.Parallel()
	bin := testutil.BuildBinary(t, "./cmd/ascend")
	// Each step of App Review and Beta App Review lasts 10 minutes on the sandbox's clock, so
	// both review waits are still WAITING_FOR_REVIEW when the signal comes.
	h := cmdtest.New(t, sandbox.Options{BuildProcessingDelay: 10 * time.Minute, ProcessingDelay: 10 * time.Minute, ReviewDelay: 10 * time.Minute, PartSize: 64 << 10})
	env := with(h.Env, "NO_COLOR", "1")
	run := func(args ...string) *exec.Cmd {
		cmd := exec.Command(bin, args...)
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		return cmd
	}
	ipa := func(build string) string {
		p := filepath.Join(t.TempDir(), "Daybreak.ipa")
		if err := archivetest.WriteIPA(p, archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: build, Size: 200 << 10}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A build left processing for builds wait.
	if out, err := run("builds", "upload", ipa("700")).CombinedOutput(); err != nil {
		t.Fatalf("builds upload: %v\n%s", err, out)
	}
	shots := t.TempDir()
	for i := 1; i <= 4; i++ {
		sandboxtest.WritePNG(t, filepath.Join(shots, "en-US", fmt.Sprintf("%d.png", i)), 368, 448, 60+i)
	}
	fl := filepath.Join(t.TempDir(), "fastlane")
	os.MkdirAll(filepath.Join(fl, "metadata"), 0o755)
	os.WriteFile(filepath.Join(fl, "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
	os.WriteFile(filepath.Join(fl, "Deliverfile"), []byte("app_version \"2.4.0\"\n"), 0o644)
	sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "en-US", "1.png"), 1290, 2796, 70)
	commits := func() int { return h.Stats(t)["PATCH /v1/appScreenshots/{id}"] }
	// Build 499 of 2.4.0 is VALID, already in the external group "Design Partners" and never
	// sent to Beta App Review: distribute submits it and waits.
	distribute := []string{"testflight", "distribute", "--app", "com.example.daybreak", "--version", "2.4.0", "--build-number", "499", "--groups", "Design Partners"}
	// converges runs the interrupted command again in process, once without waiting (exit
	// 0, saying done) and once waiting with a timeout too short for the review (exit 8,
	// still pending), and checks neither wrote anything: the review submission the
	// interrupted run created is followed, never a second one.
	converges := func(created, done string, args ...string) func(t *testing.T) {
		return func(t *testing.T) {
			if n := h.Stats(t)[created]; n != 1 {
				t.Fatalf("the interrupted run sent %s %d times, want once", created, n)
			}
			writes := h.Writes(t)
			for _, again := range []struct {
				args []string
				code int
				want string
			}{
				{args, 0, done},
				{slices.Concat(args, []string{"--wait", "--timeout", "1ms"}), cli.ExitPending, "still WAITING_FOR_REVIEW"},
			} {
				r := h.Run(t, false, again.args...).Want(t, again.code)
				if !strings.Contains(r.Stdout+r.Stderr+fmt.Sprint(r.Err), again.want) {
					t.Errorf("ascend %s after the interruption:\n%s%s%v\nwant %q", strings.Join(again.args, " "), r.Stdout, r.Stderr, r.Err, again.want)
				}
				if got := h.Writes(t); got != writes {
					t.Fatalf("ascend %s after the interruption wrote %d requests, want none (%s: %d)", strings.Join(again.args, " "), got-writes, created, h.Stats(t)[created])
				}
			}
		}
	}
	for _, c := range []struct {
		name  string
		args  []string
		ready string // stderr shows it once the wait is under way
		// or, for a command that shows nothing while it waits, the sandbox has seen an
		// upload committed
		committed bool
		// again, when set, checks that a re-run after the interruption converges
		again func(t *testing.T)
	}{
		{"builds wait", []string{"builds", "wait", "--app", "com.example.daybreak", "--version", "2.4.0", "--build-number", "700", "--poll", "50ms"}, "waiting for processing", false, nil},
		{"builds upload --wait", []string{"builds", "upload", ipa("701"), "--wait", "--poll", "50ms"}, "waiting for processing", false, nil},
		{"screenshots sync", []string{"screenshots", "sync", "--app", "com.example.daybreak", "--dir", shots, "--yes"}, "uploaded 4.png", false, nil},
		{"deliver", []string{"deliver", "--fastlane", fl}, "", true, nil},
		{"testflight distribute --wait", slices.Concat(distribute, []string{"--wait", "--poll", "50ms"}), "waiting for Beta App Review: WAITING_FOR_REVIEW", false,
			converges("POST /v1/betaAppReviewSubmissions", "nothing changed", distribute...)},
		// Last: it sends daybreak's version to App Review, which the cases above must not see.
		{"submit --wait", []string{"submit", "--app", "com.example.daybreak", "--wait"}, "waiting for App Review: WAITING_FOR_REVIEW", false,
			converges("POST /v1/reviewSubmissions", "WAITING_FOR_REVIEW", "submit", "--app", "com.example.daybreak")},
	} {
		t.Run(c.name, func(t *testing.T) {
			cmd := run(c.args...)
			var stdout, stderr testutil.SyncBuffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			deadline := time.After(60 * time.Second)
			start := commits()
			ready := func() bool {
				if c.committed {
					return commits() > start
				}
				return strings.Contains(stderr.String(), c.ready)
			}
			for !ready() {
				select {
				case err := <-done:
					t.Fatalf("ascend %s ended before its wait (%v):\n%s", c.name, err, stderr.String())
				case <-deadline:
					cmd.Process.Kill()
					t.Fatalf("ascend %s never showed %q:\n%s", c.name, c.ready, stderr.String())
				case <-time.After(20 * time.Millisecond):
				}
			}
			time.Sleep(150 * time.Millisecond) // into the wait's sleep or a poll in flight
			before, printed := len(stderr.String()), stdout.String()
			if err := cmd.Process.Signal(os.Interrupt); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				cmd.Process.Kill()
				t.Fatalf("ascend %s did not end within 30 s of SIGINT:\n%s", c.name, stderr.String())
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != cli.ExitInterrupted {
				t.Errorf("ascend %s after SIGINT: %v, want exit 130", c.name, err)
			}
			after := stderr.String()[before:]
			if after != "interrupted\n" {
				t.Errorf("ascend %s printed %q on stderr after SIGINT, want exactly one line \"interrupted\"", c.name, after)
			}
			if all := stderr.String() + stdout.String(); strings.Contains(all, "context canceled") {
				t.Errorf("ascend %s printed context canceled:\n%s", c.name, all)
			}
			if got := stdout.String(); got != printed {
				t.Errorf("ascend %s printed on stdout after SIGINT: %q", c.name, got[len(printed):])
			}
			if c.again != nil {
				c.again(t)
			}
		})
	}
}
