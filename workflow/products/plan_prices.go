package products

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// checkPrice records a problem when a price has no price point in a territory (reading
// each territory's ladder once per run).
func (pl *planner) checkPrice(ctx context.Context, kind Kind, path, territory, price string) error {
	err := pl.prices.Check(ctx, kind, territory, price)
	var pe *PriceError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &pe):
		pl.problem(path, "%s", pe.Error())
		return nil
	}
	return err
}

// schedulePrices lists every (territory, price) a schedule names, with its path.
func schedulePrices(path string, p *Price) [][3]string {
	out := [][3]string{{path + ".price", p.BaseTerritory, p.Price}}
	for _, t := range sortedKeys(p.Territories) {
		out = append(out, [3]string{path + ".territories[" + t + "]", t, p.Territories[t]})
	}
	for _, ch := range p.Changes {
		cp := path + ".changes[" + ch.StartDate + "]"
		if ch.Price != "" {
			out = append(out, [3]string{cp + ".price", p.BaseTerritory, ch.Price})
		}
		for _, t := range sortedKeys(ch.Territories) {
			out = append(out, [3]string{cp + ".territories[" + t + "]", t, ch.Territories[t]})
		}
	}
	return out
}

// priceChanges compares two schedules field by field.
func priceChanges(owner string, want, have *Price) []Change {
	if have == nil {
		have = &Price{}
	}
	var out []Change
	cmp := func(field, old, now string) {
		if !samePrice(old, now) || (old == "") != (now == "") {
			out = append(out, Change{owner, field, old, now})
		}
	}
	if want.BaseTerritory != have.BaseTerritory {
		out = append(out, Change{owner, "price.baseTerritory", have.BaseTerritory, want.BaseTerritory})
	}
	cmp("price.price", have.Price, want.Price)
	for _, t := range unionKeys(want.Territories, have.Territories) {
		cmp("price.territories["+t+"]", have.Territories[t], want.Territories[t])
	}
	wantCh, haveCh := changesByDate(want.Changes), changesByDate(have.Changes)
	for _, d := range unionKeys(wantCh, haveCh) {
		w, h := wantCh[d], haveCh[d]
		if w == nil {
			w = &PriceChange{}
		}
		if h == nil {
			h = &PriceChange{}
		}
		field := "price.changes[" + d + "]"
		cmp(field+".price", h.Price, w.Price)
		for _, t := range unionKeys(w.Territories, h.Territories) {
			cmp(field+".territories["+t+"]", h.Territories[t], w.Territories[t])
		}
	}
	return out
}

func changesByDate(chs []*PriceChange) map[string]*PriceChange {
	m := map[string]*PriceChange{}
	for _, ch := range chs {
		if ch != nil {
			m[ch.StartDate] = ch
		}
	}
	return m
}

func unionKeys[V any](a, b map[string]V) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range []map[string]V{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	slices.Sort(out)
	return out
}

// iapPrice plans an in-app purchase's price schedule: one POST that replaces the schedule
// (Apple equalizes the base territory's price to the territories without a manual price).
func (pl *planner) iapPrice(ctx context.Context, p *InAppPurchase, have *Price, create *Op, ref *idRef) error {
	path := "inAppPurchases[" + p.ProductID + "].price"
	for _, tp := range schedulePrices(path, p.Price) {
		if err := pl.checkPrice(ctx, KindIAP, tp[0], tp[1], tp[2]); err != nil {
			return err
		}
	}
	changes := priceChanges(p.ProductID, p.Price, have)
	if len(changes) == 0 {
		return nil
	}
	want := p.Price
	pl.op("set price schedule of in-app purchase "+p.ProductID, changes, []*Op{create}, func(ctx context.Context, a *applier) error {
		return a.setIAPSchedule(ctx, ref.get(), want)
	})
	return nil
}

// subPrice plans a subscription's prices. Apple keeps one price per territory and start
// date and equalizes nothing by itself for subscriptions, so the base price's equalizations
// give every other territory its price; manual ones replace them. Only territories whose
// price differs get a new price, all in one PATCH.
func (pl *planner) subPrice(ctx context.Context, s *Subscription, r *remoteSub, create *Op, ref *idRef) error {
	path := "subscriptions[" + s.ProductID + "].price"
	for _, tp := range schedulePrices(path, s.Price) {
		if err := pl.checkPrice(ctx, KindSubscription, tp[0], tp[1], tp[2]); err != nil {
			return err
		}
	}
	if len(pl.p.Problems) > 0 {
		return nil
	}
	var limit []string
	if s.Availability != nil {
		limit = s.Availability.Territories
		if s.Availability.AllTerritories {
			limit = pl.all
		}
	} else if r != nil && r.model.Availability != nil {
		limit = r.model.Availability.Territories
	}
	want := s.Price
	if r == nil {
		// A new subscription: its price points exist once it does.
		changes := []Change{{s.ProductID, "price", "", want.BaseTerritory + " " + want.Price + " (equalized)"}}
		pl.pricesOp[s.ProductID] = pl.op("set prices of subscription "+s.ProductID, changes, []*Op{create}, func(ctx context.Context, a *applier) error {
			targets, err := a.prices.subscriptionTargets(ctx, ref.get(), want, limit)
			if err != nil {
				return err
			}
			return a.setSubscriptionPrices(ctx, ref.get(), targets, nil)
		})
		return nil
	}
	targets, err := pl.prices.subscriptionTargets(ctx, r.id, want, limit)
	var pe *PriceError
	if errors.As(err, &pe) {
		pl.problem(path, "%s", pe.Error())
		return nil
	}
	if err != nil {
		return err
	}
	missing, stale, changes := diffSubscriptionPrices(s.ProductID, targets, r.prices)
	if len(missing) == 0 && len(stale) == 0 {
		return nil
	}
	id := r.id
	pl.pricesOp[s.ProductID] = pl.op("set prices of subscription "+s.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
		return a.setSubscriptionPrices(ctx, id, missing, stale)
	})
	return nil
}

