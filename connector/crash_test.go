package connector_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// Environment of a re-executed test binary that runs a gateway instead of tests.
const (
	childEnv   = "ASCEND_TEST_GATEWAY_CHILD"
	childDB    = "ASCEND_TEST_GATEWAY_DB"
	childKey   = "ASCEND_TEST_GATEWAY_KEY_PEM"
	childUpURL = "ASCEND_TEST_GATEWAY_UPSTREAM"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChildGateway())
	}
	os.Exit(m.Run())
}

// runChildGateway serves a gateway on a loopback port, printing "ADDR <host:port>" on stdout
// once it listens, until it is signalled (or killed).
func runChildGateway() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := store.Open(ctx, os.Getenv(childDB))
	if err != nil {
		os.Stderr.WriteString("child: open store: " + err.Error() + "\n")
		return 1
	}
	defer db.Close()
	key, err := auth.NewKey("CHILDKEY01", "issuer", []byte(os.Getenv(childKey)))
	if err != nil {
		os.Stderr.WriteString("child: key: " + err.Error() + "\n")
		return 1
	}
	gw, err := connector.New(connector.Config{
		Profiles: []connector.Profile{{Name: "default", Key: key, Upstream: os.Getenv(childUpURL)}},
		DB:       db,
		// A short lease so the restarted gateway takes over the dead one's claim quickly.
		Delivery: connector.DeliveryOptions{Poll: 20 * time.Millisecond, Lease: time.Second, Timeout: 500 * time.Millisecond,
			MinBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond},
	})
	if err != nil {
		os.Stderr.WriteString("child: gateway: " + err.Error() + "\n")
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 1
	}
	os.Stdout.WriteString("ADDR " + ln.Addr().String() + "\n")
	if err := gw.Serve(ctx, ln); err != nil {
		return 1
	}
	return 0
}

// startChild starts a gateway subprocess on dsn and returns its base URL.
func startChild(t *testing.T, dsn string, keyPEM []byte) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", childDB+"="+dsn, childKey+"="+string(keyPEM), childUpURL+"=http://127.0.0.1:9")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child gateway: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ADDR ") {
		t.Fatalf("child gateway did not start: %q %v", line, err)
	}
	return cmd, "http://" + strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
}

// TestDeliverySurvivesSIGKILL kills a gateway with SIGKILL while it is delivering an event,
// starts another on the same database, and checks that the event still reaches the
// subscriber.
func TestDeliverySurvivesSIGKILL(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("skipping subprocess test in -short mode")
	}
	for _, backend := range storetest.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.DSN(t, backend)
			_, pem, err := auth.GenerateKey("CHILDKEY01", "issuer")
			if err != nil {
				t.Fatal(err)
			}
			// The subscriber holds the first attempt open (the gateway is mid-delivery when it
			// dies) and accepts later ones.
			var mu sync.Mutex
			var attempts, delivered []string
			inFlight := make(chan struct{}, 1)
			release := make(chan struct{})
			sub := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				id := r.Header.Get("X-Ascend-Event-Id")
				io.Copy(io.Discard, r.Body)
				mu.Lock()
				attempts = append(attempts, id)
				first := len(attempts) == 1
				mu.Unlock()
				if first {
					inFlight <- struct{}{}
					select {
					case <-release:
					case <-r.Context().Done():
					}
					return
				}
				mu.Lock()
				delivered = append(delivered, id)
				mu.Unlock()
			})}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go sub.Serve(ln)
			t.Cleanup(func() { close(release); sub.Close() })

			db, err := store.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			const secret = "crash-test-secret"
			db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: secret, CreatedAt: time.Now()})
			db.CreateSubscription(t.Context(), store.Subscription{ID: "sub", Profile: "default", KeyName: "k", CallbackURL: "http://" + ln.Addr().String() + "/cb", CreatedAt: time.Now()})

			first, url := startChild(t, dsn, pem)
			req, _ := http.NewRequest("POST", url+"/connector/webhooks/apple/default", strings.NewReader(buildEvent))
			req.Header.Set("X-Apple-SIGNATURE", connector.Sign(secret, []byte(buildEvent)))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("event not accepted: %d", resp.StatusCode)
			}
			select {
			case <-inFlight:
			case <-time.After(30 * time.Second):
				t.Fatal("the first gateway never attempted the delivery")
			}
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			first.Wait()

			startChild(t, dsn, pem)
			waitFor(t, "delivery by the restarted gateway", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return len(delivered) > 0
			})
			mu.Lock()
			if delivered[0] != "default/evt-42" || attempts[0] != delivered[0] {
				t.Errorf("attempts %v, delivered %v: want the same event id", attempts, delivered)
			}
			mu.Unlock()
			waitFor(t, "delivered state", func() bool {
				st, _ := db.DeliveriesOf(t.Context(), "default/evt-42")
				return len(st) == 1 && st[0].State == store.StateDelivered
			})
		})
	}
}
