package products

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Change is one field whose value in the file differs from App Store Connect's.
type Change struct {
	Product string // product id, or a group's reference name
	Field   string // "referenceName", "localizations[de-DE].name", "price.territories[JPN]"
	Old     string // "" when App Store Connect has nothing
	New     string
}

func (c Change) String() string {
	return fmt.Sprintf("%s: %s: %s -> %s", c.Product, c.Field, quote(c.Old), quote(c.New))
}

func quote(s string) string {
	if s == "" {
		return "(none)"
	}
	return strconv.Quote(s)
}

// Op is one write of a push (sometimes a few reads to find a price point): creating,
// updating or replacing one resource. Ops run once their dependencies have succeeded.
type Op struct {
	Description string // "create in-app purchase com.example.coins"
	Changes     []Change
	deps        []*Op
	run         func(ctx context.Context, a *applier) error
}

// Plan is the outcome of comparing a catalog with App Store Connect.
type Plan struct {
	Changes []Change
	Ops     []*Op
	// Problems are reasons the plan cannot be pushed (a product id that would change type,
	// a subscription in another group); nothing is written when there is any.
	Problems []Problem
	// Unmanaged lists products App Store Connect has and the file does not (left alone).
	Unmanaged []string
	// Requests counts the reads planning sent (price points, territories).
	Requests int
}

// idRef is a resource id known now (it exists) or once the op that creates it has run.
type idRef struct {
	id string
	op *Op // the create, or nil
}

func (r *idRef) get() string { return r.id }

// planner builds a plan; ops that create a resource hand their idRef to ops that need it.
type planner struct {
	p      *Plan
	st     *State
	local  *Catalog
	prices *Resolver
	all    []string // every territory, for allTerritories
	// pricesOp is each subscription's price op, which its offers wait for.
	pricesOp map[string]*Op
}

func (pl *planner) op(desc string, changes []Change, deps []*Op, run func(ctx context.Context, a *applier) error) *Op {
	o := &Op{Description: desc, Changes: changes, run: run}
	for _, d := range deps {
		if d != nil {
			o.deps = append(o.deps, d)
		}
	}
	pl.p.Ops = append(pl.p.Ops, o)
	pl.p.Changes = append(pl.p.Changes, changes...)
	return o
}

func (pl *planner) problem(path, format string, a ...any) {
	pl.p.Problems = append(pl.p.Problems, Problem{Path: path, Message: fmt.Sprintf(format, a...)})
}

// NewPlan compares the catalog with App Store Connect's state and lists the writes that make
// App Store Connect match it, in the order Apple requires: a product before its
// localizations, availability and prices; a group before its subscriptions. Prices are
// resolved to Apple's price points here (the Resolver caches them for the run), so a price
// with no price point is a problem before anything is written.
func NewPlan(ctx context.Context, local *Catalog, st *State, res *Resolver) (*Plan, error) {
	pl := &planner{p: &Plan{}, st: st, local: local, prices: res, pricesOp: map[string]*Op{}}
	if needsAllTerritories(local) {
		all, err := res.Territories(ctx)
		if err != nil {
			return nil, err
		}
		pl.all = all
	}
	inFile := map[string]bool{}
	for _, p := range local.InAppPurchases {
		inFile[p.ProductID] = true
		if err := pl.iap(ctx, p); err != nil {
			return nil, err
		}
	}
	for _, g := range local.SubscriptionGroups {
		if err := pl.group(ctx, g); err != nil {
			return nil, err
		}
		for _, s := range g.Subscriptions {
			inFile[s.ProductID] = true
		}
	}
	for id := range st.iaps {
		if !inFile[id] {
			pl.p.Unmanaged = append(pl.p.Unmanaged, id)
		}
	}
	for id := range st.subs {
		if !inFile[id] {
			pl.p.Unmanaged = append(pl.p.Unmanaged, id)
		}
	}
	slices.Sort(pl.p.Unmanaged)
	pl.p.Requests = res.Requests()
	return pl.p, nil
}

func needsAllTerritories(c *Catalog) bool {
	for _, p := range c.InAppPurchases {
		if p.Availability != nil && p.Availability.AllTerritories {
			return true
		}
	}
	for _, gs := range c.Subscriptions() {
		if a := gs.Subscription.Availability; a != nil && a.AllTerritories {
			return true
		}
	}
	return false
}

