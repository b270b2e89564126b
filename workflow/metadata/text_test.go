package metadata_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Editors save the same text in several byte forms: with a byte order mark, Windows or old
// Mac line endings, a trailing newline, or decomposed accents (macOS input). None of these is a
// change: the plan against App Store Connect's value must be empty.
func TestEquivalentTextIsNoChange(t *testing.T) {
	t.Parallel()
	_, c := seed(t)
	dir := t.TempDir()
	// The seed has en-US subtitle "Old subtitle", description "Old description",
	// keywords "notes", and de-DE description with a composed "ä".
	writeFile(t, filepath.Join(dir, "en-US", "subtitle.txt"), "\ufeffOld subtitle\r\n")
	writeFile(t, filepath.Join(dir, "en-US", "description.txt"), "Old description\r")
	writeFile(t, filepath.Join(dir, "en-US", "keywords.txt"), "notes\n\n")
	writeFile(t, filepath.Join(dir, "de-DE", "description.txt"),
		"Ascend Notizen ha\u0308lt deine Notizen auf iPhone, iPad und Mac synchron.\n")
	p, _, err := metadata.Prepare(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 0 || len(p.Writes) != 0 {
		t.Errorf("equivalent text planned %d writes: %v", len(p.Writes), p.Changes)
	}
}

// Apple counts characters: a name of 30 accented letters is within the limit whether the
// file holds them composed or decomposed (60 code points), and nothing sent keeps a BOM.
func TestCharactersCountedComposed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), strings.Repeat("e\u0301", 30)+"\n")
	writeFile(t, filepath.Join(dir, "en-US", "subtitle.txt"), "\ufeffPlan your week")
	m, err := metadata.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got, want := m.Locales["en-US"]["name"], strings.Repeat("\u00e9", 30); got != want {
		t.Errorf("name = %q, want the composed form %q", got, want)
	}
	if got := m.Locales["en-US"]["subtitle"]; got != "Plan your week" {
		t.Errorf("subtitle = %q, want it without the byte order mark", got)
	}
}

// fastlane reads only the files it knows and, like any shell glob, skips hidden ones, so a
// deliver folder with .gitkeep or macOS's ._ files reads cleanly.
func TestHiddenFilesIgnored(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), "Notes")
	writeFile(t, filepath.Join(dir, "en-US", ".gitkeep"), "")
	writeFile(t, filepath.Join(dir, "en-US", "._name.txt"), "\x00\x05\x16\x07")
	writeFile(t, filepath.Join(dir, ".gitkeep"), "")
	writeFile(t, filepath.Join(dir, "review_information", ".gitkeep"), "")
	if err := os.MkdirAll(filepath.Join(dir, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	m, err := metadata.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if m.Locales["en-US"]["name"] != "Notes" || len(m.Locales) != 1 {
		t.Errorf("locales = %v", m.Locales)
	}
}

// A locale folder that is a symbolic link to another (en-GB -> en-US, a common way to share
// texts) is read as that locale; pull never writes through the link, so the other locale's
// files keep their values.
func TestSymlinkedLocaleFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), "Notes")
	if err := os.Symlink("en-US", filepath.Join(dir, "en-GB")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	m, err := metadata.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got := m.Locales["en-GB"]["name"]; got != "Notes" {
		t.Errorf("en-GB name = %q, want the linked folder's %q", got, "Notes")
	}

	remote := metadata.New()
	remote.Locales["en-US"] = metadata.Values{"name": "Notes"}
	remote.Locales["en-GB"] = metadata.Values{"name": "Notes UK"}
	written, err := metadata.Write(dir, remote)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "en-US", "name.txt"))
	if string(b) != "Notes" {
		t.Errorf("en-US/name.txt = %q after a pull, written %v; the en-GB link was written through", b, written)
	}
}

// A mistyped category id is a problem found before any write, with the other problems: App
// Store Connect would refuse its PATCH only after the push's other writes had gone through.
func TestUnknownCategoryWritesNothing(t *testing.T) {
	t.Parallel()
	sb, c := seed(t)
	dir := copyDir(t, deliverDir)
	writeFile(t, filepath.Join(dir, "primary_category.txt"), "GAMEZ\n")
	writeFile(t, filepath.Join(dir, "secondary_category.txt"), "GAMES_PUZZLE\n")
	_, _, err := metadata.Push(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir, metadata.ApplyOptions{})
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Path != "primary_category.txt" {
		t.Fatalf("push = %v, want one problem for primary_category.txt", err)
	}
	if !strings.Contains(err.Error(), "GAMES") {
		t.Errorf("error suggests no category: %v", err)
	}
	if n := sb.Writes(); n != 0 {
		t.Errorf("%d writes before the category was found wrong", n)
	}
}

// Files are written as deliver's download_metadata writes them, ending in a newline, so that
// switching between the tools changes no file's bytes beyond its value.
func TestWriteEndsFilesWithNewline(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), "Old\n")
	m := metadata.New()
	m.Locales["en-US"] = metadata.Values{"name": "Notes", "subtitle": "Plan your week", "marketing_url": ""}
	m.App["copyright"] = "2026 Example"
	if _, err := metadata.Write(dir, m); err != nil {
		t.Fatal(err)
	}
	for rel, want := range map[string]string{"en-US/name.txt": "Notes\n", "en-US/subtitle.txt": "Plan your week\n",
		"en-US/marketing_url.txt": "", "copyright.txt": "2026 Example\n"} {
		b, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil || string(b) != want {
			t.Errorf("%s = %q (%v), want %q", rel, b, err, want)
		}
	}
}

