package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/store"
)

// maxUpstreamJSON caps how much of a JSON answer the gateway buffers to rewrite its links.
const maxUpstreamJSON = 64 << 20

// Answer buffers are recycled: every JSON answer is read whole and rewritten, and a list page
// is tens of kilobytes. A buffer grown past maxPooledBuffer is left to the collector, so one
// huge answer is not kept for the gateway's lifetime.
const (
	maxPooledBuffer = 1 << 20
	maxPrealloc     = 8 << 20
)

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func getBuffer(size int64) *bytes.Buffer {
	b := buffers.Get().(*bytes.Buffer)
	b.Reset()
	if size > 0 && size <= maxPrealloc {
		b.Grow(int(size) + bytes.MinRead)
	}
	return b
}

func putBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledBuffer {
		buffers.Put(b)
	}
}

// holdLimit is the longest the gateway makes a client wait for the rate budget; past it the
// client gets 429 with Retry-After at once, since low-code platforms time out long requests.
const holdLimit = 20 * time.Second

// forwardedRequestHeaders are the only client headers sent upstream: never the client's
// Authorization or X-API-Key, nor cookies or forwarding headers.
var forwardedRequestHeaders = []string{"Accept", "Accept-Language", "Content-Type", "If-None-Match", "If-Modified-Since"}

// droppedResponseHeaders are not copied back to the client: hop-by-hop headers, lengths the
// gateway recomputes, and cookies.
var droppedResponseHeaders = map[string]bool{
	"Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true, "Te": true, "Trailer": true,
	"Transfer-Encoding": true, "Upgrade": true, "Content-Length": true, "Content-Encoding": true, "Set-Cookie": true,
}

// safeMethod: only GET and HEAD read. Anything else, OPTIONS included (it may carry a body
// and is signed like any request), is a write: a read key may not send it, and it is
// audited.
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead
}

// badPathError refuses a path that could resolve outside the API roots upstream.
type badPathError struct{}

func (*badPathError) Error() string { return "path with dot segments or encoded slashes" }

// apiPath reports whether an escaped path stays under /v1/, /v2/ or /v3/ however the upstream
// resolves it: no "." or ".." segment, encoded or not, nor one before a path parameter
// ("..;x", which Tomcat and Jetty read as "..") or a NUL (where a C server stops), and no
// encoded slash or backslash that a server might decode into a separator.
func apiPath(escaped string) bool {
	if !isAPIPath([]byte(escaped)) || strings.IndexByte(escaped, '\\') >= 0 {
		return false
	}
	for rest := escaped; rest != ""; {
		seg := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			seg, rest = rest[:i], rest[i+1:]
		} else {
			rest = ""
		}
		if strings.IndexByte(seg, '%') >= 0 {
			lower := strings.ToLower(seg)
			if strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
				return false
			}
			s, err := url.PathUnescape(seg)
			if err != nil {
				return false
			}
			seg = s
		}
		if dotSegment(seg) {
			return false
		}
	}
	return true
}

// dotSegment reports whether a decoded path segment is "." or "..", alone or before a path
// parameter or a NUL.
func dotSegment(seg string) bool {
	if seg == "" || seg[0] != '.' {
		return false
	}
	if i := strings.IndexAny(seg, ";\x00"); i >= 0 {
		seg = seg[:i]
	}
	return seg == "." || seg == ".."
}

// upstreamError is a failure to get an answer from the upstream.
type upstreamError struct{ err error }

func (e *upstreamError) Error() string { return "upstream: " + e.err.Error() }
func (e *upstreamError) Unwrap() error { return e.err }

// Timeout is the cause's, for net/http's url.Error, which asks its cause directly.
func (e *upstreamError) Timeout() bool {
	t, ok := e.err.(interface{ Timeout() bool })
	return ok && t.Timeout()
}

