package metadata

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	wfmetadata "github.com/ascend-tools/ascend/workflow/metadata"
	wfscreenshots "github.com/ascend-tools/ascend/workflow/screenshots"
)

func newDiffCmd(f *cli.Factory) *cobra.Command {
	var tf targetFlags
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff",
		Short: "Show how the folder differs from App Store Connect, field by field",
		Long: `Validate the deliver metadata folder, read the app's metadata and list every field
whose value differs: one row per locale and field, with App Store Connect's value and the
folder's. Nothing is written. With --exit-code it exits 1 when push would change something
(and 0 when the folder matches), as git diff --exit-code does, for CI.`,
		Example: `  ascend metadata diff --dir fastlane/metadata --app com.example.app
  ascend metadata diff --dir fastlane/metadata --json --jq '.[].path'
  ascend metadata diff --dir fastlane/metadata --app com.example.app --exit-code`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, c, err := tf.open(cmd, f, true)
			if err != nil {
				return err
			}
			p, st, err := wfmetadata.Diff(cmd.Context(), c, t, tf.dir)
			if err != nil {
				return fmt.Errorf("read metadata: %w", err)
			}
			var hp *wfscreenshots.HeaderPlan
			if tf.headers != nil {
				if hp, err = wfscreenshots.PrepareHeaderImagesWith(cmd.Context(), c, t, st, tf.headers); err != nil {
					return fmt.Errorf("App Clip header images: %w", err)
				}
				if hp.Skipped != "" {
					fmt.Fprintf(f.IO.ErrOut, "note: %s\n", hp.Skipped)
				}
			}
			if err := renderChanges(f, p.Changes, hp); err != nil {
				return err
			}
			for _, pr := range p.Problems {
				fmt.Fprintf(f.IO.ErrOut, "cannot push: %s\n", pr)
			}
			if !f.JSONRequested() {
				verb := "differ"
				if len(p.Changes) == 1 {
					verb = "differs"
				}
				images := ""
				if n := hp.Writes(); n > 0 {
					images = " and " + plural(n, "App Clip header image") + " to upload"
				}
				fmt.Fprintf(f.IO.ErrOut, "%s %s from version %s; push would send %s%s\n", plural(len(p.Changes), "field"), verb, st.VersionString, plural(len(p.Writes), "request"), images)
			}
			if exitCode && len(p.Pending())+hp.Writes() > 0 {
				return &cli.ExitStatus{Code: cli.ExitError}
			}
			return nil
		},
	}
	tf.add(cmd)
	tf.addHeaderImages(cmd, "also compare")
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit 1 when the folder differs from App Store Connect (for CI)")
	return cmd
}

// ChangeJSON is a change as --json prints it.
type ChangeJSON struct {
	Locale   string `json:"locale,omitempty"`
	Field    string `json:"field"`
	Path     string `json:"path"`
	Current  string `json:"current"`
	Folder   string `json:"folder"`
	Skipped  string `json:"skipped,omitempty"`
	Resource string `json:"resource"`
}

// renderChanges prints the changes as a table (or JSON), for diff and push's plan, with the
// App Clip header images that hp (nil: none) sends.
func renderChanges(f *cli.Factory, changes []wfmetadata.Change, hp *wfscreenshots.HeaderPlan) error {
	var images []wfscreenshots.HeaderChange
	if hp != nil {
		for _, ch := range hp.Changes {
			if ch.Action != wfscreenshots.HeaderUnchanged {
				images = append(images, ch)
			}
		}
	}
	if f.JSONRequested() {
		out := []ChangeJSON{}
		for _, c := range changes {
			was, now := c.Shown()
			out = append(out, ChangeJSON{Locale: c.Locale, Field: c.Field, Path: c.Path(), Current: was, Folder: now, Skipped: c.Skipped, Resource: c.Scope.ResourceType()})
		}
		for _, ch := range images {
			out = append(out, ChangeJSON{Locale: ch.Locale, Field: headerImageField, Path: ch.File, Current: remoteHeaderImage(ch), Folder: ch.File, Resource: "appClipHeaderImages"})
		}
		return f.WriteJSON(out)
	}
	t := f.NewTable("LOCALE", "FIELD", "APP STORE CONNECT", "FOLDER", "NOTE")
	for _, c := range changes {
		locale := c.Locale
		if locale == "" {
			locale = "-"
		}
		was, now := c.Shown()
		t.AddRow(locale, c.Field, short(was), short(now), c.Skipped)
	}
	for _, ch := range images {
		note := string(ch.Action)
		if ch.FromDefault {
			note += " (default/)"
		}
		t.AddRow(ch.Locale, headerImageField, short(remoteHeaderImage(ch)), short(ch.File), note)
	}
	return t.Render()
}

// headerImageField names an App Clip header image in the table of changes.
const headerImageField = "app_clip_header_image"

// remoteHeaderImage is what App Store Connect has of ch's header image, as shown.
func remoteHeaderImage(ch wfscreenshots.HeaderChange) string {
	if ch.Remote == nil {
		return ""
	}
	if st := ch.Remote.State(); st != "COMPLETE" {
		return ch.Remote.Attributes.FileName + " (" + st + ")"
	}
	return ch.Remote.Attributes.FileName
}

func short(s string) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if r := []rune(s); len(r) > 48 {
		return string(r[:47]) + "…"
	}
	if s == "" {
		return "(empty)"
	}
	return s
}