// A push that fails part way says which files App Store Connect took and which it did not,
// and still lets callers find Apple's error.
func TestPartialPushSaysWhatWasWritten(t *testing.T) {
	t.Parallel()
	sb, c := seed(t)
	sb.Fail(sandbox.FaultRule{Method: "PATCH", Route: "/v1/appStoreVersionLocalizations/{id}", Status: 500})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "subtitle.txt"), "New subtitle\n")
	writeFile(t, filepath.Join(dir, "en-US", "description.txt"), "New description\n")
	_, res, err := metadata.Push(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir, metadata.ApplyOptions{})
	var pe *metadata.PartialError
	if !errors.As(err, &pe) || res.Writes != 1 {
		t.Fatalf("push = %v (%d writes), want a *PartialError after 1 write", err, res.Writes)
	}
	msg := err.Error()
	for _, want := range []string{"1 of 2 writes done", "written: en-US/subtitle.txt;", "not written: update appStoreVersionLocalizations en-US (en-US/description.txt)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q: %s", want, msg)
		}
	}
	var er *asc.ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusInternalServerError {
		t.Errorf("errors.As finds no 500 *asc.ErrorResponse in %v", err)
	}
}

// deliver's App Clip files (a subtitle per locale, the action at the top) are part of its
// layout: read, not refused.
func TestAppClipFilesAccepted(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), "Notes\n")
	writeFile(t, filepath.Join(dir, "en-US", "app_clip_default_experience_subtitle.txt"), "Try it\n")
	writeFile(t, filepath.Join(dir, "app_clip_default_experience_action.txt"), "OPEN\n")
	if _, err := metadata.Load(dir); err != nil {
		t.Errorf("Load: %v", err)
	}
}

// A problem names the file as the folder spells it: en-us/name.txt, which deliver reads as
// en-US's, is where a user on a case-sensitive file system finds it (not en-US/name.txt).
func TestProblemsNameTheFolderAsSpelt(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-us", "name.txt"), strings.Repeat("x", 31))
	writeFile(t, filepath.Join(dir, "de-de", "keywords.txt"), "planer")
	_, err := metadata.Load(dir)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Path != "en-us/name.txt" {
		t.Fatalf("Load: %v, want one problem of en-us/name.txt", err)
	}
	_, c := seed(t)
	_, _, err = metadata.Prepare(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir)
	if !errors.As(err, &ve) {
		t.Fatalf("Prepare: %v", err)
	}
	writeFile(t, filepath.Join(dir, "en-us", "name.txt"), "Notes")
	writeFile(t, filepath.Join(dir, "ko", "subtitle.txt"), "메모") // a new locale without its name
	_, _, err = metadata.Prepare(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir)
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Path != "ko/name.txt" {
		t.Fatalf("Prepare: %v, want one problem of ko/name.txt", err)
	}
	if err := os.Rename(filepath.Join(dir, "ko"), filepath.Join(dir, "KO")); err != nil {
		t.Fatal(err)
	}
	_, _, err = metadata.Prepare(t.Context(), c, metadata.Target{App: "com.example.notes"}, dir)
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Path != "KO/name.txt" {
		t.Fatalf("Prepare: %v, want one problem of KO/name.txt", err)
	}
	// A locale the live version lacks cannot be added to it: the problem names the folder.
	live := t.TempDir()
	writeFile(t, filepath.Join(live, "fr-fr", "promotional_text.txt"), "Nouveau")
	_, _, err = metadata.Prepare(t.Context(), c, metadata.Target{App: "com.example.notes", Live: true}, live)
	if !errors.As(err, &ve) || len(ve.Problems) != 1 || ve.Problems[0].Path != "fr-fr" {
		t.Fatalf("Prepare live: %v, want one problem of fr-fr", err)
	}
}

// A byte order mark that is not the file's first character (saved twice over, as a tool that
// always writes one saves text already holding one, or after a blank line a script put before
// it) goes as the first one does: reading is idempotent, so the value pushed is the value read
// back, and a second push has nothing to write.
func TestByteOrderMarksTwiceGo(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"\ufeff\ufeffDaybreak", "\n\ufeffDaybreak", "\ufeff \ufeffDaybreak\r\n", "Daybreak\ufeff\n"} {
		if got := metadata.Normalize(s); got != "Daybreak" {
			t.Errorf("Normalize(%q) = %q, want Daybreak", s, got)
		}
	}
	sb, c := newSandbox(t)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "en-US", "name.txt"), "\ufeff\ufeffDaybreak Planer")
	writeFile(t, filepath.Join(dir, "en-US", "subtitle.txt"), "\n\ufeffPlane deinen Tag")
	target := metadata.Target{App: demoApp}
	if _, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	w := sb.Writes()
	if p, _, err := metadata.Push(t.Context(), c, target, dir, metadata.ApplyOptions{}); err != nil || len(p.Writes) != 0 || sb.Writes() != w {
		t.Errorf("second push: %v, %d writes: %v", err, sb.Writes()-w, p.Changes)
	}
}

// FuzzNormalize: reading is idempotent, and a value as Write saves it (with its newline) reads
// back as the value, so what a pull writes a push sends unchanged. Text that is not UTF-8 is
// refused before it is normalised (Read), so it is not drawn.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"\ufeff\ufeffx", "\n\ufeffx", " e\u0301 \r\n", "a\r\r\nb", "\u3000キーワード\u00a0", "x \u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		v := metadata.Normalize(s)
		if again := metadata.Normalize(v); again != v {
			t.Fatalf("Normalize(%q) = %q, and that normalises to %q", s, v, again)
		}
		if back := metadata.Normalize(v + "\n"); back != v {
			t.Fatalf("%q written as a file reads back as %q", v, back)
		}
	})
}
