package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
)

func TestTokenVerification(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_800_000_000, 0)
	s, c := newTestServer(t, Options{Now: func() time.Time { return now }})
	kid, iss := s.Key().ID, s.Key().IssuerID
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	hdr := func() map[string]any { return map[string]any{"alg": "ES256", "kid": kid, "typ": "JWT"} }
	claims := func() map[string]any {
		return map[string]any{"iss": iss, "aud": "appstoreconnect-v1", "iat": now.Unix(), "exp": now.Add(15 * time.Minute).Unix()}
	}
	with := func(m map[string]any, k string, v any) map[string]any {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	good := signJWT(t, c.priv, hdr(), claims())
	tests := []struct {
		name  string
		token string
		path  string
		ok    bool
	}{
		{"valid team token", good, "/v1/apps", true},
		{"aud as one-element array", signJWT(t, c.priv, hdr(), with(claims(), "aud", []string{"appstoreconnect-v1"})), "/v1/apps", true},
		{"no iat, exp within 20 minutes", signJWT(t, c.priv, hdr(), with(claims(), "iat", nil)), "/v1/apps", true},
		{"no iat, exp beyond 20 minutes", signJWT(t, c.priv, hdr(), with(with(claims(), "iat", nil), "exp", now.Add(30*time.Minute).Unix())), "/v1/apps", false},
		{"exactly 20 minutes", signJWT(t, c.priv, hdr(), with(claims(), "exp", now.Add(20*time.Minute).Unix())), "/v1/apps", true},
		{"lifetime 21 minutes", signJWT(t, c.priv, hdr(), with(claims(), "exp", now.Add(21*time.Minute).Unix())), "/v1/apps", false},
		{"expired", signJWT(t, c.priv, hdr(), with(with(claims(), "iat", now.Add(-30*time.Minute).Unix()), "exp", now.Add(-time.Minute).Unix())), "/v1/apps", false},
		{"no exp", signJWT(t, c.priv, hdr(), with(claims(), "exp", nil)), "/v1/apps", false},
		{"wrong audience", signJWT(t, c.priv, hdr(), with(claims(), "aud", "appstoreconnect-v2")), "/v1/apps", false},
		{"two audiences", signJWT(t, c.priv, hdr(), with(claims(), "aud", []string{"appstoreconnect-v1", "x"})), "/v1/apps", false},
		{"no iss", signJWT(t, c.priv, hdr(), with(claims(), "iss", nil)), "/v1/apps", false},
		{"wrong iss", signJWT(t, c.priv, hdr(), with(claims(), "iss", "00000000-0000-0000-0000-000000000000")), "/v1/apps", false},
		{"unknown kid", signJWT(t, c.priv, with(hdr(), "kid", "NOTAKEY123"), claims()), "/v1/apps", false},
		{"no kid", signJWT(t, c.priv, with(hdr(), "kid", nil), claims()), "/v1/apps", false},
		{"alg HS256", signJWT(t, c.priv, with(hdr(), "alg", "HS256"), claims()), "/v1/apps", false},
		{"signed by another key", signJWT(t, other, hdr(), claims()), "/v1/apps", false},
		{"tampered payload", tamper(good), "/v1/apps", false},
		{"DER signature", derSigned(t, c.priv, hdr(), claims()), "/v1/apps", false},
		{"not a JWT", "hello", "/v1/apps", false},
		{"no token", "", "/v1/apps", false},
		{"scope matches", signJWT(t, c.priv, hdr(), with(claims(), "scope", []string{"GET /v1/apps"})), "/v1/apps", true},
		{"scope with query matches", signJWT(t, c.priv, hdr(), with(claims(), "scope", []string{"GET /v1/apps?filter[sku]=LEDGER001"})), "/v1/apps?filter[sku]=LEDGER001", true},
		{"scope with other query", signJWT(t, c.priv, hdr(), with(claims(), "scope", []string{"GET /v1/apps?filter[sku]=LEDGER001"})), "/v1/apps?filter[sku]=OTHER", false},
		{"scope for another path", signJWT(t, c.priv, hdr(), with(claims(), "scope", []string{"GET /v1/builds"})), "/v1/apps", false},
		{"scope for another method", signJWT(t, c.priv, hdr(), with(claims(), "scope", []string{"POST /v1/apps"})), "/v1/apps", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.doToken("GET", tc.path, nil, tc.token)
			if tc.ok {
				r.must(t, 200)
				return
			}
			r.must(t, 401)
			if r.errorCode() != "NOT_AUTHORIZED" {
				t.Fatalf("code %q", r.errorCode())
			}
		})
	}
}

