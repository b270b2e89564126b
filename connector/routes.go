package connector

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/store"
)

// routes lists every endpoint of the gateway.
func (g *Gateway) routes() http.Handler {
	mux := http.NewServeMux()
	// Operations.
	mux.HandleFunc("GET /healthz", g.handleHealth)
	mux.HandleFunc("GET /readyz", g.handleReady)
	if !g.cfg.MetricsSeparate {
		mux.Handle("GET /metrics", g.MetricsHandler())
	}
	mux.HandleFunc("GET /connector/openapi.json", g.handleOpenAPI)

	// Passthrough to App Store Connect: a read key may only read. observe sends clean API
	// paths to g.api without the router.
	g.api = g.authed(writeIfUnsafe, g.handleProxy)
	for _, v := range apiRoots() {
		mux.Handle(v, g.api)
	}

	mux.Handle("GET /connector/status", g.authed(never, g.handleStatus))
	mux.HandleFunc("GET /connector/{$}", g.handlePage)
	// Asset upload parts, forwarded only to configured upload hosts; they write, so a write
	// key is needed.
	mux.Handle("/connector/uploads/{token}", g.authed(always, g.handleUpload))

	// Webhook triggers: Apple's events in, subscribers registered like Power Automate's
	// webhook triggers. Subscribing needs any valid key: it only reads events.
	mux.HandleFunc("POST /connector/webhooks/apple/{profile}", g.handleAppleWebhook)
	mux.Handle("POST /connector/subscriptions", g.authed(never, g.handleSubscribe))
	for _, t := range fixedTriggers {
		mux.Handle("POST "+t.path, g.authed(never, g.subscribeTo(t.eventTypes...)))
	}
	mux.Handle("GET /connector/subscriptions", g.authed(never, g.handleListSubscriptions))
	mux.Handle("DELETE /connector/subscriptions/{id}", g.authed(never, g.handleUnsubscribe))

	// The Model Context Protocol for AI agents (mcp.NewHTTPHandler, mounted by ascend serve).
	if g.cfg.MCP != nil {
		mux.Handle("/mcp", g.handleMCP(g.cfg.MCP))
	}

	// Curated actions for low-code designers.
	for _, a := range curatedActions {
		need := never
		if a.Write {
			need = always
		}
		mux.Handle(a.Method+" "+a.Pattern, g.authed(need, g.curated(a)))
	}

	// Other methods on the gateway's own paths get 405 in Apple's error shape rather than the
	// mux's plain-text answer.
	own := map[string][]string{}
	add := func(method, pattern string) { own[pattern] = append(own[pattern], method) }
	add("GET", "/connector/status")
	add("GET", "/connector/{$}")
	add("POST", "/connector/webhooks/apple/{profile}")
	add("POST", "/connector/subscriptions")
	for _, t := range fixedTriggers {
		add("POST", t.path)
	}
	add("GET", "/connector/subscriptions")
	add("DELETE", "/connector/subscriptions/{id}")
	add("GET", "/connector/openapi.json")
	for _, a := range curatedActions {
		add(a.Method, a.Pattern)
	}
	for pattern, methods := range own {
		allow := strings.Join(methods, ", ")
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			writeError(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "The request method is not allowed",
				r.Method+" is not allowed on "+r.URL.EscapedPath()+"; use "+allow)
		})
	}

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "The specified resource does not exist",
			"the gateway serves /v1/..., /v2/..., /v3/... and /connector/...; see /connector/openapi.json")
	})
	return g.observe(mux)
}

type accessRule func(*http.Request) bool

func writeIfUnsafe(r *http.Request) bool { return !safeMethod(r.Method) }
func never(*http.Request) bool           { return false }
func always(*http.Request) bool          { return true }

type authedHandler func(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime)

// authed admits requests carrying a valid client key (401 otherwise), refuses writes by read
// keys (403), and records every write — allowed or refused — in the audit log.
func (g *Gateway) authed(needsWrite accessRule, h authedHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, ok := g.checkKey(w, r)
		if !ok {
			return
		}
		start := time.Now()
		sw := w
		if !safeMethod(r.Method) {
			// Writes are audited with the status they got.
			rec := &statusWriter{ResponseWriter: w}
			sw = rec
			defer func() { g.audit(r, k, rec.status, time.Since(start)) }()
		}
		p, ok := g.profile(k.Profile)
		if !ok {
			writeError(sw, r, http.StatusForbidden, "FORBIDDEN_ERROR", "The profile is not served",
				"this key belongs to profile "+k.Profile+", which this gateway does not serve")
			return
		}
		if needsWrite(r) && k.Access != store.Write {
			writeError(sw, r, http.StatusForbidden, "FORBIDDEN_ERROR", "This key may only read",
				"key "+k.Name+" has read access; "+r.Method+" needs a key created with --access write")
			return
		}
		if info := infoFrom(r.Context()); info != nil {
			info.key, info.profile, info.keyRec = k.Name, k.Profile, k
		} else {
			r = r.WithContext(withClientKey(r.Context(), k))
		}
		h(sw, r, k, p)
	})
}

