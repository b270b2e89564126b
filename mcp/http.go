package mcp

import (
	"log/slog"
	"net/http"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/connector"
)

// NewHTTPHandler serves MCP's streamable HTTP transport. It is stateless: every request builds
// the server for the caller it came with (optionsFor answers false to refuse one), so gateway
// instances behind a load balancer need no shared sessions and a key's access is checked on
// every request. Answers are plain JSON, not event streams.
func NewHTTPHandler(optionsFor func(*http.Request) (Options, bool), logger *slog.Logger) http.Handler {
	return sdk.NewStreamableHTTPHandler(func(r *http.Request) *sdk.Server {
		opts, ok := optionsFor(r)
		if !ok {
			return nil
		}
		opts.Files = false // a remote caller never reads the server's disk
		return New(opts)
	}, &sdk.StreamableHTTPOptions{
		Stateless:    true,
		JSONResponse: true,
		Logger:       logger,
		// The gateway authenticates every request with a client key sent in a header, which
		// a page rebinding DNS to loopback cannot send, and it is often reached through a
		// proxy on the same host with its public name as Host.
		DisableLocalhostProtection: true,
	})
}

// GatewayHandler is the server `ascend serve` mounts at /mcp (connector.Config.MCP): each
// request is served with its client key's access, its profile's client (which audits every
// write it sends) and the key's audit for refusals; one ledger of creates is shared by all.
func GatewayHandler(version string, logger *slog.Logger) http.Handler {
	ledger := NewLedger()
	return NewHTTPHandler(func(r *http.Request) (Options, bool) {
		c, ok := connector.CallerFrom(r.Context())
		if !ok {
			return Options{}, false
		}
		return Options{Client: c.Client, Write: c.Write, Who: c.Profile + "/" + c.Key, Audit: c.Audit, Ledger: ledger,
			Version: version, Logger: logger}, true
	}, logger)
}
