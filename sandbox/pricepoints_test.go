package sandbox

import (
	"strings"
	"testing"
	"time"
)

func newIAP(t *testing.T, c *testClient, product string) string {
	t.Helper()
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
	return id(c.do("POST", "/v2/inAppPurchases", resource("inAppPurchases", "", map[string]any{"name": product, "productId": product, "inAppPurchaseType": "CONSUMABLE"},
		map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201).data())
}

func pointOf(t *testing.T, c *testClient, path, territory, price string) string {
	t.Helper()
	for _, p := range c.do("GET", path+"?filter[territory]="+territory+"&limit=8000", nil).must(t, 200).list() {
		if attr(p.(map[string]any), "customerPrice") == price {
			return id(p.(map[string]any))
		}
	}
	t.Fatalf("no price point %s in %s", price, territory)
	return ""
}

func TestPricePointsPerTerritory(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	if n := len(c.do("GET", "/v1/territories?limit=200", nil).must(t, 200).list()); n != 175 {
		t.Fatalf("%d territories, Apple has 175", n)
	}
	iap := newIAP(t, c, "com.example.ledger.tip")
	usa := c.do("GET", "/v2/inAppPurchases/"+iap+"/pricePoints?filter[territory]=USA&limit=8000&include=territory", nil).must(t, 200)
	if len(usa.list()) != len(usTiers) || !strings.Contains(string(usa.body), `"type":"territories","id":"USA"`) {
		t.Fatalf("%d USA price points", len(usa.list()))
	}
	for territory, price := range map[string]string{"USA": "0.99", "DEU": "0.99", "GBR": "0.79", "JPN": "150", "KOR": "1300", "IND": "80", "BRA": "4.99", "CHE": "0.89"} {
		pointOf(t, c, "/v2/inAppPurchases/"+iap+"/pricePoints", territory, price)
	}
	// The equalizations of a tier are the same tier in the other 174 territories.
	p := pointOf(t, c, "/v2/inAppPurchases/"+iap+"/pricePoints", "USA", "0.99")
	eq := c.do("GET", "/v1/inAppPurchasePricePoints/"+p+"/equalizations?limit=8000&filter[territory]=JPN,DEU", nil).must(t, 200).list()
	if len(eq) != 2 {
		t.Fatalf("%d equalizations in JPN and DEU", len(eq))
	}
	for _, e := range eq {
		if price := attr(e.(map[string]any), "customerPrice"); price != "150" && price != "0.99" {
			t.Fatalf("equalization %v", price)
		}
	}
	c.do("GET", "/v1/inAppPurchasePricePoints/"+p+"/equalizations", nil).must(t, 200)
	c.do("GET", "/v1/inAppPurchasePricePoints/bm9wZQ/equalizations", nil).must(t, 404)
}

func schedule(iap, base string, prices ...[2]string) map[string]any {
	var refs [][2]string
	var included []any
	for i, p := range prices {
		local := "${p" + string(rune('0'+i)) + "}"
		refs = append(refs, [2]string{"inAppPurchasePrices", local})
		attrs := map[string]any{"startDate": nil}
		if p[1] != "" {
			attrs["startDate"] = p[1]
		}
		inc := resource("inAppPurchasePrices", local, attrs, map[string]any{"inAppPurchasePricePoint": [2]string{"inAppPurchasePricePoints", p[0]}})["data"]
		included = append(included, inc)
	}
	body := resource("inAppPurchasePriceSchedules", "", nil, map[string]any{
		"inAppPurchase": [2]string{"inAppPurchases", iap}, "baseTerritory": [2]string{"territories", base}, "manualPrices": refs})
	body["included"] = included
	return body
}

// Apple's start-date rules, codes and pointers, as captured from App Store Connect.
func TestPriceScheduleRules(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	iap := newIAP(t, c, "com.example.ledger.coins")
	path := "/v2/inAppPurchases/" + iap + "/pricePoints"
	usa, jpn := pointOf(t, c, path, "USA", "0.99"), pointOf(t, c, path, "JPN", "300")
	past := time.Now().UTC().AddDate(0, 0, -3).Format(time.DateOnly)
	future := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	for _, tc := range []struct {
		name, code, detail, pointer string
		body                        map[string]any
	}{
		{"past", "ENTITY_ERROR.INVALID_START_DATE", "Interval can not have a start date in the past", "/data/relationships/manualPrices/data/0/attributes/startDate",
			schedule(iap, "USA", [2]string{usa, past})},
		{"no base", "ENTITY_ERROR.BASE_TERRITORY_INTERVAL_REQUIRED", "There must be at least one manual price for the base territory.", "/data/relationships/manualPrices",
			schedule(iap, "USA", [2]string{jpn, ""})},
		{"first in the future", "ENTITY_ERROR.INVALID_START_DATE", "Entire timeline must be covered for USA. The first interval has a start date " + future + "T00:00 in the future", "/data/relationships/manualPrices/data/0/attributes/startDate",
			schedule(iap, "USA", [2]string{usa, future})},
		{"unknown price point", "ENTITY_ERROR.NOT_FOUND", "There is no resource of type 'inAppPurchasePricePoints' with id 'bm9wZQ'", "/included/0/relationships/inAppPurchasePricePoint",
			schedule(iap, "USA", [2]string{"bm9wZQ", ""})},
	} {
		r := c.do("POST", "/v1/inAppPurchasePriceSchedules", tc.body).must(t, 409)
		if r.errorCode() != tc.code || !strings.Contains(string(r.body), tc.detail) || !strings.Contains(string(r.body), `"pointer":"`+tc.pointer+`"`) {
			t.Errorf("%s: %s", tc.name, r.body)
		}
	}
	// A valid schedule replaces the previous one.
	c.do("POST", "/v1/inAppPurchasePriceSchedules", schedule(iap, "USA", [2]string{usa, ""}, [2]string{jpn, ""})).must(t, 201)
	sched := id(c.do("POST", "/v1/inAppPurchasePriceSchedules", schedule(iap, "USA", [2]string{usa, ""}, [2]string{pointOf(t, c, path, "USA", "1.99"), future})).must(t, 201).data())
	got := c.do("GET", "/v2/inAppPurchases/"+iap+"/iapPriceSchedule", nil).must(t, 200).data()
	if id(got) != sched {
		t.Fatalf("schedule %v, want %s", got, sched)
	}
	prices := c.do("GET", "/v1/inAppPurchasePriceSchedules/"+sched+"/manualPrices?include=territory,inAppPurchasePricePoint", nil).must(t, 200).list()
	if len(prices) != 2 {
		t.Fatalf("%d manual prices", len(prices))
	}
}

// A subscription's prices come inline in a PATCH: new ones join, one of the same territory
// and day replaces the old, a past start date is refused.
func TestSubscriptionPricesInline(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak")
	group := findOne(t, c, "/v1/apps/"+id(app)+"/subscriptionGroups", "referenceName", "Daybreak Plus")
	sub := findOne(t, c, "/v1/subscriptionGroups/"+id(group)+"/subscriptions", "productId", "com.example.daybreak.plus.monthly")
	path := "/v1/subscriptions/" + id(sub) + "/pricePoints"
	patch := func(prices ...[3]string) map[string]any {
		var refs [][2]string
		var included []any
		for i, p := range prices {
			local := "${s" + string(rune('0'+i)) + "}"
			refs = append(refs, [2]string{"subscriptionPrices", local})
			attrs := map[string]any{}
			if p[2] != "" {
				attrs["startDate"] = p[2]
			}
			included = append(included, resource("subscriptionPrices", local, attrs, map[string]any{
				"territory": [2]string{"territories", p[0]}, "subscriptionPricePoint": [2]string{"subscriptionPricePoints", p[1]}})["data"])
		}
		body := resource("subscriptions", id(sub), nil, map[string]any{"prices": refs})
		body["included"] = included
		return body
	}
	c.do("PATCH", "/v1/subscriptions/"+id(sub), patch([3]string{"USA", pointOf(t, c, path, "USA", "4.99"), ""}, [3]string{"GBR", pointOf(t, c, path, "GBR", "3.99"), ""})).must(t, 200)
	c.do("PATCH", "/v1/subscriptions/"+id(sub), patch([3]string{"USA", pointOf(t, c, path, "USA", "5.99"), ""})).must(t, 200)
	list := c.do("GET", "/v1/subscriptions/"+id(sub)+"/prices?include=subscriptionPricePoint", nil).must(t, 200)
	if len(list.list()) != 2 || !strings.Contains(string(list.body), `"customerPrice":"5.99"`) || strings.Contains(string(list.body), `"customerPrice":"4.99"`) {
		t.Fatalf("prices %s", list.body)
	}
	past := time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	r := c.do("PATCH", "/v1/subscriptions/"+id(sub), patch([3]string{"USA", pointOf(t, c, path, "USA", "6.99"), past})).must(t, 409)
	if r.errorCode() != "ENTITY_ERROR.INVALID_START_DATE" {
		t.Fatalf("past start: %s", r.body)
	}
	r = c.do("PATCH", "/v1/subscriptions/"+id(sub), patch([3]string{"GBR", pointOf(t, c, path, "USA", "6.99"), ""})).must(t, 409)
	if !strings.Contains(string(r.body), "The price point is in USA, not GBR.") {
		t.Fatalf("territory mismatch: %s", r.body)
	}
}

// Apple's limits of product text, every attribute at once.
func TestProductTextLimits(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	iap := newIAP(t, c, "com.example.ledger.limits")
	r := c.do("POST", "/v1/inAppPurchaseLocalizations", resource("inAppPurchaseLocalizations", "", map[string]any{
		"locale": "en-US", "name": strings.Repeat("n", 31), "description": strings.Repeat("d", 46)},
		map[string]any{"inAppPurchaseV2": [2]string{"inAppPurchases", iap}})).must(t, 409)
	if r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" || !strings.Contains(string(r.body), "/data/attributes/description") || !strings.Contains(string(r.body), "31 characters, at most 30") {
		t.Fatalf("limits: %s", r.body)
	}
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
	c.do("POST", "/v2/inAppPurchases", resource("inAppPurchases", "", map[string]any{"name": strings.Repeat("r", 65), "productId": "com.example.ledger.long", "inAppPurchaseType": "CONSUMABLE"},
		map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 409)
	c.do("PATCH", "/v2/inAppPurchases/"+iap, resource("inAppPurchases", iap, map[string]any{"name": strings.Repeat("r", 64)}, nil)).must(t, 200)

	// A product id holds letters, numbers, hyphens, periods and underscores.
	newIAP(t, c, "com.example.ledger.coins-100_b")
	r = c.do("POST", "/v2/inAppPurchases", resource("inAppPurchases", "", map[string]any{"name": "Spaced", "productId": "com.example.ledger.coins 100", "inAppPurchaseType": "CONSUMABLE"},
		map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 409)
	if r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" || !strings.Contains(string(r.body), "/data/attributes/productId") {
		t.Fatalf("a product id with a space: %s", r.body)
	}
	// A subscription group's display name holds no control character.
	group := c.do("POST", "/v1/subscriptionGroups", resource("subscriptionGroups", "", map[string]any{"referenceName": "Limits"},
		map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201).data()
	rel := map[string]any{"subscriptionGroup": [2]string{"subscriptionGroups", id(group)}}
	for _, bad := range []string{"Pro\nPlus", "Pro\tPlus", "Pro\u0085Plus", "\x1b[2KPro"} {
		r = c.do("POST", "/v1/subscriptionGroupLocalizations", resource("subscriptionGroupLocalizations", "", map[string]any{"locale": "en-US", "name": bad}, rel)).must(t, 409)
		if r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" || !strings.Contains(string(r.body), "/data/attributes/name") {
			t.Fatalf("group name %q: %s", bad, r.body)
		}
	}
	c.do("POST", "/v1/subscriptionGroupLocalizations", resource("subscriptionGroupLocalizations", "", map[string]any{"locale": "en-US", "name": "Pro Plus für Sie"}, rel)).must(t, 201)
}
