// Package pricing is the app's own price and availability: its price schedule (a base
// territory and price that Apple equalizes, manual prices, scheduled changes) and the
// territories it is sold in. Prices use the catalog's model (products.Price), its checks and
// its price point resolution, so an app and its products are priced the same way.
package pricing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/products"
)

// State is an app's price schedule and availability on App Store Connect.
type State struct {
	AppID    string
	Schedule *products.Price // nil: the app has no price schedule
	// Availability: nil when the app has none yet.
	Availability *Availability
	Requests     int

	availabilityID string
	territoryIDs   map[string]string // territory -> territoryAvailabilities id
}

// Availability is where an app is on sale.
type Availability struct {
	AvailableInNewTerritories bool     `json:"availableInNewTerritories"`
	Territories               []string `json:"territories"` // the available ones, sorted
}

// Fetch reads the app's schedule (two requests: the schedule with its base territory, its
// manual prices with their price points) and availability (two: the availability, its
// territories 200 at a time), the two in parallel.
func Fetch(ctx context.Context, c *asc.Client, appID string) (*State, error) {
	st := &State{AppID: appID, territoryIDs: map[string]string{}}
	var schedErr, availErr error
	var schedReqs, availReqs int
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.Schedule, schedReqs, schedErr = fetchSchedule(ctx, c, appID)
	}()
	availReqs, availErr = fetchAvailability(ctx, c, st)
	<-done
	st.Requests = schedReqs + availReqs
	if err := errors.Join(schedErr, availErr); err != nil {
		return nil, err
	}
	return st, nil
}

func fetchSchedule(ctx context.Context, c *asc.Client, appID string) (*products.Price, int, error) {
	sched, _, err := c.Apps.GetPriceSchedule(ctx, appID, &asc.AppsGetPriceScheduleOptions{Include: []string{"baseTerritory"}})
	if err != nil {
		return nil, 1, fmt.Errorf("read the app's price schedule: %w", err)
	}
	base := ""
	if sched.Data.Relationships != nil && sched.Data.Relationships.BaseTerritory != nil {
		if ids := sched.Data.Relationships.BaseTerritory.Data.IDs(); len(ids) == 1 {
			base = ids[0].ID
		}
	}
	if sched.Data.ID == "" || base == "" {
		return nil, 1, nil
	}
	var ivs []products.Interval
	points := map[string]string{}
	reqs := 1
	opts := &asc.AppPriceSchedulesListManualPricesOptions{Limit: 200, Include: []string{"appPricePoint", "territory"}}
	page, _, err := c.AppPriceSchedules.ListManualPrices(ctx, sched.Data.ID, opts)
	reqs++
	for err == nil {
		for _, inc := range page.Included {
			if pp, ok := inc.(*asc.AppPricePointV3); ok && pp.Attributes != nil {
				points[pp.ID] = pp.Attributes.CustomerPrice
			}
		}
		for _, p := range page.Data {
			iv := products.Interval{}
			if p.Attributes != nil {
				iv.Start, iv.End = dateOf(p.Attributes.StartDate), dateOf(p.Attributes.EndDate)
			}
			if p.Relationships != nil {
				if r := p.Relationships.Territory; r != nil && len(r.Data.IDs()) == 1 {
					iv.Territory = r.Data.IDs()[0].ID
				}
				if r := p.Relationships.AppPricePoint; r != nil && len(r.Data.IDs()) == 1 {
					iv.Price = points[r.Data.IDs()[0].ID]
				}
			}
			ivs = append(ivs, iv)
		}
		if page.Links.Next == "" {
			break
		}
		var next asc.AppPricesV2Response
		_, err = c.Do(ctx, "GET", page.Links.Next, nil, nil, &next)
		page = &next
		reqs++
	}
	if err != nil {
		return nil, reqs, fmt.Errorf("read the app's prices: %w", err)
	}
	return products.ScheduleFrom(base, ivs, today()), reqs, nil
}

