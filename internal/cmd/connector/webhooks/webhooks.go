// Package webhooks implements `ascend connector webhooks register|list|remove`: webhooks at
// Apple that point at the gateway, with secrets the gateway keeps to verify events.
package webhooks

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/dbflag"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/workflow/apps"
	"github.com/ascend-tools/ascend/workflow/webhooks"
)

// NewCmd returns `ascend connector webhooks`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks <command>",
		Short: "Register Apple webhooks that feed the gateway's triggers",
		Args:  cli.NoArgs,
	}
	cmd.AddCommand(newRegister(f), newList(f), newRemove(f))
	return cmd
}

func newRegister(f *cli.Factory) *cobra.Command {
	var db, app, publicURL, name string
	var events []string
	cmd := &cobra.Command{
		Use:   "register --app ID --public-url URL [--events TYPE,...]",
		Short: "Create a webhook at Apple that sends an app's events to the gateway",
		Long: `Create a webhook at Apple for one app, pointing at the gateway's receiving URL for the
profile (--profile, default "default"):
  PUBLIC_URL/connector/webhooks/apple/PROFILE
with a random secret that the gateway stores and verifies every event's X-Apple-SIGNATURE
with. When the app already has a webhook for that URL it gets the new secret instead of a
second webhook being made, so registering again is safe. Without --events every event
type is registered. Uses the usual credentials (or --sandbox).`,
		Example: `  ascend connector webhooks register --app 1234567890 --public-url https://asc-gw.example.com
  ascend connector webhooks register --app 1234567890 --events BUILD_UPLOAD_STATE_UPDATED --public-url https://asc-gw.example.com`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if app == "" || publicURL == "" {
				return cli.UsageErrorf("--app and --public-url are required")
			}
			u, err := url.Parse(publicURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return cli.UsageErrorf("--public-url %q must be the gateway's http(s) URL as Apple reaches it", publicURL)
			}
			all := webhooks.EventTypes()
			types := all
			if len(events) > 0 {
				types = nil
				for _, e := range events {
					t := connector.NormalizeEventType(strings.TrimSpace(e))
					if !slices.Contains(all, t) {
						return cli.UsageErrorf("--events: %q is not an event type; use one of %s", e, strings.Join(all, ", "))
					}
					types = append(types, t)
				}
			}
			profile := dbflag.ProfileName(f)
			target := strings.TrimSuffix(publicURL, "/") + "/connector/webhooks/apple/" + url.PathEscape(profile)
			var sec [32]byte
			rand.Read(sec[:])
			secret := hex.EncodeToString(sec[:])
			if name == "" {
				name = "ascend gateway " + profile
			}
			d, err := dbflag.Open(ctx, f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			client, err := f.Client(ctx)
			if err != nil {
				return err
			}
			found, _, err := apps.Resolve(ctx, client, app)
			if err != nil {
				return fmt.Errorf("register webhook: %w", err)
			}
			app = found.ID
			created, err := webhooks.Register(ctx, client, webhooks.Registration{App: app, URL: target, Name: name, Secret: secret, EventTypes: types})
			if err != nil {
				return fmt.Errorf("register webhook at Apple: %w", err)
			}
			if err := d.PutWebhook(ctx, store.Webhook{ID: created.ID, Profile: profile, AppID: app, URL: target, Secret: secret, EventTypes: types, CreatedAt: time.Now()}); err != nil {
				return fmt.Errorf("webhook %s is registered at Apple but its secret was not stored: %w; run this command again", created.ID, err)
			}
			if f.JSONRequested() {
				return f.WriteJSON(registered{ID: created.ID, Profile: profile, AppID: app, URL: target, EventTypes: types})
			}
			fmt.Fprintln(f.IO.Out, created.ID)
			if f.IO.ErrTTY {
				fmt.Fprintf(f.IO.ErrOut, "registered webhook %s for app %s: Apple sends %d event types to %s\n", created.ID, app, len(types), target)
			}
			return nil
		},
	}
	dbflag.Add(cmd, &db)
	cmd.Flags().StringVar(&app, "app", "", "the app's `id or bundle id`")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "the gateway's public `URL`, as Apple reaches it")
	cmd.Flags().StringSliceVar(&events, "events", nil, "event `types` to receive (default: all)")
	cmd.Flags().StringVar(&name, "name", "", "the webhook's name at Apple")
	return cmd
}

// registered is the --json answer of register.
type registered struct {
	ID         string   `json:"id"`
	Profile    string   `json:"profile"`
	AppID      string   `json:"appId"`
	URL        string   `json:"url"`
	EventTypes []string `json:"eventTypes"`
}

// hookJSON is a webhook as list shows it, without its secret.
type hookJSON struct {
	ID         string    `json:"id"`
	Profile    string    `json:"profile"`
	AppID      string    `json:"appId"`
	URL        string    `json:"url"`
	EventTypes []string  `json:"eventTypes"`
	CreatedAt  time.Time `json:"createdAt"`
}

func newList(f *cli.Factory) *cobra.Command {
	return dbflag.NewList(f, dbflag.List[store.Webhook, hookJSON]{
		Short: "List the webhooks the gateway verifies events for",
		What:  "webhooks",
		Read:  func(ctx context.Context, d *store.DB) ([]store.Webhook, error) { return d.Webhooks(ctx, "") },
		Show: func(h store.Webhook, _ time.Time) hookJSON {
			return hookJSON{h.ID, h.Profile, h.AppID, h.URL, h.EventTypes, h.CreatedAt}
		},
		Header: []string{"ID", "PROFILE", "APP", "EVENTS", "URL", "CREATED"},
		Row: func(h hookJSON) []string {
			return []string{h.ID, h.Profile, h.AppID, fmt.Sprint(len(h.EventTypes)), h.URL, f.FormatTime(h.CreatedAt)}
		},
	})
}

func newRemove(f *cli.Factory) *cobra.Command {
	return dbflag.NewRemove(f, dbflag.Remove{
		Use:   "remove ID",
		Short: "Delete a webhook at Apple and forget its secret",
		Long: `Delete a webhook at Apple and forget its secret: Apple sends it no more events.
Asks first on a terminal; in a pipe it needs --yes.`,
		Example: `  ascend connector webhooks remove 6b1d0a2e-... --yes`,
		Yes:     "delete without asking",
		Prepare: func(ctx context.Context, d *store.DB, id string) (string, func() error, error) {
			return fmt.Sprintf("delete webhook %s at Apple", id), func() error {
				client, err := f.Client(ctx)
				if err != nil {
					return err
				}
				if err := webhooks.Remove(ctx, client, id); err != nil {
					return fmt.Errorf("delete webhook %s at Apple: %w", id, err)
				}
				if err := d.DeleteWebhook(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("forget webhook %s: %w", id, err)
				}
				return nil
			}, nil
		},
		Done: "removed webhook %s",
	})
}
