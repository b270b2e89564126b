package metadata_test

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/metadata"
	"github.com/google/go-cmp/cmp"
)

const deliverDir = "testdata/deliver/metadata"

// seed creates an app whose version 2.0 is being prepared, with en-US and de-DE already
// localized (with some values that differ from the folder) and a live 1.0, in a sandbox of
// its own.
func seed(t *testing.T) (*sandboxtest.Sandbox, *asc.Client) {
	sb, c, _ := seedVersion(t)
	return sb, c
}

func seedVersion(t *testing.T) (*sandboxtest.Sandbox, *asc.Client, string) {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{Seed: "empty"})
	app := sb.Add("apps", map[string]any{"bundleId": "com.example.notes"}, nil)
	for _, id := range []string{"GAMES", "GAMES_PUZZLE", "PRODUCTIVITY", "UTILITIES"} {
		sb.AddWithID("appCategories", id, map[string]any{"platforms": []string{"IOS"}}, nil)
	}
	live := sb.Add("appStoreVersions", map[string]any{"platform": "IOS", "versionString": "1.0", "appVersionState": "READY_FOR_DISTRIBUTION", "copyright": "2025 Ascend"}, map[string]string{"app": app})
	sb.Add("appStoreVersionLocalizations", map[string]any{"locale": "en-US", "description": "Old", "promotionalText": "Old promo"}, map[string]string{"appStoreVersion": live})
	v := sb.Add("appStoreVersions", map[string]any{"platform": "IOS", "versionString": "2.0", "appVersionState": "PREPARE_FOR_SUBMISSION", "copyright": "2025 Ascend"}, map[string]string{"app": app})
	sb.Add("appStoreVersionLocalizations", map[string]any{"locale": "en-US", "description": "Old description", "keywords": "notes"}, map[string]string{"appStoreVersion": v})
	sb.Add("appStoreVersionLocalizations", map[string]any{"locale": "de-DE", "description": "Ascend Notizen hält deine Notizen auf iPhone, iPad und Mac synchron."}, map[string]string{"appStoreVersion": v})
	sb.Add("appInfos", map[string]any{"state": "READY_FOR_DISTRIBUTION"}, map[string]string{"app": app})
	info := sb.Add("appInfos", map[string]any{"state": "PREPARE_FOR_SUBMISSION"}, map[string]string{"app": app})
	sb.Add("appInfoLocalizations", map[string]any{"locale": "en-US", "name": "Ascend Notes", "subtitle": "Old subtitle"}, map[string]string{"appInfo": info})
	return sb, sb.Client(asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 4, BaseDelay: 1, MaxDelay: 1})), v
}

// versionLocales counts a version's localizations by locale, read through the API.
func versionLocales(t *testing.T, c *asc.Client, versionID string) map[string]int {
	t.Helper()
	var doc asc.ListDocument[asc.Resource]
	if _, err := c.Do(t.Context(), "GET", "/v1/appStoreVersions/"+versionID+"/appStoreVersionLocalizations", url.Values{"limit": {"200"}}, nil, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range doc.Data {
		var a struct{ Locale string }
		if err := r.DecodeAttributes(&a); err != nil {
			t.Fatal(err)
		}
		out[a.Locale]++
	}
	return out
}

func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "metadata")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestLoadDeliverLayout(t *testing.T) {
	t.Parallel()
	m, err := metadata.Load(deliverDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := m.LocaleNames(), []string{"de-DE", "en-US", "fr-FR", "ja"}; !slices.Equal(got, want) {
		t.Errorf("locales = %v, want %v", got, want)
	}
	tests := []struct{ locale, field, want string }{
		{"en-US", "name", "Ascend Notes"},
		{"de-DE", "description", "Ascend Notizen hält deine Notizen auf iPhone, iPad und Mac synchron."}, // CRLF and trailing newline go
		{"ja", "privacy_url", "https://example.com/privacy"},                                             // from default/
		{"de-DE", "release_notes", "Fehlerbehebungen und Verbesserungen."},                               // own file beats default/
		{"fr-FR", "release_notes", "Bug fixes and performance improvements."},
	}
	for _, tt := range tests {
		if got := m.Effective(tt.locale)[tt.field]; got != tt.want {
			t.Errorf("%s/%s = %q, want %q", tt.locale, tt.field, got, tt.want)
		}
	}
	if m.Review["notes"] != "Log in with the demo account.\nThe sync screen is under Settings > Sync." {
		t.Errorf("review notes = %q", m.Review["notes"])
	}
	if m.App["primary_first_sub_category"] != "" || m.App["primary_category"] != "PRODUCTIVITY" {
		t.Errorf("app values = %v", m.App)
	}
}

func TestValidationListsEveryProblem(t *testing.T) {
	t.Parallel()
	dir := copyDir(t, deliverDir)
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("en-US/name.txt", strings.Repeat("n", 31))
	write("en-US/subtitle.txt", strings.Repeat("ü", 30))  // 30 characters is fine
	write("de-DE/keywords.txt", strings.Repeat("ü", 101)) // Apple counts characters: 101 is too many
	write("fr-FR/keywords.txt", strings.Repeat("é", 100)) // 200 bytes, 100 characters: fine
	write("ja/description.txt", strings.Repeat("x", 4001))
	write("fr-FR/promotional_text.txt", strings.Repeat("p", 171))
	write("fr-FR/release_notes.txt", strings.Repeat("r", 4001))
	write("default/support_url.txt", "example.com/support")
	write("review_information/email_address.txt", "not an address")
	write("en-US/title.txt", "x")
	write("english/name.txt", "x")
	write("de/name.txt", "x")
	write("en-US/name.rtf", "x")

	_, err := metadata.Load(dir)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load = %v, want a *ValidationError", err)
	}
	var paths []string
	for _, p := range ve.Problems {
		paths = append(paths, p.Path)
	}
	slices.Sort(paths)
	want := []string{"de", "de-DE/keywords.txt", "default/support_url.txt", "en-US/name.rtf", "en-US/name.txt",
		"en-US/title.txt", "english", "fr-FR/promotional_text.txt", "fr-FR/release_notes.txt",
		"ja/description.txt", "review_information/email_address.txt"}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Errorf("problem paths (-want +got):\n%s\n%v", diff, err)
	}
	if !strings.Contains(err.Error(), "did you mean de-DE") {
		t.Errorf("error does not suggest de-DE: %v", err)
	}
}

