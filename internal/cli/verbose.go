package cli

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
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
	shown := loggedURL(req.URL, auth != "none")
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		fmt.Fprintf(t.w, "* %s %s (authorization: %s) failed after %s: %v\n", req.Method, shown, auth, elapsed, err)
		return nil, err
	}
	rate := resp.Header.Get("X-Rate-Limit")
	if rate == "" {
		rate = "-"
	}
	fmt.Fprintf(t.w, "* %s %s (authorization: %s) -> %s in %s, x-rate-limit: %s\n", req.Method, shown, auth, resp.Status, elapsed, rate)
	return resp, nil
}

// loggedURL is the request URL as --verbose shows it: no user-info, and no query value that
// can act as a credential. An unsigned request is one to a presigned URL (an upload part),
// whose query is its credential (Apple's carry Signature and AWSAccessKeyId), so every value
// is hidden there; a signed API request keeps its query, which is what one debugs, except
// parameters named like a secret.
func loggedURL(u *url.URL, signed bool) string {
	c := *u
	c.User = nil
	if c.RawQuery == "" {
		return c.String()
	}
	q := c.Query()
	for name := range q {
		if !signed || secretParam(name) {
			q[name] = []string{"[redacted]"}
		}
	}
	c.RawQuery = strings.NewReplacer("%5B", "[", "%5D", "]", "%2C", ",").Replace(q.Encode())
	return c.String()
}

// secretParam reports query parameter names that carry credentials by convention.
func secretParam(name string) bool {
	n := strings.ToLower(name)
	if n == "sig" || strings.HasPrefix(n, "x-amz-") {
		return true
	}
	for _, s := range []string{"signature", "token", "credential", "secret", "password", "accesskey", "access_key", "apikey", "api_key"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return false
}
