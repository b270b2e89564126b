package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// Exit codes of the ascend binary; DESIGN.md lists them as part of the user contract.
const (
	ExitOK      = 0
	ExitError   = 1
	ExitUsage   = 2
	ExitAuth    = 4
	ExitPending = 8
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

// ExitCode maps an error returned by a command to the process exit code. It is the only place
// that does so.
func ExitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var usage *UsageError
	var pending *PendingError
	var authErr *AuthError
	switch {
	case errors.As(err, &usage):
		return ExitUsage
	case errors.As(err, &authErr):
		return ExitAuth
	case errors.As(err, &pending):
		return ExitPending
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
func FlagError(cmd *cobra.Command, err error) error {
	return UsageErrorf("%s; see '%s --help'", err.Error(), cmd.CommandPath())
}
