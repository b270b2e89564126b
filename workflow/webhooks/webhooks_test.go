package webhooks_test

import (
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/webhooks"
)

// loseFirstCreate forwards to the sandbox and drops the answer to the first webhook create
// after the sandbox made the webhook.
type loseFirstCreate struct {
	mu      sync.Mutex
	creates int
}

func (l *loseFirstCreate) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil || r.Method != "POST" || r.URL.Path != "/v1/webhooks" {
		return resp, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.creates++
	if l.creates == 1 {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, io.ErrUnexpectedEOF
	}
	return resp, nil
}

func setup(t *testing.T, rt http.RoundTripper) (*asc.Client, string) {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithHTTPClient(&http.Client{Transport: rt}), asc.WithRetryPolicy(asc.RetryPolicy{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	apps, _, err := c.Apps.List(t.Context(), nil)
	if err != nil || len(apps.Data) == 0 {
		t.Fatalf("apps: %v", err)
	}
	return c, apps.Data[0].ID
}

func count(t *testing.T, c *asc.Client, app, url string) int {
	t.Helper()
	n := 0
	for wh, err := range c.Apps.ListWebhooksIter(t.Context(), app, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if wh.Attributes.URL == url {
			n++
		}
	}
	return n
}

func TestRegisterTwiceKeepsOneWebhook(t *testing.T) {
	t.Parallel()
	c, app := setup(t, http.DefaultTransport)
	reg := webhooks.Registration{App: app, URL: "http://127.0.0.1:9/hook", Name: "gw", Secret: "first-secret-0123456789", EventTypes: []string{"BUILD_UPLOAD_STATE_UPDATED"}}
	first, err := webhooks.Register(t.Context(), c, reg)
	if err != nil {
		t.Fatal(err)
	}
	reg.Secret, reg.EventTypes = "second-secret-0123456789", webhooks.EventTypes()
	second, err := webhooks.Register(t.Context(), c, reg)
	if err != nil {
		t.Fatal(err)
	}
	if second.ID != first.ID || len(second.Attributes.EventTypes) != len(webhooks.EventTypes()) {
		t.Errorf("second registration: %s %+v; want webhook %s updated", second.ID, second.Attributes, first.ID)
	}
	if n := count(t, c, app, reg.URL); n != 1 {
		t.Errorf("%d webhooks for the URL; want 1", n)
	}
	if err := webhooks.Remove(t.Context(), c, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := webhooks.Remove(t.Context(), c, first.ID); err != nil {
		t.Errorf("removing a webhook already gone: %v", err)
	}
}

func TestLostCreateAnswerIsReadBack(t *testing.T) {
	t.Parallel()
	tr := &loseFirstCreate{}
	c, app := setup(t, tr)
	reg := webhooks.Registration{App: app, URL: "http://127.0.0.1:9/lost", Name: "gw", Secret: "a-secret-0123456789", EventTypes: []string{"BUILD_UPLOAD_STATE_UPDATED"}}
	wh, err := webhooks.Register(t.Context(), c, reg)
	if err != nil {
		t.Fatal(err)
	}
	if wh.ID == "" || tr.creates != 1 {
		t.Errorf("webhook %q after %d creates; want the first one found by reading back", wh.ID, tr.creates)
	}
	if n := count(t, c, app, reg.URL); n != 1 {
		t.Errorf("%d webhooks for the URL; want 1", n)
	}
}
