package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// Price points, price schedules and subscription prices, as App Store Connect keeps them:
//
//   - Every in-app purchase and subscription has a price ladder in each of Apple's 175
//     territories: the same tiers everywhere, each tier's price in the territory's currency
//     (the equalization of its US price), with ids shaped like Apple's (base64url of
//     {"s": product, "t": territory, "p": tier}). They are computed, not stored: a product's
//     pricePoints list (filter[territory] narrows it), a price point, its equalizations (the
//     same tier in the other territories). An id that names no price point is 409
//     ENTITY_ERROR.NOT_FOUND in a write, not a relationship error.
//   - An in-app purchase price schedule replaces the previous one; its manual prices follow
//     Apple's start-date rules with Apple's codes and pointers: a manual price in the base
//     territory (ENTITY_ERROR.BASE_TERRITORY_INTERVAL_REQUIRED), the base territory's first
//     interval open from now ("Entire timeline must be covered"), no start date in the past
//     (ENTITY_ERROR.INVALID_START_DATE).
//   - A subscription's prices, created one at a time or inline in a PATCH of the
//     subscription, are one per territory and start date: a new one replaces the one of the
//     same territory and day, the others stay; start dates in the past are refused.

func init() {
	register(&family{
		name: "pricepoints",
		hooks: []hooks{
			{types: []string{"inAppPurchasePricePoints"}, resolve: resolvePricePoint("inAppPurchasePricePoints", "inAppPurchases"), related: equalizations, relatedNames: []string{"equalizations", "adjustedEqualizations"}},
			{types: []string{"subscriptionPricePoints"}, resolve: resolvePricePoint("subscriptionPricePoints", "subscriptions"), related: equalizations, relatedNames: []string{"equalizations", "adjustedEqualizations"}},
			{types: []string{"inAppPurchases"}, related: productPricePoints("inAppPurchasePricePoints"), relatedNames: []string{"pricePoints"}},
			{types: []string{"appPricePoints"}, resolve: resolvePricePoint("appPricePoints", "apps"), related: equalizations, relatedNames: []string{"equalizations", "adjustedEqualizations"}},
			{types: []string{"apps"}, related: appPricePoints, relatedNames: []string{"appPricePoints"}},
			{types: []string{"subscriptions"}, related: productPricePoints("subscriptionPricePoints"), relatedNames: []string{"pricePoints"}, beforeUpdate: checkInlinePrices, afterUpdate: mergeSubscriptionPrices},
			{types: []string{"inAppPurchasePriceSchedules"}, beforeCreate: checkPriceSchedule("inAppPurchasePricePoint"), afterCreate: replacePriceSchedule("inAppPurchase", "inAppPurchasePricePoint")},
			{types: []string{"appPriceSchedules"}, beforeCreate: checkPriceSchedule("appPricePoint"), afterCreate: replacePriceSchedule("app", "appPricePoint")},
			{types: []string{"subscriptionPrices"}, beforeCreate: checkSubscriptionPrice, afterCreate: replaceSubscriptionPrice},
			{types: []string{"inAppPurchaseLocalizations", "subscriptionLocalizations", "subscriptionGroupLocalizations"},
				beforeCreate: createTextLimits, beforeUpdate: updateTextLimits},
			{types: []string{"inAppPurchases", "subscriptions", "subscriptionGroups"},
				beforeUpdate: updateTextLimits},
		},
	})
}

// storefront is a territory of the App Store with its currency.
type storefront struct{ code, currency string }

// currency says how a territory's prices are made from US prices: the rate, the decimals
// shown and how prices end (x.99, or rounded to a step such as 10 yen).
type currency struct {
	rate     float64
	decimals int
	step     float64 // 0: prices end in .99
}

