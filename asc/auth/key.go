package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
)

// Key is an App Store Connect API key: its id, the issuer id of the team it belongs to (empty
// for an individual key) and the private key that signs tokens.
//
// A Key never prints its private key: String, GoString, Format and LogValue show only the ids,
// so a Key can be logged or wrapped in an error safely.
type Key struct {
	// ID is the key id shown in App Store Connect, sent as the token's kid header.
	ID string
	// IssuerID is the team's issuer id, sent as iss. Empty means an individual key.
	IssuerID string
	// InHouse marks an enterprise (in-house) team key, as fastlane's api-key JSON records it.
	InHouse bool
	// TokenLifetime is the lifetime of the tokens k signs when TokenOptions.Lifetime is zero
	// (fastlane's duration); zero means DefaultLifetime.
	TokenLifetime time.Duration

	priv secretKey
}

// secretKey wraps the private key so that even reflection-based printers that bypass Key's
// own methods (for example a Key held in another struct's unexported field) show nothing
// but a placeholder.
type secretKey struct{ k *ecdsa.PrivateKey }

func (secretKey) String() string                { return "[redacted]" }
func (secretKey) GoString() string              { return "[redacted]" }
func (secretKey) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte("[redacted]")) }
func (secretKey) LogValue() slog.Value          { return slog.StringValue("[redacted]") }
func (secretKey) MarshalText() ([]byte, error)  { return []byte("[redacted]"), nil }

// Individual reports whether k is an individual key, whose tokens carry sub "user" and no
// issuer.
func (k *Key) Individual() bool { return k.IssuerID == "" }

// PublicKey returns the public half of k, which is what a server (or a test) needs to verify
// the tokens k signs.
func (k *Key) PublicKey() *ecdsa.PublicKey {
	if k == nil || k.priv.k == nil {
		return nil
	}
	return &k.priv.k.PublicKey
}

// Kind is "individual" for an individual key and "team" otherwise, the word App Store Connect
// uses for each.
func (k Key) Kind() string {
	if k.Individual() {
		return "individual"
	}
	return "team"
}

// String describes k by id and kind, for example "key ABC123 (team)"; it never includes key
// material.
func (k Key) String() string {
	return fmt.Sprintf("key %s (%s)", k.ID, k.Kind())
}

// GoString keeps %#v as safe as %v: it shows the public fields only.
func (k Key) GoString() string {
	return fmt.Sprintf("auth.Key{ID:%q, IssuerID:%q, InHouse:%t}", k.ID, k.IssuerID, k.InHouse)
}

// Format makes every fmt verb print the safe description, so that %v, %+v, %#v, %s and %q
// can never reach the private key through fmt's reflection.
func (k Key) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		_, _ = f.Write([]byte(k.GoString()))
	case verb == 'q':
		_, _ = fmt.Fprintf(f, "%q", k.String())
	default:
		_, _ = f.Write([]byte(k.String()))
	}
}

// LogValue lets log/slog record a Key as its ids only.
func (k Key) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("id", k.ID), slog.String("kind", k.Kind())}
	if k.IssuerID != "" {
		attrs = append(attrs, slog.String("issuer_id", k.IssuerID))
	}
	return slog.GroupValue(attrs...)
}

// KeyError reports a key that cannot be loaded. Reason is a complete, lower-case sentence
// saying what is wrong and what to do; it may name the file but never contains key material.
type KeyError struct {
	Reason string
	// Err is the underlying cause when there is one that callers may test with errors.Is,
	// such as fs.ErrNotExist for a missing file. Its text is never part of Error.
	Err error
}

func (e *KeyError) Error() string { return e.Reason }

// Unwrap exposes the underlying cause to errors.Is and errors.As.
func (e *KeyError) Unwrap() error { return e.Err }

func keyErrorf(format string, args ...any) *KeyError {
	return &KeyError{Reason: fmt.Sprintf(format, args...)}
}

// NewKey parses pemBytes, the contents of an AuthKey_<KEYID>.p8 file, into a Key. Escaped
// newlines ("\n" written as two characters, as environment variables and JSON often carry
// them) are accepted. An empty issuerID makes an individual key.
func NewKey(id, issuerID string, pemBytes []byte) (*Key, error) {
	return newKey("the key", id, issuerID, pemBytes)
}

