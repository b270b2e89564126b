// Package testers implements `ascend testflight testers list|add|remove|invite|import|export`.
package testers

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// NewCmd returns `ascend testflight testers`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "testers <command>", Short: "Beta testers: list, add, remove, invite, import and export pilot CSV files"}
	cmd.AddCommand(listCmd(f), addCmd(f), removeCmd(f), inviteCmd(f), importCmd(f), exportCmd(f))
	return cmd
}

func needApp(app, what string) error {
	if app == "" {
		return cli.UsageErrorf("testflight testers %s needs --app", what)
	}
	return nil
}

func listCmd(f *cli.Factory) *cobra.Command {
	var app, group string
	cmd := &cobra.Command{
		Use:     "list --app <id | bundle-id> [--group NAME]",
		Short:   "List an app's testers with their groups",
		Example: `  ascend testflight testers list --app com.example.app --group "Public Beta"`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needApp(app, "list"); err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			list, err := testflight.Testers(cmd.Context(), c, app, group)
			if err != nil {
				return err
			}
			return buildflag.Testers(f, list)
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().StringVar(&group, "group", "", "only the testers of this beta `group`")
	return cmd
}

func addCmd(f *cli.Factory) *cobra.Command {
	var (
		app         string
		groups      []string
		first, last string
	)
	cmd := &cobra.Command{
		Use:     "add <email>... --app <id | bundle-id> --groups G1,G2",
		Short:   "Add testers to beta groups (testers already there are left as they are)",
		Example: `  ascend testflight testers add ada@example.com --first-name Ada --last-name Lovelace --app com.example.app --groups "Public Beta"`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needApp(app, "add"); err != nil {
				return err
			}
			if len(groups) == 0 {
				return cli.UsageErrorf("testflight testers add needs --groups")
			}
			var list []testflight.Tester
			for _, e := range args {
				list = append(list, testflight.Tester{Email: e, FirstName: first, LastName: last, Groups: groups})
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := testflight.AddTesters(cmd.Context(), c, app, list)
			return buildflag.Added(f, res, err)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&app, "app", "", "the app's `id or bundle id`")
	fl.StringSliceVar(&groups, "groups", nil, "the beta `groups` to add them to")
	fl.StringVar(&first, "first-name", "", "first `name`")
	fl.StringVar(&last, "last-name", "", "last `name`")
	return cmd
}

func removeCmd(f *cli.Factory) *cobra.Command {
	var (
		app, group string
		yes        bool
	)
	cmd := &cobra.Command{
		Use:   "remove <email>... --app <id | bundle-id> [--group NAME]",
		Short: "Remove testers from a group, or from the app",
		Example: `  ascend testflight testers remove ada@example.com --app com.example.app --group "Public Beta"
  ascend testflight testers remove ada@example.com --app com.example.app --yes`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needApp(app, "remove"); err != nil {
				return err
			}
			where := "the app"
			if group != "" {
				where = fmt.Sprintf("group %q", group)
			}
			if err := f.ConfirmDestructive(yes, fmt.Sprintf("remove %s from %s", cli.Plural(len(args), "tester"), where)); err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := testflight.RemoveTesters(cmd.Context(), c, app, args, group)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "removed %s from %s\n", cli.Plural(res.Removed, "tester"), where)
			if len(res.NotFound) > 0 {
				fmt.Fprintf(f.IO.ErrOut, "; not there: %s", strings.Join(res.NotFound, ", "))
			}
			fmt.Fprintln(f.IO.ErrOut)
			return nil
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().StringVar(&group, "group", "", "remove from this beta `group` only")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
	return cmd
}

func inviteCmd(f *cli.Factory) *cobra.Command {
	var app string
	cmd := &cobra.Command{
		Use:     "invite <email>... --app <id | bundle-id>",
		Short:   "Send the TestFlight invitation again",
		Example: `  ascend testflight testers invite ada@example.com --app com.example.app`,
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needApp(app, "invite"); err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			n, missing, err := testflight.Invite(cmd.Context(), c, app, args)
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.ErrOut, "invited %s\n", cli.Plural(n, "tester"))
			if len(missing) > 0 {
				return fmt.Errorf("not testers of the app (add them first): %s", strings.Join(missing, ", "))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	return cmd
}

func importCmd(f *cli.Factory) *cobra.Command {
	var (
		app    string
		groups []string
	)
	cmd := &cobra.Command{
		Use:   "import <file.csv> --app <id | bundle-id> [--groups G1,G2]",
		Short: "Add the testers of a pilot CSV file (first name, last name, email, groups)",
		Long: `Add testers from a CSV file in fastlane pilot's layout: first name, last name, email and
groups (several separated by ";"), with or without a header row. Rows without groups go to
--groups. Every row and group is checked before anything is written; testers already in
their groups are left alone, so importing the same file again changes nothing.`,
		Example: `  ascend testflight testers import testers.csv --app com.example.app --groups "Public Beta"`,
		Args:    cli.ExactArgs(1, "ascend testflight testers import <file.csv> --app <id | bundle-id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needApp(app, "import"); err != nil {
				return err
			}
			in, err := os.Open(args[0])
			if err != nil {
				return fmt.Errorf("open the testers file: %w", err)
			}
			defer in.Close()
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := testflight.Import(cmd.Context(), c, app, in, groups)
			return buildflag.Added(f, res, err)
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().StringSliceVar(&groups, "groups", nil, "beta `groups` for rows that name none")
	return cmd
}

func exportCmd(f *cli.Factory) *cobra.Command {
	var app, group string
	cmd := &cobra.Command{
		Use:     "export <file.csv | -> --app <id | bundle-id> [--group NAME]",
		Short:   "Write the app's testers as a pilot CSV file",
		Example: `  ascend testflight testers export testers.csv --app com.example.app`,
		Args:    cli.ExactArgs(1, "ascend testflight testers export <file.csv | -> --app <id | bundle-id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needApp(app, "export"); err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			out := f.IO.Out
			var file *os.File
			if args[0] != "-" {
				file, err = os.CreateTemp(dirOf(args[0]), ".testers-*.csv")
				if err != nil {
					return fmt.Errorf("write %s: %w", args[0], err)
				}
				defer os.Remove(file.Name())
				out = file
			}
			n, err := testflight.Export(cmd.Context(), c, app, group, out)
			if file != nil {
				if cerr := file.Close(); err == nil {
					err = cerr
				}
				if err == nil {
					err = os.Rename(file.Name(), args[0])
				}
			}
			if err != nil {
				return err
			}
			if file != nil {
				fmt.Fprintf(f.IO.ErrOut, "wrote %s to %s\n", cli.Plural(n, "tester"), args[0])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().StringVar(&group, "group", "", "only the testers of this beta `group`")
	return cmd
}

func dirOf(path string) string {
	if i := strings.LastIndexAny(path, "/\\"); i >= 0 {
		return path[:i+1]
	}
	return "."
}
