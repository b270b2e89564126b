package sandbox

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// trustedKey is a public key the sandbox accepts tokens from, as Apple trusts the keys made in
// App Store Connect. readOnly models a key whose role cannot write (a "Developer"-like key
// without access to the resource), so tests can see Apple's 403.
type trustedKey struct {
	id       string
	issuerID string // "" for an individual key
	pub      *ecdsa.PublicKey
	readOnly bool
}

// maxTokenLifetime is Apple's limit on exp - iat.
const maxTokenLifetime = 20 * time.Minute

// verifyToken checks an Authorization header the way Apple does and returns the key that
// signed it. The verification is written here from the JWS rules rather than borrowed from the
// signing side (asc/auth), so a signing bug cannot hide behind a matching verification bug.
func (s *Server) verifyToken(r *http.Request) (*trustedKey, error) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, errors.New("missing bearer token")
	}
	tok = strings.TrimSpace(tok)
	if v, ok := s.tokenCache.Load(tok); ok {
		// A token already verified: its signature and claims cannot have changed, but time
		// has moved, and the scope depends on the request.
		vt := v.(verifiedToken)
		if key := s.lookupKey(vt.kid); key != nil && key.pub == vt.pub && vt.exp.After(s.now()) && (vt.scope == nil || scopeAllows(vt.scope, r)) {
			return key, nil
		}
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return nil, errors.New("token is not a JWS compact serialization")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ"`
	}
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if header.Alg != "ES256" {
		return nil, fmt.Errorf("alg %q is not ES256", header.Alg)
	}
	key := s.lookupKey(header.Kid)
	if key == nil {
		return nil, fmt.Errorf("unknown kid %q", header.Kid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return nil, errors.New("signature is not 64 raw bytes r||s")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	rr := new(big.Int).SetBytes(sig[:32])
	ss := new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(key.pub, digest[:], rr, ss) {
		return nil, errors.New("bad signature")
	}
	var claims struct {
		Iss   *string         `json:"iss"`
		Sub   *string         `json:"sub"`
		Aud   json.RawMessage `json:"aud"`
		Iat   *float64        `json:"iat"`
		Exp   *float64        `json:"exp"`
		Scope []string        `json:"scope"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("payload: %w", err)
	}
	if !audienceOK(claims.Aud) {
		return nil, errors.New("aud is not appstoreconnect-v1")
	}
	now := s.now()
	if claims.Exp == nil {
		return nil, errors.New("no exp")
	}
	exp := time.Unix(int64(*claims.Exp), 0)
	if !exp.After(now) {
		return nil, errors.New("token expired")
	}
	// Apple: "Tokens that expire more than 20 minutes into the future are not valid", whatever
	// iat says, so an iat within the tolerated skew cannot stretch a token past that.
	if exp.Sub(now) > maxTokenLifetime {
		return nil, errors.New("token expires more than 20 minutes from now")
	}
	start := now
	if claims.Iat != nil {
		start = time.Unix(int64(*claims.Iat), 0)
		// A little skew is tolerated, as clocks on build machines drift.
		if start.After(now.Add(5 * time.Minute)) {
			return nil, errors.New("iat is in the future")
		}
	}
	if exp.Sub(start) > maxTokenLifetime {
		return nil, errors.New("token lifetime exceeds 20 minutes")
	}
	switch {
	case key.issuerID != "":
		if claims.Iss == nil || *claims.Iss != key.issuerID {
			return nil, errors.New("iss does not match the key's issuer")
		}
	default:
		if claims.Sub == nil || *claims.Sub != "user" {
			return nil, errors.New(`individual key token without sub "user"`)
		}
	}
	if claims.Scope != nil && !scopeAllows(claims.Scope, r) {
		return nil, errors.New("scope does not cover this request")
	}
	s.rememberToken(tok, verifiedToken{kid: key.id, pub: key.pub, exp: exp, scope: claims.Scope})
	return key, nil
}

// verifiedToken is what the cache keeps of a token that passed every check, so a client
// reusing its token (as it should) costs one ECDSA verification, not one per request.
type verifiedToken struct {
	kid   string
	pub   *ecdsa.PublicKey // the key that verified it; a key replaced under the same id does not inherit it
	exp   time.Time
	scope []string
}

const tokenCacheMax = 4096

func (s *Server) rememberToken(tok string, vt verifiedToken) {
	if s.tokenCount.Add(1) > tokenCacheMax {
		s.tokenCache.Clear()
		s.tokenCount.Store(1)
	}
	s.tokenCache.Store(tok, vt)
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// audienceOK accepts "appstoreconnect-v1" as a string or a one-element array, since popular
// JWT libraries send either.
func audienceOK(raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s == "appstoreconnect-v1"
	}
	var arr []string
	if json.Unmarshal(raw, &arr) == nil {
		return len(arr) == 1 && arr[0] == "appstoreconnect-v1"
	}
	return false
}

// scopeAllows reports whether one of the token's scope entries ("GET /v1/apps?filter[platform]=IOS")
// names this request: same method and path, and, when the entry has a query, the same query.
func scopeAllows(scope []string, r *http.Request) bool {
	for _, entry := range scope {
		method, target, ok := strings.Cut(strings.TrimSpace(entry), " ")
		if !ok || !strings.EqualFold(method, r.Method) {
			continue
		}
		p, q, hasQuery := strings.Cut(target, "?")
		if strings.TrimRight(p, "/") != strings.TrimRight(r.URL.Path, "/") {
			continue
		}
		if !hasQuery {
			return true
		}
		want, err := url.ParseQuery(q)
		if err != nil {
			continue
		}
		if sameQuery(want, r.URL.Query()) {
			return true
		}
	}
	return false
}

func sameQuery(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, av := range a {
		bv, ok := b[k]
		if !ok {
			return false
		}
		as, bs := slices.Clone(av), slices.Clone(bv)
		slices.Sort(as)
		slices.Sort(bs)
		if !slices.Equal(as, bs) {
			return false
		}
	}
	return true
}
