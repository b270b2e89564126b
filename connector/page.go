package connector

import (
	"bytes"
	"context"
	"crypto/subtle"
	_ "embed"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/store"
)

// The status page at /connector/: one server-rendered HTML page (no script, no build step)
// for the people who run the gateway: each profile's rate budget, its client keys and their
// quota use, subscriptions, webhook deliveries and the latest audit entries.
//
// A client key sees its own profile, as GET /connector/status does; the operations token
// (Config.MetricsToken) sees every profile. Browsers send either as the password of HTTP
// Basic authentication (the page asks for it); tools send them as for the other routes.
// Every value is escaped by html/template (audit paths are whatever clients sent), the page
// forbids scripts, frames and outside resources, and it never shows a secret: keys by name,
// other keys' callback URLs by host.

//go:embed page.html
var pageHTML string

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"pct": func(f float64) string { return FormatShare(f) },
	"ago": func(t time.Time) string {
		if t.IsZero() {
			return "never"
		}
		return t.UTC().Format("2006-01-02 15:04:05") + " UTC"
	},
	"bar": func(used, limit int) int {
		if limit <= 0 {
			return 0
		}
		return min(100, used*100/limit)
	},
	"class":  stateClass,
	"ms":     func(d time.Duration) string { return strconv.FormatInt(d.Milliseconds(), 10) + " ms" },
	"deref":  func(t *time.Time) time.Time { return *t },
	"status": strconv.Itoa,
}).Parse(pageHTML))

// pageData is what the template renders.
type pageData struct {
	Viewer    string
	Generated time.Time
	Profiles  []pageProfile
}

type pageProfile struct {
	Name, Upstream string
	Budget         RateStatus
	Keys           []pageKey
	Subscriptions  []pageSubscription
	Counts         map[string]int
	Deliveries     []store.DeliveryInfo
	Audit          []store.AuditEntry
	Errors         []string // what could not be read
}

type pageKey struct {
	Name, Access, State string
	Share               float64
	Own                 bool // the key has its own quota
	Used, Limit         int
}

type pageSubscription struct {
	ID, Key, Callback string
	EventTypes        []string
	CreatedAt         time.Time
}

// pageViewer decides what a request may see: every profile for the operations token, the
// key's own profile for a client key. It answers 401 itself when neither is presented.
func (g *Gateway) pageViewer(w http.ResponseWriter, r *http.Request) (viewer string, profiles []string, ok bool) {
	cred := presentedKey(r)
	if _, pass, basic := r.BasicAuth(); basic {
		cred = pass
	}
	if t := g.cfg.MetricsToken; t != "" && subtle.ConstantTimeCompare([]byte(cred), []byte(t)) == 1 {
		return "operations", g.names, true
	}
	k, err := g.authenticateKey(r.Context(), cred)
	if err == nil {
		return "client key " + k.Name, []string{k.Profile}, true
	}
	var ke *errKey
	if !errors.As(err, &ke) {
		g.logger(r.Context()).Error("check client key", "error", err)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "The gateway cannot check keys", "the gateway's database did not answer; retry later")
		return "", nil, false
	}
	w.Header().Set("WWW-Authenticate", `Basic realm="ascend gateway", charset="UTF-8"`)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusUnauthorized)
	w.Write([]byte("Sign in with a gateway client key (or the operations token) as the password.\n"))
	return "", nil, false
}

func (g *Gateway) handlePage(w http.ResponseWriter, r *http.Request) {
	viewer, names, ok := g.pageViewer(w, r)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	data := pageData{Viewer: viewer, Generated: g.now()}
	keys, keysErr := g.db.ClientKeys(ctx)
	for _, name := range names {
		p, ok := g.profile(name)
		if !ok {
			continue
		}
		data.Profiles = append(data.Profiles, g.pageProfile(ctx, p, keys, keysErr))
	}
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, data); err != nil {
		g.logger(r.Context()).Error("render status page", "error", err)
		writeError(w, r, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error", "the status page could not be rendered; the log has the cause under this request id")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

func (g *Gateway) pageProfile(ctx context.Context, p *profileRuntime, keys []store.ClientKey, keysErr error) pageProfile {
	now := g.now()
	pp := pageProfile{Name: p.Name, Upstream: p.base.Host, Budget: g.rateStatus(p)}
	if keysErr != nil {
		pp.Errors = append(pp.Errors, "client keys: the database did not answer")
	}
	for _, k := range keys {
		if k.Profile != p.Name {
			continue
		}
		state := "active"
		switch {
		case !k.RevokedAt.IsZero():
			state = "revoked"
		case !k.ExpiresAt.IsZero() && !now.Before(k.ExpiresAt):
			state = "expired"
		}
		pp.Keys = append(pp.Keys, pageKey{Name: k.Name, Access: string(k.Access), State: state, Share: g.quotaShare(&k), Own: k.Quota > 0,
			Used: g.quotas.used(k.ID, now), Limit: g.quotaLimit(&k, p)})
	}
	subs, err := g.db.Subscriptions(ctx, p.Name)
	if err != nil {
		pp.Errors = append(pp.Errors, "subscriptions: the database did not answer")
	}
	for _, s := range subs {
		pp.Subscriptions = append(pp.Subscriptions, pageSubscription{ID: s.ID, Key: s.KeyName, Callback: callbackHost(mustURL(s.CallbackURL)), EventTypes: s.EventTypes, CreatedAt: s.CreatedAt})
	}
	if pp.Counts, err = g.db.DeliveryCounts(ctx, p.Name); err != nil {
		pp.Errors = append(pp.Errors, "delivery counts: the database did not answer")
	}
	if pp.Deliveries, err = g.db.RecentDeliveries(ctx, p.Name, 20); err != nil {
		pp.Errors = append(pp.Errors, "deliveries: the database did not answer")
	}
	if pp.Audit, err = g.db.RecentAudit(ctx, p.Name, 50); err != nil {
		pp.Errors = append(pp.Errors, "audit: the database did not answer")
	}
	sort.Slice(pp.Keys, func(i, j int) bool { return pp.Keys[i].Name < pp.Keys[j].Name })
	return pp
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return &url.URL{Host: "(unreadable URL)"}
	}
	return u
}

// stateClass maps a delivery state or HTTP status to a CSS class.
func stateClass(s string) string {
	switch {
	case s == store.StateDelivered || strings.HasPrefix(s, "2"):
		return "ok"
	case s == store.StatePending || strings.HasPrefix(s, "3"):
		return "wait"
	}
	return "bad"
}
