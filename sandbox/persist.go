package sandbox

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// persister keeps the sandbox in a SQLite file: the key (so the CLI's embedded sandbox keeps
// trusting the credentials it handed out), every resource, and the pending state changes.
// Writes go out after each API write, so a killed process loses nothing it acknowledged.
type persister struct {
	db   *sql.DB
	path string
}

const persistSchema = `
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS resources (
	type TEXT NOT NULL,
	id   TEXT NOT NULL,
	seq  INTEGER NOT NULL,
	body TEXT NOT NULL,
	PRIMARY KEY (type, id)
);`

func openPersister(path string) (*persister, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("sandbox: state folder: %w", err)
		}
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)")
	if err != nil {
		return nil, fmt.Errorf("sandbox: open state %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(persistSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("sandbox: state %s is not a sandbox database: %w", path, err)
	}
	_ = os.Chmod(path, 0o600)
	return &persister{db: db, path: path}, nil
}

func (p *persister) close() error { return p.db.Close() }

func (p *persister) meta(k string) (string, bool, error) {
	var v string
	err := p.db.QueryRow(`SELECT v FROM meta WHERE k = ?`, k).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return v, err == nil, err
}

// loadKey returns the stored key under name ("key", or "readOnlyKey"), or nil PEM when
// there is none yet.
func (p *persister) loadKey(name, defaultIssuer string) (id, issuer string, pemBytes []byte, err error) {
	v, ok, err := p.meta(name)
	if err != nil || !ok {
		return "", defaultIssuer, nil, err
	}
	var k struct{ ID, Issuer, PEM string }
	if err := json.Unmarshal([]byte(v), &k); err != nil {
		return "", "", nil, fmt.Errorf("sandbox: stored key in %s is unreadable: %w", p.path, err)
	}
	return k.ID, k.Issuer, []byte(k.PEM), nil
}

func (p *persister) saveKey(name, id, issuer string, pemBytes []byte) error {
	b, _ := json.Marshal(struct{ ID, Issuer, PEM string }{id, issuer, string(pemBytes)})
	_, err := p.db.Exec(`INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)`, name, string(b))
	return err
}

// persistedState is the non-resource part of the state.
type persistedState struct {
	Seq    int64   `json:"seq"`
	Timers []timer `json:"timers"`
	Seed   string  `json:"seed"`
	// OffsetMS is how far Advance has moved the state machines' clock, so that timers
	// scheduled on that clock keep their meaning after a restart.
	OffsetMS int64 `json:"offset_ms,omitempty"`
}

// load reads the stored resources into st; ok is false when the file holds no state yet.
func (p *persister) load(st *store) (persistedState, bool, error) {
	var ps persistedState
	v, ok, err := p.meta("state")
	if err != nil || !ok {
		return ps, false, err
	}
	if err := json.Unmarshal([]byte(v), &ps); err != nil {
		return ps, false, fmt.Errorf("sandbox: stored state in %s is unreadable: %w", p.path, err)
	}
	rows, err := p.db.Query(`SELECT body FROM resources ORDER BY seq`)
	if err != nil {
		return ps, false, err
	}
	defer rows.Close()
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return ps, false, err
		}
		var r record
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			return ps, false, fmt.Errorf("sandbox: stored resource in %s is unreadable: %w", p.path, err)
		}
		if r.Attrs == nil {
			r.Attrs = map[string]any{}
		}
		if r.Rels == nil {
			r.Rels = map[string][]string{}
		}
		t := st.table(r.Type)
		rr := r
		t.byID[r.ID] = &rr
		t.list = append(t.list, &rr)
	}
	st.seq = ps.Seq
	return ps, true, rows.Err()
}

// write stores changed records, deletes removed ones and the bookkeeping, in one transaction.
func (p *persister) write(st *store, changed []*record, removed [][2]string, ps persistedState, all bool) error {
	tx, err := p.db.Begin()
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if all {
		if _, err := tx.Exec(`DELETE FROM resources`); err != nil {
			return err
		}
	}
	ins, err := tx.Prepare(`INSERT OR REPLACE INTO resources (type, id, seq, body) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	for _, r := range changed {
		b, err := json.Marshal(r)
		if err != nil {
			return err
		}
		if _, err := ins.Exec(r.Type, r.ID, r.Seq, string(b)); err != nil {
			return err
		}
	}
	for _, k := range removed {
		if _, err := tx.Exec(`DELETE FROM resources WHERE type = ? AND id = ?`, k[0], k[1]); err != nil {
			return err
		}
	}
	b, _ := json.Marshal(ps)
	if _, err := tx.Exec(`INSERT OR REPLACE INTO meta (k, v) VALUES ('state', ?)`, string(b)); err != nil {
		return err
	}
	return tx.Commit()
}
