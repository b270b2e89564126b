// Package keys implements `ascend connector keys create|list|revoke`.
package keys

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/dbflag"
	"github.com/ascend-tools/ascend/store"
)

// NewCmd returns `ascend connector keys`.
func NewCmd(f *cli.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "keys <command>",
		Short: "Create, list and revoke gateway client keys, and set their quotas",
		Args:  cli.NoArgs,
	}
	cmd.AddCommand(newCreate(f), newList(f), newRevoke(f), newQuota(f))
	return cmd
}

// ParseTTL reads a lifetime: Go durations ("36h") or days ("90d"); "" or "0" never expire.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" || s == "never" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration such as 90d or 36h", s)
	}
	return d, nil
}

func newCreate(f *cli.Factory) *cobra.Command {
	var db, name, access, expires, quota string
	cmd := &cobra.Command{
		Use:   "create --name NAME --access read|write [--expires 90d] [--quota 25%]",
		Short: "Create a client key and print it once",
		Long: `Create a client key for one gateway profile (--profile, default "default"). The key is
printed once: alone on stdout when stdout is not a terminal, so it can be piped into a secret
store. Only its SHA-256 hash is kept. Read keys may only send GET and HEAD requests.
--quota caps the share of the profile's hourly App Store Connect budget the key may spend
(default: the gateway's --key-quota, else all of it).`,
		Example: `  ascend connector keys create --name nightly-flow --access read --expires 90d
  ascend connector keys create --name release-bot --access write --profile prod | vault kv put secret/asc-gw key=-`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" {
				return cli.UsageErrorf("--name is required: name the flow or tool that will use the key")
			}
			acc := store.Access(strings.ToLower(access))
			if acc != store.Read && acc != store.Write {
				return cli.UsageErrorf("--access %q is not read or write", access)
			}
			ttl, err := ParseTTL(expires)
			if err != nil {
				return cli.UsageErrorf("--expires: %v", err)
			}
			share := 0.0
			if quota != "" {
				if share, err = connector.ParseShare(quota); err != nil {
					return cli.UsageErrorf("--quota: %v", err)
				}
			}
			profile := dbflag.ProfileName(f)
			secret, rec, err := connector.NewClientKey(name, profile, acc, ttl, time.Now())
			if err != nil {
				return cli.UsageErrorf("%v", err)
			}
			rec.Quota = share
			d, err := dbflag.Open(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			if err := d.CreateClientKey(cmd.Context(), rec); err != nil {
				if errors.Is(err, store.ErrExists) {
					return fmt.Errorf("a key named %q already exists: choose another --name or revoke it first", name)
				}
				return fmt.Errorf("create key: %w", err)
			}
			if !f.IO.OutTTY {
				fmt.Fprintln(f.IO.Out, secret)
				return nil
			}
			fmt.Fprintln(f.IO.Out, secret)
			exp := "never expires"
			if !rec.ExpiresAt.IsZero() {
				exp = "expires " + f.FormatTime(rec.ExpiresAt)
			}
			fmt.Fprintf(f.IO.ErrOut, "created %s key %q for profile %q (%s); it is shown only this once\n", acc, name, profile, exp)
			return nil
		},
	}
	dbflag.Add(cmd, &db)
	cmd.Flags().StringVar(&name, "name", "", "unique `name` of the client (shown in the audit log)")
	cmd.Flags().StringVar(&access, "access", "read", "read or write")
	cmd.Flags().StringVar(&expires, "expires", "", "lifetime such as 90d or 36h (default: never)")
	cmd.Flags().StringVar(&quota, "quota", "", "`share` of the profile's hourly budget the key may spend, such as 25% (default: the gateway's)")
	return cmd
}

