package screenshots

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// App Clip header images, fastlane deliver's app_clip_header_images_path: a folder of
// language folders (and default/, whose image every language without one of its own gets),
// each holding one image of exactly apple.AppClipHeaderImageWidth x Height pixels, the
// header of the App Clip card of that language (a localization of the version's App Clip
// default experience).

// HeaderImages is an App Clip header images folder, read and checked.
type HeaderImages struct {
	Dir string
	// Locales maps each locale folder to its image; nil for a folder without one, which
	// default/'s image fills (an empty folder asks for the language, as in deliver).
	Locales map[string]*Shot
	// Default is default/'s image, nil without one.
	Default *Shot
	// Notes are what was read but is not sent (a folder skipped under
	// ignore_language_directory_validation).
	Notes []metadata.Problem
}

// For returns the image locale gets: its own, else default/'s; nil for none.
func (h *HeaderImages) For(locale string) *Shot {
	if s := h.Locales[locale]; s != nil {
		return s
	}
	return h.Default
}

// Count is the number of images in the folder, default/'s counted once.
func (h *HeaderImages) Count() int {
	n := 0
	for _, s := range h.Locales {
		if s != nil {
			n++
		}
	}
	if h.Default != nil {
		n++
	}
	return n
}

// LoadHeaderImages reads dir and checks every image before anything is sent: a folder that
// names no locale, a file that is not a PNG or JPEG image, an image that is not exactly
// 1800x1200, a language with more than one image. Every problem is listed at once in a
// *metadata.ValidationError.
func LoadHeaderImages(dir string, o metadata.FolderOptions) (*HeaderImages, error) {
	h, problems, err := ScanHeaderImages(dir, o)
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, &metadata.ValidationError{Dir: dir, Problems: problems}
	}
	return h, nil
}

// ScanHeaderImages reads dir, returning its problems instead of failing on them.
func ScanHeaderImages(dir string, o metadata.FolderOptions) (*HeaderImages, []metadata.Problem, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("read App Clip header images folder %s: it does not exist; pass deliver's app_clip_header_images folder (<locale>/header.png, default/header.png)", dir)
		}
		return nil, nil, fmt.Errorf("read App Clip header images folder %s: %w", dir, err)
	}
	h := &HeaderImages{Dir: dir, Locales: map[string]*Shot{}}
	var problems []metadata.Problem
	folders := map[string]string{} // locale -> the folder read for it
	for _, e := range entries {
		name := e.Name()
		if folder.Hidden(name) {
			continue
		}
		if !folder.IsDir(dir, e) {
			problems = append(problems, metadata.Problem{Path: name, Message: "an App Clip header image goes in a language folder (en-US/" + name + ") or default/"})
			continue
		}
		locale := metadata.DefaultLocale
		if !strings.EqualFold(name, metadata.DefaultLocale) {
			l, ok := apple.LookupLocale(name)
			if !ok {
				if p, skip := o.UnknownLocale(name, localeHint); skip {
					h.Notes = append(h.Notes, p)
				} else {
					problems = append(problems, p)
				}
				continue
			}
			locale = l
		}
		if other, twice := folders[locale]; twice {
			problems = append(problems, metadata.Problem{Path: name, Message: fmt.Sprintf("%s and %s are both folders of %s; keep one", other, name, locale)})
			continue
		}
		folders[locale] = name
		shot, ps := readHeaderFolder(dir, name)
		problems = append(problems, ps...)
		if locale == metadata.DefaultLocale {
			h.Default = shot
		} else {
			h.Locales[locale] = shot
		}
	}
	return h, problems, nil
}

// readHeaderFolder reads a language folder's one image (nil for none).
func readHeaderFolder(dir, rel string) (*Shot, []metadata.Problem) {
	entries, err := os.ReadDir(filepath.Join(dir, rel))
	if err != nil {
		return nil, []metadata.Problem{{Path: rel, Message: err.Error()}}
	}
	var (
		problems []metadata.Problem
		images   []string
		shot     *Shot
	)
	for _, e := range entries {
		name := e.Name()
		if folder.Hidden(name) {
			continue
		}
		path := rel + "/" + name
		if folder.IsDir(filepath.Join(dir, rel), e) {
			problems = append(problems, metadata.Problem{Path: path, Message: "unexpected folder"})
			continue
		}
		if !isHeaderImageName(name) {
			problems = append(problems, metadata.Problem{Path: path, Message: "not an image; App Clip header images are .png, .jpg or .jpeg"})
			continue
		}
		images = append(images, name)
		s, why := readImage(dir, path, func(w, h int, _ string) string {
			if apple.IsAppClipHeaderImageSize(w, h) {
				return ""
			}
			return fmt.Sprintf("%dx%d pixels; an App Clip header image must be exactly %dx%d", w, h, apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight)
		})
		if why != "" {
			problems = append(problems, metadata.Problem{Path: path, Message: why})
			continue
		}
		shot = &s
	}
	if len(images) > 1 {
		slices.SortFunc(images, NaturalCompare)
		problems = append(problems, metadata.Problem{Path: rel, Message: fmt.Sprintf("%d images (%s); an App Clip card has one header image per language: keep one",
			len(images), strings.Join(images, ", "))})
	}
	return shot, problems
}

func isHeaderImageName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}