var currencies = map[string]currency{
	"USD": {1, 2, 0}, "EUR": {0.92, 2, 0}, "GBP": {0.79, 2, 0}, "CAD": {1.36, 2, 0}, "AUD": {1.52, 2, 0},
	"NZD": {1.65, 2, 0}, "CHF": {0.88, 2, 0}, "SGD": {1.34, 2, 0}, "JPY": {150, 0, 10}, "KRW": {1350, 0, 100},
	"CNY": {7.2, 0, 1}, "INR": {83, 0, 10}, "IDR": {15700, 0, 1000}, "VND": {24500, 0, 1000}, "BRL": {5, 2, 0},
	"MXN": {17, 0, 1}, "SEK": {10.5, 0, 1}, "NOK": {10.6, 0, 1}, "DKK": {6.9, 0, 1}, "PLN": {4, 2, 0},
	"TRY": {32, 0, 1}, "RUB": {90, 0, 1}, "ZAR": {18.5, 0, 1}, "HKD": {7.8, 0, 1}, "TWD": {31, 0, 10},
	"THB": {35, 0, 1}, "MYR": {4.7, 2, 0}, "PHP": {56, 0, 1}, "SAR": {3.75, 2, 0}, "AED": {3.67, 2, 0},
	"ILS": {3.7, 2, 0}, "EGP": {48, 0, 1}, "CZK": {23, 0, 1}, "HUF": {360, 0, 10}, "RON": {4.6, 2, 0},
	"KZT": {450, 0, 10}, "NGN": {1500, 0, 10}, "PKR": {280, 0, 10}, "PEN": {3.7, 2, 0}, "CLP": {940, 0, 10},
	"COP": {3900, 0, 100}, "TZS": {2600, 0, 100}, "QAR": {3.64, 2, 0},
}

// storefronts are Apple's 175 App Store territories (ISO 3166-1 alpha-3 as App Store Connect
// spells them) with the currency each is priced in; the others are priced in US dollars.
var storefronts = func() []storefront {
	local := map[string]string{
		"AUT": "EUR", "BEL": "EUR", "BGR": "EUR", "HRV": "EUR", "CYP": "EUR", "EST": "EUR", "FIN": "EUR", "FRA": "EUR", "DEU": "EUR",
		"GRC": "EUR", "IRL": "EUR", "ITA": "EUR", "LVA": "EUR", "LTU": "EUR", "LUX": "EUR", "MLT": "EUR", "NLD": "EUR", "PRT": "EUR",
		"SVK": "EUR", "SVN": "EUR", "ESP": "EUR", "MNE": "EUR", "XKS": "EUR",
		"GBR": "GBP", "CAN": "CAD", "AUS": "AUD", "NZL": "NZD", "CHE": "CHF", "SGP": "SGD", "JPN": "JPY", "KOR": "KRW", "CHN": "CNY",
		"IND": "INR", "IDN": "IDR", "VNM": "VND", "BRA": "BRL", "MEX": "MXN", "SWE": "SEK", "NOR": "NOK", "DNK": "DKK", "POL": "PLN",
		"TUR": "TRY", "RUS": "RUB", "ZAF": "ZAR", "HKG": "HKD", "TWN": "TWD", "THA": "THB", "MYS": "MYR", "PHL": "PHP", "SAU": "SAR",
		"ARE": "AED", "ISR": "ILS", "EGY": "EGP", "CZE": "CZK", "HUN": "HUF", "ROU": "RON", "KAZ": "KZT", "NGA": "NGN", "PAK": "PKR",
		"PER": "PEN", "CHL": "CLP", "COL": "COP", "TZA": "TZS", "QAT": "QAR",
	}
	codes := strings.Fields(`AFG ALB DZA AGO AIA ATG ARG ARM AUS AUT AZE BHS BHR BRB BLR BEL BLZ BEN BMU BTN BOL BIH BWA BRA
		VGB BRN BGR BFA KHM CMR CAN CPV CYM TCD CHL CHN COL COD COG CRI CIV HRV CYP CZE DNK DMA DOM ECU EGY SLV EST SWZ FJI FIN FRA
		GAB GMB GEO DEU GHA GRC GRD GTM GNB GUY HND HKG HUN ISL IND IDN IRQ IRL ISR ITA JAM JPN JOR KAZ KEN KOR XKS KWT KGZ LAO LVA
		LBN LBR LBY LTU LUX MAC MDG MWI MYS MDV MLI MLT MRT MUS MEX FSM MDA MNG MNE MSR MAR MOZ MMR NAM NRU NPL NLD NZL NIC NER NGA
		MKD NOR OMN PAK PLW PAN PNG PRY PER PHL POL PRT QAT ROU RUS RWA KNA LCA VCT STP SAU SEN SRB SYC SLE SGP SVK SVN SLB ZAF ESP
		LKA SUR SWE CHE TWN TJK TZA THA TON TTO TUN TUR TKM TCA UGA UKR ARE GBR USA URY UZB VUT VEN VNM YEM ZMB ZWE`)
	out := make([]storefront, len(codes))
	for i, c := range codes {
		cur := local[c]
		if cur == "" {
			cur = "USD"
		}
		out[i] = storefront{c, cur}
	}
	return out
}()