// exchangeErrors marks the failures of the exchange itself (a connection refused or closed
// without an answer) as upstreamErrors, under the JWT's transport, so that the curated
// actions' workflows, which wrap them in messages of their own, still answer them as App
// Store Connect's failure (502) rather than as the client's mistake or the gateway's.
type exchangeErrors struct{ next http.RoundTripper }

func (t exchangeErrors) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, &upstreamError{err}
	}
	return resp, nil
}

// rateHeldError says the key's budget is held after a 429 for longer than a client should wait.
type rateHeldError struct{ until time.Time }

func (e *rateHeldError) Error() string {
	return "rate limit hold until " + e.until.Format(time.RFC3339)
}

// send makes one signed request to the profile's upstream for the passthrough. path is an
// escaped absolute path such as /v1/apps; rawQuery is sent as is. The URL is always built from the
// profile's configured base, so no request can reach another host.
func (g *Gateway) send(ctx context.Context, p *profileRuntime, method, path, rawQuery string, body []byte, hdr http.Header) (*http.Response, error) {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if !apiPath(path) {
		return nil, &badPathError{}
	}
	// Parsed once, as the request's URL, and checked to stay on the configured host. The
	// query is set as it came, not parsed: a parse would end it at a '#' and drop the rest.
	req, err := http.NewRequestWithContext(ctx, method, p.baseStr+path, nil)
	if err != nil || req.URL.Host != p.base.Host || req.URL.Scheme != p.base.Scheme {
		return nil, fmt.Errorf("path %q does not form an upstream URL", path)
	}
	req.URL.RawQuery = rawQuery
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	for _, h := range forwardedRequestHeaders {
		if v := hdr.Values(h); len(v) > 0 {
			req.Header[h] = v
		}
	}
	req.Header["User-Agent"] = userAgent
	// Straight to the transport: http.Client would copy the headers for redirects, which
	// the gateway never follows; and the request is signed in place, being the gateway's own.
	resp, err := p.up.roundTrip(req, true)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// Not the url.Error: its URL holds the query, which the logs leave out.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if up := (*upstreamError)(nil); errors.As(err, &up) {
			return nil, up
		}
		return nil, &upstreamError{err}
	}
	return resp, nil
}

var userAgent = []string{"ascend-gateway"}

// upstreamTransport is the one way requests reach a profile's upstream, for the passthrough
// and for the typed client the curated actions use alike: the path must stay under the API
// roots of the configured base, the shared rate budget admits the request, the JWT is added,
// and the answer feeds the budget and the metrics.
type upstreamTransport struct {
	g      *Gateway
	p      *profileRuntime
	signed *auth.Transport // adds the profile key's JWT
}

func (t *upstreamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.roundTrip(req, false)
}

// roundTrip sends req; owned says the gateway made it for this call alone (the passthrough),
// so the JWT is set on it rather than on a copy.
func (t *upstreamTransport) roundTrip(req *http.Request, owned bool) (*http.Response, error) {
	g, p := t.g, t.p
	rest, ok := strings.CutPrefix(req.URL.EscapedPath(), p.prefix)
	if !ok || !apiPath(rest) || req.URL.Host != p.base.Host || req.URL.Scheme != p.base.Scheme {
		closeBody(req)
		return nil, &badPathError{}
	}
	k := clientKeyFrom(req.Context())
	if k != nil {
		limit := g.quotaLimit(k, p)
		if ok, retryAt := g.quotas.take(k.ID, limit, g.now()); !ok {
			closeBody(req)
			return nil, &quotaError{key: k.Name, share: g.quotaShare(k), limit: limit, retryAt: retryAt}
		}
	}
	reserved, err := g.admit(req.Context(), p)
	if err != nil {
		if k != nil {
			g.quotas.refund(k.ID, g.now())
		}
		closeBody(req)
		return nil, err
	}
	start := time.Now()
	var resp *http.Response
	if owned {
		resp, err = t.signed.RoundTripOwned(req)
	} else {
		resp, err = t.signed.RoundTrip(req)
	}
	if err != nil {
		reserved.Abandon()
		g.metrics.upstreamCall(p.Name, 0, time.Since(start))
		return nil, err
	}
	g.metrics.upstreamCall(p.Name, resp.StatusCode, time.Since(start))
	rl, _ := asc.ParseRateLimit(resp.Header.Get("X-Rate-Limit"))
	reserved.Observe(rl, resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), g.now()))
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// admit waits for the profile's shared rate budget. Clients share the key's budget: after a
// 429 everyone is held, and when little of the hour remains requests are spaced out. A wait
// longer than a client should sit through is answered with 429 and Retry-After at once
// instead, with nothing reserved. One update of the budget decides (one row lock when it is
// shared through PostgreSQL).
func (g *Gateway) admit(ctx context.Context, p *profileRuntime) (asc.Reservation, error) {
	r, wait, err := p.budget.ReserveWithin(ctx, holdLimit)
	if err != nil {
		return r, err
	}
	if wait > 0 {
		return r, &rateHeldError{g.now().Add(wait)}
	}
	return r, nil
}

