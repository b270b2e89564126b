package root

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/spf13/cobra"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/cli"
	sandboxcmd "github.com/ascend-tools/ascend/internal/cmd/sandbox"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// env is a test's environment: config and cache dirs in temp dirs, never the user's.
type env map[string]string

func newEnv(t *testing.T) env {
	t.Helper()
	return env{"ASCEND_CONFIG_DIR": t.TempDir(), "ASCEND_CACHE_DIR": t.TempDir()}
}

func (e env) with(kv ...string) env {
	out := env{}
	for k, v := range e {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

type result struct {
	stdout, stderr string
	code           int
	err            error
}

// runCLI runs one ascend invocation in-process, as a terminal or as a pipe.
func runCLI(t *testing.T, tty bool, e env, stdin string, args ...string) result {
	t.Helper()
	io, in, out, errOut := cli.TestIO()
	io.SetTTY(tty)
	in.WriteString(stdin)
	f := cli.NewFactory(io, func(k string) string { return e[k] })
	err := Run(t.Context(), f, args)
	return result{stdout: out.String(), stderr: errOut.String(), code: cli.ExitCode(err), err: err}
}

func (r result) check(t *testing.T, wantCode int) {
	t.Helper()
	if r.code != wantCode {
		t.Fatalf("exit code %d, want %d; err: %v\nstdout: %s\nstderr: %s", r.code, wantCode, r.err, r.stdout, r.stderr)
	}
}

// startTestSandbox runs a demo sandbox for one test and returns an env pointing at it through
// an api-key JSON file, the way a user would.
func startTestSandbox(t *testing.T) (env, *sandbox.Server) {
	t.Helper()
	sb := sandboxtest.Start(t, sandbox.Options{})
	return newEnv(t).with("ASC_API_KEY_JSON", sb.Credentials()), sb.Server
}

var demoBundleIDs = []string{"com.example.daybreak", "com.example.ledger", "com.example.trailhead", "com.example.quiethours"}

func TestHelpAndUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{[]string{"--help"}, 0, "apps", ""},
		{[]string{"apps", "--help"}, 0, "list", ""},
		{[]string{"apps"}, 0, "list", ""},
		{[]string{"api", "--help"}, 0, "--paginate", ""},
		{[]string{"bogus"}, cli.ExitUsage, "", "unknown command"},
		{[]string{"apps", "bogus"}, cli.ExitUsage, "", "unknown command \"bogus\""},
		{[]string{"apps", "list", "--bogus"}, cli.ExitUsage, "", "unknown flag: --bogus"},
		{[]string{"apps", "get"}, cli.ExitUsage, "", "missing argument"},
		{[]string{"apps", "list", "--limit", "0"}, cli.ExitUsage, "", "--limit 0"},
		{[]string{"apps", "list", "--platform", "android"}, cli.ExitUsage, "", "IOS"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, false, newEnv(t), "", tt.args...)
			r.check(t, tt.wantCode)
			if !strings.Contains(r.stdout, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, r.stdout)
			}
			if tt.wantErr != "" && (r.err == nil || !strings.Contains(r.err.Error(), tt.wantErr)) {
				t.Errorf("error %v lacks %q", r.err, tt.wantErr)
			}
		})
	}
}

func TestGroupUsageHasOneLine(t *testing.T) {
	t.Parallel()
	r := runCLI(t, false, newEnv(t), "", "apps", "--help")
	r.check(t, 0)
	if !strings.Contains(r.stdout, "ascend apps <command>") || strings.Contains(r.stdout, "  ascend apps [command]\n") {
		t.Errorf("group usage:\n%s", r.stdout)
	}
}

// TestExecuteErrorLine checks what the binary prints on failure: one line on stderr, nothing
// on stdout, and the exit code.
func TestExecuteErrorLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string
	}{
		{[]string{"apps", "list"}, cli.ExitAuth, "no App Store Connect credentials found"},
		{[]string{"apps", "list", "--limit", "x"}, cli.ExitUsage, "invalid argument"},
		{[]string{"auth", "token", "--lifetime", "21m", "--sandbox"}, cli.ExitUsage, "20-minute"},
		{[]string{"--sandbox", "apps", "get", "com.example.none"}, cli.ExitError, "no app with bundle id com.example.none"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			io, _, out, errOut := cli.TestIO()
			e := newEnv(t)
			f := cli.NewFactory(io, func(k string) string { return e[k] })
			code := Execute(t.Context(), f, tt.args)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d; stderr %q", code, tt.wantCode, errOut.String())
			}
			if out.Len() != 0 {
				t.Errorf("stdout on failure: %q", out.String())
			}
			msg := errOut.String()
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("stderr %q: want one line containing %q", msg, tt.wantErr)
			}
			if msg != strings.ToLower(msg[:1])+msg[1:] {
				t.Errorf("stderr %q does not start in lower case", msg)
			}
		})
	}
}

