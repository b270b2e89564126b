package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
)

func TestExitCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, ExitOK},
		{"plain", errors.New("boom"), ExitError},
		{"usage", UsageErrorf("bad flag"), ExitUsage},
		{"wrapped usage", fmt.Errorf("ctx: %w", UsageErrorf("bad")), ExitUsage},
		{"auth", AuthErrorf("no key"), ExitAuth},
		{"auth wrapping", AuthErrorf("profile: %w", errors.New("gone")), ExitAuth},
		{"pending", PendingErrorf("still processing"), ExitPending},
		{"key error", fmt.Errorf("load: %w", &auth.KeyError{Reason: "bad key"}), ExitAuth},
		{"401", &asc.ErrorResponse{Method: "GET", URL: "/v1/apps", StatusCode: 401}, ExitAuth},
		{"404", &asc.ErrorResponse{Method: "GET", URL: "/v1/apps/1", StatusCode: 404}, ExitError},
		{"429", &asc.RateLimitError{ErrorResponse: asc.ErrorResponse{StatusCode: 429}}, ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ExitCode(tt.err); got != tt.want {
				t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
			}
		})
	}
}

func TestAuthErrorMessage(t *testing.T) {
	t.Parallel()
	cause := errors.New("gone")
	tests := []struct {
		err  error
		want string
	}{
		{AuthErrorf("load %s: %w", "x", cause), "load x: gone"},
		{&AuthError{Msg: "check failed", Err: cause}, "check failed: gone"},
		{&AuthError{Err: cause}, "gone"},
	}
	for _, tt := range tests {
		if tt.err.Error() != tt.want || !errors.Is(tt.err, cause) {
			t.Errorf("%q (is cause: %v), want %q", tt.err.Error(), errors.Is(tt.err, cause), tt.want)
		}
	}
}

func testFactory(t *testing.T, tty bool, env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	io, _, out, errOut := TestIO()
	io.SetTTY(tty)
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["ASCEND_CONFIG_DIR"]; !ok {
		env["ASCEND_CONFIG_DIR"] = t.TempDir()
	}
	if _, ok := env["ASCEND_CACHE_DIR"]; !ok {
		env["ASCEND_CACHE_DIR"] = t.TempDir()
	}
	return NewFactory(io, func(k string) string { return env[k] }), out, errOut
}

func TestTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tty  bool
		want string
	}{
		{true, "ID  NAME\n1   Alpha Beta\n22  x\n"},
		{false, "1\tAlpha Beta\n22\tx\n"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint("tty=", tt.tty), func(t *testing.T) {
			t.Parallel()
			f, out, _ := testFactory(t, tt.tty, nil)
			tb := f.NewTable("ID", "NAME")
			tb.AddRow("1", "Alpha\tBeta")
			tb.AddRow("22", "x")
			if err := tb.Render(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("table:\n%q\nwant\n%q", out.String(), tt.want)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	t.Parallel()
	doc := []map[string]any{{"id": "1", "attributes": map[string]any{"bundleId": "com.a", "n": 2}}, {"id": "2", "attributes": map[string]any{"bundleId": "com.b", "n": 3}}}
	tests := []struct {
		name     string
		tty      bool
		json     bool
		jq       string
		want     string
		wantCode int
	}{
		{"compact in a pipe", false, true, "", `[{"attributes":{"bundleId":"com.a","n":2},"id":"1"},{"attributes":{"bundleId":"com.b","n":3},"id":"2"}]` + "\n", 0},
		{"strings raw", false, false, ".[].attributes.bundleId", "com.a\ncom.b\n", 0},
		{"numbers", false, false, "[.[].attributes.n]", "[2,3]\n", 0},
		{"arithmetic on numbers", false, false, "[.[].attributes.n] | add", "5\n", 0},
		{"pretty object on a terminal", true, false, ".[0].attributes", "{\n  \"bundleId\": \"com.a\",\n  \"n\": 2\n}\n", 0},
		{"bad expression", false, false, ".[", "", ExitUsage},
		{"runtime error", false, false, ".[0] | keys | .foo", "", ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, out, _ := testFactory(t, tt.tty, nil)
			f.Flags.JSON, f.Flags.JQ = tt.json, tt.jq
			if !f.JSONRequested() {
				t.Fatal("JSONRequested() = false")
			}
			err := f.WriteJSON(doc)
			if got := ExitCode(err); got != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", got, err, tt.wantCode)
			}
			if tt.wantCode == 0 && out.String() != tt.want {
				t.Errorf("output %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestJQKeepsLargeIntegers(t *testing.T) {
	t.Parallel()
	f, out, _ := testFactory(t, false, nil)
	f.Flags.JQ = ".meta.paging.total, .data"
	if err := f.WriteRawJSON([]byte(`{"data":[],"meta":{"paging":{"total":9007199254740993}}}`)); err != nil {
		t.Fatal(err)
	}
	if out.String() != "9007199254740993\n[]\n" {
		t.Errorf("output %q", out.String())
	}
}

func TestConfigSavedPrivately(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nested", "ascend")
	f, _, _ := testFactory(t, false, map[string]string{"ASCEND_CONFIG_DIR": dir})
	cfg, err := f.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Profiles) != 0 {
		t.Fatalf("fresh config has profiles: %v", cfg.Profiles)
	}
	cfg.Profiles["ci"] = Profile{KeyID: "K1", PrivateKeyPath: "/keys/AuthKey_K1.p8"}
	path, err := f.SaveConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, dir: 0o700} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s mode %v, want %v", p, st.Mode().Perm(), want)
		}
	}
	again, err := f.LoadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Profiles["ci"]; got.KeyID != "K1" || got.PrivateKeyPath != "/keys/AuthKey_K1.p8" {
		t.Errorf("reloaded profile %+v", got)
	}
}

// writeKey writes a generated key as AuthKey_<id>.p8 in dir and returns its path and PEM.
func writeKey(t *testing.T, dir, id string) (string, []byte) {
	t.Helper()
	_, pemBytes, err := auth.GenerateKey(id, "issuer-"+id)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "AuthKey_"+id+".p8")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, pemBytes
}

func TestCredentialOrder(t *testing.T) {
	t.Parallel()
	keys := t.TempDir()
	flagPath, _ := writeKey(t, keys, "FLAGKEY")
	envPath, _ := writeKey(t, keys, "ENVKEY")
	_, pemText := writeKey(t, keys, "PEMKEY")
	jsonKeyPath, jsonPEM := writeKey(t, keys, "JSONKEY")
	_ = jsonKeyPath
	profPath, _ := writeKey(t, keys, "PROFKEY")
	jsonFile := filepath.Join(keys, "key.json")
	data, _ := json.Marshal(map[string]string{"key_id": "JSONKEY", "issuer_id": testIssuer, "key": string(jsonPEM), "base_url": "http://127.0.0.1:9/"})
	if err := os.WriteFile(jsonFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fastKeyPath, fastPEM := writeKey(t, keys, "FASTKEY")
	fastFile := filepath.Join(keys, "fastlane_api_key.json")
	data, _ = json.Marshal(map[string]any{"key_id": "FASTKEY", "issuer_id": testIssuer, "key": string(fastPEM), "in_house": "false", "duration": "600"})
	if err := os.WriteFile(fastFile, data, 0o600); err != nil {
		t.Fatal(err)
	}
	configDir := t.TempDir()
	f0, _, _ := testFactory(t, false, map[string]string{"ASCEND_CONFIG_DIR": configDir})
	if _, err := f0.SaveConfig(&Config{Profiles: map[string]Profile{
		"default": {KeyID: "PROFKEY", IssuerID: testIssuer, PrivateKeyPath: profPath},
		"other":   {KeyID: "PROFKEY", PrivateKeyPath: profPath, BaseURL: "http://127.0.0.1:8/"},
	}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		flags      GlobalFlags
		env        map[string]string
		wantKey    string
		wantSource string
		wantBase   string
		wantCode   int
	}{
		{"flags beat env", GlobalFlags{KeyID: "FLAGKEY", IssuerID: testIssuer, PrivateKeyPath: flagPath}, map[string]string{"ASC_KEY_ID": "ENVKEY", "ASC_PRIVATE_KEY_PATH": envPath, "ASC_API_KEY_JSON": jsonFile}, "FLAGKEY", "flags", asc.DefaultBaseURL, 0},
		{"env path beats json", GlobalFlags{}, map[string]string{"ASC_KEY_ID": "ENVKEY", "ASC_ISSUER_ID": testIssuer, "ASC_PRIVATE_KEY_PATH": envPath, "ASC_API_KEY_JSON": jsonFile}, "ENVKEY", "environment", asc.DefaultBaseURL, 0},
		{"env PEM text", GlobalFlags{}, map[string]string{"ASC_KEY_ID": "PEMKEY", "ASC_PRIVATE_KEY": string(pemText)}, "PEMKEY", "environment", asc.DefaultBaseURL, 0},
		{"json flag beats profile, base_url used", GlobalFlags{APIKeyJSON: jsonFile}, nil, "JSONKEY", "api-key JSON " + jsonFile, "http://127.0.0.1:9/", 0},
		{"json env", GlobalFlags{}, map[string]string{"ASC_API_KEY_JSON": jsonFile}, "JSONKEY", "api-key JSON " + jsonFile, "http://127.0.0.1:9/", 0},
		{"base-url flag beats json base_url", GlobalFlags{APIKeyJSON: jsonFile, BaseURL: "http://127.0.0.1:7/"}, map[string]string{"ASC_BASE_URL": "http://127.0.0.1:6/"}, "JSONKEY", "api-key JSON " + jsonFile, "http://127.0.0.1:7/", 0},
		// --api-key-json on the command line outranks the environment, its base_url too.
		{"json flag's base_url beats env base url", GlobalFlags{APIKeyJSON: jsonFile}, map[string]string{"ASC_BASE_URL": "http://127.0.0.1:6/"}, "JSONKEY", "api-key JSON " + jsonFile, "http://127.0.0.1:9/", 0},
		{"json flag beats env key", GlobalFlags{APIKeyJSON: jsonFile}, map[string]string{"ASC_KEY_ID": "ENVKEY", "ASC_ISSUER_ID": testIssuer, "ASC_PRIVATE_KEY_PATH": envPath}, "JSONKEY", "api-key JSON " + jsonFile, "http://127.0.0.1:9/", 0},
		{"env base url beats json env's base_url", GlobalFlags{}, map[string]string{"ASC_API_KEY_JSON": jsonFile, "ASC_BASE_URL": "http://127.0.0.1:6/"}, "JSONKEY", "api-key JSON " + jsonFile, "http://127.0.0.1:6/", 0},
		{"ascend's json beats fastlane's", GlobalFlags{}, map[string]string{"ASC_API_KEY_JSON": jsonFile, "APP_STORE_CONNECT_API_KEY_PATH": fastFile}, "JSONKEY", "api-key JSON " + jsonFile, "http://127.0.0.1:9/", 0},
		{"ascend's env beats fastlane's", GlobalFlags{}, map[string]string{"ASC_KEY_ID": "ENVKEY", "ASC_PRIVATE_KEY_PATH": envPath, "DELIVER_API_KEY_PATH": fastFile}, "ENVKEY", "environment", asc.DefaultBaseURL, 0},
		{"fastlane's json path beats the profile", GlobalFlags{}, map[string]string{"APP_STORE_CONNECT_API_KEY_PATH": fastFile}, "FASTKEY", "environment (APP_STORE_CONNECT_API_KEY_PATH)", asc.DefaultBaseURL, 0},
		{"deliver's json path", GlobalFlags{}, map[string]string{"DELIVER_API_KEY_PATH": fastFile}, "FASTKEY", "environment (DELIVER_API_KEY_PATH)", asc.DefaultBaseURL, 0},
		{"fastlane's key parts", GlobalFlags{}, map[string]string{"APP_STORE_CONNECT_API_KEY_KEY_ID": "FASTKEY", "APP_STORE_CONNECT_API_KEY_ISSUER_ID": testIssuer, "APP_STORE_CONNECT_API_KEY_KEY": string(fastPEM)}, "FASTKEY", "environment (APP_STORE_CONNECT_API_KEY_KEY)", asc.DefaultBaseURL, 0},
		{"fastlane's key file", GlobalFlags{}, map[string]string{"APP_STORE_CONNECT_API_KEY_KEY_ID": "FASTKEY", "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH": fastKeyPath}, "FASTKEY", "environment (APP_STORE_CONNECT_API_KEY_KEY_FILEPATH)", asc.DefaultBaseURL, 0},
		{"fastlane's key id without a key", GlobalFlags{}, map[string]string{"APP_STORE_CONNECT_API_KEY_KEY_ID": "FASTKEY"}, "", "", "", ExitAuth},
		{"default profile last", GlobalFlags{}, nil, "PROFKEY", "profile default", asc.DefaultBaseURL, 0},
		{"named profile", GlobalFlags{Profile: "other"}, nil, "PROFKEY", "profile other", "http://127.0.0.1:8/", 0},
		{"env beats a named profile, with a warning", GlobalFlags{Profile: "other"}, map[string]string{"ASC_KEY_ID": "ENVKEY", "ASC_PRIVATE_KEY_PATH": envPath}, "ENVKEY", "environment", asc.DefaultBaseURL, 0},
		{"unknown profile", GlobalFlags{Profile: "nope"}, nil, "", "", "", ExitAuth},
		{"key id without path", GlobalFlags{KeyID: "X"}, nil, "", "", "", ExitAuth},
		{"env key id without key", GlobalFlags{}, map[string]string{"ASC_KEY_ID": "X"}, "", "", "", ExitAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"ASCEND_CONFIG_DIR": configDir}
			for k, v := range tt.env {
				env[k] = v
			}
			f, _, errOut := testFactory(t, false, env)
			f.Flags = tt.flags
			creds, err := f.Credentials(t.Context())
			if warned := strings.Contains(errOut.String(), "--profile"); warned != (tt.flags.Profile != "" && err == nil && creds.Source != "profile "+tt.flags.Profile) {
				t.Errorf("profile warning %v: %q", warned, errOut.String())
			}
			if code := ExitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
			}
			if tt.wantCode != 0 {
				return
			}
			if creds.Key.ID != tt.wantKey || creds.Source != tt.wantSource || creds.BaseURL != tt.wantBase {
				t.Errorf("got key %s from %q at %s; want %s from %q at %s", creds.Key.ID, creds.Source, creds.BaseURL, tt.wantKey, tt.wantSource, tt.wantBase)
			}
		})
	}
}

