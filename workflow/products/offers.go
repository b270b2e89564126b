package products

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ascend-tools/ascend/asc"
)

// Promotional offers, offer codes (with their custom codes and batches of one-time use
// codes) and win-back offers, as Apple lets them change:
//
//   - A promotional offer is identified by its offerCode; after creation only its prices
//     change (one PATCH with the new prices inline, which replace the old). A changed mode,
//     duration, periods or name is a problem before anything is written: Apple would refuse.
//   - An offer code is identified by its reference name; after creation only "active"
//     changes, and only to false. Its custom codes (by code) and batches (by environment,
//     count and expiration date) are created when missing and deactivated when the file says
//     so; Apple deletes none of them, so what the file leaves out is left alone.
//   - A win-back offer is identified by its offerId. Apple's spec gives its inline prices
//     neither territory nor price point, so ascend cannot create one: it changes the dates,
//     eligibility, priority and promotion of those App Store Connect has, and deletes those
//     the file no longer lists.
//
// Every create reads back after a failure that may have taken effect, so a lost answer never
// makes an offer or a batch twice.

// offerPrice is one territory's price of an offer: its price point and customer price, both
// empty for a free trial.
type offerPrice struct{ territory, pricePoint, price string }

type remotePromo struct {
	id, code, name, mode, duration string
	periods                        int
	prices                         []offerPrice
}

type remoteCustom struct {
	id string
	m  CustomCode
}

type remoteBatch struct {
	id string
	m  OneTimeUseCodes
}

type remoteCode struct {
	id      string
	m       OfferCode // without price, territories and codes
	prices  []offerPrice
	custom  []remoteCustom
	batches []remoteBatch
}

type remoteWinBack struct {
	id     string
	m      WinBackOffer // without price
	prices []offerPrice
}

// remoteOffers are a subscription's offers other than introductory ones.
type remoteOffers struct {
	read     offerKinds
	promos   []remotePromo
	codes    []remoteCode
	winBacks []remoteWinBack
}

func (b *OneTimeUseCodes) key() string {
	env := b.Environment
	if env == "" {
		env = "PRODUCTION"
	}
	return fmt.Sprintf("%s|%d|%s", env, b.NumberOfCodes, b.ExpirationDate)
}

// pricesFrom reads offer prices off a page of any of the three price types.
func pricesFrom(inc []asc.IncludedResource, n int, rels func(i int) (territory, point *asc.Relationship)) []offerPrice {
	byID := indexIncluded(inc)
	out := make([]offerPrice, 0, n)
	for i := range n {
		t, p := rels(i)
		op := offerPrice{}
		if ids := relIDs(t); len(ids) == 1 {
			op.territory = ids[0]
		}
		if ids := relIDs(p); len(ids) == 1 {
			op.pricePoint = ids[0]
			if pp, ok := byID["subscriptionPricePoints/"+ids[0]].(*asc.SubscriptionPricePoint); ok && pp.Attributes != nil {
				op.price = pp.Attributes.CustomerPrice
			}
			if op.territory == "" {
				op.territory = territoryOf(ids[0])
			}
		}
		out = append(out, op)
	}
	return out
}

var offerPriceIncludes = []string{"territory", "subscriptionPricePoint"}

// readOfferPrices reads every page of an offer's prices; page turns one into prices and the
// next page's link.
func readOfferPrices[R any](ctx context.Context, c *asc.Client, reqs *counter, p *R, err error, page func(*R) ([]offerPrice, string)) ([]offerPrice, error) {
	var out []offerPrice
	for reqs.add(1); err == nil; reqs.add(1) {
		prices, next := page(p)
		out = append(out, prices...)
		if next == "" {
			return out, nil
		}
		p, err = nextPage[R](ctx, c, next)
	}
	return nil, err
}

func promoPrices(ctx context.Context, c *asc.Client, id string, reqs *counter) ([]offerPrice, error) {
	p, _, err := c.SubscriptionPromotionalOffers.ListPrices(ctx, id, &asc.SubscriptionPromotionalOffersListPricesOptions{Limit: 200, Include: offerPriceIncludes})
	return readOfferPrices(ctx, c, reqs, p, err, func(p *asc.SubscriptionPromotionalOfferPricesResponse) ([]offerPrice, string) {
		return pricesFrom(p.Included, len(p.Data), func(i int) (*asc.Relationship, *asc.Relationship) {
			if r := p.Data[i].Relationships; r != nil {
				return r.Territory, r.SubscriptionPricePoint
			}
			return nil, nil
		}), p.Links.Next
	})
}

func codePrices(ctx context.Context, c *asc.Client, id string, reqs *counter) ([]offerPrice, error) {
	p, _, err := c.SubscriptionOfferCodes.ListPrices(ctx, id, &asc.SubscriptionOfferCodesListPricesOptions{Limit: 200, Include: offerPriceIncludes})
	return readOfferPrices(ctx, c, reqs, p, err, func(p *asc.SubscriptionOfferCodePricesResponse) ([]offerPrice, string) {
		return pricesFrom(p.Included, len(p.Data), func(i int) (*asc.Relationship, *asc.Relationship) {
			if r := p.Data[i].Relationships; r != nil {
				return r.Territory, r.SubscriptionPricePoint
			}
			return nil, nil
		}), p.Links.Next
	})
}

func winBackPrices(ctx context.Context, c *asc.Client, id string, reqs *counter) ([]offerPrice, error) {
	p, _, err := c.WinBackOffers.ListPrices(ctx, id, &asc.WinBackOffersListPricesOptions{Limit: 200, Include: offerPriceIncludes})
	return readOfferPrices(ctx, c, reqs, p, err, func(p *asc.WinBackOfferPricesResponse) ([]offerPrice, string) {
		return pricesFrom(p.Included, len(p.Data), func(i int) (*asc.Relationship, *asc.Relationship) {
			if r := p.Data[i].Relationships; r != nil {
				return r.Territory, r.SubscriptionPricePoint
			}
			return nil, nil
		}), p.Links.Next
	})
}

// offerKinds says which of a subscription's offers to read (or were read).
type offerKinds struct{ promos, codes, winBacks bool }

var allOfferKinds = offerKinds{true, true, true}

