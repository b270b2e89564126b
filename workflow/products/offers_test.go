package products_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

// offersCatalog is pricedCatalog with a free trial and a paid promotional offer, and an
// offer code with a custom code and two batches of one-time use codes.
func offersCatalog() *products.Catalog {
	cat := pricedCatalog()
	exp := time.Now().UTC().AddDate(0, 3, 0).Format(time.DateOnly)
	sub := cat.SubscriptionGroups[0].Subscriptions[0]
	sub.PromotionalOffers = []*products.PromotionalOffer{
		{OfferCode: "WELCOMEBACK", ReferenceName: "Welcome back", Mode: "FREE_TRIAL", Duration: "ONE_WEEK", Territories: []string{"USA", "GBR", "DEU"}},
		{OfferCode: "LOYAL3", ReferenceName: "Loyal, three months", Mode: "PAY_AS_YOU_GO", Duration: "ONE_MONTH", Periods: 3,
			Price: &products.OfferPrice{BaseTerritory: "USA", Price: "1.99", Territories: map[string]string{"JPN": "450"}}},
	}
	sub.OfferCodes = []*products.OfferCode{{ReferenceName: "Spring campaign", CustomerEligibilities: []string{"NEW", "EXPIRED"}, OfferEligibility: "STACK_WITH_INTRO_OFFERS",
		Mode: "PAY_UP_FRONT", Duration: "THREE_MONTHS", Territories: []string{"USA", "CAN"}, Price: &products.OfferPrice{BaseTerritory: "USA", Price: "9.99"},
		CustomCodes:     []*products.CustomCode{{Code: "SPRING26", NumberOfCodes: 5000, ExpirationDate: exp}},
		OneTimeUseCodes: []*products.OneTimeUseCodes{{NumberOfCodes: 500, ExpirationDate: exp}, {NumberOfCodes: 50, ExpirationDate: exp, Environment: "SANDBOX"}}}}
	return cat
}