func TestPushRoundTrip(t *testing.T) {
	t.Parallel()
	sb, c := seed(t)
	ctx := t.Context()
	target := metadata.Target{App: "com.example.notes"}

	p, res, err := metadata.Push(ctx, c, target, deliverDir, metadata.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Writes != len(p.Writes) || res.Writes == 0 {
		t.Fatalf("writes = %d, plan has %d", res.Writes, len(p.Writes))
	}
	// Creates: fr-FR and ja version localizations, de-DE, fr-FR and ja app info
	// localizations, the review detail; updates: en-US (both), de-DE version loc, version
	// copyright, app info categories.
	counts := sb.Stats().ByMethod
	if counts["POST"] != 6 || counts["PATCH"] != 5 || counts["DELETE"] != 0 {
		t.Errorf("writes by method = %v, want 6 POST and 5 PATCH", counts)
	}

	// A second push changes nothing.
	before := sb.Writes()
	p2, _, err := metadata.Push(ctx, c, target, deliverDir, metadata.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Writes) != 0 || sb.Writes() != before {
		t.Errorf("second push wrote %d requests: %v", sb.Writes()-before, p2.Changes)
	}

	// Pull into an empty folder: every effective value comes back.
	out := filepath.Join(t.TempDir(), "pulled")
	if _, _, err := metadata.Pull(ctx, c, target, out); err != nil {
		t.Fatal(err)
	}
	local, _ := metadata.Load(deliverDir)
	pulled, err := metadata.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range local.LocaleNames() {
		want, got := local.Effective(l), pulled.Effective(l)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("pulled %s/%s = %q, want %q", l, k, got[k], v)
			}
		}
	}
	if diff := cmp.Diff(local.Review, pulled.Review); diff != "" {
		t.Errorf("review information (-want +got):\n%s", diff)
	}

	// Pull into the deliver folder itself: no file changes.
	dir := copyDir(t, deliverDir)
	_, written, err := metadata.Pull(ctx, c, target, dir)
	if err != nil {
		t.Fatal(err)
	}
	// Fields the folder does not have are added, but no existing file is rewritten.
	for _, w := range written {
		if _, err := os.Stat(filepath.Join(deliverDir, w)); err == nil {
			t.Errorf("pull rewrote %s, which already held the same value", w)
		}
	}
}

func TestPushInvalidFolderWritesNothing(t *testing.T) {
	t.Parallel()
	sb, c := seed(t)
	dir := copyDir(t, deliverDir)
	os.WriteFile(filepath.Join(dir, "en-US", "name.txt"), []byte(strings.Repeat("n", 40)), 0o644)
	_, _, err := metadata.Push(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir, metadata.ApplyOptions{})
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Push = %v, want a validation error", err)
	}
	if routes := sb.Stats().ByRoute; len(routes) != 0 {
		t.Errorf("an invalid folder sent %d requests: %v", len(routes), routes)
	}
}

