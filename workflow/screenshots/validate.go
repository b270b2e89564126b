package screenshots

import (
	"errors"

	"github.com/ascend-tools/ascend/workflow/metadata"
)

// ValidateFolders checks a deliver metadata folder and, when given, its screenshots and
// previews folders, offline, and returns every problem, each path prefixed with its folder.
// An error is a folder that could not be read at all.
func ValidateFolders(metadataDir, screenshotsDir, previewsDir string) ([]metadata.Problem, error) {
	var (
		problems []metadata.Problem
		errs     []error
	)
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
	_, err := metadata.Load(metadataDir)
	collect(metadataDir, err)
	if screenshotsDir != "" {
		_, err := Load(screenshotsDir)
		collect(screenshotsDir, err)
	}
	if previewsDir != "" {
		_, err := LoadPreviews(previewsDir)
		collect(previewsDir, err)
	}
	return problems, errors.Join(errs...)
}
