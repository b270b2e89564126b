package auth

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// apiKeyJSON builds fastlane's api-key JSON with the given key text.
func apiKeyJSON(t testing.TB, fields map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseAPIKeyJSON(t *testing.T) {
	t.Parallel()
	good := testPEM(t)
	const issuer = "69a6de7f-3a7b-47e3-e053-5b8c7c11a4d1"
	tests := []struct {
		name        string
		data        []byte
		wantInHouse bool
		wantIndv    bool
		wantBaseURL string
	}{
		{"PEM text", apiKeyJSON(t, map[string]any{"key_id": "D383SF739", "issuer_id": issuer, "key": string(good)}), false, false, ""},
		{"escaped newlines in the JSON text", []byte(fmt.Sprintf(`{"key_id":"D383SF739","issuer_id":%q,"key":%q}`, issuer,
			strings.ReplaceAll(strings.TrimSpace(string(good)), "\n", `\n`))), false, false, ""},
		{"doubly escaped newlines", []byte(fmt.Sprintf(`{"key_id":"D383SF739","issuer_id":%q,"key":"%s"}`, issuer,
			strings.ReplaceAll(strings.TrimSpace(string(good)), "\n", `\\n`))), false, false, ""},
		{"base64 content", apiKeyJSON(t, map[string]any{"key_id": "D383SF739", "issuer_id": issuer,
			"key": base64.StdEncoding.EncodeToString(good), "is_key_content_base64": true}), false, false, ""},
		{"wrapped base64 content", apiKeyJSON(t, map[string]any{"key_id": "D383SF739", "issuer_id": issuer,
			"key": wrap76(base64.StdEncoding.EncodeToString(good)), "is_key_content_base64": true}), false, false, ""},
		{"in-house with base_url", apiKeyJSON(t, map[string]any{"key_id": "D383SF739", "issuer_id": issuer, "key": string(good),
			"in_house": true, "base_url": "http://127.0.0.1:8123/"}), true, false, "http://127.0.0.1:8123/"},
		{"individual key, no issuer", apiKeyJSON(t, map[string]any{"key_id": "D383SF739", "key": string(good)}), false, true, ""},
		{"unknown fields ignored", apiKeyJSON(t, map[string]any{"key_id": "D383SF739", "issuer_id": issuer, "key": string(good), "duration": 1200}), false, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, f, err := ParseAPIKeyJSON(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			if k.ID != "D383SF739" || k.InHouse != tc.wantInHouse || k.Individual() != tc.wantIndv {
				t.Errorf("key = %#v", k)
			}
			if f.BaseURL != tc.wantBaseURL || f.KeyID != k.ID {
				t.Errorf("file = %#v", f)
			}
			if _, err := k.Sign(TokenOptions{}); err != nil {
				t.Errorf("loaded key cannot sign: %v", err)
			}
		})
	}
}

func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func TestParseAPIKeyJSONErrors(t *testing.T) {
	t.Parallel()
	good := string(testPEM(t))
	sec1 := strings.Replace(good, "PRIVATE KEY", "EC PRIVATE KEY", 2)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "is empty"},
		{"syntax error inside the key", []byte(`{"key_id":"K1","key":"` + good[:40] + "\x01" + `"}`), "invalid JSON at byte"},
		{"truncated", []byte(`{"key_id":"K1","key":"abc`), "invalid JSON at byte"},
		{"not an object", []byte(`["K1"]`), "not a JSON object"},
		{"key_id not a string", []byte(`{"key_id":12,"key":"x"}`), `field "key_id" must be a string`},
		{"in_house not a boolean", []byte(`{"key_id":"K1","key":"x","in_house":"yes"}`), `field "in_house" must be a boolean`},
		{"no key_id", apiKeyJSON(t, map[string]any{"issuer_id": "i", "key": good}), "has no key_id"},
		{"no key", apiKeyJSON(t, map[string]any{"key_id": "K1", "issuer_id": "i"}), "has no key:"},
		{"bad base64", apiKeyJSON(t, map[string]any{"key_id": "K1", "key": good, "is_key_content_base64": true}), "not valid base64"},
		{"key is not PEM", apiKeyJSON(t, map[string]any{"key_id": "K1", "key": "hello there"}), "the key in the api-key JSON is not a PEM private key"},
		{"key is SEC1", apiKeyJSON(t, map[string]any{"key_id": "K1", "key": sec1}), "openssl pkcs8 -topk8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := ParseAPIKeyJSON(tc.data)
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("error %v is not a *KeyError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message %q does not contain %q", err, tc.want)
			}
			assertNoKeyMaterial(t, err.Error(), []byte(good))
		})
	}
}

