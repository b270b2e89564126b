package connector_test

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/testutil"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// TestVersionMetadataAndBuilds covers the curated version-localization and build actions,
// and checks that the logs carry request ids but never a client key or a JWT.
func TestVersionMetadataAndBuilds(t *testing.T) {
	t.Parallel()
	logs := &testutil.SyncBuffer{}
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	var list struct {
		Value    []map[string]any `json:"value"`
		NextLink string           `json:"nextLink"`
	}
	a := e.do(t, "GET", "/connector/v1/apps?bundleId=com.example.daybreak", e.readKey, nil)
	json.Unmarshal(a.body, &list)
	if len(list.Value) != 1 {
		t.Fatalf("app: %s", a.body)
	}
	appID := list.Value[0]["id"].(string)

	a = e.do(t, "GET", "/connector/v1/apps/"+appID+"/versions", e.readKey, nil)
	if json.Unmarshal(a.body, &list); a.status != 200 || len(list.Value) == 0 {
		t.Fatalf("versions: %d %s", a.status, a.body)
	}
	var versionID string
	for _, v := range list.Value {
		if v["appVersionState"] == "PREPARE_FOR_SUBMISSION" {
			versionID = v["id"].(string)
		}
		if v["type"] != "appStoreVersions" || v["versionString"] == nil {
			t.Errorf("flat version: %v", v)
		}
	}
	if versionID == "" {
		versionID = list.Value[0]["id"].(string)
	}
	a = e.do(t, "GET", "/connector/v1/versions/"+versionID+"/localizations?locale=en-US", e.readKey, nil)
	if json.Unmarshal(a.body, &list); a.status != 200 || len(list.Value) != 1 {
		t.Fatalf("version localizations: %d %s", a.status, a.body)
	}
	locID := list.Value[0]["id"].(string)
	if list.Value[0]["appStoreVersionId"] != nil && list.Value[0]["appStoreVersionId"] != versionID {
		t.Errorf("relationship id: %v", list.Value[0])
	}
	a = e.do(t, "PATCH", "/connector/v1/versionLocalizations/"+locID, e.writeKey, map[string]any{"whatsNew": "Bug fixes and calmer mornings", "id": "ignored"})
	if a.status != 200 || a.json(t)["whatsNew"] != "Bug fixes and calmer mornings" || a.json(t)["id"] != locID {
		t.Fatalf("update version localization: %d %s", a.status, a.body)
	}
	if a := e.do(t, "PATCH", "/connector/v1/versionLocalizations/"+locID, e.writeKey, []string{"not", "an object"}); a.status != 400 {
		t.Errorf("array body: %d %s", a.status, a.body)
	}

	a = e.do(t, "GET", "/connector/v1/apps/"+appID+"/builds?limit=2", e.readKey, nil)
	if json.Unmarshal(a.body, &list); a.status != 200 || len(list.Value) == 0 || len(list.Value) > 2 {
		t.Fatalf("builds: %d %s", a.status, a.body)
	}
	for _, b := range list.Value {
		if b["type"] != "builds" || b["version"] == nil {
			t.Errorf("flat build: %v", b)
		}
	}
	if list.NextLink != "" && !strings.Contains(list.NextLink, "flatten=true") {
		t.Errorf("next link of a flat list does not stay flat: %s", list.NextLink)
	}

	out := logs.String()
	if !strings.Contains(out, `"request_id"`) || !strings.Contains(out, `"msg":"request"`) || !strings.Contains(out, `"key":"writer"`) {
		t.Errorf("logs lack request lines with ids:\n%.1000s", out)
	}
	for _, secret := range []string{e.readKey, e.writeKey, "asck_", "eyJ", "Bearer"} {
		if strings.Contains(out, secret) {
			t.Errorf("the logs contain %.8s...", secret)
		}
	}
}

