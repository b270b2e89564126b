// Package root builds ascend's command tree and runs it: the one place where errors are
// printed and turned into exit codes.
package root

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	apicmd "github.com/ascend-tools/ascend/internal/cmd/api"
	appscmd "github.com/ascend-tools/ascend/internal/cmd/apps"
	authcmd "github.com/ascend-tools/ascend/internal/cmd/auth"
	buildscmd "github.com/ascend-tools/ascend/internal/cmd/builds"
	connectorcmd "github.com/ascend-tools/ascend/internal/cmd/connector"
	delivercmd "github.com/ascend-tools/ascend/internal/cmd/deliver"
	mcpcmd "github.com/ascend-tools/ascend/internal/cmd/mcp"
	metadatacmd "github.com/ascend-tools/ascend/internal/cmd/metadata"
	pilotcmd "github.com/ascend-tools/ascend/internal/cmd/pilot"
	pricingcmd "github.com/ascend-tools/ascend/internal/cmd/pricing"
	productscmd "github.com/ascend-tools/ascend/internal/cmd/products"
	releasecmd "github.com/ascend-tools/ascend/internal/cmd/release"
	sandboxcmd "github.com/ascend-tools/ascend/internal/cmd/sandbox"
	screenshotscmd "github.com/ascend-tools/ascend/internal/cmd/screenshots"
	servecmd "github.com/ascend-tools/ascend/internal/cmd/serve"
	submitcmd "github.com/ascend-tools/ascend/internal/cmd/submit"
	testflightcmd "github.com/ascend-tools/ascend/internal/cmd/testflight"
	versionscmd "github.com/ascend-tools/ascend/internal/cmd/versions"
	"github.com/ascend-tools/ascend/sandbox"
)

// commands lists the top-level commands. To add one, write `func NewCmd(f *cli.Factory)
// *cobra.Command` in its package under internal/cmd and add one line here.
func commands(f *cli.Factory) []*cobra.Command {
	return []*cobra.Command{
		appscmd.NewCmd(f),
		apicmd.NewCmd(f),
		authcmd.NewCmd(f),
		sandboxcmd.NewCmd(f),
		servecmd.NewCmd(f),
		connectorcmd.NewCmd(f),
		metadatacmd.NewCmd(f),
		screenshotscmd.NewCmd(f),
		productscmd.NewCmd(f),
		pricingcmd.NewCmd(f),
		buildscmd.NewCmd(f),
		testflightcmd.NewCmd(f),
		versionscmd.NewCmd(f),
		submitcmd.NewCmd(f),
		releasecmd.NewCmd(f),
		releasecmd.NewPhasedCmd(f),
		delivercmd.NewCmd(f),
		pilotcmd.NewCmd(f),
		mcpcmd.NewCmd(f),
	}
}

// Version is the binary's version; release builds set it with -ldflags -X.
var Version = "dev"

// New builds the command tree over f, binding the global flags to f.Flags.
func New(f *cli.Factory) *cobra.Command {
	if f.StartSandbox == nil {
		f.StartSandbox = startSandbox
	}
	cmd := &cobra.Command{
		Use:   "ascend <command> <subcommand> [flags]",
		Short: "Automate Apple's App Store Connect",
		Long: `ascend automates Apple's App Store Connect: apps, metadata, screenshots and more,
with a signed 'api' passthrough for everything else.

Credentials, first found wins: --key-id/--issuer-id/--private-key-path or --api-key-json
FILE (with its base_url); the environment (ASC_KEY_ID, ASC_ISSUER_ID, ASC_PRIVATE_KEY_PATH
or ASC_PRIVATE_KEY; ASC_API_KEY_JSON); a profile saved by 'ascend auth login'. --sandbox uses
a local emulator with demo data instead.`,
		Example: `  ascend --sandbox apps list
  ascend apps get com.example.app --json
  ascend api /v1/apps -f 'filter[appStoreVersions.platform]=IOS' --paginate --jq '.data[].id'`,
		SilenceErrors: true,
		SilenceUsage:  true,
		// The output flags are checked once here, before any command runs, so that no
		// command can write to App Store Connect and only then refuse its --jq. No command
		// defines a PersistentPreRun of its own (which would replace this one; a test checks).
		PersistentPreRunE: func(*cobra.Command, []string) error { return checkOutputFlags(f) },
	}
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetFlagErrorFunc(cli.FlagError)
	// `ascend completion bash|zsh|fish|powershell` is listed in the help, as gh lists it.
	cmd.CompletionOptions.HiddenDefaultCmd = false
	cmd.SetVersionTemplate("{{.Version}}\n")
	cmd.Version = versionLine(f.Version)

	pf := cmd.PersistentFlags()
	pf.StringVar(&f.Flags.BaseURL, "base-url", "", "API root URL (env ASC_BASE_URL; default Apple's production API)")
	pf.BoolVar(&f.Flags.Sandbox, "sandbox", false, "use the embedded sandbox with demo data (env ASCEND_SANDBOX=1)")
	pf.BoolVar(&f.Flags.JSON, "json", false, "print Apple's JSON resources instead of a table")
	pf.StringVar(&f.Flags.JQ, "jq", "", "filter JSON output with a jq `expression`")
	pf.BoolVarP(&f.Flags.Verbose, "verbose", "v", false, "log each request to stderr (Authorization redacted)")
	pf.StringVar(&f.Flags.Profile, "profile", "", "use the saved credentials profile `NAME` (default \"default\")")
	pf.StringVar(&f.Flags.KeyID, "key-id", "", "API key id (env ASC_KEY_ID)")
	pf.StringVar(&f.Flags.IssuerID, "issuer-id", "", "issuer id of a team key; omit for an individual key (env ASC_ISSUER_ID)")
	pf.StringVar(&f.Flags.PrivateKeyPath, "private-key-path", "", "path of the .p8 key `file` (env ASC_PRIVATE_KEY_PATH, or the PEM in ASC_PRIVATE_KEY)")
	pf.StringVar(&f.Flags.APIKeyJSON, "api-key-json", "", "fastlane-style api-key JSON `file` (env ASC_API_KEY_JSON)")

	cmd.AddCommand(commands(f)...)
	cmd.AddCommand(versionCmd(f))
	requireSubcommands(cmd)
	// A group is runnable only to refuse unknown subcommands; its usage shows one line.
	cmd.SetUsageTemplate(strings.Replace(cmd.UsageTemplate(),
		"{{if .HasAvailableSubCommands}}\n  {{.CommandPath}} [command]{{end}}",
		"{{if and .HasAvailableSubCommands (not (index .Annotations \"ascend-group\"))}}\n  {{.CommandPath}} [command]{{end}}", 1))
	return cmd
}

