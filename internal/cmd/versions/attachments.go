package versions

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/review"
)

// attachmentsCmd is `ascend versions review-attachments [FILE...]`.
func attachmentsCmd(f *cli.Factory) *cobra.Command {
	var (
		q           queryFlags
		dryRun, yes bool
	)
	cmd := &cobra.Command{
		Use:   "review-attachments [FILE...] --app A [--version V] [--dry-run] [--yes]",
		Short: "List the App Review attachments of a version, or make them these files (upload new, keep unchanged, remove others)",
		Example: `  ascend versions review-attachments --app com.example.app
  ascend versions review-attachments demo.mov login-steps.pdf --app com.example.app --dry-run`,
		RunE: func(cmd *cobra.Command, files []string) error {
			query, c, err := q.client(cmd, f)
			if err != nil {
				return err
			}
			req := review.AttachmentsRequest{App: query.App, Platform: query.Platform, Version: query.Version, Files: files,
				List: len(files) == 0, DryRun: dryRun, HTTPClient: f.HTTPClient()}
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
	return cmd
}
