package mcp_test

import (
	"slices"
	"strings"
	"testing"
)

func writesSent(e *env) int {
	m := e.sb.Stats().ByMethod
	return m["POST"] + m["PATCH"] + m["DELETE"]
}

func TestTestFlightTools(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	groups := call(t, e.cs, "testflight_groups", map[string]any{"app": "com.example.daybreak"}).ok(t)
	list, _ := groups.v["groups"].([]any)
	var names []string
	for _, g := range list {
		names = append(names, g.(map[string]any)["name"].(string))
	}
	if !slices.Contains(names, "Design Partners") || !slices.Contains(names, "Internal Testers") {
		t.Fatalf("groups: %s", groups.text)
	}

	// A group, created once.
	grp := map[string]any{"app": "com.example.daybreak", "name": "Agent Beta", "public_link": true, "public_link_limit": 50}
	if r := call(t, e.cs, "testflight_create_group", grp).ok(t); r.v["created"] != true || r.v["group"].(map[string]any)["publicLinkLimit"] != float64(50) {
		t.Fatalf("create group: %s", r.text)
	}
	w := writesSent(e)
	if r := call(t, e.cs, "testflight_create_group", grp).ok(t); r.v["created"] != false || len(r.v["changed"].([]any)) != 0 || writesSent(e) != w {
		t.Fatalf("the second create changed something: %s (%d writes)", r.text, writesSent(e)-w)
	}

	// Testers: added once, listed, removed only with confirm.
	add := map[string]any{"app": "com.example.daybreak", "testers": []any{
		map[string]any{"email": "ada@example.com", "first_name": "Ada", "last_name": "L", "groups": []any{"Agent Beta"}}}}
	if r := call(t, e.cs, "testflight_add_testers", add).ok(t); r.v["created"] != float64(1) {
		t.Fatalf("add: %s", r.text)
	}
	w = writesSent(e)
	if r := call(t, e.cs, "testflight_add_testers", add).ok(t); r.v["unchanged"] != float64(1) || writesSent(e) != w {
		t.Fatalf("adding again: %s (%d writes)", r.text, writesSent(e)-w)
	}
	testers := call(t, e.cs, "testflight_testers", map[string]any{"app": "com.example.daybreak", "group": "Agent Beta"}).ok(t)
	if testers.v["total"] != float64(1) || !strings.Contains(testers.text, "ada@example.com") {
		t.Fatalf("testers of the group: %s", testers.text)
	}
	call(t, e.cs, "testflight_add_testers", map[string]any{"app": "com.example.daybreak", "testers": []any{
		map[string]any{"email": "not an email", "groups": []any{"Agent Beta"}}}}).failed(t, "is not an email address")
	call(t, e.cs, "testflight_add_testers", map[string]any{"app": "com.example.daybreak", "testers": []any{
		map[string]any{"email": "bo@example.com", "groups": []any{"Nope"}}}}).failed(t, "no beta group named Nope")
	if writesSent(e) != w {
		t.Errorf("refused additions wrote %d times", writesSent(e)-w)
	}
	rm := map[string]any{"app": "com.example.daybreak", "emails": []any{"ada@example.com", "zed@example.com"}, "group": "Agent Beta", "confirm": false}
	would := call(t, e.cs, "testflight_remove_testers", rm).failed(t, "confirm: true", `"sent":"no"`, "ada@example.com")
	if nf, _ := would.v["notFound"].([]any); len(nf) != 1 || writesSent(e) != w {
		t.Fatalf("without confirm: %s (%d writes)", would.text, writesSent(e)-w)
	}
	rm["confirm"] = true
	if r := call(t, e.cs, "testflight_remove_testers", rm).ok(t); r.v["removed"] != float64(1) {
		t.Fatalf("remove: %s", r.text)
	}
	if r := call(t, e.cs, "testflight_testers", map[string]any{"app": "com.example.daybreak", "group": "Agent Beta"}).ok(t); r.v["total"] != float64(0) {
		t.Errorf("after removal: %s", r.text)
	}
}

