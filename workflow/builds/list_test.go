package builds_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/builds/archive/archivetest"
)

const quietApp = "com.example.quiethours" // three builds of 1.0.0, 12 hours apart

func TestListAndGet(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	all, err := builds.List(t.Context(), c, builds.Filter{App: demoApp})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 500 || all[0].Number() != "500" || all[0].Version != "2.4.0" || all[0].Platform != asc.PlatformIOS {
		t.Fatalf("%d builds, first %s %s %s", len(all), all[0].Number(), all[0].Version, all[0].Platform)
	}
	for i := 1; i < len(all); i++ {
		if all[i].Uploaded().After(all[i-1].Uploaded()) {
			t.Fatalf("not newest first at %d", i)
		}
	}
	if lists := sandboxStats(t, sb).ByRoute["GET /v1/builds"]; lists != 3 {
		t.Errorf("%d list requests for 500 builds, want 3 pages of 200", lists)
	}
	train, err := builds.List(t.Context(), c, builds.Filter{App: demoApp, Version: "2.3.0", Limit: 5})
	if err != nil || len(train) != 5 || train[0].Version != "2.3.0" {
		t.Fatalf("train 2.3.0: %d %v", len(train), err)
	}
	b, err := builds.Get(t.Context(), c, builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "499"})
	if err != nil || b.Number() != "499" || b.State() != "VALID" {
		t.Fatalf("get by numbers: %v %v", b, err)
	}
	byID, err := builds.Get(t.Context(), c, builds.Ref{ID: b.ID})
	if err != nil || byID.ID != b.ID || byID.Version != "2.4.0" {
		t.Fatalf("get by id: %v %v", byID, err)
	}
	_, err = builds.Get(t.Context(), c, builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "9999"})
	if !errors.Is(err, builds.ErrNotFound) {
		t.Errorf("missing build: %v", err)
	}
}

func TestExpireKeepsTheNewest(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	dry, err := builds.Expire(t.Context(), c, builds.ExpireOptions{App: quietApp, Keep: 1, DryRun: true})
	if err != nil || len(dry.Expired) != 2 || dry.Kept != 1 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if w := sandboxStats(t, sb).writes(); w != 0 {
		t.Fatalf("a dry run wrote %d times", w)
	}
	res, err := builds.Expire(t.Context(), c, builds.ExpireOptions{App: quietApp, Keep: 1})
	if err != nil || len(res.Expired) != 2 {
		t.Fatalf("expire: %+v %v", res, err)
	}
	left, _ := builds.List(t.Context(), c, builds.Filter{App: quietApp})
	for _, b := range left {
		if b.IsExpired() != (b.Number() != "3") {
			t.Errorf("build %s expired=%v", b.Number(), b.IsExpired())
		}
	}
	writes := sandboxStats(t, sb).writes()
	again, err := builds.Expire(t.Context(), c, builds.ExpireOptions{App: quietApp, Keep: 1})
	if err != nil || len(again.Expired) != 0 || sandboxStats(t, sb).writes() != writes {
		t.Errorf("a re-run changed something: %+v %v", again, err)
	}
	// Age: nothing of the demo app's last build is older than 10 years.
	none, err := builds.Expire(t.Context(), c, builds.ExpireOptions{App: demoApp, OlderThan: 10 * 365 * 24 * time.Hour, DryRun: true})
	if err != nil || len(none.Expired) != 0 {
		t.Errorf("older than 10 years: %d, %v", len(none.Expired), err)
	}
}

func TestUpdateExportCompliance(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{})
	ref := builds.Ref{App: quietApp, Version: "1.0.0", BuildNumber: "3"}
	b, err := builds.Get(t.Context(), c, ref)
	if err != nil {
		t.Fatal(err)
	}
	decl, _, err := c.AppEncryptionDeclarations.Create(t.Context(), &asc.AppEncryptionDeclarationCreateRequest{Data: asc.AppEncryptionDeclarationCreateRequestData{
		Type: "appEncryptionDeclarations", Attributes: asc.AppEncryptionDeclarationCreateRequestAttributes{AppDescription: "Uses TLS only", AvailableOnFrenchStore: true},
		Relationships: asc.AppEncryptionDeclarationCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", appID(t, c, quietApp))}}}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := builds.Update(t.Context(), c, ref, builds.Compliance{UsesNonExemptEncryption: asc.Ptr(true), EncryptionDeclaration: decl.Data.ID})
	if err != nil || strings.Join(res.Changed, ",") != "usesNonExemptEncryption,appEncryptionDeclaration" {
		t.Fatalf("update: %+v %v", res, err)
	}
	got, _, err := c.Builds.Get(t.Context(), b.ID, &asc.BuildsGetOptions{Include: []string{"appEncryptionDeclaration"}})
	if err != nil || !*got.Data.Attributes.UsesNonExemptEncryption || got.Data.Relationships.AppEncryptionDeclaration.Data.One.ID != decl.Data.ID {
		t.Fatalf("after update: %+v %v", got.Data, err)
	}
	writes := sandboxStats(t, sb).writes()
	same, err := builds.Update(t.Context(), c, ref, builds.Compliance{UsesNonExemptEncryption: asc.Ptr(true), EncryptionDeclaration: decl.Data.ID})
	if err != nil || len(same.Changed) != 0 || sandboxStats(t, sb).writes() != writes {
		t.Errorf("the same update wrote again: %+v %v", same, err)
	}
	if _, err := builds.Update(t.Context(), c, ref, builds.Compliance{}); err == nil {
		t.Error("an empty update was accepted")
	}
}

func appID(t *testing.T, c *asc.Client, bundleID string) string {
	t.Helper()
	apps, _, err := c.Apps.List(t.Context(), &asc.AppsListOptions{FilterBundleID: []string{bundleID}})
	if err != nil || len(apps.Data) != 1 {
		t.Fatalf("app %s: %v", bundleID, err)
	}
	return apps.Data[0].ID
}

func TestWaitForByNumbersAndByID(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t, sandbox.Options{BuildProcessingDelay: 2 * time.Minute})
	path := writeIPA(t, archivetest.App{BundleID: demoApp, Version: "2.4.0", Build: "510"})
	if _, err := builds.Upload(t.Context(), c, path, builds.UploadOptions{}); err != nil {
		t.Fatal(err)
	}
	clock := &sandboxClock{sb: sb, now: time.Now()}
	w, err := builds.WaitFor(t.Context(), c, builds.Ref{App: demoApp, Version: "2.4.0", BuildNumber: "510"}, builds.WaitOptions{Clock: clock, Timeout: 10 * time.Minute}, nil)
	if err != nil || w.BuildState != "VALID" || w.UploadID == "" {
		t.Fatalf("wait by numbers: %+v %v", w, err)
	}
	done, err := builds.WaitFor(t.Context(), c, builds.Ref{ID: w.BuildID}, builds.WaitOptions{Clock: clock}, nil)
	if err != nil || done.BuildState != "VALID" || done.Polls != 1 {
		t.Fatalf("wait for a valid build: %+v %v", done, err)
	}
}
