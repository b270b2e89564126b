// Package versions implements `ascend versions list|get|create|update`, thin adapters over
// workflow/versions.
package versions

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/versions"
)

// NewCmd returns `ascend versions`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "versions <command>",
		Short: "List, create and change App Store versions: release type, copyright, build",
	}
	cmd.AddCommand(listCmd(f), getCmd(f), changeCmd(f, true), changeCmd(f, false), ageRatingCmd(f), attachmentsCmd(f))
	return cmd
}

type queryFlags struct{ app, platform, version string }

func (q *queryFlags) add(cmd *cobra.Command, withVersion bool) {
	fl := cmd.Flags()
	fl.StringVar(&q.app, "app", "", "the app's `id or bundle id`")
	fl.StringVar(&q.platform, "platform", "", strings.Join(apple.Platforms(), ", ")+" (for create: default IOS)")
	if withVersion {
		fl.StringVar(&q.version, "version", "", "the version string (default: the version being prepared)")
	}
}

func (q *queryFlags) query() (versions.Query, error) {
	if q.app == "" {
		return versions.Query{}, cli.UsageErrorf("--app is required")
	}
	p := strings.ToUpper(q.platform)
	if p != "" && !apple.IsPlatform(p) {
		return versions.Query{}, cli.UsageErrorf("--platform %s is not one of %s", q.platform, strings.Join(apple.Platforms(), ", "))
	}
	return versions.Query{App: q.app, Platform: asc.Platform(p), Version: q.version}, nil
}

// client checks the flags, then makes the client.
func (q *queryFlags) client(cmd *cobra.Command, f *cli.Factory) (versions.Query, *asc.Client, error) {
	query, err := q.query()
	if err != nil {
		return query, nil, err
	}
	c, err := f.Client(cmd.Context())
	return query, c, err
}

func listCmd(f *cli.Factory) *cobra.Command {
	var q queryFlags
	cmd := &cobra.Command{
		Use:     "list --app A [--platform P]",
		Short:   "List an app's App Store versions, newest first",
		Example: "  ascend versions list --app com.example.app --platform IOS",
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			query, c, err := q.client(cmd, f)
			if err != nil {
				return err
			}
			vs, err := versions.List(cmd.Context(), c, query)
			if err != nil {
				return err
			}
			return table(f, vs)
		},
	}
	q.add(cmd, false)
	return cmd
}

func getCmd(f *cli.Factory) *cobra.Command {
	var q queryFlags
	cmd := &cobra.Command{
		Use:     "get --app A [--version V] [--platform P]",
		Short:   "Show one App Store version (default: the one being prepared)",
		Example: "  ascend versions get --app com.example.app --version 2.4.0",
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			query, c, err := q.client(cmd, f)
			if err != nil {
				return err
			}
			v, err := versions.Get(cmd.Context(), c, query)
			if err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(v)
			}
			return table(f, []versions.Version{*v})
		},
	}
	q.add(cmd, true)
	return cmd
}

// changeCmd is create (create true) or update: the same flags, create needing --version.
func changeCmd(f *cli.Factory, create bool) *cobra.Command {
	var (
		q                                    queryFlags
		newVersion, release, date, copyright string
		build                                string
		latest, dryRun                       bool
	)
	cmd := &cobra.Command{Args: cli.NoArgs}
	if create {
		cmd.Use = "create --app A --version V [--platform P] [flags]"
		cmd.Short = "Create an App Store version (or bring the existing one to these settings)"
		cmd.Example = `  ascend versions create --app com.example.app --version 2.5.0 --release manual --build-latest
  ascend versions create --app com.example.app --version 2.5.0 --release-date 2026-12-24T09:00:00Z`
	} else {
		cmd.Use = "update --app A [--version V] [--platform P] [flags]"
		cmd.Short = "Change an App Store version: release type, date, copyright, build"
		cmd.Example = `  ascend versions update --app com.example.app --build 512
  ascend versions update --app com.example.app --release after-approval --copyright "2026 Example Inc."`
	}
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		query, err := q.query()
		if err != nil {
			return err
		}
		if create && query.Version == "" {
			return cli.UsageErrorf("versions create needs --version")
		}
		ch := versions.Change{Query: query, Build: build, AttachNewest: latest, DryRun: dryRun}
		if build != "" && latest {
			return cli.UsageErrorf("--build and --build-latest exclude each other")
		}
		fl := cmd.Flags()
		if fl.Changed("new-version") {
			ch.NewVersion = &newVersion
		}
		if fl.Changed("copyright") {
			ch.Copyright = &copyright
		}
		if release != "" {
			rt, err := versions.ParseReleaseType(release)
			if err != nil {
				return cli.UsageErrorf("--release: %v", err)
			}
			ch.ReleaseType = &rt
		}
		if date != "" {
			t, err := time.Parse(time.RFC3339, date)
			if err != nil {
				return cli.UsageErrorf("--release-date %q is not a date like 2026-12-24T09:00:00Z", date)
			}
			ch.EarliestRelease = &t
		} else if ch.ReleaseType != nil && *ch.ReleaseType == asc.AppStoreVersionReleaseTypeScheduled {
			return cli.UsageErrorf("--release scheduled needs --release-date")
		}
		c, err := f.Client(cmd.Context())
		if err != nil {
			return err
		}
		run := versions.Update
		if create {
			run = versions.Create
		}
		res, err := run(cmd.Context(), c, ch)
		if err != nil {
			return err
		}
		if f.JSONRequested() {
			return f.WriteJSON(res)
		}
		what := "unchanged"
		switch {
		case res.DryRun && res.Created:
			what = "would create"
		case res.DryRun && len(res.Changed) > 0:
			what = "would change " + strings.Join(res.Changed, ", ")
		case res.Created:
			what = "created"
		case len(res.Changed) > 0:
			what = "changed " + strings.Join(res.Changed, ", ")
		}
		fmt.Fprintf(f.IO.ErrOut, "version %s (%s): %s\n", res.Version.Version, res.Version.Platform, what)
		return table(f, []versions.Version{res.Version})
	}
	q.add(cmd, true)
	fl := cmd.Flags()
	if !create {
		fl.StringVar(&newVersion, "new-version", "", "rename the version to this version string")
	}
	fl.StringVar(&release, "release", "", "how the approved version is released: "+strings.Join(versions.ReleaseTypeNames(), ", "))
	fl.StringVar(&date, "release-date", "", "the earliest release `date` (RFC 3339) of a scheduled release")
	fl.StringVar(&copyright, "copyright", "", "the copyright line")
	fl.StringVar(&build, "build", "", "attach the build with this `number` (CFBundleVersion)")
	fl.BoolVar(&latest, "build-latest", false, "attach the newest processed build of the version")
	fl.BoolVar(&dryRun, "dry-run", false, "show what would change, change nothing")
	return cmd
}

func table(f *cli.Factory, vs []versions.Version) error {
	if f.JSONRequested() {
		return f.WriteJSON(vs)
	}
	t := f.NewTable("ID", "VERSION", "PLATFORM", "STATE", "PHASE", "RELEASE", "BUILD", "COPYRIGHT")
	for _, v := range vs {
		rel := v.ReleaseType
		if v.EarliestReleaseDate != nil {
			rel += " " + f.FormatTime(*v.EarliestReleaseDate)
		}
		t.AddRow(v.ID, v.Version, v.Platform, v.State, v.Phase, rel, v.BuildNumber, v.Copyright)
	}
	return t.Render()
}