func TestNoCredentials(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t, false, nil)
	_, err := f.Credentials(t.Context())
	if ExitCode(err) != ExitAuth {
		t.Fatalf("exit code %d, want %d (%v)", ExitCode(err), ExitAuth, err)
	}
	for _, way := range []string{"--key-id", "ASC_KEY_ID", "ASC_PRIVATE_KEY", "--api-key-json", "ASC_API_KEY_JSON", "ascend auth login"} {
		if !strings.Contains(err.Error(), way) {
			t.Errorf("message %q does not name %s", err, way)
		}
	}
}

func TestVerboseRedactsAuthorization(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:3599;")
		w.Write([]byte(`{"data":[]}`))
	}))
	t.Cleanup(srv.Close)
	f, _, errOut := testFactory(t, false, nil)
	f.Flags.Verbose = true
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v1/apps?limit=1", nil)
	const secret = "eyJhbGciOiJFUzI1NiJ9.secret.token"
	req.Header.Set("Authorization", "Bearer "+secret)
	resp, err := f.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	log := errOut.String()
	if strings.Contains(log, secret) || strings.Contains(log, "secret.token") {
		t.Fatalf("verbose log leaks the token: %q", log)
	}
	for _, want := range []string{"GET", "/v1/apps?limit=1", "200", "user-hour-rem:3599", "[redacted]"} {
		if !strings.Contains(log, want) {
			t.Errorf("verbose log %q lacks %q", log, want)
		}
	}
}