func TestLoadAPIKeyJSON(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "credentials.json")
	data := apiKeyJSON(t, map[string]any{"key_id": "K1", "issuer_id": "i", "key": string(testPEM(t)), "base_url": "http://127.0.0.1:1/"})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	k, f, err := LoadAPIKeyJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.ID != "K1" || f.BaseURL != "http://127.0.0.1:1/" {
		t.Errorf("got %v and %v", k, f)
	}

	missing := filepath.Join(dir, "nope.json")
	_, _, err = LoadAPIKeyJSON(missing)
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: got %v", err)
	}
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadAPIKeyJSON(broken); err == nil || !strings.Contains(err.Error(), "api-key JSON "+broken+" is malformed") {
		t.Errorf("broken file: got %v", err)
	}
}

func TestAPIKeyFileNeverPrintsKey(t *testing.T) {
	t.Parallel()
	good := testPEM(t)
	f := APIKeyFile{KeyID: "K1", IssuerID: "i", Key: string(good)}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("credentials", "file", f, "ptr", &f)
	slog.New(slog.NewTextHandler(&logged, nil)).Info("credentials", "file", f)
	for _, out := range []string{fmt.Sprint(f), fmt.Sprintf("%+v", f), fmt.Sprintf("%#v", &f), fmt.Sprintf("%s", f), logged.String()} {
		assertNoKeyMaterial(t, out, good)
		if !strings.Contains(out, "K1") {
			t.Errorf("output %q lacks the key id", out)
		}
	}
}

// FuzzParseAPIKeyJSON checks that no input panics the parser, that every failure is a
// *KeyError, and that no failure message repeats the key text.
func FuzzParseAPIKeyJSON(f *testing.F) {
	good := testPEM(f)
	f.Add(apiKeyJSON(f, map[string]any{"key_id": "K1", "issuer_id": "i", "key": string(good)}))
	f.Add(apiKeyJSON(f, map[string]any{"key_id": "K1", "key": base64.StdEncoding.EncodeToString(good), "is_key_content_base64": true}))
	f.Add([]byte(`{"key_id":"K1","key":"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"}`))
	f.Add([]byte(`{"key_id":1}`))
	f.Add([]byte(`{`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, file, err := ParseAPIKeyJSON(data)
		if err == nil {
			if k == nil || file == nil || k.PublicKey() == nil {
				t.Fatal("success without a usable key")
			}
			return
		}
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("error %T is not a *KeyError", err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("message spans lines: %q", err)
		}
		var raw struct {
			Key string `json:"key"`
		}
		if json.Unmarshal(data, &raw) == nil && len(raw.Key) >= 16 && strings.Contains(err.Error(), raw.Key) {
			t.Fatalf("message repeats the key text")
		}
	})
}

// FuzzNewKey checks the PEM parser the same way.
func FuzzNewKey(f *testing.F) {
	good := testPEM(f)
	f.Add(good)
	f.Add(bytes.ReplaceAll(good, []byte("\n"), []byte(`\n`)))
	f.Add([]byte("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("not a key"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := NewKey("K1", "i", data)
		if err == nil {
			if k.PublicKey() == nil {
				t.Fatal("success without a public key")
			}
			return
		}
		var ke *KeyError
		if !errors.As(err, &ke) {
			t.Fatalf("error %T is not a *KeyError", err)
		}
		if strings.Contains(err.Error(), "\n") || strings.Contains(err.Error(), "-----") {
			t.Fatalf("message %q spans lines or holds PEM armour", err)
		}
	})
}

// TestLoadAPIKeyJSONGivenTheContent covers ASC_API_KEY_JSON holding the JSON document (as CI
// secrets often do) rather than its path: the error must not echo the document's key.
func TestLoadAPIKeyJSONGivenTheContent(t *testing.T) {
	t.Parallel()
	doc := string(apiKeyJSON(t, map[string]any{"key_id": "K1", "issuer_id": "i", "key": string(testPEM(t))}))
	_, _, err := LoadAPIKeyJSON(doc)
	var ke *KeyError
	if !errors.As(err, &ke) {
		t.Fatalf("error %v is not a *KeyError", err)
	}
	if strings.Contains(err.Error(), "PRIVATE KEY") || strings.Contains(err.Error(), "key_id") {
		t.Errorf("message repeats the document: %q", err)
	}
	if !strings.Contains(err.Error(), "is the JSON itself") {
		t.Errorf("message %q should say the path holds the JSON itself", err)
	}
}
