package metadata_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

const demoApp = "com.example.daybreak"

func newSandbox(t *testing.T) (*sandboxtest.Sandbox, *asc.Client) {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{})
	return sb, sb.Client()
}

func sandboxStats(t *testing.T, sb *sandboxtest.Sandbox) map[string]int { return sb.Stats().ByMethod }

func writeCount(m map[string]int) int { return m["POST"] + m["PATCH"] + m["DELETE"] }

// sandboxDeliverDir is the deliver folder without its category files (the tests on the
// seeded notes app cover categories).
func sandboxDeliverDir(t *testing.T) string {
	t.Helper()
	dir := copyDir(t, deliverDir)
	for _, f := range []string{"primary_category.txt", "secondary_category.txt"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestSandboxDeliverRoundTrip pushes the deliver folder to the sandbox's demo app, checks that
// a second push writes nothing and that pulling into the folder rewrites no file.
func TestSandboxDeliverRoundTrip(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	src := sandboxDeliverDir(t)
	target := metadata.Target{App: demoApp}
	if _, _, err := metadata.Push(t.Context(), c, target, src, metadata.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	before := sandboxStats(t, sb)
	p, _, err := metadata.Push(t.Context(), c, target, src, metadata.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after := sandboxStats(t, sb)
	if w := writeCount(after) - writeCount(before); w != 0 || len(p.Writes) != 0 {
		t.Errorf("second push: %d writes, plan %v", w, p.Changes)
	}
	// Reads: the app by bundle id, then the version and the app info in parallel.
	if r := after["GET"] - before["GET"]; r != 3 {
		t.Errorf("second push made %d reads, want 3", r)
	}

	dir := copyDir(t, src)
	_, written, err := metadata.Pull(t.Context(), c, target, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range written {
		if _, err := os.Stat(filepath.Join(src, w)); err == nil {
			t.Errorf("pull rewrote %s, which already held the same value", w)
		}
	}
	pulled, err := metadata.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	local, _ := metadata.Load(src)
	for _, l := range local.LocaleNames() {
		for k, v := range local.Effective(l) {
			if got := pulled.Effective(l)[k]; got != v {
				t.Errorf("%s/%s = %q after the round trip, want %q", l, k, got, v)
			}
		}
	}
}

func TestSandboxInvalidFolderTouchesNothing(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	dir := copyDir(t, deliverDir)
	os.WriteFile(filepath.Join(dir, "ja", "keywords.txt"), []byte(strings.Repeat("キーワード,", 17)), 0o644) // 102 characters
	os.WriteFile(filepath.Join(dir, "en-US", "support_url.txt"), []byte("not a url"), 0o644)
	_, _, err := metadata.Push(t.Context(), c, metadata.Target{App: demoApp}, dir, metadata.ApplyOptions{})
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 2 {
		t.Fatalf("err = %v, want two problems", err)
	}
	if st := sandboxStats(t, sb); len(st) != 0 {
		t.Errorf("the sandbox saw requests: %v", st)
	}
}

// TestSandboxEmptiedURLIsCleared: an emptied URL file clears the URL. "" is no URL (App Store
// Connect and the sandbox refuse it), so the push sends null; a pull then writes the file
// empty and a second push has nothing to do.
func TestSandboxEmptiedURLIsCleared(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	target := metadata.Target{App: demoApp}
	dir := t.TempDir()
	if _, _, err := metadata.Pull(t.Context(), c, target, dir); err != nil {
		t.Fatal(err)
	}
	before, err := metadata.Fetch(t.Context(), c, target)
	if err != nil {
		t.Fatal(err)
	}
	if before.Metadata.Locales["en-US"]["marketing_url"] == "" || before.Metadata.Locales["en-US"]["privacy_url"] == "" {
		t.Fatalf("the demo app has no marketing or privacy URL to clear: %v", before.Metadata.Locales["en-US"])
	}
	for _, f := range []string{"marketing_url.txt", "privacy_url.txt"} {
		if err := os.WriteFile(filepath.Join(dir, "en-US", f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, res, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || res.Writes != 2 {
		t.Fatalf("push: %d writes, %v; want 2 and no error", res.Writes, err)
	}
	after, err := metadata.Fetch(t.Context(), c, target)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"marketing_url", "privacy_url"} {
		if got := after.Metadata.Locales["en-US"][f]; got != "" {
			t.Errorf("%s = %q after clearing it", f, got)
		}
	}
	if after.Metadata.Locales["en-US"]["support_url"] != before.Metadata.Locales["en-US"]["support_url"] {
		t.Errorf("the support URL changed too")
	}
	w := writeCount(sandboxStats(t, sb))
	if p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || len(p.Writes) != 0 {
		t.Fatalf("second push: %v, %d writes planned", err, len(p.Writes))
	}
	if got := writeCount(sandboxStats(t, sb)) - w; got != 0 {
		t.Errorf("second push wrote %d times", got)
	}
}

// TestSandboxKeywordsCountedAsApple pushes deliver keyword files that are within Apple's 100
// characters but over 100 bytes (Arabic 168 bytes, Japanese 112, French 105), as Apple
// accepts them, and reads them back unchanged.
func TestSandboxKeywordsCountedAsApple(t *testing.T) {
	t.Parallel()
	_, c := newSandbox(t)
	const dir = "testdata/keywords"
	if _, res, err := metadata.Push(t.Context(), c, metadata.Target{App: demoApp}, dir, metadata.ApplyOptions{}); err != nil || res.Writes != 3 {
		t.Fatalf("push: %d writes, %v; want 3 and no error", res.Writes, err)
	}
	st, err := metadata.Fetch(t.Context(), c, metadata.Target{App: demoApp})
	if err != nil {
		t.Fatal(err)
	}
	for _, locale := range []string{"ar-SA", "ja", "fr-FR"} {
		b, err := os.ReadFile(filepath.Join(dir, locale, "keywords.txt"))
		if err != nil {
			t.Fatal(err)
		}
		if want, got := strings.TrimSpace(string(b)), st.Metadata.Locales[locale]["keywords"]; got != want || len(want) <= 100 {
			t.Errorf("%s keywords = %q, want %q (%d bytes)", locale, got, want, len(want))
		}
	}
}

// TestSandboxPushUnderFaults pushes with 500s, 503s and dropped connections injected until a
// push succeeds; then nothing is left to write and no locale is duplicated.
func TestSandboxPushUnderFaults(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	sb.SetFaults(sandbox.Faults{Rate500: 0.15, Rate503: 0.1, DropRate: 0.1})
	target := metadata.Target{App: demoApp}
	src := sandboxDeliverDir(t)
	var err error
	for range 6 {
		if _, _, err = metadata.Push(t.Context(), c, target, src, metadata.ApplyOptions{}); err == nil {
			break
		}
	}
	sb.SetFaults(sandbox.Faults{})
	if err != nil {
		if _, _, err := metadata.Push(t.Context(), c, target, src, metadata.ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	st, err := metadata.Fetch(t.Context(), c, target)
	if err != nil {
		t.Fatal(err)
	}
	local, _ := metadata.Load(src)
	if p := metadata.NewPlan(local, st, false); len(p.Writes) != 0 {
		t.Errorf("still to write after convergence: %v", p.Changes)
	}
	var doc asc.ListDocument[asc.Resource]
	if _, err := c.Do(t.Context(), "GET", "/v1/appStoreVersions/"+st.VersionID+"/appStoreVersionLocalizations", nil, nil, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range doc.Data {
		var a struct{ Locale string }
		r.DecodeAttributes(&a)
		if seen[a.Locale] {
			t.Errorf("duplicate localization %s", a.Locale)
		}
		seen[a.Locale] = true
	}
}
