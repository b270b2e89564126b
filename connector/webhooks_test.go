package connector_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// subscriber records the notifications it receives and answers with the next scripted
// status (200 once the script is used up).
type subscriber struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []connector.Notification
	script []int
	secret string // when set, notifications must carry its signature
}

func newSubscriber(t *testing.T, script ...int) *subscriber {
	s := &subscriber{script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n connector.Notification
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		secret := s.secret
		s.mu.Unlock()
		if secret != "" && r.Header.Get(connector.DeliverySignatureHeader) != connector.Sign(secret, b) {
			t.Errorf("notification not signed with the subscription's secret")
		}
		if err := json.Unmarshal(b, &n); err != nil {
			t.Errorf("subscriber got a non-JSON notification: %s", b)
		}
		if r.Header.Get("X-Ascend-Event-Id") != n.ID {
			t.Errorf("X-Ascend-Event-Id %q differs from the body's id %q", r.Header.Get("X-Ascend-Event-Id"), n.ID)
		}
		s.mu.Lock()
		status := 200
		if len(s.script) > 0 {
			status, s.script = s.script[0], s.script[1:]
		}
		if status == 200 {
			s.got = append(s.got, n)
		}
		s.mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *subscriber) received() []connector.Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]connector.Notification(nil), s.got...)
}

// waitFor polls cond every 10 ms, at most 3,000 times.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for range 3000 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// postEvent sends an event as Apple would, signed with secret ("" for no signature).
func (e *env) postEvent(t *testing.T, profile, secret, body string) answer {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", e.srv.URL+"/connector/webhooks/apple/"+profile, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Apple-SIGNATURE", connector.Sign(secret, []byte(body)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}
}

const (
	pingEvent  = `{"data":{"type":"webhookPingCreated","id":"ping-1","version":1,"attributes":{"timestamp":"2026-11-26T03:00:00Z"}}}`
	buildEvent = `{"data":{"type":"buildUploadStateUpdated","id":"evt-42","version":1,"attributes":{"oldState":"PROCESSING","newState":"COMPLETE"}}}`
)

func TestWebhookTriggers(t *testing.T) {
	t.Parallel()
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, backend, nil)
			const secret = "s3cret-for-tests"
			if err := e.db.PutWebhook(t.Context(), store.Webhook{ID: "wh-1", Profile: "default", AppID: "1", URL: e.srv.URL, Secret: secret, CreatedAt: time.Now()}); err != nil {
				t.Fatal(err)
			}
			all := newSubscriber(t)
			builds := newSubscriber(t)
			a := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": all.srv.URL + "/hook?sig=abc"})
			if a.status != 201 || !strings.HasPrefix(a.header.Get("Location"), e.srv.URL+"/connector/subscriptions/") {
				t.Fatalf("subscribe: %d Location %q %s", a.status, a.header.Get("Location"), a.body)
			}
			const buildsSecret = "builds-subscriber-secret"
			builds.mu.Lock()
			builds.secret = buildsSecret
			builds.mu.Unlock()
			b := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": builds.srv.URL, "eventTypes": []string{"BUILD_UPLOAD_STATE_UPDATED"}, "secret": buildsSecret})
			if b.status != 201 {
				t.Fatalf("subscribe with types: %d %s", b.status, b.body)
			}
			if bad := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": "ftp://x"}); bad.status != 400 {
				t.Errorf("bad callbackUrl: %d", bad.status)
			}
			if bad := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": all.srv.URL, "secret": "short"}); bad.status != 400 {
				t.Errorf("short secret: %d", bad.status)
			}
			if bad := e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": all.srv.URL, "eventTypes": []string{"no such!"}}); bad.status != 400 {
				t.Errorf("bad event type: %d", bad.status)
			}

			for _, tc := range []struct {
				name, profile, secret, body string
				want                        int
			}{
				{"unsigned", "default", "", pingEvent, 401},
				{"wrong secret", "default", "not-the-secret", pingEvent, 401},
				{"unknown profile", "nobody", secret, pingEvent, 401}, // answered as a bad signature: the endpoint does not tell which profiles exist
				{"ping", "default", secret, pingEvent, 200},
				{"build", "default", secret, buildEvent, 200},
				{"build again (Apple retrying)", "default", secret, buildEvent, 200},
			} {
				if got := e.postEvent(t, tc.profile, tc.secret, tc.body); got.status != tc.want {
					t.Errorf("%s: %d, want %d: %s", tc.name, got.status, tc.want, got.body)
				}
			}
			waitFor(t, "deliveries", func() bool { return len(all.received()) >= 2 && len(builds.received()) >= 1 })
			time.Sleep(100 * time.Millisecond) // room for a wrongful duplicate to show up
			gotAll, gotBuilds := all.received(), builds.received()
			if len(gotAll) != 2 || gotAll[0].EventType == gotAll[1].EventType {
				t.Errorf("unfiltered subscriber got %+v, want the ping and the build event once each", gotAll)
			}
			if len(gotBuilds) != 1 || gotBuilds[0].EventType != "BUILD_UPLOAD_STATE_UPDATED" || gotBuilds[0].ID != "default/evt-42" || gotBuilds[0].Ping {
				t.Errorf("filtered subscriber got %+v", gotBuilds)
			}
			var payload map[string]any
			if json.Unmarshal(gotBuilds[0].Payload, &payload) != nil || payload["data"] == nil {
				t.Errorf("payload is not Apple's event: %s", gotBuilds[0].Payload)
			}
			for _, n := range gotAll {
				if n.EventType == "WEBHOOK_PING_CREATED" && !n.Ping {
					t.Errorf("ping not marked: %+v", n)
				}
			}

			// Unsubscribing stops deliveries.
			if d := e.do(t, "DELETE", a.header.Get("Location"), e.readKey, nil); d.status != 204 {
				t.Fatalf("unsubscribe: %d %s", d.status, d.body)
			}
			if d := e.do(t, "DELETE", a.header.Get("Location"), e.readKey, nil); d.status != 404 {
				t.Errorf("unsubscribe twice: %d", d.status)
			}
			e.postEvent(t, "default", secret, `{"data":{"type":"buildUploadStateUpdated","id":"evt-43"}}`)
			waitFor(t, "the second build event", func() bool { return len(builds.received()) == 2 })
			if n := len(all.received()); n != 2 {
				t.Errorf("deleted subscriber still got events: %d", n)
			}
		})
	}
}

