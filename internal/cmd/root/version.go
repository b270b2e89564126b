package root

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
)

// versionLine is what `ascend version` and `ascend --version` print: the version, the commit
// the binary was built from when Go recorded it, the Go release and the platform.
func versionLine(version string) string {
	if version == "" {
		version = "dev"
	}
	commit := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if rev != "" {
			commit = ", commit " + rev
			if modified == "true" {
				commit += " (modified)"
			}
		}
	}
	return fmt.Sprintf("ascend version %s (%s%s, %s/%s)", version, runtime.Version(), commit, runtime.GOOS, runtime.GOARCH)
}

type versionJSON struct {
	Version string `json:"version"`
	Go      string `json:"go"`
	OS      string `json:"os"`
	Arch    string `json:"arch"`
	Line    string `json:"line"`
}

func versionCmd(f *cli.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print ascend's version",
		Long:    "Print ascend's version, the Go release it was built with and the platform; the same as --version.",
		Example: "  ascend version\n  ascend version --json",
		Args:    cli.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			line := versionLine(f.Version)
			if f.JSONRequested() {
				v := f.Version
				if v == "" {
					v = "dev"
				}
				return f.WriteJSON(versionJSON{Version: v, Go: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH, Line: line})
			}
			_, err := fmt.Fprintln(f.IO.Out, line)
			return err
		},
	}
}
