package connector_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/connector"
)

// TestProductActions: the commerce actions list an app's products, read one with its
// prices, change a price (once: a second call writes nothing) and create a product (a second
// create is a 409), refusing what the products workflow refuses before writing; read keys
// cannot write, and every write is audited.
func TestProductActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	const app = "com.example.daybreak" // a bundle id works as well as the numeric id
	var list struct {
		Value []map[string]any `json:"value"`
	}
	l := e.do(t, "GET", "/connector/v1/apps/"+app+"/products", e.readKey, nil)
	json.Unmarshal(l.body, &list)
	if l.status != 200 || len(list.Value) != 5 {
		t.Fatalf("list: %d %s", l.status, l.body)
	}
	kinds := map[string]string{}
	for _, p := range list.Value {
		kinds[p["productId"].(string)] = p["kind"].(string) + " " + p["type"].(string)
	}
	if kinds["com.example.daybreak.plus.yearly"] != "AUTO_RENEWABLE_SUBSCRIPTION subscriptions" || kinds["com.example.daybreak.coins100"] != "CONSUMABLE inAppPurchases" {
		t.Fatalf("kinds %v", kinds)
	}

	const coins = "/connector/v1/apps/" + app + "/products/com.example.daybreak.coins100"
	g := e.do(t, "GET", coins, e.readKey, nil)
	if got := g.json(t); g.status != 200 || got["referenceName"] != "100 Focus Coins" || len(got["localizations"].([]any)) != 3 {
		t.Fatalf("get: %d %s", g.status, g.body)
	}
	if nf := e.do(t, "GET", "/connector/v1/apps/"+app+"/products/com.example.nope", e.readKey, nil); nf.status != 404 || !strings.Contains(string(nf.body), "no product com.example.nope") {
		t.Errorf("unknown product: %d %s", nf.status, nf.body)
	}

	set := e.do(t, "POST", coins+"/price", e.writeKey, map[string]any{"price": "1.99", "territory": "USA"})
	if got := set.json(t); set.status != 200 || got["price"] != "1.99" || got["baseTerritory"] != "USA" {
		t.Fatalf("set price: %d %s", set.status, set.body)
	}
	before := e.sb.Writes()
	if again := e.do(t, "POST", coins+"/price", e.writeKey, map[string]any{"price": "1.99"}); again.status != 200 || e.sb.Writes() != before {
		t.Errorf("the same price again: %d, %d writes", again.status, e.sb.Writes()-before)
	}
	for body, want := range map[string]string{`{"price": "1.98"}`: "1.98 is not a price point in USA", `{"territory": "USA"}`: "Missing price"} {
		var v any
		json.Unmarshal([]byte(body), &v)
		if bad := e.do(t, "POST", coins+"/price", e.writeKey, v); bad.status != 400 || !strings.Contains(string(bad.body), want) {
			t.Errorf("%s: %d %s; want 400 with %q", body, bad.status, bad.body, want)
		}
	}
	if e.sb.Writes() != before {
		t.Error("a refused price change wrote")
	}
	if ro := e.do(t, "POST", coins+"/price", e.readKey, map[string]any{"price": "2.99"}); ro.status != 403 {
		t.Errorf("a read key changed a price: %d", ro.status)
	}

	gems := map[string]any{"productId": "com.example.daybreak.gems", "referenceName": "Gems", "kind": "CONSUMABLE", "name": "Gems", "description": "A pouch of gems", "price": "0.99"}
	c := e.do(t, "POST", "/connector/v1/apps/"+app+"/products", e.writeKey, gems)
	if got := c.json(t); c.status != 201 || got["productId"] != "com.example.daybreak.gems" || got["price"] != "0.99" || len(got["territories"].([]any)) != 175 {
		t.Fatalf("create: %d %s", c.status, c.body)
	}
	if dup := e.do(t, "POST", "/connector/v1/apps/"+app+"/products", e.writeKey, gems); dup.status != 409 || !strings.Contains(string(dup.body), "already has a product com.example.daybreak.gems") {
		t.Errorf("create again: %d %s", dup.status, dup.body)
	}
	sub := map[string]any{"productId": "com.example.daybreak.plus.weekly", "referenceName": "Plus Weekly", "kind": "AUTO_RENEWABLE_SUBSCRIPTION", "group": "Daybreak Plus", "period": "ONE_WEEK", "price": "1.99", "name": "Plus weekly"}
	if s := e.do(t, "POST", "/connector/v1/apps/"+app+"/products", e.writeKey, sub); s.status != 201 || s.json(t)["group"] != "Daybreak Plus" || s.json(t)["price"] != "1.99" {
		t.Errorf("create a subscription: %d %s", s.status, s.body)
	}
	sub["productId"], sub["period"] = "com.example.daybreak.plus.daily", "ONE_DAY"
	before = e.sb.Writes()
	if bad := e.do(t, "POST", "/connector/v1/apps/"+app+"/products", e.writeKey, sub); bad.status != 400 || !strings.Contains(string(bad.body), "ONE_DAY") {
		t.Errorf("an unknown period: %d %s", bad.status, bad.body)
	}
	if e.sb.Writes() != before {
		t.Error("a refused create wrote")
	}

	entries, err := e.db.Audit(t.Context(), time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]int{}
	for _, en := range entries {
		if strings.Contains(en.Path, "/products") {
			audited[en.Method+" "+en.KeyName]++
		}
	}
	if audited["POST writer"] != 8 || audited["POST reader"] != 1 || audited["GET reader"] != 0 {
		t.Errorf("audited %v; want every write (8 by the writer, the reader's refused one) and no read", audited)
	}

	// The exported connector offers the four actions with their flat answers.
	raw, err := connector.Swagger(exportOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	_, ops, problems := checkPowerPlatformRules(t, raw)
	for _, p := range problems {
		t.Error(p)
	}
	for _, id := range []string{"ListProducts", "GetProduct", "SetProductPrice", "CreateProduct"} {
		if _, ok := ops[id]; !ok {
			t.Errorf("the export lacks %s", id)
		}
	}
	for _, want := range []string{`"ProductFlat"`, `"manualPrices"`, `"ProductSummaryFlat"`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("the export lacks %s", want)
		}
	}
}