func TestTestFlightDistributeTool(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	args := map[string]any{"app": "com.example.daybreak", "version": "2.4.0", "build_number": "491", "groups": []any{"Design Partners"},
		"what_to_test": map[string]any{"en-US": "Try the new focus timer."}, "notify": true}
	first := call(t, e.cs, "testflight_distribute", args).ok(t)
	if added, _ := first.v["groupsAdded"].([]any); len(added) != 1 || first.v["submitted"] != true || first.str("buildId") == "" {
		t.Fatalf("distribute: %s", first.text)
	}
	w := writesSent(e)
	again := call(t, e.cs, "testflight_distribute", args).ok(t)
	if added, _ := again.v["groupsAdded"].([]any); len(added) != 0 || again.v["submitted"] != false || writesSent(e) != w {
		t.Fatalf("distributing again: %s (%d writes)", again.text, writesSent(e)-w)
	}
	// By build id, to a group the app lacks, and a build that is not there: refused unwritten.
	call(t, e.cs, "testflight_distribute", map[string]any{"build": first.str("buildId"), "groups": []any{"Nope"}}).failed(t, "no beta group named Nope")
	call(t, e.cs, "testflight_distribute", map[string]any{"app": "com.example.daybreak", "version": "2.4.0", "build_number": "9999", "groups": []any{"Design Partners"}}).failed(t, "no such build")
	call(t, e.cs, "testflight_distribute", map[string]any{"build": "1", "app": "com.example.daybreak", "groups": []any{"Design Partners"}}).failed(t, "not both", `"sent":"no"`)
	if writesSent(e) != w {
		t.Errorf("refused distributions wrote %d times", writesSent(e)-w)
	}
}

func TestProductTools(t *testing.T) {
	t.Parallel()
	e := connect(t, true)
	list := call(t, e.cs, "products_list", map[string]any{"app": "com.example.daybreak"}).ok(t)
	prods, _ := list.v["products"].([]any)
	if len(prods) != 5 || !strings.Contains(list.text, `"com.example.daybreak.plus.monthly"`) {
		t.Fatalf("products: %s", list.text)
	}
	args := map[string]any{"app": "com.example.daybreak", "product_id": "com.example.daybreak.plus.monthly", "territory": "USA", "price": "4.99"}
	set := call(t, e.cs, "product_set_price", args).ok(t)
	w := writesSent(e)
	if set.v["writes"].(float64) < 1 || len(set.v["changes"].([]any)) == 0 {
		t.Fatalf("set price: %s", set.text)
	}
	if again := call(t, e.cs, "product_set_price", args).ok(t); again.v["writes"] != float64(0) || writesSent(e) != w {
		t.Fatalf("setting the same price again: %s (%d writes)", again.text, writesSent(e)-w)
	}
	got := call(t, e.cs, "product_get", map[string]any{"app": "com.example.daybreak", "product_id": "com.example.daybreak.plus.monthly"}).ok(t)
	if !strings.Contains(got.text, `"price":"4.99"`) {
		t.Errorf("product after the change: %s", got.text)
	}
	args["price"] = "4.95"
	call(t, e.cs, "product_set_price", args).failed(t, "4.95 is not a price point in USA", `"sent":"no"`)
	call(t, e.cs, "product_get", map[string]any{"app": "com.example.daybreak", "product_id": "com.example.nope"}).failed(t, "no product com.example.nope", "products_list")
	if writesSent(e) != w {
		t.Errorf("refused calls wrote %d times", writesSent(e)-w)
	}
}

// A read key is offered the TestFlight and commerce reads only; a write tried anyway is
// refused unsent and audited. Every write tool says so in its annotations, and the one that
// removes needs confirm.
func TestTestFlightAndCommerceToolsSafety(t *testing.T) {
	t.Parallel()
	reads := []string{"testflight_groups", "testflight_testers", "products_list", "product_get"}
	writes := []string{"testflight_create_group", "testflight_add_testers", "testflight_remove_testers", "testflight_distribute", "product_set_price"}
	r := connect(t, false)
	_, names := toolNames(t, r.cs)
	for _, n := range reads {
		if !slices.Contains(names, n) {
			t.Errorf("a read key lacks %s", n)
		}
	}
	for _, n := range writes {
		if slices.Contains(names, n) {
			t.Errorf("a read key is offered %s", n)
		}
	}
	call(t, r.cs, "testflight_add_testers", map[string]any{"app": "com.example.daybreak", "testers": []any{
		map[string]any{"email": "ada@example.com", "groups": []any{"Design Partners"}}}}).failed(t, "FORBIDDEN_ERROR")
	if got := r.audit.all(); !slices.Equal(got, []string{"POST /mcp/tools/testflight_add_testers Forbidden"}) || sent(r.sb) != 0 {
		t.Errorf("audit %q, %d requests sent", got, sent(r.sb))
	}

	w := connect(t, true)
	tools, _ := toolNames(t, w.cs)
	for _, n := range reads {
		if a := tools[n].Annotations; a == nil || !a.ReadOnlyHint || !a.IdempotentHint {
			t.Errorf("%s: annotations %+v", n, a)
		}
	}
	for _, n := range writes {
		a := tools[n].Annotations
		if a == nil || a.ReadOnlyHint || a.DestructiveHint == nil || *a.DestructiveHint != (n == "testflight_remove_testers") || !a.IdempotentHint {
			t.Errorf("%s: annotations %+v", n, a)
		}
	}
	if req := tools["testflight_remove_testers"].InputSchema.(map[string]any)["required"]; !slices.Contains(req.([]any), any("confirm")) {
		t.Errorf("testflight_remove_testers does not require confirm: %v", req)
	}
}
