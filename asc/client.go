package asc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
)

// DefaultBaseURL is App Store Connect's API root.
const DefaultBaseURL = "https://api.appstoreconnect.apple.com/"

// DefaultUserAgent is sent when no WithUserAgent option is given. Release builds of the CLI
// replace it with their version.
const DefaultUserAgent = "ascend/dev"

// Client talks to App Store Connect (or anything that speaks its API, such as the sandbox).
// It is safe for concurrent use. The typed services (client.Apps, ...) hang off the embedded
// services struct; Do, DoRaw, All and Pages reach any endpoint.
type Client struct {
	services

	baseURL   *url.URL
	http      *http.Client
	userAgent string
	retry     RetryPolicy
	budget    *RateBudget

	// now and sleep are the clock; tests replace them to prove retries without waiting.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	// jitter returns a uniformly random duration in [0, d]; tests make it deterministic.
	jitter func(d time.Duration) time.Duration

	// bodies recycles response buffers between calls: a list page is megabytes, and
	// json.Unmarshal copies out everything it keeps, so the buffer is free once Do returns.
	bodies sync.Pool
}

// service is the shared state of every typed service: services are named types over it, so
// a Client carries one pointer per service and nothing more.
type service struct {
	client *Client
}

// Option configures a Client. Options check their input and report a misuse from NewClient.
type Option func(*clientConfig) error

type clientConfig struct {
	baseURL   *url.URL
	http      *http.Client
	userAgent string
	source    auth.TokenSource
	retry     RetryPolicy
	budget    *RateBudget
}

// WithBaseURL points the client at another API root, such as the sandbox or the gateway. It
// must be an absolute http or https URL; a path prefix is kept ("http://host/asc/").
func WithBaseURL(raw string) Option {
	return func(c *clientConfig) error {
		u, err := url.Parse(raw)
		if err != nil {
			return fmt.Errorf("base url %q is not a valid URL: %w", raw, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("base url %q must be an absolute http or https URL, like %s", raw, DefaultBaseURL)
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("base url %q must not have a query or fragment", raw)
		}
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
			if u.RawPath != "" {
				u.RawPath += "/"
			}
		}
		c.baseURL = u
		return nil
	}
}

// WithHTTPClient sets the HTTP client whose transport carries the requests. The client is
// copied, never modified: authentication wraps a copy's transport.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *clientConfig) error {
		if hc == nil {
			return errors.New("http client is nil; pass a client or leave the option out")
		}
		c.http = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *clientConfig) error {
		if strings.TrimSpace(ua) == "" || strings.ContainsAny(ua, "\r\n") {
			return errors.New("user agent must be one non-empty line")
		}
		c.userAgent = ua
		return nil
	}
}

// WithTokenSource signs every request with tokens from src. Without a token source (or key)
// the client sends no Authorization header, which suits the gateway's own clients.
func WithTokenSource(src auth.TokenSource) Option {
	return func(c *clientConfig) error {
		if src == nil {
			return errors.New("token source is nil; pass a source or leave the option out")
		}
		c.source = src
		return nil
	}
}

// WithKey signs requests with k through a cached token source: one token is reused until
// shortly before it expires, and re-signed when the server refuses it.
func WithKey(k *auth.Key) Option {
	return func(c *clientConfig) error {
		if k == nil {
			return errors.New("api key is nil; load one with auth.LoadKeyFile or auth.NewKey")
		}
		c.source = auth.NewTokenSource(k, auth.TokenOptions{})
		return nil
	}
}

// WithRetryPolicy replaces the default retry policy. RetryPolicy{MaxAttempts: 1} disables
// retries.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(c *clientConfig) error {
		if err := p.validate(); err != nil {
			return err
		}
		c.retry = p.withDefaults()
		return nil
	}
}

// WithRateBudget shares b with this client. Give every client that uses one API key the same
// budget.
func WithRateBudget(b *RateBudget) Option {
	return func(c *clientConfig) error {
		if b == nil {
			return errors.New("rate budget is nil; create one with asc.NewRateBudget")
		}
		c.budget = b
		return nil
	}
}

