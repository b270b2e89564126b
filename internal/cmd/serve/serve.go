// Package serve implements `ascend serve`: the connector gateway.
package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cli/dbflag"
	"github.com/ascend-tools/ascend/mcp"
)

// Options are the command's flags and dependencies.
type Options struct {
	F         *cli.Factory
	Addr      string
	DB        string
	Config    string
	Upstream  string
	PublicURL string
	LogFormat string
	LogLevel  string
	// UploadHosts are the presigned upload hosts the gateway may forward asset parts to.
	UploadHosts []string
	KeyCache    time.Duration
	// DeliveryProxy is an HTTP proxy for webhook deliveries; the environment's is never used.
	DeliveryProxy string
	KeyQuota      string   // default share of the hourly budget per client key ("25%")
	MaxSubs       int      // subscriptions per client key
	CallbackAllow []string // host patterns deliveries may go to
	MetricsAddr   string   // a separate listener for /metrics
	// MetricsTokenFile holds the operations token /metrics then asks for (a file, so the
	// token is not on the command line).
	MetricsTokenFile string

	// Listening, when set, is called with the bound address once the gateway serves (tests).
	Listening func(addr string)
}

// NewCmd returns `ascend serve`.
func NewCmd(f *cli.Factory) *cobra.Command { return NewCmdWith(f, nil) }

// NewCmdWith is NewCmd with a hook called once the gateway listens (tests).
func NewCmdWith(f *cli.Factory, listening func(string)) *cobra.Command {
	opts := &Options{F: f, Listening: listening}
	cmd := &cobra.Command{
		Use:   "serve [--addr 127.0.0.1:8080] [--db FILE|postgres://...] [--config FILE]",
		Short: "Serve the connector gateway for low-code flows and tools",
		Long: `Serve the connector gateway: it holds App Store Connect keys and signs every request
itself, so flows use scoped client keys ('ascend connector keys create') instead of pasted
JSON Web Tokens. Writes are audited, Apple's webhooks become triggers,
GET /connector/openapi.json describes the API, and /mcp serves the Model Context Protocol
(streamable HTTP) to AI agents with the same keys: a read key gets only the read tools.

Without --config the credentials found the usual way (flags, environment, --api-key-json,
a saved profile, or --sandbox) are served as the profile "default". With --config FILE, a
JSON file names several profiles:
  {"public_url": "https://asc-gw.example.com",
   "profiles": {"prod": {"api_key_json": "prod.json"},
                "agency": {"key_id": "ABC", "issuer_id": "...", "private_key_path": "AuthKey_ABC.p8"}}}
Relative paths are relative to the file. Each profile may set "upstream" (default Apple).

The database (--db) is SQLite by default, created on first start; a postgres:// URL lets
several instances share one database behind a load balancer. Stop with Ctrl-C or SIGTERM:
requests in flight finish and webhook deliveries flush.`,
		Example: `  ascend serve --api-key-json ./asc.json --public-url https://asc-gw.example.com
  ascend serve --sandbox --addr 127.0.0.1:8080
  ascend serve --config gateway.json --db postgres://gw@db.internal/ascend`,
		Args: cli.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), opts) },
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Addr, "addr", "127.0.0.1:8080", "`host:port` to listen on")
	dbflag.Add(cmd, &opts.DB)
	fl.StringVar(&opts.Config, "config", "", "JSON `file` naming several profiles")
	fl.StringVar(&opts.Upstream, "upstream", "", "App Store Connect API root `URL` (default Apple's; the sandbox's with --sandbox)")
	fl.StringVar(&opts.PublicURL, "public-url", "", "the `URL` clients reach the gateway at, for links and webhook locations (default: from each request's Host)")
	fl.StringSliceVar(&opts.UploadHosts, "upload-host", nil, "forward asset upload parts to these presigned-URL `hosts` through the gateway (default: clients upload to Apple directly)")
	fl.DurationVar(&opts.KeyCache, "key-cache", 0, "keep client key records in memory this `long` (a revoked key is refused within it; default 0: read the database on every request)")
	fl.StringVar(&opts.DeliveryProxy, "delivery-proxy", "", "send webhook deliveries through this HTTP proxy `URL` (HTTP_PROXY and HTTPS_PROXY are never used for them)")
	fl.StringVar(&opts.KeyQuota, "key-quota", "", "share of each profile's hourly App Store Connect budget a client key may spend, such as 25% (default: all; 'keys create --quota' sets a key's own)")
	fl.IntVar(&opts.MaxSubs, "max-subscriptions", 25, "webhook subscriptions one client key may hold (-1: no cap)")
	fl.StringSliceVar(&opts.CallbackAllow, "callback-allow", nil, "only deliver webhooks to these `hosts` (hooks.zapier.com, *.logic.azure.com); private and loopback addresses are then refused")
	fl.StringVar(&opts.MetricsAddr, "metrics-addr", "", "serve /metrics on this `host:port` only, not on --addr")
	fl.StringVar(&opts.MetricsTokenFile, "metrics-token-file", "", "`file` holding the operations token /metrics asks for (Authorization: Bearer)")
	fl.StringVar(&opts.LogFormat, "log-format", "json", "log format on stderr: json or text")
	fl.StringVar(&opts.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	return cmd
}

// FileConfig is the --config file.
type FileConfig struct {
	PublicURL string                 `json:"public_url"`
	Profiles  map[string]FileProfile `json:"profiles"`
}

// FileProfile is one profile of the --config file: an api-key JSON file, or a key id,
// optional issuer id and .p8 path.
type FileProfile struct {
	APIKeyJSON     string `json:"api_key_json"`
	KeyID          string `json:"key_id"`
	IssuerID       string `json:"issuer_id"`
	PrivateKeyPath string `json:"private_key_path"`
	Upstream       string `json:"upstream"`
}

