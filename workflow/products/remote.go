package products

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ascend-tools/ascend/asc"
)

// State is what App Store Connect has for an app, in the catalog's terms (Catalog) and with
// the ids a push needs.
type State struct {
	AppID   string
	Catalog *Catalog
	// Requests counts the reads Fetch sent.
	Requests int

	iaps   map[string]*remoteIAP   // by product id
	groups map[string]*remoteGroup // by reference name
	subs   map[string]*remoteSub   // by product id
	dups   atomic.Int64            // resources met twice (see Duplicates)
	only   string                  // the one product id read, "" for all
}

// Duplicates counts what App Store Connect holds twice: two products of one product id,
// two groups of one reference name, two localizations of one locale, two prices of a
// subscription for one territory and start date. A push never makes any; a count above zero
// means someone else did.
func (st *State) Duplicates() int {
	n := int(st.dups.Load())
	for _, rs := range st.subs {
		seen := map[string]bool{}
		for _, p := range rs.prices {
			key := p.territory + "|" + p.start
			if seen[key] {
				n++
			}
			seen[key] = true
		}
	}
	return n
}

// ID is App Store Connect's id of the in-app purchase or subscription of a product id, ""
// when it has none.
func (st *State) ID(productID string) string {
	if r := st.iaps[productID]; r != nil {
		return r.id
	}
	if r := st.subs[productID]; r != nil {
		return r.id
	}
	return ""
}

type remoteIAP struct {
	id, state      string
	locIDs         map[string]string // locale -> localization id
	availabilityID string
	scheduleID     string
	model          *InAppPurchase
}

type remoteGroup struct {
	id     string
	locIDs map[string]string
	model  *SubscriptionGroup
}

type remoteSub struct {
	id, state      string
	group          *remoteGroup
	locIDs         map[string]string
	availabilityID string
	prices         []remotePrice
	intro          []remoteOffer
	introRead      bool
	offers         *remoteOffers // nil until read
	model          *Subscription
}

// remotePrice is one subscription price: a territory's price point from a start date.
type remotePrice struct {
	id, territory, start, pricePoint, customerPrice string
}

// counter counts requests from several goroutines.
type counter struct{ n atomic.Int64 }

func (c *counter) add(n int) { c.n.Add(int64(n)) }

// Fetch reads the app's in-app purchases and subscriptions with as few requests as Apple
// allows: one list of in-app purchases with their localizations, availability, price schedule
// and review screenshot included; one list of subscription groups with their localizations
// and subscriptions; then, in parallel, what no include reaches (each product's territories
// and prices, each group's subscriptions' localizations).
func Fetch(ctx context.Context, c *asc.Client, appID string) (*State, error) {
	return fetch(ctx, c, appID, "")
}

// fetch reads the app's products, or only the one of productID (with its group) when given.
func fetch(ctx context.Context, c *asc.Client, appID, productID string) (*State, error) {
	st := &State{AppID: appID, Catalog: &Catalog{}, iaps: map[string]*remoteIAP{}, groups: map[string]*remoteGroup{}, subs: map[string]*remoteSub{}, only: productID}
	var reqs counter
	var mu sync.Mutex
	g := newGroup(ctx, 8)
	g.Go(func(ctx context.Context) error { return fetchIAPs(ctx, c, st, &reqs, &mu, g) })
	g.Go(func(ctx context.Context) error { return fetchGroups(ctx, c, st, &reqs, &mu, g) })
	err := g.Wait()
	st.Requests = int(reqs.n.Load())
	if err != nil {
		return nil, err
	}
	st.Catalog.Sort()
	return st, nil
}