// cappedTransport refuses answers over maxUpstreamJSON for the typed client, which buffers
// whole answers: reading past the cap fails, so a huge answer is an error, never a document
// cut short.
type cappedTransport struct{ next http.RoundTripper }

func (t cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err == nil {
		resp.Body = &cappedBody{rc: resp.Body, left: maxUpstreamJSON}
	}
	return resp, err
}

type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

var errAnswerTooLarge = fmt.Errorf("answer over %d bytes", maxUpstreamJSON)

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errAnswerTooLarge
		}
		return b.rc.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.rc.Close() }

func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// writeSendError answers a client whose request could not be sent or answered.
func (g *Gateway) writeSendError(w http.ResponseWriter, r *http.Request, err error) {
	var held *rateHeldError
	var up *upstreamError
	var bad *badPathError
	var quota *quotaError
	var shared *budgetStoreError
	switch {
	case errors.As(err, &quota):
		secs := max(1, int(math.Ceil(quota.retryAt.Sub(g.now()).Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, r, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "The client key's quota was exceeded",
			quota.Error()+"; retry after "+strconv.Itoa(secs)+" seconds")
	case errors.As(err, &bad):
		writeError(w, r, http.StatusNotFound, "NOT_FOUND", "The specified resource does not exist",
			"the path holds a '.' or '..' segment or an encoded slash, which no App Store Connect resource has")
	case errors.As(err, &held):
		secs := int(held.until.Sub(g.now()).Seconds()) + 1
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, r, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", "The API key's rate limit was exceeded",
			"App Store Connect asked this key's clients to back off; retry after "+strconv.Itoa(secs)+" seconds")
	case errors.Is(err, context.DeadlineExceeded) && r.Context().Err() == nil:
		writeError(w, r, http.StatusGatewayTimeout, "UPSTREAM_TIMEOUT", "App Store Connect did not answer in time",
			"the exchange with App Store Connect took longer than "+g.cfg.UpstreamTimeout.String()+"; retry later")
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		// The client went away or the server is shutting down; nobody reads an answer.
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "Request cancelled", "the request was cancelled before App Store Connect answered")
	case errors.As(err, &shared):
		g.logger(r.Context()).Error("shared rate budget unavailable", "error", err)
		writeError(w, r, http.StatusServiceUnavailable, "UNAVAILABLE", "The gateway's rate budget is unavailable",
			"the gateway could not read the rate budget it shares with other instances from its database; nothing was sent, retry later")
	case errors.As(err, &up):
		g.logger(r.Context()).Warn("upstream request failed", "error", err)
		writeError(w, r, http.StatusBadGateway, "UPSTREAM_UNAVAILABLE", "App Store Connect did not answer",
			"the gateway could not reach App Store Connect; retry later")
	default:
		g.logger(r.Context()).Error("request failed", "error", err)
		writeError(w, r, http.StatusBadGateway, "UPSTREAM_ERROR", "Request failed", "the gateway could not forward the request; the log has the cause under this request id")
	}
}

