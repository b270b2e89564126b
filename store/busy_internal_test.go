package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestOpenWaitsOutALockedFile: while another process holds a new database file's write lock
// and answers nothing else, Open neither fails nor half-migrates; once the lock goes it comes
// up with the full schema. The lock holder opens without a busy timeout, so the driver's busy
// error is the one SQLite gives, and isBusy recognises it wrapped.
func TestOpenWaitsOutALockedFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gateway.sqlite")
	holder, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	holder.SetMaxOpenConns(2)
	ctx := context.Background()
	lock, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}

	other, err := holder.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, busyErr := other.ExecContext(ctx, "CREATE TABLE t (x INTEGER)")
	other.Close()
	if busyErr == nil {
		t.Fatal("a second writer got through an exclusive lock")
	}
	if !isBusy(fmt.Errorf("migrate database: %w", busyErr)) {
		t.Errorf("isBusy(%v) = false; want true", busyErr)
	}
	if isBusy(errors.New("database is locked")) {
		t.Error("isBusy took a plain error with the same text for SQLite's busy error")
	}

	release := time.AfterFunc(300*time.Millisecond, func() {
		lock.ExecContext(ctx, "ROLLBACK")
		lock.Close()
	})
	defer release.Stop()
	db, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open while the file was locked for a moment: %v", err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(t.Context()); err != nil || v != len(migrations)-1 {
		t.Errorf("schema version %d, %v; want %d", v, err, len(migrations)-1)
	}
}
