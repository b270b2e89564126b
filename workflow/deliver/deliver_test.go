package deliver_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/agerating"
	"github.com/ascend-tools/ascend/workflow/deliver"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/ascend-tools/ascend/workflow/versions"
)

func steps(r *deliver.Result) string {
	var out []string
	for _, s := range r.Steps {
		out = append(out, s.Name+"="+s.Status)
	}
	return strings.Join(out, " ")
}

// project pulls daybreak's metadata into a folder, changes a description and writes an age
// rating file, as a fastlane project holds them.
func project(t *testing.T, sb *sandboxtest.Sandbox) (meta, rating string) {
	t.Helper()
	dir := t.TempDir()
	meta = filepath.Join(dir, "metadata")
	if _, _, err := metadata.Pull(t.Context(), sb.Client(), metadata.Target{App: "com.example.daybreak"}, meta); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(meta, "en-US", "description.txt"), []byte("Daybreak plans every day, now with focus blocks."), 0o644); err != nil {
		t.Fatal(err)
	}
	rating = filepath.Join(dir, "app_rating_config.json")
	os.WriteFile(rating, []byte(`{"CARTOON_FANTASY_VIOLENCE": 1}`), 0o644)
	return meta, rating
}

func TestDeliverTwiceChangesNothingTheSecondTime(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	c := sb.Client()
	meta, rating := project(t, sb)
	yes := true
	o := deliver.Options{App: "com.example.daybreak", Platform: "IOS", MetadataPath: meta, AppRatingConfig: rating,
		PhasedRelease: &yes, SubmitForReview: &yes, AutomaticRelease: asc.Ptr(true)}
	dry := o
	dry.DryRun = true
	d, err := deliver.Run(t.Context(), c, dry)
	if err != nil {
		t.Fatal(err)
	}
	if got := steps(d); got != "version=planned metadata=planned screenshots=skipped age rating=planned phased release=planned submission information=skipped submit=planned" {
		t.Errorf("dry run: %s", got)
	}
	if sb.Writes() != 0 {
		t.Fatalf("a dry run wrote %d times", sb.Writes())
	}
	r, err := deliver.Run(t.Context(), c, o)
	if err != nil {
		t.Fatalf("deliver: %v (%s)", err, steps(r))
	}
	if got := steps(r); got != "version=changed metadata=changed screenshots=skipped age rating=changed phased release=changed submission information=skipped submit=changed" {
		t.Errorf("deliver: %s %+v", got, r.Steps)
	}
	writes := sb.Writes()
	again, err := deliver.Run(t.Context(), c, o)
	if err != nil {
		t.Fatalf("deliver again: %v", err)
	}
	if got := steps(again); got != "version=unchanged metadata=skipped screenshots=skipped age rating=skipped phased release=unchanged submission information=skipped submit=unchanged" {
		t.Errorf("deliver again: %s %+v", got, again.Steps)
	}
	if sb.Writes() != writes {
		t.Errorf("the second run wrote %d times", sb.Writes()-writes)
	}
	if n := sb.Count("POST /v1/reviewSubmissions"); n != 1 {
		t.Errorf("%d review submissions", n)
	}
}

func TestBadOptionsSendNothing(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	bad := filepath.Join(t.TempDir(), "rating.json")
	os.WriteFile(bad, []byte(`{"violence": "lots"}`), 0o644)
	_, err := deliver.Run(t.Context(), sb.Client(), deliver.Options{Platform: "ANDROID", AutoReleaseDate: "soon", AppRatingConfig: bad})
	for _, want := range []string{"no app", "platform ANDROID", "auto_release_date \"soon\"", "violence is not an age rating question"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v, want %q", err, want)
		}
	}
	if len(sb.Stats().ByRoute) != 0 {
		t.Errorf("requests: %v", sb.Stats().ByRoute)
	}
}

// killer stops the run (as kill -9 would: nothing after is sent) once the n-th write to App
// Store Connect has been answered.
type killer struct {
	base   http.RoundTripper
	n      int
	cancel context.CancelFunc
	mu     sync.Mutex
	writes int
}

func (k *killer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := k.base.RoundTrip(r)
	if r.Method != http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/") {
		k.mu.Lock()
		k.writes++
		if k.writes == k.n {
			k.cancel()
		}
		k.mu.Unlock()
	}
	return resp, err
}