// fetchOffers reads the kinds of a subscription's offers that are wanted and not read yet:
// its promotional offers, offer codes (with their codes) and win-back offers, one list each
// and each offer's prices.
func fetchOffers(ctx context.Context, c *asc.Client, rs *remoteSub, reqs *counter, want offerKinds) error {
	if rs.offers == nil {
		rs.offers = &remoteOffers{}
	}
	ro := rs.offers
	wrap := func(what string, err error) error {
		return fmt.Errorf("read the %s of %s: %w", what, rs.model.ProductID, err)
	}
	if want.promos && !ro.read.promos {
		if err := fetchPromos(ctx, c, rs, reqs); err != nil {
			return wrap("promotional offers", err)
		}
		ro.read.promos = true
	}
	if want.codes && !ro.read.codes {
		if err := fetchCodes(ctx, c, rs, reqs); err != nil {
			return wrap("offer codes", err)
		}
		ro.read.codes = true
	}
	if want.winBacks && !ro.read.winBacks {
		if err := fetchWinBacks(ctx, c, rs, reqs); err != nil {
			return wrap("win-back offers", err)
		}
		ro.read.winBacks = true
	}
	return nil
}

func fetchPromos(ctx context.Context, c *asc.Client, rs *remoteSub, reqs *counter) error {
	ro := rs.offers
	reqs.add(1)
	for o, err := range c.Subscriptions.ListPromotionalOffersIter(ctx, rs.id, &asc.SubscriptionsListPromotionalOffersOptions{Limit: 200}) {
		if err != nil {
			return err
		}
		p := remotePromo{id: o.ID}
		if a := o.Attributes; a != nil {
			p.code, p.name, p.mode, p.duration = a.OfferCode, a.Name, string(a.OfferMode), string(a.Duration)
			if a.NumberOfPeriods != nil {
				p.periods = *a.NumberOfPeriods
			}
		}
		prices, err := promoPrices(ctx, c, o.ID, reqs)
		if err != nil {
			return err
		}
		p.prices = prices
		ro.promos = append(ro.promos, p)
	}
	return nil
}

func fetchCodes(ctx context.Context, c *asc.Client, rs *remoteSub, reqs *counter) error {
	ro := rs.offers
	opts := &asc.SubscriptionsListOfferCodesOptions{Limit: 200, Include: []string{"customCodes", "oneTimeUseCodes"}, LimitCustomCodes: 50, LimitOneTimeUseCodes: 50}
	page, _, err := c.Subscriptions.ListOfferCodes(ctx, rs.id, opts)
	for reqs.add(1); ; reqs.add(1) {
		if err != nil {
			return err
		}
		inc := indexIncluded(page.Included)
		for _, o := range page.Data {
			rc, err := remoteCodeOf(ctx, c, o, inc, reqs)
			if err != nil {
				return err
			}
			ro.codes = append(ro.codes, rc)
		}
		if page.Links.Next == "" {
			break
		}
		page, err = nextPage[asc.SubscriptionOfferCodesResponse](ctx, c, page.Links.Next)
	}
	return nil
}

func fetchWinBacks(ctx context.Context, c *asc.Client, rs *remoteSub, reqs *counter) error {
	ro := rs.offers
	reqs.add(1)
	for o, err := range c.Subscriptions.ListWinBackOffersIter(ctx, rs.id, &asc.SubscriptionsListWinBackOffersOptions{Limit: 200}) {
		if err != nil {
			return err
		}
		w := remoteWinBack{id: o.ID, m: winBackOf(o.Attributes)}
		prices, err := winBackPrices(ctx, c, o.ID, reqs)
		if err != nil {
			return err
		}
		w.prices = prices
		ro.winBacks = append(ro.winBacks, w)
	}
	return nil
}

func winBackOf(a *asc.WinBackOfferAttributes) WinBackOffer {
	w := WinBackOffer{}
	if a == nil {
		return w
	}
	w.OfferID, w.ReferenceName, w.Mode, w.Duration = a.OfferID, a.ReferenceName, string(a.OfferMode), string(a.Duration)
	w.Priority, w.PromotionIntent = string(a.Priority), string(a.PromotionIntent)
	w.StartDate, w.EndDate = dateString(a.StartDate), dateString(a.EndDate)
	if a.PeriodCount != nil && *a.PeriodCount > 1 {
		w.Periods = *a.PeriodCount
	}
	if a.CustomerEligibilityPaidSubscriptionDurationInMonths != nil {
		w.PaidMonths = *a.CustomerEligibilityPaidSubscriptionDurationInMonths
	}
	if r := a.CustomerEligibilityTimeSinceLastSubscribedInMonths; r != nil {
		if r.Minimum != nil {
			w.LapsedMinMonths = *r.Minimum
		}
		if r.Maximum != nil {
			w.LapsedMaxMonths = *r.Maximum
		}
	}
	if a.CustomerEligibilityWaitBetweenOffersInMonths != nil {
		w.WaitMonths = *a.CustomerEligibilityWaitBetweenOffersInMonths
	}
	return w
}