// usTiers are US price points of Apple's ladder (a subset of its 800), lowest first; the
// tier code of index i is 10001+i.
var usTiers = func() []float64 {
	t := []float64{0.29, 0.39, 0.49, 0.59, 0.69, 0.79, 0.89, 0.99, 1.29, 1.49, 1.79, 1.99, 2.29, 2.49, 2.79, 2.99}
	for v := 3.49; v < 10; v += 0.5 {
		t = append(t, math.Round(v*100)/100)
	}
	for _, r := range []struct{ from, to, step float64 }{{10.99, 19.99, 1}, {24.99, 49.99, 5}, {59.99, 99.99, 10}, {119.99, 199.99, 20}, {249.99, 499.99, 50}, {599.99, 999.99, 100}} {
		for v := r.from; v <= r.to+0.001; v += r.step {
			t = append(t, math.Round(v*100)/100)
		}
	}
	return t
}()

// ladders holds every territory's prices per tier (formatted as Apple sends them), built
// once from usTiers: each tier the equalization of its US price.
var ladders = func() map[string][]string {
	out := map[string][]string{}
	for _, sf := range storefronts {
		c := currencies[sf.currency]
		prices := make([]string, len(usTiers))
		prev := 0.0
		for i, usd := range usTiers {
			v := usd * c.rate
			var p float64
			switch {
			case c.rate == 1:
				p = usd
			case c.step == 0:
				// Prices that end in 9 cents: 0.91 becomes 0.99, 3.94 becomes 3.99.
				p = math.Round(math.Floor(v*10+1e-9)/10*100+9) / 100
				for p <= prev+0.001 {
					p += 0.1
				}
			default:
				p = math.Max(c.step, math.Round(v/c.step)*c.step)
				for p <= prev {
					p += c.step
				}
			}
			prev = p
			prices[i] = strconv.FormatFloat(p, 'f', c.decimals, 64)
		}
		out[sf.code] = prices
	}
	return out
}()

// pricePointID is Apple's id of a product's price point: base64url of a small JSON object.
type pricePointID struct {
	S string `json:"s"`
	T string `json:"t"`
	P string `json:"p"`
}

