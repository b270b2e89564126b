package cli

import (
	"time"

	"github.com/spf13/cobra"
)

// WaitFlags are --wait, --no-wait and --timeout, alike on every command that can wait for
// App Store Connect: --timeout bounds the wait (exit 8 when it passes, PendingError), and
// --no-wait turns off a wait that a default, an alias or a script's --wait asked for, the last
// one given winning.
type WaitFlags struct {
	Wait    bool
	Timeout time.Duration
	noWait  bool
	cmd     *cobra.Command
}

// AddWaitFlags registers the flags on cmd; what names what is waited for ("App Review's
// verdict"), byDefault whether the command waits without --wait.
func AddWaitFlags(cmd *cobra.Command, w *WaitFlags, byDefault bool, timeout time.Duration, what string) {
	w.cmd = cmd
	w.Wait = byDefault
	fl := cmd.Flags()
	fl.BoolVar(&w.Wait, "wait", byDefault, "wait for "+what)
	fl.BoolVar(&w.noWait, "no-wait", false, "do not wait for "+what+"; return once the request is made")
	fl.DurationVar(&w.Timeout, "timeout", timeout, "give up waiting after `duration` (exit 8)")
}

// Waiting reports whether the command is to wait, having checked the flags: --wait with
// --no-wait, and a --timeout that is not positive, are usage errors.
func (w *WaitFlags) Waiting() (bool, error) {
	if w.cmd != nil && w.cmd.Flags().Changed("wait") && w.Wait && w.noWait {
		return false, UsageErrorf("--wait and --no-wait contradict each other: give one")
	}
	if w.Timeout <= 0 {
		return false, UsageErrorf("--timeout must be positive, not %s", w.Timeout)
	}
	if w.noWait {
		return false, nil
	}
	return w.Wait, nil
}