func fetchIAPs(ctx context.Context, c *asc.Client, st *State, reqs *counter, mu *sync.Mutex, g *group) error {
	opts := &asc.AppsListInAppPurchasesV2Options{Limit: 200, LimitInAppPurchaseLocalizations: 50,
		Include: []string{"inAppPurchaseLocalizations", "inAppPurchaseAvailability", "iapPriceSchedule", "appStoreReviewScreenshot"}}
	if st.only != "" {
		opts.FilterProductID = []string{st.only}
	}
	page, _, err := c.Apps.ListInAppPurchasesV2(ctx, st.AppID, opts)
	reqs.add(1)
	for err == nil {
		inc := indexIncluded(page.Included)
		for _, p := range page.Data {
			r := iapFromResource(p, inc)
			mu.Lock()
			if _, dup := st.iaps[r.model.ProductID]; dup {
				st.dups.Add(1)
			}
			st.iaps[r.model.ProductID] = r
			st.Catalog.InAppPurchases = append(st.Catalog.InAppPurchases, r.model)
			mu.Unlock()
			if p.Relationships != nil && relTotal(p.Relationships.InAppPurchaseLocalizations) > len(r.locIDs) {
				g.Go(func(ctx context.Context) error { return fetchIAPLocalizations(ctx, c, r, reqs) })
			}
			if r.availabilityID != "" {
				g.Go(func(ctx context.Context) error { return fetchIAPTerritories(ctx, c, r, reqs) })
			}
			if r.scheduleID != "" {
				g.Go(func(ctx context.Context) error { return fetchIAPSchedule(ctx, c, r, reqs) })
			}
		}
		if page.Links.Next == "" {
			return nil
		}
		page, err = nextPage[asc.InAppPurchasesV2Response](ctx, c, page.Links.Next)
		reqs.add(1)
	}
	return fmt.Errorf("read in-app purchases: %w", err)
}

func iapFromResource(p asc.InAppPurchaseV2, inc map[string]asc.IncludedResource) *remoteIAP {
	a := p.Attributes
	if a == nil {
		a = &asc.InAppPurchaseV2Attributes{}
	}
	m := &InAppPurchase{ProductID: a.ProductID, ReferenceName: a.Name, Type: string(a.InAppPurchaseType),
		FamilySharable: asc.Ptr(a.FamilySharable != nil && *a.FamilySharable), ReviewNote: asc.Ptr(a.ReviewNote)}
	r := &remoteIAP{id: p.ID, state: string(a.State), locIDs: map[string]string{}, model: m}
	rels := p.Relationships
	if rels == nil {
		return r
	}
	for _, id := range relIDs(rels.InAppPurchaseLocalizations) {
		if l, ok := inc["inAppPurchaseLocalizations/"+id].(*asc.InAppPurchaseLocalization); ok && l.Attributes != nil {
			r.addLocalization(l.ID, l.Attributes.Locale, l.Attributes.Name, l.Attributes.Description)
		}
	}
	if ids := relIDs(rels.InAppPurchaseAvailability); len(ids) == 1 {
		r.availabilityID = ids[0]
		avail := &Availability{}
		if a, ok := inc["inAppPurchaseAvailabilities/"+ids[0]].(*asc.InAppPurchaseAvailability); ok && a.Attributes != nil && a.Attributes.AvailableInNewTerritories != nil {
			avail.AvailableInNewTerritories = *a.Attributes.AvailableInNewTerritories
		}
		m.Availability = avail
	}
	if ids := relIDs(rels.IapPriceSchedule); len(ids) == 1 {
		r.scheduleID = ids[0]
	}
	if ids := relIDs(rels.AppStoreReviewScreenshot); len(ids) == 1 {
		if s, ok := inc["inAppPurchaseAppStoreReviewScreenshots/"+ids[0]].(*asc.InAppPurchaseAppStoreReviewScreenshot); ok && s.Attributes != nil {
			m.ReviewScreenshot = asc.Ptr(s.Attributes.FileName)
		}
	}
	return r
}

func (r *remoteIAP) addLocalization(id, locale, name, description string) {
	if r.model.Localizations == nil {
		r.model.Localizations = map[string]Localization{}
	}
	r.locIDs[locale] = id
	r.model.Localizations[locale] = Localization{Name: name, Description: description}
}

func fetchIAPLocalizations(ctx context.Context, c *asc.Client, r *remoteIAP, reqs *counter) error {
	reqs.add(1)
	for l, err := range c.InAppPurchasesV2.ListLocalizationsIter(ctx, r.id, &asc.InAppPurchasesV2ListLocalizationsOptions{Limit: 200}) {
		if err != nil {
			return fmt.Errorf("read localizations of %s: %w", r.model.ProductID, err)
		}
		if l.Attributes != nil {
			r.addLocalization(l.ID, l.Attributes.Locale, l.Attributes.Name, l.Attributes.Description)
		}
	}
	return nil
}

