package metadata

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	wfmetadata "github.com/ascend-tools/ascend/workflow/metadata"
)

// PushJSON is what push --json prints after writing; NoPushJSON when there was nothing to
// write.
type (
	PushJSON struct {
		Version  string `json:"version"`
		Writes   int    `json:"writes"`
		Requests int    `json:"requests"`
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
			p, st, err := wfmetadata.Prepare(ctx, c, t, tf.dir)
			if err != nil {
				return err
			}
			pending := p.Pending()
			if len(p.Writes) == 0 {
				if f.JSONRequested() {
					return f.WriteJSON(NoPushJSON{Version: st.VersionString, Changes: []ChangeJSON{}})
				}
				if len(p.Changes) > 0 {
					renderChanges(f, p.Changes)
				}
				fmt.Fprintf(f.IO.ErrOut, "version %s already matches %s; nothing to push\n", st.VersionString, tf.dir)
				return nil
			}
			if !f.JSONRequested() || dryRun {
				if err := renderChanges(f, p.Changes); err != nil {
					return err
				}
			}
			if dryRun {
				fmt.Fprintf(f.IO.ErrOut, "dry run: %s in %s would be pushed to version %s\n", plural(len(pending), "change"), plural(len(p.Writes), "request"), st.VersionString)
				return nil
			}
			if !yes && tf.forced(f) {
				yes = true
			}
			if err := f.ConfirmDestructive(yes, fmt.Sprintf("push %s to version %s of app %s", plural(len(pending), "change"), st.VersionString, st.AppID)); err != nil {
				return err
			}
			res, err := wfmetadata.Apply(ctx, c, p, wfmetadata.ApplyOptions{})
			if f.JSONRequested() {
				if jerr := f.WriteJSON(PushJSON{Version: st.VersionString, Writes: res.Writes, Requests: res.Requests + st.Requests}); jerr != nil {
					return jerr
				}
			}
			if err != nil {
				return fmt.Errorf("push metadata stopped part way (run push again to finish): %w", err)
			}
			if !f.JSONRequested() {
				fmt.Fprintf(f.IO.ErrOut, "pushed %s to version %s: %s, %s in all\n", plural(len(pending), "change"), st.VersionString, plural(res.Writes, "write"), plural(res.Requests+st.Requests, "request"))
			}
			return nil
		},
	}
	tf.add(cmd)
	tf.skip = "skip_metadata"
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change and write nothing")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "push without asking")
	return cmd
}