// remoteCodeOf reads one offer code: its attributes, its codes (included, or listed when
// there are more than the include holds) and its prices.
func remoteCodeOf(ctx context.Context, c *asc.Client, o asc.SubscriptionOfferCode, inc map[string]asc.IncludedResource, reqs *counter) (remoteCode, error) {
	rc := remoteCode{id: o.ID}
	if a := o.Attributes; a != nil {
		rc.m = OfferCode{ReferenceName: a.Name, OfferEligibility: string(a.OfferEligibility), Mode: string(a.OfferMode), Duration: string(a.Duration), Active: a.Active}
		for _, e := range a.CustomerEligibilities {
			rc.m.CustomerEligibilities = append(rc.m.CustomerEligibilities, string(e))
		}
		slices.Sort(rc.m.CustomerEligibilities)
		if a.NumberOfPeriods != nil && *a.NumberOfPeriods > 1 {
			rc.m.Periods = *a.NumberOfPeriods
		}
	}
	addCustom := func(x *asc.SubscriptionOfferCodeCustomCode) {
		cc := remoteCustom{id: x.ID}
		if a := x.Attributes; a != nil {
			cc.m = CustomCode{Code: a.CustomCode, ExpirationDate: dateString(a.ExpirationDate), Active: a.Active}
			if a.NumberOfCodes != nil {
				cc.m.NumberOfCodes = *a.NumberOfCodes
			}
		}
		rc.custom = append(rc.custom, cc)
	}
	addBatch := func(x *asc.SubscriptionOfferCodeOneTimeUseCode) {
		b := remoteBatch{id: x.ID}
		if a := x.Attributes; a != nil {
			b.m = OneTimeUseCodes{ExpirationDate: dateString(a.ExpirationDate), Active: a.Active}
			if a.NumberOfCodes != nil {
				b.m.NumberOfCodes = *a.NumberOfCodes
			}
			if a.Environment != "" && a.Environment != "PRODUCTION" {
				b.m.Environment = string(a.Environment)
			}
		}
		rc.batches = append(rc.batches, b)
	}
	var customRel, batchRel *asc.Relationship
	if r := o.Relationships; r != nil {
		customRel, batchRel = r.CustomCodes, r.OneTimeUseCodes
	}
	if ids := relIDs(customRel); customRel != nil && relTotal(customRel) <= len(ids) {
		for _, id := range ids {
			if x, ok := inc["subscriptionOfferCodeCustomCodes/"+id].(*asc.SubscriptionOfferCodeCustomCode); ok {
				addCustom(x)
			}
		}
	} else {
		reqs.add(1)
		for x, err := range c.SubscriptionOfferCodes.ListCustomCodesIter(ctx, o.ID, &asc.SubscriptionOfferCodesListCustomCodesOptions{Limit: 200}) {
			if err != nil {
				return rc, err
			}
			addCustom(&x)
		}
	}
	if ids := relIDs(batchRel); batchRel != nil && relTotal(batchRel) <= len(ids) {
		for _, id := range ids {
			if x, ok := inc["subscriptionOfferCodeOneTimeUseCodes/"+id].(*asc.SubscriptionOfferCodeOneTimeUseCode); ok {
				addBatch(x)
			}
		}
	} else {
		reqs.add(1)
		for x, err := range c.SubscriptionOfferCodes.ListOneTimeUseCodesIter(ctx, o.ID, &asc.SubscriptionOfferCodesListOneTimeUseCodesOptions{Limit: 200}) {
			if err != nil {
				return rc, err
			}
			addBatch(&x)
		}
	}
	prices, err := codePrices(ctx, c, o.ID, reqs)
	rc.prices = prices
	return rc, err
}

// offerTargets are the prices an offer of the file means: one per territory, with the price
// point of its price (equalized from its base, manual where given), none for a free trial.
func (r *Resolver) offerTargets(ctx context.Context, productID string, price *OfferPrice, territories []string) (map[string]offerPrice, error) {
	out := map[string]offerPrice{}
	var eq map[string]point
	var baseID string
	if price != nil {
		var err error
		if eq, err = r.Equalized(ctx, productID, price.BaseTerritory, price.Price); err != nil {
			return nil, err
		}
		if baseID, err = r.PricePoint(ctx, KindSubscription, productID, price.BaseTerritory, price.Price); err != nil {
			return nil, err
		}
	}
	for _, t := range sortedUnique(territories) {
		op := offerPrice{territory: t}
		if price != nil {
			switch manual, ok := price.Territories[t]; {
			case t == price.BaseTerritory:
				op.pricePoint, op.price = baseID, price.Price
			case ok:
				id, err := r.PricePoint(ctx, KindSubscription, productID, t, manual)
				if err != nil {
					return nil, err
				}
				op.pricePoint, op.price = id, manual
			default:
				p, found := eq[t]
				if !found {
					return nil, fmt.Errorf("offer price in %s: no equalized price of %s %s there", t, price.BaseTerritory, price.Price)
				}
				op.pricePoint, op.price = p.id, p.price
			}
		}
		out[t] = op
	}
	return out, nil
}

// samePrices reports whether Apple's prices of an offer are the targets.
func samePrices(have []offerPrice, want map[string]offerPrice) bool {
	if len(have) != len(want) {
		return false
	}
	for _, h := range have {
		w, ok := want[h.territory]
		if !ok || (w.pricePoint == "") != (h.pricePoint == "") || (w.pricePoint != "" && !samePrice(w.price, h.price)) {
			return false
		}
	}
	return true
}

func describePrices(prices []offerPrice) string {
	if len(prices) == 0 {
		return ""
	}
	parts := make([]string, 0, len(prices))
	for _, p := range prices {
		if p.price == "" {
			parts = append(parts, p.territory)
		} else {
			parts = append(parts, p.territory+" "+p.price)
		}
	}
	slices.Sort(parts)
	return strings.Join(capList(parts, 6), ", ")
}

func targetList(m map[string]offerPrice) []offerPrice {
	out := make([]offerPrice, 0, len(m))
	for _, t := range sortedKeys(m) {
		out = append(out, m[t])
	}
	return out
}

// offerDefaults are the territories an offer runs in when the file lists none: the ones the
// subscription is sold in.
func (pl *planner) offerDefaults(ctx context.Context, s *Subscription, r *remoteSub) ([]string, error) {
	switch {
	case s.Availability != nil && !s.Availability.AllTerritories:
		return s.Availability.Territories, nil
	case s.Availability == nil && r != nil && r.model.Availability != nil:
		return r.model.Availability.Territories, nil
	case pl.all != nil:
		return pl.all, nil
	}
	return pl.prices.Territories(ctx)
}

// fixed names a property Apple does not change after creation, with the file's value and
// App Store Connect's.
type fixed struct{ field, want, have string }

func (pl *planner) fixedProblems(path, what, fix string, props []fixed) {
	for _, p := range props {
		if p.want != p.have {
			pl.problem(path+"."+p.field, "App Store Connect has %s, the file %s; Apple does not change %s's %s once it exists: %s", quote(p.have), quote(p.want), what, p.field, fix)
		}
	}
}

func periodsOf(n int) string { return strconv.Itoa(max(n, 1)) }