func TestEditLiveOnlyPromotionalText(t *testing.T) {
	t.Parallel()
	sb, c := seed(t)
	dir := filepath.Join(t.TempDir(), "m")
	os.MkdirAll(filepath.Join(dir, "en-US"), 0o755)
	os.WriteFile(filepath.Join(dir, "en-US", "promotional_text.txt"), []byte("Fresh promo"), 0o644)
	os.WriteFile(filepath.Join(dir, "en-US", "description.txt"), []byte("New description"), 0o644)
	p, _, err := metadata.Push(t.Context(), c, metadata.Target{App: "com.example.notes", Live: true}, dir, metadata.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Writes) != 1 || len(p.Pending()) != 1 || p.Pending()[0].Field != "promotional_text" {
		t.Fatalf("plan = %v", p.Changes)
	}
	var skipped int
	for _, ch := range p.Changes {
		if ch.Skipped != "" {
			skipped++
		}
	}
	if skipped != 1 {
		t.Errorf("skipped = %d, want the description", skipped)
	}
	if c := sb.Stats().ByMethod; c["PATCH"] != 1 || c["POST"] != 0 {
		t.Errorf("writes = %v", c)
	}
}

// TestPushConvergesUnderFaults fails every create after it took effect, and some updates
// before: a second run converges, without duplicate localizations.
func TestPushConvergesUnderFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault sandbox.FaultRule
	}{
		{"500 after create", sandbox.FaultRule{After: true, Status: 500}},
		{"dropped connection after create", sandbox.FaultRule{After: true, Drop: true}},
		{"500 before create", sandbox.FaultRule{Status: 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, c, versionID := seedVersion(t)
			// Every other create, starting with the first.
			rule := tt.fault
			rule.Method, rule.Every = "POST", 2
			sb.Fail(rule)
			target := metadata.Target{App: "com.example.notes"}
			_, _, err := metadata.Push(t.Context(), c, target, deliverDir, metadata.ApplyOptions{})
			if err != nil {
				t.Logf("first push: %v", err)
			}
			sb.Fail()
			if _, _, err := metadata.Push(t.Context(), c, target, deliverDir, metadata.ApplyOptions{}); err != nil {
				t.Fatal(err)
			}
			before := sb.Writes()
			p, _, err := metadata.Push(t.Context(), c, target, deliverDir, metadata.ApplyOptions{})
			if err != nil || len(p.Writes) != 0 || sb.Writes() != before {
				t.Fatalf("third push: err %v, writes %v", err, p.Changes)
			}
			if st := sb.Stats().ByStatus; st["500"]+st["dropped"] == 0 {
				t.Fatalf("no fault acted (statuses %v): the test proves nothing", st)
			}
			locales := versionLocales(t, c, versionID)
			for l, n := range locales {
				if n != 1 {
					t.Errorf("%d localizations for %s", n, l)
				}
			}
			if len(locales) != 4 {
				t.Errorf("locales = %v", locales)
			}
		})
	}
}

// TestKilledPushConverges stops a push after a few writes, like a killed process; the next
// push finishes the job and the one after writes nothing.
func TestKilledPushConverges(t *testing.T) {
	t.Parallel()
	sb, c := seed(t)
	target := metadata.Target{App: "com.example.notes"}
	ctx, cancel := context.WithCancel(t.Context())
	var n atomic.Int64
	_, _, err := metadata.Push(ctx, c, target, deliverDir, metadata.ApplyOptions{Concurrency: 1, OnWrite: func(*metadata.Op) {
		if n.Add(1) == 3 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("the killed push reported success")
	}
	if _, _, err := metadata.Push(t.Context(), c, target, deliverDir, metadata.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	before := sb.Writes()
	p, _, err := metadata.Push(t.Context(), c, target, deliverDir, metadata.ApplyOptions{})
	if err != nil || len(p.Writes) != 0 || sb.Writes() != before {
		t.Errorf("push after convergence: %v, %d writes", err, sb.Writes()-before)
	}
	if got := len(sb.IDs("appInfoLocalizations")); got != 4 {
		t.Errorf("%d app info localizations, want 4 (no duplicates)", got)
	}
}

func TestPushToLockedVersion(t *testing.T) {
	t.Parallel()
	sb, c := seed(t)
	dir := filepath.Join(t.TempDir(), "m")
	os.MkdirAll(filepath.Join(dir, "en-US"), 0o755)
	os.WriteFile(filepath.Join(dir, "en-US", "description.txt"), []byte("New"), 0o644)
	_, _, err := metadata.Push(t.Context(), c, metadata.Target{App: "com.example.notes", Version: "1.0"}, dir, metadata.ApplyOptions{})
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), "READY_FOR_DISTRIBUTION") {
		t.Fatalf("err = %v, want a problem naming the state", err)
	}
	if sb.Writes() != 0 {
		t.Errorf("%d writes", sb.Writes())
	}
}
