package products

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
)

// ApplyOptions tune a push.
type ApplyOptions struct {
	// Concurrency bounds the writes in flight; the client's rate budget paces them further.
	// Zero means 8.
	Concurrency int
	// OnOp, when set, is called after each op succeeds (from several goroutines).
	OnOp func(*Op)
}

// Result counts what a push did.
type Result struct {
	Ops      int // ops that succeeded
	Requests int // every request sent, reads for price points and read-backs included
}

// PartialError is a push that did not finish: which ops App Store Connect took, which
// failed and which were not attempted because what they need failed. Pushing again sends
// only what is still missing.
type PartialError struct {
	Total   int
	Done    []string
	Failed  []error
	Skipped []string
}

func (e *PartialError) Error() string {
	failed := make([]string, len(e.Failed))
	for i, err := range e.Failed {
		failed[i] = err.Error()
	}
	s := fmt.Sprintf("%d of %d writes done; failed: %s", len(e.Done), e.Total, strings.Join(failed, "; "))
	if len(e.Skipped) > 0 {
		s += "; not attempted (what they need failed): " + strings.Join(capList(e.Skipped, 10), ", ")
	}
	return s
}

// capList keeps a message readable: the first n items and how many more.
func capList(items []string, n int) []string {
	if len(items) <= n {
		return items
	}
	return append(slices.Clone(items[:n]), fmt.Sprintf("and %d more", len(items)-n))
}

// Unwrap gives errors.As the failures' causes.
func (e *PartialError) Unwrap() []error { return e.Failed }

// applier runs a plan's ops against App Store Connect.
type applier struct {
	c      *asc.Client
	appID  string
	prices *Resolver
	reqs   counter
}

// Apply runs the plan's ops, each once its dependencies succeeded, several at a time. A
// failed create is never simply sent again: the resource is read back first (by product id,
// locale or reference name) and used if the failed attempt did create it. Every op that can
// run is run; the failures are returned together as a *PartialError.
func Apply(ctx context.Context, c *asc.Client, appID string, p *Plan, res *Resolver, opts ApplyOptions) (Result, error) {
	if len(p.Problems) > 0 {
		return Result{}, &ValidationError{Dir: "the plan", Problems: p.Problems}
	}
	n := opts.Concurrency
	if n <= 0 {
		n = 8
	}
	a := &applier{c: c, appID: appID, prices: res}
	before := res.Requests()
	type state struct {
		done chan struct{}
		err  error
	}
	states := make(map[*Op]*state, len(p.Ops))
	for _, o := range p.Ops {
		states[o] = &state{done: make(chan struct{})}
	}
	var (
		sem                   = make(chan struct{}, n)
		mu                    sync.Mutex
		done, skipped         []string
		failed                []error
		ok                    atomic.Int64
		wg                    sync.WaitGroup
		errDependencyNotReady = errors.New("not attempted")
	)
	for _, o := range p.Ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := states[o]
			defer close(st.done)
			for _, d := range o.deps {
				ds := states[d]
				<-ds.done
				if ds.err != nil {
					st.err = errDependencyNotReady
					mu.Lock()
					skipped = append(skipped, o.Description)
					mu.Unlock()
					return
				}
			}
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				st.err = ctx.Err()
				mu.Lock()
				failed = append(failed, fmt.Errorf("%s: %w", o.Description, ctx.Err()))
				mu.Unlock()
				return
			}
			err := o.run(ctx, a)
			<-sem
			st.err = err
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = append(failed, fmt.Errorf("%s: %w", o.Description, err))
				return
			}
			done = append(done, o.Description)
			ok.Add(1)
			if opts.OnOp != nil {
				opts.OnOp(o)
			}
		}()
	}
	wg.Wait()
	res2 := Result{Ops: int(ok.Load()), Requests: int(a.reqs.n.Load()) + res.Requests() - before}
	if len(failed) == 0 {
		return res2, nil
	}
	slices.Sort(done)
	slices.Sort(skipped)
	return res2, &PartialError{Total: len(p.Ops), Done: done, Failed: failed, Skipped: skipped}
}