// planOffers plans the promotional offers, offer codes and win-back offers the file lists.
func (pl *planner) planOffers(ctx context.Context, s *Subscription, r *remoteSub, create *Op, ref *idRef, path string) error {
	if r != nil {
		want := offerKinds{s.PromotionalOffers != nil, s.OfferCodes != nil, s.WinBackOffers != nil}
		if err := fetchOffers(ctx, pl.prices.c, r, &pl.prices.reqs, want); err != nil {
			return err
		}
	}
	have := &remoteOffers{}
	if r != nil {
		have = r.offers
	}
	defaults, err := pl.offerDefaults(ctx, s, r)
	if err != nil {
		return err
	}
	territoriesOf := func(list []string) []string {
		if list == nil {
			return defaults
		}
		return list
	}
	// targets resolves an offer's prices now when the subscription exists; a price that
	// is not a price point is a problem, not an error.
	targets := func(field string, price *OfferPrice, territories []string) (map[string]offerPrice, bool, error) {
		if r == nil {
			return nil, true, nil
		}
		t, err := pl.prices.offerTargets(ctx, r.id, price, territoriesOf(territories))
		var pe *PriceError
		if errors.As(err, &pe) {
			pl.problem(field+".price", "%s", pe.Error())
			return nil, false, nil
		}
		return t, err == nil, err
	}
	deps := []*Op{create, pl.pricesOp[s.ProductID]}
	if s.PromotionalOffers != nil {
		if err := pl.planPromos(s, have, ref, path, deps, targets, territoriesOf); err != nil {
			return err
		}
	}
	if s.OfferCodes != nil {
		if err := pl.planCodes(s, have, ref, path, deps, targets, territoriesOf); err != nil {
			return err
		}
	}
	if s.WinBackOffers != nil {
		if err := pl.planWinBacks(s, r, have, path, targets); err != nil {
			return err
		}
	}
	return nil
}

type targetFunc func(field string, price *OfferPrice, territories []string) (map[string]offerPrice, bool, error)

func (pl *planner) planPromos(s *Subscription, have *remoteOffers, ref *idRef, path string, deps []*Op, targets targetFunc, territoriesOf func([]string) []string) error {
	byCode := map[string]remotePromo{}
	for _, h := range have.promos {
		byCode[h.code] = h
	}
	inFile := map[string]bool{}
	for _, o := range s.PromotionalOffers {
		inFile[o.OfferCode] = true
		field := path + ".promotionalOffers[" + o.OfferCode + "]"
		owner, name := s.ProductID, "promotionalOffers["+o.OfferCode+"]"
		h, exists := byCode[o.OfferCode]
		if !exists {
			changes := []Change{{owner, name, "", fmt.Sprintf("%s %s x%s", o.Mode, o.Duration, periodsOf(o.Periods))}}
			pl.op("create promotional offer "+o.OfferCode+" of subscription "+s.ProductID, changes, deps, func(ctx context.Context, a *applier) error {
				want, err := a.prices.offerTargets(ctx, ref.get(), o.Price, territoriesOf(o.Territories))
				if err != nil {
					return err
				}
				_, err = a.createPromo(ctx, ref.get(), o, targetList(want))
				return err
			})
			continue
		}
		pl.fixedProblems(field, "a promotional offer", "give the changed offer a new offerCode", []fixed{
			{"referenceName", o.ReferenceName, h.name}, {"mode", o.Mode, h.mode}, {"duration", o.Duration, h.duration}, {"periods", periodsOf(o.Periods), periodsOf(h.periods)}})
		want, ok, err := targets(field, o.Price, o.Territories)
		if err != nil {
			return err
		}
		if !ok || samePrices(h.prices, want) {
			continue
		}
		id, list := h.id, targetList(want)
		changes := []Change{{owner, name + ".prices", describePrices(h.prices), describePrices(list)}}
		pl.op("change the prices of promotional offer "+o.OfferCode+" of subscription "+s.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
			return a.setPromoPrices(ctx, id, list)
		})
	}
	for _, h := range have.promos {
		if inFile[h.code] {
			continue
		}
		id := h.id
		changes := []Change{{s.ProductID, "promotionalOffers[" + h.code + "]", fmt.Sprintf("%s %s x%s", h.mode, h.duration, periodsOf(h.periods)), ""}}
		pl.op("delete promotional offer "+h.code+" of subscription "+s.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
			if _, err := a.c.SubscriptionPromotionalOffers.Delete(ctx, id); a.call(err) != nil && !isNotFound(err) {
				return err
			}
			return nil
		})
	}
	return nil
}

// planActive plans turning a code off; turning one on again is a problem (Apple refuses).
func (pl *planner) planActive(field, owner, label string, want, have *bool, deactivate func(ctx context.Context, a *applier) error) {
	if want == nil || *want == boolOf(have) || have == nil && *want {
		return
	}
	if *want {
		pl.problem(field+".active", "App Store Connect has it deactivated and Apple does not activate it again: create a new one")
		return
	}
	pl.op("deactivate "+label, []Change{{owner, label + ".active", "true", "false"}}, nil, deactivate)
}

func (pl *planner) planCodes(s *Subscription, have *remoteOffers, ref *idRef, path string, deps []*Op, targets targetFunc, territoriesOf func([]string) []string) error {
	byName := map[string]remoteCode{}
	for _, h := range have.codes {
		byName[h.m.ReferenceName] = h
	}
	for _, oc := range s.OfferCodes {
		field := path + ".offerCodes[" + oc.ReferenceName + "]"
		owner, name := s.ProductID, "offerCodes["+oc.ReferenceName+"]"
		h, exists := byName[oc.ReferenceName]
		codeRef := &idRef{}
		var createOp *Op
		if !exists {
			changes := []Change{{owner, name, "", fmt.Sprintf("%s %s x%s", oc.Mode, oc.Duration, periodsOf(oc.Periods))}}
			createOp = pl.op("create offer code "+oc.ReferenceName+" of subscription "+s.ProductID, changes, deps, func(ctx context.Context, a *applier) error {
				want, err := a.prices.offerTargets(ctx, ref.get(), oc.Price, territoriesOf(oc.Territories))
				if err != nil {
					return err
				}
				id, err := a.createOfferCode(ctx, ref.get(), oc, targetList(want))
				codeRef.id = id
				if err == nil && oc.Active != nil && !*oc.Active {
					err = a.deactivate(ctx, "subscriptionOfferCodes", id)
				}
				return err
			})
			codeRef.op = createOp
		} else {
			codeRef.id = h.id
			want := slices.Clone(oc.CustomerEligibilities)
			slices.Sort(want)
			pl.fixedProblems(field, "an offer code", "create an offer code with a new referenceName", []fixed{
				{"customerEligibilities", strings.Join(want, ","), strings.Join(h.m.CustomerEligibilities, ",")}, {"offerEligibility", oc.OfferEligibility, h.m.OfferEligibility},
				{"mode", oc.Mode, h.m.Mode}, {"duration", oc.Duration, h.m.Duration}, {"periods", periodsOf(oc.Periods), periodsOf(h.m.Periods)}})
			prices, ok, err := targets(field, oc.Price, oc.Territories)
			if err != nil {
				return err
			}
			if ok && !samePrices(h.prices, prices) {
				pl.fixedProblems(field, "an offer code", "create an offer code with a new referenceName", []fixed{{"prices", describePrices(targetList(prices)), describePrices(h.prices)}})
			}
			id := h.id
			pl.planActive(field, owner, name, oc.Active, h.m.Active, func(ctx context.Context, a *applier) error {
				return a.deactivate(ctx, "subscriptionOfferCodes", id)
			})
		}
		pl.planCustomCodes(oc, h, field, owner, name, createOp, codeRef)
		pl.planBatches(oc, h, field, owner, name, createOp, codeRef)
	}
	return nil
}

