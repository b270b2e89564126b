package auth

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
)

// maxDrain bounds how much of a refused response is read before retrying, so that the
// connection can be reused without reading an arbitrarily large body.
const maxDrain = 64 << 10

// Transport is an http.RoundTripper that authorizes each request with a bearer token from
// Source. When the server answers 401 it invalidates the token (if Source is an Invalidator)
// and retries once with a fresh token, because Apple may revoke a token before it expires.
// It retries only when the request body can be sent again (no body, or GetBody set) and
// never more than once.
type Transport struct {
	Source TokenSource
	// Base carries the requests; nil means http.DefaultTransport.
	Base http.RoundTripper

	// bearer is the Authorization value of the last token, for RoundTripOwned: a busy proxy
	// would otherwise build the same header of some 400 bytes for every request.
	bearer atomic.Pointer[bearerHeader]
}

type bearerHeader struct {
	token string
	value []string // "Bearer " + token; shared by every request sent with it, never changed
}

// authorization is the header value for tok, made once per token.
func (t *Transport) authorization(tok string) []string {
	if b := t.bearer.Load(); b != nil && b.token == tok {
		return b.value
	}
	b := &bearerHeader{token: tok, value: []string{"Bearer " + tok}}
	t.bearer.Store(b)
	return b.value
}

func (t *Transport) base() http.RoundTripper {
	if t.Base != nil {
		return t.Base
	}
	return http.DefaultTransport
}

// RoundTrip implements http.RoundTripper. It never modifies req; it sends a clone.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	return t.roundTrip(req, false)
}

// RoundTripOwned is RoundTrip for a caller that made req for this one call and does not
// use it again: the token is set on req itself instead of on a clone (a retry after a 401
// still sends a clone). It spares a busy proxy a copy of every request.
func (t *Transport) RoundTripOwned(req *http.Request) (*http.Response, error) {
	return t.roundTrip(req, true)
}

func (t *Transport) roundTrip(req *http.Request, owned bool) (*http.Response, error) {
	if t.Source == nil {
		closeBody(req)
		return nil, errors.New("auth transport has no token source: set Transport.Source")
	}
	ctx := req.Context()
	tok, err := t.Source.Token(ctx)
	if err != nil {
		closeBody(req)
		return nil, fmt.Errorf("authorize %s %s: %w", req.Method, req.URL.Redacted(), err)
	}
	first := req
	if owned {
		if req.Header == nil {
			req.Header = http.Header{}
		}
		req.Header["Authorization"] = t.authorization(tok)
	} else {
		first = req.Clone(ctx)
		first.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := t.base().RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}

	inv, ok := t.Source.(Invalidator)
	if !ok || !replayable(req) {
		return resp, nil
	}
	inv.Invalidate(tok)
	fresh, err := t.Source.Token(ctx)
	if err != nil || fresh == tok {
		// Nothing better to send: let the caller see Apple's answer.
		return resp, nil
	}
	second := req.Clone(ctx)
	if req.Body != nil && req.Body != http.NoBody {
		body, err := req.GetBody()
		if err != nil {
			return resp, nil
		}
		second.Body = body
	}
	second.Header.Set("Authorization", "Bearer "+fresh)
	_, _ = io.CopyN(io.Discard, resp.Body, maxDrain)
	_ = resp.Body.Close()
	return t.base().RoundTrip(second)
}

// replayable reports whether req's body can be sent a second time.
func replayable(req *http.Request) bool {
	return req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
}

// closeBody honours the RoundTripper rule that the request body is closed even on error.
func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