func (pl *planner) iap(ctx context.Context, p *InAppPurchase) error {
	r := pl.st.iaps[p.ProductID]
	path := "inAppPurchases[" + p.ProductID + "]"
	ref := &idRef{}
	var create *Op
	if r == nil {
		create = pl.createIAP(p, ref)
	} else {
		ref.id = r.id
		if p.Type != r.model.Type {
			pl.problem(path+".type", "App Store Connect has %s as %s; Apple does not change a product's type: create a product with a new product id", p.ProductID, r.model.Type)
		}
		if p.FamilySharable != nil && !*p.FamilySharable && boolOf(r.model.FamilySharable) {
			pl.problem(path+".familySharable", "family sharing is on and Apple does not let it be turned off")
		}
		pl.updateIAP(p, r)
	}
	locIDs := map[string]string{}
	var have map[string]Localization
	if r != nil {
		locIDs, have = r.locIDs, r.model.Localizations
	}
	pl.localizations(p.ProductID, p.Localizations, have, locIDs, create, ref, iapLocalizationWriter)
	if p.Availability != nil {
		var old *Availability
		if r != nil {
			old = r.model.Availability
		}
		pl.availability(p.ProductID, p.Availability, old, create, ref, iapAvailabilityWriter)
	}
	if p.Price != nil {
		var old *Price
		if r != nil {
			old = r.model.Price
		}
		if err := pl.iapPrice(ctx, p, old, create, ref); err != nil {
			return err
		}
	}
	return nil
}

func boolOf(b *bool) bool { return b != nil && *b }

func strOf(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (pl *planner) createIAP(p *InAppPurchase, ref *idRef) *Op {
	changes := []Change{{Product: p.ProductID, Field: "(new in-app purchase)", New: p.Type + " " + p.ReferenceName}}
	o := pl.op("create in-app purchase "+p.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
		id, err := a.createIAP(ctx, p)
		ref.id = id
		return err
	})
	ref.op = o
	return o
}

func (pl *planner) updateIAP(p *InAppPurchase, r *remoteIAP) {
	var changes []Change
	upd := iapUpdate{}
	if p.ReferenceName != r.model.ReferenceName {
		changes = append(changes, Change{p.ProductID, "referenceName", r.model.ReferenceName, p.ReferenceName})
		upd.name = &p.ReferenceName
	}
	if p.ReviewNote != nil && *p.ReviewNote != strOf(r.model.ReviewNote) {
		changes = append(changes, Change{p.ProductID, "reviewNote", strOf(r.model.ReviewNote), *p.ReviewNote})
		upd.reviewNote = p.ReviewNote
	}
	if p.FamilySharable != nil && *p.FamilySharable && !boolOf(r.model.FamilySharable) {
		changes = append(changes, Change{p.ProductID, "familySharable", "false", "true"})
		upd.familySharable = p.FamilySharable
	}
	if len(changes) == 0 {
		return
	}
	id := r.id
	pl.op("update in-app purchase "+p.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
		return a.updateIAP(ctx, id, upd)
	})
}

type iapUpdate struct {
	name, reviewNote *string
	familySharable   *bool
}

// localizationWriter creates or updates one localization of a product or group.
type localizationWriter struct {
	kind   string // "in-app purchase", "subscription", "subscription group"
	create func(ctx context.Context, a *applier, parentID, locale string, l Localization, custom string) (string, error)
	update func(ctx context.Context, a *applier, id string, name, description, custom *string) error
}

// localizations plans the writes of a parent's localizations: a PATCH of the fields that
// changed, a POST for a locale App Store Connect lacks. Locales the file leaves out are
// left alone.
func (pl *planner) localizations(owner string, want, have map[string]Localization, ids map[string]string, parentOp *Op, parent *idRef, w localizationWriter) {
	pl.localizationsWith(owner, want, have, ids, parentOp, parent, w, nil, nil)
}