func (pl *planner) planCustomCodes(oc *OfferCode, h remoteCode, field, owner, name string, createOp *Op, codeRef *idRef) {
	byCode := map[string]remoteCustom{}
	for _, c := range h.custom {
		byCode[strings.ToUpper(c.m.Code)] = c
	}
	for _, cc := range oc.CustomCodes {
		cf, label := field+".customCodes["+cc.Code+"]", name+".customCodes["+cc.Code+"]"
		have, exists := byCode[strings.ToUpper(cc.Code)]
		if !exists {
			changes := []Change{{owner, label, "", fmt.Sprintf("%d redemptions", cc.NumberOfCodes)}}
			pl.op("create custom code "+cc.Code+" of offer code "+oc.ReferenceName, changes, []*Op{createOp}, func(ctx context.Context, a *applier) error {
				id, err := a.createCustomCode(ctx, codeRef.get(), cc)
				if err == nil && cc.Active != nil && !*cc.Active {
					err = a.deactivate(ctx, "subscriptionOfferCodeCustomCodes", id)
				}
				return err
			})
			continue
		}
		pl.fixedProblems(cf, "a custom code", "create a custom code with a new code", []fixed{
			{"numberOfCodes", strconv.Itoa(cc.NumberOfCodes), strconv.Itoa(have.m.NumberOfCodes)}, {"expirationDate", cc.ExpirationDate, have.m.ExpirationDate}})
		id := have.id
		pl.planActive(cf, owner, label, cc.Active, have.m.Active, func(ctx context.Context, a *applier) error {
			return a.deactivate(ctx, "subscriptionOfferCodeCustomCodes", id)
		})
	}
}

// planBatches matches the file's batches of one-time use codes with Apple's by environment,
// count and expiration date; the unmatched ones are created in one op, one after another.
func (pl *planner) planBatches(oc *OfferCode, h remoteCode, field, owner, name string, createOp *Op, codeRef *idRef) {
	used := map[string]bool{}
	known := map[string]bool{}
	for _, b := range h.batches {
		known[b.id] = true
	}
	var missing []*OneTimeUseCodes
	for i, b := range oc.OneTimeUseCodes {
		var match *remoteBatch
		for j := range h.batches {
			if hb := &h.batches[j]; !used[hb.id] && hb.m.key() == b.key() {
				match = hb
				break
			}
		}
		if match == nil {
			missing = append(missing, b)
			continue
		}
		used[match.id] = true
		id := match.id
		label := fmt.Sprintf("%s.oneTimeUseCodes[%d]", name, i)
		pl.planActive(fmt.Sprintf("%s.oneTimeUseCodes[%d]", field, i), owner, label, b.Active, match.m.Active, func(ctx context.Context, a *applier) error {
			return a.deactivate(ctx, "subscriptionOfferCodeOneTimeUseCodes", id)
		})
	}
	if len(missing) == 0 {
		return
	}
	var changes []Change
	for _, b := range missing {
		changes = append(changes, Change{owner, name + ".oneTimeUseCodes", "", fmt.Sprintf("%d codes until %s (%s)", b.NumberOfCodes, b.ExpirationDate, strings.SplitN(b.key(), "|", 2)[0])})
	}
	pl.op(fmt.Sprintf("create %d batches of one-time use codes of offer code %s", len(missing), oc.ReferenceName), changes, []*Op{createOp}, func(ctx context.Context, a *applier) error {
		return a.createBatches(ctx, codeRef.get(), missing, known)
	})
}

func (pl *planner) planWinBacks(s *Subscription, r *remoteSub, have *remoteOffers, path string, targets targetFunc) error {
	byID := map[string]remoteWinBack{}
	for _, h := range have.winBacks {
		byID[h.m.OfferID] = h
	}
	inFile := map[string]bool{}
	for _, w := range s.WinBackOffers {
		inFile[w.OfferID] = true
		field := path + ".winBackOffers[" + w.OfferID + "]"
		h, exists := byID[w.OfferID]
		if !exists {
			pl.problem(field, "App Store Connect has no win-back offer %s, and Apple's API cannot price a new one (its prices carry no territory or price point): create it in App Store Connect, then pull", w.OfferID)
			continue
		}
		pl.fixedProblems(field, "a win-back offer", "create it anew in App Store Connect with a new offerId", []fixed{
			{"referenceName", w.ReferenceName, h.m.ReferenceName}, {"mode", w.Mode, h.m.Mode}, {"duration", w.Duration, h.m.Duration}, {"periods", periodsOf(w.Periods), periodsOf(h.m.Periods)}})
		if r != nil && len(h.prices) > 0 {
			territories := make([]string, 0, len(h.prices))
			for _, p := range h.prices {
				territories = append(territories, p.territory)
			}
			want, ok, err := targets(field, w.Price, territories)
			if err != nil {
				return err
			}
			if ok && !samePrices(h.prices, want) {
				pl.problem(field+".price", "App Store Connect has %s, the file %s; Apple's API cannot change a win-back offer's prices: change them in App Store Connect, then pull", describePrices(h.prices), describePrices(targetList(want)))
			}
		}
		attrs, changes := winBackUpdate(s.ProductID, "winBackOffers["+w.OfferID+"]", w, &h.m)
		if len(changes) == 0 {
			continue
		}
		id := h.id
		pl.op("update win-back offer "+w.OfferID+" of subscription "+s.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
			_, _, err := a.c.WinBackOffers.Update(ctx, id, &asc.WinBackOfferUpdateRequest{Data: asc.WinBackOfferUpdateRequestData{ID: id, Attributes: attrs}})
			return a.call(err)
		})
	}
	for _, h := range have.winBacks {
		if inFile[h.m.OfferID] {
			continue
		}
		id := h.id
		changes := []Change{{s.ProductID, "winBackOffers[" + h.m.OfferID + "]", h.m.ReferenceName, ""}}
		pl.op("delete win-back offer "+h.m.OfferID+" of subscription "+s.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
			if _, err := a.c.WinBackOffers.Delete(ctx, id); a.call(err) != nil && !isNotFound(err) {
				return err
			}
			return nil
		})
	}
	return nil
}

