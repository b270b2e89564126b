package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// migrations are applied in order, each once, each in one transaction. Never edit one that
// has shipped: append a new one. Types are limited to TEXT, INTEGER and BIGINT so the same
// statements run on SQLite and PostgreSQL.
var migrations = []string{
	1: `
CREATE TABLE client_keys (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL UNIQUE,
	profile TEXT NOT NULL,
	access TEXT NOT NULL,
	hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL DEFAULT 0,
	revoked_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE audit_log (
	id TEXT PRIMARY KEY,
	at BIGINT NOT NULL,
	key_name TEXT NOT NULL,
	profile TEXT NOT NULL,
	method TEXT NOT NULL,
	path TEXT NOT NULL,
	status INTEGER NOT NULL,
	duration_ms BIGINT NOT NULL,
	request_id TEXT NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE TABLE webhooks (
	id TEXT PRIMARY KEY,
	profile TEXT NOT NULL,
	app_id TEXT NOT NULL,
	url TEXT NOT NULL,
	secret TEXT NOT NULL,
	event_types TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX webhooks_profile ON webhooks (profile);
CREATE TABLE subscriptions (
	id TEXT PRIMARY KEY,
	profile TEXT NOT NULL,
	key_name TEXT NOT NULL,
	callback_url TEXT NOT NULL,
	event_types TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_profile ON subscriptions (profile);
CREATE TABLE events (
	id TEXT PRIMARY KEY,
	profile TEXT NOT NULL,
	event_type TEXT NOT NULL,
	payload TEXT NOT NULL,
	received_at BIGINT NOT NULL
);
CREATE TABLE deliveries (
	id TEXT PRIMARY KEY,
	event_id TEXT NOT NULL REFERENCES events (id),
	subscription_id TEXT NOT NULL,
	callback_url TEXT NOT NULL,
	state TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	lease_owner TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	done_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX deliveries_due ON deliveries (state, next_at);
CREATE INDEX deliveries_event ON deliveries (event_id);
`,
	2: `
ALTER TABLE subscriptions ADD COLUMN secret TEXT NOT NULL DEFAULT '';
ALTER TABLE deliveries ADD COLUMN secret TEXT NOT NULL DEFAULT '';
`,
	3: `
ALTER TABLE client_keys ADD COLUMN quota_permille INTEGER NOT NULL DEFAULT 0;
ALTER TABLE deliveries ADD COLUMN profile TEXT NOT NULL DEFAULT '';
UPDATE deliveries SET profile = (SELECT events.profile FROM events WHERE events.id = deliveries.event_id);
CREATE INDEX deliveries_profile ON deliveries (profile, state);
`,
	4: `
CREATE TABLE rate_budgets (
	budget TEXT PRIMARY KEY,
	state TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);
`,
}

// migrate brings the schema up to date. On PostgreSQL a transaction-scoped advisory lock
// keeps instances that start together from applying the same migration twice; on SQLite the
// immediate transaction does the same.
func (s *DB) migrate(ctx context.Context) error { return s.migrateTo(ctx, len(migrations)-1) }

// migrateTo applies the migrations up to version target.
func (s *DB) migrateTo(ctx context.Context, target int) error {
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	defer tx.Rollback()
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7316204)`); err != nil {
			return fmt.Errorf("migrate database: lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`); err != nil {
		return fmt.Errorf("migrate database: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate database: read version: %w", err)
	}
	if current > len(migrations)-1 {
		return fmt.Errorf("database schema version %d is newer than this ascend knows (%d): upgrade ascend", current, len(migrations)-1)
	}
	for v := current + 1; v <= target; v++ {
		for _, stmt := range splitStatements(migrations[v]) {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate database to version %d: %w", v, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`), v, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("migrate database to version %d: %w", v, err)
		}
	}
	return tx.Commit()
}

// SchemaVersion reports the highest applied migration.
func (s *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.sql.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

func splitStatements(script string) []string {
	var out []string
	for _, part := range strings.Split(script, ";") {
		if len(strings.TrimSpace(part)) > 0 {
			out = append(out, part)
		}
	}
	return out
}
