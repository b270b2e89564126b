package connector

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// proxyRecorder is an HTTP proxy that answers every request itself and records the hosts
// asked for.
type proxyRecorder struct {
	mu    sync.Mutex
	hosts []string
	srv   *httptest.Server
}

func newProxyRecorder(t *testing.T) *proxyRecorder {
	p := &proxyRecorder{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.hosts = append(p.hosts, r.Host)
		p.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxyRecorder) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.hosts)
}

// deliverOnce runs a gateway with one subscription per callback (stored directly, past the
// subscription checks, as an older gateway may have stored them) and one event, and waits
// until every delivery was attempted.
func deliverOnce(t *testing.T, opts DeliveryOptions, callbacks ...string) {
	t.Helper()
	key, _, err := auth.GenerateKey("KEYID12345", "issuer")
	if err != nil {
		t.Fatal(err)
	}
	db := storetest.Open(t, "sqlite")
	opts.Poll, opts.Timeout, opts.MinBackoff = 10*time.Millisecond, time.Second, time.Hour
	g, err := New(Config{Profiles: []Profile{{Name: "default", Key: key, Upstream: "http://127.0.0.1:9"}}, DB: db, Delivery: opts})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	for i, cb := range callbacks {
		if err := db.CreateSubscription(t.Context(), store.Subscription{ID: "s" + string(rune('a'+i)), Profile: "default", KeyName: "k", CallbackURL: cb, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	ev := store.Event{ID: "default/e1", Profile: "default", Type: "WEBHOOK_PING_CREATED", Payload: []byte(`{}`), ReceivedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if _, _, err := db.AcceptEvent(t.Context(), ev, time.Hour); err != nil {
		t.Fatal(err)
	}
	g.kick()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st, _ := db.DeliveriesOf(t.Context(), ev.ID)
		attempted := 0
		for _, d := range st {
			if d.Attempts > 0 || d.State != store.StatePending {
				attempted++
			}
		}
		if attempted == len(callbacks) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the deliveries were not attempted")
}

// TestDeliveriesIgnoreTheEnvironmentsProxy: with HTTP_PROXY set, deliveries do not go
// through that proxy (where the address guard would see only the proxy's address); the
// environment is read once per process, so a child process runs the gateway (defect 2).
func TestDeliveriesIgnoreTheEnvironmentsProxy(t *testing.T) {
	if os.Getenv("ASCEND_TEST_PROXY_CHILD") == "1" {
		deliverOnce(t, DeliveryOptions{}, "http://metadata.google.internal/computeMetadata/v1/", "http://flows.example.com/hook")
		return
	}
	t.Parallel()
	proxy := newProxyRecorder(t)
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestDeliveriesIgnoreTheEnvironmentsProxy$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ASCEND_TEST_PROXY_CHILD=1", "HTTP_PROXY="+proxy.srv.URL, "HTTPS_PROXY="+proxy.srv.URL,
		"http_proxy="+proxy.srv.URL, "https_proxy="+proxy.srv.URL, "NO_PROXY=", "no_proxy=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("child gateway: %v\n%s", err, out)
	}
	if seen := proxy.seen(); len(seen) != 0 {
		t.Errorf("deliveries went through the environment's proxy to %v", seen)
	}
}

// TestDeliveryProxyWhenConfigured: a proxy configured for deliveries is used, and the guard
// still refuses metadata names before anything reaches the proxy.
func TestDeliveryProxyWhenConfigured(t *testing.T) {
	t.Parallel()
	proxy := newProxyRecorder(t)
	deliverOnce(t, DeliveryOptions{Proxy: proxy.srv.URL}, "http://metadata.google.internal./computeMetadata/v1/", "http://169.254.169.254./x", "http://flows.example.com/hook")
	if seen := proxy.seen(); !slices.Equal(seen, []string{"flows.example.com"}) {
		t.Errorf("the delivery proxy was asked for %v; want only flows.example.com", seen)
	}
}