// priceTarget is a price a subscription must have: a territory's price point from a date.
type priceTarget struct {
	territory, start, price, pricePoint string
	preserve                            bool
}

// subscriptionTargets computes every price a subscription should have: today's in every
// territory (equalized from the base, manual where given) and each change's.
func (r *Resolver) subscriptionTargets(ctx context.Context, productID string, p *Price, limit []string) ([]priceTarget, error) {
	allowed := map[string]bool{}
	for _, t := range limit {
		allowed[t] = true
	}
	ok := func(t string) bool { return len(limit) == 0 || allowed[t] }
	var out []priceTarget
	manual := map[string]string{}
	for t, v := range p.Territories {
		manual[t] = v
	}
	step := func(start, base string, preserve bool, changed map[string]string) error {
		eq, err := r.Equalized(ctx, productID, p.BaseTerritory, base)
		if err != nil {
			return err
		}
		baseID, err := r.PricePoint(ctx, KindSubscription, productID, p.BaseTerritory, base)
		if err != nil {
			return err
		}
		out = append(out, priceTarget{territory: p.BaseTerritory, start: start, price: base, pricePoint: baseID, preserve: preserve})
		for _, t := range sortedKeys(eq) {
			if t == p.BaseTerritory || !ok(t) {
				continue
			}
			if v, isManual := manual[t]; isManual {
				if changed != nil && changed[t] == "" && start != "" {
					continue // a manual price that this change does not touch stays
				}
				id, err := r.PricePoint(ctx, KindSubscription, productID, t, v)
				if err != nil {
					return err
				}
				out = append(out, priceTarget{territory: t, start: start, price: v, pricePoint: id, preserve: preserve})
				continue
			}
			out = append(out, priceTarget{territory: t, start: start, price: eq[t].price, pricePoint: eq[t].id, preserve: preserve})
		}
		return nil
	}
	if err := step("", p.Price, false, nil); err != nil {
		return nil, err
	}
	base := p.Price
	for _, ch := range p.Changes {
		for t, v := range ch.Territories {
			manual[t] = v
		}
		if ch.Price != "" {
			base = ch.Price
			if err := step(ch.StartDate, base, ch.PreserveCurrentPrice, ch.Territories); err != nil {
				return nil, err
			}
			continue
		}
		for _, t := range sortedKeys(ch.Territories) {
			id, err := r.PricePoint(ctx, KindSubscription, productID, t, ch.Territories[t])
			if err != nil {
				return nil, err
			}
			out = append(out, priceTarget{territory: t, start: ch.StartDate, price: ch.Territories[t], pricePoint: id, preserve: ch.PreserveCurrentPrice})
		}
	}
	return out, nil
}

// diffSubscriptionPrices compares target prices with Apple's: today's price of a territory
// is its latest that has begun; a future one is matched by its start date.
func diffSubscriptionPrices(owner string, targets []priceTarget, have []remotePrice) (missing []priceTarget, stale []string, changes []Change) {
	now := today()
	current := map[string]remotePrice{}
	future := map[string]remotePrice{}
	for _, rp := range have {
		if rp.start == "" || rp.start <= now {
			if cur, ok := current[rp.territory]; !ok || cur.start < rp.start {
				current[rp.territory] = rp
			}
			continue
		}
		future[rp.territory+"|"+rp.start] = rp
	}
	wanted := map[string]bool{}
	for _, t := range targets {
		if t.start == "" {
			cur, ok := current[t.territory]
			if ok && (cur.pricePoint == t.pricePoint || samePrice(cur.customerPrice, t.price)) {
				continue
			}
			changes = append(changes, Change{owner, "price[" + t.territory + "]", cur.customerPrice, t.price})
			missing = append(missing, t)
			continue
		}
		key := t.territory + "|" + t.start
		wanted[key] = true
		if f, ok := future[key]; ok && samePrice(f.customerPrice, t.price) {
			continue
		}
		changes = append(changes, Change{owner, "price.changes[" + t.start + "][" + t.territory + "]", future[key].customerPrice, t.price})
		missing = append(missing, t)
	}
	for _, key := range sortedKeys(future) {
		if !wanted[key] {
			rp := future[key]
			stale = append(stale, rp.id)
			changes = append(changes, Change{owner, "price.changes[" + rp.start + "][" + rp.territory + "]", rp.customerPrice, ""})
		}
	}
	return missing, stale, compactChanges(owner, changes)
}

// compactChanges folds many per-territory price changes into one line each for the same
// new-from-old pattern, so a diff of 175 territories stays readable.
func compactChanges(owner string, changes []Change) []Change {
	if len(changes) <= 8 {
		return changes
	}
	return append(changes[:6:6], Change{owner, "price", "", fmt.Sprintf("%d more territories (%s)", len(changes)-6, strings.TrimSuffix(territoryList(changes[6:]), " "))})
}

func territoryList(changes []Change) string {
	var b strings.Builder
	for i, c := range changes {
		if i == 10 {
			b.WriteString("...")
			break
		}
		f := strings.TrimPrefix(c.Field, "price[")
		b.WriteString(strings.TrimSuffix(f, "]") + " ")
	}
	return b.String()
}
