package pilot

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/fastlane"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// testerOption keeps the options pilot's testers commands read: the app, the groups and the
// tester's.
func testerOption(o string) bool {
	return testerOptions[o] || o == "app_identifier" || o == "apple_id" || o == "groups"
}

// testerCommands are pilot's builds, list, find, add, remove, export and import, adapters
// over workflow/builds and workflow/testflight with the app, groups and tester from the
// Pilotfile, the Appfile, the PILOT_* variables and the flags.
func testerCommands(f *cli.Factory) []*cobra.Command {
	type spec struct {
		use, short, example string
		args                cobra.PositionalArgs
		run                 func(cmd *cobra.Command, p *fastlane.Pilot, app string, emails []string) error
	}
	var yes bool
	specs := []spec{
		{"builds", "List the app's builds, as fastlane pilot builds", "  ascend pilot builds --app com.example.daybreak", cli.NoArgs,
			func(cmd *cobra.Command, p *fastlane.Pilot, app string, _ []string) error {
				c, err := f.Client(cmd.Context())
				if err != nil {
					return err
				}
				list, err := builds.List(cmd.Context(), c, builds.Filter{App: app, Version: p.AppVersion, BuildNumber: p.BuildNumber, Limit: 50})
				if err != nil {
					return err
				}
				return buildflag.Table(f, list)
			}},
		{"list", "List the app's testers, as fastlane pilot list", "  ascend pilot list --app com.example.daybreak", cli.NoArgs,
			func(cmd *cobra.Command, p *fastlane.Pilot, app string, _ []string) error {
				list, err := testers(cmd, f, app)
				if err != nil {
					return err
				}
				return buildflag.Testers(f, list)
			}},
		{"find [email...]", "Show the app's testers of these emails, as fastlane pilot find", "  ascend pilot find alan.3@example.com --app com.example.quiethours", nil,
			func(cmd *cobra.Command, p *fastlane.Pilot, app string, emails []string) error {
				list, err := testers(cmd, f, app)
				if err != nil {
					return err
				}
				var found []testflight.Tester
				var missing []string
				for _, e := range emails {
					i := slices.IndexFunc(list, func(t testflight.Tester) bool { return strings.EqualFold(t.Email, e) })
					if i < 0 {
						missing = append(missing, e)
						continue
					}
					found = append(found, list[i])
				}
				if err := buildflag.Testers(f, found); err != nil {
					return err
				}
				if len(missing) > 0 {
					return fmt.Errorf("no tester of the app has the email %s", strings.Join(missing, ", "))
				}
				return nil
			}},
		{"add [email...]", "Add testers to the app's groups, as fastlane pilot add", `  ascend pilot add ada@example.com --first-name Ada --last-name Lovelace --app com.example.quiethours --groups "Public Beta"`, nil,
			func(cmd *cobra.Command, p *fastlane.Pilot, app string, emails []string) error {
				if len(p.Groups) == 0 {
					return cli.UsageErrorf("pilot add needs groups (--groups, groups in the Pilotfile, PILOT_GROUPS)")
				}
				var list []testflight.Tester
				for _, e := range emails {
					list = append(list, testflight.Tester{Email: e, FirstName: p.FirstName, LastName: p.LastName, Groups: p.Groups})
				}
				c, err := f.Client(cmd.Context())
				if err != nil {
					return err
				}
				res, err := testflight.AddTesters(cmd.Context(), c, app, list)
				return buildflag.Added(f, res, err)
			}},
		{"remove [email...]", "Remove testers from the app, or from the groups given, as fastlane pilot remove", "  ascend pilot remove ada@example.com --app com.example.quiethours --yes", nil,
			func(cmd *cobra.Command, p *fastlane.Pilot, app string, emails []string) error {
				groups := p.Groups
				where := "the app"
				if len(groups) > 0 {
					where = "group " + strings.Join(groups, ", ")
				} else {
					groups = []string{""} // "" is the app itself
				}
				if err := f.ConfirmDestructive(yes, fmt.Sprintf("remove %s from %s", cli.Plural(len(emails), "tester"), where)); err != nil {
					return err
				}
				c, err := f.Client(cmd.Context())
				if err != nil {
					return err
				}
				removed, missing := 0, map[string]bool{}
				for _, g := range groups {
					res, err := testflight.RemoveTesters(cmd.Context(), c, app, emails, g)
					if err != nil {
						return err
					}
					removed += res.Removed
					for _, e := range res.NotFound {
						missing[e] = true
					}
				}
				fmt.Fprintf(f.IO.ErrOut, "removed %s from %s\n", cli.Plural(removed, "tester"), where)
				if len(missing) > 0 && removed == 0 {
					return fmt.Errorf("no tester of %s has the email %s", where, strings.Join(slices.Sorted(maps.Keys(missing)), ", "))
				}
				return nil
			}},
		{"export", "Write the app's testers to testers_file_path (testers.csv), as fastlane pilot export", "  ascend pilot export --app com.example.quiethours --testers-file-path all-testers.csv", cli.NoArgs,
			func(cmd *cobra.Command, p *fastlane.Pilot, app string, _ []string) error {
				c, err := f.Client(cmd.Context())
				if err != nil {
					return err
				}
				out, err := os.Create(p.TestersFilePath)
				if err != nil {
					return fmt.Errorf("write the testers file: %w", err)
				}
				n, err := testflight.Export(cmd.Context(), c, app, "", out)
				if cerr := out.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(f.IO.ErrOut, "wrote %s to %s\n", cli.Plural(n, "tester"), p.TestersFilePath)
				return nil
			}},
		{"import", "Add the testers of testers_file_path (testers.csv), as fastlane pilot import", `  ascend pilot import --app com.example.quiethours --groups "Public Beta"`, cli.NoArgs,
			func(cmd *cobra.Command, p *fastlane.Pilot, app string, _ []string) error {
				in, err := os.Open(p.TestersFilePath)
				if err != nil {
					return fmt.Errorf("open the testers file: %w", err)
				}
				defer in.Close()
				c, err := f.Client(cmd.Context())
				if err != nil {
					return err
				}
				res, err := testflight.Import(cmd.Context(), c, app, in, p.Groups)
				return buildflag.Added(f, res, err)
			}},
	}
	var out []*cobra.Command
	for _, s := range specs {
		var r runner
		name, _, _ := strings.Cut(s.use, " ")
		cmd := &cobra.Command{Use: s.use, Short: s.short, Example: s.example, Args: s.args}
		takesEmails := strings.Contains(s.use, "[email...]")
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			p, err := r.project(f, cmd)
			if err != nil {
				return err
			}
			app, _ := p.App()
			if app == "" {
				return cli.UsageErrorf("pilot %s needs the app: --app, app_identifier or apple_id (Appfile, Pilotfile, PILOT_APP_IDENTIFIER)", name)
			}
			if takesEmails && len(args) == 0 && p.Email != "" {
				args = []string{p.Email} // pilot takes email when no address is given
			}
			if takesEmails && len(args) == 0 {
				return cli.UsageErrorf("pilot %s needs an email: give it as an argument, or email (--email, PILOT_TESTER_EMAIL)", name)
			}
			return s.run(cmd, p, app, args)
		}
		keep := testerOption
		if name == "builds" {
			keep = func(o string) bool {
				return o == "app_identifier" || o == "apple_id" || o == "app_version" || o == "build_number"
			}
		}
		r.add(cmd, keep)
		if name == "remove" {
			cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
		}
		out = append(out, cmd)
	}
	return out
}

func testers(cmd *cobra.Command, f *cli.Factory, app string) ([]testflight.Tester, error) {
	c, err := f.Client(cmd.Context())
	if err != nil {
		return nil, err
	}
	return testflight.Testers(cmd.Context(), c, app, "")
}