// NewClient builds a client. Without options it talks to Apple, unauthenticated, with the
// default retry policy and no rate budget.
func NewClient(opts ...Option) (*Client, error) {
	cfg := clientConfig{userAgent: DefaultUserAgent, retry: DefaultRetryPolicy()}
	if err := WithBaseURL(DefaultBaseURL)(&cfg); err != nil {
		return nil, err
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, fmt.Errorf("configure app store connect client: %w", err)
		}
	}
	hc := &http.Client{}
	if cfg.http != nil {
		copied := *cfg.http
		hc = &copied
	}
	hc.CheckRedirect = sameOriginRedirects(cfg.baseURL, hc.CheckRedirect)
	if cfg.source != nil {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &auth.Transport{Source: cfg.source, Base: base}
	}
	c := &Client{
		baseURL:   cfg.baseURL,
		http:      hc,
		userAgent: cfg.userAgent,
		retry:     cfg.retry,
		budget:    cfg.budget,
		now:       time.Now,
		sleep:     sleepContext,
		jitter:    randomJitter,
	}
	c.bindServices()
	return c, nil
}

// bindServices points every typed service at c. The services struct is generated (one
// *XService field per service, every XService a named type over service); binding it by
// reflection keeps this file independent of what the generator emits: one shared *service,
// converted to each field's type, set once per client.
func (c *Client) bindServices() {
	base := reflect.ValueOf(&service{client: c})
	v := reflect.ValueOf(&c.services).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		f.Set(base.Convert(f.Type()))
	}
}

// BaseURL returns a copy of the API root, always ending in "/".
func (c *Client) BaseURL() *url.URL {
	u := *c.baseURL
	return &u
}

// RateBudget returns the budget the client shares, or nil.
func (c *Client) RateBudget() *RateBudget { return c.budget }

// Response is an answer from App Store Connect. For Do the body has been read and closed;
// what the client parsed from it is here.
type Response struct {
	*http.Response
	// Rate is the answer's X-Rate-Limit.
	Rate RateLimit
	// NextURL is links.next of a list document: the next page, or "" on the last.
	NextURL string
}

// resolve turns a path relative to the base URL ("/v1/apps", "v1/apps?limit=2") or an
// absolute URL on the base URL's scheme and host (a links.next) into the request URL, adding
// query. Anything on another host is refused before a request is made: a link from a
// response must never carry the key's token elsewhere.
func (c *Client) resolve(path string, query url.Values) (*url.URL, error) {
	ref, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("request path %q is not a valid URL: %w", path, err)
	}
	var u *url.URL
	if ref.IsAbs() || ref.Host != "" {
		if !sameOrigin(ref, c.baseURL) {
			return nil, fmt.Errorf("refusing to request %s://%s%s: it is not on the client's API host %s; only links on %s://%s are followed",
				ref.Scheme, ref.Host, ref.Path, c.baseURL.Host, c.baseURL.Scheme, c.baseURL.Host)
		}
		u = ref
		u.User = nil
	} else {
		u = c.BaseURL()
		escapedBase := strings.TrimSuffix(u.EscapedPath(), "/")
		u.Path = strings.TrimSuffix(u.Path, "/") + "/" + strings.TrimPrefix(ref.Path, "/")
		u.RawPath = ""
		if ref.RawPath != "" || escapedBase != strings.TrimSuffix(c.baseURL.Path, "/") {
			// Keep escapes such as an id's %2F, which Path alone would lose.
			u.RawPath = escapedBase + "/" + strings.TrimPrefix(ref.EscapedPath(), "/")
		}
		u.RawQuery = ref.RawQuery
	}
	if len(query) > 0 {
		q := u.Query()
		for k, vs := range query {
			q[k] = vs
		}
		u.RawQuery = encodeQuery(q)
	}
	return u, nil
}

