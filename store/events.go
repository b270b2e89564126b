package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Event is a webhook event received from Apple, stored before Apple is answered.
type Event struct {
	ID         string // Apple's event id when it sent one, else a hash of the body
	Profile    string
	Type       string
	Payload    []byte // the raw body Apple sent
	ReceivedAt time.Time
}

// Delivery is one event on its way to one subscriber.
type Delivery struct {
	ID             string
	SubscriptionID string
	CallbackURL    string
	Secret         string // the subscription's signing secret, "" for none
	Attempts       int
	ExpiresAt      time.Time
	Event          Event
}

// Delivery states.
const (
	StatePending   = "pending"
	StateDelivered = "delivered"
	StateExpired   = "expired"
	StateDropped   = "dropped"
)

// NewID returns a random identifier (16 bytes, hex).
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// AcceptEvent stores an event and one pending delivery for each subscription of its profile
// that wants its type, in one transaction, so an event is either fully accepted or not at all.
// An event whose id was already accepted (Apple retrying) is not stored again: duplicate is
// true and nothing changes. Deliveries expire at ReceivedAt+ttl.
func (s *DB) AcceptEvent(ctx context.Context, ev Event, ttl time.Duration) (deliveries int, duplicate bool, err error) {
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return 0, false, fmt.Errorf("accept event: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, s.q(`INSERT INTO events (id, profile, event_type, payload, received_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`),
		ev.ID, ev.Profile, ev.Type, string(ev.Payload), millis(ev.ReceivedAt))
	if err != nil {
		return 0, false, fmt.Errorf("accept event: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, true, nil
	}
	subs, err := s.subscriptions(ctx, tx, ev.Profile)
	if err != nil {
		return 0, false, err
	}
	for _, sub := range subs {
		if !sub.Matches(ev.Type) {
			continue
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO deliveries (id, event_id, subscription_id, callback_url, secret, profile, state, attempts, next_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`),
			NewID(), ev.ID, sub.ID, sub.CallbackURL, sub.Secret, ev.Profile, millis(ev.ReceivedAt), millis(ev.ReceivedAt.Add(ttl))); err != nil {
			return 0, false, fmt.Errorf("accept event: %w", err)
		}
		deliveries++
	}
	if err := tx.Commit(); err != nil {
		return 0, false, fmt.Errorf("accept event: %w", err)
	}
	return deliveries, false, nil
}

// ClaimDeliveries leases up to limit pending deliveries that are due at now and not leased by
// anyone else, for owner until now+lease. On PostgreSQL concurrent claimants skip each
// other's rows (FOR UPDATE SKIP LOCKED), so each row goes to one instance at a time.
func (s *DB) ClaimDeliveries(ctx context.Context, owner string, now time.Time, lease time.Duration, limit int) ([]Delivery, error) {
	lock := ""
	if s.dialect == Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := s.query(ctx, `UPDATE deliveries SET lease_owner = ?, lease_until = ?
WHERE id IN (SELECT id FROM deliveries WHERE state = 'pending' AND next_at <= ? AND lease_until <= ? ORDER BY next_at LIMIT ?`+lock+`)
RETURNING id, event_id, subscription_id, callback_url, secret, attempts, expires_at`,
		owner, millis(now.Add(lease)), millis(now), millis(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var expires int64
		if err := rows.Scan(&d.ID, &d.Event.ID, &d.SubscriptionID, &d.CallbackURL, &d.Secret, &d.Attempts, &expires); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim deliveries: %w", err)
		}
		d.ExpiresAt = fromMillis(expires)
		out = append(out, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	events := map[string]Event{}
	for i := range out {
		id := out[i].Event.ID
		ev, ok := events[id]
		if !ok {
			e, err := s.event(ctx, id)
			if err != nil {
				return nil, err
			}
			ev, events[id] = *e, *e
		}
		out[i].Event = ev
	}
	return out, nil
}

func (s *DB) event(ctx context.Context, id string) (*Event, error) {
	var ev Event
	var payload string
	var received int64
	err := s.sql.QueryRowContext(ctx, s.q(`SELECT id, profile, event_type, payload, received_at FROM events WHERE id = ?`), id).
		Scan(&ev.ID, &ev.Profile, &ev.Type, &payload, &received)
	if err != nil {
		return nil, fmt.Errorf("read event %s: %w", id, err)
	}
	ev.Payload, ev.ReceivedAt = []byte(payload), fromMillis(received)
	return &ev, nil
}

// Delivered marks a leased delivery done. A lease lost to another instance is not an error:
// the other instance delivered or will deliver it too (at least once).
func (s *DB) Delivered(ctx context.Context, id, owner string, now time.Time) error {
	_, err := s.exec(ctx, `UPDATE deliveries SET state = 'delivered', done_at = ?, attempts = attempts + 1, lease_owner = '', lease_until = 0 WHERE id = ? AND state = 'pending'`, millis(now), id)
	if err != nil {
		return fmt.Errorf("mark delivery done: %w", err)
	}
	return nil
}

// Failed records a failed attempt: the delivery is retried at next, or given up as
// finalState (StateExpired, StateDropped) when that is not "".
func (s *DB) Failed(ctx context.Context, id, owner string, now, next time.Time, lastError, finalState string) error {
	var err error
	if finalState != "" {
		_, err = s.exec(ctx, `UPDATE deliveries SET state = ?, done_at = ?, attempts = attempts + 1, last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
			finalState, millis(now), lastError, id, owner)
	} else {
		_, err = s.exec(ctx, `UPDATE deliveries SET next_at = ?, attempts = attempts + 1, last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ? AND state = 'pending'`,
			millis(next), lastError, id, owner)
	}
	if err != nil {
		return fmt.Errorf("record failed delivery: %w", err)
	}
	return nil
}

// Release gives back a lease without an attempt, so another claimant may take the delivery
// at once (used on shutdown for claimed deliveries not yet attempted).
func (s *DB) Release(ctx context.Context, id, owner string) error {
	_, err := s.exec(ctx, `UPDATE deliveries SET lease_owner = '', lease_until = 0 WHERE id = ? AND lease_owner = ? AND state = 'pending'`, id, owner)
	if err != nil {
		return fmt.Errorf("release delivery: %w", err)
	}
	return nil
}

// DeliveryCounts reports how many deliveries of a profile's events ("" for every profile)
// are in each state.
func (s *DB) DeliveryCounts(ctx context.Context, profile string) (map[string]int, error) {
	rows, err := s.query(ctx, `SELECT state, COUNT(*) FROM deliveries WHERE profile = ? OR ? = '' GROUP BY state`, profile, profile)
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count deliveries: %w", err)
		}
		out[state] = n
	}
	return out, rows.Err()
}

