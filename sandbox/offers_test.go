package sandbox

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// demoMonthly is the demo's monthly subscription, which has no offers of its own.
func demoMonthly(t *testing.T, c *testClient) string {
	t.Helper()
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak")
	group := findOne(t, c, "/v1/apps/"+id(app)+"/subscriptionGroups", "referenceName", "Daybreak Plus")
	return id(findOne(t, c, "/v1/subscriptionGroups/"+id(group)+"/subscriptions", "productId", "com.example.daybreak.plus.monthly"))
}

// offerBody is a create body of an offer type with prices inline (territory, price point).
func offerBody(typ, priceType string, attrs map[string]any, sub string, prices ...[2]string) map[string]any {
	var refs [][2]string
	var included []any
	for i, p := range prices {
		local := fmt.Sprintf("${p%d}", i)
		refs = append(refs, [2]string{priceType, local})
		rels := map[string]any{"territory": [2]string{"territories", p[0]}}
		if p[1] != "" {
			rels["subscriptionPricePoint"] = [2]string{"subscriptionPricePoints", p[1]}
		}
		included = append(included, resource(priceType, local, nil, rels)["data"])
	}
	body := resource(typ, "", attrs, map[string]any{"subscription": [2]string{"subscriptions", sub}, "prices": refs})
	body["included"] = included
	return body
}

func wantConflict(t *testing.T, r *response, code, pointer string) {
	t.Helper()
	r.must(t, 409)
	if r.errorCode() != code || !strings.Contains(string(r.body), `"pointer":"`+pointer+`"`) {
		t.Fatalf("want %s at %s: %s", code, pointer, r.body)
	}
}

