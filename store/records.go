package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"
)

// Access is what a client key may do.
type Access string

// Access levels: read keys may only send GET and HEAD requests; write keys anything.
const (
	Read  Access = "read"
	Write Access = "write"
)

// ClientKey is a gateway client's key. Only the SHA-256 hash of its secret is stored.
type ClientKey struct {
	ID        string // public part of the key, used to find the row
	Name      string // unique, shown in audits and logs
	Profile   string // the ASC credential the key may use
	Access    Access
	Hash      string // hex SHA-256 of the secret part
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	RevokedAt time.Time // zero: not revoked
	// Quota is the share of the profile's hourly App Store Connect budget the key may spend
	// (0.25: a quarter), in steps of 0.001; zero takes the gateway's default.
	Quota float64
}

// quotaPermille stores a quota share as an integer.
func quotaPermille(q float64) int64 { return int64(math.Round(q * 1000)) }

// CreateClientKey stores a new key; ErrExists when the name is taken.
func (s *DB) CreateClientKey(ctx context.Context, k ClientKey) error {
	if k.Quota < 0 || k.Quota > 1 {
		return fmt.Errorf("client key %q: quota %v is not a share between 0 and 1", k.Name, k.Quota)
	}
	_, err := s.exec(ctx, `INSERT INTO client_keys (id, name, profile, access, hash, created_at, expires_at, revoked_at, quota_permille) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?)`,
		k.ID, k.Name, k.Profile, string(k.Access), k.Hash, millis(k.CreatedAt), millis(k.ExpiresAt), quotaPermille(k.Quota))
	if isUniqueViolation(err) {
		return fmt.Errorf("client key %q: %w", k.Name, ErrExists)
	}
	if err != nil {
		return fmt.Errorf("store client key: %w", err)
	}
	return nil
}

const keyColumns = `id, name, profile, access, hash, created_at, expires_at, revoked_at, quota_permille`

func scanKey(sc interface{ Scan(...any) error }) (ClientKey, error) {
	var k ClientKey
	var access string
	var created, expires, revoked, quota int64
	err := sc.Scan(&k.ID, &k.Name, &k.Profile, &access, &k.Hash, &created, &expires, &revoked, &quota)
	k.Access = Access(access)
	k.Quota = float64(quota) / 1000
	k.CreatedAt, k.ExpiresAt, k.RevokedAt = fromMillis(created), fromMillis(expires), fromMillis(revoked)
	return k, err
}

// ClientKeyByID finds a key by its public id; ErrNotFound when there is none.
func (s *DB) ClientKeyByID(ctx context.Context, id string) (*ClientKey, error) {
	if s.dialect == SQLite {
		// A SQLite read of one row by its key is not worth a context that can be cancelled:
		// database/sql watches such a context in a goroutine of its own for every query, and
		// the driver installs a busy handler for it, which together double the query's cost
		// (the gateway makes it on every request without a key cache). busy_timeout bounds
		// the wait instead. PostgreSQL keeps the caller's context: a network can stall.
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ctx = context.WithoutCancel(ctx)
	}
	s.keyOnce.Do(func() {
		s.keyByID, s.keyErr = s.sql.PrepareContext(context.WithoutCancel(ctx), s.q(`SELECT `+keyColumns+` FROM client_keys WHERE id = ?`))
	})
	var row *sql.Row
	if s.keyErr == nil {
		row = s.keyByID.QueryRowContext(ctx, id)
	} else {
		row = s.sql.QueryRowContext(ctx, s.q(`SELECT `+keyColumns+` FROM client_keys WHERE id = ?`), id)
	}
	k, err := scanKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read client key: %w", err)
	}
	return &k, nil
}