// DeliveryState is a delivery's progress, for tests and diagnostics.
type DeliveryState struct {
	ID, SubscriptionID, State, LastError string
	Attempts                             int
}

// DeliveryInfo is a delivery as a status page shows it.
type DeliveryInfo struct {
	ID, SubscriptionID, EventID, EventType, State, LastError string
	Attempts                                                 int
	ReceivedAt, NextAt, DoneAt                               time.Time
}

// RecentDeliveries lists a profile's latest deliveries ("" for every profile), newest event
// first, at most limit.
func (s *DB) RecentDeliveries(ctx context.Context, profile string, limit int) ([]DeliveryInfo, error) {
	rows, err := s.query(ctx, `SELECT d.id, d.subscription_id, d.event_id, e.event_type, d.state, d.last_error, d.attempts, e.received_at, d.next_at, d.done_at
		FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.profile = ? OR ? = '' ORDER BY e.received_at DESC, d.id LIMIT ?`, profile, profile, limit)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryInfo
	for rows.Next() {
		var d DeliveryInfo
		var received, next, done int64
		if err := rows.Scan(&d.ID, &d.SubscriptionID, &d.EventID, &d.EventType, &d.State, &d.LastError, &d.Attempts, &received, &next, &done); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		d.ReceivedAt, d.NextAt, d.DoneAt = fromMillis(received), fromMillis(next), fromMillis(done)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeliveriesOf lists the deliveries of an event.
func (s *DB) DeliveriesOf(ctx context.Context, eventID string) ([]DeliveryState, error) {
	rows, err := s.query(ctx, `SELECT id, subscription_id, state, last_error, attempts FROM deliveries WHERE event_id = ? ORDER BY id`, eventID)
	if err != nil {
		return nil, fmt.Errorf("list deliveries: %w", err)
	}
	defer rows.Close()
	var out []DeliveryState
	for rows.Next() {
		var d DeliveryState
		if err := rows.Scan(&d.ID, &d.SubscriptionID, &d.State, &d.LastError, &d.Attempts); err != nil {
			return nil, fmt.Errorf("list deliveries: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// PruneEvents deletes finished deliveries (delivered, expired, dropped) that ended before
// `before`, and events received before it that have no delivery left. An event younger than
// that stays, so Apple's retries of it are still recognised as duplicates.
func (s *DB) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, `DELETE FROM deliveries WHERE state <> 'pending' AND done_at < ?`, millis(before))
	if err != nil {
		return 0, fmt.Errorf("prune deliveries: %w", err)
	}
	n, _ := res.RowsAffected()
	res, err = s.exec(ctx, `DELETE FROM events WHERE received_at < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = events.id)`, millis(before))
	if err != nil {
		return n, fmt.Errorf("prune events: %w", err)
	}
	m, _ := res.RowsAffected()
	return n + m, nil
}
