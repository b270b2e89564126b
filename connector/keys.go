package connector

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ascend-tools/ascend/store"
)

// keyPrefix marks gateway client keys so that secret scanners and people recognise them.
const keyPrefix = "asck"

// NewClientKey makes a client key for a profile: the secret to hand to the client once, and
// the record to store, which holds only the SHA-256 of the secret part. A zero ttl never
// expires.
func NewClientKey(name, profile string, access store.Access, ttl time.Duration, now time.Time) (secret string, rec store.ClientKey, err error) {
	if name == "" || profile == "" {
		return "", rec, errors.New("a client key needs a name and a profile")
	}
	if access != store.Read && access != store.Write {
		return "", rec, fmt.Errorf("access %q is not read or write", access)
	}
	var id [8]byte
	var sec [32]byte // 256 bits
	if _, err := rand.Read(id[:]); err != nil {
		return "", rec, err
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return "", rec, err
	}
	secretPart := base64.RawURLEncoding.EncodeToString(sec[:])
	rec = store.ClientKey{
		ID: hex.EncodeToString(id[:]), Name: name, Profile: profile, Access: access,
		Hash: hashSecret(secretPart), CreatedAt: now.UTC().Truncate(time.Millisecond),
	}
	if ttl > 0 {
		rec.ExpiresAt = rec.CreatedAt.Add(ttl)
	}
	return keyPrefix + "_" + rec.ID + "_" + secretPart, rec, nil
}

func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// secretMatches reports whether secret hashes to hash (hex, as hashSecret makes it), in time
// that depends on neither: every byte is compared. Nothing is allocated, as it runs for every
// request.
func secretMatches(secret, hash string) bool {
	var buf [64]byte // a key's secret is 43 bytes: hashed from the stack
	var sum [sha256.Size]byte
	if len(secret) <= len(buf) {
		sum = sha256.Sum256(buf[:copy(buf[:], secret)])
	} else {
		sum = sha256.Sum256([]byte(secret))
	}
	var hexSum [2 * sha256.Size]byte
	hex.Encode(hexSum[:], sum[:])
	if len(hash) != len(hexSum) {
		return false
	}
	var diff byte
	for i := range hexSum {
		diff |= hexSum[i] ^ hash[i]
	}
	return subtle.ConstantTimeByteEq(diff, 0) == 1
}

// splitKey parses "asck_<id>_<secret>". The secret is base64url and may itself hold "_".
func splitKey(key string) (id, secret string, ok bool) {
	prefix, rest, ok1 := strings.Cut(key, "_")
	id, secret, ok2 := strings.Cut(rest, "_")
	if !ok1 || !ok2 || prefix != keyPrefix || len(id) != 16 || secret == "" {
		return "", "", false
	}
	return id, secret, true
}

// presentedKey reads the client key from X-API-Key or Authorization: Bearer.
func presentedKey(r *http.Request) string {
	if k := strings.TrimSpace(r.Header.Get("X-API-Key")); k != "" {
		return k
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// errKey is why a key was refused; the message is safe to show the client and never
// repeats the key.
type errKey struct{ detail string }

func (e *errKey) Error() string { return e.detail }

// authenticate finds and checks the presented key. The row is found by the key's public id
// and the secret's hash compared in constant time, so response timing tells nothing about
// the secret.
func (g *Gateway) authenticate(ctx context.Context, r *http.Request) (*store.ClientKey, error) {
	return g.authenticateKey(ctx, presentedKey(r))
}

// authenticateKey checks a presented client key.
func (g *Gateway) authenticateKey(ctx context.Context, raw string) (*store.ClientKey, error) {
	if raw == "" {
		return nil, &errKey{"send your gateway client key in the X-API-Key header or as Authorization: Bearer"}
	}
	id, secret, ok := splitKey(raw)
	if !ok {
		return nil, &errKey{"the client key is malformed: use the key printed by 'ascend connector keys create'"}
	}
	k, err := g.keys.get(ctx, g, id)
	if errors.Is(err, store.ErrNotFound) {
		// Compare anyway so an unknown id costs the same as a wrong secret.
		secretMatches(secret, unknownKeyHash)
		return nil, &errKey{"the client key is not known to this gateway"}
	}
	if err != nil {
		return nil, err
	}
	if !secretMatches(secret, k.Hash) {
		return nil, &errKey{"the client key is not known to this gateway"}
	}
	if !k.RevokedAt.IsZero() {
		return nil, &errKey{"the client key was revoked: ask for a new one"}
	}
	if !k.ExpiresAt.IsZero() && !g.now().Before(k.ExpiresAt) {
		return nil, &errKey{"the client key has expired: ask for a new one"}
	}
	return k, nil
}

// unknownKeyHash is what a secret is compared with when its key id is unknown.
var unknownKeyHash = hashSecret("")

// keyCache keeps recently read key records for Config.KeyCacheTTL, so a busy gateway does not
// read the database on every request. A revocation then takes up to the TTL to reach every
// instance; with a zero TTL (the default) every request reads the database.
type keyCache struct {
	ttl time.Duration
	mu  sync.Mutex
	m   map[string]cachedKey
}

// cachedKey is a record as read; the gateway never changes a key record it was given, so
// every request of the key shares it.
type cachedKey struct {
	k  *store.ClientKey
	at time.Time
}

// maxCachedKeys bounds the cache; past it the cache starts over.
const maxCachedKeys = 10000

func (c *keyCache) get(ctx context.Context, g *Gateway, id string) (*store.ClientKey, error) {
	if c.ttl <= 0 {
		return g.db.ClientKeyByID(ctx, id)
	}
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.m[id]; ok && now.Sub(e.at) < c.ttl {
		c.mu.Unlock()
		return e.k, nil
	}
	c.mu.Unlock()
	k, err := g.db.ClientKeyByID(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= maxCachedKeys {
		c.m = map[string]cachedKey{}
	}
	c.m[id] = cachedKey{k, now}
	c.mu.Unlock()
	return k, nil
}
