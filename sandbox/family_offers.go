package sandbox

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// Subscription offers beyond introductory ones, as App Store Connect holds them:
//
//   - Promotional offers: an offer code unique in its subscription, at most
//     apple.MaxActivePromotionalOffers of them, 1 to apple.MaxOfferPeriods periods (one for a
//     free trial or paying up front). Only their prices change after creation (the update
//     schema has no attributes, so the engine refuses the rest as unknown); new prices
//     replace the old ones. Each price is one territory's, with a price point of the
//     subscription in that territory for the paid modes and none for a free trial.
//   - Offer codes: a name unique in the subscription, prices as promotional offers'; only
//     "active" changes. One-time use code batches and custom codes hang from an active offer
//     code: an app makes at most apple.MaxOfferCodesPerQuarter codes a quarter, both kinds
//     counted; a batch expires in the future and at most apple.MaxOneTimeUseCodeMonths months
//     after it is made; a custom code is letters and digits, unique in the app; whatever was
//     deactivated stays deactivated. Apple deletes none of these.
//   - Win-back offers: an offer id unique in the subscription, eligibility months whose range
//     is ordered, an end after the start, a start date not in the past (and not moved once
//     the offer has started).
//
// Refusals are 409s with Apple's codes and pointers.

func init() {
	register(&family{
		name: "offers",
		hooks: []hooks{
			{types: []string{"subscriptionPromotionalOffers"}, beforeCreate: checkPromotionalOffer, beforeUpdate: checkPromotionalOfferPrices, afterUpdate: dropReplacedPrices},
			{types: []string{"subscriptionOfferCodes"}, beforeCreate: checkOfferCode, afterCreate: startOfferCode, beforeUpdate: checkStaysDeactivated},
			{types: []string{"subscriptionOfferCodeOneTimeUseCodes", "subscriptionOfferCodeCustomCodes"}, beforeCreate: checkCodes, afterCreate: countCodes, beforeUpdate: checkStaysDeactivated},
			{types: []string{"winBackOffers"}, beforeCreate: checkWinBackOffer, beforeUpdate: checkWinBackUpdate},
		},
	})
}

func offerAttrInvalid(detail, pointer string) apiError {
	return entityError("ENTITY_ERROR.ATTRIBUTE.INVALID", detail, pointer)
}

// offerTermsErrors checks an offer's periods against its mode (attribute names differ:
// numberOfPeriods, periodCount).
func offerTermsErrors(attrs map[string]any, periodsAttr string) []apiError {
	var errs []apiError
	n, has := attrs[periodsAttr]
	periods := intOf(n)
	ptr := "/data/attributes/" + periodsAttr
	switch mode, _ := attrs["offerMode"].(string); {
	case has && (periods < 1 || periods > apple.MaxOfferPeriods):
		errs = append(errs, offerAttrInvalid(fmt.Sprintf("The number of periods must be between 1 and %d.", apple.MaxOfferPeriods), ptr))
	case (mode == "FREE_TRIAL" || mode == "PAY_UP_FRONT") && periods > 1:
		errs = append(errs, offerAttrInvalid(fmt.Sprintf("An offer of mode %s runs for one duration.", mode), ptr))
	}
	return errs
}

// offerPriceErrors holds an offer's prices (created inline just before) to Apple's rules:
// one per territory, a price point of the subscription in the price's territory for the
// paid modes, none for a free trial.
func (s *Server) offerPriceErrors(ids []identifier, subscription, mode string) []apiError {
	var errs []apiError
	seen := map[string]bool{}
	for i, ident := range ids {
		p := s.st.get(ident.Type, ident.ID)
		if p == nil {
			continue
		}
		base := fmt.Sprintf("/included/%d", i)
		territory := p.one("territory")
		if territory == "" {
			errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "You must provide a value for the relationship 'territory' with this request", base+"/relationships/territory"))
			continue
		}
		if seen[territory] {
			errs = append(errs, entityError("ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", fmt.Sprintf("The offer has two prices in %s.", territory), base+"/relationships/territory"))
		}
		seen[territory] = true
		point := p.one("subscriptionPricePoint")
		if mode == "FREE_TRIAL" {
			if point != "" {
				errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", "A free trial has no price point.", base+"/relationships/subscriptionPricePoint"))
			}
			continue
		}
		product, pointTerritory, _, ok := decodePricePoint(point)
		switch {
		case !ok:
			errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.REQUIRED", "You must provide a value for the relationship 'subscriptionPricePoint' with this request", base+"/relationships/subscriptionPricePoint"))
		case product != subscription:
			errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", "The price point is not one of this subscription's.", base+"/relationships/subscriptionPricePoint"))
		case pointTerritory != territory:
			errs = append(errs, entityError("ENTITY_ERROR.RELATIONSHIP.INVALID", fmt.Sprintf("The price point is in %s, not %s.", pointTerritory, territory), base+"/relationships/territory"))
		}
	}
	return errs
}