// sameOrigin reports whether a and b share scheme, host and port, counting an omitted port
// as the scheme's default (a links.next may spell out :443).
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if strings.EqualFold(u.Scheme, "https") {
			return "443"
		}
		return "80"
	}
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// sameOriginRedirects refuses to follow a redirect off the API's origin before next (the
// caller's own policy, or net/http's default of ten hops) has a say. The auth transport signs
// every request it carries, redirected ones included, so following a redirect elsewhere
// would hand the key's token to another host.
func sameOriginRedirects(base *url.URL, next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if !sameOrigin(req.URL, base) {
			return fmt.Errorf("refusing to follow a redirect to %s://%s: it is not on the API host %s", req.URL.Scheme, req.URL.Host, base.Host)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// encodeQuery is url.Values.Encode but leaves the brackets and commas of Apple's parameter
// names and arrays readable ("filter[bundleId]=a,b"); servers decode both forms alike.
func encodeQuery(q url.Values) string {
	s := q.Encode()
	return strings.NewReplacer("%5B", "[", "%5D", "]", "%2C", ",").Replace(s)
}

// encodeBody turns Do's body argument into bytes that every attempt can replay.
func encodeBody(body any) ([]byte, error) {
	switch b := body.(type) {
	case nil:
		return nil, nil
	case []byte:
		return b, nil
	case json.RawMessage:
		return b, nil
	case string:
		return []byte(b), nil
	case io.Reader:
		data, err := io.ReadAll(b)
		if err != nil {
			return nil, fmt.Errorf("read request body: %w", err)
		}
		return data, nil
	}
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request body as JSON: %w", err)
	}
	return data, nil
}

// Do sends one request and decodes the JSON answer into out (a pointer, or nil to discard it).
// path is relative to the base URL ("/v1/apps") or an absolute URL on the same host (a
// links.next). body is nil, an io.Reader, []byte, a string or json.RawMessage (all sent as
// they are) or any other value, encoded as JSON; it is buffered once so that retries and
// the auth transport's re-signing replay it. Non-2xx answers
// return *ErrorResponse, or *RateLimitError for 429, together with the Response.
//
// Idempotent requests (GET, HEAD, PUT, PATCH, DELETE) are retried on 429, 500, 502, 503, 504
// and broken connections, per the client's RetryPolicy. POST never is: whether a POST took
// effect is for the caller to find out before sending it again.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) (*Response, error) {
	if out != nil {
		// Checked before sending: a target json.Unmarshal cannot fill would otherwise fail
		// only after the request (perhaps a POST) took effect.
		if v := reflect.ValueOf(out); v.Kind() != reflect.Pointer || v.IsNil() {
			return nil, fmt.Errorf("%s %s: out must be a non-nil pointer or nil, not %T", strings.ToUpper(method), pathOf(path), out)
		}
	}
	_, resp, buf, err := c.send(ctx, method, path, query, body, "", true)
	if err != nil {
		return resp, err
	}
	defer c.putBuffer(buf)
	data := buf.Bytes()
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return resp, fmt.Errorf("%s %s: decode response: %w", resp.Request.Method, resp.Request.URL.Path, err)
		}
	}
	resp.NextURL = nextLinkOf(out, data)
	return resp, nil
}

