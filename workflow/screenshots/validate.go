package screenshots

import (
	"errors"
	"path/filepath"

	"github.com/ascend-tools/ascend/workflow/metadata"
)

// ValidateFolders checks a deliver metadata folder and, when given, its screenshots and
// previews folders, offline, and returns every problem and every note (what is read but not
// sent as written), each path prefixed with its folder. An error is a folder that could not
// be read at all.
func ValidateFolders(metadataDir, screenshotsDir, previewsDir string) (problems, notes []metadata.Problem, err error) {
	return ValidateFoldersWith(Folders{Metadata: metadataDir, Screenshots: screenshotsDir, Previews: previewsDir}, metadata.FolderOptions{})
}

// Folders are the folders of a deliver project that ValidateFoldersWith checks; "" leaves
// one out (but Metadata).
type Folders struct {
	Metadata, Screenshots, Previews string
	// AppClipHeaderImages is deliver's app_clip_header_images_path.
	AppClipHeaderImages string
	// FrameCode is the previews' poster frame time code ("" for none: Layout.FrameProblems).
	FrameCode string
}

// ValidateFoldersWith is ValidateFolders with every folder and options (a folder that is no
// locale skipped with a note under SkipUnknownLocales).
func ValidateFoldersWith(f Folders, o metadata.FolderOptions) (problems, notes []metadata.Problem, err error) {
	metadataDir, screenshotsDir, previewsDir := f.Metadata, f.Screenshots, f.Previews
	var errs []error
	collect := func(prefix string, err error) {
		var ve *metadata.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			for _, p := range ve.Problems {
				p.Path = under(prefix, p.Path)
				problems = append(problems, p)
			}
		default:
			errs = append(errs, err)
		}
	}
	note := func(dir string, list []metadata.Problem) {
		for _, n := range list {
			n.Path = under(dir, n.Path)
			notes = append(notes, n)
		}
	}
	m, err := metadata.LoadWith(metadataDir, o)
	collect(metadataDir, err)
	if m != nil {
		note(metadataDir, m.Notes)
	}
	if screenshotsDir != "" {
		l, err := LoadWith(screenshotsDir, o)
		collect(screenshotsDir, err)
		if l != nil {
			note(screenshotsDir, l.Notes)
		}
	}
	if previewsDir != "" {
		l, err := LoadPreviewsWith(previewsDir, o)
		collect(previewsDir, err)
		if l != nil {
			note(previewsDir, l.Notes)
			collect(previewsDir, problemsOf(l.Dir, l.FrameProblems(f.FrameCode)))
		}
	}
	if dir := f.AppClipHeaderImages; dir != "" {
		h, err := LoadHeaderImages(dir, o)
		collect(dir, err)
		if h != nil {
			note(dir, h.Notes)
		}
	}
	return problems, notes, errors.Join(errs...)
}

// problemsOf is problems as the error Load returns (nil for none).
func problemsOf(dir string, problems []metadata.Problem) error {
	if len(problems) == 0 {
		return nil
	}
	return &metadata.ValidationError{Dir: dir, Problems: problems}
}

// under is rel's path in dir; a path that is absolute already (a Deliverfile's line that gave
// a value) is kept.
func under(dir, rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return dir + "/" + rel
}