func conflictOf(errs []apiError) *httpError {
	if len(errs) == 0 {
		return nil
	}
	return errResp(http.StatusConflict, errs...)
}

func checkPromotionalOffer(s *Server, doc *resourceDoc) *httpError {
	sub := doc.relID("subscription")
	code, _ := doc.Attrs["offerCode"].(string)
	siblings := s.siblings("subscriptionPromotionalOffers", "subscription", sub)
	for _, o := range siblings {
		if o.str("offerCode") == code {
			return duplicate(fmt.Sprintf("The offer code '%s' is already used by another promotional offer of this subscription.", code), "/data/attributes/offerCode")
		}
	}
	if len(siblings) >= apple.MaxActivePromotionalOffers {
		return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			fmt.Sprintf("A subscription can have at most %d active promotional offers.", apple.MaxActivePromotionalOffers), "/data/relationships/subscription")
	}
	errs := offerTextErrors(doc.Attrs, "name", "offerCode")
	errs = append(errs, offerTermsErrors(doc.Attrs, "numberOfPeriods")...)
	mode, _ := doc.Attrs["offerMode"].(string)
	errs = append(errs, s.offerPriceErrors(doc.Rels["prices"].ids, sub, mode)...)
	return conflictOf(errs)
}

// offerTextErrors: reference names and identifiers are at most apple's lengths.
func offerTextErrors(attrs map[string]any, names ...string) []apiError {
	var errs []apiError
	for _, name := range names {
		max := apple.MaxProductReferenceNameLength
		if name == "offerCode" || name == "offerId" {
			max = apple.MaxOfferIdentifierLength
		}
		if v, _ := attrs[name].(string); apple.Length(v) > max {
			errs = append(errs, offerAttrInvalid(fmt.Sprintf("The value of '%s' is too long: %d characters, at most %d.", name, apple.Length(v), max), "/data/attributes/"+name))
		}
	}
	return errs
}

func checkPromotionalOfferPrices(s *Server, r *record, doc *resourceDoc) *httpError {
	l, ok := doc.Rels["prices"]
	if !ok {
		return nil
	}
	var fresh []identifier
	for _, id := range l.ids {
		if !slices.Contains(r.Rels["prices"], id.ID) {
			fresh = append(fresh, id)
		}
	}
	return conflictOf(s.offerPriceErrors(fresh, r.one("subscription"), r.str("offerMode")))
}

// dropReplacedPrices: prices an update no longer lists are gone, not orphaned.
func dropReplacedPrices(s *Server, _ *apiRequest, r, old *record, doc *resourceDoc) *httpError {
	if _, ok := doc.Rels["prices"]; !ok {
		return nil
	}
	for _, id := range old.Rels["prices"] {
		if p := s.st.get("subscriptionPromotionalOfferPrices", id); p != nil && !slices.Contains(r.Rels["prices"], id) {
			s.removeLocked(p)
		}
	}
	return nil
}

func checkOfferCode(s *Server, doc *resourceDoc) *httpError {
	sub := doc.relID("subscription")
	name, _ := doc.Attrs["name"].(string)
	for _, o := range s.siblings("subscriptionOfferCodes", "subscription", sub) {
		if o.str("name") == name {
			return duplicate(fmt.Sprintf("The name '%s' is already used by another offer code of this subscription.", name), "/data/attributes/name")
		}
	}
	errs := offerTextErrors(doc.Attrs, "name")
	if list, _ := doc.Attrs["customerEligibilities"].([]any); len(list) == 0 {
		errs = append(errs, offerAttrInvalid("An offer code is for at least one kind of customer.", "/data/attributes/customerEligibilities"))
	}
	errs = append(errs, offerTermsErrors(doc.Attrs, "numberOfPeriods")...)
	mode, _ := doc.Attrs["offerMode"].(string)
	errs = append(errs, s.offerPriceErrors(doc.Rels["prices"].ids, sub, mode)...)
	return conflictOf(errs)
}

