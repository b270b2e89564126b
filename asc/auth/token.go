package auth

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

const (
	// DefaultLifetime is the lifetime of a token when TokenOptions.Lifetime is zero. It
	// leaves headroom under Apple's 20-minute limit for clock skew between us and Apple.
	DefaultLifetime = 15 * time.Minute
	// MaxLifetime is the longest lifetime Apple accepts for an ordinary token.
	MaxLifetime = 20 * time.Minute
	// MaxScopedLifetime is the longest lifetime this package signs for a long-lived token,
	// one whose scope lists only GET requests on resources Apple allows it for. Apple's limit
	// is six months; 180 days stays inside it whatever the calendar.
	MaxScopedLifetime = 180 * 24 * time.Hour
)

// Audience is the aud claim of App Store Connect tokens.
const Audience = "appstoreconnect-v1"

// EnterpriseAudience is the aud claim of tokens signed with an in-house (enterprise) team's
// key, as Apple's Enterprise Program API expects them.
const EnterpriseAudience = "apple-developer-enterprise-v1"

// audience is the aud claim of k's tokens.
func (k *Key) audience() string {
	if k.InHouse {
		return EnterpriseAudience
	}
	return Audience
}

// withKeyLifetime gives opts k's own token lifetime when opts sets none.
func (o TokenOptions) withKeyLifetime(k *Key) TokenOptions {
	if o.Lifetime == 0 && k != nil {
		o.Lifetime = k.TokenLifetime
	}
	return o
}

// TokenOptions shapes the tokens a Key signs.
type TokenOptions struct {
	// Lifetime is exp - iat; zero means DefaultLifetime. Over MaxLifetime is refused unless
	// Scope qualifies for a long-lived token (see LongLivedScope).
	Lifetime time.Duration
	// Scope limits the token to the listed operations, each "METHOD PATH" with an optional
	// query, for example "GET /v1/apps?filter[platform]=IOS". Empty means no scope claim.
	Scope []string
	// Now replaces time.Now, so tests can sign at a fixed time.
	Now func() time.Time
}

func (o TokenOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o TokenOptions) lifetime() time.Duration {
	if o.Lifetime == 0 {
		return DefaultLifetime
	}
	return o.Lifetime
}

// Validate applies Apple's rules on scope entries and lifetimes, the checks Sign makes before
// signing, so that a caller (a CLI flag parser) can refuse bad options before loading a key.
func (o TokenOptions) Validate() error { return o.validate() }

// validate applies Apple's lifetime rules before anything is signed, so that a token Apple
// would refuse is never made.
func (o TokenOptions) validate() error {
	for _, s := range o.Scope {
		if err := checkScopeEntry(s); err != nil {
			return err
		}
	}
	life := o.lifetime()
	switch {
	case life < time.Second:
		return fmt.Errorf("token lifetime %s is too short: use at least one second, or zero for the default of %s", life, DefaultLifetime)
	case life <= MaxLifetime:
		return nil
	case life > MaxScopedLifetime:
		return fmt.Errorf("token lifetime %s is over the longest Apple allows (six months): use at most %s", life, MaxLifetime)
	case len(longLivedResources) == 0:
		return fmt.Errorf("token lifetime %s is over Apple's 20-minute limit: use at most %s (ascend does not sign long-lived tokens yet)", life, MaxLifetime)
	case len(o.Scope) == 0:
		return fmt.Errorf("token lifetime %s is over Apple's 20-minute limit: use at most %s, or scope the token to GET requests on resources that allow long-lived tokens", life, MaxLifetime)
	case !LongLivedScope(o.Scope):
		return fmt.Errorf("token lifetime %s is over Apple's 20-minute limit and its scope includes requests that do not allow long-lived tokens: use at most %s, or scope it only to GET requests on %s", life, MaxLifetime, strings.Join(longLivedResourceNames(), ", "))
	}
	return nil
}

// checkScopeEntry insists on "METHOD /path", the only shape Apple documents, so that a typo
// fails here rather than as an opaque 401 from Apple.
func checkScopeEntry(s string) error {
	method, path, ok := strings.Cut(s, " ")
	if !ok || method == "" || method != strings.ToUpper(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n") {
		return fmt.Errorf("token scope entry %q is malformed: write it as \"METHOD /path\", for example \"GET /v1/apps?filter[bundleId]=com.example.app\"", s)
	}
	return nil
}

type jwtHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
}

type jwtClaims struct {
	Iss   string   `json:"iss,omitempty"`
	Sub   string   `json:"sub,omitempty"`
	Iat   int64    `json:"iat"`
	Exp   int64    `json:"exp"`
	Aud   string   `json:"aud"`
	Scope []string `json:"scope,omitempty"`
}

// Sign makes one ES256 token for k by Apple's rules. Callers making many requests should use
// NewTokenSource, which reuses a token until shortly before it expires.
func (k *Key) Sign(opts TokenOptions) (string, error) {
	tok, _, err := k.sign(opts)
	return tok, err
}

// sign returns the token with its expiry, which the cache needs.
func (k *Key) sign(opts TokenOptions) (string, time.Time, error) {
	if k == nil || k.priv.k == nil {
		return "", time.Time{}, errors.New("cannot sign a token: the key has no private key; load it with LoadKeyFile, NewKey or LoadAPIKeyJSON")
	}
	opts = opts.withKeyLifetime(k)
	if err := opts.validate(); err != nil {
		return "", time.Time{}, err
	}
	iat := opts.now().Truncate(time.Second)
	exp := iat.Add(opts.lifetime()).Truncate(time.Second)
	claims := jwtClaims{Iat: iat.Unix(), Exp: exp.Unix(), Aud: k.audience(), Scope: opts.Scope}
	if k.Individual() {
		claims.Sub = "user"
	} else {
		claims.Iss = k.IssuerID
	}
	header, err := json.Marshal(jwtHeader{Alg: "ES256", Kid: k.ID, Typ: "JWT"})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("encode token header: %w", err)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("encode token claims: %w", err)
	}
	enc := base64.RawURLEncoding
	hLen, pLen := enc.EncodedLen(len(header)), enc.EncodedLen(len(payload))
	buf := make([]byte, hLen+1+pLen, hLen+1+pLen+1+enc.EncodedLen(64))
	enc.Encode(buf, header)
	buf[hLen] = '.'
	enc.Encode(buf[hLen+1:], payload)

	sig, err := signES256(k.priv.k, buf)
	if err != nil {
		return "", time.Time{}, err
	}
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig)
	return string(buf), exp, nil
}

// signES256 returns the JWS ES256 signature of signingInput: r and s as 32-byte big-endian
// integers, concatenated. Apple rejects the DER encoding that ecdsa.SignASN1 produces.
func signES256(priv *ecdsa.PrivateKey, signingInput []byte) ([]byte, error) {
	digest := sha256.Sum256(signingInput)
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		return nil, fmt.Errorf("sign token: %w", err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig, nil
}
