package versions_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/versions"
)

const quiet = "com.example.quiethours"

func TestListAndGetTheVersionBeingPrepared(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	vs, err := versions.List(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || vs[0].Version != "2.4.0" || vs[0].Phase != "editable" || vs[1].Phase != "live" {
		t.Fatalf("versions: %+v", vs)
	}
	v, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformIOS})
	if err != nil || v.Version != "2.4.0" {
		t.Fatalf("get: %+v %v", v, err)
	}
	if _, err := versions.Get(t.Context(), c, versions.Query{App: "com.example.daybreak", Version: "9.9"}); err == nil {
		t.Error("no error for a version the app does not have")
	}
	if sb.Writes() != 0 {
		t.Errorf("reads wrote %d times", sb.Writes())
	}
}

func TestUpdateAttachesTheNewestProcessedBuildOnce(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	when := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	ch := versions.Change{Query: versions.Query{App: quiet, Platform: asc.PlatformIOS}, AttachNewest: true,
		EarliestRelease: &when, Copyright: asc.Ptr("2026 Example")}
	dry := ch
	dry.DryRun = true
	plan, err := versions.Update(t.Context(), c, dry)
	if err != nil || plan.Version.BuildNumber != "3" || plan.Version.BuildID == "" || len(plan.Changed) != 3 || sb.Writes() != 0 {
		t.Fatalf("dry run: %+v %v (%d writes), want the build it would attach", plan, err, sb.Writes())
	}
	res, err := versions.Update(t.Context(), c, ch)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version.BuildID != plan.Version.BuildID || res.Version.BuildNumber != "3" || res.Version.ReleaseType != "SCHEDULED" || res.Version.Copyright != "2026 Example" || len(res.Changed) != 3 {
		t.Fatalf("first update: %+v", res)
	}
	// An older build by number, then the newest processed one again.
	old, err := versions.Update(t.Context(), c, versions.Change{Query: ch.Query, Build: "1"})
	if err != nil || old.Version.BuildNumber != "1" || strings.Join(old.Changed, ",") != "build" {
		t.Fatalf("attach build 1: %+v %v", old, err)
	}
	if res, err = versions.Update(t.Context(), c, ch); err != nil || strings.Join(res.Changed, ",") != "build" || res.Version.BuildNumber != "3" {
		t.Fatalf("attach the newest: %+v %v", res, err)
	}
	got, err := versions.Get(t.Context(), c, versions.Query{App: quiet, Platform: asc.PlatformIOS})
	if err != nil || got.BuildID != res.Version.BuildID || got.BuildState != "VALID" || got.EarliestReleaseDate == nil || !got.EarliestReleaseDate.Equal(when) {
		t.Fatalf("read back: %+v %v", got, err)
	}
	writes := sb.Writes()
	again, err := versions.Update(t.Context(), c, ch)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Changed) != 0 || sb.Writes() != writes {
		t.Errorf("a second update changed %v (%d writes)", again.Changed, sb.Writes()-writes)
	}
}

func TestRefusalsSendNothing(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	past := time.Now().Add(-time.Hour)
	cases := map[string]struct {
		ch   versions.Change
		want string
		fn   func(versions.Change) error
	}{
		"past date":       {versions.Change{Query: versions.Query{App: quiet, Platform: asc.PlatformIOS}, EarliestRelease: &past}, "has passed", nil},
		"date not sched":  {versions.Change{Query: versions.Query{App: quiet, Platform: asc.PlatformIOS}, EarliestRelease: asc.Ptr(time.Now().Add(time.Hour)), ReleaseType: asc.Ptr(asc.AppStoreVersionReleaseTypeManual)}, "scheduled", nil},
		"bad version":     {versions.Change{Query: versions.Query{App: quiet, Platform: asc.PlatformIOS, Version: "1.x"}}, "version string", nil},
		"unknown build":   {versions.Change{Query: versions.Query{App: quiet, Platform: asc.PlatformIOS}, Build: "99999"}, "no such build", nil},
		"locked version":  {versions.Change{Query: versions.Query{App: "com.example.ledger", Platform: asc.PlatformIOS, Version: "1.8.0"}, Copyright: asc.Ptr("x")}, "accepts no changes", nil},
		"create taken by": {versions.Change{Query: versions.Query{App: "com.example.ledger", Platform: asc.PlatformIOS, Version: "1.9.0"}}, "", nil},
	}
	for name, tc := range cases {
		var err error
		if name == "create taken by" {
			// Another version is in review: Apple refuses a new one, and so does Create.
			_, err = versions.Create(t.Context(), c, tc.ch)
			if err == nil {
				t.Errorf("%s: created a version beside one in review", name)
			}
			continue
		}
		_, err = versions.Update(t.Context(), c, tc.ch)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if n := sb.Writes(); n != 1 { // the one create Apple refused
		t.Errorf("%d writes, want only the refused create", n)
	}
}

func TestCreateConvergesAfterALostAnswer(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client(asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 1}))
	// Daybreak's 2.4.0 is being prepared, so a new version goes on another platform.
	sb.Fail(sandbox.FaultRule{Method: "POST", Route: "/v1/appStoreVersions", After: true, Drop: true, Times: 1})
	ch := versions.Change{Query: versions.Query{App: "com.example.daybreak", Platform: asc.PlatformMacOS, Version: "2.4.0"},
		ReleaseType: asc.Ptr(asc.AppStoreVersionReleaseTypeManual)}
	res, err := versions.Create(t.Context(), c, ch)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Version.ID == "" || res.Version.ReleaseType != "MANUAL" {
		t.Fatalf("create: %+v", res)
	}
	again, err := versions.Create(t.Context(), c, ch)
	if err != nil || again.Created || len(again.Changed) != 0 || again.Version.ID != res.Version.ID {
		t.Fatalf("again: %+v %v", again, err)
	}
	vs, err := versions.List(t.Context(), c, versions.Query{App: "com.example.daybreak", Platform: asc.PlatformMacOS})
	if err != nil || len(vs) != 1 {
		t.Fatalf("%d macOS versions, want 1 (%v)", len(vs), err)
	}
	if n := sb.Count("POST /v1/appStoreVersions"); n != 1 {
		t.Errorf("%d creates sent, want 1", n)
	}
}
