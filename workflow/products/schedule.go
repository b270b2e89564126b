package products

import (
	"reflect"
	"slices"
	"strings"
	"time"
)

// interval is one manual price of a schedule: a territory's price point from start (""
// means from the beginning) until end ("" means open).
type interval struct {
	territory, start, end, pricePoint, price string
}

func today() string { return time.Now().UTC().Format(time.DateOnly) }

// scheduleFromIntervals turns Apple's manual prices into the file's terms: today's price in
// the base territory, today's manual prices elsewhere, and the future intervals as changes.
// Intervals that have ended are history and left out.
func scheduleFromIntervals(base string, ivs []interval, today string) *Price {
	p := &Price{BaseTerritory: base}
	changes := map[string]*PriceChange{}
	change := func(start string) *PriceChange {
		if ch, ok := changes[start]; ok {
			return ch
		}
		ch := &PriceChange{StartDate: start}
		changes[start] = ch
		return ch
	}
	// The current interval of a territory is the latest that has begun and not ended.
	current := map[string]interval{}
	for _, iv := range ivs {
		if iv.end != "" && iv.end <= today {
			continue
		}
		if iv.start != "" && iv.start > today {
			ch := change(iv.start)
			if iv.territory == base {
				ch.Price = iv.price
			} else {
				if ch.Territories == nil {
					ch.Territories = map[string]string{}
				}
				ch.Territories[iv.territory] = iv.price
			}
			continue
		}
		if cur, ok := current[iv.territory]; !ok || cur.start < iv.start {
			current[iv.territory] = iv
		}
	}
	for t, iv := range current {
		if t == base {
			p.Price = iv.price
			continue
		}
		if p.Territories == nil {
			p.Territories = map[string]string{}
		}
		p.Territories[t] = iv.price
	}
	for _, ch := range changes {
		p.Changes = append(p.Changes, ch)
	}
	slices.SortFunc(p.Changes, func(a, b *PriceChange) int { return strings.Compare(a.StartDate, b.StartDate) })
	return p
}

// canonicalPrice makes equal prices compare equal: "0.990" and "0.99", "160.0" and "160".
func canonicalPrice(s string) string {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	t := strings.TrimLeft(s, "0")
	if t == "" || t[0] == '.' {
		t = "0" + t
	}
	return t
}

// samePrice reports whether two customer prices are the same amount.
func samePrice(a, b string) bool { return canonicalPrice(a) == canonicalPrice(b) }

// Interval is one manual price of a schedule as App Store Connect lists it: a territory's
// customer price from Start ("" from the beginning) until End ("" open).
type Interval struct {
	Territory, Start, End, Price string
}

// ScheduleFrom describes manual prices in the file's terms (today's price in the base
// territory, today's manual prices elsewhere, future intervals as changes); the app's own
// price schedule (workflow/pricing) is read this way too.
func ScheduleFrom(base string, intervals []Interval, today string) *Price {
	ivs := make([]interval, len(intervals))
	for i, iv := range intervals {
		ivs[i] = interval{territory: iv.Territory, start: iv.Start, end: iv.End, price: iv.Price}
	}
	return scheduleFromIntervals(base, ivs, today)
}

// PriceChanges lists how schedule want differs from have, field by field.
func PriceChanges(owner string, want, have *Price) []Change { return priceChanges(owner, want, have) }

// ValidatePrice checks a schedule offline as Validate checks a product's (prices, codes,
// start dates Apple refuses), with problems located under path.
func ValidatePrice(path string, p *Price, opts ValidateOptions) []Problem {
	v := &validator{opts: opts, today: opts.today()}
	v.walk(reflect.ValueOf(p).Elem(), shapeOf(reflect.TypeFor[Price]()), path)
	v.price(path, p, false)
	return v.problems
}

// SchedulePrices lists the (path, territory, price) triples a schedule names.
func SchedulePrices(path string, p *Price) [][3]string { return schedulePrices(path, p) }
