package products

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/apps"
)

// ResolveApp turns a numeric id or a bundle id into the app's id (one request for a bundle id).
func ResolveApp(ctx context.Context, c *asc.Client, app string) (string, int, error) {
	found, n, err := apps.Resolve(ctx, c, app)
	if err != nil {
		return "", n, err
	}
	return found.ID, n, nil
}

// PullResult says what a pull read and wrote.
type PullResult struct {
	State    *State
	Catalog  *Catalog
	Wrote    bool
	Requests int
}

// Pull reads the app's products and writes them to file in the catalog format. Values the
// existing file chose and App Store Connect does not record (a subscription's base
// territory, "$schema") are kept; territories equal to all of App Store Connect's are
// written as allTerritories; a subscription's prices that equal its base price's
// equalization are left to it, the others written as manual prices.
func Pull(ctx context.Context, c *asc.Client, appID, file string) (*PullResult, error) {
	st, err := Fetch(ctx, c, appID)
	if err != nil {
		return nil, err
	}
	var existing *Catalog
	if _, err := os.Stat(file); err == nil {
		existing, _, _ = Read(file)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	res := NewResolver(c, st)
	cat, err := Pulled(ctx, st, res, existing)
	if err != nil {
		return nil, err
	}
	wrote, err := Write(file, cat)
	if err != nil {
		return nil, err
	}
	return &PullResult{State: st, Catalog: cat, Wrote: wrote, Requests: st.Requests + res.Requests()}, nil
}

// Pulled completes the fetched catalog for writing: allTerritories, subscription prices in
// the file's terms, and the choices of an existing file.
func Pulled(ctx context.Context, st *State, res *Resolver, existing *Catalog) (*Catalog, error) {
	cat := st.Catalog
	if existing != nil {
		cat.Schema = existing.Schema
	}
	bases := map[string]string{}
	if existing != nil {
		for _, gs := range existing.Subscriptions() {
			if gs.Subscription.Price != nil {
				bases[gs.Subscription.ProductID] = gs.Subscription.Price.BaseTerritory
			}
		}
	}
	needAll := false
	for _, p := range cat.InAppPurchases {
		needAll = needAll || p.Availability != nil
	}
	for _, gs := range cat.Subscriptions() {
		needAll = needAll || gs.Subscription.Availability != nil
	}
	if needAll {
		all, err := res.Territories(ctx)
		if err != nil {
			return nil, err
		}
		compact := func(a *Availability) {
			if a != nil && len(a.Territories) > 0 && slices.Equal(a.Territories, all) {
				a.Territories, a.AllTerritories = nil, true
			}
		}
		for _, p := range cat.InAppPurchases {
			compact(p.Availability)
		}
		for _, gs := range cat.Subscriptions() {
			compact(gs.Subscription.Availability)
		}
	}
	for _, gs := range cat.Subscriptions() {
		rs := st.subs[gs.Subscription.ProductID]
		if rs == nil {
			continue
		}
		base := bases[rs.model.ProductID]
		if len(rs.prices) > 0 {
			p, err := res.subscriptionPrice(ctx, rs, base)
			if err != nil {
				return nil, err
			}
			gs.Subscription.Price = p
			if p != nil {
				base = p.BaseTerritory
			}
		}
		if !rs.introRead {
			if err := fetchIntro(ctx, res.c, rs, &res.reqs); err != nil {
				return nil, err
			}
		}
		if len(rs.intro) > 0 {
			offers, err := res.pulledIntro(ctx, rs, base)
			if err != nil {
				return nil, err
			}
			gs.Subscription.IntroductoryOffers = offers
		}
		if err := fetchOffers(ctx, res.c, rs, &res.reqs, allOfferKinds); err != nil {
			return nil, err
		}
		if o := rs.offers; len(o.promos)+len(o.codes)+len(o.winBacks) > 0 {
			var defaults []string
			if a := gs.Subscription.Availability; a != nil && !a.AllTerritories {
				defaults = a.Territories
			} else {
				all, err := res.Territories(ctx)
				if err != nil {
					return nil, err
				}
				defaults = all
			}
			if err := res.pulledOffers(ctx, rs, gs.Subscription, base, defaults); err != nil {
				return nil, err
			}
		}
	}
	return cat, nil
}

// subscriptionPrice describes a subscription's prices as a base price and the prices that
// differ from its equalization.
func (r *Resolver) subscriptionPrice(ctx context.Context, rs *remoteSub, base string) (*Price, error) {
	now := today()
	current := map[string]remotePrice{}
	future := map[string]map[string]remotePrice{} // start -> territory -> price
	for _, rp := range rs.prices {
		if rp.start == "" || rp.start <= now {
			if cur, ok := current[rp.territory]; !ok || cur.start < rp.start {
				current[rp.territory] = rp
			}
			continue
		}
		if future[rp.start] == nil {
			future[rp.start] = map[string]remotePrice{}
		}
		future[rp.start][rp.territory] = rp
	}
	if _, ok := current[base]; !ok {
		base = ""
		if _, ok := current["USA"]; ok {
			base = "USA"
		} else if keys := sortedKeys(current); len(keys) > 0 {
			base = keys[0]
		}
	}
	if base == "" {
		return nil, nil
	}
	p := &Price{BaseTerritory: base, Price: current[base].customerPrice}
	manual := func(prices map[string]remotePrice, basePrice string, into map[string]string) error {
		eq, err := r.Equalized(ctx, rs.id, base, basePrice)
		if err != nil {
			return err
		}
		for t, rp := range prices {
			if t == base {
				continue
			}
			if e, ok := eq[t]; ok && samePrice(e.price, rp.customerPrice) {
				continue
			}
			into[t] = rp.customerPrice
		}
		return nil
	}
	p.Territories = map[string]string{}
	if err := manual(current, p.Price, p.Territories); err != nil {
		return nil, err
	}
	if len(p.Territories) == 0 {
		p.Territories = nil
	}
	basePrice := p.Price
	for _, start := range sortedKeys(future) {
		ch := &PriceChange{StartDate: start, Territories: map[string]string{}}
		prices := future[start]
		if b, ok := prices[base]; ok {
			ch.Price, basePrice = b.customerPrice, b.customerPrice
			if err := manual(prices, basePrice, ch.Territories); err != nil {
				return nil, err
			}
		} else {
			for t, rp := range prices {
				ch.Territories[t] = rp.customerPrice
			}
		}
		if len(ch.Territories) == 0 {
			ch.Territories = nil
		}
		p.Changes = append(p.Changes, ch)
	}
	return p, nil
}

// Prepare loads and validates the catalog, reads App Store Connect's state and plans the
// push; nothing is written.
func Prepare(ctx context.Context, c *asc.Client, appID, file string) (*Plan, *State, *Resolver, error) {
	local, err := Load(file, ValidateOptions{Dir: filepath.Dir(file)})
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := Fetch(ctx, c, appID)
	if err != nil {
		return nil, nil, nil, err
	}
	res := NewResolver(c, st)
	p, err := NewPlan(ctx, local, st, res)
	if err != nil {
		return nil, st, res, err
	}
	return p, st, res, nil
}

// Push prepares and applies: a second push after a successful one sends no writes.
func Push(ctx context.Context, c *asc.Client, appID, file string, opts ApplyOptions) (*Plan, Result, error) {
	p, st, res, err := Prepare(ctx, c, appID, file)
	if err != nil {
		return p, Result{}, err
	}
	r, err := Apply(ctx, c, appID, p, res, opts)
	r.Requests += st.Requests + p.Requests
	return p, r, err
}
