// Package submit implements `ascend submit`, a thin adapter over workflow/review.
package submit

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/workflow/review"
)

// NewCmd returns `ascend submit`.
func NewCmd(f *cli.Factory) *cobra.Command {
	var (
		app, platform, version, build string
		cancel, resubmit              bool
		waitFlags                     cli.WaitFlags
	)
	cmd := &cobra.Command{
		Use:   "submit --app A [--version V] [--build N] [--resubmit] [--wait | --no-wait] [--timeout D] [--cancel]",
		Short: "Submit an App Store version to App Review (after checking it is ready), or cancel the open submission",
		Example: `  ascend submit --app com.example.app --build 512 --wait --timeout 48h
  ascend submit --app com.example.app --cancel`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if app == "" {
				return cli.UsageErrorf("--app is required")
			}
			p := strings.ToUpper(platform)
			if p != "" && !apple.IsPlatform(p) {
				return cli.UsageErrorf("--platform %s is not one of %s", platform, strings.Join(apple.Platforms(), ", "))
			}
			wait, err := waitFlags.Waiting()
			if err != nil {
				return err
			}
			c, err := f.Client(cmd.Context())
			if err != nil {
				return err
			}
			if cancel {
				res, err := review.Cancel(cmd.Context(), c, app, asc.Platform(p))
				if err != nil {
					return err
				}
				if f.JSONRequested() {
					return f.WriteJSON(res)
				}
				switch {
				case res.SubmissionID == "":
					fmt.Fprintln(f.IO.Out, "no open review submission")
				default:
					fmt.Fprintf(f.IO.Out, "review submission %s: %s\n", res.SubmissionID, res.State)
				}
				return nil
			}
			res, err := review.Send(cmd.Context(), c, review.SendRequest{App: app, Platform: asc.Platform(p), Version: version, Build: build,
				Resubmit: resubmit, Wait: wait, WaitOptions: review.WaitOptions{Timeout: waitFlags.Timeout, Progress: func(s asc.ReviewSubmissionState) {
					fmt.Fprintf(f.IO.ErrOut, "waiting for App Review: %s\n", s)
				}}})
			var pe *review.PendingError
			if errors.As(err, &pe) {
				return cli.PendingErrorf("%v", pe)
			}
			if err != nil {
				return err
			}
			if f.JSONRequested() {
				return f.WriteJSON(res)
			}
			sub := res.Result.Submission
			if res.AlreadyReviewed {
				when := ""
				if sub.Attributes != nil && sub.Attributes.SubmittedDate != nil {
					when = ", submitted " + sub.Attributes.SubmittedDate.UTC().Format(time.RFC3339)
				}
				fmt.Fprintf(f.IO.Out, "version %s (%s) was already reviewed: APPROVED (review submission %s %s%s); it is %s; nothing sent\n",
					res.Version.Version, res.Version.Platform, sub.ID, res.Outcome.State, when, res.Version.State)
				return nil
			}
			state := ""
			if sub.Attributes != nil {
				state = string(sub.Attributes.State)
			}
			if res.Outcome != nil {
				state = string(res.Outcome.State)
			}
			fmt.Fprintf(f.IO.Out, "version %s (%s): review submission %s %s\n", res.Version.Version, res.Version.Platform, sub.ID, state)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&app, "app", "", "the app's `id or bundle id`")
	fl.StringVar(&platform, "platform", "", strings.Join(apple.Platforms(), ", "))
	fl.StringVar(&version, "version", "", "the version string (default: the version being prepared)")
	fl.StringVar(&build, "build", "", "attach the build with this `number` first")
	cli.AddWaitFlags(cmd, &waitFlags, false, 48*time.Hour, "App Review's outcome")
	fl.BoolVar(&resubmit, "resubmit", false, "send a version App Review rejected again, once fixed (without it, and without another --build, the rejection is shown, nothing sent)")
	fl.BoolVar(&cancel, "cancel", false, "cancel the app's open review submission instead")
	return cmd
}
