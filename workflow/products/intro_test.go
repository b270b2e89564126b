package products_test

import (
	"path/filepath"
	"testing"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

// A free trial everywhere and a paid offer in two territories: pushed in one PATCH, pulled
// back the same, unchanged on a second push, and a removed offer deleted.
func TestIntroductoryOffers(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app, _, _ := products.ResolveApp(t.Context(), c, "com.example.ledger")
	cat := pricedCatalog()
	sub := cat.SubscriptionGroups[0].Subscriptions[0]
	sub.IntroductoryOffers = []*products.IntroductoryOffer{
		{Mode: "FREE_TRIAL", Duration: "ONE_WEEK", Territories: []string{"CAN", "DEU", "FRA"}},
		{Mode: "PAY_AS_YOU_GO", Duration: "ONE_MONTH", Periods: 3, Territories: []string{"USA", "GBR"}, Price: &products.OfferPrice{BaseTerritory: "USA", Price: "0.99"}},
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "products.json")
	products.Write(file, cat)
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	before := writes(t, sb)
	p, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil || len(p.Ops) != 0 || writes(t, sb) != before {
		t.Fatalf("second push: %v %v", err, p.Changes)
	}
	res, err := products.Pull(t.Context(), c, app, filepath.Join(dir, "pulled.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := res.Catalog.SubscriptionGroups[0].Subscriptions[0].IntroductoryOffers
	if len(got) != 2 {
		t.Fatalf("pulled %d offers", len(got))
	}
	var paid *products.IntroductoryOffer
	for _, o := range got {
		if o.Mode == "PAY_AS_YOU_GO" {
			paid = o
		}
	}
	if paid == nil || paid.Periods != 3 || paid.Price == nil || paid.Price.Price != "0.99" || len(paid.Price.Territories) != 0 || len(paid.Territories) != 2 {
		t.Fatalf("pulled paid offer %+v %+v", paid, paid.Price)
	}
	p, _, err = products.Push(t.Context(), c, app, filepath.Join(dir, "pulled.json"), products.ApplyOptions{})
	if err != nil || len(p.Ops) != 0 {
		t.Fatalf("push of the pulled file: %v %v", err, p.Changes)
	}
	// Drop the free trial: its three offers are deleted, nothing else is written.
	sub.IntroductoryOffers = sub.IntroductoryOffers[1:]
	products.Write(file, cat)
	before = writes(t, sb)
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := writes(t, sb) - before; n != 3 {
		t.Fatalf("%d writes, want 3 deletes", n)
	}
}
