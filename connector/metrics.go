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
	hist     map[string]*histogram // rendered labels -> upstream latency histogram
}

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
	l := labels("route", route, "code", strconv.Itoa(status))
	m.add("ascend_gateway_requests_total", "counter", "Requests served, by route pattern and status.", l, 1)
	m.add("ascend_gateway_request_duration_seconds_total", "counter", "Time spent serving requests, by route pattern and status.", l, d.Seconds())
}

func (m *metrics) upstream(profile string, status int, d time.Duration) {
	m.add("ascend_gateway_upstream_requests_total", "counter", "Requests sent upstream, by profile and status (0: no answer).",
		labels("profile", profile, "code", strconv.Itoa(status)), 1)
	m.mu.Lock()
	defer m.mu.Unlock()
	l := labels("profile", profile)
	h := m.hist[l]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(m.buckets))}
		m.hist[l] = h
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

func (m *metrics) write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.counters))
	for n := range m.counters {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", n, m.help[n], n, m.kinds[n])
		ls := make([]string, 0, len(m.counters[n]))
		for l := range m.counters[n] {
			ls = append(ls, l)
		}
		sort.Strings(ls)
		for _, l := range ls {
			fmt.Fprintf(w, "%s{%s} %s\n", n, l, strconv.FormatFloat(m.counters[n][l], 'g', -1, 64))
		}
	}
	if len(m.hist) > 0 {
		const n = "ascend_gateway_upstream_duration_seconds"
		fmt.Fprintf(w, "# HELP %s Upstream request latency, by profile.\n# TYPE %s histogram\n", n, n)
		ls := make([]string, 0, len(m.hist))
		for l := range m.hist {
			ls = append(ls, l)
		}
		sort.Strings(ls)
		for _, l := range ls {
			h := m.hist[l]
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