// tamper changes the payload after signing.
func tamper(tok string) string {
	p := strings.Split(tok, ".")
	b, _ := base64.RawURLEncoding.DecodeString(p[1])
	b = []byte(strings.Replace(string(b), `"aud"`, `"aud" `, 1))
	p[1] = base64.RawURLEncoding.EncodeToString(b)
	return strings.Join(p, ".")
}

// derSigned signs with an ASN.1 DER signature, which JWS forbids and Apple refuses.
func derSigned(t *testing.T, priv *ecdsa.PrivateKey, header, claims map[string]any) string {
	tok := signJWT(t, priv, header, claims)
	p := strings.Split(tok, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(p[2])
	der := append([]byte{0x30, 0x44, 0x02, 0x20}, sig[:32]...)
	der = append(der, 0x02, 0x20)
	der = append(der, sig[32:]...)
	p[2] = base64.RawURLEncoding.EncodeToString(der)
	return strings.Join(p, ".")
}

func TestIndividualKeyAndAuthPackageTokens(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Options{IndividualKey: true})
	if s.Key().IssuerID != "" || !s.Key().Individual() {
		t.Fatalf("key %v is not individual", s.Key())
	}
	c := clientFor(t, s, s.KeyPEM(), s.Key().ID, "")
	c.do("GET", "/v1/apps", nil).must(t, 200)
	// A team-style token (iss, no sub) from an individual key is refused.
	now := time.Now()
	tok := signJWT(t, c.priv, map[string]any{"alg": "ES256", "kid": s.Key().ID}, map[string]any{"iss": "x", "aud": "appstoreconnect-v1", "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()})
	c.doToken("GET", "/v1/apps", nil, tok).must(t, 401)

	// Tokens from the project's own signer are accepted, team and individual alike.
	for _, issuer := range []string{"", "57246542-96fe-1a63-e053-0824d011072a"} {
		k, _, err := auth.GenerateKey("TESTKEY"+map[bool]string{true: "IND", false: "TEAM"}[issuer == ""], issuer)
		if err != nil {
			t.Fatal(err)
		}
		s.TrustKey(k, false)
		signed, err := k.Sign(auth.TokenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c.doToken("GET", "/v1/apps", nil, signed).must(t, 200)
	}
}

func TestReadOnlyKeyCannotWrite(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{ReadOnlyKey: true})
	ro := clientFor(t, s, s.ReadOnlyKeyPEM(), s.ReadOnlyKey().ID, s.ReadOnlyKey().IssuerID)
	locID := firstID(t, c, "/v1/appInfos/"+firstID(t, c, "/v1/apps/"+firstID(t, c, "/v1/apps")+"/appInfos")+"/appInfoLocalizations")
	ro.do("GET", "/v1/appInfoLocalizations/"+locID, nil).must(t, 200)
	r := ro.do("DELETE", "/v1/appInfoLocalizations/"+locID, nil).must(t, 403)
	if r.errorCode() != "FORBIDDEN_ERROR" {
		t.Fatalf("code %q", r.errorCode())
	}
	c.do("GET", "/v1/appInfoLocalizations/"+locID, nil).must(t, 200)
}