// handleProxy forwards /v1/..., /v2/... and /v3/... to the key's profile upstream with the
// JWT added; query and body go untouched (only the gateway's own flatten=true is removed),
// and links in JSON answers point back at the gateway.
func (g *Gateway) handleProxy(w http.ResponseWriter, r *http.Request, k *store.ClientKey, p *profileRuntime) {
	rawQuery, flat := takeFlatten(r.URL.RawQuery)
	var body []byte
	if r.Body != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		var err error
		if body, err = g.readBody(w, r, g.cfg.MaxBodyBytes); err != nil {
			writeBodyError(w, r, err)
			return
		}
	}
	// The whole exchange is bounded, from the request to the answer's last byte, so an
	// upstream that stalls mid-body does not hold the client.
	ctx, cancel := context.WithTimeout(r.Context(), g.cfg.UpstreamTimeout)
	defer cancel()
	resp, err := g.send(ctx, p, r.Method, r.URL.EscapedPath(), rawQuery, body, r.Header)
	if err != nil {
		g.writeSendError(w, r, err)
		return
	}
	defer resp.Body.Close()
	g.relay(w, r, p, resp, flat)
}

// relay copies an upstream answer to the client, rewriting links in JSON and flattening it
// when asked.
func (g *Gateway) relay(w http.ResponseWriter, r *http.Request, p *profileRuntime, resp *http.Response, flat bool) {
	public := g.publicBase(r)
	for name, vals := range resp.Header {
		if droppedResponseHeaders[name] {
			continue
		}
		if name == "X-Request-Id" {
			// The gateway's own request id stays; Apple's is kept under another name.
			name = "X-Upstream-Request-Id"
		}
		w.Header()[name] = vals
	}
	if loc := resp.Header.Get("Location"); loc != "" {
		w.Header().Set("Location", rewriteLink(loc, p.baseStr, public))
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "json") || r.Method == http.MethodHead {
		w.WriteHeader(resp.StatusCode)
		if _, err := io.Copy(w, resp.Body); err != nil && resp.Request != nil && resp.Request.Context().Err() != nil {
			// Cut off mid-stream: the status is sent, so only breaking the connection tells
			// the client the answer is incomplete.
			panic(http.ErrAbortHandler)
		}
		return
	}
	in, out := getBuffer(resp.ContentLength), getBuffer(resp.ContentLength+512)
	defer putBuffer(in)
	defer putBuffer(out)
	_, err := in.ReadFrom(io.LimitReader(resp.Body, maxUpstreamJSON+1))
	data := in.Bytes()
	if err != nil || len(data) > maxUpstreamJSON {
		if err != nil && resp.Request != nil && errors.Is(resp.Request.Context().Err(), context.DeadlineExceeded) {
			err = context.DeadlineExceeded
		}
		g.writeSendError(w, r, &upstreamError{fmt.Errorf("read answer: %w (%d bytes)", err, len(data))})
		return
	}
	data = rewriteLinksTo(out, data, p.baseStr, public)
	if len(g.cfg.UploadHosts) > 0 && resp.StatusCode/100 == 2 && bytes.Contains(data, []byte(`"uploadOperations"`)) {
		data = g.rewriteUploads(data, public)
	}
	if flat && resp.StatusCode/100 == 2 && len(data) > 0 {
		if f, err := flattenDocument(data); err == nil {
			data = f
		}
	}
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(data))}
	w.WriteHeader(resp.StatusCode)
	w.Write(data)
}

// rewriteLinks points Apple's links at the gateway: the members of "links" objects (the
// document's, each resource's and each relationship's self, related, first, next, prev and
// last) whose value starts with the upstream's API root (upstream/v1/, /v2/, /v3/). Attribute
// values are left alone even when they happen to start with that URL, and so are other URLs
// on the same host (the sandbox's upload parts).
func rewriteLinks(data []byte, upstream, public string) []byte {
	return rewriteLinksTo(new(bytes.Buffer), data, upstream, public)
}

