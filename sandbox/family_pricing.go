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
	if d.n != 0 {
		return
	}
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
