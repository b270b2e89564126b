package products_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

func TestListGetSetPriceCreate(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app := demoApp(t, c)
	list, err := products.List(t.Context(), c, app)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 5 || list[1].Kind != "AUTO_RENEWABLE_SUBSCRIPTION" || list[1].Group != "Daybreak Plus" {
		t.Fatalf("list %+v", list)
	}
	// Create a product with a price, then change the price: one write.
	_, r, err := products.Create(t.Context(), c, app, &products.InAppPurchase{ProductID: "com.example.daybreak.gems", ReferenceName: "Gems", Type: "CONSUMABLE",
		Localizations: map[string]products.Localization{"en-US": {Name: "Gems"}},
		Price:         &products.Price{BaseTerritory: "USA", Price: "0.99"}}, "", nil)
	if err != nil || r.Ops != 3 {
		t.Fatalf("create: %v, %d ops", err, r.Ops)
	}
	if _, _, err := products.Create(t.Context(), c, app, &products.InAppPurchase{ProductID: "com.example.daybreak.gems", ReferenceName: "Gems", Type: "CONSUMABLE"}, "", nil); err == nil || !strings.Contains(err.Error(), "already has") {
		t.Fatalf("second create: %v", err)
	}
	before := writes(t, sb)
	p, _, err := products.SetPrice(t.Context(), c, app, "com.example.daybreak.gems", "", "1.99")
	if err != nil || len(p.Ops) != 1 || writes(t, sb)-before != 1 {
		t.Fatalf("set price: %v %v", err, p)
	}
	got, _, err := products.Get(t.Context(), c, app, "com.example.daybreak.gems")
	if err != nil || got.InAppPurchase.Price.Price != "1.99" {
		t.Fatalf("get: %v %+v", err, got)
	}
	// A subscription's price, and a price that is no price point.
	if _, _, err := products.SetPrice(t.Context(), c, app, "com.example.daybreak.plus.monthly", "USA", "4.99"); err != nil {
		t.Fatal(err)
	}
	sub, _, err := products.Get(t.Context(), c, app, "com.example.daybreak.plus.monthly")
	if err != nil || sub.Subscription.Price == nil || sub.Subscription.Price.Price != "4.99" || len(sub.Subscription.Price.Territories) != 0 {
		t.Fatalf("subscription %v %+v", err, sub.Subscription.Price)
	}
	if _, _, err := products.SetPrice(t.Context(), c, app, "com.example.daybreak.plus.monthly", "USA", "4.95"); err == nil || !strings.Contains(err.Error(), "4.95 is not a price point in USA") {
		t.Fatalf("bad price: %v", err)
	}
	var nf *products.NotFoundError
	if _, _, err := products.Get(t.Context(), c, app, "com.example.nope"); !errors.As(err, &nf) {
		t.Fatalf("missing product: %v", err)
	}
}