func TestConfirmDestructive(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		tty      bool
		yes      bool
		answer   string
		wantCode int
	}{
		{"yes flag", false, true, "", 0},
		{"pipe without yes", false, false, "", ExitUsage},
		{"terminal says y", true, false, "y\n", 0},
		{"terminal says no", true, false, "n\n", ExitError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f, _, _ := testFactory(t, tt.tty, nil)
			f.IO.In = strings.NewReader(tt.answer)
			err := f.ConfirmDestructive(tt.yes, "delete app 1")
			if got := ExitCode(err); got != tt.wantCode {
				t.Errorf("exit code %d (%v), want %d", got, err, tt.wantCode)
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	t.Parallel()
	ts := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		tty  bool
		in   time.Time
		want string
	}{
		{false, ts, "2026-03-04T05:06:07Z"},
		{true, ts, ts.Local().Format("2006-01-02 15:04")},
		{false, time.Time{}, ""},
	}
	for _, tt := range tests {
		f, _, _ := testFactory(t, tt.tty, nil)
		if got := f.FormatTime(tt.in); got != tt.want {
			t.Errorf("tty=%v FormatTime(%v) = %q, want %q", tt.tty, tt.in, got, tt.want)
		}
	}
}

// TestVerboseRedactsPresignedURLs checks an upload part's presigned URL, which carries its
// credential in the query (Apple's read Signature=...&AWSAccessKeyId=...): --verbose logs the
// request without those values.
func TestVerboseRedactsPresignedURLs(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	f, _, errOut := testFactory(t, false, nil)
	f.Flags.Verbose = true
	const sig, keyID = "nL9SQyAh4l1tEwoWQhiflX270Zs%3D", "MKIA4IEXBU1OGIOUHE96"
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", srv.URL+"/assets/part?uploadId=5ae7a610&Signature="+sig+"&AWSAccessKeyId="+keyID+"&partNumber=1", strings.NewReader("x"))
	resp, err := f.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	log := errOut.String()
	if strings.Contains(log, "nL9SQyAh4l1tEwoWQhiflX270Zs") || strings.Contains(log, keyID) {
		t.Fatalf("verbose log leaks the presigned URL's credential: %q", log)
	}
	if !strings.Contains(log, "PUT") || !strings.Contains(log, "/assets/part") {
		t.Errorf("verbose log %q does not name the request", log)
	}
}

// TestTableAlignsWideCharacters checks that a terminal table pads by display width, so that
// app names in Japanese, Chinese or Korean (two columns per character) keep the columns aligned.
func TestTableAlignsWideCharacters(t *testing.T) {
	t.Parallel()
	f, out, _ := testFactory(t, true, nil)
	tb := f.NewTable("NAME", "SKU")
	tb.AddRow("日本語アプリ", "JP1")
	tb.AddRow("Ledger", "L1")
	tb.AddRow("Café", "C1")
	if err := tb.Render(); err != nil {
		t.Fatal(err)
	}
	want := "NAME          SKU\n日本語アプリ  JP1\nLedger        L1\nCafé          C1\n"
	if out.String() != want {
		t.Errorf("table:\n%s\nwant\n%s", out.String(), want)
	}
}

func TestUserDirs(t *testing.T) {
	t.Parallel()
	f, _, _ := testFactory(t, false, map[string]string{"ASCEND_CONFIG_DIR": "/cfg/here", "ASCEND_CACHE_DIR": "/cache/here"})
	if d, err := f.ConfigDir(); err != nil || d != "/cfg/here" {
		t.Errorf("ConfigDir = %q, %v; want the environment's", d, err)
	}
	if d, err := f.CacheDir(); err != nil || d != "/cache/here" {
		t.Errorf("CacheDir = %q, %v; want the environment's", d, err)
	}
	// Without the variables: ascend's folder in the user's directories.
	f, _, _ = testFactory(t, false, map[string]string{"ASCEND_CONFIG_DIR": "", "ASCEND_CACHE_DIR": ""})
	for name, get := range map[string]func() (string, error){"config": f.ConfigDir, "cache": f.CacheDir} {
		d, err := get()
		if err != nil {
			if !strings.Contains(err.Error(), "set ASCEND_"+strings.ToUpper(name)+"_DIR") {
				t.Errorf("%s dir error %q does not name the variable", name, err)
			}
			continue
		}
		if filepath.Base(d) != "ascend" {
			t.Errorf("%s dir = %q, want a folder named ascend", name, d)
		}
	}
}

// testIssuer is an issuer id in App Store Connect's form (a UUID).
const testIssuer = "69a6de7f-0000-47e3-e053-5b8c7c11a4d1"

func TestCheckIssuerID(t *testing.T) {
	for _, ok := range []string{"", testIssuer, "57246542-96FE-1A63-E053-0824D011072A"} {
		if err := CheckIssuerID(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"iss", "57246542-96fe-1a63-e053-0824d011072", "57246542x96fe-1a63-e053-0824d011072a", "5724654g-96fe-1a63-e053-0824d011072a", " " + testIssuer} {
		if err := CheckIssuerID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
