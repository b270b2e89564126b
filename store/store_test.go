package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
	"github.com/google/go-cmp/cmp"
)

func forEachBackend(t *testing.T, f func(t *testing.T, backend string)) {
	for _, b := range storetest.Backends() {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

func TestMigrationsAreIdempotent(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn := storetest.DSN(t, backend)
		for i := range 2 {
			db, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatalf("open #%d: %v", i, err)
			}
			v, err := db.SchemaVersion(t.Context())
			db.Close()
			if err != nil || v != 4 {
				t.Fatalf("open #%d: schema version %d, %v; want 4", i, v, err)
			}
		}
	})
}

func TestClientKeys(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		db := storetest.Open(t, backend)
		ctx := t.Context()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		k := store.ClientKey{ID: "abc", Name: "flow", Profile: "default", Access: store.Read, Hash: "00ff", CreatedAt: now, ExpiresAt: now.Add(time.Hour), Quota: 0.25}
		if err := db.CreateClientKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		dup := k
		dup.ID = "other"
		if err := db.CreateClientKey(ctx, dup); !errors.Is(err, store.ErrExists) {
			t.Fatalf("duplicate name: got %v, want ErrExists", err)
		}
		got, err := db.ClientKeyByID(ctx, "abc")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(k, *got); diff != "" {
			t.Errorf("key mismatch (-want +got):\n%s", diff)
		}
		if _, err := db.ClientKeyByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("unknown id: got %v, want ErrNotFound", err)
		}
		if err := db.SetClientKeyQuota(ctx, "flow", 0.125); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.ClientKeyByID(ctx, "abc"); got == nil || got.Quota != 0.125 {
			t.Errorf("quota after change: %+v", got)
		}
		if err := db.SetClientKeyQuota(ctx, "nobody", 0.5); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("quota of an unknown key: %v", err)
		}
		if err := db.SetClientKeyQuota(ctx, "flow", 1.5); err == nil {
			t.Error("a quota over the whole budget was accepted")
		}
		if err := db.RevokeClientKey(ctx, "flow", now); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeClientKey(ctx, "flow", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("second revoke: got %v, want ErrNotFound", err)
		}
		all, err := db.ClientKeys(ctx)
		if err != nil || len(all) != 1 || !all[0].RevokedAt.Equal(now) {
			t.Fatalf("list after revoke: %+v, %v", all, err)
		}
	})
}

