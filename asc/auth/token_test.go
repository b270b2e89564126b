package auth

import (
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
)

// signAt is a fixed signing time, so expectations do not depend on the clock.
var signAt = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func fixedNow() time.Time { return signAt }

func mustKey(t testing.TB, issuer string) *Key {
	t.Helper()
	k, _, err := GenerateKey("2X9R4HXF34", issuer)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// decodePart decodes one base64url segment of a JWT into a generic map.
func decodePart(t *testing.T, seg string) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		t.Fatalf("segment is not unpadded base64url: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("segment is not a JSON object: %v", err)
	}
	return m
}

func TestSignClaims(t *testing.T) {
	t.Parallel()
	const issuer = "57246542-96fe-1a63-e053-0824d011072a"
	iat := float64(signAt.Unix())
	tests := []struct {
		name   string
		issuer string
		opts   TokenOptions
		want   map[string]any
	}{
		{"team key, default lifetime", issuer, TokenOptions{Now: fixedNow},
			map[string]any{"iss": issuer, "iat": iat, "exp": iat + 900, "aud": "appstoreconnect-v1"}},
		{"individual key", "", TokenOptions{Now: fixedNow},
			map[string]any{"sub": "user", "iat": iat, "exp": iat + 900, "aud": "appstoreconnect-v1"}},
		{"twenty minutes", issuer, TokenOptions{Now: fixedNow, Lifetime: 20 * time.Minute},
			map[string]any{"iss": issuer, "iat": iat, "exp": iat + 1200, "aud": "appstoreconnect-v1"}},
		{"scoped", issuer, TokenOptions{Now: fixedNow, Lifetime: 5 * time.Minute, Scope: []string{"GET /v1/apps?filter[platform]=IOS", "PATCH /v1/apps/123"}},
			map[string]any{"iss": issuer, "iat": iat, "exp": iat + 300, "aud": "appstoreconnect-v1",
				"scope": []any{"GET /v1/apps?filter[platform]=IOS", "PATCH /v1/apps/123"}}},
		{"sub-second clock", "", TokenOptions{Now: func() time.Time { return signAt.Add(999 * time.Millisecond) }},
			map[string]any{"sub": "user", "iat": iat, "exp": iat + 900, "aud": "appstoreconnect-v1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := mustKey(t, tc.issuer)
			tok, err := k.Sign(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			parts := strings.Split(tok, ".")
			if len(parts) != 3 {
				t.Fatalf("token has %d parts, want 3", len(parts))
			}
			if diff := cmp.Diff(map[string]any{"alg": "ES256", "kid": "2X9R4HXF34", "typ": "JWT"}, decodePart(t, parts[0])); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, decodePart(t, parts[1])); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			sig, err := base64.RawURLEncoding.DecodeString(parts[2])
			if err != nil || len(sig) != 64 {
				t.Fatalf("signature is %d bytes (err %v), want 64 raw bytes r||s", len(sig), err)
			}
		})
	}
}

func TestSignLifetimeRules(t *testing.T) {
	t.Parallel()
	k := mustKey(t, "iss")
	tests := []struct {
		name    string
		opts    TokenOptions
		wantErr string
	}{
		{"zero means default", TokenOptions{}, ""},
		{"one second", TokenOptions{Lifetime: time.Second}, ""},
		{"exactly twenty minutes", TokenOptions{Lifetime: 20 * time.Minute}, ""},
		{"twenty-one minutes", TokenOptions{Lifetime: 21 * time.Minute}, "over Apple's 20-minute limit"},
		{"twenty minutes and a second", TokenOptions{Lifetime: 20*time.Minute + time.Second}, "over Apple's 20-minute limit"},
		{"long with a GET scope", TokenOptions{Lifetime: 24 * time.Hour, Scope: []string{"GET /v1/salesReports"}}, "over Apple's 20-minute limit"},
		{"long with a write scope", TokenOptions{Lifetime: time.Hour, Scope: []string{"POST /v1/apps"}}, "over Apple's 20-minute limit"},
		{"over six months", TokenOptions{Lifetime: 200 * 24 * time.Hour, Scope: []string{"GET /v1/salesReports"}}, "six months"},
		{"negative", TokenOptions{Lifetime: -time.Minute}, "too short"},
		{"sub-second", TokenOptions{Lifetime: time.Millisecond}, "too short"},
		{"scope without method", TokenOptions{Scope: []string{"/v1/apps"}}, "malformed"},
		{"scope with lower-case method", TokenOptions{Scope: []string{"get /v1/apps"}}, "malformed"},
		{"scope with relative path", TokenOptions{Scope: []string{"GET v1/apps"}}, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tok, err := k.Sign(tc.opts)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("Sign: %v", err)
			case tc.wantErr == "" && tok == "":
				t.Fatal("Sign returned an empty token")
			case tc.wantErr != "" && err == nil:
				t.Fatalf("Sign accepted %+v", tc.opts)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Fatalf("error %q does not contain %q", err, tc.wantErr)
			}
		})
	}
}