// ClientKeys lists every key, revoked ones included, by name.
func (s *DB) ClientKeys(ctx context.Context) ([]ClientKey, error) {
	rows, err := s.query(ctx, `SELECT `+keyColumns+` FROM client_keys ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list client keys: %w", err)
	}
	defer rows.Close()
	var out []ClientKey
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, fmt.Errorf("list client keys: %w", err)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeClientKey marks the named key revoked; ErrNotFound when no unrevoked key has that name.
func (s *DB) RevokeClientKey(ctx context.Context, name string, at time.Time) error {
	res, err := s.exec(ctx, `UPDATE client_keys SET revoked_at = ? WHERE name = ? AND revoked_at = 0`, millis(at), name)
	if err != nil {
		return fmt.Errorf("revoke client key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("client key %q: %w", name, ErrNotFound)
	}
	return nil
}

// SetClientKeyQuota changes the named key's quota share (0: the gateway's default);
// ErrNotFound when no key has that name.
func (s *DB) SetClientKeyQuota(ctx context.Context, name string, quota float64) error {
	if quota < 0 || quota > 1 {
		return fmt.Errorf("quota %v is not a share between 0 and 1", quota)
	}
	res, err := s.exec(ctx, `UPDATE client_keys SET quota_permille = ? WHERE name = ?`, quotaPermille(quota), name)
	if err != nil {
		return fmt.Errorf("set client key quota: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("client key %q: %w", name, ErrNotFound)
	}
	return nil
}

// AuditEntry records one write made through the gateway.
type AuditEntry struct {
	ID        string
	Time      time.Time
	KeyName   string
	Profile   string
	Method    string
	Path      string
	Status    int
	Duration  time.Duration
	RequestID string
}

// AddAudit appends an entry.
func (s *DB) AddAudit(ctx context.Context, e AuditEntry) error {
	_, err := s.exec(ctx, `INSERT INTO audit_log (id, at, key_name, profile, method, path, status, duration_ms, request_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, millis(e.Time), e.KeyName, e.Profile, e.Method, e.Path, e.Status, e.Duration.Milliseconds(), e.RequestID)
	if err != nil {
		return fmt.Errorf("store audit entry: %w", err)
	}
	return nil
}

// Audit returns entries at or after since, oldest first, at most limit (0: no limit).
func (s *DB) Audit(ctx context.Context, since time.Time, limit int) ([]AuditEntry, error) {
	query := `SELECT id, at, key_name, profile, method, path, status, duration_ms, request_id FROM audit_log WHERE at >= ? ORDER BY at, id`
	args := []any{millis(since)}
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	return s.auditRows(ctx, query, args...)
}

// RecentAudit returns a profile's latest entries ("" for every profile), newest first, at
// most limit.
func (s *DB) RecentAudit(ctx context.Context, profile string, limit int) ([]AuditEntry, error) {
	return s.auditRows(ctx, `SELECT id, at, key_name, profile, method, path, status, duration_ms, request_id FROM audit_log
		WHERE profile = ? OR ? = '' ORDER BY at DESC, id DESC LIMIT ?`, profile, profile, limit)
}

func (s *DB) auditRows(ctx context.Context, query string, args ...any) ([]AuditEntry, error) {
	rows, err := s.query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at, ms int64
		if err := rows.Scan(&e.ID, &at, &e.KeyName, &e.Profile, &e.Method, &e.Path, &e.Status, &ms, &e.RequestID); err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		e.Time, e.Duration = fromMillis(at), time.Duration(ms)*time.Millisecond
		out = append(out, e)
	}
	return out, rows.Err()
}

// Webhook is a webhook created at Apple that points at the gateway, with the secret Apple
// signs its events with.
type Webhook struct {
	ID         string // Apple's webhook id
	Profile    string
	AppID      string
	URL        string
	Secret     string
	EventTypes []string
	CreatedAt  time.Time
}