func fetchIAPTerritories(ctx context.Context, c *asc.Client, r *remoteIAP, reqs *counter) error {
	var codes []string
	reqs.add(1)
	for t, err := range c.InAppPurchaseAvailabilities.ListAvailableTerritoriesIter(ctx, r.availabilityID, &asc.InAppPurchaseAvailabilitiesListAvailableTerritoriesOptions{Limit: 200}) {
		if err != nil {
			return fmt.Errorf("read the territories of %s: %w", r.model.ProductID, err)
		}
		codes = append(codes, t.ID)
	}
	slices.Sort(codes)
	r.model.Availability.Territories = codes
	return nil
}

// fetchIAPSchedule reads a price schedule's base territory and its manual prices with their
// price points and territories (two requests: no include reaches a price's price point).
func fetchIAPSchedule(ctx context.Context, c *asc.Client, r *remoteIAP, reqs *counter) error {
	sched, _, err := c.InAppPurchasePriceSchedules.Get(ctx, r.scheduleID, &asc.InAppPurchasePriceSchedulesGetOptions{Include: []string{"baseTerritory"}})
	reqs.add(1)
	if err != nil {
		if isNotFound(err) {
			return nil // no schedule yet
		}
		return fmt.Errorf("read the price schedule of %s: %w", r.model.ProductID, err)
	}
	base := ""
	if sched.Data.Relationships != nil {
		if ids := relIDs(sched.Data.Relationships.BaseTerritory); len(ids) == 1 {
			base = ids[0]
		}
	}
	var intervals []interval
	opts := &asc.InAppPurchasePriceSchedulesListManualPricesOptions{Limit: 200, Include: []string{"inAppPurchasePricePoint", "territory"}}
	page, _, err := c.InAppPurchasePriceSchedules.ListManualPrices(ctx, r.scheduleID, opts)
	reqs.add(1)
	for err == nil {
		inc := indexIncluded(page.Included)
		for _, p := range page.Data {
			iv := interval{}
			if p.Attributes != nil {
				iv.start, iv.end = dateString(p.Attributes.StartDate), dateString(p.Attributes.EndDate)
			}
			if p.Relationships != nil {
				if ids := relIDs(p.Relationships.Territory); len(ids) == 1 {
					iv.territory = ids[0]
				}
				if ids := relIDs(p.Relationships.InAppPurchasePricePoint); len(ids) == 1 {
					iv.pricePoint = ids[0]
					if pp, ok := inc["inAppPurchasePricePoints/"+ids[0]].(*asc.InAppPurchasePricePoint); ok && pp.Attributes != nil {
						iv.price = pp.Attributes.CustomerPrice
					}
				}
			}
			intervals = append(intervals, iv)
		}
		if page.Links.Next == "" {
			break
		}
		page, err = nextPage[asc.InAppPurchasePricesResponse](ctx, c, page.Links.Next)
		reqs.add(1)
	}
	if err != nil {
		return fmt.Errorf("read the prices of %s: %w", r.model.ProductID, err)
	}
	if base != "" {
		r.model.Price = scheduleFromIntervals(base, intervals, today())
	}
	return nil
}

func fetchGroups(ctx context.Context, c *asc.Client, st *State, reqs *counter, mu *sync.Mutex, g *group) error {
	opts := &asc.AppsListSubscriptionGroupsOptions{Limit: 200, LimitSubscriptionGroupLocalizations: 50,
		Include: []string{"subscriptionGroupLocalizations"}}
	page, _, err := c.Apps.ListSubscriptionGroups(ctx, st.AppID, opts)
	reqs.add(1)
	for err == nil {
		inc := indexIncluded(page.Included)
		for _, gr := range page.Data {
			name := ""
			if gr.Attributes != nil {
				name = gr.Attributes.ReferenceName
			}
			rg := &remoteGroup{id: gr.ID, locIDs: map[string]string{}, model: &SubscriptionGroup{ReferenceName: name}}
			if gr.Relationships != nil {
				for _, id := range relIDs(gr.Relationships.SubscriptionGroupLocalizations) {
					if l, ok := inc["subscriptionGroupLocalizations/"+id].(*asc.SubscriptionGroupLocalization); ok && l.Attributes != nil {
						if rg.model.Localizations == nil {
							rg.model.Localizations = map[string]GroupLocalization{}
						}
						rg.locIDs[l.Attributes.Locale] = l.ID
						rg.model.Localizations[l.Attributes.Locale] = GroupLocalization{Name: l.Attributes.Name, CustomAppName: l.Attributes.CustomAppName}
					}
				}
			}
			mu.Lock()
			if _, dup := st.groups[name]; dup {
				st.dups.Add(1)
			}
			st.groups[name] = rg
			st.Catalog.SubscriptionGroups = append(st.Catalog.SubscriptionGroups, rg.model)
			mu.Unlock()
			g.Go(func(ctx context.Context) error { return fetchSubscriptions(ctx, c, st, rg, reqs, mu, g) })
		}
		if page.Links.Next == "" {
			return nil
		}
		page, err = nextPage[asc.SubscriptionGroupsResponse](ctx, c, page.Links.Next)
		reqs.add(1)
	}
	return fmt.Errorf("read subscription groups: %w", err)
}

