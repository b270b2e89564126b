package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/workflow/fastlane"
)

// FastlaneFlag is --fastlane: the fastlane project whose Appfile and Deliverfile supply what
// a flag leaves out (the app, the folders, the platform and deliver's options), so a fastlane
// project works without changing a file.
type FastlaneFlag struct {
	Dir string
	// FromEnv makes a project of deliver's DELIVER_* variables alone where there is no
	// fastlane folder, as fastlane deliver runs without one (fastlane.FromEnv).
	FromEnv bool
}

// Add binds --fastlane to cmd.
func (fl *FastlaneFlag) Add(cmd *cobra.Command) {
	cmd.Flags().StringVar(&fl.Dir, "fastlane", "", "read the app, folders and options from the Appfile and Deliverfile of this fastlane project `folder` (default: ./fastlane, or the one above --dir)")
}

// Project returns the fastlane project a command works in: --fastlane's; else, when the
// command was pointed at a folder (its flag dirFlag given), the fastlane folder above it;
// else ./fastlane when it exists; else, with FromEnv, deliver's variables alone. nil, nil when
// there is none (only --fastlane must exist). A DELIVER_* variable that cannot be read is an
// error naming it. The notes of the files and variables, everything not applied, go to stderr.
func (fl *FastlaneFlag) Project(f *Factory, cmd *cobra.Command, dirFlag string) (*fastlane.Config, error) {
	near := ""
	if flag := cmd.Flags().Lookup(dirFlag); flag != nil && flag.Changed {
		near = flag.Value.String()
	}
	lookup := f.LookupEnv
	dir := fl.Dir
	if dir == "" && near != "" {
		dir = fastlane.Near(near)
	}
	if dir == "" && near == "" {
		dir = fastlane.Find(".")
	}
	var c *fastlane.Config
	var err error
	switch {
	case dir == "" && !fl.FromEnv:
		return nil, nil
	case dir == "":
		c, err = fastlane.FromEnv(".", lookup)
	default:
		c, err = fastlane.Resolve(dir, lookup)
	}
	var bad *fastlane.EnvError
	if errors.As(err, &bad) {
		return nil, err // a DELIVER_* variable that cannot be read: each one named
	}
	if c == nil || err != nil {
		if err != nil && fl.Dir != "" {
			return nil, UsageErrorf("--fastlane: %v", err)
		}
		return nil, err
	}
	for _, n := range c.Notes {
		fmt.Fprintf(f.IO.ErrOut, "fastlane: %s\n", n)
	}
	return c, nil
}

// App returns the app the project names for a command that was given none, and says on
// stderr which it is and where it came from (deliver's arrays and ENV forms make that worth
// knowing).
func (fl *FastlaneFlag) App(f *Factory, c *fastlane.Config) string {
	app, from := c.App()
	if app != "" {
		fmt.Fprintf(f.IO.ErrOut, "fastlane: app %s, from %s\n", app, from)
	}
	return app
}

// Forced reports whether the project's Deliverfile (or $DELIVER_FORCE) sets force, which
// skips deliver's confirmation: a command then goes on as with --yes, and says so on stderr.
func (fl *FastlaneFlag) Forced(f *Factory, c *fastlane.Config) bool {
	if c == nil || !c.Flags["force"] {
		return false
	}
	fmt.Fprintf(f.IO.ErrOut, "fastlane: %s sets force: going on without asking, as with --yes\n", c.Where["force"])
	return true
}
