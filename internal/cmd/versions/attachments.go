package versions

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/review"
)

// attachmentsCmd is `ascend versions review-attachments [FILE...]`.
func attachmentsCmd(f *cli.Factory) *cobra.Command {
	var (
		q           queryFlags
		dryRun, yes bool
		wf          cli.WaitFlags
	)
	cmd := &cobra.Command{
		Use:   "review-attachments [FILE...] --app A [--version V] [--dry-run] [--yes]",
		Short: "List the App Review attachments of a version, or make them these files (upload new, keep unchanged, remove others)",
		Example: `  ascend versions review-attachments --app com.example.app
  ascend versions review-attachments demo.mov login-steps.pdf --app com.example.app --dry-run`,
		Long: `With files, make the version's App Review attachments these files: unchanged ones are
kept (same name, size and MD5), new ones uploaded and awaited until processed, for at most
--timeout (exit 8 when it passes; run again to check), or not awaited with --no-wait; the
others are removed after asking (--yes in a pipe).`,
		RunE: func(cmd *cobra.Command, files []string) error {
			wait, err := wf.Waiting()
			if err != nil {
				return err
			}
			query, c, err := q.client(cmd, f)
			if err != nil {
				return err
			}
			req := review.AttachmentsRequest{App: query.App, Platform: query.Platform, Version: query.Version, Files: files,
				List: len(files) == 0, DryRun: dryRun, HTTPClient: f.HTTPClient(), NoWait: !wait, Upload: upload.Options{PollTimeout: wf.Timeout}}
			if len(files) > 0 && !dryRun {
				plan := req
				plan.DryRun = true
				p, err := review.SyncAttachments(cmd.Context(), c, plan)
				if err != nil {
					return err
				}
				removed := 0
				for _, a := range p.Attachments {
					if a.Action == "removed" {
						removed++
					}
				}
				if removed > 0 {
					if err := f.ConfirmDestructive(yes, fmt.Sprintf("remove %d App Review attachments of version %s", removed, p.Version.Version)); err != nil {
						return err
					}
				}
			}
			res, err := review.SyncAttachments(cmd.Context(), c, req)
			if err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(res)
			}
			t := f.NewTable("ID", "FILE", "SIZE", "STATE", "ACTION")
			for _, a := range res.Attachments {
				t.AddRow(a.ID, a.FileName, fmt.Sprint(a.FileSize), a.State, a.Action)
			}
			return t.Render()
		},
	}
	q.add(cmd, true)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change, change nothing")
	cmd.Flags().BoolVar(&yes, "yes", false, "remove attachments not listed without asking")
	cli.AddWaitFlags(cmd, &wf, true, 10*time.Minute, "App Store Connect to process the files uploaded")
	return cmd
}
