// Package mcp implements `ascend mcp`: the Model Context Protocol server over stdio, for AI
// agents and editors, with the CLI's credentials.
package mcp

import (
	"context"
	"errors"
	"io"
	"log/slog"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/mcp"
)

// Options are the command's flags and dependencies.
type Options struct {
	F        *cli.Factory
	ReadOnly bool
}

// NewCmd returns `ascend mcp`.
func NewCmd(f *cli.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "mcp [--read-only]",
		Short: "Serve App Store Connect to AI agents over the Model Context Protocol (stdio)",
		Long: `Serve the Model Context Protocol on stdin and stdout, for an agent or editor that starts
ascend as its MCP server. It uses the credentials found the usual way (flags, environment,
--api-key-json, a saved profile, or --sandbox).

Tools: search_operations, describe_operation and call_read_operation reach all of Apple's
operations; call_write_operation and call_destructive_operation (which needs confirm: true)
change things, and workflow tools run ascend's jobs (a metadata plan first, then a push).
Every call is checked against Apple's spec before it is sent. --read-only offers only the
tools and operations that read. Logs go to stderr; stdout carries only the protocol.

'ascend serve' serves the same tools over HTTP at /mcp, with the gateway's client keys.`,
		Example: `  ascend mcp --sandbox
  ascend mcp --api-key-json ~/keys/asc.json --read-only`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), opts) },
	}
	cmd.Flags().BoolVar(&opts.ReadOnly, "read-only", false, "offer only the tools and operations that read")
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	// Credentials are resolved before serving, so a missing key fails with its usual message
	// and exit code instead of as a protocol error the agent may hide.
	client, err := f.Client(ctx)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if f.Flags.Verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(f.IO.ErrOut, &slog.HandlerOptions{Level: level}))
	srv := mcp.New(mcp.Options{Client: client, Write: !opts.ReadOnly, Files: true, Version: f.Version, Logger: logger})
	t := &sdk.IOTransport{Reader: io.NopCloser(f.IO.In), Writer: nopCloser{f.IO.Out}}
	err = srv.Run(ctx, t)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, sdk.ErrConnectionClosed) || errors.Is(err, context.Canceled) {
		// The agent closed stdin or the user pressed Ctrl-C: a normal end.
		return nil
	}
	return err
}

// nopCloser leaves stdout open when the session ends; the process exits right after.
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }
