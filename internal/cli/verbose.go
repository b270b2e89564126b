package cli

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// verboseTransport logs each request, its status, duration and rate-limit header to w. It
// sits below the signing transport so it sees the final request, and it never writes the
// Authorization header's value or a query that could carry one.
type verboseTransport struct {
	base http.RoundTripper
	mu   sync.Mutex // one log line at a time from parallel requests
	w    io.Writer
	now  func() time.Time
}

func (t *verboseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := t.now()
	auth := "none"
	if req.Header.Get("Authorization") != "" {
		auth = "Bearer [redacted]"
	}
	resp, err := t.base.RoundTrip(req)
	elapsed := t.now().Sub(start).Round(time.Millisecond)
	u := *req.URL
	u.User = nil
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		fmt.Fprintf(t.w, "* %s %s (authorization: %s) failed after %s: %v\n", req.Method, u.Redacted(), auth, elapsed, err)
		return nil, err
	}
	rate := resp.Header.Get("X-Rate-Limit")
	if rate == "" {
		rate = "-"
	}
	fmt.Fprintf(t.w, "* %s %s (authorization: %s) -> %s in %s, x-rate-limit: %s\n", req.Method, u.Redacted(), auth, resp.Status, elapsed, rate)
	return resp, nil
}
