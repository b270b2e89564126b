// Package webhooks implements `ascend connector webhooks register|list|remove`: webhooks at
// Apple that point at the gateway, with secrets the gateway keeps to verify events.
package webhooks

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/connector/dbflag"
	"github.com/ascend-tools/ascend/store"
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

// AllEvents are Apple's webhook event types (API 4.x).
var AllEvents = []string{
	"ALTERNATIVE_DISTRIBUTION_PACKAGE_AVAILABLE_UPDATED", "ALTERNATIVE_DISTRIBUTION_PACKAGE_VERSION_CREATED",
	"ALTERNATIVE_DISTRIBUTION_TERRITORY_AVAILABILITY_UPDATED", "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED",
	"BACKGROUND_ASSET_VERSION_APP_STORE_RELEASE_STATE_UPDATED", "BACKGROUND_ASSET_VERSION_EXTERNAL_BETA_RELEASE_STATE_UPDATED",
	"BACKGROUND_ASSET_VERSION_INTERNAL_BETA_RELEASE_CREATED", "BACKGROUND_ASSET_VERSION_STATE_UPDATED",
	"BETA_FEEDBACK_CRASH_SUBMISSION_CREATED", "BETA_FEEDBACK_SCREENSHOT_SUBMISSION_CREATED",
	"BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED", "BUILD_UPLOAD_STATE_UPDATED",
}

func newRegister(f *cli.Factory) *cobra.Command {
	var db, app, publicURL, name string
	var events []string
	cmd := &cobra.Command{
		Use:   "register --app ID --public-url URL [--events TYPE,...]",
		Short: "Create a webhook at Apple that sends an app's events to the gateway",
		Long: `Create a webhook at Apple (POST /v1/webhooks) for one app, pointing at the gateway's
receiving URL for the profile (--profile, default "default"):
  PUBLIC_URL/connector/webhooks/apple/PROFILE
with a random secret that the gateway stores and verifies every event's X-Apple-SIGNATURE
with. Without --events every event type is registered. Uses the usual credentials (or
--sandbox).`,
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
			types := AllEvents
			if len(events) > 0 {
				types = nil
				for _, e := range events {
					t := connector.NormalizeEventType(strings.TrimSpace(e))
					known := false
					for _, k := range AllEvents {
						known = known || k == t
					}
					if !known {
						return cli.UsageErrorf("--events: %q is not an event type; use one of %s", e, strings.Join(AllEvents, ", "))
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
			body := map[string]any{"data": map[string]any{
				"type": "webhooks",
				"attributes": map[string]any{
					"name": name, "url": target, "secret": secret, "eventTypes": types, "enabled": true,
				},
				"relationships": map[string]any{"app": map[string]any{"data": map[string]any{"type": "apps", "id": app}}},
			}}
			var created struct {
				Data struct {
					ID string `json:"id"`
				} `json:"data"`
			}
			if _, err := client.Do(ctx, http.MethodPost, "/v1/webhooks", nil, body, &created); err != nil {
				return fmt.Errorf("create webhook at Apple: %w", err)
			}
			if created.Data.ID == "" {
				return errors.New("create webhook at Apple: the answer has no webhook id; check 'ascend api /v1/apps/" + app + "/webhooks'")
			}
			if err := d.PutWebhook(ctx, store.Webhook{ID: created.Data.ID, Profile: profile, AppID: app, URL: target, Secret: secret, EventTypes: types, CreatedAt: time.Now()}); err != nil {
				return fmt.Errorf("webhook %s was created at Apple but not stored: %w; remove it with 'ascend api -X DELETE /v1/webhooks/%s' and register again", created.Data.ID, err, created.Data.ID)
			}
			if f.JSONRequested() {
				return f.WriteJSON(map[string]any{"id": created.Data.ID, "profile": profile, "appId": app, "url": target, "eventTypes": types})
			}
			fmt.Fprintln(f.IO.Out, created.Data.ID)
			if f.IO.ErrTTY {
				fmt.Fprintf(f.IO.ErrOut, "registered webhook %s for app %s: Apple sends %d event types to %s\n", created.Data.ID, app, len(types), target)
			}
			return nil
		},
	}
	dbflag.Add(cmd, &db)
	cmd.Flags().StringVar(&app, "app", "", "the App Store Connect `id` of the app")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "the gateway's public `URL`, as Apple reaches it")
	cmd.Flags().StringSliceVar(&events, "events", nil, "event `types` to receive (default: all)")
	cmd.Flags().StringVar(&name, "name", "", "the webhook's name at Apple")
	return cmd
}

func newList(f *cli.Factory) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the webhooks the gateway verifies events for",
		Aliases: []string{"ls"},
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := dbflag.OpenExisting(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			hooks, err := d.Webhooks(cmd.Context(), "")
			if err != nil {
				return fmt.Errorf("list webhooks: %w", err)
			}
			type hookJSON struct {
				ID         string    `json:"id"`
				Profile    string    `json:"profile"`
				AppID      string    `json:"appId"`
				URL        string    `json:"url"`
				EventTypes []string  `json:"eventTypes"`
				CreatedAt  time.Time `json:"createdAt"`
			}
			out := make([]hookJSON, 0, len(hooks))
			for _, h := range hooks {
				out = append(out, hookJSON{h.ID, h.Profile, h.AppID, h.URL, h.EventTypes, h.CreatedAt})
			}
			if f.JSONRequested() {
				return f.WriteJSON(out)
			}
			tb := f.NewTable("ID", "PROFILE", "APP", "EVENTS", "URL", "CREATED")
			for _, h := range out {
				tb.AddRow(h.ID, h.Profile, h.AppID, fmt.Sprint(len(h.EventTypes)), h.URL, f.FormatTime(h.CreatedAt))
			}
			return tb.Render()
		},
	}
	dbflag.Add(cmd, &db)
	return cmd
}

func newRemove(f *cli.Factory) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "remove ID",
		Short: "Delete a webhook at Apple and forget its secret",
		Args:  cli.ExactArgs(1, "remove ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			id := args[0]
			d, err := dbflag.OpenExisting(ctx, f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			client, err := f.Client(ctx)
			if err != nil {
				return err
			}
			if _, err := client.Do(ctx, http.MethodDelete, "/v1/webhooks/"+url.PathEscape(id), nil, nil, nil); err != nil {
				var er *asc.ErrorResponse
				if !errors.As(err, &er) || er.StatusCode != http.StatusNotFound {
					return fmt.Errorf("delete webhook %s at Apple: %w", id, err)
				}
			}
			if err := d.DeleteWebhook(ctx, id); err != nil && !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("forget webhook %s: %w", id, err)
			}
			if f.IO.ErrTTY {
				fmt.Fprintf(f.IO.ErrOut, "removed webhook %s\n", id)
			}
			return nil
		},
	}
	dbflag.Add(cmd, &db)
	return cmd
}