// TestDeliverKilledAtEachWriteConverges: a run stopped after each of its writes in turn, then
// run again, ends with one version, one review submission, one phased release, the age
// rating and metadata asked, and a third run writes nothing.
func TestDeliverKilledAtEachWriteConverges(t *testing.T) {
	t.Parallel()
	yes := true
	for n := 1; n <= 12; n++ {
		sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
		meta, rating := project(t, sb)
		o := deliver.Options{App: "com.example.daybreak", Platform: "IOS", Version: "2.4.0", MetadataPath: meta, AppRatingConfig: rating,
			PhasedRelease: &yes, SubmitForReview: &yes, AutomaticRelease: &yes}
		ctx, cancel := context.WithCancel(t.Context())
		k := &killer{base: http.DefaultTransport, n: n, cancel: cancel}
		_, err := deliver.Run(ctx, sb.Client(asc.WithHTTPClient(&http.Client{Transport: k})), o)
		cancel()
		if k.writes < n {
			if err != nil {
				t.Fatalf("kill after write %d: the run made %d writes and failed: %v", n, k.writes, err)
			}
			t.Logf("the release takes %d writes; killed after each of them", k.writes)
			break // the whole release takes fewer writes
		}
		c := sb.Client()
		if r, err := deliver.Run(t.Context(), c, o); err != nil {
			t.Fatalf("kill after write %d, run again: %v (%s)", n, err, steps(r))
		}
		writes := sb.Writes()
		third, err := deliver.Run(t.Context(), c, o)
		if err != nil || sb.Writes() != writes {
			t.Fatalf("kill after write %d, third run: %s %v, %d writes", n, steps(third), err, sb.Writes()-writes)
		}
		subs, _, err := c.Apps.ListReviewSubmissions(t.Context(), sb.IDs("apps")[0], &asc.AppsListReviewSubmissionsOptions{FilterState: []asc.ReviewSubmissionState{asc.ReviewSubmissionStateWaitingForReview}})
		if err != nil {
			t.Fatal(err)
		}
		if len(subs.Data) != 1 {
			t.Errorf("kill after write %d: %d submissions waiting for review", n, len(subs.Data))
		}
		if got := sb.Count("POST /v1/appStoreVersionPhasedReleases") - sb.Stats().ByStatus["409"]; got > 1 {
			t.Errorf("kill after write %d: %d phased releases", n, got)
		}
	}
}

// TestDeliverUnderFaultsConverges: with 500s, 503s and dropped connections on a share of
// every request, deliver run until it succeeds leaves one review submission with one item,
// one phased release, the version waiting for review, and the metadata and age rating asked.
func TestDeliverUnderFaultsConverges(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	meta, rating := project(t, sb)
	yes := true
	o := deliver.Options{App: "com.example.daybreak", Platform: "IOS", MetadataPath: meta, AppRatingConfig: rating,
		PhasedRelease: &yes, SubmitForReview: &yes, AutomaticRelease: &yes}
	sb.SetFaults(sandbox.Faults{Rate500: 0.04, Rate503: 0.03, DropRate: 0.03})
	var err error
	runs := 0
	for runs = 1; runs <= 40; runs++ {
		if _, err = deliver.Run(t.Context(), sb.Client(), o); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("still failing after %d runs: %v", runs-1, err)
	}
	sb.SetFaults(sandbox.Faults{})
	c := sb.Client()
	// A dropped answer's request is counted once its handler returns, which may be after the
	// client gave up on it: a clean run first, then the counts are settled.
	if _, err := deliver.Run(t.Context(), c, o); err != nil {
		t.Fatal(err)
	}
	writes := sb.Writes()
	if r, err := deliver.Run(t.Context(), c, o); err != nil || sb.Writes() != writes {
		t.Fatalf("a run after convergence: %s %v, %d writes", steps(r), err, sb.Writes()-writes)
	}
	appID := sb.IDs("apps")[0]
	subs, _, err := c.Apps.ListReviewSubmissions(t.Context(), appID, &asc.AppsListReviewSubmissionsOptions{FilterState: []asc.ReviewSubmissionState{asc.ReviewSubmissionStateWaitingForReview}})
	if err != nil || len(subs.Data) != 1 {
		t.Fatalf("%d submissions waiting (%v)", len(subs.Data), err)
	}
	items, _, err := c.ReviewSubmissions.ListItems(t.Context(), subs.Data[0].ID, nil)
	if err != nil || len(items.Data) != 1 {
		t.Errorf("%d items (%v)", len(items.Data), err)
	}
	if got := len(sb.IDs("appStoreVersionPhasedReleases")); got != 3 { // the two demo live versions' and this one's
		t.Errorf("%d phased releases", got)
	}
	vs, _, err := c.Apps.ListAppStoreVersions(t.Context(), appID, &asc.AppsListAppStoreVersionsOptions{FilterPlatform: []asc.Platform{asc.PlatformIOS}, FilterVersionString: []string{"2.4.0"}})
	if err != nil || len(vs.Data) != 1 || string(vs.Data[0].Attributes.AppVersionState) != "WAITING_FOR_REVIEW" {
		t.Errorf("versions 2.4.0: %+v %v", vs, err)
	}
	t.Logf("converged after %d runs under faults", runs)
}

