package store

import "database/sql"

// SQLOf is the database/sql handle under s, for tests that need one session.
func SQLOf(s *DB) *sql.DB { return s.sql }