// rewriteLinksTo is rewriteLinks writing into out; it returns data itself when nothing
// changes.
func rewriteLinksTo(out *bytes.Buffer, data []byte, upstream, public string) []byte {
	if upstream == public {
		return data
	}
	// One pass: find each string that starts with the upstream, rewrite it when it is a
	// link member and an API root follows, copy everything else as it is. The search is for
	// the upstream after its scheme ("//host/..."): '/' is rare in JSON outside URLs, where
	// a search starting at '"' would stop at every string.
	scheme, rest, ok := strings.Cut(upstream, "//")
	if !ok {
		return data
	}
	head := `"` + scheme // `"https:` must come right before each match
	needle := []byte("//" + rest)
	// The answer is built by appending to out's spare capacity, grown once to the size it
	// will have: cheaper than a Write per piece.
	var buf []byte
	start := 0 // data[:start] is copied to buf already
	from := 0
	prevClose := -1 // the closing quote of the last link rewritten
	for {
		j := bytes.Index(data[from:], needle)
		if j < 0 {
			break
		}
		at := from + j      // the "//" of a match
		q := at - len(head) // its opening quote, if it is the start of a string
		// Search on after this URL: its own slashes would each be a false start.
		end := at + len(needle)
		var closing int
		from, closing = afterURL(data, end)
		if q < 0 || string(data[q:at]) != head || !isAPIPath(data[end:]) {
			continue
		}
		// The next member of the links object just rewritten (related after self) is a link
		// too; anything else is read backwards to its object.
		if !(prevClose >= 0 && afterLinkName(data[prevClose+1:q]) == q-prevClose-1) && !isLinkMember(data, q) {
			continue
		}
		for {
			prevClose = closing
			if buf == nil {
				out.Grow(len(data) + 16*max(len(public)-len(upstream), 0))
				buf = out.AvailableBuffer()
			}
			buf = append(buf, data[start:q+1]...) // up to and including the opening quote
			buf = append(buf, public...)
			start = end
			// A link member straight after this one's value, such as related after self, is
			// taken at once, without searching for it.
			if closing < 0 {
				break
			}
			n := afterLinkName(data[closing+1:])
			if n < 0 {
				break
			}
			q = closing + 1 + n
			at = q + len(head)
			if len(data)-at < len(needle) || string(data[q:at]) != head || string(data[at:at+len(needle)]) != string(needle) || !isAPIPath(data[at+len(needle):]) {
				break
			}
			end = at + len(needle)
			from, closing = afterURL(data, end)
		}
	}
	if buf == nil {
		return data
	}
	return append(buf, data[start:]...)
}

// afterURL finds the closing quote of the string a URL starting at data[end] is in: where
// to search on from and the quote's index (-1 when there is none).
func afterURL(data []byte, end int) (from, closing int) {
	if k := bytes.IndexByte(data[end:], '"'); k >= 0 {
		return end + k, end + k
	}
	return end, -1
}

// linkName reports whether a member name is one JSON:API and Apple put in links objects.
func linkName(b []byte) bool {
	switch string(b) { // compiled without an allocation
	case "self", "related", "first", "next", "prev", "last":
		return true
	}
	return false
}

// isLinkMember reports whether the string opening at data[q] is the value of a link member:
// `"links": {..., "next": <here>`. It reads backwards over the object's earlier members,
// which in a links object are strings or null; anything else means it is not one.
func isLinkMember(data []byte, q int) bool {
	j := skipSpaceBack(data, q-1)
	if j < 0 || data[j] != ':' {
		return false
	}
	ks, j := stringBack(data, skipSpaceBack(data, j-1))
	if j < 0 || !linkName(data[j+1:ks]) {
		return false
	}
	for range 16 {
		j = skipSpaceBack(data, j-1)
		if j < 0 {
			return false
		}
		switch data[j] {
		case '{':
			j = skipSpaceBack(data, j-1)
			if j < 0 || data[j] != ':' {
				return false
			}
			e := skipSpaceBack(data, j-1)
			_, s := stringBack(data, e)
			return s >= 0 && string(data[s+1:e]) == "links"
		case ',':
			j = skipSpaceBack(data, j-1)
			switch {
			case j >= 0 && data[j] == '"':
				if _, j = stringBack(data, j); j < 0 {
					return false
				}
			case j >= 3 && string(data[j-3:j+1]) == "null":
				j -= 3
			default:
				return false
			}
			j = skipSpaceBack(data, j-1)
			if j < 0 || data[j] != ':' {
				return false
			}
			if _, j = stringBack(data, skipSpaceBack(data, j-1)); j < 0 {
				return false
			}
		default:
			return false
		}
	}
	return false
}