// checkOutputFlags refuses a --jq expression that does not compile, as a usage error.
func checkOutputFlags(f *cli.Factory) error {
	if f.Flags.JQ == "" {
		return nil
	}
	_, err := cli.CompileJQ(f.Flags.JQ)
	return err
}

// startSandbox runs the emulator for --sandbox: demo data, state and key kept at statePath.
func startSandbox(statePath string) (cli.EmbeddedSandbox, error) {
	sb, err := sandbox.New(sandbox.Options{StatePath: statePath})
	if err != nil {
		return nil, err
	}
	return sb, nil
}

// requireSubcommands makes every command that only groups others print its help when called
// bare and refuse an unknown subcommand with a usage error (cobra would print help and exit 0).
func requireSubcommands(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		requireSubcommands(c)
	}
	if cmd.HasSubCommands() && cmd.Run == nil && cmd.RunE == nil {
		cmd.Args = func(c *cobra.Command, args []string) error {
			if len(args) > 0 {
				var names []string
				nameOf := map[string]string{} // a name or alias -> the command's name
				for _, sub := range c.Commands() {
					if sub.IsAvailableCommand() {
						for _, n := range append([]string{sub.Name()}, sub.Aliases...) {
							names = append(names, n)
							nameOf[n] = sub.Name()
						}
					}
				}
				var quoted []string
				seen := map[string]bool{}
				for _, n := range cli.Suggest(args[0], names) {
					if !seen[nameOf[n]] {
						seen[nameOf[n]] = true
						quoted = append(quoted, strconv.Quote(nameOf[n]))
					}
				}
				hint := ""
				if len(quoted) > 0 {
					hint = "; did you mean " + strings.Join(quoted, " or ") + "?"
				}
				return cli.UsageErrorf("unknown command %q for %q%s; see '%s --help'", args[0], c.CommandPath(), hint, c.CommandPath())
			}
			return nil
		}
		cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
		if cmd.Annotations == nil {
			cmd.Annotations = map[string]string{}
		}
		cmd.Annotations["ascend-group"] = "true"
	}
}

// Run executes args against a fresh tree over f and returns the command's error, with
// cobra's own argument errors turned into usage errors. It closes f when done.
func Run(ctx context.Context, f *cli.Factory, args []string) (err error) {
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	// A bug in a command ends it like any failure: one line and exit 1, never a stack trace
	// (the README's contract), and the embedded sandbox is still closed by the defer above.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v; please report it with the command you ran", r)
		}
	}()
	cmd := New(f)
	cmd.SetArgs(args)
	c, err := cmd.ExecuteContextC(ctx)
	if err != nil && isCobraUsageError(err) {
		path := "ascend"
		if c != nil {
			path = c.CommandPath()
		}
		err = cli.UsageErrorf("%s; see '%s --help'", err.Error(), path)
	}
	return err
}

// isCobraUsageError recognises the errors cobra itself returns for a mistaken invocation
// (its flag errors already go through cli.FlagError), which it does not type.
func isCobraUsageError(err error) bool {
	var usage *cli.UsageError
	if errors.As(err, &usage) {
		return false
	}
	msg := err.Error()
	for _, prefix := range []string{"unknown command ", "required flag(s) ", "if any flags in the group ", "at least one of the flags in the group ", "invalid argument "} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}

// Main runs the binary: system streams, signal handling, one line on stderr for an error, and
// the exit code from cli.ExitCode.
func Main() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first Ctrl-C the command winds down; a second one ends the process at once.
	go func() { <-ctx.Done(); stop() }()
	f := cli.NewFactory(cli.System(), os.Getenv)
	f.Version = Version
	return Execute(ctx, f, os.Args[1:])
}

// Execute runs args over f like the binary does and returns the exit code, having printed
// any error on f's stderr: one line (red on a terminal with colour), or a summary and one
// problem a line for an error that lists problems. Interrupted (Ctrl-C, SIGTERM), it prints
// one line and exits 130, however many requests the interruption cancelled.
func Execute(ctx context.Context, f *cli.Factory, args []string) int {
	err := Run(ctx, f, args)
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(f.IO.ErrOut, f.IO.ErrColorScheme().Red("interrupted"))
		return cli.ExitInterrupted
	}
	var status *cli.ExitStatus
	if err != nil && !errors.As(err, &status) {
		fmt.Fprintln(f.IO.ErrOut, f.IO.ErrColorScheme().Red(errorLine(err)))
	}
	return cli.ExitCode(err)
}

// errorLine renders an error as the binary prints it (cli.ErrorText).
func errorLine(err error) string { return cli.ErrorText(err) }
