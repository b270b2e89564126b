package products

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ascend-tools/ascend/asc"
)

// Kind is the family of price points: in-app purchases and subscriptions have their own.
type Kind string

const (
	KindIAP          Kind = "in-app purchase"
	KindSubscription Kind = "subscription"
	KindApp          Kind = "app"
)

// point is one price point: a tier of a territory's price ladder.
type point struct {
	tier, price, id string
}

// ladder is a territory's price points for one kind, as read from one product (owner).
type ladder struct {
	owner   string // the product whose ids these are ("" for the app's, a stand-in)
	byPrice map[string]point
	prices  []string // sorted, for messages
}

// Resolver turns customer prices into Apple's price point ids with the fewest requests.
// Apple's price points are long lists (about 800 a territory) and every product has its own
// ids for the same tiers, so a Resolver reads one territory's ladder once per run (filtered
// by territory, never every territory for one price) and derives another product's id for
// the same tier from it; it falls back to reading that product's own ladder when an id is not
// of the shape it knows. Subscription equalizations are read once per base price point.
// It is safe for concurrent use.
type Resolver struct {
	c     *asc.Client
	appID string
	st    *State
	reqs  counter

	mu          sync.Mutex
	territories []string
	ladders     map[string]*ladder // kind|territory (|owner for a product's own)
	equal       map[string]map[string]point
	inflight    map[string]*sync.Mutex
	first       map[string]string // kind|territory -> the product whose own ladder was read first
}

// NewResolver returns a resolver for the app whose state st describes.
func NewResolver(c *asc.Client, st *State) *Resolver {
	return &Resolver{c: c, appID: st.AppID, st: st, ladders: map[string]*ladder{}, equal: map[string]map[string]point{}, inflight: map[string]*sync.Mutex{}, first: map[string]string{}}
}

// NewAppResolver returns a resolver of an app's own price points (its price schedule's).
func NewAppResolver(c *asc.Client, appID string) *Resolver {
	return NewResolver(c, &State{AppID: appID, iaps: map[string]*remoteIAP{}, subs: map[string]*remoteSub{}})
}

// AppPricePoint returns the app's price point id for a customer price in a territory: one
// read of the territory's ladder per run.
func (r *Resolver) AppPricePoint(ctx context.Context, territory, price string) (string, error) {
	l, err := r.ladderFor(ctx, "app", territory, "")
	if err != nil {
		return "", err
	}
	if p, ok := l.byPrice[canonicalPrice(price)]; ok {
		return p.id, nil
	}
	return "", &PriceError{Kind: KindApp, Territory: territory, Price: price, Near: nearest(l.prices, price)}
}

// Requests counts the reads the resolver sent.
func (r *Resolver) Requests() int { return int(r.reqs.n.Load()) }

// once serializes the computation of one cache key, so concurrent ops read a ladder once.
func (r *Resolver) once(key string) func() {
	r.mu.Lock()
	m, ok := r.inflight[key]
	if !ok {
		m = &sync.Mutex{}
		r.inflight[key] = m
	}
	r.mu.Unlock()
	m.Lock()
	return m.Unlock
}

// Territories returns every territory App Store Connect has, read once (one request).
func (r *Resolver) Territories(ctx context.Context) ([]string, error) {
	defer r.once("territories")()
	r.mu.Lock()
	if r.territories != nil {
		defer r.mu.Unlock()
		return r.territories, nil
	}
	r.mu.Unlock()
	var codes []string
	r.reqs.add(1)
	for t, err := range r.c.Territories.ListIter(ctx, &asc.TerritoriesListOptions{Limit: 200}) {
		if err != nil {
			return nil, fmt.Errorf("read App Store Connect's territories: %w", err)
		}
		codes = append(codes, t.ID)
	}
	slices.Sort(codes)
	r.mu.Lock()
	r.territories = codes
	r.mu.Unlock()
	return codes, nil
}

