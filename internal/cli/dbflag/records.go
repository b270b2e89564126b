package dbflag

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/store"
)

// List describes a `list` command over one kind of record R of the gateway database (client
// keys, webhooks, subscriptions): it opens an existing database only, and prints the records
// as --json shows them (T) or as a table.
type List[R, T any] struct {
	Short string
	// What names the records in an error: "list <What>: ...".
	What string
	Read func(ctx context.Context, d *store.DB) ([]R, error)
	// Show is a record as --json shows it, at now, the time it was read.
	Show   func(r R, now time.Time) T
	Header []string
	Row    func(T) []string
	// Empty, when set, is said on a terminal's stderr when there is no record.
	Empty string
}

// NewList returns the command l describes, with --db and the alias ls.
func NewList[R, T any](f *cli.Factory, l List[R, T]) *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:     "list",
		Short:   l.Short,
		Aliases: []string{"ls"},
		Args:    cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, err := OpenExisting(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			rs, err := l.Read(cmd.Context(), d)
			if err != nil {
				return fmt.Errorf("list %s: %w", l.What, err)
			}
			now := time.Now()
			out := make([]T, 0, len(rs))
			for _, r := range rs {
				out = append(out, l.Show(r, now))
			}
			if f.JSONRequested() {
				return f.WriteJSON(out)
			}
			tb := f.NewTable(l.Header...)
			for _, r := range out {
				tb.AddRow(l.Row(r)...)
			}
			if tb.Len() == 0 && l.Empty != "" && f.IO.ErrTTY {
				fmt.Fprintln(f.IO.ErrOut, l.Empty)
			}
			return tb.Render()
		},
	}
	Add(cmd, &db)
	return cmd
}

// Remove describes a command that removes one record of the gateway database named by its
// one argument: it opens an existing database only, asks on a terminal and needs --yes in a
// pipe, and only after Prepare found what to remove.
type Remove struct {
	// Use is the command line ("revoke NAME"), also shown when the argument is missing.
	Use, Short, Long, Example string
	// Yes is --yes's help ("revoke without asking").
	Yes string
	// Prepare checks, before anything is asked, that arg names something to remove, and
	// returns the question to confirm and what removes it.
	Prepare func(ctx context.Context, d *store.DB, arg string) (question string, remove func() error, err error)
	// Done is said on a terminal's stderr once removed: a format of the argument.
	Done string
}

// NewRemove returns the command r describes, with --db and --yes.
func NewRemove(f *cli.Factory, r Remove) *cobra.Command {
	var db string
	var yes bool
	cmd := &cobra.Command{
		Use:     r.Use,
		Short:   r.Short,
		Long:    r.Long,
		Example: r.Example,
		Args:    cli.ExactArgs(1, r.Use),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, err := OpenExisting(cmd.Context(), f, db)
			if err != nil {
				return err
			}
			defer d.Close()
			question, remove, err := r.Prepare(cmd.Context(), d, args[0])
			if err != nil {
				return err
			}
			if err := f.ConfirmDestructive(yes, question); err != nil {
				return err
			}
			if err := remove(); err != nil {
				return err
			}
			if f.IO.ErrTTY {
				fmt.Fprintf(f.IO.ErrOut, r.Done+"\n", args[0])
			}
			return nil
		},
	}
	Add(cmd, &db)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, r.Yes)
	return cmd
}