func fetchAvailability(ctx context.Context, c *asc.Client, st *State) (int, error) {
	avail, _, err := c.Apps.GetAvailabilityV2(ctx, st.AppID, nil)
	if err != nil {
		return 1, fmt.Errorf("read the app's availability: %w", err)
	}
	if avail.Data.ID == "" {
		return 1, nil
	}
	st.availabilityID = avail.Data.ID
	a := &Availability{}
	if avail.Data.Attributes != nil && avail.Data.Attributes.AvailableInNewTerritories != nil {
		a.AvailableInNewTerritories = *avail.Data.Attributes.AvailableInNewTerritories
	}
	reqs := 1
	opts := &asc.AppAvailabilitiesV2ListTerritoryAvailabilitiesOptions{Limit: 200, Include: []string{"territory"}}
	page, _, err := c.AppAvailabilitiesV2.ListTerritoryAvailabilities(ctx, st.availabilityID, opts)
	reqs++
	for err == nil {
		for _, ta := range page.Data {
			t := ""
			if ta.Relationships != nil && ta.Relationships.Territory != nil && len(ta.Relationships.Territory.Data.IDs()) == 1 {
				t = ta.Relationships.Territory.Data.IDs()[0].ID
			}
			if t == "" {
				continue
			}
			st.territoryIDs[t] = ta.ID
			if ta.Attributes != nil && ta.Attributes.Available != nil && *ta.Attributes.Available {
				a.Territories = append(a.Territories, t)
			}
		}
		if page.Links.Next == "" {
			break
		}
		var next asc.TerritoryAvailabilitiesResponse
		_, err = c.Do(ctx, "GET", page.Links.Next, nil, nil, &next)
		page = &next
		reqs++
	}
	if err != nil {
		return reqs, fmt.Errorf("read the app's territories: %w", err)
	}
	slices.Sort(a.Territories)
	st.Availability = a
	return reqs, nil
}

