package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// In-app purchases and subscriptions: product ids are unique across both; a product starts
// MISSING_METADATA, is READY_TO_SUBMIT once localized (the sandbox asks for no price or
// review screenshot), and a submission takes it through review to APPROVED (REJECTED with
// Options.RejectReviews).

func init() {
	register(&family{
		name: "inapppurchases",
		hooks: []hooks{
			{types: []string{"inAppPurchases", "subscriptions"}, beforeCreate: uniqueProductID},
			{types: []string{"inAppPurchaseSubmissions", "subscriptionSubmissions"}, beforeCreate: productSubmittable, afterCreate: submitProduct},
			{types: []string{"inAppPurchaseLocalizations", "subscriptionLocalizations"}, afterCreate: productLocalized},
			{types: []string{"inAppPurchaseAppStoreReviewScreenshots"}, onePer: "inAppPurchaseV2"},
			{types: []string{"subscriptionAppStoreReviewScreenshots"}, onePer: "subscription"},
		},
		machines:  []*machine{productMachine},
		noCatalog: []string{"inAppPurchases", "subscriptions", "subscriptionGroups"},
		seed:      seedInAppPurchases,
	})
}

// productMachine: the state of an in-app purchase or a subscription.
var productMachine = &machine{
	types: []string{"inAppPurchases", "subscriptions"}, attr: "state",
	rows: []transition{
		{from: "*", on: "create", to: "MISSING_METADATA"},
		{from: "MISSING_METADATA", on: "localized", to: "READY_TO_SUBMIT"},
		{from: "READY_TO_SUBMIT|DEVELOPER_ACTION_NEEDED|REJECTED", on: "submit", to: "WAITING_FOR_REVIEW", then: "start", after: reviewDelay},
		{from: "WAITING_FOR_REVIEW", on: "start", to: "IN_REVIEW", then: "finish", after: reviewDelay},
		{from: "IN_REVIEW", on: "finish", when: rejecting, to: "REJECTED"},
		{from: "IN_REVIEW", on: "finish", to: "APPROVED"},
	},
}

// productOf is the in-app purchase or subscription a submission or localization is of.
func (s *Server) productOf(r *record) *record {
	if p := s.st.get("inAppPurchases", r.one("inAppPurchaseV2")); p != nil {
		return p
	}
	return s.st.get("subscriptions", r.one("subscription"))
}

func uniqueProductID(s *Server, doc *resourceDoc) *httpError {
	if herr := textLimits(doc.Type, doc.Attrs); herr != nil {
		return herr
	}
	want, _ := doc.Attrs["productId"].(string)
	if want == "" {
		return nil
	}
	for _, t := range []string{"inAppPurchases", "subscriptions"} {
		for _, r := range s.st.all(t) {
			if r.str("productId") == want {
				return duplicate(fmt.Sprintf("The productId '%s' is already used.", want), "/data/attributes/productId")
			}
		}
	}
	return nil
}

func productSubmittable(s *Server, doc *resourceDoc) *httpError {
	typ, id := "inAppPurchases", doc.relID("inAppPurchaseV2")
	if doc.Type == "subscriptionSubmissions" {
		typ, id = "subscriptions", doc.relID("subscription")
	}
	if p := s.st.get(typ, id); p != nil && !s.can(p, "submit") {
		return stateError(fmt.Sprintf("%s %s is %s; only a product that is ready to submit can be submitted.", typ, p.str("productId"), p.str("state")))
	}
	return nil
}

func submitProduct(s *Server, _ *apiRequest, r *record) *httpError {
	if p := s.productOf(r); p != nil {
		s.send(p, "submit")
	}
	return nil
}

func productLocalized(s *Server, _ *apiRequest, r *record) *httpError {
	if p := s.productOf(r); p != nil {
		s.send(p, "localized")
	}
	return nil
}

