// Package sandbox implements `ascend sandbox`: serve the App Store Connect emulator on
// loopback until stopped.
package sandbox

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/sandbox"
)

// Options are the command's flags and dependencies.
type Options struct {
	F                *cli.Factory
	Addr             string
	WriteCredentials string
	Seed             string
	State            string
	Latency          time.Duration
	Jitter           time.Duration
	ErrorRate        float64
	HourlyLimit      int
	BurstLimit       int
	ProcessingDelay  time.Duration
	ReviewDelay      time.Duration
	RejectReviews    bool
	ReadOnlyKey      bool
	IndividualKey    bool

	// Started, when set, is called once the sandbox serves; tests use it to talk to it and
	// then cancel the command's context.
	Started func(*sandbox.Server)
}

// NewCmd returns `ascend sandbox`.
func NewCmd(f *cli.Factory) *cobra.Command {
	return NewCmdWith(f, nil)
}

// NewCmdWith is NewCmd with a hook called once the sandbox serves (tests).
func NewCmdWith(f *cli.Factory, started func(*sandbox.Server)) *cobra.Command {
	opts := &Options{F: f, Started: started}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve a local App Store Connect emulator",
		Long: `Serve the sandbox, a stateful App Store Connect emulator, on a loopback address until
interrupted (Ctrl-C or SIGTERM). It trusts one generated key; --write-credentials DIR writes
it as DIR/credentials.json (fastlane's api-key JSON plus base_url) and DIR/AuthKey_<KEYID>.p8
so any client can use it; with --read-only-key, the read-only key as
DIR/read-only-credentials.json and its .p8. Admin endpoints live under /sandbox/ (stats, faults, reset).

For a throwaway sandbox inside one command, use the global --sandbox flag instead.`,
		Example: `  ascend sandbox --addr 127.0.0.1:8642 --write-credentials ./sandbox-creds
  ascend --api-key-json ./sandbox-creds/credentials.json apps list
  ascend sandbox --seed empty --state ./sandbox.sqlite --latency 50ms`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return run(cmd, opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:0", "loopback `host:port` to listen on (port 0 picks a free one)")
	fl.StringVar(&opts.WriteCredentials, "write-credentials", "", "write credentials.json and the .p8 key into `dir`")
	fl.StringVar(&opts.Seed, "seed", "demo", "initial data: demo or empty")
	fl.StringVar(&opts.State, "state", "", "keep state (and the key) in this SQLite `file` across restarts")
	fl.DurationVar(&opts.Latency, "latency", 0, "add this much latency to every API answer")
	fl.DurationVar(&opts.Jitter, "jitter", 0, "add up to this much more latency at random")
	fl.Float64Var(&opts.ErrorRate, "error-rate", 0, "answer this share (0-1) of requests with 500")
	fl.IntVar(&opts.HourlyLimit, "hourly-limit", 0, "requests per key and hour reported in X-Rate-Limit (default 3600, negative: unlimited)")
	fl.IntVar(&opts.BurstLimit, "burst-limit", 0, "requests in a quick burst before 429 (default 100, negative: off)")
	fl.DurationVar(&opts.ProcessingDelay, "processing-delay", 0, "how long uploaded assets stay UPLOAD_COMPLETE (default 2s, negative: none)")
	fl.DurationVar(&opts.ReviewDelay, "review-delay", 0, "how long each App Review step takes (default 10s, negative: none)")
	fl.BoolVar(&opts.RejectReviews, "reject-reviews", false, "end submitted reviews with UNRESOLVED_ISSUES")
	fl.BoolVar(&opts.ReadOnlyKey, "read-only-key", false, "also trust a second key whose writes get 403")
	fl.BoolVar(&opts.IndividualKey, "individual-key", false, "make the trusted key an individual key (no issuer id)")
	cmd.AddCommand(resetCmd(f))
	return cmd
}

// resetCmd returns `ascend sandbox reset`.
func resetCmd(f *cli.Factory) *cobra.Command {
	var state, seed string
	cmd := &cobra.Command{
		Use:   "reset [--state FILE] [--seed demo|empty]",
		Short: "Clear the embedded sandbox's state",
		Long: `Clear the state the embedded sandbox (--sandbox, ASCEND_SANDBOX=1) keeps between commands,
or the state file of 'ascend sandbox --state FILE': everything created, changed or deleted
is gone and the seed data is back. The key stays, so saved credentials keep working; ids
handed out before are never reused.`,
		Example: `  ascend sandbox reset
  ascend sandbox reset --seed empty
  ascend sandbox reset --state ./sandbox.sqlite`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch seed {
			case "", "demo", "empty":
			default:
				return cli.UsageErrorf("--seed %q is not a seed: use demo or empty", seed)
			}
			path := state
			if path == "" {
				p, err := f.SandboxStatePath()
				if err != nil {
					return err
				}
				path = p
			}
			if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
				fmt.Fprintf(f.IO.ErrOut, "the sandbox has no state at %s yet; nothing to reset\n", path)
				return nil
			}
			sb, err := sandbox.New(sandbox.Options{StatePath: path, Seed: seed})
			if err != nil {
				return fmt.Errorf("open the sandbox state %s: %v; remove the file to start afresh", path, err)
			}
			err = sb.Reset()
			if cerr := sb.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("reset the sandbox state %s: %v", path, err)
			}
			what := "demo data restored"
			if seed == "empty" {
				what = "now empty"
			}
			fmt.Fprintf(f.IO.ErrOut, "sandbox state %s reset: %s, key kept\n", path, what)
			return nil
		},
	}
	cmd.Flags().StringVar(&state, "state", "", "reset this state `file` instead of the embedded sandbox's")
	cmd.Flags().StringVar(&seed, "seed", "", "data to start again from: demo (default) or empty")
	return cmd
}

func checkAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return cli.UsageErrorf("--addr %q is not host:port: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return cli.UsageErrorf("--addr %q is not a loopback address: the sandbox trusts a generated key, so it only listens on 127.0.0.1 or ::1", addr)
	}
	return nil
}

func run(cmd *cobra.Command, opts *Options) error {
	f := opts.F
	if err := checkAddr(opts.Addr); err != nil {
		return err
	}
	switch opts.Seed {
	case "demo", "empty":
	default:
		return cli.UsageErrorf("--seed %q is not a seed: use demo or empty", opts.Seed)
	}
	for _, d := range []struct {
		flag  string
		value time.Duration
	}{{"--latency", opts.Latency}, {"--jitter", opts.Jitter}} {
		if d.value < 0 {
			return cli.UsageErrorf("%s %s is negative: use a duration of zero or more, like 50ms", d.flag, d.value)
		}
	}
	if opts.ErrorRate < 0 || opts.ErrorRate > 1 {
		return cli.UsageErrorf("--error-rate %v is out of range: use a share between 0 and 1", opts.ErrorRate)
	}
	sb, err := sandbox.New(sandbox.Options{
		Seed:            opts.Seed,
		StatePath:       opts.State,
		Addr:            opts.Addr,
		Latency:         opts.Latency,
		LatencyJitter:   opts.Jitter,
		Faults:          sandbox.Faults{Rate500: opts.ErrorRate},
		HourlyLimit:     opts.HourlyLimit,
		BurstLimit:      opts.BurstLimit,
		ProcessingDelay: opts.ProcessingDelay,
		ReviewDelay:     opts.ReviewDelay,
		RejectReviews:   opts.RejectReviews,
		ReadOnlyKey:     opts.ReadOnlyKey,
		IndividualKey:   opts.IndividualKey,
	})
	if err != nil {
		return fmt.Errorf("start the sandbox on %s: %v", opts.Addr, err)
	}
	defer sb.Close()

	var b strings.Builder
	fmt.Fprintf(&b, "sandbox serving App Store Connect at %s (seed %s", sb.URL(), opts.Seed)
	if opts.State != "" {
		fmt.Fprintf(&b, ", state %s", opts.State)
	}
	fmt.Fprintf(&b, ")\ntrusted key: %s\n", sb.Key())
	if ro := sb.ReadOnlyKey(); ro != nil {
		fmt.Fprintf(&b, "read-only key: %s (its writes get 403)\n", ro)
	}
	if opts.WriteCredentials != "" {
		if err := sb.WriteCredentials(opts.WriteCredentials); err != nil {
			return fmt.Errorf("write sandbox credentials to %s: %v", opts.WriteCredentials, err)
		}
		creds := filepath.Join(opts.WriteCredentials, "credentials.json")
		fmt.Fprintf(&b, "credentials written to %s and %s\n", creds,
			filepath.Join(opts.WriteCredentials, "AuthKey_"+sb.Key().ID+".p8"))
		if ro := sb.ReadOnlyKey(); ro != nil {
			fmt.Fprintf(&b, "read-only credentials written to %s and %s\n", filepath.Join(opts.WriteCredentials, sandbox.ReadOnlyCredentialsFile),
				filepath.Join(opts.WriteCredentials, "AuthKey_"+ro.ID+".p8"))
		}
		fmt.Fprintf(&b, "try: ascend --api-key-json %s apps list\n", creds)
	} else {
		b.WriteString("pass --write-credentials DIR to get a key file for other clients\n")
	}
	b.WriteString("press Ctrl-C to stop\n")
	if _, err := fmt.Fprint(f.IO.Out, b.String()); err != nil {
		return err
	}
	if opts.Started != nil {
		opts.Started(sb)
	}
	sb.Wait(cmd.Context())
	if err := sb.Close(); err != nil {
		return fmt.Errorf("stop the sandbox: %v", err)
	}
	fmt.Fprintln(f.IO.ErrOut, "sandbox stopped")
	return nil
}
