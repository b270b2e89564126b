// Package subscriptions implements `ascend connector subscriptions list|remove`: the
// trigger subscribers flows registered, for operators to inspect and clean up.
package subscriptions

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
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

// subJSON is a subscription as list shows it.
type subJSON struct {
	ID          string    `json:"id"`
	Profile     string    `json:"profile"`
	Key         string    `json:"key"`
	CallbackURL string    `json:"callbackUrl"`
	EventTypes  []string  `json:"eventTypes"`
	Signed      bool      `json:"signed"`
	CreatedAt   time.Time `json:"createdAt"`
}

func newList(f *cli.Factory) *cobra.Command {
	return dbflag.NewList(f, dbflag.List[store.Subscription, subJSON]{
		Short: "List subscriptions of all profiles (callback URLs without their query)",
		What:  "subscriptions",
		Read:  func(ctx context.Context, d *store.DB) ([]store.Subscription, error) { return d.Subscriptions(ctx, "") },
		Show: func(s store.Subscription, _ time.Time) subJSON {
			types := s.EventTypes
			if types == nil {
				types = []string{}
			}
			return subJSON{s.ID, s.Profile, s.KeyName, redactURL(s.CallbackURL), types, s.Secret != "", s.CreatedAt}
		},
		Header: []string{"ID", "PROFILE", "KEY", "EVENTS", "CALLBACK", "CREATED"},
		Row: func(s subJSON) []string {
			ev := "all"
			if len(s.EventTypes) > 0 {
				ev = strings.Join(s.EventTypes, ",")
			}
			return []string{s.ID, s.Profile, s.Key, ev, s.CallbackURL, f.FormatTime(s.CreatedAt)}
		},
	})
}

func newRemove(f *cli.Factory) *cobra.Command {
	return dbflag.NewRemove(f, dbflag.Remove{
		Use:   "remove ID",
		Short: "Remove a subscription and drop its pending deliveries",
		Long: `Remove a webhook trigger subscription and drop its pending deliveries: the flow that
subscribed is not called again. Asks first on a terminal; in a pipe it needs --yes.`,
		Example: `  ascend connector subscriptions remove 3f2c... --yes`,
		Yes:     "remove without asking",
		Prepare: func(ctx context.Context, d *store.DB, id string) (string, func() error, error) {
			subs, err := d.Subscriptions(ctx, "")
			if err != nil {
				return "", nil, fmt.Errorf("find subscription: %w", err)
			}
			i := slices.IndexFunc(subs, func(s store.Subscription) bool { return s.ID == id })
			if i < 0 {
				return "", nil, fmt.Errorf("no subscription %q: see 'ascend connector subscriptions list'", id)
			}
			s := subs[i]
			return fmt.Sprintf("remove subscription %s (%s) and its pending deliveries", s.ID, s.Profile), func() error {
				if err := d.DeleteSubscription(ctx, s.Profile, s.ID, time.Now()); err != nil && !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("remove subscription: %w", err)
				}
				return nil
			}, nil
		},
		Done: "removed subscription %s",
	})
}