// TestFlattenShapes checks the flat form of relationships through the passthrough.
func TestFlattenShapes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	a := e.do(t, "GET", "/v1/apps?limit=1&include=appInfos&flatten=true", e.readKey, nil)
	var list struct {
		Value []map[string]any `json:"value"`
		Total *int             `json:"total"`
	}
	if json.Unmarshal(a.body, &list); a.status != 200 || len(list.Value) != 1 {
		t.Fatalf("flat list: %d %s", a.status, a.body)
	}
	app := list.Value[0]
	if _, nested := app["attributes"]; nested {
		t.Errorf("attributes not merged: %v", app)
	}
	ids, ok := app["appInfosIds"].([]any)
	if !ok || len(ids) == 0 {
		t.Errorf("to-many relationship ids missing: %v", app)
	}
	if list.Total == nil || *list.Total != 4 {
		t.Errorf("total: %v", list.Total)
	}
	// Errors keep Apple's shape even with flatten.
	if a := e.do(t, "GET", "/v1/apps/nope?flatten=true", e.readKey, nil); a.status != 404 || errorCode(t, a) == "" {
		t.Errorf("flattened error: %d %s", a.status, a.body)
	}
}

// TestInstancesShareDeliveriesOnPostgres runs two gateways on one PostgreSQL database, as
// behind a load balancer: events sent to either are delivered, each once.
func TestInstancesShareDeliveriesOnPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.DSN(t, "postgres")
	sb := sandboxtest.Start(t, sandbox.Options{})
	var urls []string
	var db *store.DB
	for range 2 {
		d, err := store.Open(t.Context(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		db = d
		gw, err := connector.New(connector.Config{
			Profiles: []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: d,
			Delivery: connector.DeliveryOptions{Poll: 10 * time.Millisecond, MinBackoff: 20 * time.Millisecond},
		})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(gw)
		t.Cleanup(func() { srv.Close(); gw.Close() })
		urls = append(urls, srv.URL)
	}
	const secret = "shared-secret"
	db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: secret, CreatedAt: time.Now()})
	sub := newSubscriber(t)
	db.CreateSubscription(t.Context(), store.Subscription{ID: "s", Profile: "default", KeyName: "k", CallbackURL: sub.srv.URL, CreatedAt: time.Now()})
	e := &env{}
	const events = 30
	for i := range events {
		e.srv = &httptest.Server{URL: urls[i%2]}
		body := fmt.Sprintf(`{"data":{"type":"buildUploadStateUpdated","id":"evt-%d"}}`, i)
		if a := e.postEvent(t, "default", secret, body); a.status != 200 {
			t.Fatalf("event %d: %d %s", i, a.status, a.body)
		}
	}
	waitFor(t, "all deliveries", func() bool { return len(sub.received()) >= events })
	time.Sleep(100 * time.Millisecond)
	seen := map[string]int{}
	for _, n := range sub.received() {
		seen[n.ID]++
	}
	if len(seen) != events {
		t.Errorf("%d distinct events delivered, want %d", len(seen), events)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
}

// TestProfilesAreSeparate: each key reaches only its own profile's account, and each
// profile has its own rate budget.
func TestProfilesAreSeparate(t *testing.T) {
	t.Parallel()
	demo := sandboxtest.Start(t, sandbox.Options{})
	empty := sandboxtest.Start(t, sandbox.Options{Seed: "empty"})
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles = []connector.Profile{
			{Name: "default", Key: demo.Key(), Upstream: demo.URL()},
			{Name: "agency", Key: empty.Key(), Upstream: empty.URL()},
		}
	})
	secret, rec, _ := connector.NewClientKey("agency-flow", "agency", store.Read, 0, time.Now())
	e.db.CreateClientKey(t.Context(), rec)
	orphan, rec2, _ := connector.NewClientKey("orphan", "gone", store.Write, 0, time.Now())
	e.db.CreateClientKey(t.Context(), rec2)

	count := func(key string) int {
		var doc struct {
			Data []any `json:"data"`
		}
		a := e.do(t, "GET", "/v1/apps", key, nil)
		if a.status != 200 {
			t.Fatalf("list apps: %d %s", a.status, a.body)
		}
		json.Unmarshal(a.body, &doc)
		return len(doc.Data)
	}
	if n := count(e.readKey); n != 4 {
		t.Errorf("default profile sees %d apps, want the 4 demo apps", n)
	}
	if n := count(secret); n != 0 {
		t.Errorf("agency profile sees %d apps, want none", n)
	}
	if a := e.do(t, "GET", "/v1/apps", orphan, nil); a.status != 403 {
		t.Errorf("key of a profile not served: %d", a.status)
	}
	var s connector.Status
	json.Unmarshal(e.do(t, "GET", "/connector/status", secret, nil).body, &s)
	if s.Profile != "agency" || s.RateLimit.Remaining != s.RateLimit.Limit-1 {
		t.Errorf("agency budget: %+v (one request made with its key)", s)
	}
}