// seedOffers: the yearly plan has a free week for new subscribers, a win-back promotional
// offer, and an offer code campaign with one-time-use codes (production and sandbox) and a
// custom code, each in the United States at the offer's price.
func seedOffers(sd seeder, sub *record) {
	usa := sd.s.st.get("territories", "USA")
	sd.add("subscriptionIntroductoryOffers", map[string]any{"duration": "ONE_WEEK", "numberOfPeriods": 1, "offerMode": "FREE_TRIAL",
		"startDate": seedEpoch.Add(-60 * day).Format(time.DateOnly)}, "subscription", sub, "territory", usa)
	promo := sd.add("subscriptionPromotionalOffers", map[string]any{"name": "Come back to Plus", "offerCode": "COMEBACK50", "duration": "THREE_MONTHS",
		"numberOfPeriods": 1, "offerMode": "PAY_UP_FRONT"}, "subscription", sub)
	// Paid up front: 24.99 in the United States, at the subscription's price point there.
	pp := pricePoint("subscriptionPricePoints", sub.ID, "USA", slices.Index(usTiers, 24.99))
	point := sd.addID(pp.Type, pp.ID, pp.Attrs, "territory", usa)
	sd.s.st.link(promo, "prices", sd.add("subscriptionPromotionalOfferPrices", nil, "territory", usa, "subscriptionPricePoint", point))
	code := sd.add("subscriptionOfferCodes", map[string]any{"name": "Spring campaign", "customerEligibilities": []any{"NEW", "EXPIRED"},
		"offerEligibility": "STACK_WITH_INTRO_OFFERS", "duration": "ONE_MONTH", "offerMode": "FREE_TRIAL", "numberOfPeriods": 1,
		"active": true, "autoRenewEnabled": true, "totalNumberOfCodes": 600, "productionCodeCount": 500, "sandboxCodeCount": 100}, "subscription", sub)
	for _, env := range []struct {
		name string
		n    int
	}{{"PRODUCTION", 500}, {"SANDBOX", 100}} {
		sd.add("subscriptionOfferCodeOneTimeUseCodes", map[string]any{"numberOfCodes": env.n, "environment": env.name, "active": true,
			"createdDate": stamp(seedEpoch.Add(-20 * day)), "expirationDate": seedEpoch.Add(70 * day).Format(time.DateOnly)}, "offerCode", code)
	}
	sd.add("subscriptionOfferCodeCustomCodes", map[string]any{"customCode": "SPRING2026", "numberOfCodes": 1000, "active": true,
		"createdDate": stamp(seedEpoch.Add(-20 * day)), "expirationDate": seedEpoch.Add(70 * day).Format(time.DateOnly)}, "offerCode", code)
	sd.add("subscriptionOfferCodePrices", nil, "offerCode", code, "territory", usa)
}

// seedInAppPurchases: the first demo app sells coins, a pro unlock and a season pass, and
// has a subscription group of a monthly and a yearly plan, each localized in three locales.
func seedInAppPurchases(sd seeder, d *demo) {
	if d.n != 0 {
		return
	}
	app, locales := d.app, d.locales
	for i, iap := range []struct{ name, product, kind string }{
		{"100 Focus Coins", "com.example.daybreak.coins100", "CONSUMABLE"},
		{"Daybreak Pro Unlock", "com.example.daybreak.pro", "NON_CONSUMABLE"},
		{"Season Pass 2026", "com.example.daybreak.season2026", "NON_RENEWING_SUBSCRIPTION"},
	} {
		state := []string{"APPROVED", "APPROVED", "READY_TO_SUBMIT"}[i]
		p := sd.add("inAppPurchases", map[string]any{"name": iap.name, "productId": iap.product, "inAppPurchaseType": iap.kind,
			"state": state, "familySharable": false, "contentHosting": false, "reviewNote": "Unlocks content."}, "app", app)
		for _, l := range locales[:3] {
			sd.add("inAppPurchaseLocalizations", map[string]any{"locale": l.code, "name": iap.name, "description": iap.name + " (" + l.code + ")"}, "inAppPurchaseV2", p)
		}
	}
	group := sd.add("subscriptionGroups", map[string]any{"referenceName": "Daybreak Plus"}, "app", app)
	for _, l := range locales[:3] {
		sd.add("subscriptionGroupLocalizations", map[string]any{"locale": l.code, "name": "Daybreak Plus", "customAppName": "Daybreak"}, "subscriptionGroup", group)
	}
	for i, sub := range []struct{ name, product, period string }{
		{"Daybreak Plus Monthly", "com.example.daybreak.plus.monthly", "ONE_MONTH"},
		{"Daybreak Plus Yearly", "com.example.daybreak.plus.yearly", "ONE_YEAR"},
	} {
		sr := sd.add("subscriptions", map[string]any{"name": sub.name, "productId": sub.product, "subscriptionPeriod": sub.period,
			"groupLevel": i + 1, "state": "APPROVED", "familySharable": true, "reviewNote": "Auto-renewing."}, "group", group)
		if sub.period == "ONE_YEAR" {
			seedOffers(sd, sr)
		}
		for _, l := range locales[:3] {
			sd.add("subscriptionLocalizations", map[string]any{"locale": l.code, "name": sub.name, "description": sub.name + " (" + l.code + ")"}, "subscription", sr)
		}
	}
}