func TestSignWithoutPrivateKey(t *testing.T) {
	t.Parallel()
	for _, k := range []*Key{nil, {ID: "K1", IssuerID: "iss"}} {
		if _, err := k.Sign(TokenOptions{}); err == nil || !strings.Contains(err.Error(), "no private key") {
			t.Errorf("Sign on %v: got %v, want a no-private-key error", k, err)
		}
	}
}

func TestLongLivedScope(t *testing.T) {
	t.Parallel()
	// Apple's list is not encoded (see longLivedResources), so nothing qualifies; the
	// matching itself is checked with a temporary list in TestLongLivedScopeMatching.
	for _, scope := range [][]string{nil, {"GET /v1/salesReports"}, {"GET /v1/apps"}} {
		if LongLivedScope(scope) {
			t.Errorf("LongLivedScope(%q) = true with no resources listed", scope)
		}
	}
}

func TestLongLivedScopeMatching(t *testing.T) {
	// Not parallel: it swaps the package's list for the duration of the test.
	saved := longLivedResources
	t.Cleanup(func() { longLivedResources = saved })
	longLivedResources = []string{"/v1/salesReports", "/v1/financeReports"}
	tests := []struct {
		scope []string
		want  bool
	}{
		{nil, false},
		{[]string{"GET /v1/salesReports?filter[frequency]=DAILY"}, true},
		{[]string{"GET /v1/salesReports", "GET /v1/financeReports"}, true},
		{[]string{"GET /v1/salesReports/1"}, true},
		{[]string{"GET /v1/salesReportsX"}, false},
		{[]string{"POST /v1/salesReports"}, false},
		{[]string{"GET /v1/salesReports", "GET /v1/apps"}, false},
	}
	for _, tc := range tests {
		if got := LongLivedScope(tc.scope); got != tc.want {
			t.Errorf("LongLivedScope(%q) = %v, want %v", tc.scope, got, tc.want)
		}
	}
	k := mustKey(t, "iss")
	if _, err := k.Sign(TokenOptions{Lifetime: 24 * time.Hour, Scope: []string{"GET /v1/salesReports"}}); err != nil {
		t.Errorf("a listed GET scope should allow a day-long token: %v", err)
	}
	if _, err := k.Sign(TokenOptions{Lifetime: 24 * time.Hour, Scope: []string{"GET /v1/apps"}}); err == nil {
		t.Error("an unlisted scope allowed a day-long token")
	}
}