func (pl *planner) localizationsWith(owner string, want, have map[string]Localization, ids map[string]string, parentOp *Op, parent *idRef, w localizationWriter, wantCustom, haveCustom map[string]string) {
	for _, locale := range sortedKeys(want) {
		l := want[locale]
		old, exists := have[locale]
		field := "localizations[" + locale + "]"
		if !exists {
			changes := []Change{{owner, field + ".name", "", l.Name}}
			if l.Description != "" {
				changes = append(changes, Change{owner, field + ".description", "", l.Description})
			}
			custom := wantCustom[locale]
			if custom != "" {
				changes = append(changes, Change{owner, field + ".customAppName", "", custom})
			}
			pl.op(fmt.Sprintf("create %s localization %s of %s", w.kind, locale, owner), changes, []*Op{parentOp}, func(ctx context.Context, a *applier) error {
				_, err := w.create(ctx, a, parent.get(), locale, l, custom)
				return err
			})
			continue
		}
		var changes []Change
		var name, desc, custom *string
		if l.Name != old.Name {
			changes = append(changes, Change{owner, field + ".name", old.Name, l.Name})
			name = asPtr(l.Name)
		}
		if l.Description != old.Description {
			changes = append(changes, Change{owner, field + ".description", old.Description, l.Description})
			desc = asPtr(l.Description)
		}
		if wantCustom != nil && wantCustom[locale] != haveCustom[locale] {
			changes = append(changes, Change{owner, field + ".customAppName", haveCustom[locale], wantCustom[locale]})
			custom = asPtr(wantCustom[locale])
		}
		if len(changes) == 0 {
			continue
		}
		id := ids[locale]
		pl.op(fmt.Sprintf("update %s localization %s of %s", w.kind, locale, owner), changes, nil, func(ctx context.Context, a *applier) error {
			return w.update(ctx, a, id, name, desc, custom)
		})
	}
}

func asPtr(s string) *string { return &s }

// availabilityWriter replaces a product's availability (Apple's create replaces it).
type availabilityWriter struct {
	kind   string
	create func(ctx context.Context, a *applier, productID string, newTerritories bool, territories []string) error
}

func (pl *planner) availability(owner string, want, have *Availability, parentOp *Op, parent *idRef, w availabilityWriter) {
	territories := want.Territories
	if want.AllTerritories {
		territories = pl.all
	}
	territories = sortedUnique(territories)
	var changes []Change
	if have == nil {
		have = &Availability{}
		changes = append(changes, Change{owner, "availability", "", fmt.Sprintf("%d territories", len(territories))})
	} else {
		if want.AvailableInNewTerritories != have.AvailableInNewTerritories {
			changes = append(changes, Change{owner, "availability.availableInNewTerritories", strconv.FormatBool(have.AvailableInNewTerritories), strconv.FormatBool(want.AvailableInNewTerritories)})
		}
		added, removed := setDiff(territories, have.Territories)
		if len(added) > 0 {
			changes = append(changes, Change{owner, "availability.territories", "", "+" + strings.Join(added, " +")})
		}
		if len(removed) > 0 {
			changes = append(changes, Change{owner, "availability.territories", "-" + strings.Join(removed, " -"), ""})
		}
	}
	if len(changes) == 0 {
		return
	}
	newTerritories := want.AvailableInNewTerritories
	pl.op(fmt.Sprintf("set availability of %s %s", w.kind, owner), changes, []*Op{parentOp}, func(ctx context.Context, a *applier) error {
		return w.create(ctx, a, parent.get(), newTerritories, territories)
	})
}

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// setDiff returns what want has that have lacks, and the reverse.
func setDiff(want, have []string) (added, removed []string) {
	h := map[string]bool{}
	for _, t := range have {
		h[t] = true
	}
	w := map[string]bool{}
	for _, t := range want {
		w[t] = true
		if !h[t] {
			added = append(added, t)
		}
	}
	for _, t := range have {
		if !w[t] {
			removed = append(removed, t)
		}
	}
	slices.Sort(added)
	slices.Sort(removed)
	return added, removed
}

func (pl *planner) group(ctx context.Context, g *SubscriptionGroup) error {
	r := pl.st.groups[g.ReferenceName]
	ref := &idRef{}
	var create *Op
	if r == nil {
		changes := []Change{{g.ReferenceName, "(new subscription group)", "", g.ReferenceName}}
		name := g.ReferenceName
		create = pl.op("create subscription group "+g.ReferenceName, changes, nil, func(ctx context.Context, a *applier) error {
			id, err := a.createGroup(ctx, name)
			ref.id = id
			return err
		})
		ref.op = create
	} else {
		ref.id = r.id
	}
	want, wantCustom := groupLocalizations(g.Localizations)
	var have map[string]Localization
	var haveCustom map[string]string
	ids := map[string]string{}
	if r != nil {
		have, haveCustom = groupLocalizations(r.model.Localizations)
		ids = r.locIDs
	}
	if g.Localizations != nil {
		pl.localizationsWith(g.ReferenceName, want, have, ids, create, ref, groupLocalizationWriter, wantCustom, haveCustom)
	}
	for _, s := range g.Subscriptions {
		if err := pl.subscription(ctx, g, s, create, ref); err != nil {
			return err
		}
	}
	return nil
}

