package versions

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/agerating"
)

// ageRatingCmd is `ascend versions age-rating pull|push`.
func ageRatingCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "age-rating <command>",
		Short: "Pull or push the age rating questionnaire as fastlane's app_rating_config.json",
	}
	cmd.AddCommand(ageRatingPull(f), ageRatingPush(f))
	return cmd
}

func ageRatingPull(f *cli.Factory) *cobra.Command {
	var app, file string
	cmd := &cobra.Command{
		Use:   "pull --app A [--file app_rating_config.json]",
		Short: "Write the age rating of the app info being prepared (the live one when none is) to a file, or - for stdout",
		Example: `  ascend versions age-rating pull --app com.example.app --file fastlane/app_rating_config.json
  ascend versions age-rating pull --app com.example.app --file -`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if app == "" {
				return cli.UsageErrorf("--app is required")
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			d, err := agerating.Pull(cmd.Context(), c, app)
			if err != nil {
				return err
			}
			data := d.Config.Marshal()
			if file == "-" {
				_, err := f.IO.Out.Write(data)
				return err
			}
			if err := os.WriteFile(file, data, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", file, err)
			}
			fmt.Fprintf(f.IO.ErrOut, "age rating of app info %s (%s): %d answers written to %s\n", d.AppInfoID, d.InfoState, len(d.Config.Answers), file)
			return nil
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().StringVar(&file, "file", "app_rating_config.json", "the `path` to write, - for stdout")
	return cmd
}

func ageRatingPush(f *cli.Factory) *cobra.Command {
	var (
		app, file string
		dryRun    bool
	)
	cmd := &cobra.Command{
		Use:   "push --app A [--file app_rating_config.json] [--dry-run]",
		Short: "Answer the age rating questionnaire from fastlane's app_rating_config.json (only what differs is written)",
		Long: `Answer the age rating questionnaire of the app info being prepared from a JSON file in
fastlane deliver's layout: the API's keys ("violenceCartoonOrFantasy": "INFREQUENT_OR_MILD",
"lootBox": false, "kidsAgeBand": null) or the upper-case keys of older files with numbers
("CARTOON_FANTASY_VIOLENCE": 1). The whole file is checked before anything is sent.`,
		Example: "  ascend versions age-rating push --app com.example.app --file fastlane/app_rating_config.json --dry-run",
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if app == "" {
				return cli.UsageErrorf("--app is required")
			}
			cfg, err := agerating.ReadFile(file)
			if err != nil {
				return cli.AsUsage(err)
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := agerating.Push(cmd.Context(), c, app, cfg, dryRun)
			if err != nil {
				return err
			}
			for _, n := range res.Notes {
				fmt.Fprintf(f.IO.ErrOut, "note: %s\n", n)
			}
			if f.JSONRequested() {
				return f.WriteJSON(res)
			}
			switch {
			case len(res.Changed) == 0:
				fmt.Fprintln(f.IO.Out, "age rating: unchanged")
			case dryRun:
				fmt.Fprintf(f.IO.Out, "age rating: would change %s\n", strings.Join(res.Changed, ", "))
			default:
				fmt.Fprintf(f.IO.Out, "age rating: changed %s\n", strings.Join(res.Changed, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().StringVar(&file, "file", "app_rating_config.json", "the `path` of the JSON file")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "show what would change, change nothing")
	return cmd
}
