package connector_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// TestSandboxWebhooksReachSubscribers registers a webhook at the sandbox pointing at the
// gateway (as `ascend connector webhooks register` does), then lets the sandbox sign and send
// a ping and a version-state event, produced by submitting a version for review through the
// curated action, and checks that both reach the subscribers that asked for them.
func TestSandboxWebhooksReachSubscribers(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend, nil)
			var apps struct {
				Value []map[string]any `json:"value"`
			}
			a := e.do(t, "GET", "/connector/v1/apps?bundleId=com.example.daybreak", e.readKey, nil)
			if json.Unmarshal(a.body, &apps); a.status != 200 || len(apps.Value) != 1 {
				t.Fatalf("find app: %d %s", a.status, a.body)
			}
			appID := apps.Value[0]["id"].(string)
			var versions struct {
				Value []map[string]any `json:"value"`
			}
			v := e.do(t, "GET", "/connector/v1/apps/"+appID+"/versions?platform=IOS&state=PREPARE_FOR_SUBMISSION", e.readKey, nil)
			if json.Unmarshal(v.body, &versions); v.status != 200 || len(versions.Value) == 0 {
				t.Fatalf("versions: %d %s", v.status, v.body)
			}
			versionID := versions.Value[0]["id"].(string)

			// Register the webhook at the "Apple" side through the gateway, and keep its secret.
			const secret = "sandbox-webhook-secret"
			hook := e.do(t, "POST", "/v1/webhooks", e.writeKey, map[string]any{"data": map[string]any{
				"type": "webhooks",
				"attributes": map[string]any{"name": "gw", "url": e.srv.URL + "/connector/webhooks/apple/default", "secret": secret,
					"eventTypes": []string{"APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"}, "enabled": true},
				"relationships": map[string]any{"app": map[string]any{"data": map[string]any{"type": "apps", "id": appID}}},
			}})
			if hook.status != 201 {
				t.Fatalf("create webhook: %d %s", hook.status, hook.body)
			}
			hookID := hook.json(t)["data"].(map[string]any)["id"].(string)
			if err := e.db.PutWebhook(t.Context(), store.Webhook{ID: hookID, Profile: "default", AppID: appID, URL: e.srv.URL, Secret: secret, CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}

			all := newSubscriber(t)
			states := newSubscriber(t)
			e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": all.srv.URL})
			e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": states.srv.URL, "eventTypes": "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"})

			ping := e.do(t, "POST", "/v1/webhookPings", e.writeKey, map[string]any{"data": map[string]any{
				"type": "webhookPings", "relationships": map[string]any{"webhook": map[string]any{"data": map[string]any{"type": "webhooks", "id": hookID}}},
			}})
			if ping.status != 201 {
				t.Fatalf("ping: %d %s", ping.status, ping.body)
			}
			waitFor(t, "the ping", func() bool { return len(all.received()) == 1 })
			if n := all.received()[0]; !n.Ping || n.EventType != "WEBHOOK_PING_CREATED" {
				t.Errorf("ping notification: %+v", n)
			}

			sub := e.do(t, "POST", "/connector/v1/reviewSubmissions", e.writeKey, map[string]any{"appId": appID, "appStoreVersionId": versionID, "platform": "IOS"})
			if sub.status != 201 {
				t.Fatalf("submit for review: %d %s", sub.status, sub.body)
			}
			if s := sub.json(t); s["type"] != "reviewSubmissions" || s["submitted"] == false {
				t.Errorf("submission: %v", s)
			}
			waitFor(t, "the version state event", func() bool { return len(states.received()) >= 1 })
			n := states.received()[0]
			if n.EventType != "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED" || n.Ping {
				t.Errorf("state notification: %+v", n)
			}
			var payload struct {
				Data struct {
					Attributes map[string]any `json:"attributes"`
				} `json:"data"`
			}
			json.Unmarshal(n.Payload, &payload)
			if payload.Data.Attributes["newValue"] == nil {
				t.Errorf("payload lacks the new state: %s", n.Payload)
			}
			waitFor(t, "the unfiltered subscriber", func() bool { return len(all.received()) >= 2 })
			for _, n := range states.received() {
				if n.Ping {
					t.Errorf("the filtered subscriber got a ping")
				}
			}
			// The writes through the gateway were audited: webhook, ping, submission.
			entries, _ := e.db.Audit(t.Context(), time.Time{}, 0)
			if len(entries) < 3 {
				t.Errorf("audit has %d entries, want at least 3", len(entries))
			}
		})
	}
}