// groupLocalizations splits group localizations into the shape products use plus custom
// app names, so one planner handles both.
func groupLocalizations(m map[string]GroupLocalization) (map[string]Localization, map[string]string) {
	if m == nil {
		return nil, nil
	}
	locs, custom := map[string]Localization{}, map[string]string{}
	for k, v := range m {
		locs[k] = Localization{Name: v.Name}
		custom[k] = v.CustomAppName
	}
	return locs, custom
}

func (pl *planner) subscription(ctx context.Context, g *SubscriptionGroup, s *Subscription, groupOp *Op, group *idRef) error {
	r := pl.st.subs[s.ProductID]
	path := "subscriptionGroups[" + g.ReferenceName + "].subscriptions[" + s.ProductID + "]"
	ref := &idRef{}
	var create *Op
	if r == nil {
		if _, isIAP := pl.st.iaps[s.ProductID]; isIAP {
			pl.problem(path, "App Store Connect has %s as an in-app purchase; product ids are unique across an app", s.ProductID)
			return nil
		}
		changes := []Change{{s.ProductID, "(new subscription)", "", s.Period + " " + s.ReferenceName}}
		create = pl.op("create subscription "+s.ProductID, changes, []*Op{groupOp}, func(ctx context.Context, a *applier) error {
			id, err := a.createSubscription(ctx, group.get(), s)
			ref.id = id
			return err
		})
		ref.op = create
	} else {
		ref.id = r.id
		if r.group != nil && r.group.model.ReferenceName != g.ReferenceName {
			pl.problem(path, "App Store Connect has %s in group %s; Apple does not move subscriptions between groups", s.ProductID, r.group.model.ReferenceName)
		}
		if s.FamilySharable != nil && !*s.FamilySharable && boolOf(r.model.FamilySharable) {
			pl.problem(path+".familySharable", "family sharing is on and Apple does not let it be turned off")
		}
		pl.updateSubscription(s, r)
	}
	locIDs := map[string]string{}
	var have map[string]Localization
	if r != nil {
		locIDs, have = r.locIDs, r.model.Localizations
	}
	pl.localizations(s.ProductID, s.Localizations, have, locIDs, create, ref, subLocalizationWriter)
	if s.Availability != nil {
		var old *Availability
		if r != nil {
			old = r.model.Availability
		}
		pl.availability(s.ProductID, s.Availability, old, create, ref, subAvailabilityWriter)
	}
	if s.Price != nil {
		if err := pl.subPrice(ctx, s, r, create, ref); err != nil {
			return err
		}
	}
	if s.IntroductoryOffers != nil {
		defaults, err := pl.offerDefaults(ctx, s, r)
		if err != nil {
			return err
		}
		if err := pl.planIntro(ctx, s, r, create, ref, defaults); err != nil {
			return err
		}
	}
	if s.PromotionalOffers != nil || s.OfferCodes != nil || s.WinBackOffers != nil {
		if err := pl.planOffers(ctx, s, r, create, ref, path); err != nil {
			return err
		}
	}
	return nil
}

func (pl *planner) updateSubscription(s *Subscription, r *remoteSub) {
	var changes []Change
	upd := subUpdate{}
	if s.ReferenceName != r.model.ReferenceName {
		changes = append(changes, Change{s.ProductID, "referenceName", r.model.ReferenceName, s.ReferenceName})
		upd.name = &s.ReferenceName
	}
	if s.Period != r.model.Period {
		changes = append(changes, Change{s.ProductID, "period", r.model.Period, s.Period})
		upd.period = &s.Period
	}
	if s.GroupLevel != 0 && s.GroupLevel != r.model.GroupLevel {
		changes = append(changes, Change{s.ProductID, "groupLevel", strconv.Itoa(r.model.GroupLevel), strconv.Itoa(s.GroupLevel)})
		upd.level = &s.GroupLevel
	}
	if s.ReviewNote != nil && *s.ReviewNote != strOf(r.model.ReviewNote) {
		changes = append(changes, Change{s.ProductID, "reviewNote", strOf(r.model.ReviewNote), *s.ReviewNote})
		upd.reviewNote = s.ReviewNote
	}
	if s.FamilySharable != nil && *s.FamilySharable && !boolOf(r.model.FamilySharable) {
		changes = append(changes, Change{s.ProductID, "familySharable", "false", "true"})
		upd.familySharable = s.FamilySharable
	}
	if len(changes) == 0 {
		return
	}
	id := r.id
	pl.op("update subscription "+s.ProductID, changes, nil, func(ctx context.Context, a *applier) error {
		return a.updateSubscription(ctx, id, upd)
	})
}

type subUpdate struct {
	name, period, reviewNote *string
	level                    *int
	familySharable           *bool
}
