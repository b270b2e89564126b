// Package distribute implements `ascend testflight distribute`.
package distribute

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/builds"
	"github.com/ascend-tools/ascend/workflow/testflight"
)

// Options are the command's flags and dependencies.
type Options struct {
	F          *cli.Factory
	Ref        buildflag.RefFlags
	Build      string
	Groups     []string
	WhatToTest string
	Dir        string
	Locale     string
	Notify     bool
	cli.WaitFlags
	Poll   time.Duration
	Review testflight.ReviewDetail
}

// NewCmd returns `ascend testflight distribute`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "distribute --build ID | --app A --version V --build-number N --groups G1,G2",
		Short: "Give a build to beta groups (What to Test, beta review for external groups)",
		Long: `Distribute a VALID build to beta groups: set What to Test (--what-to-test for one
locale, --what-to-test-dir for <locale>.txt or <locale>/what_to_test.txt files), the beta
app review contact details, add the build to the groups it is not in, and submit it to Beta
App Review when a group is external. Only what is missing is done: running it again changes
nothing. --notify has App Store Connect notify testers when the build becomes available;
--wait waits for Beta App Review's verdict (exit 8 when --timeout passes first).`,
		Example: `  ascend testflight distribute --app com.example.app --version 2.4.0 --build-number 512 --groups "Public Beta" --what-to-test "Try the new timer" --notify
  ascend testflight distribute --build 6f1c2a9e-... --groups QA,"Public Beta" --what-to-test-dir fastlane/what_to_test --wait --timeout 24h`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	opts.Ref.Add(cmd)
	fl := cmd.Flags()
	fl.StringVar(&opts.Build, "build", "", "the build's `id`")
	fl.StringSliceVar(&opts.Groups, "groups", nil, "the beta `groups` to give the build to")
	fl.StringVar(&opts.WhatToTest, "what-to-test", "", "what testers should test (for --locale)")
	fl.StringVar(&opts.Locale, "locale", "en-US", "the `locale` of --what-to-test")
	fl.StringVar(&opts.Dir, "what-to-test-dir", "", "a `folder` of <locale>.txt or <locale>/what_to_test.txt files")
	fl.BoolVar(&opts.Notify, "notify", false, "notify testers when the build becomes available to them")
	cli.AddWaitFlags(cmd, &opts.WaitFlags, false, 48*time.Hour, "Beta App Review's verdict")
	fl.DurationVar(&opts.Poll, "poll", 30*time.Second, "with --wait, the first `interval` between checks; each is half as long again, up to 10m")
	fl.StringVar(&opts.Review.ContactFirstName, "contact-first-name", "", "beta review contact's first `name`")
	fl.StringVar(&opts.Review.ContactLastName, "contact-last-name", "", "beta review contact's last `name`")
	fl.StringVar(&opts.Review.ContactEmail, "contact-email", "", "beta review contact's `email`")
	fl.StringVar(&opts.Review.ContactPhone, "contact-phone", "", "beta review contact's `phone`")
	fl.StringVar(&opts.Review.Notes, "review-notes", "", "notes for Beta App Review")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	ref, err := opts.Ref.Ref(nil)
	if opts.Build != "" {
		if opts.Ref.App != "" || opts.Ref.BuildNumber != "" {
			return cli.UsageErrorf("name the build by --build or by --app/--version/--build-number, not both")
		}
		ref, err = builds.Ref{ID: opts.Build}, nil
	}
	if err != nil {
		return err
	}
	if len(opts.Groups) == 0 {
		return cli.UsageErrorf("testflight distribute needs --groups")
	}
	if opts.WhatToTest != "" && opts.Dir != "" {
		return cli.UsageErrorf("use --what-to-test or --what-to-test-dir, not both")
	}
	wait, err := opts.Waiting()
	if err != nil {
		return err
	}
	if opts.Poll <= 0 {
		return cli.UsageErrorf("--poll must be positive, not %s", opts.Poll)
	}
	do := testflight.DistributeOptions{Build: ref, Groups: opts.Groups, Notify: opts.Notify, Wait: wait,
		WaitOptions: builds.WaitOptions{Timeout: opts.Timeout, PollInitial: opts.Poll}}
	switch {
	case opts.WhatToTest != "":
		do.WhatToTest = map[string]string{opts.Locale: opts.WhatToTest}
	case opts.Dir != "":
		m, err := testflight.ReadWhatToTest(opts.Dir)
		if err != nil {
			return err
		}
		do.WhatToTest = m
	}
	if opts.Review != (testflight.ReviewDetail{}) {
		do.Review = &opts.Review
	}
	do.Progress = func(s string) { fmt.Fprintln(f.IO.ErrOut, s) }
	c, err := f.Client(cmd.Context())
	if err != nil {
		return err
	}
	res, err := testflight.Distribute(cmd.Context(), c, do)
	var pending *testflight.PendingError
	if errors.As(err, &pending) {
		return cli.PendingErrorf("%v", err)
	}
	if err != nil {
		return err
	}
	if f.JSONRequested() {
		return f.WriteJSON(res)
	}
	if len(res.GroupsAdded) == 0 && len(res.WhatToTest) == 0 && len(res.ReviewDetail) == 0 && !res.Submitted && !res.NotifyChanged {
		fmt.Fprintln(f.IO.ErrOut, "already distributed as asked: nothing changed")
	}
	t := f.NewTable("BUILD", "GROUPS ADDED", "ALREADY IN", "BETA REVIEW")
	t.AddRow(res.BuildID, strings.Join(res.GroupsAdded, ","), strings.Join(res.GroupsAlready, ","), res.ReviewState)
	return t.Render()
}