func encodePricePoint(product, territory string, tier int) string {
	b, _ := json.Marshal(pricePointID{product, territory, strconv.Itoa(10001 + tier)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodePricePoint(id string) (product, territory string, tier int, ok bool) {
	b, err := base64.RawURLEncoding.DecodeString(id)
	if err != nil {
		return "", "", 0, false
	}
	var p pricePointID
	if json.Unmarshal(b, &p) != nil {
		return "", "", 0, false
	}
	n, err := strconv.Atoi(p.P)
	if err != nil || n < 10001 || n-10001 >= len(usTiers) || ladders[p.T] == nil {
		return "", "", 0, false
	}
	return p.S, p.T, n - 10001, true
}

// pricePoint computes one price point record (not stored).
func pricePoint(typ, product, territory string, tier int) *record {
	price := ladders[territory][tier]
	f, _ := strconv.ParseFloat(price, 64)
	dec := currencies[currencyOf(territory)].decimals
	attrs := map[string]any{"customerPrice": price, "proceeds": strconv.FormatFloat(f*0.7, 'f', dec, 64)}
	if typ == "subscriptionPricePoints" {
		attrs["proceedsYear2"] = strconv.FormatFloat(f*0.85, 'f', dec, 64)
	}
	return &record{Type: typ, ID: encodePricePoint(product, territory, tier), Attrs: attrs, Rels: map[string][]string{"territory": {territory}}}
}

func currencyOf(territory string) string {
	for _, sf := range storefronts {
		if sf.code == territory {
			return sf.currency
		}
	}
	return "USD"
}

// resolvePricePoint computes the price point an id names, when its product exists.
func resolvePricePoint(typ, productType string) func(s *Server, id string) *record {
	return func(s *Server, id string) *record {
		product, territory, tier, ok := decodePricePoint(id)
		if !ok || s.st.get(productType, product) == nil || s.st.get("territories", territory) == nil {
			return nil
		}
		return pricePoint(typ, product, territory, tier)
	}
}

// productPricePoints lists a product's price points, only in the territories a
// filter[territory] names when it has one (the engine applies the filter again).
func productPricePoints(typ string) func(s *Server, owner *record, rel string, q url.Values) ([]*record, bool) {
	return func(s *Server, owner *record, rel string, q url.Values) ([]*record, bool) {
		if rel != "pricePoints" {
			return nil, false
		}
		var territories []string
		if f := q.Get("filter[territory]"); f != "" {
			territories = strings.Split(f, ",")
		} else {
			for _, sf := range storefronts {
				territories = append(territories, sf.code)
			}
		}
		var out []*record
		for _, t := range territories {
			if ladders[t] == nil || s.st.get("territories", t) == nil {
				continue
			}
			for tier := range usTiers {
				out = append(out, pricePoint(typ, owner.ID, t, tier))
			}
		}
		return out, true
	}
}

// appPricePoints lists an app's price points, computed like a product's unless the store
// holds some for it (the demo's first app has a few seeded).
func appPricePoints(s *Server, owner *record, rel string, q url.Values) ([]*record, bool) {
	if rel != "appPricePoints" || len(s.st.related(owner, "appPricePoints")) > 0 {
		return nil, false
	}
	return productPricePoints("appPricePoints")(s, owner, "pricePoints", q)
}

// equalizations lists the same tier in every other territory.
func equalizations(s *Server, owner *record, rel string, q url.Values) ([]*record, bool) {
	if rel != "equalizations" && rel != "adjustedEqualizations" {
		return nil, false
	}
	product, territory, tier, ok := decodePricePoint(owner.ID)
	if !ok {
		return nil, true
	}
	var out []*record
	for _, sf := range storefronts {
		if sf.code != territory && s.st.get("territories", sf.code) != nil {
			out = append(out, pricePoint(owner.Type, product, sf.code, tier))
		}
	}
	return out, true
}

// textLimitsOf are Apple's limits of text, in characters by type and attribute.
var textLimitsOf = map[string]map[string]int{
	"appClipDefaultExperienceLocalizations": {"subtitle": apple.MaxAppClipSubtitleLength},
	"betaBuildLocalizations":                {"whatsNew": apple.MaxWhatToTestLength},
	"appInfoLocalizations":                  {"name": apple.MaxNameLength, "subtitle": apple.MaxSubtitleLength},
	"appStoreVersionLocalizations": {"description": apple.MaxDescriptionLength, "keywords": apple.MaxKeywordsLength,
		"promotionalText": apple.MaxPromotionalTextLength, "whatsNew": apple.MaxReleaseNotesLength},
	"appStoreReviewDetails":          {"notes": apple.MaxReviewNotesLength},
	"inAppPurchaseLocalizations":     {"name": apple.MaxProductDisplayNameLength, "description": apple.MaxProductDescriptionLength},
	"subscriptionLocalizations":      {"name": apple.MaxProductDisplayNameLength, "description": apple.MaxProductDescriptionLength},
	"subscriptionGroupLocalizations": {"name": apple.MaxSubscriptionGroupNameLength, "customAppName": apple.MaxCustomAppNameLength},
	"inAppPurchases":                 {"name": apple.MaxProductReferenceNameLength, "productId": apple.MaxProductIDLength, "reviewNote": apple.MaxProductReviewNoteLength},
	"subscriptions":                  {"name": apple.MaxProductReferenceNameLength, "productId": apple.MaxProductIDLength, "reviewNote": apple.MaxProductReviewNoteLength},
	"subscriptionGroups":             {"referenceName": apple.MaxProductReferenceNameLength},
}

// createTextLimits and updateTextLimits are textLimits as create and update hooks.
func createTextLimits(s *Server, doc *resourceDoc) *httpError { return textLimits(doc.Type, doc.Attrs) }
func updateTextLimits(s *Server, r *record, doc *resourceDoc) *httpError {
	return textLimits(r.Type, doc.Attrs)
}

// productIDPattern is what a product id may hold (apple.ProductIDPattern).
var productIDPattern = regexp.MustCompile(apple.ProductIDPattern)

// textLimits refuses text Apple refuses: longer than it allows, a product id of
// other characters than its, a group display name with a control character; 409
// ENTITY_ERROR.ATTRIBUTE.INVALID on the attribute, every one at once.
func textLimits(typ string, attrs map[string]any) *httpError {
	var errs []apiError
	invalid := func(name, detail string) {
		errs = append(errs, entityError("ENTITY_ERROR.ATTRIBUTE.INVALID", detail, "/data/attributes/"+name))
	}
	for _, name := range slices.Sorted(maps.Keys(attrs)) {
		max, ok := textLimitsOf[typ][name]
		v, _ := attrs[name].(string)
		if ok && apple.Length(v) > max {
			invalid(name, fmt.Sprintf("The value of '%s' is too long: %d characters, at most %d.", name, apple.Length(v), max))
		}
		switch {
		case name == "productId" && v != "" && !productIDPattern.MatchString(v):
			invalid(name, "A product ID can contain only letters, numbers, hyphens, periods and underscores.")
		case typ == "subscriptionGroupLocalizations" && name == "name" && strings.IndexFunc(v, apple.IsControl) >= 0:
			invalid(name, "A subscription group's display name can't contain control characters.")
		}
	}
	if len(errs) > 0 {
		return errResp(http.StatusConflict, errs...)
	}
	return nil
}

func startDateError(detail, pointer string) apiError {
	return newError(http.StatusConflict, "ENTITY_ERROR.INVALID_START_DATE", "There is a problem with the request entity", detail).pointer(pointer)
}

func (s *Server) today() string { return s.stateNow().UTC().Format(time.DateOnly) }

// checkPriceSchedule holds a new price schedule (an in-app purchase's or an app's) to Apple's
// rules for its manual prices (created inline just before, with their price points'
// territories); pointRel is the prices' relationship to their price point.
func checkPriceSchedule(pointRel string) func(s *Server, doc *resourceDoc) *httpError {
	return func(s *Server, doc *resourceDoc) *httpError { return s.checkSchedule(doc, pointRel) }
}

func (s *Server) checkSchedule(doc *resourceDoc, pointRel string) *httpError {
	base := doc.relID("baseTerritory")
	type iv struct {
		i     int
		start string
	}
	var baseIntervals []iv
	var errs []apiError
	for i, ident := range doc.Rels["manualPrices"].ids {
		p := s.st.get(ident.Type, ident.ID)
		if p == nil {
			continue
		}
		ptr := fmt.Sprintf("/data/relationships/manualPrices/data/%d/attributes/startDate", i)
		start := p.str("startDate")
		if start != "" && start < s.today() {
			errs = append(errs, startDateError("Interval can not have a start date in the past", ptr))
		}
		_, territory, _, ok := decodePricePoint(p.one(pointRel))
		if ok && territory == base {
			baseIntervals = append(baseIntervals, iv{i, start})
		}
	}
	if len(errs) > 0 {
		return errResp(http.StatusConflict, errs...)
	}
	if len(baseIntervals) == 0 {
		return errResp(http.StatusConflict, newError(http.StatusConflict, "ENTITY_ERROR.BASE_TERRITORY_INTERVAL_REQUIRED",
			"There is a problem with the request entity", "There must be at least one manual price for the base territory.").pointer("/data/relationships/manualPrices"))
	}
	first := baseIntervals[0]
	for _, b := range baseIntervals {
		if b.start == "" || (first.start != "" && b.start < first.start) {
			first = b
		}
	}
	if first.start != "" {
		return errResp(http.StatusConflict, startDateError(fmt.Sprintf("Entire timeline must be covered for %s. The first interval has a start date %sT00:00 in the future", base, first.start),
			fmt.Sprintf("/data/relationships/manualPrices/data/%d/attributes/startDate", first.i)))
	}
	return nil
}

// replacePriceSchedule makes the new schedule its owner's only one (ownerRel: the in-app
// purchase or the app): each manual price gets its territory and its end (the next
// interval's start), and the previous schedule goes.
func replacePriceSchedule(ownerRel, pointRel string) func(s *Server, _ *apiRequest, r *record) *httpError {
	return func(s *Server, _ *apiRequest, r *record) *httpError {
		for _, old := range s.st.all(r.Type) {
			if old != r && old.one(ownerRel) == r.one(ownerRel) {
				for _, p := range s.st.related(old, "manualPrices") {
					s.removeLocked(p)
				}
				s.removeLocked(old)
			}
		}
		byTerritory := map[string][]*record{}
		for _, p := range s.st.related(r, "manualPrices") {
			territory := p.one("territory")
			if _, t, _, ok := decodePricePoint(p.one(pointRel)); ok {
				territory = t
			} else if pp := s.st.get(s.mdl.target(p.Type, pointRel), p.one(pointRel)); pp != nil && pp.one("territory") != "" {
				territory = pp.one("territory") // a seeded price point of another shape
			}
			if t := s.st.get("territories", territory); t != nil && p.one("territory") == "" {
				s.st.link(p, "territory", t)
			}
			byTerritory[territory] = append(byTerritory[territory], p)
		}
		for _, list := range byTerritory {
			slices.SortFunc(list, func(a, b *record) int { return strings.Compare(a.str("startDate"), b.str("startDate")) })
			for i := 0; i+1 < len(list); i++ {
				list[i].Attrs["endDate"] = list[i+1].str("startDate")
			}
			for _, p := range list {
				p.Attrs["manual"] = true
				s.markDirty(p)
			}
		}
		return nil
	}
}

// checkInlinePrices refuses a subscription update whose new prices start in the past or
// whose price point is not of the price's territory or of this subscription.
func checkInlinePrices(s *Server, r *record, doc *resourceDoc) *httpError {
	l, ok := doc.Rels["prices"]
	if !ok {
		return nil
	}
	var errs []apiError
	for i, ident := range l.ids {
		p := s.st.get(ident.Type, ident.ID)
		if p == nil || slices.Contains(r.Rels["prices"], p.ID) {
			continue // one it has already
		}
		errs = append(errs, s.priceRules(p, r.ID, fmt.Sprintf("/included/%d", i))...)
	}
	if len(errs) > 0 {
		return errResp(http.StatusConflict, errs...)
	}
	return nil
}

// priceRules are the rules of one subscription price.
func (s *Server) priceRules(p *record, subscription, base string) []apiError {
	var errs []apiError
	if start := p.str("startDate"); start != "" && start < s.today() {
		errs = append(errs, startDateError("Interval can not have a start date in the past", base+"/attributes/startDate"))
	}
	product, territory, _, ok := decodePricePoint(p.one("subscriptionPricePoint"))
	switch {
	case !ok:
		errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "You must provide a value for the relationship 'subscriptionPricePoint' with this request", base+"/relationships/subscriptionPricePoint"))
	case product != subscription:
		errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", "The price point is not one of this subscription's.", base+"/relationships/subscriptionPricePoint"))
	case p.one("territory") != "" && p.one("territory") != territory:
		errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", fmt.Sprintf("The price point is in %s, not %s.", territory, p.one("territory")), base+"/relationships/territory"))
	}
	return errs
}

// mergeSubscriptionPrices keeps a subscription's prices when an update adds some: a new
// price replaces the one of the same territory and start date, the others stay.
func mergeSubscriptionPrices(s *Server, _ *apiRequest, r, old *record, doc *resourceDoc) *httpError {
	// Introductory offers sent inline join the subscription's; none is dropped by it.
	if _, ok := doc.Rels["introductoryOffers"]; ok {
		for _, id := range old.Rels["introductoryOffers"] {
			if o := s.st.get("subscriptionIntroductoryOffers", id); o != nil && !slices.Contains(r.Rels["introductoryOffers"], id) {
				s.st.link(r, "introductoryOffers", o)
			}
		}
		for _, o := range s.st.related(r, "introductoryOffers") {
			if o.one("subscription") == "" {
				s.st.link(o, "subscription", r)
				s.markDirty(o)
			}
		}
	}
	if _, ok := doc.Rels["prices"]; !ok {
		return nil
	}
	added := s.st.related(r, "prices")
	taken := map[string]bool{}
	for _, p := range added {
		s.settlePrice(p, r)
		taken[p.one("territory")+"|"+p.str("startDate")] = true
	}
	for _, id := range old.Rels["prices"] {
		p := s.st.get("subscriptionPrices", id)
		if p == nil || slices.Contains(r.Rels["prices"], id) {
			continue
		}
		if taken[p.one("territory")+"|"+p.str("startDate")] {
			s.removeLocked(p)
			continue
		}
		s.st.link(r, "prices", p)
	}
	return nil
}

// settlePrice fills what Apple sets on a new subscription price: its territory (from its
// price point) and whether existing subscribers keep their price.
func (s *Server) settlePrice(p, sub *record) {
	_, territory, _, _ := decodePricePoint(p.one("subscriptionPricePoint"))
	if t := s.st.get("territories", territory); t != nil && p.one("territory") == "" {
		s.st.link(p, "territory", t)
	}
	if p.one("subscription") == "" {
		s.st.link(p, "subscription", sub)
	}
	preserve, _ := p.Attrs["preserveCurrentPrice"].(bool)
	delete(p.Attrs, "preserveCurrentPrice")
	p.Attrs["preserved"] = preserve
	s.markDirty(p)
}

func checkSubscriptionPrice(s *Server, doc *resourceDoc) *httpError {
	p := &record{Type: doc.Type, Attrs: doc.Attrs, Rels: map[string][]string{}}
	for name, l := range doc.Rels {
		for _, id := range l.ids {
			p.Rels[name] = append(p.Rels[name], id.ID)
		}
	}
	if errs := s.priceRules(p, doc.relID("subscription"), "/data"); len(errs) > 0 {
		return errResp(http.StatusConflict, errs...)
	}
	return nil
}

// replaceSubscriptionPrice: a price created on its own replaces the subscription's price of
// the same territory and start date.
func replaceSubscriptionPrice(s *Server, _ *apiRequest, r *record) *httpError {
	sub := s.st.get("subscriptions", r.one("subscription"))
	if sub == nil {
		return nil
	}
	s.settlePrice(r, sub)
	for _, p := range s.st.related(sub, "prices") {
		if p != r && p.one("territory") == r.one("territory") && p.str("startDate") == r.str("startDate") {
			s.removeLocked(p)
		}
	}
	return nil
}