// startOfferCode: a new offer code is active with no codes yet.
func startOfferCode(s *Server, _ *apiRequest, r *record) *httpError {
	r.Attrs["active"] = true
	for _, k := range []string{"totalNumberOfCodes", "productionCodeCount", "sandboxCodeCount"} {
		r.Attrs[k] = 0
	}
	return nil
}

// checkStaysDeactivated refuses to turn a deactivated offer code or batch of codes on again.
func checkStaysDeactivated(s *Server, r *record, doc *resourceDoc) *httpError {
	if on, ok := doc.Attrs["active"].(bool); ok && on {
		if was, _ := r.Attrs["active"].(bool); !was {
			return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
				"A deactivated offer code cannot be activated again.", "/data/attributes/active")
		}
	}
	return nil
}

var customCodePattern = regexp.MustCompile(apple.CustomCodePattern)

// appOfOfferCode is the app an offer code sells for (offer code, subscription, group, app).
func (s *Server) appOfOfferCode(code *record) string {
	sub := s.st.get("subscriptions", code.one("subscription"))
	if sub == nil {
		return ""
	}
	if g := s.st.get("subscriptionGroups", sub.one("group")); g != nil {
		return g.one("app")
	}
	return ""
}

func quarterStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), time.Month((int(t.Month())-1)/3*3+1), 1, 0, 0, 0, 0, time.UTC)
}

// codesThisQuarter counts the codes an app made this quarter, both kinds.
func (s *Server) codesThisQuarter(app string) int {
	since := quarterStart(s.stateNow())
	n := 0
	for _, typ := range []string{"subscriptionOfferCodeOneTimeUseCodes", "subscriptionOfferCodeCustomCodes"} {
		for _, r := range s.st.all(typ) {
			code := s.st.get("subscriptionOfferCodes", r.one("offerCode"))
			if code == nil || s.appOfOfferCode(code) != app {
				continue
			}
			if made, err := time.Parse(time.RFC3339, r.str("createdDate")); err == nil && !made.Before(since) {
				n += intOf(r.Attrs["numberOfCodes"])
			}
		}
	}
	return n
}