// winBackUpdate is the PATCH that makes a win-back offer's changeable attributes the file's.
func winBackUpdate(owner, name string, w, h *WinBackOffer) (*asc.WinBackOfferUpdateRequestAttributes, []Change) {
	attrs := &asc.WinBackOfferUpdateRequestAttributes{}
	var changes []Change
	ch := func(field, old, new string) { changes = append(changes, Change{owner, name + "." + field, old, new}) }
	itoa := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	if w.PaidMonths != h.PaidMonths {
		ch("paidMonths", itoa(h.PaidMonths), itoa(w.PaidMonths))
		attrs.CustomerEligibilityPaidSubscriptionDurationInMonths = asc.Ptr(w.PaidMonths)
	}
	if w.LapsedMinMonths != h.LapsedMinMonths || w.LapsedMaxMonths != h.LapsedMaxMonths {
		ch("lapsedMonths", itoa(h.LapsedMinMonths)+"-"+itoa(h.LapsedMaxMonths), itoa(w.LapsedMinMonths)+"-"+itoa(w.LapsedMaxMonths))
		rng := &asc.IntegerRange{Minimum: asc.Ptr(w.LapsedMinMonths)}
		if w.LapsedMaxMonths != 0 {
			rng.Maximum = asc.Ptr(w.LapsedMaxMonths)
		}
		attrs.CustomerEligibilityTimeSinceLastSubscribedInMonths = rng
	}
	if w.WaitMonths != h.WaitMonths {
		ch("waitMonths", itoa(h.WaitMonths), itoa(w.WaitMonths))
		if w.WaitMonths == 0 {
			attrs.Clear = append(attrs.Clear, "customerEligibilityWaitBetweenOffersInMonths")
		} else {
			attrs.CustomerEligibilityWaitBetweenOffersInMonths = asc.Ptr(w.WaitMonths)
		}
	}
	for _, d := range []struct {
		field, want, have, attr string
		dst                     **asc.Date
	}{{"startDate", w.StartDate, h.StartDate, "startDate", &attrs.StartDate}, {"endDate", w.EndDate, h.EndDate, "endDate", &attrs.EndDate}} {
		if d.want == d.have {
			continue
		}
		ch(d.field, d.have, d.want)
		if d.want == "" {
			attrs.Clear = append(attrs.Clear, d.attr)
			continue
		}
		if v, err := asc.ParseDate(d.want); err == nil {
			*d.dst = &v
		}
	}
	if w.Priority != h.Priority {
		ch("priority", h.Priority, w.Priority)
		attrs.Priority = asc.Ptr(asc.Priority(w.Priority))
	}
	if w.PromotionIntent != "" && w.PromotionIntent != h.PromotionIntent {
		ch("promotionIntent", h.PromotionIntent, w.PromotionIntent)
		attrs.PromotionIntent = asc.Ptr(asc.WinBackOfferPromotionIntent(w.PromotionIntent))
	}
	return attrs, changes
}

func offerPeriods(n int) int { return max(n, 1) }

func promoPriceInline(prices []offerPrice) ([]asc.SubscriptionPromotionalOfferPriceInlineCreate, []asc.ResourceIdentifier) {
	inc := make([]asc.SubscriptionPromotionalOfferPriceInlineCreate, 0, len(prices))
	refs := make([]asc.ResourceIdentifier, 0, len(prices))
	for i, p := range prices {
		local := fmt.Sprintf("${price-%d}", i+1)
		rels := &asc.SubscriptionPromotionalOfferPriceInlineCreateRelationships{Territory: &asc.Relationship{Data: asc.ToOne("territories", p.territory)}}
		if p.pricePoint != "" {
			rels.SubscriptionPricePoint = &asc.Relationship{Data: asc.ToOne("subscriptionPricePoints", p.pricePoint)}
		}
		inc = append(inc, asc.SubscriptionPromotionalOfferPriceInlineCreate{Type: "subscriptionPromotionalOfferPrices", ID: local, Relationships: rels})
		refs = append(refs, asc.ResourceIdentifier{Type: "subscriptionPromotionalOfferPrices", ID: local})
	}
	return inc, refs
}

func (a *applier) createPromo(ctx context.Context, subID string, o *PromotionalOffer, prices []offerPrice) (string, error) {
	inc, refs := promoPriceInline(prices)
	body := &asc.SubscriptionPromotionalOfferCreateRequest{
		Data: asc.SubscriptionPromotionalOfferCreateRequestData{
			Attributes: asc.SubscriptionPromotionalOfferCreateRequestAttributes{Name: o.ReferenceName, OfferCode: o.OfferCode,
				OfferMode: asc.SubscriptionOfferMode(o.Mode), Duration: asc.SubscriptionOfferDuration(o.Duration), NumberOfPeriods: offerPeriods(o.Periods)},
			Relationships: asc.SubscriptionPromotionalOfferCreateRequestRelationships{
				Subscription: asc.Relationship{Data: asc.ToOne("subscriptions", subID)},
				Prices:       asc.Relationship{Data: asc.ToMany(refs...)}}},
		Included: inc}
	return a.create(ctx, func() (string, error) {
		resp, _, err := a.c.SubscriptionPromotionalOffers.Create(ctx, body)
		if err != nil {
			return "", err
		}
		return resp.Data.ID, nil
	}, func() (string, error) {
		for p, err := range a.c.Subscriptions.ListPromotionalOffersIter(ctx, subID, &asc.SubscriptionsListPromotionalOffersOptions{Limit: 200}) {
			if err != nil {
				return "", err
			}
			if p.Attributes != nil && p.Attributes.OfferCode == o.OfferCode {
				return p.ID, nil
			}
		}
		return "", nil
	})
}

