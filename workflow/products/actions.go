package products

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/asc"
)

// The single-product jobs behind the gateway's curated actions: list an app's products,
// read one with its prices, change its price, create one. Each goes through the same plan
// and apply as a push, so the same checks and read-backs hold.

// Summary is one product of an app, as a list shows it.
type Summary struct {
	ID            string `json:"id"`
	ProductID     string `json:"productId"`
	ReferenceName string `json:"referenceName"`
	Kind          string `json:"kind"` // CONSUMABLE, NON_CONSUMABLE, NON_RENEWING_SUBSCRIPTION or AUTO_RENEWABLE_SUBSCRIPTION
	State         string `json:"state"`
	Group         string `json:"group,omitempty"` // a subscription's group
}

// List returns an app's in-app purchases and subscriptions in two requests (three or more
// only past 200 products or 50 subscriptions in a group), sorted by product id.
func List(ctx context.Context, c *asc.Client, appID string) ([]Summary, error) {
	var out []Summary
	for p, err := range c.Apps.ListInAppPurchasesV2Iter(ctx, appID, &asc.AppsListInAppPurchasesV2Options{Limit: 200}) {
		if err != nil {
			return nil, fmt.Errorf("list in-app purchases: %w", err)
		}
		if p.Attributes != nil {
			out = append(out, Summary{ID: p.ID, ProductID: p.Attributes.ProductID, ReferenceName: p.Attributes.Name, Kind: string(p.Attributes.InAppPurchaseType), State: string(p.Attributes.State)})
		}
	}
	page, _, err := c.Apps.ListSubscriptionGroups(ctx, appID, &asc.AppsListSubscriptionGroupsOptions{Limit: 200, Include: []string{"subscriptions"}, LimitSubscriptions: 50})
	for err == nil {
		subs := map[string]*asc.Subscription{}
		for _, inc := range page.Included {
			if s, ok := inc.(*asc.Subscription); ok {
				subs[s.ID] = s
			}
		}
		for _, g := range page.Data {
			name := ""
			if g.Attributes != nil {
				name = g.Attributes.ReferenceName
			}
			var rel *asc.Relationship
			if g.Relationships != nil {
				rel = g.Relationships.Subscriptions
			}
			add := func(s *asc.Subscription) {
				if s.Attributes != nil {
					out = append(out, Summary{ID: s.ID, ProductID: s.Attributes.ProductID, ReferenceName: s.Attributes.Name, Kind: "AUTO_RENEWABLE_SUBSCRIPTION", State: string(s.Attributes.State), Group: name})
				}
			}
			if relTotal(rel) > len(relIDs(rel)) {
				for s, err := range c.SubscriptionGroups.ListSubscriptionsIter(ctx, g.ID, &asc.SubscriptionGroupsListSubscriptionsOptions{Limit: 200}) {
					if err != nil {
						return nil, fmt.Errorf("list the subscriptions of %s: %w", name, err)
					}
					add(&s)
				}
				continue
			}
			for _, id := range relIDs(rel) {
				if s := subs[id]; s != nil {
					add(s)
				}
			}
		}
		if page.Links.Next == "" {
			break
		}
		page, err = nextPage[asc.SubscriptionGroupsResponse](ctx, c, page.Links.Next)
	}
	if err != nil {
		return nil, fmt.Errorf("list subscription groups: %w", err)
	}
	slices.SortFunc(out, func(a, b Summary) int { return strings.Compare(a.ProductID, b.ProductID) })
	return out, nil
}

// Product is one product in the catalog's terms: an in-app purchase, or a subscription with
// its group, with its localizations, availability and prices.
type Product struct {
	ID            string             `json:"id"`
	State         string             `json:"state"`
	InAppPurchase *InAppPurchase     `json:"inAppPurchase,omitempty"`
	Group         *SubscriptionGroup `json:"group,omitempty"` // holding only the subscription
	Subscription  *Subscription      `json:"subscription,omitempty"`
}

// NotFoundError is a product id the app does not have.
type NotFoundError struct{ ProductID string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("the app has no product %s", e.ProductID)
}

// ExistsError is a product id the app has already, refused by Create.
type ExistsError struct{ ProductID string }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("the app already has a product %s; product ids are unique across an app", e.ProductID)
}