func TestNoCredentials(t *testing.T) {
	t.Parallel()
	r := runCLI(t, false, newEnv(t), "", "apps", "list")
	r.check(t, cli.ExitAuth)
	for _, way := range []string{"--key-id", "ASC_KEY_ID", "--api-key-json", "ascend auth login"} {
		if !strings.Contains(r.err.Error(), way) {
			t.Errorf("error %q does not name %s", r.err, way)
		}
	}
}

func TestAppsList(t *testing.T) {
	t.Parallel()
	e, _ := startTestSandbox(t)
	for _, tty := range []bool{true, false} {
		r := runCLI(t, tty, e, "", "apps", "list")
		r.check(t, 0)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if tty {
			if !strings.HasPrefix(lines[0], "ID ") || !strings.Contains(lines[0], "PRIMARY LOCALE") {
				t.Errorf("terminal table header %q", lines[0])
			}
			lines = lines[1:]
		}
		if len(lines) != len(demoBundleIDs) {
			t.Fatalf("tty=%v: %d rows, want %d:\n%s", tty, len(lines), len(demoBundleIDs), r.stdout)
		}
		for _, l := range lines {
			if tty == strings.Contains(l, "\t") {
				t.Errorf("tty=%v: row %q (tabs only in a pipe)", tty, l)
			}
		}
		if !tty {
			cols := strings.Split(lines[0], "\t")
			if len(cols) != 5 || cols[4] != "en-US" {
				t.Errorf("pipe row %q: want 5 tab-separated columns ending in en-US", lines[0])
			}
		}
	}
}

func TestAppsListFilterAndJQ(t *testing.T) {
	t.Parallel()
	e, _ := startTestSandbox(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"apps", "list", "--json", "--jq", ".[].attributes.bundleId"}, strings.Join(demoBundleIDs, "\n") + "\n"},
		{[]string{"apps", "list", "--jq", ".[].attributes.bundleId", "--limit", "1", "--all"}, strings.Join(demoBundleIDs, "\n") + "\n"},
		{[]string{"apps", "list", "--bundle-id", "com.example.ledger", "--jq", ".[].attributes.name"}, "Pocket Ledger\n"},
		{[]string{"apps", "list", "--limit", "2", "--jq", "length"}, "2\n"},
	}
	for _, tt := range tests {
		r := runCLI(t, false, e, "", tt.args...)
		r.check(t, 0)
		if r.stdout != tt.want {
			t.Errorf("%v: stdout %q, want %q", tt.args, r.stdout, tt.want)
		}
	}
	r := runCLI(t, false, e, "", "apps", "list", "--json")
	r.check(t, 0)
	var items []struct {
		Type, ID   string
		Attributes map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &items); err != nil {
		t.Fatalf("--json output is not an array of resources: %v\n%s", err, r.stdout)
	}
	if len(items) != 4 || items[0].Type != "apps" || items[0].ID == "" {
		t.Errorf("--json items: %+v", items)
	}
}

func TestSandboxFlagWalksEveryPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := runCLI(t, false, e, "", "--sandbox", "--verbose", "apps", "list", "--limit", "1", "--all")
	r.check(t, 0)
	if rows := strings.Count(r.stdout, "\n"); rows != len(demoBundleIDs) {
		t.Errorf("%d rows, want %d:\n%s", rows, len(demoBundleIDs), r.stdout)
	}
	if gets := strings.Count(r.stderr, "* GET "); gets < len(demoBundleIDs) {
		t.Errorf("%d requests logged, want one per page (%d):\n%s", gets, len(demoBundleIDs), r.stderr)
	}
	if strings.Contains(r.stderr, "eyJ") {
		t.Errorf("--verbose printed a token:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "user-hour-rem") {
		t.Errorf("--verbose lacks the rate limit:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(e["ASCEND_CACHE_DIR"], "sandbox", "state.sqlite")); err != nil {
		t.Errorf("sandbox state not kept in the cache dir: %v", err)
	}
}

func TestSandboxFlagKeepsState(t *testing.T) {
	t.Parallel()
	e := newEnv(t).with("ASCEND_SANDBOX", "1")
	r := runCLI(t, false, e, "", "apps", "get", "com.example.ledger", "--jq", ".id")
	r.check(t, 0)
	id := strings.TrimSpace(r.stdout)
	r = runCLI(t, false, e, "", "api", "-X", "PATCH", "/v1/apps/"+id,
		"-f", "data[type]=apps", "-f", "data[id]="+id, "-f", "data[attributes][primaryLocale]=de-DE")
	r.check(t, 0)
	r = runCLI(t, false, e, "", "apps", "get", id, "--jq", ".attributes.primaryLocale")
	r.check(t, 0)
	if r.stdout != "de-DE\n" {
		t.Errorf("the next command does not see the change: %q", r.stdout)
	}
}

func TestAppsGet(t *testing.T) {
	t.Parallel()
	e, _ := startTestSandbox(t)
	r := runCLI(t, false, e, "", "apps", "get", "com.example.trailhead", "--json")
	r.check(t, 0)
	var app struct {
		ID         string
		Attributes struct{ BundleID string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &app); err != nil || app.Attributes.BundleID != "com.example.trailhead" {
		t.Fatalf("--json is not the app object (%v): %s", err, r.stdout)
	}
	for _, tty := range []bool{true, false} {
		r = runCLI(t, tty, e, "", "apps", "get", app.ID)
		r.check(t, 0)
		// A terminal gets the detail view (attributes, then the versions); a pipe the row.
		if !strings.Contains(r.stdout, "Trailhead Maps") || tty != strings.Contains(r.stdout, "bundle id:") || tty != strings.Contains(r.stdout, "App Store versions\nPLATFORM") {
			t.Errorf("tty=%v: %q", tty, r.stdout)
		}
	}
	tests := []struct{ arg, want string }{
		{"999999999", "app 999999999 not found"},
		{"com.example.nope", "no app with bundle id com.example.nope"},
	}
	for _, tt := range tests {
		r := runCLI(t, false, e, "", "apps", "get", tt.arg)
		r.check(t, cli.ExitError)
		if !strings.Contains(r.err.Error(), tt.want) {
			t.Errorf("error %q lacks %q", r.err, tt.want)
		}
	}
}

// keyFiles writes a generated team key as AuthKey_<id>.p8 and returns its path and key.
func keyFile(t *testing.T, dir, id, issuer string) (string, *auth.Key) {
	t.Helper()
	k, pemBytes, err := auth.GenerateKey(id, issuer)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "AuthKey_"+id+".p8")
	if err := os.WriteFile(p, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, k
}

func TestAuthToken(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, key := keyFile(t, dir, "TOKKEY1", "69a6de70-03db-47e3-e053-5b8c7c11a4d1")
	e := newEnv(t)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantLife time.Duration
		scope    []string
	}{
		{"default", nil, 0, 15 * time.Minute, nil},
		{"scoped 10m", []string{"--scope", "GET /v1/apps", "--lifetime", "10m"}, 0, 10 * time.Minute, []string{"GET /v1/apps"}},
		{"21 minutes refused", []string{"--lifetime", "21m"}, cli.ExitUsage, 0, nil},
		{"malformed scope", []string{"--scope", "apps"}, cli.ExitUsage, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"auth", "token", "--private-key-path", path, "--issuer-id", key.IssuerID}, tt.args...)
			r := runCLI(t, false, e, "", args...)
			r.check(t, tt.wantCode)
			if tt.wantCode != 0 {
				if r.stdout != "" {
					t.Errorf("stdout on failure: %q", r.stdout)
				}
				return
			}
			if strings.Count(r.stdout, "\n") != 1 {
				t.Fatalf("want one line, got %q", r.stdout)
			}
			claims := jwt.MapClaims{}
			tok, err := jwt.NewParser(jwt.WithValidMethods([]string{"ES256"}), jwt.WithAudience("appstoreconnect-v1")).
				ParseWithClaims(strings.TrimSpace(r.stdout), claims, func(*jwt.Token) (any, error) { return key.PublicKey(), nil })
			if err != nil {
				t.Fatalf("token does not verify: %v", err)
			}
			if tok.Header["kid"] != "TOKKEY1" || claims["iss"] != key.IssuerID {
				t.Errorf("header %v claims %v", tok.Header, claims)
			}
			iat, _ := claims.GetIssuedAt()
			exp, _ := claims.GetExpirationTime()
			if got := exp.Sub(iat.Time); got != tt.wantLife {
				t.Errorf("lifetime %s, want %s", got, tt.wantLife)
			}
			if tt.scope != nil {
				if s, _ := claims["scope"].([]any); len(s) != 1 || s[0] != tt.scope[0] {
					t.Errorf("scope %v, want %v", claims["scope"], tt.scope)
				}
			}
		})
	}
}