// setPromoPrices replaces a promotional offer's prices in one PATCH; sending it again after
// a lost answer replaces them again, so the client's own retry is safe.
func (a *applier) setPromoPrices(ctx context.Context, id string, prices []offerPrice) error {
	inc, refs := promoPriceInline(prices)
	_, _, err := a.c.SubscriptionPromotionalOffers.Update(ctx, id, &asc.SubscriptionPromotionalOfferUpdateRequest{
		Data: asc.SubscriptionPromotionalOfferUpdateRequestData{ID: id, Relationships: &asc.SubscriptionPromotionalOfferUpdateRequestRelationships{
			Prices: &asc.Relationship{Data: asc.ToMany(refs...)}}},
		Included: inc})
	return a.call(err)
}

func (a *applier) createOfferCode(ctx context.Context, subID string, oc *OfferCode, prices []offerPrice) (string, error) {
	inc := make([]asc.SubscriptionOfferCodePriceInlineCreate, 0, len(prices))
	refs := make([]asc.ResourceIdentifier, 0, len(prices))
	for i, p := range prices {
		local := fmt.Sprintf("${price-%d}", i+1)
		rels := &asc.SubscriptionOfferCodePriceInlineCreateRelationships{Territory: &asc.Relationship{Data: asc.ToOne("territories", p.territory)}}
		if p.pricePoint != "" {
			rels.SubscriptionPricePoint = &asc.Relationship{Data: asc.ToOne("subscriptionPricePoints", p.pricePoint)}
		}
		inc = append(inc, asc.SubscriptionOfferCodePriceInlineCreate{Type: "subscriptionOfferCodePrices", ID: local, Relationships: rels})
		refs = append(refs, asc.ResourceIdentifier{Type: "subscriptionOfferCodePrices", ID: local})
	}
	elig := make([]asc.SubscriptionCustomerEligibility, len(oc.CustomerEligibilities))
	for i, e := range oc.CustomerEligibilities {
		elig[i] = asc.SubscriptionCustomerEligibility(e)
	}
	body := &asc.SubscriptionOfferCodeCreateRequest{
		Data: asc.SubscriptionOfferCodeCreateRequestData{
			Attributes: asc.SubscriptionOfferCodeCreateRequestAttributes{Name: oc.ReferenceName, CustomerEligibilities: elig,
				OfferEligibility: asc.SubscriptionOfferEligibility(oc.OfferEligibility), OfferMode: asc.SubscriptionOfferMode(oc.Mode),
				Duration: asc.SubscriptionOfferDuration(oc.Duration), NumberOfPeriods: offerPeriods(oc.Periods)},
			Relationships: asc.SubscriptionOfferCodeCreateRequestRelationships{
				Subscription: asc.Relationship{Data: asc.ToOne("subscriptions", subID)},
				Prices:       asc.Relationship{Data: asc.ToMany(refs...)}}},
		Included: inc}
	return a.create(ctx, func() (string, error) {
		resp, _, err := a.c.SubscriptionOfferCodes.Create(ctx, body)
		if err != nil {
			return "", err
		}
		return resp.Data.ID, nil
	}, func() (string, error) {
		for o, err := range a.c.Subscriptions.ListOfferCodesIter(ctx, subID, &asc.SubscriptionsListOfferCodesOptions{Limit: 200}) {
			if err != nil {
				return "", err
			}
			if o.Attributes != nil && o.Attributes.Name == oc.ReferenceName {
				return o.ID, nil
			}
		}
		return "", nil
	})
}

func (a *applier) createCustomCode(ctx context.Context, codeID string, cc *CustomCode) (string, error) {
	attrs := asc.SubscriptionOfferCodeCustomCodeCreateRequestAttributes{CustomCode: cc.Code, NumberOfCodes: cc.NumberOfCodes}
	if cc.ExpirationDate != "" {
		d, err := asc.ParseDate(cc.ExpirationDate)
		if err != nil {
			return "", err
		}
		attrs.ExpirationDate = &d
	}
	body := &asc.SubscriptionOfferCodeCustomCodeCreateRequest{Data: asc.SubscriptionOfferCodeCustomCodeCreateRequestData{Attributes: attrs,
		Relationships: asc.SubscriptionOfferCodeCustomCodeCreateRequestRelationships{OfferCode: asc.Relationship{Data: asc.ToOne("subscriptionOfferCodes", codeID)}}}}
	return a.create(ctx, func() (string, error) {
		resp, _, err := a.c.SubscriptionOfferCodeCustomCodes.Create(ctx, body)
		if err != nil {
			return "", err
		}
		return resp.Data.ID, nil
	}, func() (string, error) {
		for x, err := range a.c.SubscriptionOfferCodes.ListCustomCodesIter(ctx, codeID, &asc.SubscriptionOfferCodesListCustomCodesOptions{Limit: 200}) {
			if err != nil {
				return "", err
			}
			if x.Attributes != nil && strings.EqualFold(x.Attributes.CustomCode, cc.Code) {
				return x.ID, nil
			}
		}
		return "", nil
	})
}