// afterLinkName reads `, "name":` with a link name (and whitespace anywhere) at the start of
// b, what lies between the end of one member's value and the start of the next one's, and
// returns its length up to the value; -1 when b does not start so.
func afterLinkName(b []byte) int {
	r := skipSpace(b)
	if len(r) == 0 || r[0] != ',' {
		return -1
	}
	r = skipSpace(r[1:])
	if len(r) < 2 || r[0] != '"' {
		return -1
	}
	i := bytes.IndexByte(r[1:], '"')
	if i < 0 || !linkName(r[1:1+i]) {
		return -1
	}
	r = skipSpace(r[2+i:])
	if len(r) == 0 || r[0] != ':' {
		return -1
	}
	r = skipSpace(r[1:])
	return len(b) - len(r)
}

// skipSpace drops JSON whitespace from the front of b (bytes.TrimLeft would build its
// character set on every call, and this runs for every link of every answer).
func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\n' || b[0] == '\t' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

func skipSpaceBack(data []byte, j int) int {
	for j >= 0 && (data[j] == ' ' || data[j] == '\n' || data[j] == '\t' || data[j] == '\r') {
		j--
	}
	return j
}

// stringBack finds the JSON string whose closing quote is data[e], returning e and the index
// of its opening quote (-1 when data[e] is not a closing quote); the raw content is
// data[s+1:e].
func stringBack(data []byte, e int) (int, int) {
	if e < 0 || data[e] != '"' {
		return e, -1
	}
	for s := e; s > 0; {
		s = bytes.LastIndexByte(data[:s], '"')
		if s < 0 {
			break
		}
		n := 0
		for k := s - 1; k >= 0 && data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return e, s
		}
	}
	return e, -1
}

// apiRoots are the API's roots the passthrough serves, from the spec ("/v1/", "/v2/",
// "/v3/"): a root Apple adds comes with the regenerated catalog. New reads them once, so the
// catalog is decoded at start, not on the first request.
var apiRoots = sync.OnceValue(spec.Roots)

// apiRoot returns the API root b starts with, or "" when it starts with none.
func apiRoot(b []byte) string {
	for _, r := range apiRoots() {
		if len(b) >= len(r) && string(b[:len(r)]) == r {
			return r
		}
	}
	return ""
}

// isAPIPath reports whether b starts with an API root.
func isAPIPath(b []byte) bool { return apiRoot(b) != "" }

// apiRoute is the route pattern of an API path (one that isAPIPath accepts), for metrics.
func apiRoute(p string) string { return apiRoot([]byte(p)) }

func rewriteLink(link, upstream, public string) string {
	if rest, ok := strings.CutPrefix(link, upstream); ok && isAPIPath([]byte(rest)) {
		return public + rest
	}
	return link
}

// takeFlatten removes the gateway's flatten parameter from a raw query, leaving every other
// parameter byte for byte as the client sent it.
func takeFlatten(raw string) (string, bool) {
	if !strings.Contains(raw, "flatten") {
		return raw, false
	}
	var kept []string
	flat := false
	for _, part := range strings.Split(raw, "&") {
		name, value, _ := strings.Cut(part, "=")
		if name == "flatten" {
			flat = value == "true" || value == "1"
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, "&"), flat
}
