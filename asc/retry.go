package asc

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"syscall"
	"time"
)

// RetryPolicy bounds the automatic retries of idempotent requests. Delays grow exponentially
// from BaseDelay, capped at MaxDelay, with full jitter (a uniform pick between zero and the
// cap) so that many clients hit by the same outage do not return in step. A Retry-After from
// the server replaces the computed delay; one longer than MaxDelay ends the retries and the
// error carries the hint instead. Zero fields take the defaults.
type RetryPolicy struct {
	MaxAttempts int           // attempts in all, including the first; 1 disables retries
	BaseDelay   time.Duration // delay cap before the second attempt
	MaxDelay    time.Duration // no single delay exceeds this
}

// Default retry parameters: four attempts span a few seconds normally and at most about a
// minute and a half in the worst case, which a CLI user will wait for.
const (
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 500 * time.Millisecond
	DefaultMaxDelay    = 30 * time.Second
)

// DefaultRetryPolicy returns the policy clients use unless told otherwise.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: DefaultMaxAttempts, BaseDelay: DefaultBaseDelay, MaxDelay: DefaultMaxDelay}
}

func (p RetryPolicy) validate() error {
	if p.MaxAttempts < 0 || p.BaseDelay < 0 || p.MaxDelay < 0 {
		return fmt.Errorf("retry policy %+v has a negative field; use zero for the default", p)
	}
	if p.MaxAttempts > 100 {
		return fmt.Errorf("retry policy allows %d attempts; use at most 100", p.MaxAttempts)
	}
	return nil
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	d := DefaultRetryPolicy()
	if p.MaxAttempts == 0 {
		p.MaxAttempts = d.MaxAttempts
	}
	if p.BaseDelay == 0 {
		p.BaseDelay = d.BaseDelay
	}
	if p.MaxDelay == 0 {
		p.MaxDelay = d.MaxDelay
	}
	if p.BaseDelay > p.MaxDelay {
		p.BaseDelay = p.MaxDelay
	}
	return p
}

// backoff is the delay after the given failed attempt (1-based): full jitter over
// min(MaxDelay, BaseDelay·2^(attempt-1)).
func (c *Client) backoff(p RetryPolicy, attempt int) time.Duration {
	ceiling := p.MaxDelay
	if shift := attempt - 1; shift < 32 {
		if d := p.BaseDelay << shift; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return c.jitter(ceiling)
}

// randomJitter picks uniformly in [0, d].
func randomJitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return rand.N(d + 1)
}

// isIdempotent reports whether repeating the request cannot do more than doing it once.
// POST creates resources, so it is never repeated behind the caller's back.
func isIdempotent(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions:
		return true
	}
	return false
}

// isRetryableStatus lists the answers that say "try again": rate limiting and transient
// server or gateway failures. 501 and 505 are permanent and excluded.
func isRetryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isRetryableNetError recognises a connection that broke mid-request: reset by the peer,
// closed before the answer (EOF) or cut inside it.
func isRetryableNetError(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF)
}
