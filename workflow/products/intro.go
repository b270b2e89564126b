package products

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
)

// Introductory offers. Apple keeps one offer resource per territory (with its price point
// for the paid modes), and a territory has one offer at a time; the file says each offer once
// with its territories. A push deletes what no longer fits, creates the missing ones in one
// PATCH of the subscription carrying them inline, and changes an end date in place (the only
// attribute Apple lets change).

// remoteOffer is one introductory offer resource: one territory's.
type remoteOffer struct {
	id, territory, start, end, mode, duration string
	periods                                   int
	pricePoint, price                         string
}

func (o remoteOffer) terms() string {
	return strings.Join([]string{o.start, o.end, o.mode, o.duration, strconv.Itoa(max(o.periods, 1))}, "|")
}

// fetchIntro reads a subscription's introductory offers with their territories and price
// points (one request per 200 offers).
func fetchIntro(ctx context.Context, c *asc.Client, rs *remoteSub, reqs *counter) error {
	opts := &asc.SubscriptionsListIntroductoryOffersOptions{Limit: 200, Include: []string{"territory", "subscriptionPricePoint"}}
	page, _, err := c.Subscriptions.ListIntroductoryOffers(ctx, rs.id, opts)
	reqs.add(1)
	for err == nil {
		inc := indexIncluded(page.Included)
		for _, o := range page.Data {
			ro := remoteOffer{id: o.ID}
			if a := o.Attributes; a != nil {
				ro.start, ro.end = dateString(a.StartDate), dateString(a.EndDate)
				ro.mode, ro.duration = string(a.OfferMode), string(a.Duration)
				if a.NumberOfPeriods != nil {
					ro.periods = *a.NumberOfPeriods
				}
			}
			if r := o.Relationships; r != nil {
				if ids := relIDs(r.Territory); len(ids) == 1 {
					ro.territory = ids[0]
				}
				if ids := relIDs(r.SubscriptionPricePoint); len(ids) == 1 {
					ro.pricePoint = ids[0]
					if pp, ok := inc["subscriptionPricePoints/"+ids[0]].(*asc.SubscriptionPricePoint); ok && pp.Attributes != nil {
						ro.price = pp.Attributes.CustomerPrice
					}
				}
			}
			rs.intro = append(rs.intro, ro)
		}
		if page.Links.Next == "" {
			rs.introRead = true
			return nil
		}
		page, err = nextPage[asc.SubscriptionIntroductoryOffersResponse](ctx, c, page.Links.Next)
		reqs.add(1)
	}
	return fmt.Errorf("read the introductory offers of %s: %w", rs.model.ProductID, err)
}

// introTargets lists the offer resources the file's offers mean: one per offer and territory,
// with the price point of the offer's price (equalized from its base, manual where given).
func (r *Resolver) introTargets(ctx context.Context, productID string, offers []*IntroductoryOffer, defaults []string) ([]remoteOffer, error) {
	var out []remoteOffer
	for _, o := range offers {
		territories := o.Territories
		if territories == nil {
			territories = defaults
		}
		prices, err := r.offerTargets(ctx, productID, o.Price, territories)
		if err != nil {
			return nil, err
		}
		for _, p := range targetList(prices) {
			out = append(out, remoteOffer{territory: p.territory, start: o.StartDate, end: o.EndDate, mode: o.Mode, duration: o.Duration, periods: max(o.Periods, 1),
				pricePoint: p.pricePoint, price: p.price})
		}
	}
	return out, nil
}

