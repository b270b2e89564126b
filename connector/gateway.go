package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/store"
)

// Gateway is the connector gateway: an http.Handler plus the webhook delivery worker.
type Gateway struct {
	cfg      Config
	db       *store.DB
	log      *slog.Logger
	profiles map[string]*profileRuntime
	names    []string
	metrics  *metrics
	handler  http.Handler
	api      http.Handler // the passthrough, authenticated
	now      func() time.Time
	owner    string // this instance's name in delivery leases
	keys     *keyCache
	quotas   *quotas
	// publicURL is Config.PublicURL without a trailing slash.
	publicURL string
	// rateStores are the shared budgets' stores, whose deferred answers Close commits.
	rateStores []*dbRateStore
	// uploadClient forwards upload parts: no JWT (the URLs are presigned), no redirects.
	uploadClient *http.Client
	// callbacks delivers webhook events to subscribers (see callbacks.go).
	callbacks *http.Client
	// ownTransports are the transports New made (not the caller's), whose idle connections
	// Close closes.
	ownTransports []*http.Transport

	wake     chan struct{}
	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

// profileRuntime is what the gateway keeps per profile: an upstream client that signs every
// request, the typed client the curated actions run workflows on (over the same transport),
// and the rate budget of the profile's key.
type profileRuntime struct {
	Profile
	base    *url.URL
	baseStr string // base without a trailing slash, for building URLs and rewriting links
	prefix  string // the base's escaped path without a trailing slash ("" for a host root)
	client  *http.Client
	api     *asc.Client
	budget  *asc.RateBudget
	up      *upstreamTransport // what client's transport is, for the passthrough's own requests
}

// New builds a gateway over a validated configuration and starts its delivery worker; Close
// stops it.
func New(cfg Config) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Delivery.defaults()
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 8 << 20
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.UpstreamTimeout <= 0 {
		cfg.UpstreamTimeout = 2 * time.Minute
	}
	if cfg.BodyReadTimeout <= 0 {
		cfg.BodyReadTimeout = 30 * time.Second
	}
	if cfg.MaxSubscriptionsPerKey == 0 {
		cfg.MaxSubscriptionsPerKey = 25
	}
	base := cfg.UpstreamTransport
	var own []*http.Transport
	if base == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 512
		t.MaxIdleConnsPerHost = 256
		t.ResponseHeaderTimeout = 90 * time.Second
		// Apple's answers are JSON documents of a few to a few hundred KB: a larger read
		// buffer takes most in one read instead of one per 4 KB.
		t.ReadBufferSize = 64 << 10
		base = t
		own = append(own, t)
	}
	apiRoots() // the catalog is decoded here rather than on the first request
	g := &Gateway{
		cfg: cfg, db: cfg.DB, log: cfg.Logger, now: cfg.Now,
		profiles:  map[string]*profileRuntime{},
		metrics:   newMetrics(),
		owner:     store.NewID(),
		publicURL: strings.TrimSuffix(cfg.PublicURL, "/"),
		keys:      &keyCache{ttl: cfg.KeyCacheTTL, m: map[string]cachedKey{}},
		quotas:    newQuotas(),
		wake:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	g.ownTransports = own
	// One budget and one token cache per API key: profiles that share a key share them,
	// because Apple counts the hourly limit per key.
	type shared struct {
		budget *asc.RateBudget
		tokens *auth.CachedTokenSource
	}
	byKey := map[string]shared{}
	for _, p := range cfg.Profiles {
		up := upstreamOf(p)
		u, err := url.Parse(up)
		if err != nil {
			return nil, fmt.Errorf("profile %q: upstream: %w", p.Name, err)
		}
		sk := p.Key.ID + "|" + p.Key.IssuerID + "|" + u.Host
		s, ok := byKey[sk]
		if !ok {
			budget, rs := newBudget(cfg.DB, sk)
			if rs != nil {
				g.rateStores = append(g.rateStores, rs)
			}
			s = shared{budget: budget, tokens: auth.NewTokenSource(p.Key, auth.TokenOptions{})}
			byKey[sk] = s
		}
		rt := &profileRuntime{Profile: p, base: u, baseStr: up, prefix: strings.TrimSuffix(u.EscapedPath(), "/"), budget: s.budget}
		tr := &upstreamTransport{g: g, p: rt, signed: &auth.Transport{Source: s.tokens, Base: exchangeErrors{base}}}
		rt.up = tr
		// Never follow redirects: a redirect could lead away from the configured upstream
		// host, and the client should see Apple's answer as it is.
		rt.client = &http.Client{Transport: tr, CheckRedirect: noRedirects}
		// The typed client makes one attempt per call, like the passthrough: the workflows
		// reconcile their own writes, and a client that wants a retry sends again.
		rt.api, err = asc.NewClient(asc.WithBaseURL(up+"/"), asc.WithUserAgent("ascend-gateway"),
			asc.WithHTTPClient(&http.Client{Transport: cappedTransport{tr}, CheckRedirect: noRedirects}),
			asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 1}))
		if err != nil {
			return nil, fmt.Errorf("profile %q: %w", p.Name, err)
		}
		g.profiles[p.Name] = rt
		g.names = append(g.names, p.Name)
	}
	g.uploadClient = &http.Client{Transport: base, CheckRedirect: noRedirects}
	var err error
	if g.callbacks, err = g.deliveryClient(); err != nil {
		return nil, err
	}
	if t, ok := g.callbacks.Transport.(*http.Transport); ok && g.cfg.CallbackClient == nil {
		g.ownTransports = append(g.ownTransports, t)
	}
	g.handler = g.routes()
	if cfg.DisableDelivery {
		close(g.done)
	} else {
		go g.deliveryLoop()
	}
	return g, nil
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Handler is the gateway's HTTP handler.
func (g *Gateway) Handler() http.Handler { return g.handler }

// ServeHTTP makes the Gateway an http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) { g.handler.ServeHTTP(w, r) }

// Close stops the delivery worker, letting attempts in flight finish (bounded by
// Delivery.ShutdownWait); claimed deliveries not yet attempted are released for others.
func (g *Gateway) Close() error {
	g.stopOnce.Do(func() {
		close(g.stop)
		ctx, cancel := context.WithTimeout(context.Background(), rateCommitTimeout)
		defer cancel()
		for _, s := range g.rateStores {
			if err := s.Close(ctx); err != nil {
				g.log.Warn("rate budget: commit the last answers", "error", err)
			}
		}
	})
	<-g.done
	// The connections New opened are closed once idle, so that a gateway closed in a
	// process that goes on (tests, benchmarks, an embedder) leaves none open upstream.
	for _, t := range g.ownTransports {
		t.CloseIdleConnections()
	}
	return nil
}

// Serve serves on ln until ctx ends, then shuts down gracefully: the listener closes, requests
// in flight finish (up to 30 seconds), and the delivery worker flushes.
func (g *Gateway) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           g.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      150 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(g.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		g.Close()
		return err
	case <-ctx.Done():
	}
	g.log.Info("shutting down", "reason", context.Cause(ctx))
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	g.Close()
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// publicBase is the gateway's base URL as clients see it.
func (g *Gateway) publicBase(r *http.Request) string {
	if g.publicURL != "" {
		return g.publicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// profile returns the runtime of a named profile.
func (g *Gateway) profile(name string) (*profileRuntime, bool) {
	p, ok := g.profiles[name]
	return p, ok
}
