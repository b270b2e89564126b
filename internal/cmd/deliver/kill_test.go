package deliver_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/agerating"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/screenshots"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// killRelease is a sandbox and a fastlane project releasing Daybreak 2.4.0 from scratch: the
// version created (App Store Connect copies the live one's metadata and screenshots), the
// description and release notes changed, one screenshot more, an age rating answer, a phased
// release, export compliance and content rights answered, submitted for review and released
// once approved.
type killRelease struct {
	sb               *sandboxtest.Sandbox
	fastlane, rating string
	env              []string
	base             map[string]int // resources of each type before the release
	build            string         // the build the release attaches
}

// counted are the resources a release makes, each of which must exist once when it is done.
var counted = []string{"appStoreVersions", "appStoreVersionLocalizations", "appScreenshotSets", "appScreenshots",
	"appStoreVersionPhasedReleases", "reviewSubmissions", "reviewSubmissionItems"}

// newKillRelease starts a sandbox for the release and, when project is "", writes the
// fastlane project (the release reads it and writes nothing into it, so runs share one).
func newKillRelease(t *testing.T, project string) *killRelease {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour, ProcessingDelay: 20 * time.Millisecond})
	c := sb.Client()
	vs, err := versions.List(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Version == "2.4.0" { // the demo's version in preparation: this release makes it again
			if _, err := c.AppStoreVersions.Delete(t.Context(), v.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Export compliance and content rights not yet answered: submission_information does.
	bs, err := builds.List(t.Context(), c, builds.Filter{App: sb.IDs("apps")[0], Version: "2.4.0", Platform: asc.PlatformIOS,
		Expired: asc.Ptr(false), States: []string{string(asc.BuildProcessingStateValid)}, Limit: 1})
	if err != nil || len(bs) != 1 {
		t.Fatalf("the newest 2.4.0 build: %v %v", bs, err)
	}
	sb.Set("builds", bs[0].ID, "usesNonExemptEncryption", nil)
	sb.Set("apps", sb.IDs("apps")[0], "contentRightsDeclaration", nil)
	k := sb.Key()
	r := &killRelease{sb: sb, fastlane: project, base: map[string]int{}, build: bs[0].ID,
		env: []string{"ASCEND_CONFIG_DIR=" + t.TempDir(), "ASCEND_CACHE_DIR=" + t.TempDir(),
			"ASC_BASE_URL=" + sb.URL(), "ASC_KEY_ID=" + k.ID, "ASC_ISSUER_ID=" + k.IssuerID, "ASC_PRIVATE_KEY=" + string(sb.KeyPEM())}}
	for _, typ := range counted {
		r.base[typ] = len(sb.IDs(typ))
	}
	if project == "" {
		r.fastlane = writeKillProject(t, c)
	}
	r.rating = filepath.Join(r.fastlane, "app_rating_config.json")
	return r
}

func writeKillProject(t *testing.T, c *asc.Client) string {
	t.Helper()
	fl := filepath.Join(t.TempDir(), "fastlane")
	meta := filepath.Join(fl, "metadata")
	// With no version in preparation, the pull gives the live version's metadata, which the
	// new version starts from; only en-US's release notes and description differ.
	if _, _, err := metadata.Pull(t.Context(), c, metadata.Target{App: "com.example.daybreak"}, meta); err != nil {
		t.Fatal(err)
	}
	notes, _ := filepath.Glob(filepath.Join(meta, "*", "release_notes.txt"))
	for _, f := range notes {
		os.Remove(f)
	}
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(fl, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("metadata/en-US/description.txt", "Daybreak plans every day, now with focus blocks.")
	write("metadata/en-US/release_notes.txt", "Focus blocks.")
	write("Appfile", "app_identifier \"com.example.daybreak\"\n")
	write("Deliverfile", "app_version \"2.4.0\"\nsubmit_for_review true\nautomatic_release true\nphased_release true\n"+
		"submission_information({ export_compliance_uses_encryption: false, content_rights_contains_third_party_content: false })\n")
	write("app_rating_config.json", `{"CARTOON_FANTASY_VIOLENCE": 1}`)
	sandboxtest.WritePNG(t, filepath.Join(fl, "screenshots", "en-US", "9_focus.png"), 1290, 2796, 7)
	return fl
}

// made is how many resources of typ there are more than before the release.
func (r *killRelease) made(typ string) int { return len(r.sb.IDs(typ)) - r.base[typ] }

// run runs `ascend deliver` as a process; when started is given, the process is sent on it
// once started (for a fault rule's Call to kill it) and done is closed once it has exited.
func (r *killRelease) run(t *testing.T, bin string, started chan<- *os.Process, done chan struct{}) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, "deliver", "--fastlane", r.fastlane, "--app-rating-config-path", r.rating)
	cmd.Env = r.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if started != nil {
		started <- cmd.Process
	}
	err := cmd.Wait()
	if done != nil {
		close(done)
	}
	return out.String(), err
}

// killAt makes the n-th write the process sends its last: the sandbox sends the process
// SIGKILL when that request arrives (before, nothing of it applied) or once it has taken
// effect (after), waits for the process to die, then drops the connection.
func killAt(n int, after bool, started <-chan *os.Process, done <-chan struct{}) sandbox.FaultRule {
	var once sync.Once
	return sandbox.FaultRule{Method: "POST|PATCH|DELETE|PUT", Skip: n - 1, Times: 1, After: after, Drop: true, Call: func(*http.Request) {
		once.Do(func() {
			p := <-started
			_ = p.Kill()
			<-done
		})
	}}
}

// converged checks the release is done once: one of everything it makes, the version waiting
// for review with its build and release type, the metadata, screenshots and age rating asked.
// want is how many of each type an uninterrupted release made.
func (r *killRelease) converged(t *testing.T, label string, want map[string]int) {
	t.Helper()
	for _, typ := range counted {
		if got := r.made(typ); got != want[typ] {
			t.Errorf("%s: %d new %s, want %d", label, got, typ, want[typ])
		}
	}
	c := r.sb.Client()
	ctx := t.Context()
	target := metadata.Target{App: "com.example.daybreak", Platform: "IOS", Version: "2.4.0"}
	v, err := versions.Get(ctx, c, versions.Query{App: target.App, Platform: asc.PlatformIOS, Version: "2.4.0"})
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	if v.State != "WAITING_FOR_REVIEW" || v.ReleaseType != "AFTER_APPROVAL" || v.BuildID == "" {
		t.Errorf("%s: version %+v", label, v)
	}
	plan, _, err := metadata.Diff(ctx, c, target, filepath.Join(r.fastlane, "metadata"))
	if err != nil || len(plan.Writes) != 0 {
		t.Errorf("%s: metadata differs: %v %v", label, plan, err)
	}
	l, err := screenshots.Load(filepath.Join(r.fastlane, "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	sp, err := screenshots.Prepare(ctx, c, target, l, screenshots.Options{KeepExtras: true})
	if up, del, _ := sp.Totals(); err != nil || up+del != 0 {
		t.Errorf("%s: screenshots differ: %d uploads, %d deletions (%v)", label, up, del, err)
	}
	d, err := agerating.Pull(ctx, c, target.App)
	if err != nil || d.Config.Answers["violenceCartoonOrFantasy"] != "INFREQUENT_OR_MILD" {
		t.Errorf("%s: age rating %v (%v)", label, d, err)
	}
	b, _, err := c.Builds.Get(ctx, r.build, nil)
	if err != nil || v.BuildID != r.build || b.Data.Attributes.UsesNonExemptEncryption == nil || *b.Data.Attributes.UsesNonExemptEncryption {
		t.Errorf("%s: build %s attached, export compliance %+v (%v)", label, v.BuildID, b, err)
	}
	a, _, err := c.Apps.Get(ctx, r.sb.IDs("apps")[0], nil)
	if err != nil || a.Data.Attributes.ContentRightsDeclaration != asc.AppContentRightsDeclarationDoesNotUseThirdPartyContent {
		t.Errorf("%s: content rights %+v (%v)", label, a, err)
	}
}

// TestDeliverProcessKilledAtEachWriteConverges: ascend deliver, a real process, killed with
// SIGKILL at each write of the release in turn, once before the sandbox applies it and once
// after, then run again, ends with one version, one review submission with one item, one
// phased release, one new screenshot, and the metadata, age rating, export compliance and
// content rights asked; a third run writes nothing.
func TestDeliverProcessKilledAtEachWriteConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping under -short: builds ascend and runs it about 85 times")
	}
	t.Parallel()
	bin := testutil.BuildBinary(t, "./cmd/ascend")
	ref := newKillRelease(t, "")
	w0 := ref.sb.Writes()
	start := time.Now()
	if out, err := ref.run(t, bin, nil, nil); err != nil {
		t.Fatalf("deliver: %v\n%s", err, out)
	}
	writes := ref.sb.Writes() - w0
	want := map[string]int{}
	for _, typ := range counted {
		want[typ] = ref.made(typ)
	}
	for _, one := range []string{"appStoreVersions", "appStoreVersionPhasedReleases", "reviewSubmissions", "reviewSubmissionItems"} {
		if want[one] != 1 {
			t.Fatalf("the release made %d %s", want[one], one)
		}
	}
	ref.converged(t, "uninterrupted", want)
	t.Logf("the release takes %d writes (%s uninterrupted)", writes, time.Since(start).Round(time.Millisecond))
	if writes < 8 || writes > 30 {
		t.Fatalf("the release took %d writes", writes)
	}
	for n := 1; n <= writes; n++ {
		for _, after := range []bool{false, true} {
			label := fmt.Sprintf("killed at write %d before it applied", n)
			if after {
				label = fmt.Sprintf("killed at write %d after it applied", n)
			}
			t.Run(label, func(t *testing.T) {
				t.Parallel()
				r := newKillRelease(t, ref.fastlane)
				started, done := make(chan *os.Process, 1), make(chan struct{})
				r.sb.Fail(killAt(n, after, started, done))
				w := r.sb.Writes()
				out, err := r.run(t, bin, started, done)
				if err == nil || err.Error() != "signal: killed" {
					t.Fatalf("the run was not killed (%v, %d writes):\n%s", err, r.sb.Writes()-w, out)
				}
				r.sb.Fail()
				if out, err := r.run(t, bin, nil, nil); err != nil {
					t.Fatalf("run again: %v\n%s", err, out)
				}
				w = r.sb.Writes()
				if out, err := r.run(t, bin, nil, nil); err != nil || r.sb.Writes() != w {
					t.Fatalf("third run: %v, %d writes\n%s", err, r.sb.Writes()-w, out)
				}
				r.converged(t, label, want)
			})
		}
	}
}
