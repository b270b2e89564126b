package sandbox

import (
	"fmt"
	"math"
	"time"
)

// keyLimit tracks one key's use of its hourly budget (in per-minute buckets, so the hour
// rolls as Apple's does) and its burst allowance (a token bucket).
type keyLimit struct {
	minutes [60]int
	stamps  [60]int64 // the unix minute each bucket counts
	tokens  float64
	last    time.Time
}

func (l *keyLimit) used(now time.Time) int {
	m := now.Unix() / 60
	n := 0
	for i, st := range l.stamps {
		if st > m-60 && st <= m {
			n += l.minutes[i]
		}
	}
	return n
}

func (l *keyLimit) add(now time.Time) {
	m := now.Unix() / 60
	i := int(m % 60)
	if l.stamps[i] != m {
		l.stamps[i], l.minutes[i] = m, 0
	}
	l.minutes[i]++
}

// untilFree is how long until the oldest counted minute leaves the rolling hour.
func (l *keyLimit) untilFree(now time.Time) time.Duration {
	m := now.Unix() / 60
	oldest := m
	for i, st := range l.stamps {
		if st > m-60 && l.minutes[i] > 0 && st < oldest {
			oldest = st
		}
	}
	return time.Unix((oldest+60)*60, 0).Sub(now)
}

// rateDecision is the outcome of counting one request against its key.
type rateDecision struct {
	header     string
	retryAfter time.Duration // > 0: refuse with 429
}

// admit counts a request for a key and decides whether it may proceed. Refused requests are
// not counted, as Apple does not charge a 429 against the budget.
func (s *Server) admit(kid string) rateDecision {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	now := s.now()
	l := s.limits[kid]
	if l == nil {
		l = &keyLimit{tokens: float64(s.opts.BurstLimit), last: now}
		s.limits[kid] = l
	}
	limit := s.opts.HourlyLimit
	unlimited := limit < 0
	if unlimited {
		limit = math.MaxInt32
	}
	used := l.used(now)
	if !unlimited && used >= limit {
		return rateDecision{header: rateHeader(limit, 0), retryAfter: max(l.untilFree(now), time.Second)}
	}
	if s.opts.BurstLimit > 0 {
		if el := now.Sub(l.last).Seconds(); el > 0 {
			l.tokens = math.Min(float64(s.opts.BurstLimit), l.tokens+el*s.opts.BurstRate)
		}
		l.last = now
		if l.tokens < 1 {
			wait := time.Duration((1 - l.tokens) / s.opts.BurstRate * float64(time.Second))
			return rateDecision{header: rateHeader(limit, limit-used), retryAfter: max(wait, time.Second)}
		}
		l.tokens--
	}
	l.add(now)
	return rateDecision{header: rateHeader(limit, limit-used-1)}
}

// peekRate renders the header for a key without counting a request (for 401 answers).
func (s *Server) peekRate(kid string) string {
	s.limMu.Lock()
	defer s.limMu.Unlock()
	limit := s.opts.HourlyLimit
	if limit < 0 {
		limit = math.MaxInt32
	}
	used := 0
	if l := s.limits[kid]; l != nil {
		used = l.used(s.now())
	}
	return rateHeader(limit, max(limit-used, 0))
}

func rateHeader(limit, remaining int) string {
	return fmt.Sprintf("user-hour-lim:%d;user-hour-rem:%d;", limit, max(remaining, 0))
}