func fetchSubscriptions(ctx context.Context, c *asc.Client, st *State, rg *remoteGroup, reqs *counter, mu *sync.Mutex, g *group) error {
	opts := &asc.SubscriptionGroupsListSubscriptionsOptions{Limit: 200, LimitSubscriptionLocalizations: 50,
		Include: []string{"subscriptionLocalizations", "subscriptionAvailability", "appStoreReviewScreenshot"}}
	if st.only != "" {
		opts.FilterProductID = []string{st.only}
	}
	page, _, err := c.SubscriptionGroups.ListSubscriptions(ctx, rg.id, opts)
	reqs.add(1)
	for err == nil {
		inc := indexIncluded(page.Included)
		var models []*Subscription
		for _, s := range page.Data {
			rs := subFromResource(s, inc)
			rs.group = rg
			models = append(models, rs.model)
			mu.Lock()
			if _, dup := st.subs[rs.model.ProductID]; dup {
				st.dups.Add(1)
			}
			st.subs[rs.model.ProductID] = rs
			mu.Unlock()
			if rs.availabilityID != "" {
				g.Go(func(ctx context.Context) error { return fetchSubTerritories(ctx, c, rs, reqs) })
			}
			g.Go(func(ctx context.Context) error { return fetchSubPrices(ctx, c, rs, reqs) })
		}
		mu.Lock()
		rg.model.Subscriptions = append(rg.model.Subscriptions, models...)
		mu.Unlock()
		if page.Links.Next == "" {
			return nil
		}
		page, err = nextPage[asc.SubscriptionsResponse](ctx, c, page.Links.Next)
		reqs.add(1)
	}
	return fmt.Errorf("read the subscriptions of group %s: %w", rg.model.ReferenceName, err)
}

func subFromResource(s asc.Subscription, inc map[string]asc.IncludedResource) *remoteSub {
	a := s.Attributes
	if a == nil {
		a = &asc.SubscriptionAttributes{}
	}
	m := &Subscription{ProductID: a.ProductID, ReferenceName: a.Name, Period: string(a.SubscriptionPeriod),
		FamilySharable: asc.Ptr(a.FamilySharable != nil && *a.FamilySharable), ReviewNote: asc.Ptr(a.ReviewNote)}
	if a.GroupLevel != nil {
		m.GroupLevel = *a.GroupLevel
	}
	rs := &remoteSub{id: s.ID, state: string(a.State), locIDs: map[string]string{}, model: m}
	rels := s.Relationships
	if rels == nil {
		return rs
	}
	for _, id := range relIDs(rels.SubscriptionLocalizations) {
		if l, ok := inc["subscriptionLocalizations/"+id].(*asc.SubscriptionLocalization); ok && l.Attributes != nil {
			if m.Localizations == nil {
				m.Localizations = map[string]Localization{}
			}
			rs.locIDs[l.Attributes.Locale] = l.ID
			m.Localizations[l.Attributes.Locale] = Localization{Name: l.Attributes.Name, Description: l.Attributes.Description}
		}
	}
	if ids := relIDs(rels.SubscriptionAvailability); len(ids) == 1 {
		rs.availabilityID = ids[0]
		avail := &Availability{}
		if a, ok := inc["subscriptionAvailabilities/"+ids[0]].(*asc.SubscriptionAvailability); ok && a.Attributes != nil && a.Attributes.AvailableInNewTerritories != nil {
			avail.AvailableInNewTerritories = *a.Attributes.AvailableInNewTerritories
		}
		m.Availability = avail
	}
	if ids := relIDs(rels.AppStoreReviewScreenshot); len(ids) == 1 {
		if sc, ok := inc["subscriptionAppStoreReviewScreenshots/"+ids[0]].(*asc.SubscriptionAppStoreReviewScreenshot); ok && sc.Attributes != nil {
			m.ReviewScreenshot = asc.Ptr(sc.Attributes.FileName)
		}
	}
	return rs
}