// TestVerifyWithOtherImplementations checks tokens with two JWT libraries and openssl, none
// of which share code with the signer.
func TestVerifyWithOtherImplementations(t *testing.T) {
	t.Parallel()
	team := mustKey(t, "57246542-96fe-1a63-e053-0824d011072a")
	indiv := mustKey(t, "")
	opts := TokenOptions{Now: fixedNow, Scope: []string{"GET /v1/apps?filter[platform]=IOS"}}

	for _, k := range []*Key{team, indiv} {
		tok, err := k.Sign(opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(k.String()+"/go-jose", func(t *testing.T) {
			t.Parallel()
			parsed, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.ES256})
			if err != nil {
				t.Fatal(err)
			}
			if h := parsed.Headers[0]; h.KeyID != k.ID || h.Algorithm != "ES256" || h.ExtraHeaders["typ"] != "JWT" {
				t.Errorf("header = %+v", h)
			}
			var std josejwt.Claims
			var extra struct {
				Scope []string `json:"scope"`
			}
			if err := parsed.Claims(k.PublicKey(), &std, &extra); err != nil {
				t.Fatalf("go-jose rejected the signature: %v", err)
			}
			want := josejwt.Expected{AnyAudience: josejwt.Audience{Audience}, Time: signAt.Add(time.Minute)}
			if k.Individual() {
				want.Subject = "user"
			} else {
				want.Issuer = k.IssuerID
			}
			if err := std.Validate(want); err != nil {
				t.Errorf("claims: %v", err)
			}
			if err := std.ValidateWithLeeway(josejwt.Expected{Time: signAt.Add(DefaultLifetime + time.Second)}, 0); err == nil {
				t.Error("token still valid a second after its lifetime")
			}
			if k.Individual() && std.Issuer != "" {
				t.Errorf("individual token has iss %q", std.Issuer)
			}
			if !slices.Equal(extra.Scope, opts.Scope) {
				t.Errorf("scope = %q, want %q", extra.Scope, opts.Scope)
			}
			other := mustKey(t, "")
			if err := parsed.Claims(other.PublicKey(), &std); err == nil {
				t.Error("go-jose accepted the token with another key")
			}
		})
		t.Run(k.String()+"/golang-jwt", func(t *testing.T) {
			t.Parallel()
			claims := gojwt.MapClaims{}
			parsed, err := gojwt.ParseWithClaims(tok, claims,
				func(*gojwt.Token) (any, error) { return k.PublicKey(), nil },
				gojwt.WithValidMethods([]string{"ES256"}),
				gojwt.WithAudience(Audience),
				gojwt.WithIssuedAt(),
				gojwt.WithExpirationRequired(),
				gojwt.WithTimeFunc(func() time.Time { return signAt.Add(14 * time.Minute) }),
			)
			if err != nil {
				t.Fatalf("golang-jwt rejected the token: %v", err)
			}
			if parsed.Header["kid"] != k.ID || parsed.Header["typ"] != "JWT" {
				t.Errorf("header = %v", parsed.Header)
			}
			exp, _ := claims.GetExpirationTime()
			iat, _ := claims.GetIssuedAt()
			if got := exp.Sub(iat.Time); got != DefaultLifetime {
				t.Errorf("exp - iat = %s, want %s", got, DefaultLifetime)
			}
			_, hasIss := claims["iss"]
			if k.Individual() && (hasIss || claims["sub"] != "user") {
				t.Errorf("individual claims = %v, want sub user and no iss", claims)
			}
			if !k.Individual() && (claims["iss"] != k.IssuerID || claims["sub"] != nil) {
				t.Errorf("team claims = %v, want iss and no sub", claims)
			}
		})
		t.Run(k.String()+"/openssl", func(t *testing.T) {
			t.Parallel()
			verifyWithOpenSSL(t, k.PublicKey(), tok)
		})
	}
}

// verifyWithOpenSSL converts the JWS signature r||s to DER and has openssl check it over
// header.payload, then checks that a tampered payload fails.
func verifyWithOpenSSL(t *testing.T, pub *ecdsa.PublicKey, tok string) {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("skipping: openssl is not installed, so the signature cannot be checked with it")
	}
	dot := strings.LastIndexByte(tok, '.')
	raw, err := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	if err != nil || len(raw) != 64 {
		t.Fatalf("signature is %d bytes (err %v), want 64", len(raw), err)
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])})
	if err != nil {
		t.Fatal(err)
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	pubPath := write("pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}))
	sigPath := write("sig.der", der)
	verify := func(input string) (string, error) {
		data := write("input", []byte(input))
		out, err := exec.CommandContext(t.Context(), openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, data).CombinedOutput()
		return strings.TrimSpace(string(out)), err
	}
	if out, err := verify(tok[:dot]); err != nil || !strings.Contains(out, "Verified OK") {
		t.Fatalf("openssl did not verify the token: %q %v", out, err)
	}
	if out, err := verify(tok[:dot] + "x"); err == nil || strings.Contains(out, "Verified OK") {
		t.Fatalf("openssl verified a tampered token: %q", out)
	}
}
