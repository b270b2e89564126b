package release_test

import (
	"testing"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/release"
)

func TestStatusOfTheDemoApp(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	st, err := release.Get(t.Context(), sb.Client(), release.Request{App: "com.example.daybreak", Platform: "IOS"})
	if err != nil {
		t.Fatal(err)
	}
	if st.App.BundleID != "com.example.daybreak" || st.App.Name == "" {
		t.Errorf("app: %+v", st.App)
	}
	if len(st.Versions) == 0 || len(st.Versions) > 5 {
		t.Fatalf("versions: %+v", st.Versions)
	}
	for i, v := range st.Versions {
		if i > 0 && v.Created != nil && st.Versions[i-1].Created != nil && v.Created.After(*st.Versions[i-1].Created) {
			t.Errorf("versions are not newest first: %s after %s", v.Version, st.Versions[i-1].Version)
		}
		if v.Platform != "IOS" || v.State == "" || v.Phase != apple.StatePhase(v.State).String() || v.Phase == "unknown" {
			t.Errorf("version %+v", v)
		}
		if v.BuildAttached && (v.Build == nil || v.Build.Number == "" || v.Build.Processing == "") {
			t.Errorf("version %s: attached build %+v without its number and processing state", v.Version, v.Build)
		}
	}
	if len(st.Builds) == 0 {
		t.Error("no builds")
	}
	for _, b := range st.Builds {
		if b.Number == "" || b.Processing == "" || b.Version == "" {
			t.Errorf("build %+v", b)
		}
	}
	// A bundle id costs one lookup; then the app, versions with builds, builds, reviews.
	if st.Requests != 5 || sb.Count("GET /v1/apps") != 1 {
		t.Errorf("%d requests (%d app lookups), want 5", st.Requests, sb.Count("GET /v1/apps"))
	}
	if sb.Writes() != 0 {
		t.Errorf("a status read wrote %d times", sb.Writes())
	}
}

func TestStatusOfAnUnknownApp(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	if _, err := release.Get(t.Context(), sb.Client(), release.Request{App: "com.example.nothing"}); err == nil {
		t.Fatal("no error for an unknown bundle id")
	}
}
