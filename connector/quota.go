package connector

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/store"
)

// Client key quotas. Every client of a profile spends one App Store Connect key's hourly
// budget, so one runaway flow could spend everyone's. A key may therefore send at most its
// share of the budget's hourly limit upstream in any rolling hour: its own share when it has
// one (`connector keys create --quota`), else the gateway's default (serve --key-quota), else
// the whole budget. Past it the key gets 429 with Retry-After, without a request to Apple.
// The limit is the share of what Apple last reported (X-Rate-Limit's user-hour-lim); until
// the profile's first answer it is unknown and nothing is refused.

// quotaBuckets splits the rolling hour into minutes.
const quotaBuckets = 60

// usageWindow counts one key's requests per minute over the last hour.
type usageWindow struct {
	minute [quotaBuckets]int64 // the minute (unix minutes) each bucket counts
	count  [quotaBuckets]int32
}

func (u *usageWindow) total(now int64) int {
	n := 0
	for i := range quotaBuckets {
		if now-u.minute[i] < quotaBuckets {
			n += int(u.count[i])
		}
	}
	return n
}

// oldest is the start of the earliest minute still counted, when the window frees up.
func (u *usageWindow) freesAt(now int64) time.Time {
	first := now
	for i := range quotaBuckets {
		if now-u.minute[i] < quotaBuckets && u.count[i] > 0 && u.minute[i] < first {
			first = u.minute[i]
		}
	}
	return time.Unix((first+quotaBuckets)*60, 0)
}

func (u *usageWindow) add(now int64, n int32) {
	i := now % quotaBuckets
	if u.minute[i] != now {
		u.minute[i], u.count[i] = now, 0
	}
	u.count[i] += n
}

// quotas tracks every key's usage in this instance.
type quotas struct {
	mu  sync.Mutex
	use map[string]*usageWindow // by client key id
}

func newQuotas() *quotas { return &quotas{use: map[string]*usageWindow{}} }

// take counts one request of a key against limit (<= 0: no limit); when the key has spent
// its quota it counts nothing and reports when it may send again.
func (q *quotas) take(keyID string, limit int, now time.Time) (ok bool, retryAt time.Time) {
	m := now.Unix() / 60
	q.mu.Lock()
	defer q.mu.Unlock()
	u := q.use[keyID]
	if u == nil {
		u = &usageWindow{}
		q.use[keyID] = u
	}
	if limit > 0 && u.total(m) >= limit {
		return false, u.freesAt(m)
	}
	u.add(m, 1)
	return true, time.Time{}
}

// refund takes back a request that was counted but not sent.
func (q *quotas) refund(keyID string, now time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if u := q.use[keyID]; u != nil {
		m := now.Unix() / 60
		if i := m % quotaBuckets; u.minute[i] == m && u.count[i] > 0 {
			u.count[i]--
		}
	}
}

func (q *quotas) used(keyID string, now time.Time) int {
	q.mu.Lock()
	defer q.mu.Unlock()
	if u := q.use[keyID]; u != nil {
		return u.total(now.Unix() / 60)
	}
	return 0
}

// quotaShare is the share of the budget a key may spend: its own, else the default, else all.
func (g *Gateway) quotaShare(k *store.ClientKey) float64 {
	switch {
	case k.Quota > 0:
		return k.Quota
	case g.cfg.DefaultKeyQuota > 0:
		return g.cfg.DefaultKeyQuota
	}
	return 1
}

// quotaLimit is a key's hourly request limit from its share of the profile's budget; zero
// while the budget's limit is unknown or the key may spend all of it.
// The limit is the one this instance last saw, so checking a quota asks no shared store.
func (g *Gateway) quotaLimit(k *store.ClientKey, p *profileRuntime) int {
	share := g.quotaShare(k)
	if share >= 1 {
		return 0
	}
	limit, ok := p.budget.KnownLimit()
	return shareOf(share, limit, ok)
}

// shareOf is a share of an hourly limit in requests: zero (no limit) when the limit is
// unknown or the share is all of it, else at least one.
func shareOf(share float64, limit int, known bool) int {
	if !known || limit <= 0 || share >= 1 {
		return 0
	}
	return max(1, int(math.Floor(share*float64(limit))))
}

// quotaError is a key that has spent its quota.
type quotaError struct {
	key     string
	share   float64
	limit   int
	retryAt time.Time
}

func (e *quotaError) Error() string {
	return fmt.Sprintf("client key %s has sent its %d requests of this hour (%s of the App Store Connect key's budget)",
		e.key, e.limit, FormatShare(e.share))
}

// FormatShare shows a quota share as a percentage: "25%", "12.5%".
func FormatShare(s float64) string {
	return strconv.FormatFloat(math.Round(s*1000)/10, 'f', -1, 64) + "%"
}

// ParseShare reads a quota share of a budget: "25%", "12.5%" or "0.25", above zero and at
// most all of it.
func ParseShare(s string) (float64, error) {
	s = strings.TrimSpace(s)
	pct, isPct := strings.CutSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
	if err == nil && isPct {
		v /= 100
	}
	if err != nil || !(v > 0 && v <= 1) {
		return 0, fmt.Errorf("%q is not a share such as 25%% or 0.25", s)
	}
	return v, nil
}

// ctxClientKey carries the request's client key to the upstream transport, which counts
// the key's requests against its quota.
type ctxClientKeyType struct{}

var ctxClientKey ctxClientKeyType

func withClientKey(ctx context.Context, k *store.ClientKey) context.Context {
	return context.WithValue(ctx, ctxClientKey, k)
}

func clientKeyFrom(ctx context.Context) *store.ClientKey {
	if k, ok := ctx.Value(ctxClientKey).(*store.ClientKey); ok {
		return k
	}
	if info := infoFrom(ctx); info != nil {
		return info.keyRec
	}
	return nil
}

// QuotaStatus is a key's quota in GET /connector/status.
type QuotaStatus struct {
	Share     float64 `json:"share"`               // of the hourly budget, 1 for all of it
	Limit     int     `json:"limit,omitempty"`     // requests an hour; absent while unlimited or unknown
	Used      int     `json:"used"`                // requests sent upstream in the last hour (this instance)
	Remaining *int    `json:"remaining,omitempty"` // absent while unlimited or unknown
}

func (g *Gateway) quotaStatus(k *store.ClientKey, p *profileRuntime) QuotaStatus {
	// The status reads the budget as it is now, shared with other instances or not.
	s := p.budget.Snapshot()
	share := g.quotaShare(k)
	qs := QuotaStatus{Share: share, Limit: shareOf(share, s.Limit, s.Known), Used: g.quotas.used(k.ID, g.now())}
	if qs.Limit > 0 {
		r := max(0, qs.Limit-qs.Used)
		qs.Remaining = &r
	}
	return qs
}
