package metadata

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	wfmetadata "github.com/ascend-tools/ascend/workflow/metadata"
	wfscreenshots "github.com/ascend-tools/ascend/workflow/screenshots"
)

// ProblemJSON is a problem as validate --json prints it.
type ProblemJSON struct {
	Path    string `json:"path"`
	Problem string `json:"problem"`
}

func newValidateCmd(f *cli.Factory) *cobra.Command {
	var (
		dir, shots, previews, headers string
		project                       cli.FastlaneFlag
	)
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the folders against Apple's rules, offline",
		Long: `Check a deliver metadata folder (and, with --screenshots and --previews, the media
folders, with --app-clip-header-images the App Clip card's header images) against Apple's
rules without credentials or requests: field limits, URL and email syntax, locale codes, file
names, screenshot and header image sizes and counts. Every problem is listed; the
exit code is 1 when there is any. Suited to a pull-request check.`,
		Example: `  ascend metadata validate --dir fastlane/metadata --screenshots fastlane/screenshots
  ascend metadata validate --fastlane .`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			c, err := project.Project(f, cmd, "dir")
			if err != nil {
				return err
			}
			if c != nil {
				if !fl.Changed("dir") {
					dir = c.MetadataPath
				}
				if !fl.Changed("screenshots") && exists(c.ScreenshotsPath) {
					shots = c.ScreenshotsPath
				}
				if !fl.Changed("previews") && c.AppPreviewsPath != "" {
					previews = c.AppPreviewsPath
				}
				if !fl.Changed("app-clip-header-images") {
					headers = c.AppClipHeaderImagesPath
				}
			}
			frameCode := ""
			if c != nil {
				frameCode = c.PreviewFrameTimeCode
			}
			problems, notes, err := wfscreenshots.ValidateFoldersWith(wfscreenshots.Folders{Metadata: dir, Screenshots: shots, Previews: previews,
				AppClipHeaderImages: headers, FrameCode: frameCode}, wfmetadata.FolderOptionsOf(c))
			if err != nil {
				return err
			}
			for _, n := range notes {
				fmt.Fprintf(f.IO.ErrOut, "note: %s\n", n)
			}
			if f.JSONRequested() {
				out := []ProblemJSON{}
				for _, p := range problems {
					out = append(out, ProblemJSON{Path: p.Path, Problem: p.Message})
				}
				if err := f.WriteJSON(out); err != nil {
					return err
				}
			} else {
				for _, p := range problems {
					fmt.Fprintln(f.IO.Out, p.String())
				}
			}
			if len(problems) > 0 {
				return cli.ProblemsFound("", len(problems))
			}
			if !f.JSONRequested() {
				fmt.Fprintln(f.IO.ErrOut, "no problems found")
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&dir, "dir", "fastlane/metadata", "the deliver metadata `folder`")
	fl.StringVar(&shots, "screenshots", "", "also check this screenshots `folder`")
	fl.StringVar(&previews, "previews", "", "also check this app previews `folder`")
	fl.StringVar(&headers, "app-clip-header-images", "", "also check this App Clip header images `folder` (one 1800x1200 PNG or JPEG a language)")
	project.Add(cmd)
	return cmd
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
