package products_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cli"
	"github.com/ascend-tools/ascend/internal/cmd/root"
	"github.com/ascend-tools/ascend/sandbox"
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

func sandboxEnv(t *testing.T) map[string]string {
	t.Helper()
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	k := sb.Key()
	return map[string]string{
		"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir(),
		"ASC_BASE_URL": sb.URL(), "ASC_KEY_ID": k.ID, "ASC_ISSUER_ID": k.IssuerID, "ASC_PRIVATE_KEY": string(sb.KeyPEM()),
	}
}

func TestPullDiffPush(t *testing.T) {
	env := sandboxEnv(t)
	file := filepath.Join(t.TempDir(), "products.json")
	r := run(t, env, "products", "pull", "--app", "com.example.daybreak", "--file", file).want(t, 0)
	if !strings.Contains(r.stderr, "wrote "+file+": 3 in-app purchases, 2 subscriptions") {
		t.Fatal(r.stderr)
	}
	r = run(t, env, "products", "diff", "--app", "com.example.daybreak", "--file", file).want(t, 0)
	if !strings.Contains(r.stderr, "App Store Connect matches the file") {
		t.Fatal(r.stderr)
	}
	b, _ := os.ReadFile(file)
	os.WriteFile(file, []byte(strings.Replace(string(b), `"100 Focus Coins (de-DE)"`, `"Hundert Fokusmünzen"`, 1)), 0o644)
	r = run(t, env, "products", "diff", "--app", "com.example.daybreak", "--file", file).want(t, 0)
	if !strings.Contains(r.stdout, "com.example.daybreak.coins100\tlocalizations[de-DE].description\t100 Focus Coins (de-DE)\tHundert Fokusmünzen") {
		t.Fatal(r.stdout)
	}
	run(t, env, "products", "push", "--app", "com.example.daybreak", "--file", file).want(t, 2) // a pipe needs --yes
	r = run(t, env, "products", "push", "--app", "com.example.daybreak", "--file", file, "--yes").want(t, 0)
	if !strings.Contains(r.stderr, "pushed 1 change: 1 write") {
		t.Fatal(r.stderr)
	}
	r = run(t, env, "products", "push", "--app", "com.example.daybreak", "--file", file, "--yes").want(t, 0)
	if !strings.Contains(r.stderr, "App Store Connect matches the file") {
		t.Fatal(r.stderr)
	}
}
