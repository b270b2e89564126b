// Package dbflag is the --db flag shared by `ascend serve` and `ascend connector ...`, so they
// all open the same gateway database, and the list and remove commands the connector's keys,
// webhooks and subscriptions share over it.
package dbflag

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/store"
)

// EnvVar names the database when --db is not given.
const EnvVar = "ASCEND_GATEWAY_DB"

// Add registers --db on cmd.
func Add(cmd *cobra.Command, target *string) {
	cmd.Flags().StringVar(target, "db", "", "gateway database: a SQLite `file` or a postgres:// URL (env "+EnvVar+"; default gateway.sqlite in the config dir)")
}

// Resolve returns the database to use: the flag, the environment, or the default file.
func Resolve(f *cli.Factory, flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	getenv := f.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if v := getenv(EnvVar); v != "" {
		return v, nil
	}
	dir, err := f.ConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "gateway.sqlite"), nil
}

// Open opens (creating and migrating when needed) the gateway database.
func Open(ctx context.Context, f *cli.Factory, flag string) (*store.DB, error) {
	dsn, err := Resolve(f, flag)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		where := dsn
		if store.IsPostgres(dsn) {
			where = "the PostgreSQL database"
		}
		return nil, fmt.Errorf("open gateway database %s: %w; check --db", where, err)
	}
	return db, nil
}

// OpenExisting opens the gateway database for commands that only read or remove records: a
// SQLite file that does not exist is an error (a mistyped --db would otherwise answer from a
// new, empty database), and nothing is created.
func OpenExisting(ctx context.Context, f *cli.Factory, flag string) (*store.DB, error) {
	dsn, err := Resolve(f, flag)
	if err != nil {
		return nil, err
	}
	if !store.IsPostgres(dsn) {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("no gateway database at %s: check --db (or %s); 'ascend serve' and 'ascend connector keys create' create it", dsn, EnvVar)
		}
	}
	return Open(ctx, f, flag)
}

// ProfileName is the gateway profile a command works on: the global --profile, else "default".
func ProfileName(f *cli.Factory) string {
	if f.Flags.Profile != "" {
		return f.Flags.Profile
	}
	return cli.DefaultProfile
}