// diffIntro compares targets with Apple's offers: kept, end date changed, deleted, created.
func diffIntro(owner string, want, have []remoteOffer) (create []remoteOffer, del []string, ends map[string]string, changes []Change) {
	ends = map[string]string{}
	type key struct{ territory, start string }
	haveBy := map[key]remoteOffer{}
	for _, o := range have {
		haveBy[key{o.territory, o.start}] = o
	}
	seen := map[key]bool{}
	for _, w := range want {
		k := key{w.territory, w.start}
		seen[k] = true
		h, ok := haveBy[k]
		field := fmt.Sprintf("introductoryOffers[%s %s]", w.territory, orNow(w.start))
		switch {
		case ok && h.terms() == w.terms() && (w.pricePoint == "" || samePrice(h.price, w.price)):
			continue
		case ok && strings.TrimPrefix(h.terms(), h.start+"|"+h.end) == strings.TrimPrefix(w.terms(), w.start+"|"+w.end) && (w.pricePoint == "" || samePrice(h.price, w.price)):
			ends[h.id] = w.end
			changes = append(changes, Change{owner, field + ".endDate", h.end, w.end})
			continue
		case ok:
			del = append(del, h.id)
		}
		create = append(create, w)
		changes = append(changes, Change{owner, field, describeOffer(h), describeOffer(w)})
	}
	for _, h := range have {
		if !seen[key{h.territory, h.start}] {
			del = append(del, h.id)
			changes = append(changes, Change{owner, fmt.Sprintf("introductoryOffers[%s %s]", h.territory, orNow(h.start)), describeOffer(h), ""})
		}
	}
	slices.Sort(del)
	return create, del, ends, compactChanges(owner, changes)
}

func orNow(d string) string {
	if d == "" {
		return "now"
	}
	return "from " + d
}

func describeOffer(o remoteOffer) string {
	if o.mode == "" {
		return ""
	}
	s := fmt.Sprintf("%s %s x%d", o.mode, o.duration, max(o.periods, 1))
	if o.price != "" {
		s += " at " + o.price
	}
	if o.end != "" {
		s += " until " + o.end
	}
	return s
}

// planIntro plans a subscription's introductory offers when the file lists them.
func (pl *planner) planIntro(ctx context.Context, s *Subscription, r *remoteSub, create *Op, ref *idRef, defaults []string) error {
	if r != nil && !r.introRead {
		if err := fetchIntro(ctx, pl.prices.c, r, &pl.prices.reqs); err != nil {
			return err
		}
	}
	var have []remoteOffer
	if r != nil {
		have = r.intro
	}
	if r == nil {
		changes := []Change{{s.ProductID, "introductoryOffers", "", fmt.Sprintf("%d offers", len(s.IntroductoryOffers))}}
		offers := s.IntroductoryOffers
		pl.op("set introductory offers of subscription "+s.ProductID, changes, []*Op{create, pl.pricesOp[s.ProductID]}, func(ctx context.Context, a *applier) error {
			want, err := a.prices.introTargets(ctx, ref.get(), offers, defaults)
			if err != nil {
				return err
			}
			return a.setIntro(ctx, ref.get(), want, nil, nil)
		})
		return nil
	}
	want, err := pl.prices.introTargets(ctx, r.id, s.IntroductoryOffers, defaults)
	var pe *PriceError
	if errors.As(err, &pe) {
		pl.problem("subscriptions["+s.ProductID+"].introductoryOffers", "%s", pe.Error())
		return nil
	}
	if err != nil {
		return err
	}
	add, del, ends, changes := diffIntro(s.ProductID, want, have)
	if len(add) == 0 && len(del) == 0 && len(ends) == 0 {
		return nil
	}
	id := r.id
	pl.op("set introductory offers of subscription "+s.ProductID, changes, []*Op{pl.pricesOp[s.ProductID]}, func(ctx context.Context, a *applier) error {
		return a.setIntro(ctx, id, add, del, ends)
	})
	return nil
}

// setIntro deletes stale offers, changes end dates, then creates the missing offers in one
// PATCH of the subscription. After a failure that may have taken effect it reads the
// offers back and sends only what is still missing.
func (a *applier) setIntro(ctx context.Context, subID string, add []remoteOffer, del []string, ends map[string]string) error {
	for _, id := range del {
		if _, err := a.c.SubscriptionIntroductoryOffers.Delete(ctx, id); a.call(err) != nil && !isNotFound(err) {
			return err
		}
	}
	for _, id := range sortedKeys(ends) {
		attrs := &asc.SubscriptionIntroductoryOfferUpdateRequestAttributes{}
		if ends[id] != "" {
			d, err := asc.ParseDate(ends[id])
			if err != nil {
				return err
			}
			attrs.EndDate = &d
		}
		_, _, err := a.c.SubscriptionIntroductoryOffers.Update(ctx, id, &asc.SubscriptionIntroductoryOfferUpdateRequest{Data: asc.SubscriptionIntroductoryOfferUpdateRequestData{ID: id, Attributes: attrs}})
		if a.call(err) != nil {
			return err
		}
	}
	for attempt := 1; len(add) > 0; attempt++ {
		err := a.patchIntro(ctx, subID, add)
		if err == nil {
			return nil
		}
		if retry, werr := a.retryable(ctx, err, attempt); !retry {
			return werr
		}
		rs := &remoteSub{id: subID, model: &Subscription{}}
		var c counter
		ferr := fetchIntro(ctx, a.c, rs, &c)
		a.reqs.add(int(c.n.Load()))
		if ferr != nil {
			return errors.Join(err, ferr)
		}
		add, _, _, _ = diffIntro("", add, rs.intro)
	}
	return nil
}

