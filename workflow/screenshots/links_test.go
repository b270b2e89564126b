package screenshots_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/screenshots"
)

// Hidden files (.DS_Store, .gitkeep, macOS's ._ resource files, which carry an image's name
// but are not images) are skipped as deliver's globs skip them; a locale folder that links to
// another (fr-FR -> en-US) is read, not silently dropped.
func TestHiddenFilesAndLinkedLocales(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "en-US", "1.png"), 368, 448, 1)
	writePNG(t, filepath.Join(dir, "en-US", "2.png"), 368, 448, 2)
	for _, name := range []string{".DS_Store", ".gitkeep", "._1.png"} {
		if err := os.WriteFile(filepath.Join(dir, "en-US", name), []byte{0, 5, 22, 7}, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(dir, ".thumbnails"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("en-US", filepath.Join(dir, "fr-FR")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	l, err := screenshots.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, locale := range []string{"en-US", "fr-FR"} {
		if n := len(l.Locales[locale]["APP_WATCH_SERIES_4"]); n != 2 {
			t.Errorf("%s has %d screenshots, want 2 (locales: %v)", locale, n, l.LocaleNames())
		}
	}

	previews := t.TempDir()
	p := filepath.Join(previews, "en-US", "IPHONE_67", "1.mp4")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	sandboxtest.WriteMP4(t, p, sandboxtest.Movie{Width: 886, Height: 1920, Duration: 20 * time.Second})
	os.WriteFile(filepath.Join(previews, "en-US", "IPHONE_67", "._1.mp4"), []byte{0, 5}, 0o644)
	os.WriteFile(filepath.Join(previews, "en-US", ".gitkeep"), nil, 0o644)
	os.Symlink("en-US", filepath.Join(previews, "de-DE"))
	pl, err := screenshots.LoadPreviews(previews)
	if err != nil {
		t.Fatalf("LoadPreviews: %v", err)
	}
	for _, locale := range []string{"en-US", "de-DE"} {
		if n := len(pl.Locales[locale]["IPHONE_67"]); n != 1 {
			t.Errorf("previews %s has %d, want 1", locale, n)
		}
	}
}

// deliver keeps iMessage and Apple TV screenshots in special folders of the root that hold
// locale folders of their own (iMessage/en-US/, appleTV/en-US/), and skips supply's android/
// and frameit's fonts/: a deliver folder reads as it is.
func TestDeliverSpecialFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "en-US", "1.png"), 1242, 2688, 1)
	writePNG(t, filepath.Join(dir, "iMessage", "en-US", "1.png"), 1242, 2688, 2)
	writePNG(t, filepath.Join(dir, "iMessage", "de-DE", "1.png"), 1242, 2688, 3)
	writePNG(t, filepath.Join(dir, "appleTV", "en-US", "1.png"), 1920, 1080, 4)
	writePNG(t, filepath.Join(dir, "android", "phone", "1.png"), 10, 10, 5)
	if err := os.MkdirAll(filepath.Join(dir, "fonts"), 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := screenshots.Load(dir)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	want := map[string][]string{
		"en-US": {"APP_APPLE_TV", "APP_IPHONE_65", "IMESSAGE_APP_IPHONE_65"},
		"de-DE": {"IMESSAGE_APP_IPHONE_65"},
	}
	for locale, types := range want {
		var got []string
		for typ, shots := range l.Locales[locale] {
			if len(shots) == 1 {
				got = append(got, typ)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, types) {
			t.Errorf("%s sets = %v, want %v", locale, got, types)
		}
	}
}
