package products_test

import (
	"path/filepath"
	"testing"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

// Answers lost after the write took effect (a 500, a dropped connection) are read back,
// never sent again: the push converges in one run and nothing exists twice.
func TestPushConvergesWhenAnswersAreLost(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app, _, err := products.ResolveApp(t.Context(), c, "com.example.ledger")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "products.json")
	products.Write(file, pricedCatalog())
	sb.SetFaults(sandbox.Faults{Rules: []sandbox.FaultRule{
		{Method: "POST", Route: "/v2/inAppPurchases", After: true, Status: 500, Times: 1},
		{Method: "POST", Route: "/v1/subscriptions", After: true, Drop: true, Times: 1},
		{Method: "POST", Route: "/v1/inAppPurchaseLocalizations", After: true, Status: 503, Times: 1},
		{Method: "POST", Route: "/v1/inAppPurchasePriceSchedules", After: true, Drop: true, Times: 1},
		{Method: "PATCH", Route: "/v1/subscriptions/{id}", After: true, Status: 500, Times: 1},
	}})
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	for i, r := range faultRules(t, sb) {
		if r.Acted != 1 {
			t.Errorf("rule %d acted %d times, want 1", i, r.Acted)
		}
	}
	sb.SetFaults(sandbox.Faults{})
	st, err := products.Fetch(t.Context(), c, app)
	if err != nil {
		t.Fatal(err)
	}
	if d := st.Duplicates(); d != 0 {
		t.Fatalf("%d resources created twice", d)
	}
	p, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil || len(p.Ops) != 0 {
		t.Fatalf("not converged: %v %v", err, p.Changes)
	}
}

// A push that stops part way (here: every create of a localization refused) says what was
// done and what was not, and the next push finishes.
func TestPartialPushFinishesNextTime(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app, _, _ := products.ResolveApp(t.Context(), c, "com.example.ledger")
	file := filepath.Join(t.TempDir(), "products.json")
	products.Write(file, pricedCatalog())
	sb.SetFaults(sandbox.Faults{Rules: []sandbox.FaultRule{{Method: "POST", Route: "/v1/subscriptionLocalizations", Status: 403}}})
	_, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	var pe *products.PartialError
	if !errorsAs(err, &pe) || len(pe.Failed) != 1 || len(pe.Done) == 0 {
		t.Fatalf("err %v", err)
	}
	sb.SetFaults(sandbox.Faults{})
	p, r, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil || r.Ops != 1 || len(p.Ops) != 1 {
		t.Fatalf("second push: %v, %d ops", err, len(p.Ops))
	}
}
