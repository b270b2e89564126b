package connector

import (
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// metrics is a tiny Prometheus text exposition: counters and duration sums keyed by their
// label values. Label sets are bounded (route patterns, status codes, profile names).
type metrics struct {
	mu       sync.Mutex
	counters map[string]map[string]float64 // metric name -> rendered labels -> value
	help     map[string]string
	kinds    map[string]string
	buckets  []float64
	hist     map[string]*histogram // profile -> upstream latency histogram
	// The two counted on every request are kept by their label values and rendered at
	// scrape time, so counting builds no strings.
	requests map[routeCode]*requestCount
	upstream map[string]map[int]float64 // profile -> status -> requests sent upstream
}

type routeCode struct {
	route string
	code  int
}

type requestCount struct{ n, seconds float64 }

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{
		counters: map[string]map[string]float64{},
		help:     map[string]string{},
		kinds:    map[string]string{},
		buckets:  []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		hist:     map[string]*histogram{},
		requests: map[routeCode]*requestCount{},
		upstream: map[string]map[int]float64{},
	}
}

// labelEscaper escapes label values as the text format requires.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func labels(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(kv[i])
		b.WriteString(`="`)
		if strings.ContainsAny(kv[i+1], "\\\"\n") {
			b.WriteString(labelEscaper.Replace(kv[i+1]))
		} else {
			b.WriteString(kv[i+1])
		}
		b.WriteByte('"')
	}
	return b.String()
}

func (m *metrics) add(name, kind, help, lbl string, v float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.counters[name]
	if c == nil {
		c = map[string]float64{}
		m.counters[name] = c
		m.help[name], m.kinds[name] = help, kind
	}
	c[lbl] += v
}

func (m *metrics) request(route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.requests[routeCode{route, status}]
	if c == nil {
		c = &requestCount{}
		m.requests[routeCode{route, status}] = c
	}
	c.n++
	c.seconds += d.Seconds()
}

func (m *metrics) upstreamCall(profile string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	byCode := m.upstream[profile]
	if byCode == nil {
		byCode = map[int]float64{}
		m.upstream[profile] = byCode
	}
	byCode[status]++
	h := m.hist[profile]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(m.buckets))}
		m.hist[profile] = h
	}
	s := d.Seconds()
	for i, b := range m.buckets {
		if s <= b {
			h.counts[i]++
		}
	}
	h.sum += s
	h.n++
}

func (m *metrics) event(profile, result string) {
	m.add("ascend_gateway_webhook_events_total", "counter", "Webhook events received from Apple, by profile and result.",
		labels("profile", profile, "result", result), 1)
}

func (m *metrics) delivery(result string) {
	m.add("ascend_gateway_delivery_attempts_total", "counter", "Webhook delivery attempts to subscribers, by result.",
		labels("result", result), 1)
}

func (m *metrics) audit(result string) {
	m.add("ascend_gateway_audit_writes_total", "counter", "Audit log writes, by result.", labels("result", result), 1)
}

