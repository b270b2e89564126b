package store

import (
	"database/sql"
	"path/filepath"
	"testing"
)

// TestUpgradeKeepsData opens a database at schema version 1 with a subscription in it, then
// reopens it with every migration: the subscription survives and gains an empty secret, and
// a delivery gains its event's profile.
func TestUpgradeKeepsData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "old.sqlite")
	raw, err := sql.Open("sqlite", "file:"+path+"?_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	old := &DB{sql: raw, dialect: SQLite}
	if err := old.migrateTo(t.Context(), 1); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`INSERT INTO subscriptions (id, profile, key_name, callback_url, event_types, created_at) VALUES ('s', 'p', 'k', 'http://127.0.0.1:1/', '', 1)`,
		`INSERT INTO events (id, profile, event_type, payload, received_at) VALUES ('p/e', 'p', 'PING', '{}', 1)`,
		`INSERT INTO deliveries (id, event_id, subscription_id, callback_url, state, next_at, expires_at) VALUES ('d', 'p/e', 's', 'http://127.0.0.1:1/', 'pending', 1, 2)`,
	} {
		if _, err := raw.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()

	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(t.Context()); v != len(migrations)-1 {
		t.Errorf("schema version %d after upgrade, want %d", v, len(migrations)-1)
	}
	subs, err := db.Subscriptions(t.Context(), "p")
	if err != nil || len(subs) != 1 || subs[0].Secret != "" {
		t.Errorf("after upgrade: %+v, %v", subs, err)
	}
	// Deliveries made before version 3 are counted under their event's profile.
	if counts, err := db.DeliveryCounts(t.Context(), "p"); err != nil || counts["pending"] != 1 {
		t.Errorf("delivery counts of profile p after upgrade: %v, %v", counts, err)
	}
}
