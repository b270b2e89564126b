package cli

import (
	"bufio"
	"fmt"
	"strings"
)

// ConfirmDestructive guards a destructive action. With yes (the command's --yes flag) it
// proceeds. Otherwise, when stdin and stderr are terminals, it asks "what? [y/N]" on stderr;
// when nobody can answer it refuses with a usage error that names --yes. Any answer but yes
// (Enter, Ctrl-D included) returns a *CancelledError saying that nothing was done.
func (f *Factory) ConfirmDestructive(yes bool, what string) error {
	if yes {
		return nil
	}
	if !f.IO.InTTY || !f.IO.ErrTTY {
		return UsageErrorf("refusing to %s without confirmation: stdin is not a terminal; pass --yes to proceed", what)
	}
	fmt.Fprintf(f.IO.ErrOut, "? %s? [y/N] ", upperFirst(what))
	line, _ := bufio.NewReader(f.IO.In).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return &CancelledError{What: what}
}

// CancelledError is a confirmation answered no: nothing was done. It exits 1.
type CancelledError struct{ What string }

func (e *CancelledError) Error() string {
	return "cancelled: nothing was done (did not " + e.What + ")"
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
