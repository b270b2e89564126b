package connector_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/store"
)

const opsToken = "ops-token-for-the-status-page"

// pageEnv is a gateway with two profiles, some traffic, a subscription, a delivered event
// and an audit entry whose path carries markup (clients choose their paths).
func pageEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles = append(c.Profiles, connector.Profile{Name: "agency", Key: c.Profiles[0].Key, Upstream: c.Profiles[0].Upstream})
		c.MetricsToken = opsToken
		c.DefaultKeyQuota = 0.25
	})
	secret, rec, _ := connector.NewClientKey("agency-flow", "agency", store.Read, 0, time.Now())
	e.db.CreateClientKey(t.Context(), rec)
	e.do(t, "GET", "/v1/apps?limit=1", e.readKey, nil)
	e.do(t, "GET", "/v1/apps?limit=1", secret, nil)
	e.do(t, "PATCH", "/v1/apps/x<script>alert(1)</script>", e.readKey, map[string]any{})
	sub := newSubscriber(t)
	e.do(t, "POST", "/connector/subscriptions", e.readKey, map[string]any{"callbackUrl": sub.srv.URL + "/hook/SECRETPATH"})
	e.db.PutWebhook(t.Context(), store.Webhook{ID: "wh", Profile: "default", AppID: "1", URL: "x", Secret: "page-secret", CreatedAt: time.Now()})
	e.postEvent(t, "default", "page-secret", pingEvent)
	waitFor(t, "the delivery", func() bool { return len(sub.received()) == 1 })
	return e
}

func basic(secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("ascend:"+secret))
}

func TestStatusPage(t *testing.T) {
	t.Parallel()
	e := pageEnv(t)
	get := func(auth string) (int, http.Header, string) {
		req, _ := http.NewRequestWithContext(t.Context(), "GET", e.srv.URL+"/connector/", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	if code, h, _ := get(""); code != 401 || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("without credentials: %d %q; want 401 asking for Basic", code, h.Get("WWW-Authenticate"))
	}
	if code, _, _ := get(basic("asck_0011223344556677_nope")); code != 401 {
		t.Errorf("an unknown key: %d", code)
	}
	code, h, page := get(basic(e.readKey))
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/html") || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Fatalf("with a key: %d %v", code, h)
	}
	for _, want := range []string{"Profile default", "reader", "writer", "25% (default)", "WEBHOOK_PING_CREATED", "delivered", "/v1/apps/x%3Cscript%3Ealert%281%29%3C/script%3E", "127.0.0.1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, never := range []string{"<script", "Profile agency", "agency-flow", "SECRETPATH", e.readKey, "asck_"} {
		if strings.Contains(page, never) {
			t.Errorf("the page shows %q", never)
		}
	}
	if _, _, all := get("Bearer " + opsToken); !strings.Contains(all, "Profile default") || !strings.Contains(all, "Profile agency") || !strings.Contains(all, "agency-flow") {
		t.Errorf("the operations token does not see every profile")
	}
	if a := e.do(t, "POST", "/connector/", e.writeKey, nil); a.status != 405 {
		t.Errorf("POST /connector/: %d", a.status)
	}
}

// chromium finds Debian's chromium (installed by .ci/run).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (apt-get install chromium)")
	}
	t.Skip("skipping: chromium is not installed (apt-get install chromium)")
	return ""
}

// TestStatusPageInChromium renders the status page in headless Chromium, reads what a person
// would see and takes a screenshot (kept in $ASCEND_SCREENSHOT_DIR when set).
func TestStatusPageInChromium(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	e := pageEnv(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true), chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true),
		chromedp.WindowSize(1280, 1400),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTimeout()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Authorization": basic(e.readKey)}}); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(e.srv.URL+"/connector/"), chromedp.WaitVisible(chromedp.CSS("table.audit"))); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	run := func(a chromedp.Action[string]) string {
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatalf("chromium: %v", err)
		}
		return v
	}
	title := run(chromedp.Title())
	heading := run(chromedp.Text(chromedp.CSS("section.profile h2")))
	keys := run(chromedp.Text(chromedp.CSS("table.keys")))
	audit := run(chromedp.Text(chromedp.CSS("table.audit")))
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script").length`))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	if title != "ascend gateway status" || heading != "Profile default" {
		t.Errorf("title %q, heading %q", title, heading)
	}
	if !strings.Contains(keys, "reader") || !strings.Contains(keys, "25% (default)") {
		t.Errorf("keys table: %q", keys)
	}
	// The audit keeps paths escaped as they were sent (loggedPath), and the page shows them so.
	if !strings.Contains(audit, "/v1/apps/x%3Cscript%3Ealert%281%29%3C/script%3E") || strings.Contains(audit, "<script") || scripts != 0 {
		t.Errorf("the audit path is not shown as text (%d scripts on the page): %q", scripts, audit)
	}
	if len(shot) < 10_000 {
		t.Errorf("screenshot of %d bytes", len(shot))
	}
	dir := os.Getenv("ASCEND_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	path := filepath.Join(dir, "status-page.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