func ledger(t *testing.T, c *asc.Client) string {
	t.Helper()
	app, _, err := products.ResolveApp(t.Context(), c, "com.example.ledger")
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func subscriptionOf(cat *products.Catalog) *products.Subscription {
	return cat.SubscriptionGroups[0].Subscriptions[0]
}

// Push creates the offers with their prices in every territory, a second push writes
// nothing, pull gives back the same offers (and pushing that file writes nothing), a
// changed price is one PATCH, a removed promotional offer one DELETE and a batch turned
// off one PATCH.
func TestPushOffers(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{BurstLimit: -1}) // write counts exact: no 429s
	app := ledger(t, c)
	dir := t.TempDir()
	file := filepath.Join(dir, "products.json")
	cat := offersCatalog()
	products.Write(file, cat)
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	before := writes(t, sb)
	if p, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil || len(p.Ops) != 0 || writes(t, sb) != before {
		t.Fatalf("second push: %v %v", err, p.Changes)
	}
	res, err := products.Pull(t.Context(), c, app, filepath.Join(dir, "pulled.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := subscriptionOf(res.Catalog)
	if len(got.PromotionalOffers) != 2 || len(got.OfferCodes) != 1 {
		t.Fatalf("pulled %d promotional offers, %d offer codes", len(got.PromotionalOffers), len(got.OfferCodes))
	}
	loyal := got.PromotionalOffers[0]
	if loyal.OfferCode != "LOYAL3" || loyal.Periods != 3 || loyal.Territories != nil || loyal.Price == nil || loyal.Price.Price != "1.99" ||
		len(loyal.Price.Territories) != 1 || loyal.Price.Territories["JPN"] != "450" {
		t.Fatalf("pulled %+v %+v", loyal, loyal.Price)
	}
	if trial := got.PromotionalOffers[1]; trial.Price != nil || strings.Join(trial.Territories, " ") != "DEU GBR USA" {
		t.Fatalf("pulled free trial %+v", trial)
	}
	code := got.OfferCodes[0]
	if len(code.CustomCodes) != 1 || code.CustomCodes[0].NumberOfCodes != 5000 || len(code.OneTimeUseCodes) != 2 || code.Active == nil || !*code.Active {
		t.Fatalf("pulled offer code %+v", code)
	}
	if p, _, err := products.Push(t.Context(), c, app, filepath.Join(dir, "pulled.json"), products.ApplyOptions{}); err != nil || len(p.Ops) != 0 {
		t.Fatalf("push of the pulled file: %v %v", err, p.Changes)
	}

	sub := subscriptionOf(cat)
	sub.PromotionalOffers[1].Price.Price = "2.99"
	sub.PromotionalOffers = sub.PromotionalOffers[1:]
	sub.OfferCodes[0].OneTimeUseCodes[1].Active = asc.Ptr(false)
	products.Write(file, cat)
	before = writes(t, sb)
	p, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := writes(t, sb) - before; n != 3 || len(p.Ops) != 3 {
		t.Fatalf("%d writes for %d ops, want 3 (a PATCH of prices, a DELETE, a deactivation): %v", n, len(p.Ops), p.Changes)
	}
	if p, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil || len(p.Ops) != 0 {
		t.Fatalf("after the changes: %v %v", err, p.Changes)
	}
}

// What Apple does not change once created is refused before anything is written, each
// with a one-line reason naming the field.
func TestPushRefusesOfferChangesAppleDoesNotAllow(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{BurstLimit: -1}) // write counts exact: no 429s
	app := ledger(t, c)
	file := filepath.Join(t.TempDir(), "products.json")
	cat := offersCatalog()
	products.Write(file, cat)
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	sub := subscriptionOf(cat)
	sub.OfferCodes[0].Active = asc.Ptr(false)
	sub.OfferCodes[0].CustomCodes[0].Active = asc.Ptr(false)
	products.Write(file, cat)
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		change func(s *products.Subscription)
		want   string
	}{
		{func(s *products.Subscription) { s.PromotionalOffers[0].Duration = "TWO_WEEKS" }, "promotionalOffers[WELCOMEBACK].duration: App Store Connect has \"ONE_WEEK\", the file \"TWO_WEEKS\"; Apple does not change a promotional offer's duration"},
		{func(s *products.Subscription) {
			s.PromotionalOffers[0].Mode = "PAY_UP_FRONT"
			s.PromotionalOffers[0].Price = &products.OfferPrice{BaseTerritory: "USA", Price: "0.99"}
		}, "promotionalOffers[WELCOMEBACK].mode"},
		{func(s *products.Subscription) { s.OfferCodes[0].Mode = "FREE_TRIAL"; s.OfferCodes[0].Price = nil }, "offerCodes[Spring campaign].mode"},
		{func(s *products.Subscription) { s.OfferCodes[0].Price.Price = "19.99" }, "offerCodes[Spring campaign].prices"},
		{func(s *products.Subscription) { s.OfferCodes[0].Active = asc.Ptr(true) }, "offerCodes[Spring campaign].active: App Store Connect has it deactivated"},
		{func(s *products.Subscription) { s.OfferCodes[0].CustomCodes[0].NumberOfCodes = 9000 }, "customCodes[SPRING26].numberOfCodes"},
		{func(s *products.Subscription) { s.PromotionalOffers[1].Price.Price = "1.98" }, "1.98 is not a price point in USA"},
		{func(s *products.Subscription) {
			s.WinBackOffers = []*products.WinBackOffer{{OfferID: "back", ReferenceName: "Back", Mode: "FREE_TRIAL", Duration: "ONE_MONTH", PaidMonths: 2, LapsedMinMonths: 1, StartDate: "2030-01-01", Priority: "HIGH"}}
		}, "Apple's API cannot price a new one"},
	}
	for _, tc := range cases {
		cat := offersCatalog()
		sub := subscriptionOf(cat)
		sub.OfferCodes[0].Active = asc.Ptr(false)
		sub.OfferCodes[0].CustomCodes[0].Active = asc.Ptr(false)
		tc.change(sub)
		products.Write(file, cat)
		before := writes(t, sb)
		_, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
		var ve *products.ValidationError
		if err == nil || !errorsAs(err, &ve) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("want %q, got %v", tc.want, err)
		}
		if writes(t, sb) != before {
			t.Errorf("%s: a refused plan wrote", tc.want)
		}
	}
}

