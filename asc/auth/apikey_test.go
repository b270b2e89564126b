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
	"time"
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
		{"unknown fields ignored", apiKeyJSON(t, map[string]any{"key_id": "D383SF739", "issuer_id": issuer, "key": string(good), "team": "x"}), false, false, ""},
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
		{"in_house not a boolean", []byte(`{"key_id":"K1","key":"x","in_house":"maybe"}`), `field "in_house" must be true or false`},
		{"is_key_content_base64 a number", []byte(`{"key_id":"K1","key":"x","is_key_content_base64":2}`), `field "is_key_content_base64" must be true or false`},
		{"duration over Apple's limit", apiKeyJSON(t, map[string]any{"key_id": "K1", "key": good, "duration": 1201}), "duration 1201: the token lifetime is in seconds, from 1 to 1200"},
		{"negative duration", apiKeyJSON(t, map[string]any{"key_id": "K1", "key": good, "duration": -5}), "has duration -5"},
		{"duration not a number", []byte(`{"key_id":"K1","key":"x","duration":"ten minutes"}`), `field "duration" must be a whole number of seconds`},
		{"fractional duration", []byte(`{"key_id":"K1","key":"x","duration":600.5}`), `field "duration" must be a whole number of seconds`},
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

// TestFastlaneAPIKeyJSON reads the file as fastlane users write it: in_house and
// is_key_content_base64 as booleans or strings, duration as a number or a string, and checks
// what each does to the tokens signed.
func TestFastlaneAPIKeyJSON(t *testing.T) {
	t.Parallel()
	good := testPEM(t)
	b64 := base64.StdEncoding.EncodeToString(good)
	const issuer = "69a6de7f-3a7b-47e3-e053-5b8c7c11a4d1"
	tests := []struct {
		name     string
		fields   map[string]any
		aud      string
		lifetime int64 // exp - iat in seconds
	}{
		{"fastlane's minimal file", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": string(good)}, Audience, 900},
		{"in_house true", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": string(good), "in_house": true}, EnterpriseAudience, 900},
		{"in_house as the string true", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": string(good), "in_house": "true"}, EnterpriseAudience, 900},
		{"in_house as the string false", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": string(good), "in_house": "false"}, Audience, 900},
		{"in_house null", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": string(good), "in_house": nil}, Audience, 900},
		{"base64 flag as a string", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": b64, "is_key_content_base64": "true"}, Audience, 900},
		{"duration in seconds", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": string(good), "duration": 500}, Audience, 500},
		{"duration as a string", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": string(good), "duration": "1200"}, Audience, 1200},
		{"everything", map[string]any{"key_id": "K1", "issuer_id": issuer, "key": b64, "is_key_content_base64": true, "in_house": "YES", "duration": 60}, EnterpriseAudience, 60},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, f, err := ParseAPIKeyJSON(apiKeyJSON(t, tc.fields))
			if err != nil {
				t.Fatal(err)
			}
			if f.InHouse != (tc.aud == EnterpriseAudience) || f.Duration != 0 && int64(f.Duration) != tc.lifetime {
				t.Errorf("file = %#v", f)
			}
			// The key alone carries the settings: the client signs with TokenOptions{}.
			claims := signedClaims(t, k, TokenOptions{Now: fixedNow})
			if claims["aud"] != tc.aud {
				t.Errorf("aud = %v, want %s", claims["aud"], tc.aud)
			}
			if got := int64(claims["exp"].(float64) - claims["iat"].(float64)); got != tc.lifetime {
				t.Errorf("lifetime = %ds, want %ds", got, tc.lifetime)
			}
			// So does the cached source every client uses.
			src := NewTokenSource(k, TokenOptions{Now: fixedNow})
			tok, err := src.Token(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			c := decodePart(t, strings.Split(tok, ".")[1])
			if got := int64(c["exp"].(float64) - c["iat"].(float64)); got != tc.lifetime || c["aud"] != tc.aud {
				t.Errorf("token source signed aud %v lifetime %ds, want %s %ds", c["aud"], got, tc.aud, tc.lifetime)
			}
			// An explicit lifetime still wins over the file's duration.
			if got := signedClaims(t, k, TokenOptions{Now: fixedNow, Lifetime: 2 * time.Minute}); got["exp"].(float64)-got["iat"].(float64) != 120 {
				t.Errorf("explicit lifetime ignored: %v", got)
			}
		})
	}
}

func signedClaims(t *testing.T, k *Key, opts TokenOptions) map[string]any {
	t.Helper()
	tok, err := k.Sign(opts)
	if err != nil {
		t.Fatal(err)
	}
	return decodePart(t, strings.Split(tok, ".")[1])
}

func TestFromFastlaneEnv(t *testing.T) {
	t.Parallel()
	good := testPEM(t)
	dir := t.TempDir()
	jsonPath := filepath.Join(dir, "api_key.json")
	if err := os.WriteFile(jsonPath, apiKeyJSON(t, map[string]any{"key_id": "JSONKEY", "issuer_id": "iss", "key": string(good), "in_house": "true"}), 0o600); err != nil {
		t.Fatal(err)
	}
	p8 := filepath.Join(dir, "AuthKey_FILEKEY.p8")
	if err := os.WriteFile(p8, good, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		env        map[string]string
		wantID     string
		wantSource string
		inHouse    bool
		lifetime   time.Duration
	}{
		{"nothing set", map[string]string{}, "", "", false, 0},
		{"api-key JSON path", map[string]string{EnvFastlaneKeyPath: jsonPath}, "JSONKEY", EnvFastlaneKeyPath, true, 0},
		{"deliver's api-key JSON path", map[string]string{EnvDeliverKeyPath: jsonPath}, "JSONKEY", EnvDeliverKeyPath, true, 0},
		{"pilot's api-key JSON path", map[string]string{EnvPilotKeyPath: jsonPath}, "JSONKEY", EnvPilotKeyPath, true, 0},
		{"the path comes before the parts", map[string]string{EnvFastlaneKeyPath: jsonPath, EnvFastlaneKeyID: "OTHER", EnvFastlaneKey: string(good)}, "JSONKEY", EnvFastlaneKeyPath, true, 0},
		{"key content", map[string]string{EnvFastlaneKeyID: "ENVKEY", EnvFastlaneIssuerID: "iss", EnvFastlaneKey: string(good), EnvFastlaneDuration: "600"}, "ENVKEY", EnvFastlaneKey, false, 10 * time.Minute},
		{"base64 key content, in house", map[string]string{EnvFastlaneKeyID: "ENVKEY", EnvFastlaneKey: base64.StdEncoding.EncodeToString(good), EnvFastlaneKeyBase64: "true", EnvFastlaneInHouse: "1"}, "ENVKEY", EnvFastlaneKey, true, 0},
		{"key file", map[string]string{EnvFastlaneKeyID: "FILEKEY", EnvFastlaneIssuerID: "iss", EnvFastlaneKeyFilePath: p8, EnvFastlaneDuration: "1200"}, "FILEKEY", EnvFastlaneKeyFilePath, false, 20 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, _, src, err := FromFastlaneEnv(func(n string) string { return tc.env[n] })
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantID == "" {
				if k != nil || src != "" {
					t.Errorf("got %v from %q with nothing set", k, src)
				}
				return
			}
			if k.ID != tc.wantID || src != tc.wantSource || k.InHouse != tc.inHouse || k.TokenLifetime != tc.lifetime {
				t.Errorf("got %#v (lifetime %s) from %q, want %s from %s, in house %t, lifetime %s", k, k.TokenLifetime, src, tc.wantID, tc.wantSource, tc.inHouse, tc.lifetime)
			}
			if _, err := k.Sign(TokenOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	errs := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"parts without a key id", map[string]string{EnvFastlaneKey: string(good)}, EnvFastlaneKeyID + " is not set"},
		{"key id without a key", map[string]string{EnvFastlaneKeyID: "K"}, "neither " + EnvFastlaneKey},
		{"duration over the limit", map[string]string{EnvFastlaneKeyID: "K", EnvFastlaneKey: string(good), EnvFastlaneDuration: "3600"}, "from 1 to 1200"},
		{"duration not a number", map[string]string{EnvFastlaneKeyID: "K", EnvFastlaneKey: string(good), EnvFastlaneDuration: "20m"}, EnvFastlaneDuration + " must be a whole number"},
		{"in house not a flag", map[string]string{EnvFastlaneKeyID: "K", EnvFastlaneKey: string(good), EnvFastlaneInHouse: "perhaps"}, EnvFastlaneInHouse + " must be true or false"},
		{"missing JSON file", map[string]string{EnvDeliverKeyPath: filepath.Join(dir, "nope.json")}, "does not exist"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, _, err := FromFastlaneEnv(func(n string) string { return tc.env[n] })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			assertNoKeyMaterial(t, err.Error(), good)
		})
	}
}
