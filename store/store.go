package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	sqlite "modernc.org/sqlite"        // registers the "sqlite" database/sql driver
)

// Errors returned by DB methods; compare with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
)

// Dialect names the SQL backend behind a DB.
type Dialect string

// The supported backends.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is the gateway's persistent state, on SQLite or PostgreSQL. It is safe for concurrent use.
type DB struct {
	sql     *sql.DB
	dialect Dialect
	// keyByID is the statement of the gateway's busiest query (a client key on every
	// request without a key cache), prepared once.
	keyOnce sync.Once
	keyByID *sql.Stmt
	keyErr  error
}

// IsPostgres reports whether a --db value names a PostgreSQL database rather than a SQLite file.
func IsPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database named by dsn, a postgres:// URL or a SQLite file path (created with
// its folder when missing), and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*DB, error) {
	var (
		db  *sql.DB
		d   Dialect
		err error
	)
	if IsPostgres(dsn) {
		d = Postgres
		db, err = sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres database: %w", err)
		}
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(10)
	} else {
		d = SQLite
		if dsn == "" {
			return nil, errors.New("open database: no path given")
		}
		if dir := filepath.Dir(dsn); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("create database folder: %w", err)
			}
		}
		// The file holds webhook secrets and subscribers' callback URLs: create it readable by
		// its owner only. SQLite gives its journal files the database file's mode.
		if f, err := os.OpenFile(dsn, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			f.Close()
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create sqlite database %s: %w", dsn, err)
		}
		// WAL lets readers run beside the one writer; synchronous=FULL makes every committed
		// event survive a crash of the machine, not only of the process; _txlock=immediate
		// takes the write lock at BEGIN so two transactions never deadlock upgrading it.
		q := "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_txlock=immediate"
		db, err = sql.Open("sqlite", "file:"+dsn+q)
		if err != nil {
			return nil, fmt.Errorf("open sqlite database %s: %w", dsn, err)
		}
		db.SetMaxOpenConns(8)
		db.SetMaxIdleConns(8)
	}
	s := &DB{sql: db, dialect: d}
	if err := s.migrateRetryingBusy(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// migrateRetryingBusy migrates, retrying for a bounded time while SQLite answers that the file
// is busy. Instances starting together on a new file race to switch it to WAL, and SQLite
// answers the loser SQLITE_BUSY at once, without waiting out busy_timeout; a moment later the
// file is in WAL mode and the migration goes through (or finds it already applied).
func (s *DB) migrateRetryingBusy(ctx context.Context) error {
	const patience = 15 * time.Second
	deadline := time.Now().Add(patience)
	wait := 10 * time.Millisecond
	for {
		err := s.migrate(ctx)
		if err == nil || s.dialect != SQLite || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// isBusy reports whether err is SQLite's SQLITE_BUSY or SQLITE_LOCKED, in any extended form.
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	const busy, locked = 5, 6
	code := se.Code() & 0xff
	return code == busy || code == locked
}

// Close closes the database.
func (s *DB) Close() error {
	if s.keyByID != nil {
		s.keyByID.Close()
	}
	return s.sql.Close()
}

// Dialect tells which backend this is.
func (s *DB) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers, for readiness probes.
func (s *DB) Ping(ctx context.Context) error { return s.sql.PingContext(ctx) }

// q rewrites a statement written with ? placeholders for the backend.
func (s *DB) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

func (s *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.sql.ExecContext(ctx, s.q(query), args...)
}

func (s *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return s.sql.QueryContext(ctx, s.q(query), args...)
}

// millis stores a time as Unix milliseconds; the zero time is stored as 0.
func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// isUniqueViolation recognises a duplicate key from either driver without importing their
// error types.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505") ||
		strings.Contains(m, "duplicate key value")
}

func joinList(v []string) string { return strings.Join(v, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