// doJSON sends one request and decodes a JSON answer into a new T; the typed services'
// methods are one call of it.
func doJSON[T any](ctx context.Context, c *Client, method, path string, query url.Values, body any) (*T, *Response, error) {
	out := new(T)
	resp, err := c.Do(ctx, method, path, query, body, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// DoRaw is Do for answers that are not JSON documents (gzip reports, CSV, metrics). accept
// is the media type sent as Accept ("application/a-gzip", "text/csv"); "" asks for JSON.
// Apple refuses "Accept: application/json" on such operations (salesReports answers
// "Allowed: application/a-gzip"), so pass the operation's media type. On success the caller
// reads and closes the body; on failure it is already closed.
func (c *Client) DoRaw(ctx context.Context, method, path string, query url.Values, body any, accept string) (io.ReadCloser, *Response, error) {
	httpResp, resp, _, err := c.send(ctx, method, path, query, body, accept, false)
	if err != nil {
		return nil, resp, err
	}
	return httpResp.Body, resp, nil
}

// send runs the attempt loop shared by Do and DoRaw; accept is the Accept media type, ""
// for JSON. With readBody, a successful body is read
// inside the loop, so a connection cut mid-body is retried like one cut before the headers,
// and returned closed; otherwise it is left open for the caller. On failure the body has
// been consumed and closed, and the error is typed.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body any, accept string, readBody bool) (*http.Response, *Response, *bytes.Buffer, error) {
	method = strings.ToUpper(method)
	u, err := c.resolve(path, query)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s %s: %w", method, pathOf(path), err)
	}
	payload, err := encodeBody(body)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s %s: %w", method, u.Path, err)
	}
	idempotent := isIdempotent(method)
	policy := c.retry
	var resp *Response // the last answer received, returned with any error
	var lastErr error  // why the previous attempt failed, kept when a retry cannot go ahead
	gaveUp := func(err error) error {
		if lastErr == nil {
			return fmt.Errorf("%s %s: %w", method, u.Path, err)
		}
		return fmt.Errorf("%w (gave up retrying: %w)", lastErr, err)
	}
	burstRetries := 0 // attempts refused by the burst limit, which do not count against policy
	for attempt := 1; ; attempt++ {
		canRetry := idempotent && attempt < policy.MaxAttempts
		var reserved Reservation
		if c.budget != nil {
			var held time.Duration
			reserved, held, err = c.budget.reserveWithin(ctx, policy.MaxDelay)
			if err != nil {
				return nil, resp, nil, gaveUp(fmt.Errorf("waiting for the rate budget: %w", err))
			}
			if held > 0 {
				// Another request hit a 429 and the server asked for a longer pause than this
				// call may wait: say so now rather than block silently.
				return nil, resp, nil, heldError(method, u, held)
			}
		}
		req, err := c.newRequest(ctx, method, u, payload, accept)
		if err != nil {
			reserved.Abandon()
			return nil, resp, nil, err
		}
		httpResp, err := c.http.Do(req)
		if err != nil {
			reserved.Abandon()
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, resp, nil, gaveUp(ctxErr)
			}
			netErr := fmt.Errorf("%s %s: %w", method, u.Path, unwrapURLError(err))
			if canRetry && isRetryableNetError(err) {
				lastErr = netErr
				if err := c.sleep(ctx, c.backoff(policy, attempt)); err != nil {
					return nil, resp, nil, gaveUp(err)
				}
				continue
			}
			return nil, resp, nil, netErr
		}
		rl, _ := ParseRateLimit(httpResp.Header.Get("X-Rate-Limit"))
		resp = &Response{Response: httpResp, Rate: rl}
		retryAfter := parseRetryAfter(httpResp.Header.Get("Retry-After"), c.now())
		burst := reserved.observe(rl, httpResp.StatusCode, retryAfter)
		if httpResp.StatusCode >= 200 && httpResp.StatusCode < 300 {
			if !readBody {
				return httpResp, resp, nil, nil
			}
			buf := c.getBuffer(httpResp.ContentLength)
			_, err := buf.ReadFrom(httpResp.Body)
			httpResp.Body.Close()
			httpResp.Body = http.NoBody
			if err == nil {
				return httpResp, resp, buf, nil
			}
			c.putBuffer(buf)
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, resp, nil, gaveUp(ctxErr)
			}
			readErr := fmt.Errorf("%s %s: read response: %w", method, u.Path, err)
			if canRetry && isRetryableNetError(err) {
				lastErr = readErr
				if err := c.sleep(ctx, c.backoff(policy, attempt)); err != nil {
					return nil, resp, nil, gaveUp(err)
				}
				continue
			}
			return nil, resp, nil, readErr
		}
		errBody, _ := io.ReadAll(io.LimitReader(httpResp.Body, maxErrorBody))
		httpResp.Body.Close()
		httpResp.Body = http.NoBody
		apiErr := newErrorResponse(method, u.Redacted(), httpResp, errBody, c.now())
		if burst && idempotent && burstRetries < maxBurstRetries && retryAfter <= policy.MaxDelay {
			// The burst limit: the budget now paces every request at the rate the server
			// sustains, this one's next attempt included, so it needs no pause of its own (a
			// Retry-After is in whole seconds; the allowance refills in milliseconds), and
			// the attempt is not counted: while the budget learns the rate, one request can
			// be refused several times in a row without anything being wrong.
			burstRetries++
			attempt--
			lastErr = apiErr
			continue
		}
		if !canRetry || !isRetryableStatus(httpResp.StatusCode) {
			return nil, resp, nil, apiErr
		}
		delay := c.backoff(policy, attempt)
		if retryAfter > 0 {
			if retryAfter > policy.MaxDelay {
				// The server asks for a longer pause than this call may spend; hand the
				// decision back to the caller with the hint in the error.
				return nil, resp, nil, apiErr
			}
			delay = retryAfter
		}
		lastErr = apiErr
		if err := c.sleep(ctx, delay); err != nil {
			return nil, resp, nil, gaveUp(err)
		}
	}
}