// create sends a POST once and, when it fails in a way that may have taken effect (a 5xx,
// a dropped connection, a 409 that may be the duplicate of our own first attempt), reads
// back before sending it again; a resource found is used as if the POST had answered.
func (a *applier) create(ctx context.Context, post func() (string, error), find func() (string, error)) (string, error) {
	for attempt := 1; ; attempt++ {
		a.reqs.add(1)
		id, err := post()
		if err == nil {
			return id, nil
		}
		kind := upload.ClassifyCreate(err)
		if kind == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
			return "", err
		}
		sleep(ctx, upload.RetryDelay(err, attempt))
		if kind == upload.CreateRetry {
			continue // a 429 took no effect
		}
		a.reqs.add(1)
		found, ferr := find()
		if ferr != nil {
			return "", errors.Join(err, fmt.Errorf("read back after a failed create: %w", ferr))
		}
		if found != "" {
			return found, nil
		}
		var er *asc.ErrorResponse
		if errors.As(err, &er) && er.StatusCode == http.StatusConflict {
			return "", err // refused, not half done: sending it again gets the same answer
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// call counts one request that the client retries by itself when it fails (PATCH, DELETE).
func (a *applier) call(err error) error {
	a.reqs.add(1)
	return err
}

// replace sends a POST that replaces what it writes (an availability, a price schedule), so
// sending it again after any failure is safe; the client never retries a POST by itself.
func (a *applier) replace(ctx context.Context, post func() error) error {
	for attempt := 1; ; attempt++ {
		a.reqs.add(1)
		err := post()
		if err == nil {
			return nil
		}
		if upload.ClassifyCreate(err) == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
			return err
		}
		var er *asc.ErrorResponse
		if errors.As(err, &er) && er.StatusCode == http.StatusConflict {
			return err // refused as it is: sending it again gets the same answer
		}
		sleep(ctx, upload.RetryDelay(err, attempt))
	}
}

func (a *applier) createIAP(ctx context.Context, p *InAppPurchase) (string, error) {
	body := &asc.InAppPurchaseV2CreateRequest{Data: asc.InAppPurchaseV2CreateRequestData{
		Attributes: asc.InAppPurchaseV2CreateRequestAttributes{Name: p.ReferenceName, ProductID: p.ProductID,
			InAppPurchaseType: asc.InAppPurchaseType(p.Type), ReviewNote: p.ReviewNote, FamilySharable: p.FamilySharable},
		Relationships: asc.InAppPurchaseV2CreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", a.appID)}},
	}}
	return a.create(ctx, func() (string, error) {
		resp, _, err := a.c.InAppPurchasesV2.Create(ctx, body)
		if err != nil {
			return "", err
		}
		return resp.Data.ID, nil
	}, func() (string, error) {
		page, _, err := a.c.Apps.ListInAppPurchasesV2(ctx, a.appID, &asc.AppsListInAppPurchasesV2Options{FilterProductID: []string{p.ProductID}, Limit: 200})
		if err != nil {
			return "", err
		}
		for _, r := range page.Data {
			if r.Attributes != nil && r.Attributes.ProductID == p.ProductID {
				return r.ID, nil
			}
		}
		return "", nil
	})
}

func (a *applier) updateIAP(ctx context.Context, id string, u iapUpdate) error {
	_, _, err := a.c.InAppPurchasesV2.Update(ctx, id, &asc.InAppPurchaseV2UpdateRequest{Data: asc.InAppPurchaseV2UpdateRequestData{ID: id,
		Attributes: &asc.InAppPurchaseV2UpdateRequestAttributes{Name: u.name, ReviewNote: u.reviewNote, FamilySharable: u.familySharable}}})
	return a.call(err)
}

func (a *applier) createSubscription(ctx context.Context, groupID string, s *Subscription) (string, error) {
	attrs := asc.SubscriptionCreateRequestAttributes{Name: s.ReferenceName, ProductID: s.ProductID, FamilySharable: s.FamilySharable, ReviewNote: s.ReviewNote}
	if s.Period != "" {
		attrs.SubscriptionPeriod = asc.Ptr(asc.SubscriptionPeriod(s.Period))
	}
	if s.GroupLevel > 0 {
		attrs.GroupLevel = asc.Ptr(s.GroupLevel)
	}
	body := &asc.SubscriptionCreateRequest{Data: asc.SubscriptionCreateRequestData{Attributes: attrs,
		Relationships: asc.SubscriptionCreateRequestRelationships{Group: asc.Relationship{Data: asc.ToOne("subscriptionGroups", groupID)}}}}
	return a.create(ctx, func() (string, error) {
		resp, _, err := a.c.Subscriptions.Create(ctx, body)
		if err != nil {
			return "", err
		}
		return resp.Data.ID, nil
	}, func() (string, error) {
		page, _, err := a.c.SubscriptionGroups.ListSubscriptions(ctx, groupID, &asc.SubscriptionGroupsListSubscriptionsOptions{FilterProductID: []string{s.ProductID}, Limit: 200})
		if err != nil {
			return "", err
		}
		for _, r := range page.Data {
			if r.Attributes != nil && r.Attributes.ProductID == s.ProductID {
				return r.ID, nil
			}
		}
		return "", nil
	})
}

func (a *applier) updateSubscription(ctx context.Context, id string, u subUpdate) error {
	attrs := &asc.SubscriptionUpdateRequestAttributes{Name: u.name, ReviewNote: u.reviewNote, GroupLevel: u.level, FamilySharable: u.familySharable}
	if u.period != nil {
		attrs.SubscriptionPeriod = asc.Ptr(asc.SubscriptionPeriod(*u.period))
	}
	_, _, err := a.c.Subscriptions.Update(ctx, id, &asc.SubscriptionUpdateRequest{Data: asc.SubscriptionUpdateRequestData{ID: id, Attributes: attrs}})
	return a.call(err)
}

func (a *applier) createGroup(ctx context.Context, name string) (string, error) {
	body := &asc.SubscriptionGroupCreateRequest{Data: asc.SubscriptionGroupCreateRequestData{
		Attributes:    asc.SubscriptionGroupCreateRequestAttributes{ReferenceName: name},
		Relationships: asc.SubscriptionGroupCreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", a.appID)}}}}
	return a.create(ctx, func() (string, error) {
		resp, _, err := a.c.SubscriptionGroups.Create(ctx, body)
		if err != nil {
			return "", err
		}
		return resp.Data.ID, nil
	}, func() (string, error) {
		page, _, err := a.c.Apps.ListSubscriptionGroups(ctx, a.appID, &asc.AppsListSubscriptionGroupsOptions{FilterReferenceName: []string{name}, Limit: 200})
		if err != nil {
			return "", err
		}
		for _, g := range page.Data {
			if g.Attributes != nil && g.Attributes.ReferenceName == name {
				return g.ID, nil
			}
		}
		return "", nil
	})
}

var iapLocalizationWriter = localizationWriter{
	kind: "in-app purchase",
	create: func(ctx context.Context, a *applier, parent, locale string, l Localization, _ string) (string, error) {
		body := &asc.InAppPurchaseLocalizationCreateRequest{Data: asc.InAppPurchaseLocalizationCreateRequestData{
			Attributes:    asc.InAppPurchaseLocalizationCreateRequestAttributes{Name: l.Name, Locale: locale, Description: nonEmpty(l.Description)},
			Relationships: asc.InAppPurchaseLocalizationCreateRequestRelationships{InAppPurchaseV2: asc.Relationship{Data: asc.ToOne("inAppPurchases", parent)}}}}
		return a.create(ctx, func() (string, error) {
			resp, _, err := a.c.InAppPurchaseLocalizations.Create(ctx, body)
			if err != nil {
				return "", err
			}
			return resp.Data.ID, nil
		}, func() (string, error) {
			return findLocale(a.c.InAppPurchasesV2.ListLocalizationsIter(ctx, parent, &asc.InAppPurchasesV2ListLocalizationsOptions{Limit: 200}), locale,
				func(l asc.InAppPurchaseLocalization) (string, string) { return attrLocale(l.Attributes), l.ID })
		})
	},
	update: func(ctx context.Context, a *applier, id string, name, description, _ *string) error {
		_, _, err := a.c.InAppPurchaseLocalizations.Update(ctx, id, &asc.InAppPurchaseLocalizationUpdateRequest{Data: asc.InAppPurchaseLocalizationUpdateRequestData{ID: id,
			Attributes: &asc.InAppPurchaseLocalizationUpdateRequestAttributes{Name: name, Description: description}}})
		return a.call(err)
	},
}

var subLocalizationWriter = localizationWriter{
	kind: "subscription",
	create: func(ctx context.Context, a *applier, parent, locale string, l Localization, _ string) (string, error) {
		body := &asc.SubscriptionLocalizationCreateRequest{Data: asc.SubscriptionLocalizationCreateRequestData{
			Attributes:    asc.SubscriptionLocalizationCreateRequestAttributes{Name: l.Name, Locale: locale, Description: nonEmpty(l.Description)},
			Relationships: asc.SubscriptionLocalizationCreateRequestRelationships{Subscription: asc.Relationship{Data: asc.ToOne("subscriptions", parent)}}}}
		return a.create(ctx, func() (string, error) {
			resp, _, err := a.c.SubscriptionLocalizations.Create(ctx, body)
			if err != nil {
				return "", err
			}
			return resp.Data.ID, nil
		}, func() (string, error) {
			return findLocale(a.c.Subscriptions.ListLocalizationsIter(ctx, parent, &asc.SubscriptionsListLocalizationsOptions{Limit: 200}), locale,
				func(l asc.SubscriptionLocalization) (string, string) { return attrLocale(l.Attributes), l.ID })
		})
	},
	update: func(ctx context.Context, a *applier, id string, name, description, _ *string) error {
		_, _, err := a.c.SubscriptionLocalizations.Update(ctx, id, &asc.SubscriptionLocalizationUpdateRequest{Data: asc.SubscriptionLocalizationUpdateRequestData{ID: id,
			Attributes: &asc.SubscriptionLocalizationUpdateRequestAttributes{Name: name, Description: description}}})
		return a.call(err)
	},
}

var groupLocalizationWriter = localizationWriter{
	kind: "subscription group",
	create: func(ctx context.Context, a *applier, parent, locale string, l Localization, custom string) (string, error) {
		body := &asc.SubscriptionGroupLocalizationCreateRequest{Data: asc.SubscriptionGroupLocalizationCreateRequestData{
			Attributes:    asc.SubscriptionGroupLocalizationCreateRequestAttributes{Name: l.Name, Locale: locale, CustomAppName: nonEmpty(custom)},
			Relationships: asc.SubscriptionGroupLocalizationCreateRequestRelationships{SubscriptionGroup: asc.Relationship{Data: asc.ToOne("subscriptionGroups", parent)}}}}
		return a.create(ctx, func() (string, error) {
			resp, _, err := a.c.SubscriptionGroupLocalizations.Create(ctx, body)
			if err != nil {
				return "", err
			}
			return resp.Data.ID, nil
		}, func() (string, error) {
			return findLocale(a.c.SubscriptionGroups.ListLocalizationsIter(ctx, parent, &asc.SubscriptionGroupsListLocalizationsOptions{Limit: 200}), locale,
				func(l asc.SubscriptionGroupLocalization) (string, string) { return attrLocale(l.Attributes), l.ID })
		})
	},
	update: func(ctx context.Context, a *applier, id string, name, _, custom *string) error {
		_, _, err := a.c.SubscriptionGroupLocalizations.Update(ctx, id, &asc.SubscriptionGroupLocalizationUpdateRequest{Data: asc.SubscriptionGroupLocalizationUpdateRequestData{ID: id,
			Attributes: &asc.SubscriptionGroupLocalizationUpdateRequestAttributes{Name: name, CustomAppName: custom}}})
		return a.call(err)
	},
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func territoryIDs(codes []string) []asc.ResourceIdentifier {
	out := make([]asc.ResourceIdentifier, len(codes))
	for i, t := range codes {
		out[i] = asc.ResourceIdentifier{Type: "territories", ID: t}
	}
	return out
}

// Availability creates replace the product's availability, so sending one again is safe.
var iapAvailabilityWriter = availabilityWriter{
	kind: "in-app purchase",
	create: func(ctx context.Context, a *applier, productID string, newTerritories bool, territories []string) error {
		body := &asc.InAppPurchaseAvailabilityCreateRequest{Data: asc.InAppPurchaseAvailabilityCreateRequestData{
			Attributes: asc.InAppPurchaseAvailabilityCreateRequestAttributes{AvailableInNewTerritories: newTerritories},
			Relationships: asc.InAppPurchaseAvailabilityCreateRequestRelationships{
				InAppPurchase:        asc.Relationship{Data: asc.ToOne("inAppPurchases", productID)},
				AvailableTerritories: asc.Relationship{Data: asc.ToMany(territoryIDs(territories)...)}}}}
		return a.replace(ctx, func() error { _, _, err := a.c.InAppPurchaseAvailabilities.Create(ctx, body); return err })
	},
}

var subAvailabilityWriter = availabilityWriter{
	kind: "subscription",
	create: func(ctx context.Context, a *applier, productID string, newTerritories bool, territories []string) error {
		body := &asc.SubscriptionAvailabilityCreateRequest{Data: asc.SubscriptionAvailabilityCreateRequestData{
			Attributes: asc.SubscriptionAvailabilityCreateRequestAttributes{AvailableInNewTerritories: newTerritories},
			Relationships: asc.SubscriptionAvailabilityCreateRequestRelationships{
				Subscription:         asc.Relationship{Data: asc.ToOne("subscriptions", productID)},
				AvailableTerritories: asc.Relationship{Data: asc.ToMany(territoryIDs(territories)...)}}}}
		return a.replace(ctx, func() error { _, _, err := a.c.SubscriptionAvailabilities.Create(ctx, body); return err })
	},
}

// setIAPSchedule replaces an in-app purchase's price schedule with one POST carrying its
// manual prices inline: the base territory's from today and from each change, and each
// manual territory's.
func (a *applier) setIAPSchedule(ctx context.Context, productID string, p *Price) error {
	var included []any
	var refs []asc.ResourceIdentifier
	add := func(territory, start, price string) error {
		id, err := a.prices.PricePoint(ctx, KindIAP, productID, territory, price)
		if err != nil {
			return err
		}
		local := fmt.Sprintf("${price-%d}", len(included)+1)
		attrs := &asc.InAppPurchasePriceInlineCreateAttributes{}
		if start != "" {
			d, err := asc.ParseDate(start)
			if err != nil {
				return err
			}
			attrs.StartDate = &d
		}
		included = append(included, asc.InAppPurchasePriceInlineCreate{Type: "inAppPurchasePrices", ID: local, Attributes: attrs,
			Relationships: &asc.InAppPurchasePriceInlineCreateRelationships{
				InAppPurchaseV2:         &asc.Relationship{Data: asc.ToOne("inAppPurchases", productID)},
				InAppPurchasePricePoint: &asc.Relationship{Data: asc.ToOne("inAppPurchasePricePoints", id)}}})
		refs = append(refs, asc.ResourceIdentifier{Type: "inAppPurchasePrices", ID: local})
		return nil
	}
	if err := add(p.BaseTerritory, "", p.Price); err != nil {
		return err
	}
	for _, t := range sortedKeys(p.Territories) {
		if err := add(t, "", p.Territories[t]); err != nil {
			return err
		}
	}
	for _, ch := range p.Changes {
		if ch.Price != "" {
			if err := add(p.BaseTerritory, ch.StartDate, ch.Price); err != nil {
				return err
			}
		}
		for _, t := range sortedKeys(ch.Territories) {
			if err := add(t, ch.StartDate, ch.Territories[t]); err != nil {
				return err
			}
		}
	}
	body := &asc.InAppPurchasePriceScheduleCreateRequest{
		Data: asc.InAppPurchasePriceScheduleCreateRequestData{Relationships: asc.InAppPurchasePriceScheduleCreateRequestRelationships{
			InAppPurchase: asc.Relationship{Data: asc.ToOne("inAppPurchases", productID)},
			BaseTerritory: asc.Relationship{Data: asc.ToOne("territories", p.BaseTerritory)},
			ManualPrices:  asc.Relationship{Data: asc.ToMany(refs...)}}},
		Included: included}
	return a.replace(ctx, func() error { _, _, err := a.c.InAppPurchasePriceSchedules.Create(ctx, body); return err })
}

// setSubscriptionPrices adds a subscription's missing prices in one PATCH with the prices
// inline, and deletes future prices the file no longer has. After a failure that may have
// taken effect it reads the prices back and sends only those still missing.
func (a *applier) setSubscriptionPrices(ctx context.Context, subID string, missing []priceTarget, stale []string) error {
	for _, id := range stale {
		if _, err := a.c.SubscriptionPrices.Delete(ctx, id); a.call(err) != nil && !isNotFound(err) {
			return err
		}
	}
	for attempt := 1; len(missing) > 0; attempt++ {
		err := a.patchPrices(ctx, subID, missing)
		if err == nil {
			return nil
		}
		kind := upload.ClassifyCreate(err)
		if kind == upload.CreateFinal || attempt >= upload.MaxCreateAttempts || ctx.Err() != nil {
			return err
		}
		sleep(ctx, upload.RetryDelay(err, attempt))
		if kind == upload.CreateRetry {
			continue
		}
		var have []remotePrice
		rs := &remoteSub{id: subID, model: &Subscription{}}
		var c counter
		if ferr := fetchSubPrices(ctx, a.c, rs, &c); ferr != nil {
			a.reqs.add(int(c.n.Load()))
			return errors.Join(err, ferr)
		}
		a.reqs.add(int(c.n.Load()))
		have = rs.prices
		missing, _, _ = diffSubscriptionPrices("", missing, have)
	}
	return nil
}

func (a *applier) patchPrices(ctx context.Context, subID string, targets []priceTarget) error {
	included := make([]any, 0, len(targets))
	refs := make([]asc.ResourceIdentifier, 0, len(targets))
	for i, t := range targets {
		local := fmt.Sprintf("${price-%d}", i+1)
		attrs := &asc.SubscriptionPriceInlineCreateAttributes{}
		if t.start != "" {
			d, err := asc.ParseDate(t.start)
			if err != nil {
				return err
			}
			attrs.StartDate = &d
		}
		if t.preserve {
			attrs.PreserveCurrentPrice = asc.Ptr(true)
		}
		included = append(included, asc.SubscriptionPriceInlineCreate{Type: "subscriptionPrices", ID: local, Attributes: attrs,
			Relationships: &asc.SubscriptionPriceInlineCreateRelationships{
				Subscription:           &asc.Relationship{Data: asc.ToOne("subscriptions", subID)},
				Territory:              &asc.Relationship{Data: asc.ToOne("territories", t.territory)},
				SubscriptionPricePoint: &asc.Relationship{Data: asc.ToOne("subscriptionPricePoints", t.pricePoint)}}})
		refs = append(refs, asc.ResourceIdentifier{Type: "subscriptionPrices", ID: local})
	}
	a.reqs.add(1)
	_, _, err := a.c.Subscriptions.Update(ctx, subID, &asc.SubscriptionUpdateRequest{
		Data: asc.SubscriptionUpdateRequestData{ID: subID, Relationships: &asc.SubscriptionUpdateRequestRelationships{
			Prices: &asc.Relationship{Data: asc.ToMany(refs...)}}},
		Included: included})
	return err
}

// findLocale finds the localization of a locale in a parent's list, for read-back.
func findLocale[T any](seq iter.Seq2[T, error], locale string, key func(T) (locale, id string)) (string, error) {
	for l, err := range seq {
		if err != nil {
			return "", err
		}
		if loc, id := key(l); loc == locale {
			return id, nil
		}
	}
	return "", nil
}

// attrLocale reads the locale of a localization's attributes (nil when Apple sent none).
func attrLocale[A interface {
	*asc.InAppPurchaseLocalizationAttributes | *asc.SubscriptionLocalizationAttributes | *asc.SubscriptionGroupLocalizationAttributes
}](a A) string {
	switch v := any(a).(type) {
	case *asc.InAppPurchaseLocalizationAttributes:
		if v != nil {
			return v.Locale
		}
	case *asc.SubscriptionLocalizationAttributes:
		if v != nil {
			return v.Locale
		}
	case *asc.SubscriptionGroupLocalizationAttributes:
		if v != nil {
			return v.Locale
		}
	}
	return ""
}
