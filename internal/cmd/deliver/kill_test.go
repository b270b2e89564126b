package deliver_test

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/agerating"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
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
	args             []string       // more arguments for deliver
}

// counted are the resources a release makes, each of which must exist once when it is done.
var counted = []string{"appStoreVersions", "appStoreVersionLocalizations", "appScreenshotSets", "appScreenshots",
	"appStoreVersionPhasedReleases", "reviewSubmissions", "reviewSubmissionItems"}

// newKillRelease starts a sandbox for the release and, when project is "", writes the
// fastlane project (the release reads it and writes nothing into it, so runs share one).
func newKillRelease(t *testing.T, project string) *killRelease {
	t.Helper()
	return newKillReleaseWith(t, project, sandbox.Options{})
}

// newKillReleaseWith is newKillRelease on a sandbox with opts (ReviewDelay and
// ProcessingDelay are the release's).
func newKillReleaseWith(t *testing.T, project string, opts sandbox.Options) *killRelease {
	t.Helper()
	opts.ReviewDelay, opts.ProcessingDelay = time.Hour, 20*time.Millisecond
	sb := sandboxtest.Start(t, opts)
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
	cmd := exec.Command(bin, append([]string{"deliver", "--fastlane", r.fastlane, "--app-rating-config-path", r.rating}, r.args...)...)
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
	if err != nil || d.Config.Answers["violenceCartoonOrFantasy"] != agerating.Text("INFREQUENT_OR_MILD") {
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

// TestDeliverProcessKilledMidUploadConverges: ascend deliver with an ipa in its Deliverfile,
// a real process killed by SIGKILL at a few points of the build upload (its reservation, its
// file, a part half way, the commit; each before and after the sandbox applies it), then run
// again, resumes the reservation rather than making another: one build upload, its build
// processed and attached, the rest of the release as uninterrupted; a third run writes
// nothing. (Every write of the release is TestDeliverProcessKilledAtEachWriteConverges's.)
func TestDeliverProcessKilledMidUploadConverges(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping under -short: builds ascend and runs it about 25 times")
	}
	t.Parallel()
	bin := testutil.BuildBinary(t, "./cmd/ascend")
	opts := sandbox.Options{PartSize: 64 << 10, BuildProcessingDelay: 30 * time.Millisecond}
	ref := newKillReleaseWith(t, "", opts)
	project := ref.fastlane
	// The release uploads Daybreak 2.4.0 (601), 17 parts, which the Deliverfile names.
	if err := archivetest.WriteIPA(filepath.Join(filepath.Dir(project), "Daybreak.ipa"), archivetest.App{BundleID: "com.example.daybreak", Version: "2.4.0", Build: "601", Size: 1 << 20}); err != nil {
		t.Fatal(err)
	}
	df, err := os.OpenFile(filepath.Join(project, "Deliverfile"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	df.WriteString("ipa \"Daybreak.ipa\"\n")
	df.Close()
	fast := []string{"--poll", "10ms"}
	ref.args = fast
	if out, err := ref.run(t, bin, nil, nil); err != nil {
		t.Fatalf("deliver: %v\n%s", err, out)
	}
	want := map[string]int{}
	for _, typ := range counted {
		want[typ] = ref.made(typ)
	}
	// uploaded checks the one build upload of 601 and makes its build the one converged
	// expects attached.
	uploaded := func(t *testing.T, r *killRelease, label string) {
		t.Helper()
		c := r.sb.Client()
		doc, _, err := c.Apps.ListBuildUploads(t.Context(), r.sb.IDs("apps")[0], &asc.AppsListBuildUploadsOptions{FilterCfBundleVersion: []string{"601"}})
		if err != nil {
			t.Fatal(err)
		}
		ups := len(doc.Data)
		bs, err := builds.List(t.Context(), r.sb.Client(), builds.Filter{App: r.sb.IDs("apps")[0], Version: "2.4.0", BuildNumber: "601", Platform: asc.PlatformIOS, Limit: 5})
		if ups != 1 || err != nil || len(bs) != 1 || bs[0].State() != string(asc.BuildProcessingStateValid) {
			t.Fatalf("%s: %d build uploads of 601, builds %v (%v)", label, ups, bs, err)
		}
		r.build = bs[0].ID
	}
	uploaded(t, ref, "uninterrupted")
	ref.converged(t, "uninterrupted", want)
	for _, k := range []struct {
		name, method, route string
		skip                int
	}{
		{"the reservation", "POST", "/v1/buildUploads", 0},
		{"its file", "POST", "/v1/buildUploadFiles", 0},
		{"the 12th of 17 parts", "PUT", "/sandbox/upload/{token}/{part}", 11},
		{"the commit", "PATCH", "/v1/buildUploadFiles/{id}", 0},
	} {
		for _, after := range []bool{false, true} {
			label := "killed at " + k.name + map[bool]string{false: " before it applied", true: " after it applied"}[after]
			t.Run(label, func(t *testing.T) {
				t.Parallel()
				r := newKillReleaseWith(t, project, opts)
				r.args = fast
				started, done := make(chan *os.Process, 1), make(chan struct{})
				var once sync.Once
				r.sb.Fail(sandbox.FaultRule{Method: k.method, Route: k.route, Skip: k.skip, Times: 1, After: after, Drop: true, Call: func(*http.Request) {
					once.Do(func() {
						p := <-started
						_ = p.Kill()
						<-done
					})
				}})
				out, err := r.run(t, bin, started, done)
				if err == nil || err.Error() != "signal: killed" {
					t.Fatalf("the run was not killed (%v):\n%s", err, out)
				}
				r.sb.Fail()
				out, err = r.run(t, bin, nil, nil)
				if err != nil {
					t.Fatalf("run again: %v\n%s", err, out)
				}
				// A reservation made is resumed, never made again; a commit applied needs no resume.
				reserved := k.route != "/v1/buildUploads" || after
				committed := k.method == "PATCH" && after
				if resumes := reserved && !committed; resumes != strings.Contains(out, "resuming build upload") {
					t.Errorf("run again (resume expected: %v):\n%s", resumes, out)
				}
				if k.method == "PUT" && !regexp.MustCompile(`resuming build upload \S+: [1-9]\d* of 17 parts already sent`).MatchString(out) {
					t.Errorf("the parts sent before the kill are sent again:\n%s", out)
				}
				w := r.sb.Writes()
				if out, err := r.run(t, bin, nil, nil); err != nil || r.sb.Writes() != w {
					t.Fatalf("third run: %v, %d writes\n%s", err, r.sb.Writes()-w, out)
				}
				uploaded(t, r, label)
				r.converged(t, label, want)
			})
		}
	}
}
