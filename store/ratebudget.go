package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// asyncCommit ends the WHERE clause of a PostgreSQL statement on a rate budget: it sets
// synchronous_commit off for the statement's transaction alone (set_config's is_local), so
// the commit does not wait for the WAL to reach the disk, a wait of up to milliseconds that
// every request of the gateway would otherwise make. The change is visible to every other
// session at once, as any commit; what a crash of the database can lose is the last fraction
// of a second of budget updates, which the next answer's X-Rate-Limit teaches again (the
// budget is kept in the process on SQLite, and not at all across restarts). The session's
// other statements, such as the audit's, keep their durable commits.
const asyncCommit = ` AND set_config('synchronous_commit', 'off', true) IS NOT NULL`

// UpdateRateBudget changes the shared state of one rate budget (one App Store Connect key) in
// a transaction that holds the budget's row: fn gets the state last stored ("" at first) and
// returns the state to keep. Instances on one database are thereby serialised per budget
// (SELECT ... FOR UPDATE on PostgreSQL; SQLite's immediate transactions serialise all
// writers), so each decides from what every other has recorded. fn must be quick: the row
// is locked while it runs. budget names the key, never holds key material.
func (s *DB) UpdateRateBudget(ctx context.Context, budget string, fn func(state string) string) error {
	tx, err := s.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rate budget: %w", err)
	}
	defer tx.Rollback()
	cond, lock := "", ""
	if s.dialect == Postgres {
		cond, lock = asyncCommit, " FOR UPDATE"
	}
	var state string
	err = tx.QueryRowContext(ctx, s.q(`SELECT state FROM rate_budgets WHERE budget = ?`+cond+lock), budget).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		// Two instances may both find no row: the insert of one waits for the other's commit
		// and then does nothing; either way the row exists and is read again under the lock.
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO rate_budgets (budget, state, updated_at) VALUES (?, '', ?) ON CONFLICT (budget) DO NOTHING`), budget, time.Now().UnixMilli()); err != nil {
			return fmt.Errorf("rate budget: create: %w", err)
		}
		err = tx.QueryRowContext(ctx, s.q(`SELECT state FROM rate_budgets WHERE budget = ?`+cond+lock), budget).Scan(&state)
	}
	if err != nil {
		return fmt.Errorf("rate budget: read: %w", err)
	}
	next := fn(state)
	if next == state {
		return tx.Commit()
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE rate_budgets SET state = ?, updated_at = ? WHERE budget = ?`), next, time.Now().UnixMilli(), budget); err != nil {
		return fmt.Errorf("rate budget: write: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("rate budget: commit: %w", err)
	}
	return nil
}

// SwapRateBudget replaces a rate budget's state with next only if it is still exactly old,
// in one statement and no transaction: a compare-and-swap, as atomic as UpdateRateBudget's
// read and write under the row lock when it succeeds. false (and nothing changed) when the
// state is another (another instance wrote since) or the budget has no row yet; the caller
// then reads it under the lock with UpdateRateBudget. A single instance that knows the state
// it last stored thereby changes it in one round trip instead of four.
func (s *DB) SwapRateBudget(ctx context.Context, budget, old, next string) (bool, error) {
	cond := ""
	if s.dialect == Postgres {
		cond = asyncCommit
	}
	res, err := s.exec(ctx, `UPDATE rate_budgets SET state = ?, updated_at = ? WHERE budget = ? AND state = ?`+cond, next, time.Now().UnixMilli(), budget, old)
	if err != nil {
		return false, fmt.Errorf("rate budget: swap: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("rate budget: swap: %w", err)
	}
	return n == 1, nil
}
