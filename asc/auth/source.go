package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// TokenSource supplies the bearer token for a request.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Invalidator is implemented by token sources that can drop a token the server refused, so
// that the next Token call signs a new one.
type Invalidator interface {
	Invalidate(token string)
}

// MaxRefreshMargin caps how long before expiry a cached token is replaced.
const MaxRefreshMargin = 2 * time.Minute

// refreshMargin is how long before its expiry a cached token is replaced: a tenth of the
// lifetime, at most MaxRefreshMargin. The margin covers the time a request spends in flight
// and modest clock skew with Apple, while a short test lifetime (say one minute) still gets
// most of its life used. A 15-minute token is therefore used for 13.5 minutes.
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(lifetime/10, MaxRefreshMargin)
}

// CachedTokenSource signs a token with a Key and hands the same token to every caller until
// it is about to expire or is invalidated. It is safe for concurrent use: however many
// goroutines ask at once, one of them signs and the others wait for its result.
type CachedTokenSource struct {
	key  *Key
	opts TokenOptions
	// sign is k.sign; tests replace it to count signatures.
	sign func(TokenOptions) (string, time.Time, error)

	mu  sync.Mutex // held while signing, so that only one signature is made at a time
	cur atomic.Pointer[cachedToken]
}

type cachedToken struct {
	token     string
	refreshAt time.Time
}

// NewTokenSource returns a source of tokens signed by k with opts. Invalid options (such as
// a lifetime over MaxLifetime without a qualifying scope) are reported by the first Token
// call.
func NewTokenSource(k *Key, opts TokenOptions) *CachedTokenSource {
	opts = opts.withKeyLifetime(k)
	return &CachedTokenSource{key: k, opts: opts, sign: k.sign}
}

// Token returns the cached token, signing a new one when there is none or it is within the
// refresh margin of its expiry. Waiting for another goroutine's signature is not
// interruptible, because signing takes microseconds.
func (s *CachedTokenSource) Token(ctx context.Context) (string, error) {
	if t := s.cur.Load(); t != nil && s.opts.now().Before(t.refreshAt) {
		return t.token, nil
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Another goroutine may have signed while this one waited for the lock.
	if t := s.cur.Load(); t != nil && s.opts.now().Before(t.refreshAt) {
		return t.token, nil
	}
	tok, exp, err := s.sign(s.opts)
	if err != nil {
		return "", err
	}
	s.cur.Store(&cachedToken{token: tok, refreshAt: exp.Add(-refreshMargin(s.opts.lifetime()))})
	return tok, nil
}

// Invalidate drops token if it is still the cached one, so that the next Token call signs a
// new token. A token that has already been replaced is ignored, which is what makes fifty
// concurrent 401 answers cause one new signature rather than fifty.
func (s *CachedTokenSource) Invalidate(token string) {
	if t := s.cur.Load(); t != nil && t.token == token {
		s.cur.CompareAndSwap(t, nil)
	}
}
