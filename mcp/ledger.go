package mcp

import (
	"fmt"
	"sync"
	"time"
)

// Ledger remembers the creates (non-idempotent POSTs) a process has sent, per caller, so an
// agent retrying after a timeout or an error cannot make a second resource without looking
// first: ascend's rule that a POST is never replayed blindly. It is in memory: gateway
// instances behind one load balancer each keep their own.
type Ledger struct {
	mu  sync.Mutex
	m   map[string]entry
	ttl time.Duration
	now func() time.Time
}

// ledgerTTL is how long a create is remembered; ledgerMax bounds the entries kept.
const (
	ledgerTTL = 24 * time.Hour
	ledgerMax = 10_000
)

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	return &Ledger{m: map[string]entry{}, ttl: ledgerTTL, now: time.Now}
}

type outcome int

const (
	outcomeNone     outcome = iota
	outcomeInFlight         // being sent now
	outcomeDone             // App Store Connect answered 2xx
	outcomeUnknown          // no answer, or a 5xx: it may have taken effect
	outcomeRefused          // a 4xx: nothing was created
)

type entry struct {
	outcome outcome
	status  int
	id      string
	at      time.Time
}

func (e entry) describe() string {
	switch e.outcome {
	case outcomeInFlight:
		return "and is still being sent"
	case outcomeUnknown:
		return "its outcome is unknown: it may have taken effect"
	}
	if e.id != "" {
		return fmt.Sprintf("answered %d, id %s", e.status, e.id)
	}
	return fmt.Sprintf("answered %d", e.status)
}

func (e entry) ago(now time.Time) string {
	return now.Sub(e.at).Round(time.Second).String() + " ago"
}

// begin claims key for a create about to be sent. It refuses (fresh false, with what is known
// of the earlier one) when the same create was sent and may have taken effect, unless repeat.
func (l *Ledger) begin(key string, repeat bool) (prev entry, fresh bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if e, ok := l.m[key]; ok && now.Sub(e.at) < l.ttl {
		// Even with repeat, two identical creates are not sent at the same moment.
		if e.outcome == outcomeInFlight || !repeat {
			return e, false
		}
	}
	if len(l.m) >= ledgerMax {
		for k, e := range l.m {
			if now.Sub(e.at) >= l.ttl || len(l.m) >= ledgerMax {
				delete(l.m, k)
			}
			if len(l.m) < ledgerMax/2 {
				break
			}
		}
	}
	l.m[key] = entry{outcome: outcomeInFlight, at: now}
	return entry{}, true
}

// finish records how the create claimed by begin ended; a refused one is forgotten, since
// sending it again (fixed) creates nothing twice.
func (l *Ledger) finish(key string, e entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.outcome == outcomeRefused || e.outcome == outcomeNone {
		delete(l.m, key)
		return
	}
	e.at = l.now()
	l.m[key] = e
}
