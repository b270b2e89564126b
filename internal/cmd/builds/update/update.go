// Package update implements `ascend builds update`.
package update

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/buildflag"
	"github.com/ascend-tools/ascend/workflow/builds"
)

// Options are the command's flags and dependencies.
type Options struct {
	F           *cli.Factory
	Ref         buildflag.RefFlags
	Args        []string
	Encryption  string
	Declaration string
}

// NewCmd returns `ascend builds update`; runF replaces the run function in tests.
func NewCmd(f *cli.Factory, runF func(*cobra.Command, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "update [<build-id>] [--app A --version V --build-number N] --uses-non-exempt-encryption=BOOL [--encryption-declaration ID]",
		Short: "Set a build's export compliance",
		Long: `Answer App Store Connect's export compliance question for a build: whether it uses
non-exempt encryption, and the app encryption declaration that covers it. Only what differs
is sent; a build already as asked is left alone.`,
		Example: `  ascend builds update --app com.example.app --version 2.4.0 --build-number 512 --uses-non-exempt-encryption=false
  ascend builds update 6f1c2a9e-4b7d-4c1a-9d2e-0a1b2c3d4e5f --uses-non-exempt-encryption=true --encryption-declaration 4b2e5d1a-...`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Args = args
			if runF != nil {
				return runF(cmd, opts)
			}
			return run(cmd, opts)
		},
	}
	opts.Ref.Add(cmd)
	cmd.Flags().StringVar(&opts.Encryption, "uses-non-exempt-encryption", "", "`true` or false: whether the build uses encryption that is not exempt")
	cmd.Flags().StringVar(&opts.Declaration, "encryption-declaration", "", "the app encryption declaration's `id`")
	return cmd
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	ref, err := opts.Ref.Ref(opts.Args)
	if err != nil {
		return err
	}
	want := builds.Compliance{EncryptionDeclaration: opts.Declaration}
	if opts.Encryption != "" {
		v, err := strconv.ParseBool(strings.ToLower(opts.Encryption))
		if err != nil {
			return cli.UsageErrorf("--uses-non-exempt-encryption is true or false, not %q", opts.Encryption)
		}
		want.UsesNonExemptEncryption = &v
	}
	if want.UsesNonExemptEncryption == nil && want.EncryptionDeclaration == "" {
		return cli.UsageErrorf("nothing to change: pass --uses-non-exempt-encryption or --encryption-declaration")
	}
	c, err := f.Client(cmd.Context())
	if err != nil {
		return err
	}
	res, err := builds.Update(cmd.Context(), c, ref, want)
	if err != nil {
		return err
	}
	if len(res.Changed) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "build %s already has this export compliance\n", res.Build.ID)
	} else {
		fmt.Fprintf(f.IO.ErrOut, "build %s: set %s\n", res.Build.ID, strings.Join(res.Changed, ", "))
	}
	if f.JSONRequested() {
		return f.WriteJSON(res.Build)
	}
	return buildflag.Table(f, []builds.Build{*res.Build})
}