func TestAuthLogin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path, _ := keyFile(t, dir, "LOGIN1", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	other, _ := keyFile(t, dir, "LOGIN2", "")
	e := newEnv(t)
	r := runCLI(t, false, e, "", "auth", "login", "--private-key-path", path, "--issuer-id", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	r.check(t, 0)
	r = runCLI(t, false, e, "", "auth", "login", "--profile", "solo", "--private-key-path", other, "--base-url", "http://127.0.0.1:1/")
	r.check(t, 0)
	cfgPath := filepath.Join(e["ASCEND_CONFIG_DIR"], "config.json")
	st, err := os.Stat(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", st.Mode().Perm())
	}
	data, _ := os.ReadFile(cfgPath)
	keyPEM, _ := os.ReadFile(path)
	body := strings.Split(strings.TrimSpace(string(keyPEM)), "\n")[1]
	if strings.Contains(string(data), "PRIVATE KEY") || strings.Contains(string(data), body[:20]) {
		t.Fatalf("config holds key material")
	}
	if !strings.Contains(string(data), path) {
		t.Errorf("config does not name the key path:\n%s", data)
	}
	for _, tt := range []struct {
		args []string
		kid  string
	}{{nil, "LOGIN1"}, {[]string{"--profile", "solo"}, "LOGIN2"}} {
		r = runCLI(t, false, e, "", append([]string{"auth", "token"}, tt.args...)...)
		r.check(t, 0)
		tok, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(r.stdout), jwt.MapClaims{})
		if err != nil || tok.Header["kid"] != tt.kid {
			t.Errorf("%v: token kid %v (%v), want %s", tt.args, tok.Header["kid"], err, tt.kid)
		}
		if tt.kid == "LOGIN2" && tok.Claims.(jwt.MapClaims)["sub"] != "user" {
			t.Errorf("individual key token claims %v", tok.Claims)
		}
	}
	r = runCLI(t, false, e, "", "auth", "status", "--profile", "solo")
	r.check(t, 0)
	for _, w := range []string{"using key LOGIN2 (individual) from profile solo", "solo (in use)", "default", other} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("auth status lacks %q:\n%s", w, r.stdout)
		}
	}
	r = runCLI(t, false, e, "", "auth", "logout", "--profile", "solo", "--yes")
	r.check(t, 0)
	r = runCLI(t, false, e, "", "auth", "token", "--profile", "solo")
	r.check(t, cli.ExitAuth)
	r = runCLI(t, false, e, "", "auth", "logout", "--profile", "solo", "--yes")
	r.check(t, cli.ExitError)
	r = runCLI(t, false, e, "", "auth", "login", "--private-key-path", filepath.Join(dir, "missing.p8"), "--key-id", "X")
	r.check(t, cli.ExitAuth)
}

func TestBadKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der384, _ := x509.MarshalPKCS8PrivateKey(p384)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	derRSA, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
	good, _ := keyFile(t, dir, "GOOD1", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	goodPEM, _ := os.ReadFile(good)
	tests := []struct {
		name string
		args []string
		env  []string
	}{
		{"missing file", []string{"--key-id", "K", "--private-key-path", filepath.Join(dir, "nope.p8")}, nil},
		{"directory", []string{"--key-id", "K", "--private-key-path", dir}, nil},
		{"not PEM", []string{"--key-id", "K", "--private-key-path", write("garbage.p8", []byte("hello"))}, nil},
		{"P-384", []string{"--key-id", "K", "--private-key-path", write("p384.p8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der384}))}, nil},
		{"RSA", []string{"--key-id", "K", "--private-key-path", write("rsa.p8", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: derRSA}))}, nil},
		{"no key id", []string{"--private-key-path", write("key.p8", goodPEM)}, nil},
		{"env PEM garbage", nil, []string{"ASC_KEY_ID", "K", "ASC_PRIVATE_KEY", "not a key"}},
		{"json malformed", []string{"--api-key-json", write("bad.json", []byte(`{"key_id": `))}, nil},
		{"json without key", []string{"--api-key-json", write("nokey.json", []byte(`{"key_id":"K","issuer_id":"i"}`))}, nil},
	}
	messages := map[string]string{}
	var mu sync.Mutex
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				r := runCLI(t, false, newEnv(t).with(tt.env...), "", append([]string{"auth", "token"}, tt.args...)...)
				r.check(t, cli.ExitAuth)
				msg := r.err.Error()
				if strings.Contains(msg, "MIG") || strings.Contains(msg, "PRIVATE KEY-----") {
					t.Errorf("message shows key material: %s", msg)
				}
				mu.Lock()
				messages[tt.name] = msg
				mu.Unlock()
			})
		}
	})
	seen := map[string]string{}
	for name, msg := range messages {
		if prev, dup := seen[msg]; dup {
			t.Errorf("%s and %s share one message: %s", prev, name, msg)
		}
		seen[msg] = name
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	e, _ := startTestSandbox(t)
	tests := []struct {
		name     string
		tty      bool
		args     []string
		wantCode int
		want     []string
	}{
		{"paginate merges pages", false, []string{"api", "/v1/apps", "-f", "limit=1", "--paginate", "--jq", ".data | length"}, 0, []string{"4\n"}},
		{"paginate with headers of each page", false, []string{"api", "/v1/apps", "-f", "limit=2", "--paginate", "-i"}, 0, []string{"200 OK", "X-Rate-Limit: user-hour-lim:3600", `"total":4`}},
		{"pretty on a terminal", true, []string{"api", "/v1/apps?limit=1"}, 0, []string{"{\n  \"data\": ["}},
		{"compact in a pipe", false, []string{"api", "/v1/apps?limit=1"}, 0, []string{`{"data":[{`}},
		{"include headers", false, []string{"api", "-i", "/v1/apps?limit=1"}, 0, []string{"200 OK", "X-Rate-Limit: "}},
		{"filter as field", false, []string{"api", "/v1/apps", "-f", "filter[bundleId]=com.example.quiethours", "--jq", ".data[].attributes.sku"}, 0, []string{"QUIET001\n"}},
		{"enum error names allowed values", false, []string{"api", "/v1/apps", "-f", "sort=size"}, cli.ExitUsage, []string{"bundleId", "-name"}},
		{"limit error", false, []string{"api", "/v1/apps", "-f", "limit=201"}, cli.ExitUsage, []string{"at most 200"}},
		{"unknown path", false, []string{"api", "/v1/aps"}, cli.ExitUsage, []string{"did you mean /v1/apps"}},
		{"delete needs --yes in a pipe", false, []string{"api", "-X", "DELETE", "/v1/appInfoLocalizations/x"}, cli.ExitUsage, []string{"--yes"}},
		{"bad jq refused first", false, []string{"api", "/v1/apps", "--jq", ".["}, cli.ExitUsage, []string{"invalid --jq"}},
		{"apple's 404", false, []string{"api", "/v1/apps/424242"}, cli.ExitError, []string{"404"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, tt.tty, e, "", tt.args...)
			r.check(t, tt.wantCode)
			got := r.stdout
			if r.err != nil {
				got = r.err.Error()
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output %q lacks %q", got, w)
				}
			}
		})
	}
}