// checkKey authenticates the request's client key, answering 401 (or 503 when keys cannot be
// checked) when it does not pass.
func (g *Gateway) checkKey(w http.ResponseWriter, r *http.Request) (*store.ClientKey, bool) {
	k, err := g.authenticate(r.Context(), r)
	if err == nil {
		return k, true
	}
	var ke *errKey
	if errors.As(err, &ke) {
		writeError(w, r, http.StatusUnauthorized, "NOT_AUTHORIZED", "Authentication credentials are missing or invalid", ke.detail)
		return nil, false
	}
	g.logger(r.Context()).Error("check client key", "error", err)
	writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "The gateway cannot check keys", "the gateway's database did not answer; retry later")
	return nil, false
}

// audit stores one write. It runs after the answer is complete and outlives a client that
// hung up, so a write that reached Apple is never missing from the log.
func (g *Gateway) audit(r *http.Request, k *store.ClientKey, status int, d time.Duration) {
	if status == 0 {
		status = http.StatusOK
	}
	g.addAudit(r.Context(), k, r.Method, loggedPath(r), status, d, requestID(r.Context()))
}

func (g *Gateway) addAudit(ctx context.Context, k *store.ClientKey, method, path string, status int, d time.Duration, reqID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := g.db.AddAudit(ctx, store.AuditEntry{
		ID: store.NewID(), Time: g.now().UTC(), KeyName: k.Name, Profile: k.Profile,
		Method: method, Path: path, Status: status, Duration: d, RequestID: reqID,
	})
	if err != nil {
		g.metrics.audit("error")
		g.logger(ctx).Error("audit write failed", "error", err, "key", k.Name, "method", method, "path", path, "status", status)
		return
	}
	g.metrics.audit("ok")
}

func (g *Gateway) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady reports whether the database answers; a load balancer sends traffic only then.
func (g *Gateway) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := g.db.Ping(ctx); err != nil {
		g.logger(ctx).Warn("not ready", "error", err)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Not ready", "the gateway's database does not answer")
		return
	}
	select {
	case <-g.stop:
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Shutting down", "the gateway is shutting down")
		return
	default:
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

// Status is the answer of GET /connector/status.
type Status struct {
	Profile    string         `json:"profile"`
	Key        string         `json:"key"`
	Access     string         `json:"access"`
	RateLimit  RateStatus     `json:"rateLimit"`
	Quota      QuotaStatus    `json:"quota"`
	Deliveries map[string]int `json:"deliveries"` // of the profile's events
}

// RateStatus is a profile's shared rate budget.
type RateStatus struct {
	Known       bool       `json:"known"`
	Limit       int        `json:"limit"`
	Remaining   int        `json:"remaining"`
	ObservedAt  *time.Time `json:"observedAt,omitempty"`
	PausedUntil *time.Time `json:"pausedUntil,omitempty"`
	IntervalMS  int64      `json:"intervalMs"`
}

// rateStatus is a profile's shared budget as status answers show it.
func (g *Gateway) rateStatus(p *profileRuntime) RateStatus {
	s := p.budget.Snapshot()
	rs := RateStatus{Known: s.Known, Limit: s.Limit, Remaining: s.Remaining, IntervalMS: s.Interval.Milliseconds()}
	if !s.ObservedAt.IsZero() {
		t := s.ObservedAt.UTC()
		rs.ObservedAt = &t
	}
	if s.PausedUntil.After(g.now()) {
		t := s.PausedUntil.UTC()
		rs.PausedUntil = &t
	}
	return rs
}

func (g *Gateway) handleStatus(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
	rs := g.rateStatus(p)
	counts, err := g.db.DeliveryCounts(r.Context(), p.Name)
	if err != nil {
		g.logger(r.Context()).Warn("count deliveries", "error", err)
	}
	writeJSON(w, http.StatusOK, Status{Profile: p.Name, Key: k.Name, Access: string(k.Access), RateLimit: rs, Quota: g.quotaStatus(k, p), Deliveries: counts})
}
