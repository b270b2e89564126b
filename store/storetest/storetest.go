// Package storetest opens throwaway gateway databases for tests: a SQLite file in the test's
// temporary folder, or a fresh database on the PostgreSQL server named by
// ASCEND_TEST_POSTGRES_URL (see .ci/postgres.sh), dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/ascend-tools/ascend/store"
)

// Backends lists the backends to run a test on: "sqlite" always, "postgres" too.
func Backends() []string { return []string{"sqlite", "postgres"} }

// DSN returns a fresh database for the backend: a SQLite path, or the URL of a new PostgreSQL
// database. Without ASCEND_TEST_POSTGRES_URL a postgres test is skipped with the reason
// printed, and fails under CI=true.
func DSN(t testing.TB, backend string) string {
	t.Helper()
	if backend == "sqlite" {
		return filepath.Join(t.TempDir(), "gateway.sqlite")
	}
	base := os.Getenv("ASCEND_TEST_POSTGRES_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("ASCEND_TEST_POSTGRES_URL is unset; CI must start PostgreSQL with .ci/postgres.sh")
		}
		t.Skip("skipping PostgreSQL test: ASCEND_TEST_POSTGRES_URL is unset (run: eval \"$(bash .ci/postgres.sh)\")")
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("ASCEND_TEST_POSTGRES_URL is not a URL: %v", err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "ascend_t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	u.Path = "/" + name
	return u.String()
}

// Open opens a fresh database for the backend, closed when the test ends.
func Open(t testing.TB, backend string) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), DSN(t, backend))
	if err != nil {
		t.Fatalf("open %s store: %v", backend, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
