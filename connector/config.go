package connector

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/store"
)

// Profile is one App Store Connect credential the gateway serves.
type Profile struct {
	Name string
	Key  *auth.Key
	// Upstream is the API root requests go to: Apple by default, the sandbox in tests.
	Upstream string
}

// LogValue names the profile and its key id, never key material.
func (p Profile) LogValue() slog.Value {
	kid := ""
	if p.Key != nil {
		kid = p.Key.ID
	}
	return slog.GroupValue(slog.String("name", p.Name), slog.String("key_id", kid), slog.String("upstream", p.Upstream))
}

// DeliveryOptions tune webhook delivery. Zero fields take the defaults.
type DeliveryOptions struct {
	TTL          time.Duration // give up on an event this long after it arrived (default 24h)
	Lease        time.Duration // a claim's lifetime; a dead instance's claims return after it (default 30s)
	Poll         time.Duration // how often to look for due deliveries (default 1s)
	MinBackoff   time.Duration // first retry delay (default 1s), doubling each attempt
	MaxBackoff   time.Duration // retry delay cap (default 5m)
	Timeout      time.Duration // one callback attempt (default 15s)
	Concurrency  int           // deliveries attempted at once (default 8)
	ShutdownWait time.Duration // how long Close waits for attempts in flight (default 10s)
	// Proxy is an HTTP proxy URL for deliveries. Empty: none; the environment's HTTP_PROXY
	// and HTTPS_PROXY are never used for deliveries, since the address guard would then see
	// only the proxy's address.
	Proxy     string
	Retention time.Duration // keep finished deliveries and their events this long (default 7 days, at least TTL)
}

func (o *DeliveryOptions) defaults() {
	set := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	set(&o.TTL, 24*time.Hour)
	set(&o.Lease, 30*time.Second)
	set(&o.Poll, time.Second)
	set(&o.MinBackoff, time.Second)
	set(&o.MaxBackoff, 5*time.Minute)
	set(&o.Timeout, 15*time.Second)
	set(&o.ShutdownWait, 10*time.Second)
	set(&o.Retention, 7*24*time.Hour)
	if o.Retention < o.TTL {
		o.Retention = o.TTL
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Lease < o.Timeout*2 {
		o.Lease = o.Timeout * 2
	}
}

// Config is what a Gateway needs.
type Config struct {
	Profiles []Profile
	DB       *store.DB
	// PublicURL is how clients reach the gateway ("https://asc-gw.example.com"): links in
	// Apple's answers and subscription Locations are rewritten to it. Empty: derived from
	// each request's Host.
	PublicURL string
	Logger    *slog.Logger
	// MaxBodyBytes caps request bodies (default 8 MiB; webhook bodies 1 MiB).
	MaxBodyBytes int64
	// UpstreamTimeout bounds one exchange with the upstream, from sending the request to
	// the last byte of the answer, rate-budget wait included (default 2 minutes).
	UpstreamTimeout time.Duration
	// BodyReadTimeout bounds reading a client's request body (default 30 seconds); a body
	// that takes longer is answered 408.
	BodyReadTimeout time.Duration
	// UpstreamTransport carries requests to the upstream; nil: a tuned http.Transport.
	UpstreamTransport http.RoundTripper
	// CallbackClient delivers webhook events to subscribers; nil: a plain client with the
	// delivery timeout.
	CallbackClient *http.Client
	Delivery       DeliveryOptions
	// KeyCacheTTL, when positive, keeps client key records in memory that long instead of
	// reading the database on every request; a revoked key is then refused within the TTL.
	KeyCacheTTL time.Duration
	// UploadHosts, when set, are the hosts of presigned upload URLs the gateway forwards asset
	// upload parts to (see uploads.go); empty: upload URLs are left pointing at Apple.
	UploadHosts []string
	// DefaultKeyQuota is the share of a profile's hourly App Store Connect budget a client
	// key may spend when the key has no quota of its own (0.25: a quarter); zero: all of it.
	DefaultKeyQuota float64
	// MaxSubscriptionsPerKey caps the webhook subscriptions one client key may hold
	// (default 25; negative: no cap).
	MaxSubscriptionsPerKey int
	// CallbackAllow, when set, are the only hosts deliveries may go to: "hooks.zapier.com"
	// or "*.logic.azure.com" (any subdomain). Private and loopback addresses are then
	// refused as well.
	CallbackAllow []string
	// MetricsToken, when set, must be presented as Authorization: Bearer to read /metrics.
	MetricsToken string
	// MetricsSeparate leaves /metrics off the gateway's handler; serve it from
	// MetricsHandler on another listener.
	MetricsSeparate bool
	// DisableDelivery leaves delivery to other instances (or tests): events are still
	// accepted and stored.
	DisableDelivery bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// MCP, when set, is served at /mcp to requests with a valid client key; it reads the
	// key's Caller with CallerFrom (ascend serve mounts the MCP server here).
	MCP http.Handler
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate checks the configuration and says what to fix.
func (c *Config) Validate() error {
	var errs []error
	if c.DB == nil {
		errs = append(errs, errors.New("no database: give --db"))
	}
	if len(c.Profiles) == 0 {
		errs = append(errs, errors.New("no profiles: give credentials or a --config file with profiles"))
	}
	seen := map[string]bool{}
	for _, p := range c.Profiles {
		if !profileName.MatchString(p.Name) {
			errs = append(errs, fmt.Errorf("profile name %q: use letters, digits, '.', '_' and '-'", p.Name))
		}
		if seen[p.Name] {
			errs = append(errs, fmt.Errorf("profile %q is defined twice", p.Name))
		}
		seen[p.Name] = true
		if p.Key == nil {
			errs = append(errs, fmt.Errorf("profile %q has no key", p.Name))
		}
		if p.Upstream != "" {
			if u, err := url.Parse(p.Upstream); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				errs = append(errs, fmt.Errorf("profile %q: upstream %q is not an http(s) URL", p.Name, p.Upstream))
			}
		}
	}
	if c.DefaultKeyQuota < 0 || c.DefaultKeyQuota > 1 {
		errs = append(errs, fmt.Errorf("default key quota %v is not a share between 0 and 1", c.DefaultKeyQuota))
	}
	for _, pat := range c.CallbackAllow {
		if !validHostPattern(pat) {
			errs = append(errs, fmt.Errorf("callback allow pattern %q: use a host name such as hooks.zapier.com or *.logic.azure.com", pat))
		}
	}
	if c.Delivery.Proxy != "" {
		if u, err := url.Parse(c.Delivery.Proxy); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("delivery proxy %q is not an http(s) URL", c.Delivery.Proxy))
		}
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("public URL %q is not an http(s) URL", c.PublicURL))
		}
	}
	return errors.Join(errs...)
}

// LogValue lists the profiles by name and key id; no secret is ever logged.
func (c Config) LogValue() slog.Value {
	names := make([]string, 0, len(c.Profiles))
	for _, p := range c.Profiles {
		names = append(names, p.Name)
	}
	return slog.GroupValue(slog.String("profiles", strings.Join(names, ",")), slog.String("public_url", c.PublicURL))
}

func upstreamOf(p Profile) string {
	if p.Upstream == "" {
		return strings.TrimSuffix(asc.DefaultBaseURL, "/")
	}
	return strings.TrimSuffix(p.Upstream, "/")
}
