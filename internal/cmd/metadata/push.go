package metadata

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	wfscreenshots "github.com/ascend-tools/ascend/workflow/screenshots"
)

// PushJSON is what push --json prints after writing; NoPushJSON when there was nothing to
// write.
type (
	PushJSON struct {
		Version  string `json:"version"`
		Writes   int    `json:"writes"`
		Requests int    `json:"requests"`
		// HeaderImages counts the App Clip header images uploaded.
		HeaderImages int `json:"appClipHeaderImages,omitempty"`
	}
	NoPushJSON struct {
		Version string       `json:"version"`
		Writes  int          `json:"writes"`
		Changes []ChangeJSON `json:"changes"`
	}
)

func newPushCmd(f *cli.Factory) *cobra.Command {
	var (
		tf          targetFlags
		dryRun, yes bool
	)
	cmd := &cobra.Command{
		Use:   "push",
		Short: "Make App Store Connect's metadata match the folder",
		Long: `Validate the deliver metadata folder against Apple's limits (every problem is listed,
nothing is written), read the app's metadata with as few requests as Apple allows, then
write only what changed: one PATCH per changed localization, a POST for each missing
locale. Absent files are left alone; an empty text file clears the field (an emptied URL
is refused: delete the file to leave the URL alone). A second push after a successful one
sends no writes.

With --edit-live it works on the version on the App Store, where Apple lets you change only
the promotional text; other differences are shown as skipped.`,
		Example: `  ascend metadata push --dir fastlane/metadata --app com.example.app --dry-run
  ascend metadata push --dir fastlane/metadata --app com.example.app --yes
  ascend metadata push --dir fastlane/metadata --edit-live --yes`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, c, err := tf.open(cmd, f, true)
			if errors.Is(err, errSkipped) {
				return nil
			}
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			push, err := wfscreenshots.PrepareMetadataPush(ctx, c, t, wfscreenshots.MetadataPushFolders{Metadata: tf.dir, HeaderImages: tf.headers})
			if err != nil {
				return err
			}
			p, st, hp := push.Metadata, push.State, push.Headers
			if hp != nil && hp.Skipped != "" {
				fmt.Fprintf(f.IO.ErrOut, "note: %s\n", hp.Skipped)
			}
			pending, images := p.Pending(), hp.Writes()
			if len(p.Writes) == 0 && images == 0 {
				if f.JSONRequested() {
					return f.WriteJSON(NoPushJSON{Version: st.VersionString, Changes: []ChangeJSON{}})
				}
				if len(p.Changes) > 0 {
					renderChanges(f, p.Changes, nil)
				}
				fmt.Fprintf(f.IO.ErrOut, "version %s already matches %s; nothing to push\n", st.VersionString, tf.folders())
				return nil
			}
			if !f.JSONRequested() || dryRun {
				if err := renderChanges(f, p.Changes, hp); err != nil {
					return err
				}
			}
			what := plural(len(pending), "change")
			if images > 0 {
				what += " and " + plural(images, "App Clip header image")
			}
			if dryRun {
				if images == 0 {
					fmt.Fprintf(f.IO.ErrOut, "dry run: %s in %s would be pushed to version %s\n", what, plural(len(p.Writes), "request"), st.VersionString)
				} else {
					fmt.Fprintf(f.IO.ErrOut, "dry run: %s would be pushed to version %s (%s, then the header images' uploads)\n", what, st.VersionString, plural(len(p.Writes), "metadata request"))
				}
				return nil
			}
			if !yes && tf.forced(f) {
				yes = true
			}
			if err := f.ConfirmDestructive(yes, fmt.Sprintf("push %s to version %s of app %s", what, st.VersionString, st.AppID)); err != nil {
				return err
			}
			pushed, err := wfscreenshots.ApplyMetadataPush(ctx, c, push, wfscreenshots.Options{HTTPClient: f.HTTPClient()})
			res, hres, requests := pushed.Metadata, pushed.Headers, pushed.Requests
			if f.JSONRequested() {
				if jerr := f.WriteJSON(PushJSON{Version: st.VersionString, Writes: res.Writes, Requests: requests, HeaderImages: hres.Uploaded}); jerr != nil {
					return jerr
				}
			}
			if err != nil {
				return fmt.Errorf("push metadata stopped part way (run push again to finish): %w", err)
			}
			if !f.JSONRequested() {
				images := ""
				if hres.Uploaded > 0 {
					images = ", " + plural(hres.Uploaded, "App Clip header image") + " uploaded"
				}
				fmt.Fprintf(f.IO.ErrOut, "pushed %s to version %s: %s%s, %s to the API in all\n", what, st.VersionString, plural(res.Writes, "write"), images, plural(requests, "request"))
			}
			return nil
		},
	}
	tf.add(cmd)
	tf.addHeaderImages(cmd, "also push")
	tf.skip = "skip_metadata"
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change and write nothing")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "push without asking")
	return cmd
}