// LoadKeyFile reads the .p8 file at path. When id is empty and the file has Apple's name,
// AuthKey_<KEYID>.p8, the key id is taken from the name.
func LoadKeyFile(path, id, issuerID string) (*Key, error) {
	if strings.TrimSpace(id) == "" {
		id = keyIDFromFileName(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		// The message names the path; when the "path" is really the key (or looks like it),
		// naming it would print the secret.
		switch kind := secretShape(path); {
		case kind == "pem":
			return nil, &KeyError{Err: err, Reason: "the key file path given is the key itself (PEM text), not a path: " +
				"pass the path of the AuthKey_<KEYID>.p8 file, or put the PEM text in ASC_PRIVATE_KEY"}
		case kind == "encoded":
			path = "(name not shown: it looks like key material, not a file path)"
		}
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, &KeyError{Err: err, Reason: fmt.Sprintf(
				"key file %s does not exist: check the path to the AuthKey_<KEYID>.p8 file you downloaded from App Store Connect", path)}
		case errors.Is(err, fs.ErrPermission):
			return nil, &KeyError{Err: err, Reason: fmt.Sprintf(
				"key file %s is not readable: check its permissions (chmod 600 for the owner)", path)}
		default:
			if st, serr := os.Stat(path); serr == nil && st.IsDir() {
				return nil, &KeyError{Err: err, Reason: fmt.Sprintf(
					"key file %s is a directory: pass the path of the AuthKey_<KEYID>.p8 file inside it", path)}
			}
			return nil, &KeyError{Err: err, Reason: fmt.Sprintf(
				"key file %s cannot be read: check that the path names a readable .p8 file", path)}
		}
	}
	return newKey("key file "+path, id, issuerID, data)
}

// secretShape tells whether s, given as a file path, looks like key material instead: "pem"
// for PEM text (whole, or with its newlines escaped), "encoded" for a long run of base64 with
// no file extension (a key's body pasted without its PEM lines), "" for a plausible path.
func secretShape(s string) string {
	if strings.Contains(s, "-----") || strings.Contains(s, "PRIVATE KEY") ||
		strings.ContainsAny(s, "\r\n") || strings.Contains(s, `\n`) {
		return "pem"
	}
	if len(s) >= 40 && !strings.Contains(s, ".") && !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/' || r == '=')
	}) {
		return "encoded"
	}
	return ""
}

// keyIDFromFileName returns KEYID for a path ending in AuthKey_KEYID.p8, or "".
func keyIDFromFileName(path string) string {
	base := filepath.Base(path)
	id, ok := strings.CutPrefix(base, "AuthKey_")
	if !ok {
		return ""
	}
	id, ok = strings.CutSuffix(id, ".p8")
	if !ok {
		return ""
	}
	return id
}

// newKey is the shared parser; src names where the key came from ("key file /x/AuthKey.p8")
// so that messages can point at it without quoting it.
func newKey(src, id, issuerID string, pemBytes []byte) (*Key, error) {
	id = strings.TrimSpace(id)
	issuerID = strings.TrimSpace(issuerID)
	if id == "" {
		return nil, keyErrorf("the key id for %s is empty: pass the key id shown next to the key in App Store Connect (Users and Access > Integrations), e.g. --key-id or ASC_KEY_ID", src)
	}
	if strings.ContainsFunc(id, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return nil, keyErrorf("the key id for %s contains spaces or control characters: pass the key id exactly as App Store Connect shows it", src)
	}
	priv, err := parsePrivateKey(src, pemBytes)
	if err != nil {
		return nil, err
	}
	return &Key{ID: id, IssuerID: issuerID, priv: secretKey{priv}}, nil
}