// Promotional offers: created with their prices; Apple's refusals with its codes and
// pointers; after creation only the prices change, and new prices replace the old.
func TestPromotionalOfferRules(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	sub := demoMonthly(t, c)
	points := "/v1/subscriptions/" + sub + "/pricePoints"
	usa, gbr := pointOf(t, c, points, "USA", "0.99"), pointOf(t, c, points, "GBR", "0.79")
	terms := func(code, mode string, periods int) map[string]any {
		return map[string]any{"name": "Offer " + code, "offerCode": code, "offerMode": mode, "duration": "ONE_MONTH", "numberOfPeriods": periods}
	}
	const promo, price = "subscriptionPromotionalOffers", "subscriptionPromotionalOfferPrices"
	made := c.do("POST", "/v1/"+promo, offerBody(promo, price, terms("LOYAL", "PAY_AS_YOU_GO", 3), sub, [2]string{"USA", usa}, [2]string{"GBR", gbr})).must(t, 201).data()
	prices := c.do("GET", "/v1/"+promo+"/"+id(made)+"/prices?include=territory,subscriptionPricePoint", nil).must(t, 200).list()
	if len(prices) != 2 {
		t.Fatalf("%d prices", len(prices))
	}
	wantConflict(t, c.do("POST", "/v1/"+promo, offerBody(promo, price, terms("LOYAL", "PAY_AS_YOU_GO", 1), sub, [2]string{"USA", usa})), "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "/data/attributes/offerCode")
	wantConflict(t, c.do("POST", "/v1/"+promo, offerBody(promo, price, terms("LONG", "PAY_AS_YOU_GO", apple.MaxOfferPeriods+1), sub, [2]string{"USA", usa})), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/numberOfPeriods")
	wantConflict(t, c.do("POST", "/v1/"+promo, offerBody(promo, price, terms("FREE", "FREE_TRIAL", 1), sub, [2]string{"USA", usa})), "ENTITY_ERROR.RELATIONSHIP.INVALID", "/included/0/relationships/subscriptionPricePoint")
	wantConflict(t, c.do("POST", "/v1/"+promo, offerBody(promo, price, terms("WRONG", "PAY_UP_FRONT", 1), sub, [2]string{"JPN", usa})), "ENTITY_ERROR.RELATIONSHIP.INVALID", "/included/0/relationships/territory")
	wantConflict(t, c.do("POST", "/v1/"+promo, offerBody(promo, price, terms("TWICE", "PAY_UP_FRONT", 1), sub, [2]string{"USA", usa}, [2]string{"USA", usa})), "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "/included/1/relationships/territory")
	// A refused create leaves nothing behind: its inline prices are gone too.
	if n := len(c.do("GET", "/v1/subscriptions/"+sub+"/promotionalOffers", nil).must(t, 200).list()); n != 1 {
		t.Fatalf("%d offers after refusals", n)
	}
	// Duration and mode are fixed once created.
	change := resource(promo, id(made), map[string]any{"duration": "TWO_MONTHS"}, nil)
	wantConflict(t, c.do("PATCH", "/v1/"+promo+"/"+id(made), change), "ENTITY_ERROR.ATTRIBUTE.UNKNOWN", "/data/attributes/duration")
	// New prices replace the old ones.
	usa2 := pointOf(t, c, points, "USA", "1.99")
	body := offerBody(promo, price, nil, sub, [2]string{"USA", usa2})
	data := body["data"].(map[string]any)
	data["id"] = id(made)
	delete(data["relationships"].(map[string]any), "subscription")
	c.do("PATCH", "/v1/"+promo+"/"+id(made), body).must(t, 200)
	after := c.do("GET", "/v1/"+promo+"/"+id(made)+"/prices?include=subscriptionPricePoint", nil).must(t, 200)
	if len(after.list()) != 1 || !strings.Contains(string(after.body), `"customerPrice":"1.99"`) {
		t.Fatalf("prices after the update: %s", after.body)
	}
	// At most ten per subscription.
	for i := 1; i < apple.MaxActivePromotionalOffers; i++ {
		c.do("POST", "/v1/"+promo, offerBody(promo, price, terms(fmt.Sprintf("O%d", i), "FREE_TRIAL", 1), sub, [2]string{"USA", ""})).must(t, 201)
	}
	wantConflict(t, c.do("POST", "/v1/"+promo, offerBody(promo, price, terms("ELEVEN", "FREE_TRIAL", 1), sub, [2]string{"USA", ""})), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/relationships/subscription")
}

// Offer codes: a name unique per subscription; batches of one-time use codes and custom
// codes within Apple's quarterly count and expiry; only "active" changes, and a
// deactivated code stays so.
func TestOfferCodeRules(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	sub := demoMonthly(t, c)
	const oc, price = "subscriptionOfferCodes", "subscriptionOfferCodePrices"
	attrs := map[string]any{"name": "Winter", "customerEligibilities": []string{"NEW"}, "offerEligibility": "STACK_WITH_INTRO_OFFERS",
		"offerMode": "FREE_TRIAL", "duration": "ONE_MONTH", "numberOfPeriods": 1}
	code := c.do("POST", "/v1/"+oc, offerBody(oc, price, attrs, sub, [2]string{"USA", ""})).must(t, 201).data()
	if attr(code, "active") != true || attr(code, "totalNumberOfCodes") != float64(0) {
		t.Fatalf("new offer code %v", code["attributes"])
	}
	wantConflict(t, c.do("POST", "/v1/"+oc, offerBody(oc, price, attrs, sub, [2]string{"USA", ""})), "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "/data/attributes/name")
	change := resource(oc, id(code), map[string]any{"offerMode": "PAY_UP_FRONT"}, nil)
	wantConflict(t, c.do("PATCH", "/v1/"+oc+"/"+id(code), change), "ENTITY_ERROR.ATTRIBUTE.UNKNOWN", "/data/attributes/offerMode")

	today := s.stateNow().UTC()
	batch := func(n int, exp time.Time, env string) map[string]any {
		a := map[string]any{"numberOfCodes": n, "expirationDate": exp.Format(time.DateOnly)}
		if env != "" {
			a["environment"] = env
		}
		return resource("subscriptionOfferCodeOneTimeUseCodes", "", a, map[string]any{"offerCode": [2]string{oc, id(code)}})
	}
	c.do("POST", "/v1/subscriptionOfferCodeOneTimeUseCodes", batch(500, today.AddDate(0, 2, 0), "")).must(t, 201)
	c.do("POST", "/v1/subscriptionOfferCodeOneTimeUseCodes", batch(100, today.AddDate(0, 2, 0), "SANDBOX")).must(t, 201)
	got := c.do("GET", "/v1/"+oc+"/"+id(code), nil).must(t, 200).data()
	if attr(got, "totalNumberOfCodes") != float64(600) || attr(got, "productionCodeCount") != float64(500) || attr(got, "sandboxCodeCount") != float64(100) {
		t.Fatalf("counts %v", got["attributes"])
	}
	wantConflict(t, c.do("POST", "/v1/subscriptionOfferCodeOneTimeUseCodes", batch(10, today.AddDate(0, apple.MaxOneTimeUseCodeMonths, 2), "")), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/expirationDate")
	wantConflict(t, c.do("POST", "/v1/subscriptionOfferCodeOneTimeUseCodes", batch(10, today.AddDate(0, 0, -1), "")), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/expirationDate")
	wantConflict(t, c.do("POST", "/v1/subscriptionOfferCodeOneTimeUseCodes", batch(apple.MaxOfferCodesPerQuarter-599, today.AddDate(0, 1, 0), "")), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/numberOfCodes")
	wantConflict(t, c.do("POST", "/v1/subscriptionOfferCodeOneTimeUseCodes", batch(0, today.AddDate(0, 1, 0), "")), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/numberOfCodes")

	custom := func(code string, n int) map[string]any {
		return resource("subscriptionOfferCodeCustomCodes", "", map[string]any{"customCode": code, "numberOfCodes": n}, map[string]any{"offerCode": [2]string{oc, id(got)}})
	}
	cc := c.do("POST", "/v1/subscriptionOfferCodeCustomCodes", custom("WINTER26", 1000)).must(t, 201).data()
	wantConflict(t, c.do("POST", "/v1/subscriptionOfferCodeCustomCodes", custom("winter26", 10)), "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "/data/attributes/customCode")
	wantConflict(t, c.do("POST", "/v1/subscriptionOfferCodeCustomCodes", custom("NOT-OK", 10)), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/customCode")
	// The quarter's count holds both kinds: 600 one-time use codes and 1000 custom ones.
	wantConflict(t, c.do("POST", "/v1/subscriptionOfferCodeCustomCodes", custom("SPRING", apple.MaxOfferCodesPerQuarter-1599)), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/numberOfCodes")
	c.do("POST", "/v1/subscriptionOfferCodeCustomCodes", custom("SPRING", apple.MaxOfferCodesPerQuarter-1600)).must(t, 201)

	off := func(typ, rid string, on bool) map[string]any {
		return resource(typ, rid, map[string]any{"active": on}, nil)
	}
	c.do("PATCH", "/v1/subscriptionOfferCodeCustomCodes/"+id(cc), off("subscriptionOfferCodeCustomCodes", id(cc), false)).must(t, 200)
	wantConflict(t, c.do("PATCH", "/v1/subscriptionOfferCodeCustomCodes/"+id(cc), off("subscriptionOfferCodeCustomCodes", id(cc), true)), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/active")
	c.do("PATCH", "/v1/"+oc+"/"+id(code), off(oc, id(code), false)).must(t, 200)
	if r := c.do("POST", "/v1/subscriptionOfferCodeOneTimeUseCodes", batch(5, today.AddDate(0, 1, 0), "")); r.status != 409 || r.errorCode() != "STATE_ERROR.ENTITY_STATE_INVALID" {
		t.Fatalf("codes for a deactivated offer code: %d %s", r.status, r.body)
	}
}

// Win-back offers: an offer id unique per subscription, ordered eligibility, dates Apple
// accepts; the start date does not move once the offer has started.
func TestWinBackOfferRules(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{})
	sub := demoMonthly(t, c)
	today := s.stateNow().UTC()
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	attrs := func(offerID, start string, lo, hi int) map[string]any {
		return map[string]any{"referenceName": "Come back " + offerID, "offerId": offerID, "offerMode": "FREE_TRIAL", "duration": "ONE_MONTH", "periodCount": 1,
			"customerEligibilityPaidSubscriptionDurationInMonths": 3, "customerEligibilityTimeSinceLastSubscribedInMonths": map[string]any{"minimum": lo, "maximum": hi},
			"startDate": start, "priority": "HIGH"}
	}
	const wb = "winBackOffers"
	body := func(a map[string]any) map[string]any {
		// Apple's spec gives a win-back offer's inline prices neither territory nor price point.
		b := resource(wb, "", a, map[string]any{"subscription": [2]string{"subscriptions", sub}, "prices": [][2]string{{"winBackOfferPrices", "${p0}"}}})
		b["included"] = []any{map[string]any{"type": "winBackOfferPrices", "id": "${p0}"}}
		return b
	}
	made := c.do("POST", "/v1/"+wb, body(attrs("back1", day(1), 1, 6))).must(t, 201).data()
	wantConflict(t, c.do("POST", "/v1/"+wb, body(attrs("back1", day(1), 1, 6))), "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", "/data/attributes/offerId")
	wantConflict(t, c.do("POST", "/v1/"+wb, body(attrs("back2", day(1), 6, 2))), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/customerEligibilityTimeSinceLastSubscribedInMonths")
	wantConflict(t, c.do("POST", "/v1/"+wb, body(attrs("back3", day(-2), 1, 6))), "ENTITY_ERROR.INVALID_START_DATE", "/data/attributes/startDate")
	upd := func(a map[string]any) map[string]any { return resource(wb, id(made), a, nil) }
	wantConflict(t, c.do("PATCH", "/v1/"+wb+"/"+id(made), upd(map[string]any{"endDate": day(1)})), "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/endDate")
	wantConflict(t, c.do("PATCH", "/v1/"+wb+"/"+id(made), upd(map[string]any{"offerMode": "PAY_UP_FRONT"})), "ENTITY_ERROR.ATTRIBUTE.UNKNOWN", "/data/attributes/offerMode")
	c.do("PATCH", "/v1/"+wb+"/"+id(made), upd(map[string]any{"startDate": day(3), "priority": "NORMAL"})).must(t, 200)
	clk.add(5 * 24 * time.Hour)
	wantConflict(t, c.do("PATCH", "/v1/"+wb+"/"+id(made), upd(map[string]any{"startDate": day(10)})), "ENTITY_ERROR.INVALID_START_DATE", "/data/attributes/startDate")
	c.do("PATCH", "/v1/"+wb+"/"+id(made), upd(map[string]any{"endDate": day(30)})).must(t, 200)
	c.do("DELETE", "/v1/"+wb+"/"+id(made), nil).must(t, 204)
}