func TestAPIWrites(t *testing.T) {
	t.Parallel()
	e, _ := startTestSandbox(t)
	r := runCLI(t, false, e, "", "api", "/v1/apps", "-f", "filter[bundleId]=com.example.quiethours", "-f", "include=appInfos", "--jq", ".included[0].id")
	r.check(t, 0)
	infoID := strings.TrimSpace(r.stdout)
	if infoID == "" {
		t.Fatal("no appInfo included")
	}
	body := `{"data":{"type":"appInfoLocalizations","attributes":{"locale":"de-DE","name":"Stille Stunden"},` +
		`"relationships":{"appInfo":{"data":{"type":"appInfos","id":"` + infoID + `"}}}}}`
	r = runCLI(t, false, e, body, "api", "-X", "POST", "/v1/appInfoLocalizations", "--input", "-", "--jq", ".data.id")
	r.check(t, 0)
	locID := strings.TrimSpace(r.stdout)
	r = runCLI(t, false, e, "", "api", "-X", "DELETE", "/v1/appInfoLocalizations/"+locID)
	r.check(t, cli.ExitUsage)
	r = runCLI(t, false, e, "", "api", "-X", "DELETE", "/v1/appInfoLocalizations/"+locID, "--yes")
	r.check(t, 0)
	if r.stdout != "" {
		t.Errorf("DELETE printed %q", r.stdout)
	}
	r = runCLI(t, false, e, "", "api", "/v1/appInfoLocalizations/"+locID)
	r.check(t, cli.ExitError)
}

func TestAPIOperations(t *testing.T) {
	t.Parallel()
	r := runCLI(t, false, newEnv(t), "", "api", "operations", "--search", "appInfoLocalizations")
	r.check(t, 0)
	if !strings.Contains(r.stdout, "GET\t/v1/appInfoLocalizations/{id}\tappInfoLocalizations_getInstance") {
		t.Errorf("operations lack the localization GET:\n%s", r.stdout)
	}
	r = runCLI(t, false, newEnv(t), "", "api", "operations", "--json", "--jq", "length")
	r.check(t, 0)
	if strings.TrimSpace(r.stdout) != "1263" {
		t.Errorf("operation count %q, want 1263", r.stdout)
	}
}

