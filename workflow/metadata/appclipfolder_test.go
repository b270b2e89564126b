package metadata_test

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// deliver's app_clip_default_experience_metadata_path: a folder of its own whose action and
// subtitles win over the metadata folder's (each such file noted), the Deliverfile's values
// over both; a value over Apple's limit names the file it came from; no metadata folder is
// needed with it.
func TestAppClipMetadataFolder(t *testing.T) {
	t.Parallel()
	dir, clip := t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(dir, metadata.AppClipActionFile+".txt"), "OPEN\n")
	writeFile(t, filepath.Join(dir, "de-DE", metadata.AppClipSubtitleFile+".txt"), "From the metadata folder\n")
	writeFile(t, filepath.Join(dir, "en-US", metadata.AppClipSubtitleFile+".txt"), "Kept\n")
	writeFile(t, filepath.Join(clip, metadata.AppClipActionFile+".txt"), "PLAY\n")
	writeFile(t, filepath.Join(clip, "de-de", metadata.AppClipSubtitleFile+".txt"), "Aus dem App-Clip-Ordner\n")
	writeFile(t, filepath.Join(clip, "fr-FR", metadata.AppClipSubtitleFile+".txt"), strings.Repeat("é", 57)+"\n")
	writeFile(t, filepath.Join(clip, "default", metadata.AppClipSubtitleFile+".txt"), "Try it\n")
	o := metadata.FolderOptions{AppClipMetadataDir: clip, Inline: []fastlane.InlineValue{
		{Option: "app_clip_default_experience_subtitle", Language: "ja", Text: "お試し", Where: "/p/fastlane/Deliverfile line 2"},
	}}
	_, err := metadata.LoadWith(dir, o)
	var ve *metadata.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 ||
		ve.Problems[0].String() != filepath.Join(clip, "fr-FR", metadata.AppClipSubtitleFile+".txt")+": 57 characters, Apple allows at most 56" {
		t.Fatalf("a subtitle over the limit: %v", err)
	}
	writeFile(t, filepath.Join(clip, "fr-FR", metadata.AppClipSubtitleFile+".txt"), "Essaie\n")
	m, err := metadata.LoadWith(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	for locale, want := range map[string]string{"de-DE": "Aus dem App-Clip-Ordner", "en-US": "Kept", "fr-FR": "Essaie", "ja": "お試し", "it": "Try it"} {
		if got := m.Effective(locale)[metadata.AppClipSubtitleFile]; got != want {
			t.Errorf("%s: subtitle %q, want %q", locale, got, want)
		}
	}
	if got := m.App[metadata.AppClipActionFile]; got != "PLAY" {
		t.Errorf("action %q, want PLAY", got)
	}
	var notes []string
	for _, n := range m.Notes {
		notes = append(notes, n.String())
	}
	for _, w := range []string{
		filepath.Join(clip, metadata.AppClipActionFile+".txt") + ": wins over the metadata folder's app_clip_default_experience_action.txt (app_clip_default_experience_metadata_path)",
		filepath.Join(clip, "de-de", metadata.AppClipSubtitleFile+".txt") + ": wins over the metadata folder's de-DE/app_clip_default_experience_subtitle.txt (app_clip_default_experience_metadata_path)",
	} {
		if !slices.Contains(notes, w) {
			t.Errorf("no note %q in:\n%s", w, strings.Join(notes, "\n"))
		}
	}
	// The folder alone, without a metadata folder.
	if _, err := metadata.LoadWith(filepath.Join(t.TempDir(), "none"), metadata.FolderOptions{AppClipMetadataDir: clip}); err != nil {
		t.Errorf("without a metadata folder: %v", err)
	}
	if _, err := metadata.LoadWith(dir, metadata.FolderOptions{AppClipMetadataDir: filepath.Join(clip, "missing")}); !errors.As(err, &ve) {
		t.Errorf("a folder that does not exist: %v", err)
	}
}
