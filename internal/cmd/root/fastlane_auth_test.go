package root

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/ascend-tools/ascend/internal/cli"
)

// TestAuthLoginAPIKeyJSON saves fastlane's api-key JSON as a profile and checks that the
// tokens signed from it follow the file: in_house (given as a string) names the enterprise
// audience and duration sets the lifetime.
func TestAuthLoginAPIKeyJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p8, _ := keyFile(t, dir, "FASTLANE1", "69a6de7f-3a7b-47e3-e053-5b8c7c11a4d1")
	pemText, err := os.ReadFile(p8)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := json.Marshal(map[string]any{"key_id": "FASTLANE1", "issuer_id": "69a6de7f-3a7b-47e3-e053-5b8c7c11a4d1",
		"key": string(pemText), "in_house": "true", "duration": 600})
	jsonPath := filepath.Join(dir, "api_key.json")
	if err := os.WriteFile(jsonPath, data, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	r := runCLI(t, false, e, "", "auth", "login", "--profile", "ent", "--api-key-json", jsonPath)
	r.check(t, 0)
	cfg, _ := os.ReadFile(filepath.Join(e["ASCEND_CONFIG_DIR"], "config.json"))
	if strings.Contains(string(cfg), "PRIVATE KEY") || !strings.Contains(string(cfg), jsonPath) {
		t.Fatalf("config should name the JSON file and hold no key:\n%s", cfg)
	}
	r = runCLI(t, false, e, "", "auth", "token", "--profile", "ent")
	r.check(t, 0)
	tok, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(r.stdout), jwt.MapClaims{})
	if err != nil {
		t.Fatal(err)
	}
	claims := tok.Claims.(jwt.MapClaims)
	if claims["aud"] != "apple-developer-enterprise-v1" {
		t.Errorf("aud = %v, want the enterprise audience", claims["aud"])
	}
	if life := claims["exp"].(float64) - claims["iat"].(float64); life != 600 {
		t.Errorf("lifetime %vs, want the file's duration of 600s", life)
	}
	r = runCLI(t, false, e, "", "auth", "status", "--profile", "ent")
	r.check(t, 0)
	if !strings.Contains(r.stdout, jsonPath) {
		t.Errorf("auth status does not name the JSON file:\n%s", r.stdout)
	}

	// Both ways of giving a key at once is a usage error, and nothing is saved.
	r = runCLI(t, false, e, "", "auth", "login", "--profile", "both", "--api-key-json", jsonPath, "--private-key-path", p8)
	r.check(t, cli.ExitUsage)
	cfg2, _ := os.ReadFile(filepath.Join(e["ASCEND_CONFIG_DIR"], "config.json"))
	if string(cfg2) != string(cfg) {
		t.Error("a refused login changed the config")
	}
}
