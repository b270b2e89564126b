package serve_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	servecmd "github.com/ascend-tools/ascend/internal/cmd/serve"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

func TestLoadConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var sbs []*sandboxtest.Sandbox
	for _, name := range []string{"a", "b"} {
		sb := sandboxtest.Start(t, sandbox.Options{})
		if err := sb.WriteCredentials(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
		sbs = append(sbs, sb)
	}
	kb := sbs[1].Key()
	cfg := `{"public_url": "https://gw.example.com", "profiles": {
		"alpha": {"api_key_json": "a/credentials.json"},
		"beta": {"key_id": "` + kb.ID + `", "issuer_id": "` + kb.IssuerID + `", "private_key_path": "b/AuthKey_` + kb.ID + `.p8", "upstream": "` + sbs[1].URL() + `"}}}`
	path := filepath.Join(dir, "gateway.json")
	os.WriteFile(path, []byte(cfg), 0o600)
	profiles, public, err := servecmd.LoadConfigFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if public != "https://gw.example.com" || len(profiles) != 2 {
		t.Fatalf("config: %q, %d profiles", public, len(profiles))
	}
	if p := profiles[0]; p.Name != "alpha" || p.Key.ID != sbs[0].Key().ID || p.Upstream != sbs[0].URL() {
		t.Errorf("alpha (api-key JSON with base_url): %s %s %s", p.Name, p.Key, p.Upstream)
	}
	if p := profiles[1]; p.Name != "beta" || p.Key.ID != kb.ID || p.Upstream != sbs[1].URL() {
		t.Errorf("beta (.p8): %s %s %s", p.Name, p.Key, p.Upstream)
	}

	for _, tc := range []struct{ name, body, want string }{
		{"unknown field", `{"profiles": {"x": {"api_key_json": "a/credentials.json"}}, "extra": 1}`, "not a gateway config"},
		{"no profiles", `{"profiles": {}}`, "names no profiles"},
		{"missing key file", `{"profiles": {"x": {"private_key_path": "nope.p8", "key_id": "K"}}}`, `profile "x"`},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
		os.WriteFile(p, []byte(tc.body), 0o600)
		if _, _, err := servecmd.LoadConfigFile(p); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}