func TestAudit(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		db := storetest.Open(t, backend)
		ctx := t.Context()
		base := time.UnixMilli(1_700_000_000_000).UTC()
		for i := range 3 {
			e := store.AuditEntry{ID: store.NewID(), Time: base.Add(time.Duration(i) * time.Minute), KeyName: "k", Profile: "p",
				Method: "PATCH", Path: fmt.Sprintf("/v1/x/%d", i), Status: 200, Duration: 15 * time.Millisecond, RequestID: "r"}
			if err := db.AddAudit(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		got, err := db.Audit(ctx, base.Add(time.Minute), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Path != "/v1/x/1" || got[1].Duration != 15*time.Millisecond {
			t.Errorf("audit since: %+v", got)
		}
		recent, err := db.RecentAudit(ctx, "p", 2)
		if err != nil || len(recent) != 2 || recent[0].Path != "/v1/x/2" || recent[1].Path != "/v1/x/1" {
			t.Errorf("recent audit: %+v, %v; want the last two, newest first", recent, err)
		}
		if other, _ := db.RecentAudit(ctx, "q", 10); len(other) != 0 {
			t.Errorf("recent audit of another profile: %+v", other)
		}
	})
}

func TestEventsAndDeliveries(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		db := storetest.Open(t, backend)
		ctx := t.Context()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		subs := []store.Subscription{
			{ID: "all", Profile: "p", KeyName: "k", CallbackURL: "http://127.0.0.1:1/a", CreatedAt: now},
			{ID: "builds", Profile: "p", KeyName: "k", CallbackURL: "http://127.0.0.1:1/b", EventTypes: []string{"BUILD_UPLOAD_STATE_UPDATED"}, CreatedAt: now},
			{ID: "otherprofile", Profile: "q", KeyName: "k", CallbackURL: "http://127.0.0.1:1/c", CreatedAt: now},
		}
		for _, s := range subs {
			if err := db.CreateSubscription(ctx, s); err != nil {
				t.Fatal(err)
			}
		}
		ev := store.Event{ID: "ev1", Profile: "p", Type: "webhookPingCreated", Payload: []byte(`{"data":{}}`), ReceivedAt: now}
		n, dup, err := db.AcceptEvent(ctx, ev, time.Hour)
		if err != nil || dup || n != 1 {
			t.Fatalf("accept: %d deliveries, dup %v, %v; want 1, false", n, dup, err)
		}
		if _, dup, err := db.AcceptEvent(ctx, ev, time.Hour); err != nil || !dup {
			t.Fatalf("accept again: dup %v, %v; want duplicate", dup, err)
		}

		claimed, err := db.ClaimDeliveries(ctx, "A", now, time.Minute, 10)
		if err != nil || len(claimed) != 1 {
			t.Fatalf("claim: %v, %v", claimed, err)
		}
		if string(claimed[0].Event.Payload) != `{"data":{}}` || claimed[0].SubscriptionID != "all" {
			t.Errorf("claimed delivery: %+v", claimed[0])
		}
		if again, _ := db.ClaimDeliveries(ctx, "B", now, time.Minute, 10); len(again) != 0 {
			t.Errorf("leased delivery claimed twice: %+v", again)
		}
		// The lease runs out (the claimant died): another instance takes it.
		later := now.Add(2 * time.Minute)
		again, err := db.ClaimDeliveries(ctx, "B", later, time.Minute, 10)
		if err != nil || len(again) != 1 {
			t.Fatalf("claim after lease expiry: %v, %v", again, err)
		}
		if err := db.Failed(ctx, again[0].ID, "B", later, later.Add(time.Second), "503", ""); err != nil {
			t.Fatal(err)
		}
		if early, _ := db.ClaimDeliveries(ctx, "B", later, time.Minute, 10); len(early) != 0 {
			t.Errorf("claimed before its retry time: %+v", early)
		}
		retry, err := db.ClaimDeliveries(ctx, "B", later.Add(time.Second), time.Minute, 10)
		if err != nil || len(retry) != 1 || retry[0].Attempts != 1 {
			t.Fatalf("retry claim: %+v, %v", retry, err)
		}
		if err := db.Delivered(ctx, retry[0].ID, "B", later); err != nil {
			t.Fatal(err)
		}
		st, err := db.DeliveriesOf(ctx, "ev1")
		if err != nil || len(st) != 1 || st[0].State != store.StateDelivered || st[0].Attempts != 2 {
			t.Fatalf("final state: %+v, %v", st, err)
		}
		counts, err := db.DeliveryCounts(ctx, "")
		if err != nil || counts[store.StateDelivered] != 1 || counts[store.StatePending] != 0 {
			t.Errorf("counts: %v, %v", counts, err)
		}
		if own, _ := db.DeliveryCounts(ctx, ev.Profile); own[store.StateDelivered] != 1 {
			t.Errorf("counts of the event's profile: %v", own)
		}
		if other, _ := db.DeliveryCounts(ctx, "q"); len(other) != 0 {
			t.Errorf("counts of another profile: %v", other)
		}
		if ds, err := db.RecentDeliveries(ctx, ev.Profile, 10); err != nil || len(ds) != 1 || ds[0].State != store.StateDelivered || ds[0].Attempts != 2 || ds[0].EventType == "" {
			t.Errorf("recent deliveries: %+v, %v", ds, err)
		}
	})
}

