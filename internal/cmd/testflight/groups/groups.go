// Package groups implements `ascend testflight groups list|create|delete`.
package groups

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// NewCmd returns `ascend testflight groups`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{Use: "groups <command>", Short: "List, create and delete beta groups"}
	cmd.AddCommand(listCmd(f), createCmd(f), deleteCmd(f))
	return cmd
}

func listCmd(f *cli.Factory) *cobra.Command {
	var app string
	cmd := &cobra.Command{
		Use:     "list --app <id | bundle-id>",
		Short:   "List an app's beta groups",
		Example: `  ascend testflight groups list --app com.example.app`,
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if app == "" {
				return cli.UsageErrorf("testflight groups list needs --app")
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			list, err := testflight.Groups(cmd.Context(), c, app)
			if err != nil {
				return err
			}
			return render(f, list)
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	return cmd
}

func render(f *cli.Factory, list []testflight.Group) error {
	if f.JSONRequested() {
		if list == nil {
			list = []testflight.Group{}
		}
		return f.WriteJSON(list)
	}
	t := f.NewTable("ID", "NAME", "KIND", "PUBLIC LINK", "LIMIT")
	for _, g := range list {
		kind := "external"
		if g.Internal() {
			kind = "internal"
		}
		on, link, limit := g.PublicLink()
		lim := ""
		if limit > 0 {
			lim = strconv.Itoa(limit)
		}
		if on && link == "" {
			link = "on"
		}
		t.AddRow(g.ID, g.Name(), kind, link, lim)
	}
	return t.Render()
}

func createCmd(f *cli.Factory) *cobra.Command {
	var (
		app      string
		spec     testflight.GroupSpec
		feedback string
	)
	cmd := &cobra.Command{
		Use:   "create <name> --app <id | bundle-id> [--internal] [--public-link [--public-link-limit N]]",
		Short: "Create a beta group (or bring an existing one's public link in line)",
		Example: `  ascend testflight groups create "Public Beta" --app com.example.app --public-link --public-link-limit 500
  ascend testflight groups create QA --app com.example.app --internal`,
		Args: cli.ExactArgs(1, "ascend testflight groups create <name> --app <id | bundle-id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec.Name = args[0]
			if app == "" {
				return cli.UsageErrorf("testflight groups create needs --app")
			}
			switch feedback {
			case "":
			case "on", "off":
				v := feedback == "on"
				spec.Feedback = &v
			default:
				return cli.UsageErrorf("--feedback is on or off, not %q", feedback)
			}
			if spec.PublicLinkLimit < 0 || (spec.PublicLinkLimit > 0 && !spec.PublicLink) {
				return cli.UsageErrorf("--public-link-limit needs --public-link and a positive number")
			}
			if spec.Internal && spec.PublicLink {
				return cli.UsageErrorf("an internal group has no public link")
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			res, err := testflight.CreateGroup(cmd.Context(), c, app, spec)
			if err != nil {
				return err
			}
			switch {
			case res.Created:
				fmt.Fprintf(f.IO.ErrOut, "created beta group %q\n", spec.Name)
			case len(res.Changed) > 0:
				fmt.Fprintf(f.IO.ErrOut, "beta group %q exists; changed %v\n", spec.Name, res.Changed)
			default:
				fmt.Fprintf(f.IO.ErrOut, "beta group %q exists as asked\n", spec.Name)
			}
			return render(f, []testflight.Group{res.Group})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&app, "app", "", "the app's `id or bundle id`")
	fl.BoolVar(&spec.Internal, "internal", false, "an internal group (App Store Connect users; every build)")
	fl.BoolVar(&spec.PublicLink, "public-link", false, "turn on the group's public TestFlight link")
	fl.IntVar(&spec.PublicLinkLimit, "public-link-limit", 0, "at most `n` testers join through the link")
	fl.StringVar(&feedback, "feedback", "", "tester feedback `on` or off")
	return cmd
}

func deleteCmd(f *cli.Factory) *cobra.Command {
	var (
		app string
		yes bool
	)
	cmd := &cobra.Command{
		Use:     "delete <name> --app <id | bundle-id>",
		Short:   "Delete a beta group (its testers stay testers of the app)",
		Example: `  ascend testflight groups delete QA --app com.example.app --yes`,
		Args:    cli.ExactArgs(1, "ascend testflight groups delete <name> --app <id | bundle-id>"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if app == "" {
				return cli.UsageErrorf("testflight groups delete needs --app")
			}
			if err := f.ConfirmDestructive(yes, fmt.Sprintf("delete beta group %q", args[0])); err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			ok, err := testflight.DeleteGroup(cmd.Context(), c, app, args[0])
			if err != nil {
				return err
			}
			if ok {
				fmt.Fprintf(f.IO.ErrOut, "deleted beta group %q\n", args[0])
			} else {
				fmt.Fprintf(f.IO.ErrOut, "no beta group %q: nothing to delete\n", args[0])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "delete without asking")
	return cmd
}
