// Package audit implements `ascend connector audit`.
package audit

import (
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/dbflag"
	"github.com/ascend-tools/ascend/internal/cmd/connector/keys"
)

type entryJSON struct {
	Time       time.Time `json:"time"`
	Key        string    `json:"key"`
	Profile    string    `json:"profile"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	Status     int       `json:"status"`
	DurationMS int64     `json:"durationMs"`
	RequestID  string    `json:"requestId"`
}

// ParseSince reads --since: a lookback ("24h", "7d") or an RFC 3339 time or date.
func ParseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	d, err := keys.ParseTTL(s)
	if err != nil || d == 0 {
		return time.Time{}, fmt.Errorf("%q is neither a lookback such as 24h or 7d nor a date", s)
	}
	return now.Add(-d), nil
}

// NewCmd returns `ascend connector audit`.
func NewCmd(f *cli.Factory) *cobra.Command {
	var db, since string
	var limit int
	cmd := &cobra.Command{
		Use:   "audit [--since 24h] [--json]",
		Short: "Show the writes made through the gateway",
		Long: `Show every write made through the gateway, oldest first: time, client key, profile,
method, path, status, duration and request id (which the gateway's log lines carry too).
Refused writes (a read key trying to write) are listed with status 403.`,
		Example: `  ascend connector audit --since 7d
  ascend connector audit --since 2026-11-01 --json --jq '.[] | select(.status >= 400)'`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			from, err := ParseSince(since, time.Now())
			if err != nil {
				return cli.UsageErrorf("--since: %v", err)
			}
			if limit < 0 {
				return cli.UsageErrorf("--limit %d is negative", limit)
			}
			d, err := dbflag.OpenExisting(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			entries, err := d.Audit(cmd.Context(), from, limit)
			if err != nil {
				return fmt.Errorf("read audit log: %w", err)
			}
			out := make([]entryJSON, 0, len(entries))
			for _, e := range entries {
				out = append(out, entryJSON{e.Time, e.KeyName, e.Profile, e.Method, e.Path, e.Status, e.Duration.Milliseconds(), e.RequestID})
			}
			if f.JSONRequested() {
				return f.WriteJSON(out)
			}
			tb := f.NewTable("TIME", "KEY", "PROFILE", "METHOD", "PATH", "STATUS", "MS", "REQUEST")
			for _, e := range out {
				tb.AddRow(f.FormatTime(e.Time), e.Key, e.Profile, e.Method, e.Path, strconv.Itoa(e.Status), strconv.FormatInt(e.DurationMS, 10), e.RequestID)
			}
			return tb.Render()
		},
	}
	dbflag.Add(cmd, &db)
	cmd.Flags().StringVar(&since, "since", "", "only writes after this lookback (24h, 7d) or date")
	cmd.Flags().IntVar(&limit, "limit", 0, "show at most this many writes (0: all)")
	return cmd
}