// maxBurstRetries bounds the attempts of one call refused by the burst limit, on top of the
// retry policy's.
const maxBurstRetries = 8

// maxPrealloc bounds the buffer reserved up front from a Content-Length, so that a lying
// header cannot make the client reserve gigabytes before reading a byte; maxPooled bounds
// the buffers kept for reuse, so one huge answer is not held for the client's lifetime.
const (
	maxPrealloc = 64 << 20
	maxPooled   = 8 << 20
)

// getBuffer returns an empty buffer, recycled when possible, with room for length bytes
// when the server announced them.
func (c *Client) getBuffer(length int64) *bytes.Buffer {
	buf, _ := c.bodies.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	if length > 0 && length <= maxPrealloc {
		buf.Grow(int(length) + bytes.MinRead)
	}
	return buf
}

func (c *Client) putBuffer(buf *bytes.Buffer) {
	if buf != nil && buf.Cap() <= maxPooled {
		c.bodies.Put(buf)
	}
}

// newRequest builds one attempt. The body is a fresh reader over the buffered payload, and
// GetBody lets the auth transport replay it after re-signing on a 401.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, payload []byte, accept string) (*http.Request, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("%s %s: build request: %w", method, u.Path, err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// unwrapURLError drops net/http's url.Error wrapper, whose message repeats the method and
// the full URL that our own prefix already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// nextLinker is implemented by list documents, so Do can report the next page without
// decoding the body a second time.
type nextLinker interface{ nextLink() string }

var pagedLinksType = reflect.TypeFor[PagedDocumentLinks]()

// nextLinkOf finds links.next of a decoded list: through nextLinker, through a Links field of
// type PagedDocumentLinks (generated *Response types), or, for other targets, by a light
// decode of the raw body when it mentions "next" at all.
func nextLinkOf(out any, data []byte) string {
	if nl, ok := out.(nextLinker); ok {
		return nl.nextLink()
	}
	if out != nil {
		v := reflect.ValueOf(out)
		if v.Kind() == reflect.Pointer && !v.IsNil() && v.Elem().Kind() == reflect.Struct {
			if f := v.Elem().FieldByName("Links"); f.IsValid() && f.Type() == pagedLinksType {
				return f.Interface().(PagedDocumentLinks).Next
			}
		}
	}
	if !bytes.Contains(data, []byte(`"next"`)) {
		return ""
	}
	var doc struct {
		Links struct {
			Next string `json:"next"`
		} `json:"links"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return ""
	}
	return doc.Links.Next
}
