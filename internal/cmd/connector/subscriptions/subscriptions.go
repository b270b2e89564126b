// Package subscriptions implements `ascend connector subscriptions list|remove`: the
// trigger subscribers flows registered, for operators to inspect and clean up.
package subscriptions

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/dbflag"
	"github.com/ascend-tools/ascend/store"
)

// NewCmd returns `ascend connector subscriptions`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subscriptions <command>",
		Short: "List and remove webhook trigger subscriptions",
		Args:  cli.NoArgs,
	}
	cmd.AddCommand(newList(f), newRemove(f))
	return cmd
}

// redactURL shows where a callback goes without its query, which holds the platform's
// signature (Power Automate callback URLs are bearer secrets).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.User = nil
	return u.String()
}

func newList(f *cli.Factory) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List subscriptions of all profiles (callback URLs without their query)",
		Aliases: []string{"ls"},
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := dbflag.OpenExisting(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			subs, err := d.Subscriptions(cmd.Context(), "")
			if err != nil {
				return fmt.Errorf("list subscriptions: %w", err)
			}
			type subJSON struct {
				ID          string    `json:"id"`
				Profile     string    `json:"profile"`
				Key         string    `json:"key"`
				CallbackURL string    `json:"callbackUrl"`
				EventTypes  []string  `json:"eventTypes"`
				Signed      bool      `json:"signed"`
				CreatedAt   time.Time `json:"createdAt"`
			}
			out := make([]subJSON, 0, len(subs))
			for _, s := range subs {
				types := s.EventTypes
				if types == nil {
					types = []string{}
				}
				out = append(out, subJSON{s.ID, s.Profile, s.KeyName, redactURL(s.CallbackURL), types, s.Secret != "", s.CreatedAt})
			}
			if f.JSONRequested() {
				return f.WriteJSON(out)
			}
			tb := f.NewTable("ID", "PROFILE", "KEY", "EVENTS", "CALLBACK", "CREATED")
			for _, s := range out {
				ev := "all"
				if len(s.EventTypes) > 0 {
					ev = strings.Join(s.EventTypes, ",")
				}
				tb.AddRow(s.ID, s.Profile, s.Key, ev, s.CallbackURL, f.FormatTime(s.CreatedAt))
			}
			return tb.Render()
		},
	}
	dbflag.Add(cmd, &db)
	return cmd
}

func newRemove(f *cli.Factory) *cobra.Command {
	var db string
	var yes bool
	cmd := &cobra.Command{
		Use:   "remove ID",
		Short: "Remove a subscription and drop its pending deliveries",
		Long: `Remove a webhook trigger subscription and drop its pending deliveries: the flow that
subscribed is not called again. Asks first on a terminal; in a pipe it needs --yes.`,
		Example: `  ascend connector subscriptions remove 3f2c... --yes`,
		Args:    cli.ExactArgs(1, "remove ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := dbflag.OpenExisting(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			subs, err := d.Subscriptions(cmd.Context(), "")
			if err != nil {
				return fmt.Errorf("find subscription: %w", err)
			}
			for _, s := range subs {
				if s.ID == args[0] {
					if err := f.ConfirmDestructive(yes, fmt.Sprintf("remove subscription %s (%s) and its pending deliveries", s.ID, s.Profile)); err != nil {
						return err
					}
					if err := d.DeleteSubscription(cmd.Context(), s.Profile, s.ID, time.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("remove subscription: %w", err)
					}
					if f.IO.ErrTTY {
						fmt.Fprintf(f.IO.ErrOut, "removed subscription %s\n", s.ID)
					}
					return nil
				}
			}
			return fmt.Errorf("no subscription %q: see 'ascend connector subscriptions list'", args[0])
		},
	}
	dbflag.Add(cmd, &db)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "remove without asking")
	return cmd
}