// Get reads one product by product id with its prices (a handful of requests, filtered by
// product id; a subscription's prices in the file's terms, from its base price's equalization).
func Get(ctx context.Context, c *asc.Client, appID, productID string) (*Product, *State, error) {
	st, err := fetch(ctx, c, appID, productID)
	if err != nil {
		return nil, nil, err
	}
	if r := st.iaps[productID]; r != nil {
		return &Product{ID: r.id, State: r.state, InAppPurchase: r.model}, st, nil
	}
	rs := st.subs[productID]
	if rs == nil {
		return nil, st, &NotFoundError{ProductID: productID}
	}
	if len(rs.prices) > 0 {
		p, err := NewResolver(c, st).subscriptionPrice(ctx, rs, "")
		if err != nil {
			return nil, st, err
		}
		rs.model.Price = p
	}
	g := &SubscriptionGroup{ReferenceName: rs.group.model.ReferenceName, Localizations: rs.group.model.Localizations, Subscriptions: []*Subscription{rs.model}}
	return &Product{ID: rs.id, State: rs.state, Group: g, Subscription: rs.model}, st, nil
}

// SetPrice changes a product's price in its base territory from now (territory "" keeps its
// base territory), leaving its manual prices and scheduled changes as they are, with the
// checks of a push (the price must be a price point). It returns what it changed.
func SetPrice(ctx context.Context, c *asc.Client, appID, productID, territory, price string) (*Plan, Result, error) {
	prod, st, err := Get(ctx, c, appID, productID)
	if err != nil {
		return nil, Result{}, err
	}
	cat := &Catalog{}
	var p **Price
	// Copies: the fetched models are App Store Connect's side of the comparison.
	if prod.InAppPurchase != nil {
		iap := *prod.InAppPurchase
		cat.InAppPurchases = []*InAppPurchase{&iap}
		p = &iap.Price
	} else {
		sub, g := *prod.Subscription, *prod.Group
		g.Subscriptions = []*Subscription{&sub}
		cat.SubscriptionGroups = []*SubscriptionGroup{&g}
		p = &sub.Price
	}
	if *p == nil {
		if territory == "" {
			territory = "USA"
		}
		*p = &Price{BaseTerritory: territory}
	} else {
		next := **p
		next.Territories = cloneMap(next.Territories)
		*p = &next
	}
	if territory != "" && territory != (*p).BaseTerritory {
		(*p).BaseTerritory = territory
		delete((*p).Territories, territory)
	}
	(*p).Price = price
	if problems := Validate(cat, ValidateOptions{}); len(problems) > 0 {
		return nil, Result{}, &ValidationError{Dir: "the price", Problems: problems}
	}
	// Only the price is compared: the product's other fields are App Store Connect's own.
	return planAndApply(ctx, c, st, cat)
}

// Create makes one product, an in-app purchase or (with group, created when missing) a
// subscription, with what it gives: localizations, availability, price. A product id the
// app has already is refused.
func Create(ctx context.Context, c *asc.Client, appID string, iap *InAppPurchase, group string, sub *Subscription) (*Plan, Result, error) {
	productID := ""
	cat := &Catalog{}
	switch {
	case iap != nil:
		productID = iap.ProductID
		cat.InAppPurchases = []*InAppPurchase{iap}
	case sub != nil:
		productID = sub.ProductID
		cat.SubscriptionGroups = []*SubscriptionGroup{{ReferenceName: group, Subscriptions: []*Subscription{sub}}}
	default:
		return nil, Result{}, fmt.Errorf("give an in-app purchase or a subscription")
	}
	if problems := Validate(cat, ValidateOptions{}); len(problems) > 0 {
		return nil, Result{}, &ValidationError{Dir: "the product", Problems: problems}
	}
	st, err := fetch(ctx, c, appID, productID)
	if err != nil {
		return nil, Result{}, err
	}
	if st.iaps[productID] != nil || st.subs[productID] != nil {
		return nil, Result{}, &ExistsError{ProductID: productID}
	}
	return planAndApply(ctx, c, st, cat)
}

func planAndApply(ctx context.Context, c *asc.Client, st *State, cat *Catalog) (*Plan, Result, error) {
	res := NewResolver(c, st)
	p, err := NewPlan(ctx, cat, st, res)
	if err != nil {
		return nil, Result{}, err
	}
	r, err := Apply(ctx, c, st.AppID, p, res, ApplyOptions{})
	r.Requests += st.Requests + p.Requests
	return p, r, err
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