// source picks an existing product of the kind whose ladder stands for all of them, or ""
// (then the app's own price points stand in, for checking prices before a first product
// exists).
func (r *Resolver) source(kind Kind) string {
	var ids []string
	if kind == KindIAP {
		for _, p := range r.st.iaps {
			ids = append(ids, p.id)
		}
	} else {
		for _, s := range r.st.subs {
			ids = append(ids, s.id)
		}
	}
	slices.Sort(ids)
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// Ladder returns a territory's price ladder for the kind: one request, then cached.
func (r *Resolver) ladderFor(ctx context.Context, kind Kind, territory, owner string) (*ladder, error) {
	key := string(kind) + "|" + territory + "|" + owner
	if owner == "" {
		key = "app|" + territory // the app's ladder stands in for every kind
	}
	defer r.once(key)()
	r.mu.Lock()
	l := r.ladders[key]
	r.mu.Unlock()
	if l != nil {
		return l, nil
	}
	l = &ladder{owner: owner, byPrice: map[string]point{}}
	add := func(id, price string) {
		p := point{tier: tierOf(id), price: price, id: id}
		l.byPrice[canonicalPrice(price)] = p
		l.prices = append(l.prices, price)
	}
	r.reqs.add(1)
	var err error
	switch {
	case owner == "":
		// The app's price points page by 200 (Apple's most for this list).
		for p, perr := range r.c.Apps.ListPricePointsIter(ctx, r.appID, &asc.AppsListPricePointsOptions{FilterTerritory: []string{territory}, Limit: 200}) {
			if perr != nil {
				err = perr
				break
			}
			if p.Attributes != nil {
				add(p.ID, p.Attributes.CustomerPrice)
			}
		}
	case kind == KindIAP:
		var page *asc.InAppPurchasePricePointsResponse
		page, _, err = r.c.InAppPurchasesV2.ListPricePoints(ctx, owner, &asc.InAppPurchasesV2ListPricePointsOptions{FilterTerritory: []string{territory}, Limit: 8000})
		if err == nil {
			for _, p := range page.Data {
				if p.Attributes != nil {
					add(p.ID, p.Attributes.CustomerPrice)
				}
			}
		}
	default:
		var page *asc.SubscriptionPricePointsResponse
		page, _, err = r.c.Subscriptions.ListPricePoints(ctx, owner, &asc.SubscriptionsListPricePointsOptions{FilterTerritory: []string{territory}, Limit: 8000})
		if err == nil {
			for _, p := range page.Data {
				if p.Attributes != nil {
					add(p.ID, p.Attributes.CustomerPrice)
				}
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("read %s price points in %s: %w", kind, territory, err)
	}
	sort.Slice(l.prices, func(i, j int) bool { return lessPrice(l.prices[i], l.prices[j]) })
	r.mu.Lock()
	r.ladders[key] = l
	r.mu.Unlock()
	return l, nil
}

// PriceError is a customer price that is not one of Apple's price points in a territory.
type PriceError struct {
	Kind      Kind
	Territory string
	Price     string
	Near      []string // the closest prices that exist
}

func (e *PriceError) Error() string {
	near := ""
	if len(e.Near) > 0 {
		near = "; the nearest are " + strings.Join(e.Near, " and ")
	}
	return fmt.Sprintf("%s is not a price point in %s%s", e.Price, e.Territory, near)
}

// Check reports whether a price is one of Apple's price points for the kind in a territory
// (with the nearest ones when it is not), reading the territory's ladder once per run.
func (r *Resolver) Check(ctx context.Context, kind Kind, territory, price string) error {
	l, err := r.ladderFor(ctx, kind, territory, r.source(kind))
	if err != nil {
		return err
	}
	if _, ok := l.byPrice[canonicalPrice(price)]; ok {
		return nil
	}
	return &PriceError{Kind: kind, Territory: territory, Price: price, Near: nearest(l.prices, price)}
}

// PricePoint returns productID's price point id for price in territory. The first product of
// a kind costs one request per territory; the others' ids are derived from it.
func (r *Resolver) PricePoint(ctx context.Context, kind Kind, productID, territory, price string) (string, error) {
	src := r.source(kind)
	if src == "" {
		// No product of the kind existed when the run began: the first one created stands
		// for the others from now on.
		r.mu.Lock()
		first, ok := r.first[string(kind)+"|"+territory]
		if !ok {
			first = productID
			r.first[string(kind)+"|"+territory] = productID
		}
		r.mu.Unlock()
		src = first
	}
	l, err := r.ladderFor(ctx, kind, territory, src)
	if err != nil {
		return "", err
	}
	p, ok := l.byPrice[canonicalPrice(price)]
	if !ok {
		return "", &PriceError{Kind: kind, Territory: territory, Price: price, Near: nearest(l.prices, price)}
	}
	if l.owner == productID {
		return p.id, nil
	}
	if id, ok := deriveID(p.id, productID); ok {
		return id, nil
	}
	own, err := r.ladderFor(ctx, kind, territory, productID)
	if err != nil {
		return "", err
	}
	if q, ok := own.byPrice[canonicalPrice(price)]; ok {
		return q.id, nil
	}
	return "", &PriceError{Kind: kind, Territory: territory, Price: price, Near: nearest(own.prices, price)}
}

// Equalized returns, for a subscription's base price point, the equalized price in every other
// territory (territory -> point), read once per base tier and derived for other subscriptions.
func (r *Resolver) Equalized(ctx context.Context, productID, territory, price string) (map[string]point, error) {
	baseID, err := r.PricePoint(ctx, KindSubscription, productID, territory, price)
	if err != nil {
		return nil, err
	}
	key := territory + "|" + tierOf(baseID)
	defer r.once("eq|" + key)()
	r.mu.Lock()
	eq, ok := r.equal[key]
	r.mu.Unlock()
	if !ok {
		eq = map[string]point{}
		r.reqs.add(1)
		page, _, err := r.c.SubscriptionPricePoints.ListEqualizations(ctx, baseID, &asc.SubscriptionPricePointsListEqualizationsOptions{Limit: 8000})
		if err != nil {
			return nil, fmt.Errorf("read the equalizations of %s in %s: %w", price, territory, err)
		}
		for _, p := range page.Data {
			t := territoryOf(p.ID)
			if p.Relationships != nil {
				if ids := relIDs(p.Relationships.Territory); len(ids) == 1 {
					t = ids[0]
				}
			}
			if t != "" && p.Attributes != nil {
				eq[t] = point{tier: tierOf(p.ID), price: p.Attributes.CustomerPrice, id: p.ID}
			}
		}
		r.mu.Lock()
		r.equal[key] = eq
		r.mu.Unlock()
	}
	out := make(map[string]point, len(eq))
	for t, p := range eq {
		if id, ok := deriveID(p.id, productID); ok {
			p.id = id
		}
		out[t] = p
	}
	return out, nil
}

// pointID is the shape of Apple's price point ids: base64url (no padding) of a small JSON
// object naming the product ("s"), the territory ("t") and the tier ("p").
type pointID struct {
	S string `json:"s"`
	T string `json:"t"`
	P string `json:"p"`
}

func decodePointID(id string) (pointID, bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return pointID{}, false
	}
	var p pointID
	if json.Unmarshal(b, &p) != nil || p.S == "" || p.T == "" || p.P == "" {
		return pointID{}, false
	}
	return p, true
}

// deriveID rewrites a price point id of one product into the same tier's id for another.
func deriveID(id, productID string) (string, bool) {
	p, ok := decodePointID(id)
	if !ok {
		return "", false
	}
	p.S = productID
	b, _ := json.Marshal(p)
	return base64.RawURLEncoding.EncodeToString(b), true
}

func tierOf(id string) string {
	if p, ok := decodePointID(id); ok {
		return p.P
	}
	return id
}

func territoryOf(id string) string {
	p, _ := decodePointID(id)
	return p.T
}

// lessPrice orders decimal price strings by amount.
func lessPrice(a, b string) bool {
	ai, af, _ := strings.Cut(canonicalPrice(a), ".")
	bi, bf, _ := strings.Cut(canonicalPrice(b), ".")
	if len(ai) != len(bi) {
		return len(ai) < len(bi)
	}
	if ai != bi {
		return ai < bi
	}
	return af < bf
}

// nearest returns the prices of a sorted ladder just below and above price.
func nearest(prices []string, price string) []string {
	i := sort.Search(len(prices), func(i int) bool { return !lessPrice(prices[i], price) })
	var out []string
	if i > 0 {
		out = append(out, prices[i-1])
	}
	if i < len(prices) {
		out = append(out, prices[i])
	}
	return out
}
