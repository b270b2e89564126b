package products

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func TestLoadExample(t *testing.T) {
	c, err := Load("testdata/catalog.json", ValidateOptions{Now: testNow, Dir: "testdata"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.InAppPurchases) != 1 || c.InAppPurchases[0].Localizations["de-DE"].Name != "100 Münzen" {
		t.Fatalf("decoded %+v", c.InAppPurchases)
	}
	subs := c.Subscriptions()
	if len(subs) != 1 || subs[0].Group.ReferenceName != "Plus" || subs[0].Subscription.Price.Price != "4.99" {
		t.Fatalf("subscriptions %+v", subs)
	}
}

func TestParseListsEveryShapeProblem(t *testing.T) {
	doc := `{
  "inAppPurchases": [
    {"productId": "a.b", "referenceName": 5, "typ": "CONSUMABLE", "localizations": {"en-US": {"name": true}}},
    {"productId": "c.d", "price": {"baseTerritory": "USA", "price": 0.99}}
  ],
  "subscriptionGroup": []
}`
	_, problems := Parse([]byte(doc))
	got := strings.Join(problemStrings(problems), "\n")
	for _, want := range []string{
		`inAppPurchases[a.b].referenceName: expected a string, found the number 5`,
		`inAppPurchases[a.b].typ: unknown field; did you mean "type"?`,
		`inAppPurchases[a.b].localizations[en-US].name: expected a string, found true`,
		`inAppPurchases[c.d].price.price: expected a string, found the number 0.99`,
		`subscriptionGroup: unknown field; did you mean "subscriptionGroups"?`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if len(problems) != 5 {
		t.Errorf("%d problems, want 5:\n%s", len(problems), got)
	}
}

func TestParseSyntaxErrorHasLine(t *testing.T) {
	_, problems := Parse([]byte("{\n  \"inAppPurchases\": [\n    {\"productId\": \"x\",}\n  ]\n}"))
	if len(problems) != 1 || !strings.HasPrefix(problems[0].Message, "line 3, column ") {
		t.Fatalf("problems %v", problems)
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	long := strings.Repeat("x", 31)
	c := &Catalog{
		InAppPurchases: []*InAppPurchase{
			{ProductID: "com.example.bad id", ReferenceName: strings.Repeat("r", 65), Type: "CONSUMABEL",
				Localizations: map[string]Localization{"en-US": {Name: long, Description: strings.Repeat("d", 46)}, "english": {Name: "x"}},
				Availability:  &Availability{AllTerritories: true, Territories: []string{"US"}},
				Price: &Price{BaseTerritory: "USA", Price: "0,99", Territories: map[string]string{"USA": "1", "jpn": "160"},
					Changes: []*PriceChange{{StartDate: "2026-02-01", Price: "1.99"}, {StartDate: "2026-01-31"}, {StartDate: "2026-13-01", Price: "2", PreserveCurrentPrice: true}}}},
			{ProductID: "com.example.dup", ReferenceName: "Dup", Type: "CONSUMABLE"},
		},
		SubscriptionGroups: []*SubscriptionGroup{{ReferenceName: "G", Subscriptions: []*Subscription{
			{ProductID: "com.example.dup", ReferenceName: "S", Period: "ONE_MONTH", GroupLevel: 1,
				IntroductoryOffers: []*IntroductoryOffer{
					{Mode: "FREE_TRIAL", Duration: "ONE_WEEK", Price: &OfferPrice{BaseTerritory: "USA", Price: "0.99"}},
					{Mode: "PAY_AS_YOU_GO", Duration: "ONE_WEEK", Periods: 13},
				}},
			{ProductID: "com.example.s2", ReferenceName: "S2", Period: "MONTHLY", GroupLevel: 1},
		}}},
	}
	got := strings.Join(problemStrings(Validate(c, ValidateOptions{Now: testNow})), "\n")
	for _, want := range []string{
		`inAppPurchases[com.example.bad id].productId: "com.example.bad id" has characters Apple does not allow here (letters, digits, hyphens, periods and underscores)`,
		`inAppPurchases[com.example.bad id].referenceName: 65 characters, Apple allows at most 64`,
		`inAppPurchases[com.example.bad id].type: "CONSUMABEL" is not one of CONSUMABLE, NON_CONSUMABLE, NON_RENEWING_SUBSCRIPTION`,
		`localizations[en-US].name: 31 characters, Apple allows at most 30`,
		`localizations[en-US].description: 46 characters, Apple allows at most 45`,
		`localizations[english]: unknown locale`,
		`availability.territories[0]: "US" is not a territory code`,
		`availability: give allTerritories or territories, not both`,
		`price.price: "0,99" is not a price`,
		`price.territories[jpn]: "jpn" is not a territory code`,
		`price.territories[USA]: the base territory's price is price; remove it from territories`,
		`changes[2026-02-01].startDate: 2026-02-01 is in the past (today is 2026-03-01)`,
		`changes[2026-01-31].startDate: 2026-01-31 is not after the previous change (2026-02-01)`,
		`changes[2026-01-31]: changes nothing; give price or territories`,
		`changes[2026-13-01].startDate: "2026-13-01" is not a day of the calendar`,
		`changes[2026-13-01].preserveCurrentPrice: only subscriptions keep existing subscribers on their price`,
		`subscriptionGroups[G].subscriptions[com.example.dup]: product id com.example.dup is already used by inAppPurchases[com.example.dup]`,
		`subscriptions[com.example.s2].period: "MONTHLY" is not one of ONE_WEEK, ONE_MONTH, TWO_MONTHS, THREE_MONTHS, SIX_MONTHS, ONE_YEAR`,
		`introductoryOffers[0].price: a free trial has no price; remove it`,
		`introductoryOffers[1].periods: 13 is more than Apple allows (12)`,
		`introductoryOffers[1].duration: ONE_WEEK: paying as you go is priced per billing period`,
		`introductoryOffers[1].price: required for PAY_AS_YOU_GO`,
		`introductoryOffers[1]: overlaps introductoryOffers[0] in the same territories`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "groupLevel") {
		t.Errorf("two subscriptions on level 1 are refused; Apple allows several on a level:\n%s", got)
	}
}

func TestValidateReviewScreenshot(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "shot.png"), []byte("not an image"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing, notImage := "missing.png", "shot.png"
	c := &Catalog{InAppPurchases: []*InAppPurchase{
		{ProductID: "a", ReferenceName: "A", Type: "CONSUMABLE", ReviewScreenshot: &missing},
		{ProductID: "b", ReferenceName: "B", Type: "CONSUMABLE", ReviewScreenshot: &notImage},
	}}
	got := strings.Join(problemStrings(Validate(c, ValidateOptions{Now: testNow, Dir: dir})), "\n")
	if !strings.Contains(got, "inAppPurchases[a].reviewScreenshot: cannot read missing.png") || !strings.Contains(got, "inAppPurchases[b].reviewScreenshot: shot.png is not a PNG or JPEG image") {
		t.Fatal(got)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	c, err := Load("testdata/catalog.json", ValidateOptions{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	again, problems := Parse(b)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	b2, _ := Marshal(again)
	if !bytes.Equal(b, b2) || !reflect.DeepEqual(c, again) {
		t.Fatalf("round trip changed the catalog:\n%s\n%s", b, b2)
	}
	path := filepath.Join(t.TempDir(), "products.json")
	if wrote, err := Write(path, c); err != nil || !wrote {
		t.Fatal(wrote, err)
	}
	if wrote, err := Write(path, again); err != nil || wrote {
		t.Fatalf("second write of equal content: wrote=%v err=%v", wrote, err)
	}
}

// Every field has a rule with a description, and every rule names a real field: the JSON
// Schema, the validator and the types cannot drift apart.
func TestRulesCoverEveryField(t *testing.T) {
	seen := map[string]bool{}
	var visit func(s *shape)
	visit = func(s *shape) {
		switch s.kind {
		case "object":
			for _, f := range s.fields {
				key := s.name + "." + f.json
				if seen[key] {
					continue
				}
				seen[key] = true
				if r, ok := rules[key]; !ok || r.doc == "" {
					t.Errorf("no rule with a description for %s", key)
				}
				visit(f.shape)
			}
		case "array", "map":
			visit(s.elem)
		}
	}
	visit(catalogShape)
	for key := range rules {
		if !seen[key] {
			t.Errorf("rule %s names no field", key)
		}
	}
}

func TestSchemaValidatesCatalogs(t *testing.T) {
	var doc any
	if err := json.Unmarshal(Schema(), &doc); err != nil {
		t.Fatal(err)
	}
	comp := jsonschema.NewCompiler()
	comp.AssertFormat()
	if err := comp.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := comp.Compile(SchemaID)
	if err != nil {
		t.Fatal(err)
	}
	load := func(s string) any {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	good, _ := os.ReadFile("testdata/catalog.json")
	if err := sch.Validate(load(string(good))); err != nil {
		t.Fatalf("the example catalog does not validate: %v", err)
	}
	for _, bad := range []string{
		`{"inAppPurchases": [{"productId": "x", "referenceName": "X", "type": "CONSUMABEL"}]}`,
		`{"inAppPurchases": [{"productId": "x y", "referenceName": "X", "type": "CONSUMABLE"}]}`,
		`{"inAppPurchases": [{"productId": "x", "referenceName": "X", "type": "CONSUMABLE", "localizations": {"english": {"name": "x"}}}]}`,
		`{"inAppPurchases": [{"productId": "x", "referenceName": "X", "type": "CONSUMABLE", "price": {"baseTerritory": "USA", "price": "0,99"}}]}`,
		`{"inAppPurchases": [{"productId": "x", "referenceName": "X", "type": "CONSUMABLE", "localizations": {"en-US": {"name": "` + strings.Repeat("n", 31) + `"}}}]}`,
		`{"subscriptionGroups": [{"referenceName": "G", "subscriptions": [{"productId": "s", "referenceName": "S", "period": "MONTHLY"}]}]}`,
		`{"inAppPurchase": []}`,
		`{"subscriptionGroups": [{"referenceName": "G", "localizations": {"en-US": {"name": "Pro\nPlus"}}}]}`,
		`{"subscriptionGroups": [{"referenceName": "G", "localizations": {"en-US": {"name": "Pro\u0085"}}}]}`,
	} {
		if err := sch.Validate(load(bad)); err == nil {
			t.Errorf("schema accepts %s", bad)
		}
	}
	if err := sch.Validate(load(`{"subscriptionGroups": [{"referenceName": "G", "localizations": {"en-US": {"name": "Pro Plus für Sie 日本"}}}]}`)); err != nil {
		t.Errorf("schema refuses a plain group name: %v", err)
	}
}

// A subscription group's display name holds no control character (App Store Connect Help,
// "Auto-renewable subscription information"): a line break, a tab, escape or a C1 character
// is one problem naming it and where it is, printed on one line; letters of any script pass.
func TestGroupDisplayNameControlCharacters(t *testing.T) {
	group := func(name string) *Catalog {
		return &Catalog{SubscriptionGroups: []*SubscriptionGroup{{ReferenceName: "G",
			Localizations: map[string]GroupLocalization{"en-US": {Name: name}}}}}
	}
	for name, want := range map[string]string{
		"Pro\nPlus":     `subscriptionGroups[G].localizations[en-US].name: has a control character ('\n' at character 4); Apple refuses line breaks, tabs and other invisible characters here`,
		"Pro\tPlus":     `('\t' at character 4)`,
		"\x1b[2KPro":    `('\x1b' at character 1)`,
		"Pro\u0085Plus": `('\u0085' at character 4)`,
	} {
		got := problemStrings(Validate(group(name), ValidateOptions{Now: testNow}))
		if len(got) != 1 || !strings.Contains(got[0], want) || strings.ContainsAny(got[0], "\n\t\x1b\u0085") {
			t.Errorf("%q: %q, want one line with %s", name, got, want)
		}
	}
	if got := Validate(group("Pro Plus für Sie 日本"), ValidateOptions{Now: testNow}); len(got) != 0 {
		t.Errorf("a plain name: %v", got)
	}
}

func problemStrings(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	slices.Sort(out)
	return out
}