func checkCodes(s *Server, doc *resourceDoc) *httpError {
	code := s.st.get("subscriptionOfferCodes", doc.relID("offerCode"))
	if code == nil {
		return nil // the engine answers an unknown offer code
	}
	if active, ok := code.Attrs["active"].(bool); ok && !active {
		return stateError(fmt.Sprintf("The offer code '%s' is deactivated; it takes no more codes.", code.str("name")))
	}
	var errs []apiError
	n := intOf(doc.Attrs["numberOfCodes"])
	app := s.appOfOfferCode(code)
	if n < 1 {
		errs = append(errs, offerAttrInvalid("The number of codes must be at least 1.", "/data/attributes/numberOfCodes"))
	} else if used := s.codesThisQuarter(app); used+n > apple.MaxOfferCodesPerQuarter {
		errs = append(errs, offerAttrInvalid(fmt.Sprintf("An app can create at most %d offer codes per quarter; %d are left this quarter.", apple.MaxOfferCodesPerQuarter, max(0, apple.MaxOfferCodesPerQuarter-used)), "/data/attributes/numberOfCodes"))
	}
	today := s.today()
	exp, _ := doc.Attrs["expirationDate"].(string)
	if exp != "" && exp <= today {
		errs = append(errs, offerAttrInvalid("The expiration date must be in the future.", "/data/attributes/expirationDate"))
	}
	if doc.Type == "subscriptionOfferCodeOneTimeUseCodes" {
		limit := s.stateNow().UTC().AddDate(0, apple.MaxOneTimeUseCodeMonths, 0).Format(time.DateOnly)
		if exp > limit {
			errs = append(errs, offerAttrInvalid(fmt.Sprintf("One-time use codes expire at most %d months after they are created (by %s).", apple.MaxOneTimeUseCodeMonths, limit), "/data/attributes/expirationDate"))
		}
	} else {
		custom, _ := doc.Attrs["customCode"].(string)
		if !customCodePattern.MatchString(custom) || apple.Length(custom) > apple.MaxOfferIdentifierLength {
			errs = append(errs, offerAttrInvalid(fmt.Sprintf("A custom code is 1 to %d letters and digits.", apple.MaxOfferIdentifierLength), "/data/attributes/customCode"))
		}
		for _, other := range s.st.all("subscriptionOfferCodeCustomCodes") {
			oc := s.st.get("subscriptionOfferCodes", other.one("offerCode"))
			if oc != nil && s.appOfOfferCode(oc) == app && equalFoldASCII(other.str("customCode"), custom) {
				return duplicate(fmt.Sprintf("The custom code '%s' is already used in this app.", custom), "/data/attributes/customCode")
			}
		}
	}
	return conflictOf(errs)
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range len(a) {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// countCodes: a new batch is active, made now (production unless said), and counted on its
// offer code.
func countCodes(s *Server, _ *apiRequest, r *record) *httpError {
	r.Attrs["active"] = true
	r.Attrs["createdDate"] = stamp(s.stateNow())
	n := intOf(r.Attrs["numberOfCodes"])
	code := s.st.get("subscriptionOfferCodes", r.one("offerCode"))
	if code == nil {
		return nil
	}
	add := func(k string) { code.Attrs[k] = intOf(code.Attrs[k]) + n }
	add("totalNumberOfCodes")
	if r.Type == "subscriptionOfferCodeOneTimeUseCodes" {
		env, _ := r.Attrs["environment"].(string)
		if env == "" {
			env = "PRODUCTION"
			r.Attrs["environment"] = env
		}
		if env == "SANDBOX" {
			add("sandboxCodeCount")
		} else {
			add("productionCodeCount")
		}
	}
	s.markDirty(code)
	return nil
}

// winBackErrors checks the eligibility and dates a create or update sets; r is the offer
// being updated (nil for a create).
func (s *Server) winBackErrors(r *record, attrs map[string]any) []apiError {
	get := func(k string) any {
		if v, ok := attrs[k]; ok {
			return v
		}
		if r != nil {
			return r.Attrs[k]
		}
		return nil
	}
	var errs []apiError
	if rng, ok := get("customerEligibilityTimeSinceLastSubscribedInMonths").(map[string]any); ok {
		lo, hasMax := intOf(rng["minimum"]), rng["maximum"] != nil
		if lo < 0 || (hasMax && intOf(rng["maximum"]) < lo) {
			errs = append(errs, offerAttrInvalid("The months since the last subscription must be a range from a minimum up to a maximum.", "/data/attributes/customerEligibilityTimeSinceLastSubscribedInMonths"))
		}
	}
	if v := get("customerEligibilityPaidSubscriptionDurationInMonths"); v != nil && intOf(v) < 1 {
		errs = append(errs, offerAttrInvalid("The months of paid service must be at least 1.", "/data/attributes/customerEligibilityPaidSubscriptionDurationInMonths"))
	}
	start, _ := get("startDate").(string)
	end, _ := get("endDate").(string)
	if newStart, ok := attrs["startDate"].(string); ok {
		old := ""
		if r != nil {
			old = r.str("startDate")
		}
		switch {
		case r != nil && old != "" && old <= s.today() && newStart != old:
			errs = append(errs, startDateError("The offer has started; its start date cannot change.", "/data/attributes/startDate"))
		case newStart < s.today():
			errs = append(errs, startDateError("The start date cannot be in the past.", "/data/attributes/startDate"))
		}
	}
	if end != "" && start != "" && end <= start {
		errs = append(errs, offerAttrInvalid("The end date must be after the start date.", "/data/attributes/endDate"))
	}
	return errs
}

func checkWinBackOffer(s *Server, doc *resourceDoc) *httpError {
	id, _ := doc.Attrs["offerId"].(string)
	for _, o := range s.siblings("winBackOffers", "subscription", doc.relID("subscription")) {
		if o.str("offerId") == id {
			return duplicate(fmt.Sprintf("The offer id '%s' is already used by another win-back offer of this subscription.", id), "/data/attributes/offerId")
		}
	}
	errs := offerTextErrors(doc.Attrs, "referenceName", "offerId")
	errs = append(errs, offerTermsErrors(doc.Attrs, "periodCount")...)
	errs = append(errs, s.winBackErrors(nil, doc.Attrs)...)
	return conflictOf(errs)
}

func checkWinBackUpdate(s *Server, r *record, doc *resourceDoc) *httpError {
	return conflictOf(s.winBackErrors(r, doc.Attrs))
}
