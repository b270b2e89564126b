// Package webhooks registers App Store Connect webhooks (API 4.0): Apple POSTs an app's
// events to a URL, signed with a secret the receiver keeps.
//
// Register keeps one webhook per app and URL. When the app already has a webhook for the URL
// (an earlier registration, or a create whose answer was lost) it is updated to the new
// secret and event types instead of a second one being created, so a registration can be
// run again after any failure and converges.
package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/workflow/internal/readback"
)

// EventTypes are the event types Apple's webhooks can send, from the spec.
func EventTypes() []string {
	rt, ok := spec.ResourceBySchema("Webhook")
	if !ok || rt.Attributes["eventTypes"] == nil || rt.Attributes["eventTypes"].Items == nil {
		return nil
	}
	return slices.Clone(rt.Attributes["eventTypes"].Items.Enum)
}

// Registration is a webhook to have at Apple.
type Registration struct {
	App        string // the app's App Store Connect id
	URL        string // where Apple sends the events
	Name       string
	Secret     string // signs every event (X-Apple-SIGNATURE)
	EventTypes []string
}

// maxAttempts bounds how often the create is sent; each retry follows a read-back that
// found the previous attempt had not taken effect.
const maxAttempts = 3

// Register makes sure the app has exactly one webhook for reg.URL, enabled, with reg's
// name, secret and event types, and returns it.
func Register(ctx context.Context, c *asc.Client, reg Registration) (*asc.Webhook, error) {
	if reg.App == "" || reg.URL == "" || reg.Secret == "" || len(reg.EventTypes) == 0 {
		return nil, errors.New("a webhook needs an app, a URL, a secret and at least one event type")
	}
	types := make([]asc.WebhookEventType, len(reg.EventTypes))
	for i, t := range reg.EventTypes {
		types[i] = asc.WebhookEventType(t)
	}
	existing, err := find(ctx, c, reg)
	if err != nil {
		return nil, err
	}
	if existing != nil {
		return update(ctx, c, existing.ID, reg, types)
	}
	body := &asc.WebhookCreateRequest{Data: asc.WebhookCreateRequestData{
		Attributes:    asc.WebhookCreateRequestAttributes{Name: reg.Name, URL: reg.URL, Secret: reg.Secret, EventTypes: types, Enabled: true},
		Relationships: asc.WebhookCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", reg.App)}},
	}}
	for range maxAttempts {
		created, _, cerr := c.Webhooks.Create(ctx, body)
		if cerr == nil {
			if created.Data.ID == "" {
				return nil, errors.New("create webhook: the answer has no webhook id")
			}
			return &created.Data, nil
		}
		err = cerr
		if !readback.Needed(ctx, err) {
			break
		}
		// The create may have taken effect: read back before sending it again.
		found, ferr := find(ctx, c, reg)
		if ferr != nil {
			return nil, fmt.Errorf("create webhook: %w (and reading back failed: %v)", err, ferr)
		}
		if found != nil {
			// Apple does not show secrets, so make sure it has this one.
			return update(ctx, c, found.ID, reg, types)
		}
		if readback.Refused(err) {
			break
		}
	}
	return nil, fmt.Errorf("create webhook: %w", err)
}

func find(ctx context.Context, c *asc.Client, reg Registration) (*asc.Webhook, error) {
	for wh, err := range c.Apps.ListWebhooksIter(ctx, reg.App, &asc.AppsListWebhooksOptions{Limit: 200}) {
		if err != nil {
			return nil, fmt.Errorf("list the app's webhooks: %w", err)
		}
		if wh.Attributes != nil && wh.Attributes.URL == reg.URL {
			return &wh, nil
		}
	}
	return nil, nil
}

func update(ctx context.Context, c *asc.Client, id string, reg Registration, types []asc.WebhookEventType) (*asc.Webhook, error) {
	got, _, err := c.Webhooks.Update(ctx, id, &asc.WebhookUpdateRequest{Data: asc.WebhookUpdateRequestData{ID: id,
		Attributes: &asc.WebhookUpdateRequestAttributes{Name: asc.Ptr(reg.Name), Secret: asc.Ptr(reg.Secret), EventTypes: types, Enabled: asc.Ptr(true)}}})
	if err != nil {
		return nil, fmt.Errorf("update webhook %s: %w", id, err)
	}
	return &got.Data, nil
}

// Remove deletes a webhook at Apple; one that is already gone counts as removed.
func Remove(ctx context.Context, c *asc.Client, id string) error {
	if id == "" {
		return errors.New("a webhook id is required")
	}
	_, err := c.Webhooks.Delete(ctx, id)
	var er *asc.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
		return nil
	}
	return err
}