// TestClaimsAreExclusive runs claimants concurrently: every delivery is claimed exactly once.
func TestClaimsAreExclusive(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		db := storetest.Open(t, backend)
		ctx := t.Context()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		if err := db.CreateSubscription(ctx, store.Subscription{ID: "s", Profile: "p", KeyName: "k", CallbackURL: "http://127.0.0.1:1/", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		const events = 40
		for i := range events {
			if _, _, err := db.AcceptEvent(ctx, store.Event{ID: fmt.Sprint("e", i), Profile: "p", Type: "t", Payload: []byte("{}"), ReceivedAt: now}, time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		seen := map[string]string{}
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				owner := fmt.Sprint("w", w)
				for range events { // bounded: at most one round per delivery
					ds, err := db.ClaimDeliveries(ctx, owner, now, time.Hour, 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(ds) == 0 {
						return
					}
					mu.Lock()
					for _, d := range ds {
						if prev, ok := seen[d.ID]; ok {
							t.Errorf("delivery %s claimed by %s and %s", d.ID, prev, owner)
						}
						seen[d.ID] = owner
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != events {
			t.Errorf("claimed %d deliveries, want %d", len(seen), events)
		}
	})
}

func TestWebhooksAndSubscriptions(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		db := storetest.Open(t, backend)
		ctx := t.Context()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		w := store.Webhook{ID: "wh1", Profile: "p", AppID: "123", URL: "https://gw.example/connector/webhooks/apple/p", Secret: "s3", EventTypes: []string{"A", "B"}, CreatedAt: now}
		if err := db.PutWebhook(ctx, w); err != nil {
			t.Fatal(err)
		}
		got, err := db.Webhooks(ctx, "p")
		if err != nil || len(got) != 1 {
			t.Fatalf("webhooks: %v, %v", got, err)
		}
		if diff := cmp.Diff(w, got[0]); diff != "" {
			t.Errorf("webhook (-want +got):\n%s", diff)
		}
		if other, _ := db.Webhooks(ctx, "q"); len(other) != 0 {
			t.Errorf("webhooks of another profile: %v", other)
		}
		if err := db.DeleteWebhook(ctx, "wh1"); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteWebhook(ctx, "wh1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete twice: %v", err)
		}
		sub := store.Subscription{ID: "s1", Profile: "p", KeyName: "k", CallbackURL: "http://127.0.0.1:1/", Secret: "sub-secret", CreatedAt: now}
		if err := db.CreateSubscription(ctx, sub); err != nil {
			t.Fatal(err)
		}
		if subs, _ := db.Subscriptions(ctx, "p"); len(subs) != 1 || subs[0].Secret != "sub-secret" {
			t.Errorf("subscription secret not kept: %+v", subs)
		}
		if err := db.DeleteSubscription(ctx, "q", "s1", now); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("delete from another profile: %v", err)
		}
		if err := db.DeleteSubscription(ctx, "p", "s1", now); err != nil {
			t.Errorf("delete: %v", err)
		}
	})
}

func TestPruneEvents(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		db := storetest.Open(t, backend)
		ctx := t.Context()
		old := time.UnixMilli(1_600_000_000_000).UTC()
		now := old.Add(30 * 24 * time.Hour)
		db.CreateSubscription(ctx, store.Subscription{ID: "s", Profile: "p", KeyName: "k", CallbackURL: "http://127.0.0.1:1/", CreatedAt: old})
		for _, id := range []string{"done", "pending"} {
			if _, _, err := db.AcceptEvent(ctx, store.Event{ID: id, Profile: "p", Type: "t", Payload: []byte("{}"), ReceivedAt: old}, 365*24*time.Hour); err != nil {
				t.Fatal(err)
			}
		}
		ds, _ := db.ClaimDeliveries(ctx, "o", old, time.Minute, 10)
		for _, d := range ds {
			if d.Event.ID == "done" {
				db.Delivered(ctx, d.ID, "o", old)
			} else {
				db.Release(ctx, d.ID, "o")
			}
		}
		n, err := db.PruneEvents(ctx, now.Add(-7*24*time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("pruned %d rows, %v; want the done delivery and its event", n, err)
		}
		if st, _ := db.DeliveriesOf(ctx, "pending"); len(st) != 1 {
			t.Errorf("a pending delivery was pruned")
		}
		// The pending event's id is still known: Apple retrying it is a duplicate.
		if _, dup, _ := db.AcceptEvent(ctx, store.Event{ID: "pending", Profile: "p", Type: "t", Payload: []byte("{}"), ReceivedAt: now}, time.Hour); !dup {
			t.Errorf("pending event forgotten")
		}
	})
}
