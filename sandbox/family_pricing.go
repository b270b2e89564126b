package sandbox

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
)

// Availability and pricing: where an app is on sale and at which price points.

func init() {
	register(&family{
		name: "pricing",
		seed: seedPricing,
	})
}

// seedPricing: each app is available in the demo territories (a released app available, one
// never released set to go on sale with its first version); the first app has five price
// points in four territories, with ids shaped like Apple's (base64 of a small JSON).
func seedPricing(sd seeder, d *demo) {
	app := d.app
	avail := sd.add("appAvailabilities", map[string]any{"availableInNewTerritories": true}, "app", app)
	sd.s.st.link(app, "appAvailabilityV2", avail)
	for _, t := range demoTerritories {
		status := "AVAILABLE"
		attrs := map[string]any{"available": true, "preOrderEnabled": false}
		if !d.live {
			status = "AVAILABLE_FOR_SALE_UNRELEASED_APP"
		} else {
			attrs["releaseDate"] = seedEpoch.Add(-400 * day).Format(time.DateOnly)
		}
		attrs["contentStatuses"] = []any{status}
		ta := sd.add("territoryAvailabilities", attrs, "territory", sd.s.st.get("territories", t.code))
		sd.s.st.link(avail, "territoryAvailabilities", ta)
	}
	if d.n == 0 {
		seedPricePoints(sd, app)
	}
	if d.live {
		seedPriceSchedule(sd, d) // an app never on sale has no price yet
	}
}

// seedPricePoints: the first app has five price points stored in four territories (the
// rest of its ladder is computed, family_pricepoints.go).
func seedPricePoints(sd seeder, app *record) {
	for _, t := range demoTerritories[:4] {
		for tier, usd := range []float64{0.99, 1.99, 2.99, 4.99, 9.99} {
			price := usd * t.rate
			id := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"s":"%s","t":"%s","p":"%d"}`, app.ID, t.code, 10001+tier))
			sd.addID("appPricePoints", id, map[string]any{
				"customerPrice": strconv.FormatFloat(price, 'f', t.decimals, 64),
				"proceeds":      strconv.FormatFloat(price*0.7, 'f', t.decimals, 64),
			}, "app", app, "territory", sd.s.st.get("territories", t.code))
		}
	}
}

// seedPriceSchedule: an app on sale has a price schedule (its id is the app's, as Apple's is)
// with the United States as its base territory, a manual price there and the equalized
// prices everywhere else: the first app 2.99 (a seeded price point), the others 0.99.
func seedPriceSchedule(sd seeder, d *demo) {
	app := d.app
	usa := sd.s.st.get("territories", "USA")
	if usa == nil {
		return
	}
	sched := sd.addID("appPriceSchedules", app.ID, nil, "app", app, "baseTerritory", usa)
	point := func(territory string) string {
		if d.n == 0 {
			seeded := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"s":"%s","t":"%s","p":"%d"}`, app.ID, territory, 10003))
			if sd.s.st.get("appPricePoints", seeded) != nil {
				return seeded // 2.99 among the stored ones
			}
			return encodePricePoint(app.ID, territory, 15) // 2.99 in the computed ladder
		}
		return encodePricePoint(app.ID, territory, 7) // 0.99
	}
	for _, t := range demoTerritories {
		manual := t.code == "USA"
		id := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"s":"%s","t":"%s","m":%t}`, app.ID, t.code, manual))
		price := sd.addID("appPrices", id, map[string]any{"manual": manual}, "territory", sd.s.st.get("territories", t.code))
		// The price point may be computed rather than stored (family_pricepoints.go): the
		// price names it by id, and reads resolve it.
		if pp := sd.s.st.get("appPricePoints", point(t.code)); pp != nil {
			sd.s.st.link(price, "appPricePoint", pp)
		} else {
			price.Rels["appPricePoint"] = []string{point(t.code)}
		}
		rel := "automaticPrices"
		if manual {
			rel = "manualPrices"
		}
		sd.s.st.link(sched, rel, price)
	}
}