// fold renders the per-request counters into the generic ones; the caller holds m.mu.
func (m *metrics) fold() map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for n, c := range m.counters {
		out[n] = c
	}
	set := func(name, kind, help, lbl string, v float64) {
		if out[name] == nil {
			out[name] = map[string]float64{}
			m.help[name], m.kinds[name] = help, kind
		}
		out[name][lbl] = v
	}
	for rc, c := range m.requests {
		l := labels("route", rc.route, "code", strconv.Itoa(rc.code))
		set("ascend_gateway_requests_total", "counter", "Requests served, by route pattern and status.", l, c.n)
		set("ascend_gateway_request_duration_seconds_total", "counter", "Time spent serving requests, by route pattern and status.", l, c.seconds)
	}
	for profile, byCode := range m.upstream {
		for code, n := range byCode {
			set("ascend_gateway_upstream_requests_total", "counter", "Requests sent upstream, by profile and status (0: no answer).",
				labels("profile", profile, "code", strconv.Itoa(code)), n)
		}
	}
	return out
}

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	counters := m.fold()
	names := make([]string, 0, len(counters))
	for n := range counters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", n, m.help[n], n, m.kinds[n])
		ls := make([]string, 0, len(counters[n]))
		for l := range counters[n] {
			ls = append(ls, l)
		}
		sort.Strings(ls)
		for _, l := range ls {
			fmt.Fprintf(w, "%s{%s} %s\n", n, l, strconv.FormatFloat(counters[n][l], 'g', -1, 64))
		}
	}
	if len(m.hist) > 0 {
		const n = "ascend_gateway_upstream_duration_seconds"
		fmt.Fprintf(w, "# HELP %s Upstream request latency, by profile.\n# TYPE %s histogram\n", n, n)
		ps := make([]string, 0, len(m.hist))
		for p := range m.hist {
			ps = append(ps, p)
		}
		sort.Strings(ps)
		for _, p := range ps {
			h := m.hist[p]
			l := labels("profile", p)
			for i, b := range m.buckets {
				fmt.Fprintf(w, "%s_bucket{%s,le=\"%s\"} %d\n", n, l, strconv.FormatFloat(b, 'g', -1, 64), h.counts[i])
			}
			fmt.Fprintf(w, "%s_bucket{%s,le=\"+Inf\"} %d\n%s_sum{%s} %s\n%s_count{%s} %d\n", n, l, h.n, n, l, strconv.FormatFloat(h.sum, 'g', -1, 64), n, l, h.n)
		}
	}
}

// MetricsHandler serves /metrics: the Prometheus text format, behind Config.MetricsToken
// when one is set. With Config.MetricsSeparate it is not on the gateway's handler, and
// `ascend serve --metrics-addr` serves it on its own listener.
func (g *Gateway) MetricsHandler() http.Handler {
	want := []byte("Bearer " + g.cfg.MetricsToken)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if g.cfg.MetricsToken != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			writeError(w, r, http.StatusUnauthorized, "NOT_AUTHORIZED", "Operations token required",
				"send the gateway's operations token as Authorization: Bearer to read /metrics")
			return
		}
		g.handleMetrics(w, r)
	})
}

// handleMetrics serves the Prometheus text format, adding gauges read at scrape time: each
// profile's rate budget and the delivery queue.
func (g *Gateway) handleMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	g.metrics.write(w)
	fmt.Fprintf(w, "# HELP ascend_gateway_rate_limit_remaining Requests left in the key's rolling hour, as Apple last reported (-1: unknown).\n# TYPE ascend_gateway_rate_limit_remaining gauge\n")
	for _, name := range g.names {
		s := g.profiles[name].budget.Snapshot()
		v := -1
		if s.Known {
			v = s.Remaining
		}
		fmt.Fprintf(w, "ascend_gateway_rate_limit_remaining{%s} %d\n", labels("profile", name), v)
	}
	fmt.Fprintf(w, "# HELP ascend_gateway_rate_limit_paused Whether the key's requests are held after a 429.\n# TYPE ascend_gateway_rate_limit_paused gauge\n")
	for _, name := range g.names {
		s := g.profiles[name].budget.Snapshot()
		p := 0
		if g.now().Before(s.PausedUntil) {
			p = 1
		}
		fmt.Fprintf(w, "ascend_gateway_rate_limit_paused{%s} %d\n", labels("profile", name), p)
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if counts, err := g.db.DeliveryCounts(ctx, ""); err == nil {
		fmt.Fprintf(w, "# HELP ascend_gateway_deliveries Webhook deliveries in the store, by state.\n# TYPE ascend_gateway_deliveries gauge\n")
		states := []string{"pending", "delivered", "expired", "dropped"}
		for _, s := range states {
			fmt.Fprintf(w, "ascend_gateway_deliveries{%s} %d\n", labels("state", s), counts[s])
		}
	}
}
