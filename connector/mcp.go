package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/store"
)

// Caller is the client key a request to the handler mounted at /mcp (Config.MCP) came with.
// The handler reads it with CallerFrom.
type Caller struct {
	Key     string // the client key's name, never the key
	Profile string
	Write   bool // the key may write
	// Client sends through the profile's upstream transport (rate budget, JWT, metrics);
	// every write it sends is audited under the key, as the gateway's own routes audit theirs.
	Client *asc.Client

	g         *Gateway
	key       store.ClientKey
	requestID string
}

type ctxCallerKey struct{}

// CallerFrom returns the caller of a request served by the Config.MCP handler.
func CallerFrom(ctx context.Context) (*Caller, bool) {
	c, ok := ctx.Value(ctxCallerKey{}).(*Caller)
	return c, ok
}

// Audit records a write the handler refused without sending it (a read key's attempt).
func (c *Caller) Audit(ctx context.Context, method, path string, status int) {
	c.g.addAudit(ctx, &c.key, method, path, status, 0, c.requestID)
}

// handleMCP admits requests to Config.MCP with a valid client key, like the gateway's other
// routes, and hands the handler a Caller. Requests to /mcp are not audited as such (listing
// tools is a POST too); the writes they lead to are, one entry per request sent upstream.
func (g *Gateway) handleMCP(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k, ok := g.checkKey(w, r)
		if !ok {
			return
		}
		p, ok := g.profile(k.Profile)
		if !ok {
			writeError(w, r, http.StatusForbidden, "FORBIDDEN_ERROR", "The profile is not served",
				"this key belongs to profile "+k.Profile+", which this gateway does not serve")
			return
		}
		if info := infoFrom(r.Context()); info != nil {
			info.key, info.profile = k.Name, k.Profile
		}
		c := &Caller{Key: k.Name, Profile: k.Profile, Write: k.Access == store.Write, g: g, key: *k, requestID: requestID(r.Context())}
		// The profile's upstream transport admits the request under the shared rate budget
		// and signs it, as for every other route; the audit wraps it.
		hc := &http.Client{
			Transport:     &auditTransport{base: p.client.Transport, caller: c, basePath: p.prefix},
			CheckRedirect: noRedirects,
		}
		client, err := asc.NewClient(asc.WithBaseURL(p.baseStr+"/"), asc.WithHTTPClient(hc), asc.WithUserAgent("ascend-gateway (mcp)"))
		if err != nil {
			g.logger(r.Context()).Error("mcp client", "error", err)
			writeError(w, r, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error", "the gateway could not build its client")
			return
		}
		c.Client = client
		r.Body = http.MaxBytesReader(w, r.Body, g.cfg.MaxBodyBytes)
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxCallerKey{}, c)))
	})
}

// auditTransport records every write sent upstream for a caller: method, path (never the
// query), status and duration, under the key and the /mcp request's id.
type auditTransport struct {
	base     http.RoundTripper
	caller   *Caller
	basePath string // the upstream's escaped base path, without a trailing slash
}

func (t *auditTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	// The upstream transport counts the request against the key's quota, as for every
	// other route.
	req = req.WithContext(withClientKey(req.Context(), &t.caller.key))
	if safeMethod(req.Method) {
		return t.base.RoundTrip(req)
	}
	// Escaped, as the gateway's other audit entries are (see loggedPath).
	path := strings.TrimPrefix(req.URL.EscapedPath(), t.basePath)
	if !t.caller.Write {
		// A read key's write goes no further, whatever the handler asked: it is answered
		// and audited as the gateway's routes refuse one.
		closeBody(req)
		t.caller.g.addAudit(req.Context(), &t.caller.key, req.Method, path, http.StatusForbidden, 0, t.caller.requestID)
		return readOnlyAnswer(req, t.caller.key.Name), nil
	}
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	status := http.StatusBadGateway
	if err == nil {
		status = resp.StatusCode
	}
	t.caller.g.addAudit(req.Context(), &t.caller.key, req.Method, path, status, time.Since(start), t.caller.requestID)
	return resp, err
}

// readOnlyAnswer is the 403 ErrorResponse a read key's write gets, as an upstream answer.
func readOnlyAnswer(req *http.Request, key string) *http.Response {
	body, _ := json.Marshal(errorResponse{Errors: []apiError{{Status: "403", Code: "FORBIDDEN_ERROR", Title: "This key may only read",
		Detail: "key " + key + " has read access; " + req.Method + " needs a key created with --access write"}}})
	return &http.Response{
		Status: "403 Forbidden", StatusCode: http.StatusForbidden, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)), Request: req,
	}
}