func TestAuthCheck(t *testing.T) {
	t.Parallel()
	e, sb := startTestSandbox(t)
	r := runCLI(t, false, e, "", "auth", "check")
	r.check(t, 0)
	for _, w := range []string{sb.Key().ID, "team", sb.URL(), "requests left this hour"} {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("auth check output lacks %q:\n%s", w, r.stdout)
		}
	}

	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"errors":[{"status":"401","code":"NOT_AUTHORIZED","title":"Authentication credentials are missing or invalid.","detail":"Provide a properly configured and signed bearer token."}]}`))
	}))
	t.Cleanup(refuse.Close)
	r = runCLI(t, false, e, "", "auth", "check", "--base-url", refuse.URL)
	r.check(t, cli.ExitAuth)
	if !strings.Contains(r.err.Error(), "NOT_AUTHORIZED") || !strings.Contains(r.err.Error(), "refused") {
		t.Errorf("401 message: %v", r.err)
	}
	refuse.Close()
	r = runCLI(t, false, e, "", "auth", "check", "--base-url", refuse.URL)
	r.check(t, cli.ExitError)
	if !strings.Contains(r.err.Error(), "request") {
		t.Errorf("network failure message: %v", r.err)
	}
	r = runCLI(t, false, newEnv(t), "", "auth", "check", "--private-key-path", "/nonexistent/AuthKey_X.p8")
	r.check(t, cli.ExitAuth)
	if !strings.Contains(r.err.Error(), "load key") {
		t.Errorf("load failure message: %v", r.err)
	}
}

// sandboxCommand runs `ascend sandbox args...` until stop, which returns the command's error;
// out is what it printed.
func sandboxCommand(t *testing.T, args ...string) (sb *sandbox.Server, out *bytes.Buffer, stop func() error) {
	t.Helper()
	io, _, out, _ := cli.TestIO()
	f := cli.NewFactory(io, func(string) string { return "" })
	started := make(chan *sandbox.Server, 1)
	ctx, cancel := context.WithCancel(t.Context())
	t.Cleanup(cancel)
	cmd := sandboxcmd.NewCmdWith(f, func(s *sandbox.Server) { started <- s })
	cmd.SetArgs(args)
	done := make(chan error, 1)
	go func() { done <- cmd.ExecuteContext(ctx) }()
	select {
	case sb = <-started:
	case err := <-done:
		t.Fatalf("sandbox command ended early: %v", err)
	}
	return sb, out, func() error { cancel(); return <-done }
}

func TestSandboxCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	_, out, stop := sandboxCommand(t, "--write-credentials", dir, "--seed", "empty")
	creds := filepath.Join(dir, "credentials.json")
	r := runCLI(t, false, newEnv(t), "", "--api-key-json", creds, "apps", "list", "--json")
	r.check(t, 0)
	if strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("empty sandbox lists %q", r.stdout)
	}
	if err := stop(); err != nil {
		t.Errorf("sandbox command: %v", err)
	}
	if !strings.Contains(out.String(), "ascend --api-key-json "+creds+" apps list") {
		t.Errorf("sandbox output does not say how to use it:\n%s", out.String())
	}
	r = runCLI(t, false, newEnv(t), "", "sandbox", "--addr", "0.0.0.0:0")
	r.check(t, cli.ExitUsage)
	for _, flag := range []string{"--latency", "--jitter"} {
		r = runCLI(t, false, newEnv(t), "", "sandbox", flag, "-5s")
		r.check(t, cli.ExitUsage)
		if !strings.Contains(r.err.Error(), flag) {
			t.Errorf("%s -5s: error %q does not name the flag", flag, r.err)
		}
	}
}

// TestSandboxCommandReadOnlyKey: with --read-only-key the command prints that key and writes
// its credentials beside the main ones; a read with it works and a write gets 403.
func TestSandboxCommandReadOnlyKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	sb, out, stop := sandboxCommand(t, "--write-credentials", dir, "--read-only-key")
	ro := filepath.Join(dir, sandbox.ReadOnlyCredentialsFile)
	for _, want := range []string{"read-only key: " + sb.ReadOnlyKey().String(), ro} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("sandbox output lacks %q:\n%s", want, out.String())
		}
	}
	runCLI(t, false, newEnv(t), "", "--api-key-json", ro, "apps", "list").check(t, 0)
	r := runCLI(t, false, newEnv(t), "", "--api-key-json", ro, "api", "-X", "POST", "/v1/devices", "-f", "data[type]=devices", "-f", "data[attributes][name]=x", "-f", "data[attributes][udid]=abc", "-f", "data[attributes][platform]=IOS")
	if r.code == 0 || !strings.Contains(r.err.Error(), "403") {
		t.Errorf("a write with the read-only key: exit %d, %v", r.code, r.err)
	}
	if err := stop(); err != nil {
		t.Errorf("sandbox command: %v", err)
	}
}

// TestCobraMistakesAreUsageErrors covers what cobra checks for commands other packages add:
// required flags and flag groups exit 2 like every other usage mistake.
func TestCobraMistakesAreUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(*cobra.Command)
		args  []string
	}{
		{"required flag", func(c *cobra.Command) { c.Flags().String("x", "", ""); c.MarkFlagRequired("x") }, nil},
		{"exclusive flags", func(c *cobra.Command) {
			c.Flags().Bool("a", false, "")
			c.Flags().Bool("b", false, "")
			c.MarkFlagsMutuallyExclusive("a", "b")
		}, []string{"--a", "--b"}},
		{"one required", func(c *cobra.Command) {
			c.Flags().Bool("a", false, "")
			c.Flags().Bool("b", false, "")
			c.MarkFlagsOneRequired("a", "b")
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			io, _, _, _ := cli.TestIO()
			f := cli.NewFactory(io, func(string) string { return "" })
			root := New(f)
			sub := &cobra.Command{Use: "probe", RunE: func(*cobra.Command, []string) error { return nil }}
			tt.setup(sub)
			root.AddCommand(sub)
			root.SetArgs(append([]string{"probe"}, tt.args...))
			_, err := root.ExecuteContextC(t.Context())
			if !isCobraUsageError(err) {
				t.Fatalf("%v is not recognised as a usage error", err)
			}
		})
	}
}

// BenchmarkAppsList measures one in-process `apps list` against a running sandbox: flag
// parsing, credential loading, signing, the request and the table.
func BenchmarkAppsList(b *testing.B) {
	sb := sandboxtest.Start(b, sandbox.Options{HourlyLimit: -1})
	creds := sb.Credentials()
	e := env{"ASCEND_CONFIG_DIR": b.TempDir(), "ASCEND_CACHE_DIR": b.TempDir(), "ASC_API_KEY_JSON": creds}
	for b.Loop() {
		io, _, _, _ := cli.TestIO()
		f := cli.NewFactory(io, func(k string) string { return e[k] })
		if err := Run(b.Context(), f, []string{"apps", "list"}); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAPINetworkErrorNamesTheRequestOnce checks the message when the server cannot be
// reached: the request is named once, not once by the client and again by the command.
func TestAPINetworkErrorNamesTheRequestOnce(t *testing.T) {
	t.Parallel()
	e, _ := startTestSandbox(t)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, args := range [][]string{
		{"api", "/v1/apps", "--base-url", down.URL},
		{"api", "/v1/apps", "--paginate", "--base-url", down.URL},
	} {
		r := runCLI(t, false, e, "", args...)
		r.check(t, cli.ExitError)
		if got := strings.Count(r.err.Error(), "GET /v1/apps"); got != 1 {
			t.Errorf("%v: error %q names the request %d times, want once", args, r.err, got)
		}
	}
}

// TestAuthLoginRefusesBadInputBeforeSaving checks that login refuses what would break every
// later command, and leaves the config as it was.
func TestAuthLoginRefusesBadInputBeforeSaving(t *testing.T) {
	t.Parallel()
	path, _ := keyFile(t, t.TempDir(), "LOGIN3", "issuer-3")
	e := newEnv(t)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--base-url", "ftp://example.com"}, "--base-url"},
		{[]string{"--base-url", "api.example.com"}, "--base-url"},
		{[]string{"--profile", "my ci"}, "profile name"},
	} {
		r := runCLI(t, false, e, "", append([]string{"auth", "login", "--private-key-path", path}, tt.args...)...)
		r.check(t, cli.ExitUsage)
		if !strings.Contains(r.err.Error(), tt.want) {
			t.Errorf("%v: error %q lacks %q", tt.args, r.err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(e["ASCEND_CONFIG_DIR"], "config.json")); !os.IsNotExist(err) {
		t.Errorf("a refused login wrote the config (stat: %v)", err)
	}
}

// TestAppsGetTakesTheExactBundleID checks that apps get picks the app whose bundle id is the
// one asked for, even when the server's filter also returns others (Apple's filter is not
// documented as exact), and refuses when none matches exactly.
func TestAppsGetTakesTheExactBundleID(t *testing.T) {
	t.Parallel()
	keyPath, _ := keyFile(t, t.TempDir(), "EXACT1", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		app := func(id, bundle string) string {
			return `{"type":"apps","id":"` + id + `","attributes":{"name":"` + bundle + `","bundleId":"` + bundle + `","sku":"S","primaryLocale":"en-US"}}`
		}
		w.Write([]byte(`{"data":[` + app("1", "com.example.app.widget") + `,` + app("2", "com.example.app") + `],"links":{"self":"x"}}`))
	}))
	t.Cleanup(srv.Close)
	e := newEnv(t).with("ASC_PRIVATE_KEY_PATH", keyPath, "ASC_ISSUER_ID", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1", "ASC_BASE_URL", srv.URL)
	r := runCLI(t, false, e, "", "apps", "get", "com.example.app", "--jq", ".id")
	r.check(t, 0)
	if strings.TrimSpace(r.stdout) != "2" {
		t.Errorf("apps get com.example.app chose app %q, want 2", r.stdout)
	}
	r = runCLI(t, false, e, "", "apps", "get", "com.example")
	r.check(t, cli.ExitError)
	if !strings.Contains(r.err.Error(), "no app with bundle id com.example") {
		t.Errorf("error %v", r.err)
	}
}

// TestOnlyNamedProfilesSaved covers a user who saved only a named profile: commands say how
// to select it, and auth status still lists it while reporting that none is in use.
func TestOnlyNamedProfilesSaved(t *testing.T) {
	t.Parallel()
	path, _ := keyFile(t, t.TempDir(), "NAMED1", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	e := newEnv(t)
	runCLI(t, false, e, "", "auth", "login", "--profile", "ci", "--private-key-path", path).check(t, 0)

	r := runCLI(t, false, e, "", "apps", "list")
	r.check(t, cli.ExitAuth)
	if !strings.Contains(r.err.Error(), "--profile ci") {
		t.Errorf("error %q should say how to use the saved profile", r.err)
	}
	r = runCLI(t, false, e, "", "auth", "status")
	r.check(t, cli.ExitAuth)
	if !strings.Contains(r.stdout, "ci\tNAMED1") {
		t.Errorf("auth status should still list the saved profiles; stdout:\n%s", r.stdout)
	}
}

// TestExecuteTurnsAPanicIntoOneLine checks that a bug inside a command ends the process like
// any other failure: one line on stderr, exit 1, no stack trace.
func TestExecuteTurnsAPanicIntoOneLine(t *testing.T) {
	t.Parallel()
	io, _, out, errOut := cli.TestIO()
	e := newEnv(t)
	f := cli.NewFactory(io, func(k string) string { return e[k] })
	f.StartSandbox = func(string) (cli.EmbeddedSandbox, error) { panic("boom") }
	code := Execute(t.Context(), f, []string{"--sandbox", "apps", "list"})
	if code != cli.ExitError {
		t.Errorf("exit code %d, want %d", code, cli.ExitError)
	}
	msg := errOut.String()
	if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "internal error") || !strings.Contains(msg, "boom") || strings.Contains(msg, "goroutine") {
		t.Errorf("stderr %q: want one line naming the internal error", msg)
	}
	if out.Len() != 0 {
		t.Errorf("stdout %q", out.String())
	}
}

// TestAuthTokenRefusesBadOptionsBeforeTheKey checks that every token option Apple would refuse
// is a usage error found before credentials are looked for.
func TestAuthTokenRefusesBadOptionsBeforeTheKey(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"--scope", "GET /v1/apps extra"},
		{"--scope", "get /v1/apps"},
		{"--scope", "GET v1/apps"},
		{"--lifetime", "21m"},
		{"--lifetime", "0s"},
	} {
		r := runCLI(t, false, newEnv(t), "", append([]string{"auth", "token"}, args...)...)
		r.check(t, cli.ExitUsage)
		if strings.Contains(r.err.Error(), "credentials") {
			t.Errorf("%v: looked for credentials before refusing: %v", args, r.err)
		}
	}
}

// TestPrivateKeyEnvHoldingAPath covers the reverse mix-up: a path in ASC_PRIVATE_KEY, which
// should hold the PEM text. The error points at ASC_PRIVATE_KEY_PATH.
func TestPrivateKeyEnvHoldingAPath(t *testing.T) {
	t.Parallel()
	path, _ := keyFile(t, t.TempDir(), "ENVPATH1", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	r := runCLI(t, false, newEnv(t).with("ASC_KEY_ID", "ENVPATH1", "ASC_PRIVATE_KEY", path), "", "apps", "list")
	r.check(t, cli.ExitAuth)
	if !strings.Contains(r.err.Error(), "ASC_PRIVATE_KEY_PATH") {
		t.Errorf("error %q should point at ASC_PRIVATE_KEY_PATH", r.err)
	}
}

// TestAPIBinaryAnswer checks a gzip report: written as is into a pipe, refused on a terminal
// (where it would garble the screen) with advice to redirect.
func TestAPIBinaryAnswer(t *testing.T) {
	t.Parallel()
	e, _ := startTestSandbox(t)
	args := []string{"api", "/v1/salesReports", "-f", "filter[frequency]=DAILY", "-f", "filter[reportSubType]=SUMMARY",
		"-f", "filter[reportType]=SALES", "-f", "filter[vendorNumber]=1"}
	r := runCLI(t, false, e, "", args...)
	r.check(t, 0)
	if !strings.HasPrefix(r.stdout, "\x1f\x8b") {
		t.Fatalf("pipe output is not the gzip report: %q", r.stdout[:min(len(r.stdout), 20)])
	}
	r = runCLI(t, true, e, "", args...)
	r.check(t, cli.ExitError)
	if r.stdout != "" || !strings.Contains(r.err.Error(), "redirect") {
		t.Errorf("terminal: stdout %q, error %v", r.stdout, r.err)
	}
}

// TestAPIPaginateStopsOnALinkCycle checks that --paginate stops when links.next leads back
// to a page it already read, instead of requesting pages until its cap.
func TestAPIPaginateStopsOnALinkCycle(t *testing.T) {
	t.Parallel()
	keyPath, _ := keyFile(t, t.TempDir(), "CYCLE1", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	var mu sync.Mutex
	calls := 0
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		mu.Unlock()
		next := srv.URL + "/v1/apps?cursor=B&limit=1"
		if r.URL.Query().Get("cursor") == "B" {
			next = srv.URL + "/v1/apps?cursor=A&limit=1"
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"data":[{"type":"apps","id":"1"}],"links":{"self":"x","next":"` + next + `"}}`))
	}))
	t.Cleanup(srv.Close)
	e := newEnv(t).with("ASC_PRIVATE_KEY_PATH", keyPath, "ASC_ISSUER_ID", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1", "ASC_BASE_URL", srv.URL)
	r := runCLI(t, false, e, "", "api", "/v1/apps", "-f", "limit=1", "--paginate")
	r.check(t, cli.ExitError)
	mu.Lock()
	defer mu.Unlock()
	if calls > 4 {
		t.Errorf("--paginate sent %d requests around a two-page cycle", calls)
	}
	if !strings.Contains(r.err.Error(), "repeats") {
		t.Errorf("error %v should say the link repeats", r.err)
	}
}