// TestAppRatingConfigPathFromTheDeliverfile: the Deliverfile's app_rating_config_path is read
// against the project folder, as fastlane runs from there; the option outranks it; a file it
// names that is missing stops the release before any request, naming the Deliverfile's line.
func TestAppRatingConfigPathFromTheDeliverfile(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	root := t.TempDir()
	files := map[string]string{
		"fastlane/Appfile":          "app_identifier \"com.example.daybreak\"\n",
		"fastlane/Deliverfile":      "app_version \"2.4.0\"\nskip_metadata true\nskip_screenshots true\napp_rating_config_path \"config/rating.json\"\n",
		"config/rating.json":        `{"CARTOON_FANTASY_VIOLENCE": 1}`,
		"fastlane/flag_rating.json": `{"horrorOrFearThemes": "FREQUENT_OR_INTENSE"}`,
	}
	for name, body := range files {
		os.MkdirAll(filepath.Dir(filepath.Join(root, name)), 0o755)
		if err := os.WriteFile(filepath.Join(root, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	project, err := fastlane.Resolve(root, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	rating := func(r *deliver.Result) string {
		for _, s := range r.Steps {
			if s.Name == "age rating" {
				return s.Status + " " + s.Detail
			}
		}
		return ""
	}
	c := sb.Client()
	r, err := deliver.Run(t.Context(), c, deliver.Options{Project: project, DryRun: true})
	if err != nil || rating(r) != "planned violenceCartoonOrFantasy" {
		t.Fatalf("from the Deliverfile: %v %+v", err, r)
	}
	r, err = deliver.Run(t.Context(), c, deliver.Options{Project: project, AppRatingConfig: filepath.Join(root, "fastlane", "flag_rating.json")})
	if err != nil || rating(r) != "changed horrorOrFearThemes" {
		t.Fatalf("the option: %v %+v", err, r)
	}
	if r, err = deliver.Run(t.Context(), c, deliver.Options{Project: project}); err != nil || rating(r) != "changed violenceCartoonOrFantasy" {
		t.Fatalf("the Deliverfile's: %v %+v", err, r)
	}
	if d, err := agerating.Pull(t.Context(), c, "com.example.daybreak"); err != nil || d.Config.Answers["violenceCartoonOrFantasy"] != agerating.Text("INFREQUENT_OR_MILD") || d.Config.Answers["horrorOrFearThemes"] != agerating.Text("FREQUENT_OR_INTENSE") {
		t.Errorf("age rating after both: %+v %v", d, err)
	}
	os.Remove(filepath.Join(root, "config", "rating.json"))
	total := func() (n int) {
		for _, v := range sb.Stats().ByMethod {
			n += v
		}
		return n
	}
	before := total()
	_, err = deliver.Run(t.Context(), c, deliver.Options{Project: project})
	if err == nil || !strings.Contains(err.Error(), "rating.json") || !strings.Contains(err.Error(), "app_rating_config_path, Deliverfile line 4") {
		t.Errorf("a missing file: %v", err)
	}
	if total() != before {
		t.Errorf("a missing file sent %d requests", total()-before)
	}
}

// TestSubmissionInformation: the Deliverfile's submission_information answers export
// compliance on the version's build, content rights on the app and the advertising identifier
// on the version, each only when it differs; every key the API has no field for, and
// reset_ratings, is a note of its own naming it; a value that is no boolean stops the release
// before any request. Without the answers, App Review's readiness check stops the submission.
func TestSubmissionInformation(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{ReviewDelay: time.Hour})
	c := sb.Client()
	v, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS, Version: "2.4.0"})
	if err != nil || v.BuildID == "" {
		t.Fatalf("the demo's 2.4.0 and its build: %+v %v", v, err)
	}
	appID := sb.IDs("apps")[0]
	sb.Set("builds", v.BuildID, "usesNonExemptEncryption", nil)
	sb.Set("apps", appID, "contentRightsDeclaration", nil)
	sb.Set("appStoreVersions", v.ID, "usesIdfa", nil)

	project := func(info string) *fastlane.Config {
		t.Helper()
		root := t.TempDir()
		os.MkdirAll(filepath.Join(root, "fastlane"), 0o755)
		os.WriteFile(filepath.Join(root, "fastlane", "Appfile"), []byte("app_identifier \"com.example.daybreak\"\n"), 0o644)
		os.WriteFile(filepath.Join(root, "fastlane", "Deliverfile"), []byte("app_version \"2.4.0\"\nsubmit_for_review true\nskip_metadata true\nskip_screenshots true\nreset_ratings true\n"+info), 0o644)
		p, err := fastlane.Resolve(root, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// No answers: nothing is submitted.
	if _, err := deliver.Run(t.Context(), c, deliver.Options{Project: project("")}); err == nil || !strings.Contains(err.Error(), "export compliance") || !strings.Contains(err.Error(), "content rights") {
		t.Fatalf("without submission_information: %v", err)
	}
	if n := sb.Count("POST /v1/reviewSubmissions"); n != 0 {
		t.Fatalf("%d review submissions without export compliance", n)
	}
	bad := project("submission_information({ export_compliance_uses_encryption: \"maybe\" })\n")
	writes := sb.Writes()
	if _, err := deliver.Run(t.Context(), c, deliver.Options{Project: bad}); err == nil || !strings.Contains(err.Error(), `Deliverfile line 6: submission_information's export_compliance_uses_encryption must be true or false, it is "maybe"`) {
		t.Errorf("a bad value: %v", err)
	}
	p := project(`submission_information({
  export_compliance_uses_encryption: false,
  export_compliance_is_exempt: true,
  content_rights_contains_third_party_content: true,
  content_rights_has_rights: true,
  add_id_info_uses_idfa: false,
  add_id_info_serves_ads: false,
  made_up_key: 1
})
`)
	d, err := deliver.Run(t.Context(), c, deliver.Options{Project: p, DryRun: true})
	if err != nil || !strings.Contains(steps(d), "submission information=planned submit=planned") || sb.Writes() != writes {
		t.Fatalf("dry run: %v %+v (%d writes)", err, d, sb.Writes()-writes)
	}
	for _, s := range d.Steps {
		if s.Name == "submission information" && s.Detail != "contentRightsDeclaration USES_THIRD_PARTY_CONTENT; usesNonExemptEncryption false on build "+v.BuildNumber {
			t.Errorf("dry run's submission information: %q", s.Detail)
		}
	}
	notes := strings.Join(d.Notes, "\n")
	for _, want := range []string{
		"Deliverfile line 5: reset_ratings is not applicable: App Store Connect's API has no request that resets",
		"Deliverfile line 6: submission_information's export_compliance_is_exempt is not applicable: App Store Connect's API takes these answers in an app encryption declaration",
		"Deliverfile line 6: submission_information's content_rights_has_rights is not applicable",
		"Deliverfile line 6: submission_information's add_id_info_serves_ads is not applicable: Apple no longer asks",
		"Deliverfile line 6: submission_information's made_up_key is not a key deliver knows",
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if len(d.Notes) != 5 {
		t.Errorf("%d notes, want one a key not applied and one for reset_ratings:\n%s", len(d.Notes), notes)
	}
	r, err := deliver.Run(t.Context(), c, deliver.Options{Project: p})
	if err != nil {
		t.Fatalf("deliver: %v (%+v)", err, r)
	}
	if got := steps(r); got != "version=changed metadata=skipped screenshots=skipped age rating=skipped phased release=skipped submission information=changed submit=changed" {
		t.Errorf("deliver: %s %+v", got, r.Steps)
	}
	for _, s := range r.Steps {
		if s.Name == "submission information" && s.Detail != "contentRightsDeclaration USES_THIRD_PARTY_CONTENT; usesNonExemptEncryption false on build "+v.BuildNumber {
			t.Errorf("submission information: %q", s.Detail)
		}
	}
	b, _, err := c.Builds.Get(t.Context(), v.BuildID, nil)
	if err != nil || b.Data.Attributes.UsesNonExemptEncryption == nil || *b.Data.Attributes.UsesNonExemptEncryption {
		t.Errorf("build: %+v %v", b, err)
	}
	a, _, err := c.Apps.Get(t.Context(), appID, nil)
	if err != nil || a.Data.Attributes.ContentRightsDeclaration != asc.AppContentRightsDeclarationUsesThirdPartyContent {
		t.Errorf("app: %+v %v", a, err)
	}
	after, err := versions.Get(t.Context(), c, versions.Query{App: appID, Platform: asc.PlatformIOS, Version: "2.4.0"})
	if err != nil || after.UsesIdfa == nil || *after.UsesIdfa || after.State != "WAITING_FOR_REVIEW" {
		t.Errorf("version: %+v %v", after, err)
	}
	writes = sb.Writes()
	again, err := deliver.Run(t.Context(), c, deliver.Options{Project: p})
	if err != nil || sb.Writes() != writes || !strings.Contains(steps(again), "submission information=unchanged submit=unchanged") {
		t.Errorf("again: %v %s, %d writes", err, steps(again), sb.Writes()-writes)
	}
}

// TestDeliverfileMetadata: deliver sends the metadata the Deliverfile gives itself over the
// folder's, names each option applied, and stops on a value over Apple's limits before any
// request.
func TestDeliverfileMetadata(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	meta, _ := project(t, sb)
	root := filepath.Dir(meta)
	deliverfile := "app_identifier \"com.example.daybreak\"\nmetadata_path \"metadata\"\nskip_screenshots true\n" +
		"release_notes({ \"default\" => \"Inline notes\" })\n"
	write := func(body string) *fastlane.Config {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, "Deliverfile"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := fastlane.Resolve(root, func(string) (string, bool) { return "", false })
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	before := sb.Writes()
	_, err := deliver.Run(t.Context(), c, deliver.Options{Project: write(deliverfile + "keywords({ \"en-US\" => \"" + strings.Repeat("k", 101) + "\" })\n")})
	if err == nil || !strings.Contains(err.Error(), filepath.Join(root, "Deliverfile")+" line 5 (keywords for en-US): 101 characters, Apple allows at most 100") {
		t.Errorf("an inline keyword list over the limit: %v", err)
	}
	if sb.Writes() != before {
		t.Errorf("it wrote %d times", sb.Writes()-before)
	}
	r, err := deliver.Run(t.Context(), c, deliver.Options{Project: write(deliverfile)})
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	if !strings.Contains(strings.Join(r.Notes, "\n"), filepath.Join(root, "Deliverfile")+" line 4: release_notes applied from the Deliverfile (default)") {
		t.Errorf("notes %q", r.Notes)
	}
	st, err := metadata.Fetch(t.Context(), c, metadata.Target{App: "com.example.daybreak"})
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Metadata.Locales["en-US"]["release_notes"]; got != "Inline notes" {
		t.Errorf("en-US release notes %q", got)
	}
}

// A dry run for a version still to be created lists the steps that will run after it, and
// only those: no header images step when none are given. A run given no metadata folder says
// so without an empty path.
func TestDryRunListsOnlyTheStepsGiven(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	d, err := deliver.Run(t.Context(), sb.Client(), deliver.Options{App: "com.example.daybreak", Platform: "IOS", Version: "9.9.9", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range d.Steps {
		if s.Name == "app clip header images" {
			t.Errorf("dry run lists %+v with no header images given: %s", s, steps(d))
		}
	}
	if !strings.HasPrefix(steps(d), "version=planned metadata=planned") {
		t.Errorf("dry run: %s", steps(d))
	}
	r, err := deliver.Run(t.Context(), sb.Client(), deliver.Options{App: "com.example.daybreak", Platform: "IOS", DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.Steps {
		if s.Name == "metadata" && (s.Status != "skipped" || s.Detail != "no metadata folder") {
			t.Errorf("metadata step %+v, want skipped: no metadata folder", s)
		}
	}
	if sb.Writes() != 0 {
		t.Errorf("dry runs wrote %d times", sb.Writes())
	}
}