// TestDeliveryRetriesAndGone: failures are retried with backoff until a 2xx; a 410 removes
// the subscription.
func TestDeliveryRetriesAndGone(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	const secret = "another-secret"
	e.db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: secret, CreatedAt: time.Now()})
	flaky := newSubscriber(t, 503, 500)
	gone := newSubscriber(t, 410)
	e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": flaky.srv.URL})
	e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": gone.srv.URL})
	if a := e.postEvent(t, "default", secret, pingEvent); a.status != 200 {
		t.Fatalf("event: %d %s", a.status, a.body)
	}
	waitFor(t, "the retried delivery", func() bool { return len(flaky.received()) == 1 })
	var states []store.DeliveryState
	waitFor(t, "final states", func() bool {
		states, _ = e.db.DeliveriesOf(t.Context(), "default/ping-1")
		done := 0
		for _, s := range states {
			if s.State != store.StatePending {
				done++
			}
		}
		return done == 2
	})
	byState := map[string]store.DeliveryState{}
	for _, s := range states {
		byState[s.State] = s
	}
	if d := byState[store.StateDelivered]; d.Attempts != 3 {
		t.Errorf("delivered after %d attempts, want 3: %+v", d.Attempts, states)
	}
	if _, ok := byState[store.StateDropped]; !ok {
		t.Errorf("410 did not drop the delivery: %+v", states)
	}
	subs, _ := e.db.Subscriptions(t.Context(), "default")
	if len(subs) != 1 || subs[0].CallbackURL != flaky.srv.URL {
		t.Errorf("after 410 the subscriptions are %+v, want only the flaky one", subs)
	}
}

func TestEventTypeNormalisation(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"webhookPingCreated":                    "WEBHOOK_PING_CREATED",
		"appStoreVersionAppVersionStateUpdated": "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED",
		"BUILD_UPLOAD_STATE_UPDATED":            "BUILD_UPLOAD_STATE_UPDATED",
		"build-upload-state-updated":            "BUILD_UPLOAD_STATE_UPDATED",
	} {
		if got := connector.NormalizeEventType(in); got != want {
			t.Errorf("NormalizeEventType(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCloseFlushesDeliveries: Close waits for a delivery in flight and records it.
func TestCloseFlushesDeliveries(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	const secret = "flush-secret-value"
	e.db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: secret, CreatedAt: time.Now()})
	started := make(chan struct{}, 1)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		started <- struct{}{}
		time.Sleep(300 * time.Millisecond)
	}))
	t.Cleanup(slow.Close)
	e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": slow.URL})
	if a := e.postEvent(t, "default", secret, buildEvent); a.status != 200 {
		t.Fatalf("event: %d", a.status)
	}
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("delivery never started")
	}
	e.gw.Close()
	st, err := e.db.DeliveriesOf(t.Context(), "default/evt-42")
	if err != nil || len(st) != 1 || st[0].State != store.StateDelivered {
		t.Errorf("after Close: %+v, %v; want delivered", st, err)
	}
}
