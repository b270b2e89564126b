package products_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

func startSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, *asc.Client) {
	t.Helper()
	sb, err := sandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	c, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithRateBudget(asc.NewRateBudget()))
	if err != nil {
		t.Fatal(err)
	}
	return sb, c
}

func writes(t *testing.T, sb *sandbox.Server) int {
	t.Helper()
	st := sb.Stats()
	return st.ByMethod["POST"] + st.ByMethod["PATCH"] + st.ByMethod["DELETE"]
}

func demoApp(t *testing.T, c *asc.Client) string {
	t.Helper()
	id, _, err := products.ResolveApp(t.Context(), c, "com.example.daybreak")
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Pull then push on the demo app (in-app purchases, a subscription group, subscriptions,
// localizations) changes nothing.
func TestPullPushRoundTrip(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app := demoApp(t, c)
	file := filepath.Join(t.TempDir(), "products.json")
	res, err := products.Pull(t.Context(), c, app, file)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Wrote || len(res.Catalog.InAppPurchases) != 3 || len(res.Catalog.SubscriptionGroups) != 1 {
		t.Fatalf("pulled %+v", res.Catalog)
	}
	b, _ := os.ReadFile(file)
	if !strings.Contains(string(b), `"com.example.daybreak.plus.monthly"`) || !strings.Contains(string(b), `"de-DE"`) {
		t.Fatalf("file:\n%s", b)
	}
	before := writes(t, sb)
	p, r, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Ops) != 0 || len(p.Changes) != 0 || writes(t, sb) != before {
		t.Fatalf("round trip wrote: %d ops %v", len(p.Ops), p.Changes)
	}
	if r.Requests == 0 {
		t.Fatal("no requests counted")
	}
	if again, _ := products.Pull(t.Context(), c, app, file); again.Wrote {
		t.Fatal("a second pull rewrote the file")
	}
}

// A changed localization, a new locale, a new product and a new group are pushed in Apple's
// order; a second push writes nothing.
func TestPushWritesOnlyWhatChanged(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app := demoApp(t, c)
	file := filepath.Join(t.TempDir(), "products.json")
	if _, err := products.Pull(t.Context(), c, app, file); err != nil {
		t.Fatal(err)
	}
	cat, _, err := products.Read(file)
	if err != nil {
		t.Fatal(err)
	}
	coins := cat.InAppPurchases[0]
	l := coins.Localizations["de-DE"]
	l.Name = "100 Fokusmünzen"
	coins.Localizations["de-DE"] = l
	coins.Localizations["ja"] = products.Localization{Name: "100コイン", Description: "集中コイン"}
	cat.InAppPurchases = append(cat.InAppPurchases, &products.InAppPurchase{ProductID: "com.example.daybreak.coins500", ReferenceName: "500 Coins", Type: "CONSUMABLE",
		Localizations: map[string]products.Localization{"en-US": {Name: "500 Coins", Description: "A sack of coins"}}})
	cat.SubscriptionGroups = append(cat.SubscriptionGroups, &products.SubscriptionGroup{ReferenceName: "Daybreak Family",
		Localizations: map[string]products.GroupLocalization{"en-US": {Name: "Family"}},
		Subscriptions: []*products.Subscription{{ProductID: "com.example.daybreak.family.yearly", ReferenceName: "Family Yearly", Period: "ONE_YEAR", GroupLevel: 1,
			Localizations: map[string]products.Localization{"en-US": {Name: "Family Yearly", Description: "For everyone"}}}}})
	if _, err := products.Write(file, cat); err != nil {
		t.Fatal(err)
	}
	before := writes(t, sb)
	p, r, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// update de-DE, create ja, create the product and its localization, create the group,
	// its localization, the subscription and its localization.
	if got := writes(t, sb) - before; got != 8 || r.Ops != 8 {
		t.Fatalf("%d writes, %d ops, want 8: %v", got, r.Ops, p.Changes)
	}
	p, _, err = products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	if err != nil || len(p.Ops) != 0 {
		t.Fatalf("second push: %v %v", err, p.Changes)
	}
	st, err := products.Fetch(t.Context(), c, app)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(st.Catalog)
	for _, want := range []string{"100 Fokusmünzen", "100コイン", "com.example.daybreak.coins500", "Daybreak Family", "com.example.daybreak.family.yearly"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("App Store Connect lacks %q", want)
		}
	}
}