// parsePrivateKey finds the private key block in data and checks it is what Apple issues:
// unencrypted PKCS#8 holding an EC P-256 key. Each other shape gets its own advice.
func parsePrivateKey(src string, data []byte) (*ecdsa.PrivateKey, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, keyErrorf("%s is empty: use the contents of the AuthKey_<KEYID>.p8 file downloaded from App Store Connect", src)
	}
	// Environment variables and JSON often carry the PEM with its newlines written as "\n".
	if !bytes.Contains(data, []byte("\n")) && bytes.Contains(data, []byte(`\n`)) {
		data = bytes.ReplaceAll(data, []byte(`\n`), []byte("\n"))
	}
	rest := data
	other := "" // the first block that is not a private key, for the message
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "PRIVATE KEY":
			return parsePKCS8(src, block.Bytes)
		case "EC PRIVATE KEY":
			return nil, keyErrorf("%s is a SEC1 \"EC PRIVATE KEY\", not PKCS#8: convert it with openssl pkcs8 -topk8 -nocrypt -in OLD.pem -out AuthKey_<KEYID>.p8", src)
		case "ENCRYPTED PRIVATE KEY":
			return nil, keyErrorf("%s is encrypted with a passphrase: decrypt it with openssl pkey -in ENCRYPTED.p8 -out AuthKey_<KEYID>.p8 (it asks for the passphrase) and keep the result private", src)
		case "RSA PRIVATE KEY":
			return nil, keyErrorf("%s is an RSA key, but App Store Connect keys are EC P-256: generate an API key in App Store Connect (Users and Access > Integrations) and use its .p8 file", src)
		}
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, keyErrorf("%s is a %q block, not a PKCS#8 \"PRIVATE KEY\": use the AuthKey_<KEYID>.p8 file downloaded from App Store Connect", src, block.Type)
		}
		// Other blocks (the curve name openssl ecparam writes, a certificate in a bundle)
		// may precede the key; keep looking.
		if other == "" && block.Type != "EC PARAMETERS" {
			other = strings.ToLower(block.Type)
		}
	}
	if other != "" {
		return nil, keyErrorf("%s holds a %s, not a private key: use the AuthKey_<KEYID>.p8 file downloaded from App Store Connect", src, other)
	}
	return nil, keyErrorf("%s is not a PEM private key: expected the text of the AuthKey_<KEYID>.p8 file from App Store Connect, whose first line reads BEGIN PRIVATE KEY", src)
}

func parsePKCS8(src string, der []byte) (*ecdsa.PrivateKey, error) {
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		// A SEC1 or PKCS#1 body under a "PRIVATE KEY" label is a common hand-edit mistake.
		if _, e := x509.ParseECPrivateKey(der); e == nil {
			return nil, keyErrorf("%s holds a SEC1 EC key under a PKCS#8 label: convert it with openssl pkcs8 -topk8 -nocrypt -in OLD.pem -out AuthKey_<KEYID>.p8", src)
		}
		if _, e := x509.ParsePKCS1PrivateKey(der); e == nil {
			return nil, keyErrorf("%s is an RSA key, but App Store Connect keys are EC P-256: generate an API key in App Store Connect (Users and Access > Integrations) and use its .p8 file", src)
		}
		return nil, keyErrorf("%s is damaged: its PEM block is not valid PKCS#8; download the key again or check that it was copied whole", src)
	}
	switch k := parsed.(type) {
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, keyErrorf("%s uses curve %s, but App Store Connect keys use P-256: use the .p8 file downloaded from App Store Connect", src, k.Curve.Params().Name)
		}
		return k, nil
	case *rsa.PrivateKey:
		return nil, keyErrorf("%s is an RSA key, but App Store Connect keys are EC P-256: generate an API key in App Store Connect (Users and Access > Integrations) and use its .p8 file", src)
	case ed25519.PrivateKey:
		return nil, keyErrorf("%s is an Ed25519 key, but App Store Connect keys are EC P-256: use the .p8 file downloaded from App Store Connect", src)
	default:
		return nil, keyErrorf("%s is a %T key, but App Store Connect keys are EC P-256: use the .p8 file downloaded from App Store Connect", src, parsed)
	}
}

// GenerateKey makes a new P-256 key, for tests and the sandbox, and returns it with its
// PKCS#8 PEM encoding (the same shape as an AuthKey_<KEYID>.p8 file). An empty issuerID makes
// an individual key.
func GenerateKey(id, issuerID string) (*Key, []byte, error) {
	if strings.TrimSpace(id) == "" {
		return nil, nil, keyErrorf("the key id is empty: pass a key id to generate a key for")
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generate P-256 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("encode generated key as PKCS#8: %w", err)
	}
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	return &Key{ID: strings.TrimSpace(id), IssuerID: strings.TrimSpace(issuerID), priv: secretKey{priv}}, pemBytes, nil
}