func fetchSubTerritories(ctx context.Context, c *asc.Client, rs *remoteSub, reqs *counter) error {
	var codes []string
	reqs.add(1)
	for t, err := range c.SubscriptionAvailabilities.ListAvailableTerritoriesIter(ctx, rs.availabilityID, &asc.SubscriptionAvailabilitiesListAvailableTerritoriesOptions{Limit: 200}) {
		if err != nil {
			return fmt.Errorf("read the territories of %s: %w", rs.model.ProductID, err)
		}
		codes = append(codes, t.ID)
	}
	slices.Sort(codes)
	rs.model.Availability.Territories = codes
	return nil
}

// fetchSubPrices reads a subscription's prices with their price points and territories.
func fetchSubPrices(ctx context.Context, c *asc.Client, rs *remoteSub, reqs *counter) error {
	opts := &asc.SubscriptionsListPricesOptions{Limit: 200, Include: []string{"subscriptionPricePoint", "territory"}}
	page, _, err := c.Subscriptions.ListPrices(ctx, rs.id, opts)
	reqs.add(1)
	for err == nil {
		inc := indexIncluded(page.Included)
		for _, p := range page.Data {
			rp := remotePrice{id: p.ID}
			if p.Attributes != nil {
				rp.start = dateString(p.Attributes.StartDate)
			}
			if p.Relationships != nil {
				if ids := relIDs(p.Relationships.Territory); len(ids) == 1 {
					rp.territory = ids[0]
				}
				if ids := relIDs(p.Relationships.SubscriptionPricePoint); len(ids) == 1 {
					rp.pricePoint = ids[0]
					if pp, ok := inc["subscriptionPricePoints/"+ids[0]].(*asc.SubscriptionPricePoint); ok && pp.Attributes != nil {
						rp.customerPrice = pp.Attributes.CustomerPrice
					}
				}
			}
			rs.prices = append(rs.prices, rp)
		}
		if page.Links.Next == "" {
			return nil
		}
		page, err = nextPage[asc.SubscriptionPricesResponse](ctx, c, page.Links.Next)
		reqs.add(1)
	}
	return fmt.Errorf("read the prices of %s: %w", rs.model.ProductID, err)
}

// nextPage follows a links.next (an absolute URL on the API's host) into a typed page.
func nextPage[T any](ctx context.Context, c *asc.Client, next string) (*T, error) {
	var out T
	if _, err := c.Do(ctx, http.MethodGet, next, nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func indexIncluded(inc []asc.IncludedResource) map[string]asc.IncludedResource {
	out := make(map[string]asc.IncludedResource, len(inc))
	for _, r := range inc {
		out[r.ResourceType()+"/"+r.ResourceID()] = r
	}
	return out
}

func relIDs(r *asc.Relationship) []string {
	if r == nil {
		return nil
	}
	var out []string
	for _, id := range r.Data.IDs() {
		out = append(out, id.ID)
	}
	return out
}

func relTotal(r *asc.Relationship) int {
	if r == nil {
		return 0
	}
	var meta struct {
		Paging struct {
			Total int `json:"total"`
		} `json:"paging"`
	}
	if len(r.Meta) > 0 && json.Unmarshal(r.Meta, &meta) == nil {
		return meta.Paging.Total
	}
	return len(r.Data.IDs())
}

func dateString(d *asc.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	return d.Format("2006-01-02")
}

func isNotFound(err error) bool {
	var er *asc.ErrorResponse
	return errors.As(err, &er) && er.StatusCode == http.StatusNotFound
}

// group runs functions with bounded concurrency, the first error cancelling the rest; a
// running function may add more.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	sem    chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
	err    error
}

func newGroup(ctx context.Context, n int) *group {
	ctx, cancel := context.WithCancel(ctx)
	return &group{ctx: ctx, cancel: cancel, sem: make(chan struct{}, n)}
}

func (g *group) Go(f func(ctx context.Context) error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		select {
		case g.sem <- struct{}{}:
		case <-g.ctx.Done():
			g.fail(g.ctx.Err())
			return
		}
		err := f(g.ctx)
		<-g.sem
		if err != nil {
			g.fail(err)
		}
	}()
}

func (g *group) fail(err error) {
	g.once.Do(func() {
		g.err = err
		g.cancel()
	})
}

func (g *group) Wait() error {
	g.wg.Wait()
	g.cancel()
	return g.err
}