// retryable waits before another attempt of a write that failed in a way that may not have
// taken effect, and says whether to make it.
func (a *applier) retryable(ctx context.Context, err error, attempt int) (bool, error) {
	if upload.ClassifyCreate(err) == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
		return false, err
	}
	sleep(ctx, upload.RetryDelay(err, attempt))
	return true, nil
}

func (a *applier) patchIntro(ctx context.Context, subID string, offers []remoteOffer) error {
	included := make([]any, 0, len(offers))
	refs := make([]asc.ResourceIdentifier, 0, len(offers))
	for i, o := range offers {
		local := fmt.Sprintf("${intro-%d}", i+1)
		attrs := asc.SubscriptionIntroductoryOfferInlineCreateAttributes{Duration: asc.SubscriptionOfferDuration(o.duration), OfferMode: asc.SubscriptionOfferMode(o.mode), NumberOfPeriods: max(o.periods, 1)}
		for _, d := range []struct {
			s   string
			dst **asc.Date
		}{{o.start, &attrs.StartDate}, {o.end, &attrs.EndDate}} {
			if d.s != "" {
				v, err := asc.ParseDate(d.s)
				if err != nil {
					return err
				}
				*d.dst = &v
			}
		}
		rels := &asc.SubscriptionIntroductoryOfferInlineCreateRelationships{
			Subscription: &asc.Relationship{Data: asc.ToOne("subscriptions", subID)},
			Territory:    &asc.Relationship{Data: asc.ToOne("territories", o.territory)}}
		if o.pricePoint != "" {
			rels.SubscriptionPricePoint = &asc.Relationship{Data: asc.ToOne("subscriptionPricePoints", o.pricePoint)}
		}
		included = append(included, asc.SubscriptionIntroductoryOfferInlineCreate{Type: "subscriptionIntroductoryOffers", ID: local, Attributes: attrs, Relationships: rels})
		refs = append(refs, asc.ResourceIdentifier{Type: "subscriptionIntroductoryOffers", ID: local})
	}
	a.reqs.add(1)
	_, _, err := a.c.Subscriptions.Update(ctx, subID, &asc.SubscriptionUpdateRequest{
		Data: asc.SubscriptionUpdateRequestData{ID: subID, Relationships: &asc.SubscriptionUpdateRequestRelationships{
			IntroductoryOffers: &asc.Relationship{Data: asc.ToMany(refs...)}}},
		Included: included})
	return err
}

// pulledIntro describes Apple's offers in the file's terms: one offer per set of terms, with
// its territories, and its price as a base price (in the subscription's base territory when
// the offer runs there) and the prices that differ from its equalization.
func (r *Resolver) pulledIntro(ctx context.Context, rs *remoteSub, base string) ([]*IntroductoryOffer, error) {
	groups := map[string][]remoteOffer{}
	for _, o := range rs.intro {
		groups[o.terms()] = append(groups[o.terms()], o)
	}
	var out []*IntroductoryOffer
	for _, k := range sortedKeys(groups) {
		list := groups[k]
		first := list[0]
		o := &IntroductoryOffer{Mode: first.mode, Duration: first.duration, StartDate: first.start, EndDate: first.end}
		if first.periods > 1 {
			o.Periods = first.periods
		}
		prices := make([]offerPrice, 0, len(list))
		for _, x := range list {
			o.Territories = append(o.Territories, x.territory)
			prices = append(prices, offerPrice{territory: x.territory, pricePoint: x.pricePoint, price: x.price})
		}
		slices.Sort(o.Territories)
		price, err := r.pulledOfferPrice(ctx, rs.id, base, prices)
		if err != nil {
			return nil, err
		}
		o.Price = price
		out = append(out, o)
	}
	return out, nil
}
