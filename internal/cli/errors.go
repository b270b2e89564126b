package cli

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ascend-tools/ascend/asc/upload"
	"github.com/ascend-tools/ascend/internal/fuzzy"
)

// Exit codes of the ascend binary; the README lists them as part of the user contract.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitAuth    = 4
	ExitPending = 8
	// ExitInterrupted is the shell's code for a process ended by SIGINT (128+2): Ctrl-C.
	ExitInterrupted = 130
)

// UsageError is a mistake in how a command was invoked: a flag, an argument, a value the API
// would refuse. It exits 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// UsageErrorf returns a *UsageError with a formatted message.
func UsageErrorf(format string, a ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, a...)}
}

// AuthError is a failure to authenticate: no credentials, an unusable key, a refused token.
// It exits 4. Error reads "Msg: Err" (or either alone).
type AuthError struct {
	Msg string
	Err error

	wrapped error // a %w operand of AuthErrorf, already part of Msg
}

func (e *AuthError) Error() string {
	switch {
	case e.Err == nil:
		return e.Msg
	case e.Msg == "":
		return e.Err.Error()
	}
	return e.Msg + ": " + e.Err.Error()
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *AuthError) Unwrap() error {
	if e.Err != nil {
		return e.Err
	}
	return e.wrapped
}

// usageOf is an error marked as bad input by AsUsage.
type usageOf struct{ err error }

func (e *usageOf) Error() string { return e.err.Error() }
func (e *usageOf) Unwrap() error { return e.err }

// AsUsage marks err as bad input (exit 2) and keeps what it is: a ProblemLister still prints
// one problem a line. nil stays nil.
func AsUsage(err error) error {
	if err == nil {
		return nil
	}
	return &usageOf{err}
}

// AuthErrorf returns an *AuthError with a formatted message; a %w operand stays reachable
// with errors.Is and errors.As.
func AuthErrorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	return &AuthError{Msg: err.Error(), wrapped: errors.Unwrap(err)}
}

// PendingError reports that a wait ended before the thing waited for happened. It exits 8.
type PendingError struct{ Msg string }

func (e *PendingError) Error() string { return e.Msg }

// PendingErrorf returns a *PendingError with a formatted message.
func PendingErrorf(format string, a ...any) error {
	return &PendingError{Msg: fmt.Sprintf(format, a...)}
}

// ExitStatus ends a command with Code and prints nothing: the command has said what it had to
// (metadata diff --exit-code returns 1 when there are differences, as git diff does).
type ExitStatus struct{ Code int }

func (e *ExitStatus) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ExitCode maps an error returned by a command to the process exit code. It is the only place
// that does so.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var usage *UsageError
	var pending *PendingError
	var assetPending *upload.PendingError // an asset still processing when --timeout passed
	var authErr *AuthError
	var status *ExitStatus
	var problems *ProblemList
	var usageOf *usageOf
	switch {
	case errors.As(err, &status):
		return status.Code
	case errors.As(err, &problems) && problems.Code != 0:
		return problems.Code
	case errors.As(err, &usage), errors.As(err, &usageOf):
		return ExitUsage
	case errors.As(err, &authErr):
		return ExitAuth
	case errors.As(err, &pending), errors.As(err, &assetPending):
		return ExitPending
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case isAuthFailure(err):
		return ExitAuth
	}
	return ExitError
}

// ExactArgs is cobra.ExactArgs whose mistakes are usage errors naming the expected form.
func ExactArgs(n int, usage string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		if len(args) > n {
			return UsageErrorf("%s: too many arguments; usage: %s", cmd.CommandPath(), usage)
		}
		return UsageErrorf("%s: missing argument; usage: %s", cmd.CommandPath(), usage)
	}
}

// NoArgs refuses positional arguments with a usage error.
func NoArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return UsageErrorf("%s takes no arguments, got %q; see '%s --help'", cmd.CommandPath(), strings.Join(args, " "), cmd.CommandPath())
}

// FlagError wraps a cobra/pflag parsing failure as a usage error; root installs it with
// SetFlagErrorFunc.
// An unknown flag gets the closest flags of the command as "did you mean" suggestions.
func FlagError(cmd *cobra.Command, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		var names []string
		cmd.Flags().VisitAll(func(fl *pflag.Flag) {
			if !fl.Hidden {
				names = append(names, fl.Name)
			}
		})
		if s := Suggest(name, names); len(s) > 0 {
			msg += "; did you mean --" + strings.Join(s, " or --") + "?"
		}
	}
	return UsageErrorf("%s; see '%s --help'", msg, cmd.CommandPath())
}

// Suggest returns the candidates close to word, closest first: those within two edits
// (one for words of up to three letters) and those that word begins or that begin with it.
func Suggest(word string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	var found []scored
	limit := 2
	if len(word) <= 3 {
		limit = 1
	}
	lw := strings.ToLower(word)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if lc == lw {
			continue
		}
		d := fuzzy.Distance(lw, lc)
		if d <= limit || (len(lw) >= 3 && strings.HasPrefix(lc, lw)) {
			found = append(found, scored{c, d})
		}
	}
	sort.SliceStable(found, func(i, j int) bool { return found[i].d < found[j].d })
	out := make([]string, 0, min(len(found), 3))
	for i := 0; i < len(found) && i < 3; i++ {
		out = append(out, found[i].s)
	}
	return out
}
