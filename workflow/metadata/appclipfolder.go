package metadata

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
)

// readAppClipFolder merges deliver's app_clip_default_experience_metadata_path into m: its
// action and its locales' subtitles win over the metadata folder's, each such file noted by
// its path, and a problem with a value names the file it came from.
func (m *Metadata) readAppClipFolder(o FolderOptions) []Problem {
	dir := o.AppClipMetadataDir
	if dir == "" {
		return nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Problem{{dir, "app_clip_default_experience_metadata_path names a folder that does not exist"}}
	}
	if err != nil {
		return []Problem{{dir, err.Error()}}
	}
	if m.inline == nil {
		m.inline = map[string]string{}
	}
	var problems []Problem
	// take reads the file at path (relative to dir) as rel of the layout.
	take := func(path, rel string, into Values, field string) {
		abs := filepath.Join(dir, filepath.FromSlash(path))
		b, err := folder.ReadFile(abs, folder.MaxText)
		if err != nil {
			problems = append(problems, Problem{abs, err.Error()})
			return
		}
		if _, had := into[field]; had {
			m.notef(abs, "wins over the metadata folder's %s (app_clip_default_experience_metadata_path)", rel)
		}
		into[field] = normalize(string(b))
		m.inline[rel] = abs
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case folder.Hidden(name):
		case name == AppClipActionFile+".txt" && !folder.IsDir(dir, e):
			take(name, name, m.App, AppClipActionFile)
		case !folder.IsDir(dir, e):
			m.notef(filepath.Join(dir, name), "not read: app_clip_default_experience_metadata_path holds %s.txt and <locale>/%s.txt", AppClipActionFile, AppClipSubtitleFile)
		default:
			into, rel := m.Default, DefaultLocale
			if !strings.EqualFold(name, DefaultLocale) {
				locale, ok := apple.LookupLocale(name)
				if !ok {
					if p, skip := o.UnknownLocale(filepath.Join(dir, name), "use one of Apple's locale codes ("+nearLocale(name)+") or default"); skip {
						m.Notes = append(m.Notes, p)
					} else {
						problems = append(problems, p)
					}
					continue
				}
				if m.Locales[locale] == nil {
					m.Locales[locale] = Values{}
				}
				into, rel = m.Locales[locale], locale
			}
			file := AppClipSubtitleFile + ".txt"
			if _, err := os.Stat(filepath.Join(dir, name, file)); err == nil {
				take(name+"/"+file, rel+"/"+file, into, AppClipSubtitleFile)
			}
		}
	}
	return problems
}