type keyJSON struct {
	Name      string     `json:"name"`
	Profile   string     `json:"profile"`
	Access    string     `json:"access"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt *time.Time `json:"expiresAt,omitempty"`
	RevokedAt *time.Time `json:"revokedAt,omitempty"`
	State     string     `json:"state"`
	// Quota is the key's own share of the hourly budget; absent: the gateway's default.
	Quota *float64 `json:"quota,omitempty"`
}

func newList(f *cli.Factory) *cobra.Command {
	return dbflag.NewList(f, dbflag.List[store.ClientKey, keyJSON]{
		Short:  "List client keys (names and state, never the keys)",
		What:   "keys",
		Read:   func(ctx context.Context, d *store.DB) ([]store.ClientKey, error) { return d.ClientKeys(ctx) },
		Show:   showKey,
		Header: []string{"NAME", "PROFILE", "ACCESS", "STATE", "QUOTA", "CREATED", "EXPIRES"},
		Row: func(j keyJSON) []string {
			exp := "never"
			if j.ExpiresAt != nil {
				exp = f.FormatTime(*j.ExpiresAt)
			}
			quota := "default"
			if j.Quota != nil {
				quota = connector.FormatShare(*j.Quota)
			}
			return []string{j.Name, j.Profile, j.Access, j.State, quota, f.FormatTime(j.CreatedAt), exp}
		},
		Empty: "no client keys yet; create one with 'ascend connector keys create'",
	})
}

// showKey is a client key as list shows it, with its state at now.
func showKey(k store.ClientKey, now time.Time) keyJSON {
	j := keyJSON{Name: k.Name, Profile: k.Profile, Access: string(k.Access), CreatedAt: k.CreatedAt, State: "active"}
	if k.Quota > 0 {
		q := k.Quota
		j.Quota = &q
	}
	if !k.ExpiresAt.IsZero() {
		t := k.ExpiresAt
		j.ExpiresAt = &t
		if !now.Before(t) {
			j.State = "expired"
		}
	}
	if !k.RevokedAt.IsZero() {
		t := k.RevokedAt
		j.RevokedAt, j.State = &t, "revoked"
	}
	return j
}

func newRevoke(f *cli.Factory) *cobra.Command {
	return dbflag.NewRemove(f, dbflag.Remove{
		Use:   "revoke NAME",
		Short: "Revoke a client key at once",
		Long: `Revoke a client key at once: every flow using it is refused from then on.
Asks first on a terminal; in a pipe it needs --yes.`,
		Example: `  ascend connector keys revoke nightly-flow --yes`,
		Yes:     "revoke without asking",
		Prepare: func(ctx context.Context, d *store.DB, name string) (string, func() error, error) {
			// Ask only about a key that can be revoked.
			ks, err := d.ClientKeys(ctx)
			if err != nil {
				return "", nil, fmt.Errorf("revoke key: %w", err)
			}
			if !slices.ContainsFunc(ks, func(k store.ClientKey) bool { return k.Name == name && k.RevokedAt.IsZero() }) {
				return "", nil, noActiveKey(name)
			}
			return fmt.Sprintf("revoke client key %q", name), func() error {
				if err := d.RevokeClientKey(ctx, name, time.Now()); err != nil {
					if errors.Is(err, store.ErrNotFound) {
						return noActiveKey(name)
					}
					return fmt.Errorf("revoke key: %w", err)
				}
				return nil
			}, nil
		},
		Done: "revoked key %q",
	})
}

func noActiveKey(name string) error {
	return fmt.Errorf("no active key named %q: see 'ascend connector keys list'", name)
}

func newQuota(f *cli.Factory) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "quota NAME SHARE|default",
		Short: "Set the share of the hourly budget a client key may spend",
		Long: `Set the share of its profile's hourly App Store Connect budget a client key may spend
upstream in any rolling hour ("25%", "0.25"), or "default" for the gateway's --key-quota.
Past it the key's requests get 429 with Retry-After. Running gateways apply it when they
next read the key (at once, or within --key-cache).`,
		Example: `  ascend connector keys quota nightly-flow 10%
  ascend connector keys quota nightly-flow default`,
		Args: cli.ExactArgs(2, "quota NAME SHARE|default"),
		RunE: func(cmd *cobra.Command, args []string) error {
			share := 0.0
			if args[1] != "default" {
				var err error
				if share, err = connector.ParseShare(args[1]); err != nil {
					return cli.UsageErrorf("%v", err)
				}
			}
			d, err := dbflag.OpenExisting(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			if err := d.SetClientKeyQuota(cmd.Context(), args[0], share); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					return fmt.Errorf("no key named %q: see 'ascend connector keys list'", args[0])
				}
				return fmt.Errorf("set quota: %w", err)
			}
			if f.IO.ErrTTY {
				fmt.Fprintf(f.IO.ErrOut, "key %q may now spend %s of its profile's hourly budget\n", args[0], args[1])
			}
			return nil
		},
	}
	dbflag.Add(cmd, &db)
	return cmd
}
