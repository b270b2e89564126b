package store_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// TestConcurrentFirstStart: instances starting together on one empty database all come up,
// and the schema is applied once.
func TestConcurrentFirstStart(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, backend string) {
		dsn := storetest.DSN(t, backend)
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		dbs := make([]*store.DB, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dbs[i], errs[i] = store.Open(t.Context(), dsn)
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Errorf("instance %d: %v", i, errs[i])
				continue
			}
			if v, err := dbs[i].SchemaVersion(t.Context()); err != nil || v != 4 {
				t.Errorf("instance %d: schema version %d, %v; want 4", i, v, err)
			}
			dbs[i].Close()
		}
	})
}

// TestSQLiteFileIsPrivate: the database holds webhook secrets and subscribers' callback URLs,
// so a new file (and its journal) is readable by its owner only.
func TestSQLiteFileIsPrivate(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "gw", "gateway.sqlite")
	db, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, p := range []string{path, path + "-wal"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("stat %s: %v", filepath.Base(p), err)
			continue
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s has mode %v; want no access for group and others", filepath.Base(p), perm)
		}
	}
}