// createBatches creates batches of one-time use codes one after another. Batches have no
// name, so a read-back takes a batch of the same terms that was not there before (known).
func (a *applier) createBatches(ctx context.Context, codeID string, batches []*OneTimeUseCodes, known map[string]bool) error {
	for _, b := range batches {
		exp, err := asc.ParseDate(b.ExpirationDate)
		if err != nil {
			return err
		}
		attrs := asc.SubscriptionOfferCodeOneTimeUseCodeCreateRequestAttributes{NumberOfCodes: b.NumberOfCodes, ExpirationDate: exp}
		if b.Environment != "" {
			attrs.Environment = asc.Ptr(asc.OfferCodeEnvironment(b.Environment))
		}
		body := &asc.SubscriptionOfferCodeOneTimeUseCodeCreateRequest{Data: asc.SubscriptionOfferCodeOneTimeUseCodeCreateRequestData{Attributes: attrs,
			Relationships: asc.SubscriptionOfferCodeOneTimeUseCodeCreateRequestRelationships{OfferCode: asc.Relationship{Data: asc.ToOne("subscriptionOfferCodes", codeID)}}}}
		id, err := a.create(ctx, func() (string, error) {
			resp, _, err := a.c.SubscriptionOfferCodeOneTimeUseCodes.Create(ctx, body)
			if err != nil {
				return "", err
			}
			return resp.Data.ID, nil
		}, func() (string, error) {
			for x, err := range a.c.SubscriptionOfferCodes.ListOneTimeUseCodesIter(ctx, codeID, &asc.SubscriptionOfferCodesListOneTimeUseCodesOptions{Limit: 200}) {
				if err != nil {
					return "", err
				}
				if known[x.ID] || x.Attributes == nil {
					continue
				}
				got := OneTimeUseCodes{ExpirationDate: dateString(x.Attributes.ExpirationDate), Environment: string(x.Attributes.Environment)}
				if x.Attributes.NumberOfCodes != nil {
					got.NumberOfCodes = *x.Attributes.NumberOfCodes
				}
				if got.key() == b.key() {
					return x.ID, nil
				}
			}
			return "", nil
		})
		if err != nil {
			return err
		}
		known[id] = true
		if b.Active != nil && !*b.Active {
			if err := a.deactivate(ctx, "subscriptionOfferCodeOneTimeUseCodes", id); err != nil {
				return err
			}
		}
	}
	return nil
}

// deactivate turns an offer code, a custom code or a batch of one-time use codes off.
func (a *applier) deactivate(ctx context.Context, typ, id string) error {
	var err error
	off := asc.Ptr(false)
	switch typ {
	case "subscriptionOfferCodes":
		_, _, err = a.c.SubscriptionOfferCodes.Update(ctx, id, &asc.SubscriptionOfferCodeUpdateRequest{Data: asc.SubscriptionOfferCodeUpdateRequestData{ID: id,
			Attributes: &asc.SubscriptionOfferCodeUpdateRequestAttributes{Active: off}}})
	case "subscriptionOfferCodeCustomCodes":
		_, _, err = a.c.SubscriptionOfferCodeCustomCodes.Update(ctx, id, &asc.SubscriptionOfferCodeCustomCodeUpdateRequest{Data: asc.SubscriptionOfferCodeCustomCodeUpdateRequestData{ID: id,
			Attributes: &asc.SubscriptionOfferCodeCustomCodeUpdateRequestAttributes{Active: off}}})
	default:
		_, _, err = a.c.SubscriptionOfferCodeOneTimeUseCodes.Update(ctx, id, &asc.SubscriptionOfferCodeOneTimeUseCodeUpdateRequest{Data: asc.SubscriptionOfferCodeOneTimeUseCodeUpdateRequestData{ID: id,
			Attributes: &asc.SubscriptionOfferCodeOneTimeUseCodeUpdateRequestAttributes{Active: off}}})
	}
	return a.call(err)
}

// pulledOffers describes a subscription's offers in the file's terms: territories only when
// they are not the subscription's, prices as a base price and the prices that differ from
// its equalization.
func (r *Resolver) pulledOffers(ctx context.Context, rs *remoteSub, s *Subscription, base string, defaults []string) error {
	ro := rs.offers
	territories := func(prices []offerPrice) []string {
		out := make([]string, 0, len(prices))
		for _, p := range prices {
			out = append(out, p.territory)
		}
		out = sortedUnique(out)
		if slices.Equal(out, sortedUnique(defaults)) {
			return nil
		}
		return out
	}
	s.PromotionalOffers, s.OfferCodes, s.WinBackOffers = nil, nil, nil
	for _, h := range ro.promos {
		price, err := r.pulledOfferPrice(ctx, rs.id, base, h.prices)
		if err != nil {
			return err
		}
		o := &PromotionalOffer{OfferCode: h.code, ReferenceName: h.name, Mode: h.mode, Duration: h.duration, Territories: territories(h.prices), Price: price}
		if h.periods > 1 {
			o.Periods = h.periods
		}
		s.PromotionalOffers = append(s.PromotionalOffers, o)
	}
	for _, h := range ro.codes {
		price, err := r.pulledOfferPrice(ctx, rs.id, base, h.prices)
		if err != nil {
			return err
		}
		oc := h.m
		oc.Territories, oc.Price = territories(h.prices), price
		oc.CustomCodes, oc.OneTimeUseCodes = []*CustomCode{}, []*OneTimeUseCodes{}
		for _, c := range h.custom {
			oc.CustomCodes = append(oc.CustomCodes, &c.m)
		}
		for _, b := range h.batches {
			oc.OneTimeUseCodes = append(oc.OneTimeUseCodes, &b.m)
		}
		s.OfferCodes = append(s.OfferCodes, &oc)
	}
	for _, h := range ro.winBacks {
		w := h.m
		price, err := r.pulledOfferPrice(ctx, rs.id, base, h.prices)
		if err != nil {
			return err
		}
		w.Price = price
		s.WinBackOffers = append(s.WinBackOffers, &w)
	}
	s.sortOffers()
	return nil
}

// pulledOfferPrice is an offer's prices as the file says them: nil for a free trial, else the
// base territory's price (the subscription's base when the offer runs there) and the
// territories whose price differs from its equalization.
func (r *Resolver) pulledOfferPrice(ctx context.Context, subID, base string, prices []offerPrice) (*OfferPrice, error) {
	by := map[string]string{}
	for _, p := range prices {
		if p.pricePoint != "" {
			by[p.territory] = p.price
		}
	}
	if len(by) == 0 {
		return nil, nil
	}
	if _, ok := by[base]; !ok {
		base = sortedKeys(by)[0]
	}
	out := &OfferPrice{BaseTerritory: base, Price: by[base]}
	eq, err := r.Equalized(ctx, subID, base, out.Price)
	if err != nil {
		return nil, err
	}
	for t, price := range by {
		if e, ok := eq[t]; t != base && (!ok || !samePrice(e.price, price)) {
			if out.Territories == nil {
				out.Territories = map[string]string{}
			}
			out.Territories[t] = price
		}
	}
	return out, nil
}