// A product that would change type, or a subscription moved between groups, is refused
// before anything is written.
func TestPushRefusesWhatAppleDoesNotAllow(t *testing.T) {
	sb, c := startSandbox(t, sandbox.Options{})
	app := demoApp(t, c)
	file := filepath.Join(t.TempDir(), "products.json")
	if _, err := products.Pull(t.Context(), c, app, file); err != nil {
		t.Fatal(err)
	}
	cat, _, _ := products.Read(file)
	cat.InAppPurchases[0].Type = "NON_CONSUMABLE"
	cat.InAppPurchases[1].ReferenceName = "Renamed"
	products.Write(file, cat)
	before := writes(t, sb)
	_, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
	var ve *products.ValidationError
	if err == nil || !strings.Contains(err.Error(), "Apple does not change a product's type") || !errorsAs(err, &ve) {
		t.Fatalf("err %v", err)
	}
	if writes(t, sb) != before {
		t.Fatal("a refused plan wrote")
	}
}

// Apple puts several subscriptions on one level of a group (the same service, monthly and
// yearly: App Store Connect Help, "Auto-renewable subscription level"; a change between them
// is a crossgrade). A catalog with two subscriptions on level 1 validates, pushes, and
// round-trips through pull with nothing to change.
func TestSubscriptionsShareALevel(t *testing.T) {
	t.Parallel()
	sb, c := startSandbox(t, sandbox.Options{})
	app := demoApp(t, c)
	sub := func(id, period string) *products.Subscription {
		return &products.Subscription{ProductID: id, ReferenceName: id, Period: period, GroupLevel: 1,
			Localizations: map[string]products.Localization{"en-US": {Name: "Pro", Description: "Everything"}}}
	}
	cat := &products.Catalog{SubscriptionGroups: []*products.SubscriptionGroup{{ReferenceName: "Pro",
		Localizations: map[string]products.GroupLocalization{"en-US": {Name: "Pro"}},
		Subscriptions: []*products.Subscription{sub("com.example.pro.monthly", "ONE_MONTH"), sub("com.example.pro.yearly", "ONE_YEAR")}}}}
	if problems := products.Validate(cat, products.ValidateOptions{}); len(problems) > 0 {
		t.Fatalf("two subscriptions on level 1 refused: %v", problems)
	}
	file := filepath.Join(t.TempDir(), "products.json")
	if _, err := products.Write(file, cat); err != nil {
		t.Fatal(err)
	}
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	pulled := filepath.Join(t.TempDir(), "pulled.json")
	if _, err := products.Pull(t.Context(), c, app, pulled); err != nil {
		t.Fatal(err)
	}
	before := writes(t, sb)
	if p, _, err := products.Push(t.Context(), c, app, pulled, products.ApplyOptions{}); err != nil || len(p.Ops) != 0 || writes(t, sb) != before {
		t.Fatalf("pushing what pull wrote: %v, %d ops", err, len(p.Ops))
	}
}

// A product id may hold hyphens (App Store Connect Help, "In-App Purchase information":
// letters, numbers, hyphens, periods and underscores, up to 100 characters): such products
// validate and push; a space is still refused, by name.
func TestProductIDsWithHyphens(t *testing.T) {
	t.Parallel()
	_, c := startSandbox(t, sandbox.Options{})
	app := demoApp(t, c)
	loc := map[string]products.Localization{"en-US": {Name: "Pro", Description: "Everything"}}
	cat := &products.Catalog{
		InAppPurchases: []*products.InAppPurchase{{ProductID: "com.example.coins-100", ReferenceName: "Coins", Type: "CONSUMABLE", Localizations: loc}},
		SubscriptionGroups: []*products.SubscriptionGroup{{ReferenceName: "Pro", Localizations: map[string]products.GroupLocalization{"en-US": {Name: "Pro"}},
			Subscriptions: []*products.Subscription{{ProductID: "com.example.pro-monthly", ReferenceName: "Pro", Period: "ONE_MONTH", GroupLevel: 1, Localizations: loc}}}},
	}
	if problems := products.Validate(cat, products.ValidateOptions{}); len(problems) > 0 {
		t.Fatalf("product ids with hyphens refused: %v", problems)
	}
	file := filepath.Join(t.TempDir(), "products.json")
	if _, err := products.Write(file, cat); err != nil {
		t.Fatal(err)
	}
	if _, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	cat.InAppPurchases[0].ProductID = "com.example.coins 100"
	problems := products.Validate(cat, products.ValidateOptions{})
	if len(problems) != 1 || !strings.Contains(problems[0].String(), `"com.example.coins 100" has characters Apple does not allow here (letters, digits, hyphens, periods and underscores)`) {
		t.Fatalf("a space: %v", problems)
	}
}
