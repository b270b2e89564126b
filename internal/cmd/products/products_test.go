package products_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

func TestSchemaPrintsJSONSchema(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	r := h.Run(t, false, "products", "schema").Want(t, 0)
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" || doc["$defs"] == nil {
		t.Fatalf("not a JSON Schema: %.200s", r.Stdout)
	}
}

func TestValidateListsProblemsWithoutRequests(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	dir := t.TempDir()
	file := filepath.Join(dir, "products.json")
	os.WriteFile(file, []byte(`{"inAppPurchases": [{"productId": "a b", "referenceName": "A", "type": "CONSUMABLE",
  "localizations": {"en-US": {"name": "`+strings.Repeat("n", 31)+`"}}}]}`), 0o644)
	r := h.Run(t, false, "products", "validate", "--file", file).Want(t, 1)
	if !strings.Contains(r.Stdout, "inAppPurchases[a b].productId") || !strings.Contains(r.Stdout, "localizations[en-US].name: 31 characters, Apple allows at most 30") {
		t.Fatalf("stdout: %s", r.Stdout)
	}
	if !strings.Contains(r.Err.Error(), "2 problems found") {
		t.Fatal(r.Err)
	}
	r = h.Run(t, false, "products", "validate", "--file", file, "--json").Want(t, 1)
	var out []map[string]string
	if err := json.Unmarshal([]byte(r.Stdout), &out); err != nil || len(out) != 2 {
		t.Fatalf("json: %v %s", err, r.Stdout)
	}
	os.WriteFile(file, []byte(`{"inAppPurchases": [{"productId": "a", "referenceName": "A", "type": "CONSUMABLE"}]}`), 0o644)
	r = h.Run(t, false, "products", "validate", "--file", file).Want(t, 0)
	if !strings.Contains(r.Stderr, "no problems found") {
		t.Fatal(r.Stderr)
	}
	h.Run(t, false, "products", "validate", "--file", filepath.Join(dir, "missing.json")).Want(t, 1)
	if n := h.Writes(t); n != 0 {
		t.Fatalf("validate wrote %d times", n)
	}
}

func TestPullDiffPush(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	file := filepath.Join(t.TempDir(), "products.json")
	r := h.Run(t, false, "products", "pull", "--app", "com.example.daybreak", "--file", file).Want(t, 0)
	if !strings.Contains(r.Stderr, "wrote "+file+": 3 in-app purchases, 2 subscriptions") {
		t.Fatal(r.Stderr)
	}
	r = h.Run(t, false, "products", "diff", "--app", "com.example.daybreak", "--file", file).Want(t, 0)
	if !strings.Contains(r.Stderr, "App Store Connect matches the file") {
		t.Fatal(r.Stderr)
	}
	b, _ := os.ReadFile(file)
	os.WriteFile(file, []byte(strings.Replace(string(b), `"100 Focus Coins (de-DE)"`, `"Hundert Fokusmünzen"`, 1)), 0o644)
	r = h.Run(t, false, "products", "diff", "--app", "com.example.daybreak", "--file", file).Want(t, 0)
	if !strings.Contains(r.Stdout, "com.example.daybreak.coins100\tlocalizations[de-DE].description\t100 Focus Coins (de-DE)\tHundert Fokusmünzen") {
		t.Fatal(r.Stdout)
	}
	h.Run(t, false, "products", "push", "--app", "com.example.daybreak", "--file", file).Want(t, 2) // a pipe needs --yes
	before := h.Writes(t)
	r = h.Run(t, false, "products", "push", "--app", "com.example.daybreak", "--file", file, "--yes").Want(t, 0)
	if !strings.Contains(r.Stderr, "pushed 1 change: 1 write") || h.Writes(t)-before != 1 {
		t.Fatal(r.Stderr)
	}
	r = h.Run(t, false, "products", "push", "--app", "com.example.daybreak", "--file", file, "--yes").Want(t, 0)
	if !strings.Contains(r.Stderr, "App Store Connect matches the file") {
		t.Fatal(r.Stderr)
	}
}

// --submit submits what is ready once; running it again submits nothing twice.
func TestPushSubmit(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{ReviewDelay: -1})
	file := filepath.Join(t.TempDir(), "products.json")
	h.Run(t, false, "products", "pull", "--app", "com.example.daybreak", "--file", file).Want(t, 0)
	r := h.Run(t, false, "products", "push", "--app", "com.example.daybreak", "--file", file, "--yes", "--submit").Want(t, 0)
	if !strings.Contains(r.Stderr, "submitted for review: 1 product") || !strings.Contains(r.Stderr, "not submitted: com.example.daybreak.coins100 (APPROVED)") {
		t.Fatal(r.Stderr)
	}
	r = h.Run(t, false, "products", "push", "--app", "com.example.daybreak", "--file", file, "--yes", "--submit").Want(t, 0)
	if !strings.Contains(r.Stderr, "submitted for review: 0 products") {
		t.Fatal(r.Stderr)
	}
	if n := h.Stats(t)["POST /v1/inAppPurchaseSubmissions"]; n != 1 {
		t.Fatalf("%d submissions", n)
	}
}

// validate --app checks prices against Apple's price points and writes nothing.
func TestValidateWithApp(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	file := filepath.Join(t.TempDir(), "products.json")
	os.WriteFile(file, []byte(`{"inAppPurchases": [{"productId": "com.example.ledger.x", "referenceName": "X", "type": "CONSUMABLE",
  "price": {"baseTerritory": "USA", "price": "0.95"}}]}`), 0o644)
	r := h.Run(t, false, "products", "validate", "--file", file).Want(t, 0)
	r = h.Run(t, false, "products", "validate", "--file", file, "--app", "com.example.ledger").Want(t, 1)
	if !strings.Contains(r.Stdout, "inAppPurchases[com.example.ledger.x].price.price: 0.95 is not a price point in USA; the nearest are 0.89 and 0.99") {
		t.Fatal(r.Stdout)
	}
	if n := h.Writes(t); n != 0 {
		t.Fatalf("%d writes", n)
	}
}
