package screenshots

import (
	"errors"

	"github.com/ascend-tools/ascend/workflow/metadata"
)

// ValidateFolders checks a deliver metadata folder and, when given, its screenshots and
// previews folders, offline, and returns every problem and every note (what is read but not
// sent as written), each path prefixed with its folder. An error is a folder that could not
// be read at all.
func ValidateFolders(metadataDir, screenshotsDir, previewsDir string) (problems, notes []metadata.Problem, err error) {
	var errs []error
	collect := func(prefix string, err error) {
		var ve *metadata.ValidationError
		switch {
		case err == nil:
		case errors.As(err, &ve):
			for _, p := range ve.Problems {
				p.Path = prefix + "/" + p.Path
				problems = append(problems, p)
			}
		default:
			errs = append(errs, err)
		}
	}
	m, err := metadata.Load(metadataDir)
	collect(metadataDir, err)
	if m != nil {
		for _, n := range m.Notes {
			n.Path = metadataDir + "/" + n.Path
			notes = append(notes, n)
		}
	}
	if screenshotsDir != "" {
		_, err := Load(screenshotsDir)
		collect(screenshotsDir, err)
	}
	if previewsDir != "" {
		_, err := LoadPreviews(previewsDir)
		collect(previewsDir, err)
	}
	return problems, notes, errors.Join(errs...)
}