// LoadConfigFile reads a --config file into profiles.
func LoadConfigFile(path string) ([]connector.Profile, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, "", fmt.Errorf("read --config: %v", err)
	}
	var fc FileConfig
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return nil, "", cli.UsageErrorf("--config %s is not a gateway config: %v", path, err)
	}
	if len(fc.Profiles) == 0 {
		return nil, "", cli.UsageErrorf("--config %s names no profiles", path)
	}
	dir := filepath.Dir(path)
	rel := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	names := make([]string, 0, len(fc.Profiles))
	for n := range fc.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []connector.Profile
	for _, n := range names {
		fp := fc.Profiles[n]
		var key *auth.Key
		upstream := fp.Upstream
		switch {
		case fp.APIKeyJSON != "":
			k, file, err := auth.LoadAPIKeyJSON(rel(fp.APIKeyJSON))
			if err != nil {
				return nil, "", fmt.Errorf("profile %q: %w", n, err)
			}
			key = k
			if upstream == "" {
				upstream = file.BaseURL
			}
		case fp.PrivateKeyPath != "":
			k, err := auth.LoadKeyFile(rel(fp.PrivateKeyPath), fp.KeyID, fp.IssuerID)
			if err != nil {
				return nil, "", fmt.Errorf("profile %q: %w", n, err)
			}
			key = k
		default:
			return nil, "", cli.UsageErrorf("profile %q in %s needs api_key_json or private_key_path", n, path)
		}
		out = append(out, connector.Profile{Name: n, Key: key, Upstream: upstream})
	}
	return out, fc.PublicURL, nil
}

func newLogger(w *os.File, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, cli.UsageErrorf("--log-level %q: use debug, info, warn or error", level)
	}
	ho := &slog.HandlerOptions{Level: lv}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	}
	return nil, cli.UsageErrorf("--log-format %q: use json or text", format)
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	logger, err := newLogger(os.Stderr, opts.LogFormat, opts.LogLevel)
	if err != nil {
		return err
	}
	if opts.PublicURL != "" {
		if u, err := url.Parse(opts.PublicURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return cli.UsageErrorf("--public-url %q is not an http(s) URL", opts.PublicURL)
		}
	}
	var profiles []connector.Profile
	publicURL := opts.PublicURL
	if opts.Config != "" {
		ps, pub, err := LoadConfigFile(opts.Config)
		if err != nil {
			return err
		}
		profiles = ps
		if publicURL == "" {
			publicURL = pub
		}
		if opts.Upstream != "" {
			for i := range profiles {
				profiles[i].Upstream = opts.Upstream
			}
		}
	} else {
		creds, err := f.Credentials(ctx)
		if err != nil {
			return err
		}
		up := creds.BaseURL
		if opts.Upstream != "" {
			up = opts.Upstream
		}
		profiles = []connector.Profile{{Name: dbflag.ProfileName(f), Key: creds.Key, Upstream: up}}
	}
	db, err := dbflag.Open(ctx, f, opts.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	share := 0.0
	if opts.KeyQuota != "" {
		if share, err = connector.ParseShare(opts.KeyQuota); err != nil {
			return cli.UsageErrorf("--key-quota: %v", err)
		}
	}
	token := ""
	if opts.MetricsTokenFile != "" {
		b, err := os.ReadFile(opts.MetricsTokenFile)
		if err != nil {
			return cli.UsageErrorf("--metrics-token-file: %v", err)
		}
		if token = strings.TrimSpace(string(b)); len(token) < 16 {
			return cli.UsageErrorf("--metrics-token-file: the token needs at least 16 characters")
		}
	}
	cfg := connector.Config{Profiles: profiles, DB: db, PublicURL: publicURL, Logger: logger, UploadHosts: opts.UploadHosts, KeyCacheTTL: opts.KeyCache,
		Delivery: connector.DeliveryOptions{Proxy: opts.DeliveryProxy}, DefaultKeyQuota: share, MaxSubscriptionsPerKey: opts.MaxSubs,
		CallbackAllow: opts.CallbackAllow, MetricsToken: token, MetricsSeparate: opts.MetricsAddr != "", MCP: mcp.GatewayHandler(f.Version, logger)}
	if err := cfg.Validate(); err != nil {
		return cli.UsageErrorf("%v", err)
	}
	gw, err := connector.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		gw.Close()
		return fmt.Errorf("listen on %s: %v; choose another --addr", opts.Addr, err)
	}
	addr := ln.Addr().String()
	logger.Info("gateway listening", "addr", addr, "config", cfg, "db", string(db.Dialect()))
	for _, p := range profiles {
		logger.Info("profile", "profile", p)
	}
	if f.IO.ErrTTY {
		fmt.Fprintf(f.IO.ErrOut, "ascend gateway on http://%s (profiles: %s); Ctrl-C stops it\n", addr, profileNames(profiles))
	}
	if opts.Listening != nil {
		opts.Listening(addr)
	}
	if opts.MetricsAddr != "" {
		mln, err := net.Listen("tcp", opts.MetricsAddr)
		if err != nil {
			ln.Close()
			gw.Close()
			return fmt.Errorf("listen on %s: %v; choose another --metrics-addr", opts.MetricsAddr, err)
		}
		msrv := &http.Server{Handler: gw.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
		go msrv.Serve(mln)
		defer msrv.Close()
		logger.Info("metrics listening", "addr", mln.Addr().String())
	}
	if err := gw.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func profileNames(ps []connector.Profile) string {
	n := make([]string, len(ps))
	for i, p := range ps {
		n[i] = p.Name
	}
	return strings.Join(n, ", ")
}