func dateOf(d *asc.Date) string {
	if d == nil || d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

// PricePlan is what SetPrice would change.
type PricePlan struct {
	Changes  []products.Change
	Problems []products.Problem
	Requests int
	ids      map[[2]string]string // (territory, price) -> price point id
}

// PlanPrice checks a schedule (offline rules, then every price against the app's price
// points: one read per territory used) and compares it with the app's. Nothing is written.
func PlanPrice(ctx context.Context, c *asc.Client, st *State, want *products.Price) (*PricePlan, error) {
	p := &PricePlan{ids: map[[2]string]string{}}
	p.Problems = products.ValidatePrice("price", want, products.ValidateOptions{})
	if len(p.Problems) > 0 {
		return p, nil
	}
	res := products.NewAppResolver(c, st.AppID)
	for _, tp := range products.SchedulePrices("price", want) {
		id, err := res.AppPricePoint(ctx, tp[1], tp[2])
		var pe *products.PriceError
		switch {
		case errors.As(err, &pe):
			p.Problems = append(p.Problems, products.Problem{Path: tp[0], Message: pe.Error()})
		case err != nil:
			return nil, err
		default:
			p.ids[[2]string{tp[1], tp[2]}] = id
		}
	}
	p.Requests = res.Requests()
	p.Changes = products.PriceChanges("app", want, st.Schedule)
	return p, nil
}

// SetPrice replaces the app's price schedule with one POST (its manual prices inline), when
// the plan has changes. Sending it again is safe: a schedule replaces the previous one.
func SetPrice(ctx context.Context, c *asc.Client, appID string, want *products.Price, p *PricePlan) error {
	if len(p.Problems) > 0 {
		return &products.ValidationError{Dir: "the price", Problems: p.Problems}
	}
	if len(p.Changes) == 0 {
		return nil
	}
	var included []any
	var refs []asc.ResourceIdentifier
	add := func(territory, start, price string) {
		local := fmt.Sprintf("${price-%d}", len(included)+1)
		attrs := &asc.AppPriceV2InlineCreateAttributes{}
		if start != "" {
			if d, err := asc.ParseDate(start); err == nil {
				attrs.StartDate = &d
			}
		}
		included = append(included, asc.AppPriceV2InlineCreate{Type: "appPrices", ID: local, Attributes: attrs,
			Relationships: &asc.AppPriceV2InlineCreateRelationships{AppPricePoint: &asc.Relationship{Data: asc.ToOne("appPricePoints", p.ids[[2]string{territory, price}])}}})
		refs = append(refs, asc.ResourceIdentifier{Type: "appPrices", ID: local})
	}
	add(want.BaseTerritory, "", want.Price)
	for _, t := range sortedKeys(want.Territories) {
		add(t, "", want.Territories[t])
	}
	for _, ch := range want.Changes {
		if ch.Price != "" {
			add(want.BaseTerritory, ch.StartDate, ch.Price)
		}
		for _, t := range sortedKeys(ch.Territories) {
			add(t, ch.StartDate, ch.Territories[t])
		}
	}
	_, _, err := c.AppPriceSchedules.Create(ctx, &asc.AppPriceScheduleCreateRequest{
		Data: asc.AppPriceScheduleCreateRequestData{Relationships: asc.AppPriceScheduleCreateRequestRelationships{
			App:           asc.Relationship{Data: asc.ToOne("apps", appID)},
			BaseTerritory: asc.Relationship{Data: asc.ToOne("territories", want.BaseTerritory)},
			ManualPrices:  asc.Relationship{Data: asc.ToMany(refs...)}}},
		Included: included})
	if err != nil {
		return fmt.Errorf("set the app's price schedule: %w", err)
	}
	return nil
}

// AvailabilityChange is one territory whose availability changes.
type AvailabilityChange struct {
	Territory string
	Available bool
}

// PlanAvailability compares the territories the app should be on sale in with App Store
// Connect's; unknown territory codes are problems.
func PlanAvailability(st *State, territories []string, all []string) ([]AvailabilityChange, []products.Problem) {
	known := map[string]bool{}
	for _, t := range all {
		known[t] = true
	}
	var problems []products.Problem
	want := map[string]bool{}
	for _, t := range territories {
		if !known[t] {
			problems = append(problems, products.Problem{Path: "territories", Message: fmt.Sprintf("%q is not a territory of App Store Connect", t)})
		}
		want[t] = true
	}
	have := map[string]bool{}
	if st.Availability != nil {
		for _, t := range st.Availability.Territories {
			have[t] = true
		}
	}
	var changes []AvailabilityChange
	for _, t := range all {
		if want[t] != have[t] {
			changes = append(changes, AvailabilityChange{Territory: t, Available: want[t]})
		}
	}
	return changes, problems
}

// SetAvailability applies availability changes: one PATCH per territory that changes when
// the app has an availability (Apple lets a territory be switched on its own), else one POST
// creating the availability with every territory inline.
func SetAvailability(ctx context.Context, c *asc.Client, st *State, newTerritories bool, territories []string, changes []AvailabilityChange) (int, error) {
	if st.availabilityID == "" {
		var included []asc.TerritoryAvailabilityInlineCreate
		var refs []asc.ResourceIdentifier
		for i, t := range territories {
			local := fmt.Sprintf("${territory-%d}", i+1)
			included = append(included, asc.TerritoryAvailabilityInlineCreate{Type: "territoryAvailabilities", ID: local,
				Attributes:    &asc.TerritoryAvailabilityInlineCreateAttributes{Available: asc.Ptr(true)},
				Relationships: &asc.TerritoryAvailabilityInlineCreateRelationships{Territory: &asc.Relationship{Data: asc.ToOne("territories", t)}}})
			refs = append(refs, asc.ResourceIdentifier{Type: "territoryAvailabilities", ID: local})
		}
		_, _, err := c.AppAvailabilitiesV2.Create(ctx, &asc.AppAvailabilityV2CreateRequest{
			Data: asc.AppAvailabilityV2CreateRequestData{Attributes: asc.AppAvailabilityV2CreateRequestAttributes{AvailableInNewTerritories: newTerritories},
				Relationships: asc.AppAvailabilityV2CreateRequestRelationships{App: asc.Relationship{Data: asc.ToOne("apps", st.AppID)},
					TerritoryAvailabilities: asc.Relationship{Data: asc.ToMany(refs...)}}},
			Included: included})
		return 1, err
	}
	writes := 0
	var errs []error
	for _, ch := range changes {
		id := st.territoryIDs[ch.Territory]
		if id == "" {
			errs = append(errs, fmt.Errorf("%s: App Store Connect lists no availability for it", ch.Territory))
			continue
		}
		_, _, err := c.TerritoryAvailabilities.Update(ctx, id, &asc.TerritoryAvailabilityUpdateRequest{Data: asc.TerritoryAvailabilityUpdateRequestData{ID: id,
			Attributes: &asc.TerritoryAvailabilityUpdateRequestAttributes{Available: asc.Ptr(ch.Available)}}})
		writes++
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", ch.Territory, err))
		}
	}
	return writes, errors.Join(errs...)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
