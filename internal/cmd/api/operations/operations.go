// Package operations implements `ascend api operations`: list every App Store Connect
// operation the spec knows.
package operations

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/spec"
)

// Options are the command's flags and dependencies.
type Options struct {
	F      *cli.Factory
	Tag    string
	Search string
}

// Operation is one row of the --json output.
type Operation struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	OperationID string `json:"operationId"`
	Tag         string `json:"tag"`
	Deprecated  bool   `json:"deprecated,omitempty"`
}

// NewCmd returns `ascend api operations`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "operations",
		Short: "List every App Store Connect operation",
		Long: `List every operation in Apple's App Store Connect API spec as METHOD PATH operationId.
--tag keeps one tag (case-insensitive); --search keeps operations whose path, id or tag
contains the word.`,
		Example: `  ascend api operations --search appInfoLocalizations
  ascend api operations --tag Apps --json`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Tag, "tag", "", "only operations with this `tag`")
	cmd.Flags().StringVar(&opts.Search, "search", "", "only operations whose path, id or tag contains `word`")
	return cmd
}

// Filter returns the operations matching the options.
func Filter(opts *Options) []Operation {
	word := strings.ToLower(opts.Search)
	var out []Operation
	for _, op := range spec.Operations() {
		if opts.Tag != "" && !strings.EqualFold(op.Tag, opts.Tag) {
			continue
		}
		if word != "" && !strings.Contains(strings.ToLower(op.Path+" "+op.ID+" "+op.Tag), word) {
			continue
		}
		out = append(out, Operation{Method: op.Method, Path: op.Path, OperationID: op.ID, Tag: op.Tag, Deprecated: op.Deprecated})
	}
	return out
}

func run(opts *Options) error {
	f := opts.F
	ops := Filter(opts)
	if f.JSONRequested() {
		if ops == nil {
			ops = []Operation{}
		}
		return f.WriteJSON(ops)
	}
	if len(ops) == 0 {
		return cli.UsageErrorf("no operation matches --tag %q --search %q; try a shorter word", opts.Tag, opts.Search)
	}
	t := f.NewTable("METHOD", "PATH", "OPERATION ID")
	for _, op := range ops {
		t.AddRow(op.Method, op.Path, op.OperationID)
	}
	return t.Render()
}
