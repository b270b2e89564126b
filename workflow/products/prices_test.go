package products_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

func pricedCatalog() *products.Catalog {
	change := time.Now().UTC().AddDate(0, 2, 0).Format(time.DateOnly)
	return &products.Catalog{
		InAppPurchases: []*products.InAppPurchase{{ProductID: "com.example.ledger.export", ReferenceName: "CSV Export", Type: "NON_CONSUMABLE",
			Localizations: map[string]products.Localization{"en-US": {Name: "CSV Export", Description: "Export your ledger"}},
			Availability:  &products.Availability{AvailableInNewTerritories: true, AllTerritories: true},
			Price: &products.Price{BaseTerritory: "USA", Price: "2.99", Territories: map[string]string{"JPN": "600"},
				Changes: []*products.PriceChange{{StartDate: change, Price: "3.99"}}}}},
		SubscriptionGroups: []*products.SubscriptionGroup{{ReferenceName: "Ledger Pro",
			Localizations: map[string]products.GroupLocalization{"en-US": {Name: "Ledger Pro"}},
			Subscriptions: []*products.Subscription{{ProductID: "com.example.ledger.pro.monthly", ReferenceName: "Pro Monthly", Period: "ONE_MONTH", GroupLevel: 1,
				Localizations: map[string]products.Localization{"en-US": {Name: "Pro Monthly", Description: "Everything, monthly"}},
				Availability:  &products.Availability{AllTerritories: true},
				Price:         &products.Price{BaseTerritory: "USA", Price: "4.99", Territories: map[string]string{"GBR": "4.39"}}}}}},
	}
}

// Prices in every territory from a base price: an in-app purchase's schedule (manual JPN,
// a scheduled change) and a subscription's equalized prices, then nothing to do, then a
// round trip through pull.
func TestPushPrices(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app, _, err := products.ResolveApp(t.Context(), c, "com.example.ledger")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "products.json")
	if _, err := products.Write(file, pricedCatalog()); err != nil {
		t.Fatal(err)
	}
	p, r, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Ops != len(p.Ops) || r.Ops != 10 {
		t.Fatalf("%d ops of %d: %v", r.Ops, len(p.Ops), p.Changes)
	}
	st, err := products.Fetch(t.Context(), c, app)
	if err != nil {
		t.Fatal(err)
	}
	iap := st.Catalog.InAppPurchases[0]
	if iap.Price == nil || iap.Price.Price != "2.99" || iap.Price.Territories["JPN"] != "600" || len(iap.Price.Changes) != 1 || iap.Price.Changes[0].Price != "3.99" {
		t.Fatalf("schedule %+v", iap.Price)
	}
	if len(iap.Availability.Territories) != 175 {
		t.Fatalf("%d territories", len(iap.Availability.Territories))
	}
	before := writes(t, sb)
	p, _, err = products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil || len(p.Ops) != 0 || writes(t, sb) != before {
		t.Fatalf("second push: %v %v", err, p.Changes)
	}
	pulled := filepath.Join(dir, "pulled.json")
	res, err := products.Pull(t.Context(), c, app, pulled)
	if err != nil {
		t.Fatal(err)
	}
	sub := res.Catalog.SubscriptionGroups[0].Subscriptions[0]
	if sub.Price == nil || sub.Price.Price != "4.99" || len(sub.Price.Territories) != 1 || sub.Price.Territories["GBR"] != "4.39" {
		t.Fatalf("pulled subscription price %+v", sub.Price)
	}
	if !res.Catalog.InAppPurchases[0].Availability.AllTerritories {
		t.Fatal("175 territories not pulled as allTerritories")
	}
	p, _, err = products.Push(t.Context(), c, app, pulled, products.ApplyOptions{})
	if err != nil || len(p.Ops) != 0 {
		t.Fatalf("push of the pulled file: %v %v", err, p.Changes)
	}
	// One price changed: one write.
	cat := pricedCatalog()
	cat.SubscriptionGroups[0].Subscriptions[0].Price.Price = "5.99"
	products.Write(file, cat)
	before = writes(t, sb)
	p, _, err = products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil || len(p.Ops) != 1 || writes(t, sb)-before != 1 {
		t.Fatalf("one price changed: %v, %d ops, %d writes", err, len(p.Ops), writes(t, sb)-before)
	}
}

// A price that is no price point is a problem before anything is written, with the nearest
// prices that exist.
func TestPushRefusesPricesWithoutPricePoint(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app, _, _ := products.ResolveApp(t.Context(), c, "com.example.ledger")
	cat := pricedCatalog()
	cat.InAppPurchases[0].Price.Price = "2.95"
	cat.SubscriptionGroups[0].Subscriptions[0].Price.Territories["GBR"] = "4.45"
	file := filepath.Join(t.TempDir(), "products.json")
	products.Write(file, cat)
	before := writes(t, sb)
	_, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "inAppPurchases[com.example.ledger.export].price.price: 2.95 is not a price point in USA; the nearest are 2.79 and 2.99") ||
		!strings.Contains(err.Error(), "price.territories[GBR]: 4.45 is not a price point in GBR; the nearest are 4.39 and 4.79") {
		t.Fatalf("err %v", err)
	}
	if writes(t, sb) != before {
		t.Fatal("wrote")
	}
}
