package products_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
)

type result struct {
	stdout, stderr string
	code           int
	err            error
}

func run(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	io, _, out, errOut := cli.TestIO()
	f := cli.NewFactory(io, func(k string) string { return env[k] })
	err := root.Run(t.Context(), f, args)
	return result{stdout: out.String(), stderr: errOut.String(), code: cli.ExitCode(err), err: err}
}

func (r result) want(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d: %v\nstdout: %s\nstderr: %s", r.code, code, r.err, r.stdout, r.stderr)
	}
	return r
}

func offline(t *testing.T) map[string]string {
	return map[string]string{"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir()}
}

func TestSchemaPrintsJSONSchema(t *testing.T) {
	r := run(t, offline(t), "products", "schema").want(t, 0)
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" || doc["$defs"] == nil {
		t.Fatalf("not a JSON Schema: %.200s", r.stdout)
	}
}

func TestValidateListsProblemsWithoutCredentials(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "products.json")
	os.WriteFile(file, []byte(`{"inAppPurchases": [{"productId": "a b", "referenceName": "A", "type": "CONSUMABLE",
  "localizations": {"en-US": {"name": "`+strings.Repeat("n", 31)+`"}}}]}`), 0o644)
	r := run(t, offline(t), "products", "validate", "--file", file).want(t, 1)
	if !strings.Contains(r.stdout, "inAppPurchases[a b].productId") || !strings.Contains(r.stdout, "localizations[en-US].name: 31 characters, Apple allows at most 30") {
		t.Fatalf("stdout: %s", r.stdout)
	}
	if !strings.Contains(r.err.Error(), "2 problems found") {
		t.Fatal(r.err)
	}
	r = run(t, offline(t), "products", "validate", "--file", file, "--json").want(t, 1)
	var out []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out) != 2 {
		t.Fatalf("json: %v %s", err, r.stdout)
	}
	os.WriteFile(file, []byte(`{"inAppPurchases": [{"productId": "a", "referenceName": "A", "type": "CONSUMABLE"}]}`), 0o644)
	r = run(t, offline(t), "products", "validate", "--file", file).want(t, 0)
	if !strings.Contains(r.stderr, "no problems found") {
		t.Fatal(r.stderr)
	}
	run(t, offline(t), "products", "validate", "--file", filepath.Join(dir, "missing.json")).want(t, 1)
}