// Answers lost after the write took effect are read back, never sent again: one push
// converges and no offer, code or batch exists twice.
func TestOfferPushConvergesWhenAnswersAreLost(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{BurstLimit: -1}) // write counts exact: no 429s
	app := ledger(t, c)
	file := filepath.Join(t.TempDir(), "products.json")
	products.Write(file, offersCatalog())
	sb.SetFaults(sandbox.Faults{Rules: []sandbox.FaultRule{
		{Method: "POST", Route: "/v1/subscriptionPromotionalOffers", After: true, Status: 500, Times: 1},
		{Method: "POST", Route: "/v1/subscriptionOfferCodes", After: true, Drop: true, Times: 1},
		{Method: "POST", Route: "/v1/subscriptionOfferCodeCustomCodes", After: true, Status: 503, Times: 1},
		{Method: "POST", Route: "/v1/subscriptionOfferCodeOneTimeUseCodes", After: true, Drop: true, Times: 2},
	}})
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, r := range faultRules(t, sb) {
		if r.Acted != r.Times {
			t.Errorf("the rule on %s acted %d times, want %d", r.Route, r.Acted, r.Times)
		}
	}
	sb.SetFaults(sandbox.Faults{})
	res, err := products.Pull(t.Context(), c, app, filepath.Join(t.TempDir(), "pulled.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := subscriptionOf(res.Catalog)
	if len(got.PromotionalOffers) != 2 || len(got.OfferCodes) != 1 || len(got.OfferCodes[0].CustomCodes) != 1 || len(got.OfferCodes[0].OneTimeUseCodes) != 2 {
		t.Fatalf("after lost answers: %d promotional offers, %d offer codes, %+v", len(got.PromotionalOffers), len(got.OfferCodes), got.OfferCodes)
	}
	if p, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil || len(p.Ops) != 0 {
		t.Fatalf("not converged: %v %v", err, p.Changes)
	}
}

// Win-back offers App Store Connect has are changed in place (dates, eligibility,
// priority) and deleted when the file no longer lists them.
func TestPushWinBackOffers(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{BurstLimit: -1}) // write counts exact: no 429s
	app := ledger(t, c)
	dir := t.TempDir()
	file := filepath.Join(dir, "products.json")
	cat := pricedCatalog()
	products.Write(file, cat)
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := products.Fetch(t.Context(), c, app)
	if err != nil {
		t.Fatal(err)
	}
	subID := st.ID("com.example.ledger.pro.monthly")
	start := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	sb.Add("winBackOffers", map[string]any{"referenceName": "Come back", "offerId": "comeback", "offerMode": "FREE_TRIAL", "duration": "ONE_MONTH", "periodCount": 1,
		"customerEligibilityPaidSubscriptionDurationInMonths": 3, "customerEligibilityTimeSinceLastSubscribedInMonths": map[string]any{"minimum": 1, "maximum": 6},
		"startDate": start, "priority": "NORMAL"}, map[string]string{"subscription": subID})
	pulled := filepath.Join(dir, "pulled.json")
	res, err := products.Pull(t.Context(), c, app, pulled)
	if err != nil {
		t.Fatal(err)
	}
	wb := subscriptionOf(res.Catalog).WinBackOffers
	if len(wb) != 1 || wb[0].LapsedMaxMonths != 6 || wb[0].StartDate != start {
		t.Fatalf("pulled %+v", wb)
	}
	wb[0].Priority, wb[0].EndDate, wb[0].LapsedMaxMonths = "HIGH", time.Now().UTC().AddDate(0, 4, 0).Format(time.DateOnly), 12
	products.Write(pulled, res.Catalog)
	before := writes(t, sb)
	if _, _, err := products.Push(t.Context(), c, app, pulled, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := writes(t, sb) - before; n != 1 {
		t.Fatalf("%d writes, want one PATCH", n)
	}
	again, _ := products.Pull(t.Context(), c, app, filepath.Join(dir, "again.json"))
	if w := subscriptionOf(again.Catalog).WinBackOffers; len(w) != 1 || w[0].Priority != "HIGH" || w[0].LapsedMaxMonths != 12 || w[0].EndDate == "" {
		t.Fatalf("after the update %+v", w)
	}
	subscriptionOf(res.Catalog).WinBackOffers = []*products.WinBackOffer{}
	products.Write(pulled, res.Catalog)
	before = writes(t, sb)
	if _, _, err := products.Push(t.Context(), c, app, pulled, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := writes(t, sb) - before; n != 1 {
		t.Fatalf("%d writes, want one DELETE", n)
	}
}

// Offline, before any request: a custom code used twice in the app (in any case) and a batch
// of one-time use codes expiring later than Apple allows are problems, every one at once.
func TestValidateOfferCodes(t *testing.T) {
	cat := offersCatalog()
	now := time.Now().UTC()
	limit := now.AddDate(0, 6, 0)
	code := subscriptionOf(cat).OfferCodes[0]
	code.OneTimeUseCodes[0].ExpirationDate = limit.Format(time.DateOnly)
	code.OneTimeUseCodes[1].ExpirationDate = limit.AddDate(0, 0, 1).Format(time.DateOnly)
	code.CustomCodes = append(code.CustomCodes, &products.CustomCode{Code: "spring26", NumberOfCodes: 10})
	var got []string
	for _, p := range products.Validate(cat, products.ValidateOptions{Now: now}) {
		got = append(got, p.Path+": "+p.Message)
	}
	want := []string{
		`subscriptionGroups[Ledger Pro].subscriptions[com.example.ledger.pro.monthly].offerCodes[Spring campaign].customCodes[spring26]: "spring26" is used by subscriptionGroups[Ledger Pro].subscriptions[com.example.ledger.pro.monthly].offerCodes[Spring campaign].customCodes[SPRING26] too; custom codes are unique in an app`,
		`subscriptionGroups[Ledger Pro].subscriptions[com.example.ledger.pro.monthly].offerCodes[Spring campaign].oneTimeUseCodes[1].expirationDate: ` +
			limit.AddDate(0, 0, 1).Format(time.DateOnly) + ` is more than 6 months away; one-time use codes expire by ` + limit.Format(time.DateOnly) + ` at the latest`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