// PutWebhook stores or replaces a webhook.
func (s *DB) PutWebhook(ctx context.Context, w Webhook) error {
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store webhook: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM webhooks WHERE id = ?`), w.ID); err != nil {
		return fmt.Errorf("store webhook: %w", err)
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO webhooks (id, profile, app_id, url, secret, event_types, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		w.ID, w.Profile, w.AppID, w.URL, w.Secret, joinList(w.EventTypes), millis(w.CreatedAt)); err != nil {
		return fmt.Errorf("store webhook: %w", err)
	}
	return tx.Commit()
}

// Webhooks lists the webhooks of a profile, or of every profile when profile is "".
func (s *DB) Webhooks(ctx context.Context, profile string) ([]Webhook, error) {
	rows, err := s.query(ctx, `SELECT id, profile, app_id, url, secret, event_types, created_at FROM webhooks WHERE profile = ? OR ? = '' ORDER BY created_at, id`, profile, profile)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		var w Webhook
		var types string
		var created int64
		if err := rows.Scan(&w.ID, &w.Profile, &w.AppID, &w.URL, &w.Secret, &types, &created); err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		w.EventTypes, w.CreatedAt = splitList(types), fromMillis(created)
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook forgets a webhook; ErrNotFound when it is unknown.
func (s *DB) DeleteWebhook(ctx context.Context, id string) error {
	res, err := s.exec(ctx, `DELETE FROM webhooks WHERE id = ?`, id)
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("webhook %q: %w", id, ErrNotFound)
	}
	return nil
}

// Subscription is a trigger registered by a flow: events of its profile (of the listed types,
// or all when none are listed) are POSTed to CallbackURL.
type Subscription struct {
	ID          string
	Profile     string
	KeyName     string
	CallbackURL string
	EventTypes  []string
	// Secret, when set, signs each notification (X-Ascend-Signature), for subscribers that
	// cannot rely on a secret callback URL as Power Automate does.
	Secret    string
	CreatedAt time.Time
}

// Matches reports whether an event type is wanted.
func (sub Subscription) Matches(eventType string) bool {
	if len(sub.EventTypes) == 0 {
		return true
	}
	for _, t := range sub.EventTypes {
		if t == eventType {
			return true
		}
	}
	return false
}

// CreateSubscription stores a subscription.
func (s *DB) CreateSubscription(ctx context.Context, sub Subscription) error {
	_, err := s.exec(ctx, `INSERT INTO subscriptions (id, profile, key_name, callback_url, event_types, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		sub.ID, sub.Profile, sub.KeyName, sub.CallbackURL, joinList(sub.EventTypes), sub.Secret, millis(sub.CreatedAt))
	if err != nil {
		return fmt.Errorf("store subscription: %w", err)
	}
	return nil
}

// DeleteSubscription removes a subscription of a profile and drops its pending deliveries;
// ErrNotFound when there is none.
func (s *DB) DeleteSubscription(ctx context.Context, profile, id string, now time.Time) error {
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.q(`DELETE FROM subscriptions WHERE id = ? AND profile = ?`), id, profile)
	if err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("subscription %q: %w", id, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE deliveries SET state = 'dropped', done_at = ? WHERE subscription_id = ? AND state = 'pending'`), millis(now), id); err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return tx.Commit()
}

// Subscriptions lists the subscriptions of a profile ("" for all).
func (s *DB) Subscriptions(ctx context.Context, profile string) ([]Subscription, error) {
	return s.subscriptions(ctx, s.sql, profile)
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func (s *DB) subscriptions(ctx context.Context, q querier, profile string) ([]Subscription, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT id, profile, key_name, callback_url, event_types, secret, created_at FROM subscriptions WHERE profile = ? OR ? = '' ORDER BY created_at, id`), profile, profile)
	if err != nil {
		return nil, fmt.Errorf("list subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		var sub Subscription
		var types string
		var created int64
		if err := rows.Scan(&sub.ID, &sub.Profile, &sub.KeyName, &sub.CallbackURL, &types, &sub.Secret, &created); err != nil {
			return nil, fmt.Errorf("list subscriptions: %w", err)
		}
		sub.EventTypes, sub.CreatedAt = splitList(types), fromMillis(created)
		out = append(out, sub)
	}
	return out, rows.Err()
}
