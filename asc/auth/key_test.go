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
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// testPEM returns a fresh PKCS#8 PEM P-256 key; keys are never stored in the repository.
func testPEM(t testing.TB) []byte {
	t.Helper()
	_, p, err := GenerateKey("TESTKEY123", "")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func pemOf(t testing.TB, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8Of(t testing.TB, k any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// assertNoKeyMaterial fails when msg contains any 12-character run of the base64 body of
// pemText, or a PEM armour line.
func assertNoKeyMaterial(t *testing.T, msg string, pemText []byte) {
	t.Helper()
	if strings.Contains(msg, "-----") {
		t.Errorf("message contains PEM armour: %q", msg)
	}
	var body strings.Builder
	for line := range strings.SplitSeq(string(pemText), "\n") {
		if !strings.HasPrefix(line, "-----") {
			body.WriteString(strings.TrimSpace(line))
		}
	}
	b := body.String()
	const window = 12
	for i := 0; i+window <= len(b); i++ {
		if strings.Contains(msg, b[i:i+window]) {
			t.Fatalf("message contains key material at offset %d", i)
		}
	}
}

func TestNewKeyErrors(t *testing.T) {
	t.Parallel()
	ec256, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ec384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sec1, err := x509.MarshalECPrivateKey(ec256)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(&ec256.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	good := pemOf(t, "PRIVATE KEY", pkcs8Of(t, ec256))
	// An encrypted PKCS#8 body cannot be produced by the standard library; the label is
	// what identifies it, so random bytes stand in for the ciphertext.
	cipher := make([]byte, 200)
	_, _ = rand.Read(cipher)

	tests := []struct {
		name string
		id   string
		pem  []byte
		want string // substring of the message
	}{
		{"empty key id", "", good, "key id for the key is empty"},
		{"blank key id", "  ", good, "key id for the key is empty"},
		{"key id with space", "AB C", good, "contains spaces"},
		{"empty text", "K1", nil, "the key is empty"},
		{"not PEM", "K1", []byte("this is not a key at all, just some words"), "is not a PEM private key"},
		{"base64 without armour", "K1", []byte("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"), "is not a PEM private key"},
		{"SEC1 EC PRIVATE KEY", "K1", pemOf(t, "EC PRIVATE KEY", sec1), "openssl pkcs8 -topk8 -nocrypt"},
		{"SEC1 body under PKCS#8 label", "K1", pemOf(t, "PRIVATE KEY", sec1), "SEC1 EC key under a PKCS#8 label"},
		{"RSA PKCS#8", "K1", pemOf(t, "PRIVATE KEY", pkcs8Of(t, rsaKey)), "is an RSA key"},
		{"RSA PKCS#1", "K1", pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)), "is an RSA key"},
		{"P-384", "K1", pemOf(t, "PRIVATE KEY", pkcs8Of(t, ec384)), "uses curve P-384"},
		{"Ed25519", "K1", pemOf(t, "PRIVATE KEY", pkcs8Of(t, edKey)), "is an Ed25519 key"},
		{"encrypted", "K1", pemOf(t, "ENCRYPTED PRIVATE KEY", cipher), "is encrypted with a passphrase"},
		{"public key", "K1", pemOf(t, "PUBLIC KEY", pub), "holds a public key"},
		{"certificate only", "K1", pemOf(t, "CERTIFICATE", cipher), "holds a certificate"},
		{"damaged PKCS#8", "K1", pemOf(t, "PRIVATE KEY", cipher), "is damaged"},
		{"other private key label", "K1", pemOf(t, "OPENSSH PRIVATE KEY", cipher), `"OPENSSH PRIVATE KEY" block`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := NewKey(tc.id, "", tc.pem)
			if err == nil {
				t.Fatalf("NewKey succeeded with %v", k)
			}
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("error %T is not a *KeyError: %v", err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not contain %q", msg, tc.want)
			}
			if msg != strings.ToLower(msg[:1])+msg[1:] || strings.Contains(msg, "\n") {
				t.Errorf("message %q is not one lower-case line", msg)
			}
			if !strings.Contains(msg, ":") {
				t.Errorf("message %q does not say what to do", msg)
			}
			assertNoKeyMaterial(t, msg, tc.pem)
		})
	}
}

func TestNewKeyAccepts(t *testing.T) {
	t.Parallel()
	good := testPEM(t)
	escaped := bytes.ReplaceAll(bytes.TrimSpace(good), []byte("\n"), []byte(`\n`))
	crlf := bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n"))
	ecParams := append(pemOf(t, "EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}), good...)
	tests := []struct {
		name     string
		issuer   string
		pem      []byte
		wantIndv bool
	}{
		{"plain team key", "57246542-96fe-1a63-e053-0824d011072a", good, false},
		{"individual key", "", good, true},
		{"escaped newlines", "iss", escaped, false},
		{"CRLF line ends", "iss", crlf, false},
		{"surrounding whitespace", "iss", append(append([]byte("\n  "), good...), "\n\n"...), false},
		{"EC PARAMETERS block first", "iss", ecParams, false},
		{"certificate before the key", "iss", append(pemOf(t, "CERTIFICATE", []byte{1, 2, 3}), good...), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k, err := NewKey("ABC1234567", tc.issuer, tc.pem)
			if err != nil {
				t.Fatal(err)
			}
			if k.Individual() != tc.wantIndv {
				t.Errorf("Individual() = %v, want %v", k.Individual(), tc.wantIndv)
			}
			if k.PublicKey() == nil || k.PublicKey().Curve != elliptic.P256() {
				t.Errorf("PublicKey() = %v, want a P-256 key", k.PublicKey())
			}
		})
	}
}

func TestLoadKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := testPEM(t)
	named := filepath.Join(dir, "AuthKey_2X9R4HXF34.p8")
	if err := os.WriteFile(named, good, 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(other, good, 0o600); err != nil {
		t.Fatal(err)
	}
	unreadable := filepath.Join(dir, "AuthKey_LOCKED.p8")
	if err := os.WriteFile(unreadable, good, 0o000); err != nil {
		t.Fatal(err)
	}

	t.Run("id from file name", func(t *testing.T) {
		k, err := LoadKeyFile(named, "", "iss")
		if err != nil {
			t.Fatal(err)
		}
		if k.ID != "2X9R4HXF34" {
			t.Errorf("ID = %q, want the id from the file name", k.ID)
		}
	})
	t.Run("explicit id wins", func(t *testing.T) {
		k, err := LoadKeyFile(named, "OTHERID123", "iss")
		if err != nil {
			t.Fatal(err)
		}
		if k.ID != "OTHERID123" {
			t.Errorf("ID = %q, want OTHERID123", k.ID)
		}
	})

	errCases := []struct {
		name, path, id, want string
		is                   error
		skip                 string
	}{
		{name: "missing", path: filepath.Join(dir, "AuthKey_NOPE.p8"), want: "does not exist", is: fs.ErrNotExist},
		{name: "directory", path: dir, id: "K1", want: "is a directory"},
		{name: "no id and no Apple name", path: other, want: "key id for key file " + other + " is empty"},
		{name: "unreadable", path: unreadable, want: "is not readable", is: fs.ErrPermission,
			skip: skipIfRootOrWindows()},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			_, err := LoadKeyFile(tc.path, tc.id, "")
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("error %v is not a *KeyError", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("message %q should contain %q and the path", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("errors.Is(%v, %v) = false", err, tc.is)
			}
		})
	}
}

func skipIfRootOrWindows() string {
	if runtime.GOOS == "windows" {
		return "file modes do not deny reading on windows"
	}
	if os.Geteuid() == 0 {
		return "running as root, which can read any file"
	}
	return ""
}

// TestKeyNeverPrintsMaterial formats a Key every way fmt and slog can and checks that the
// private scalar and the PEM never appear.
func TestKeyNeverPrintsMaterial(t *testing.T) {
	t.Parallel()
	k, pemBytes, err := GenerateKey("ABC1234567", "issuer-1")
	if err != nil {
		t.Fatal(err)
	}
	d := k.priv.k.D
	secrets := []string{d.String(), d.Text(16), fmt.Sprintf("%x", d.Bytes())}
	type holder struct {
		hidden Key
		Shown  *Key
	}
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("loaded", "key", k, "value", *k)
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("loaded", "key", k)

	outputs := map[string]string{
		"%v ptr":    fmt.Sprintf("%v", k),
		"%+v ptr":   fmt.Sprintf("%+v", k),
		"%#v ptr":   fmt.Sprintf("%#v", k),
		"%v value":  fmt.Sprintf("%v", *k),
		"%+v value": fmt.Sprintf("%+v", *k),
		"%#v value": fmt.Sprintf("%#v", *k),
		"%s":        fmt.Sprintf("%s", k),
		"%q":        fmt.Sprintf("%q", k),
		"%x":        fmt.Sprintf("%x", *k),
		"%d":        fmt.Sprintf("%d", *k),
		"holder +v": fmt.Sprintf("%+v", holder{hidden: *k, Shown: k}),
		"holder #v": fmt.Sprintf("%#v", holder{hidden: *k, Shown: k}),
		"secret +v": fmt.Sprintf("%+v %#v", k.priv, k.priv),
		"String":    k.String(),
		"GoString":  k.GoString(),
		"slog":      logBuf.String(),
	}
	for name, out := range outputs {
		for _, s := range secrets {
			if strings.Contains(out, s) {
				t.Errorf("%s output %q contains the private key", name, out)
			}
		}
		assertNoKeyMaterial(t, out, pemBytes)
	}
	if got := k.String(); got != "key ABC1234567 (team)" {
		t.Errorf("String() = %q", got)
	}
	if got := (&Key{ID: "X"}).String(); got != "key X (individual)" {
		t.Errorf("String() = %q", got)
	}
	if !strings.Contains(outputs["%#v ptr"], `IssuerID:"issuer-1"`) {
		t.Errorf("%%#v = %q, want the public fields", outputs["%#v ptr"])
	}
	if !strings.Contains(logBuf.String(), `"id":"ABC1234567"`) {
		t.Errorf("slog output %q lacks the key id", logBuf.String())
	}
}

func TestGenerateKeyRoundTrip(t *testing.T) {
	t.Parallel()
	k, p, err := GenerateKey("GEN1234567", "iss")
	if err != nil {
		t.Fatal(err)
	}
	back, err := NewKey(k.ID, k.IssuerID, p)
	if err != nil {
		t.Fatal(err)
	}
	if !back.PublicKey().Equal(k.PublicKey()) {
		t.Error("the PEM from GenerateKey does not hold the generated key")
	}
	if _, _, err := GenerateKey("", "iss"); err == nil {
		t.Error("GenerateKey accepted an empty key id")
	}
}

// TestOpenSSLInterop checks that keys made by openssl load, and that the conversions the
// error messages advise really produce a loadable key.
func TestOpenSSLInterop(t *testing.T) {
	t.Parallel()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("skipping: openssl is not installed, so keys made by it cannot be checked")
	}
	dir := t.TempDir()
	run := func(t *testing.T, args ...string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), openssl, args...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("openssl %s: %v (%d bytes of output)", args[0], err, len(out))
		}
	}
	load := func(t *testing.T, name string) (*Key, error) {
		t.Helper()
		return LoadKeyFile(filepath.Join(dir, name), "K1", "iss")
	}

	run(t, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "gen.p8")
	if _, err := load(t, "gen.p8"); err != nil {
		t.Fatalf("openssl genpkey P-256 key: %v", err)
	}

	run(t, "ecparam", "-name", "prime256v1", "-genkey", "-out", "sec1.pem")
	_, err = load(t, "sec1.pem")
	if err == nil || !strings.Contains(err.Error(), "openssl pkcs8 -topk8 -nocrypt") {
		t.Fatalf("SEC1 key from openssl ecparam: got %v, want the conversion advice", err)
	}
	run(t, "pkcs8", "-topk8", "-nocrypt", "-in", "sec1.pem", "-out", "converted.p8")
	if _, err := load(t, "converted.p8"); err != nil {
		t.Fatalf("key converted as advised: %v", err)
	}

	run(t, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:test-only", "-in", "gen.p8", "-out", "enc.p8")
	_, err = load(t, "enc.p8")
	if err == nil || !strings.Contains(err.Error(), "openssl pkey -in") {
		t.Fatalf("encrypted key: got %v, want the decryption advice", err)
	}
	run(t, "pkey", "-passin", "pass:test-only", "-in", "enc.p8", "-out", "dec.p8")
	if _, err := load(t, "dec.p8"); err != nil {
		t.Fatalf("key decrypted as advised: %v", err)
	}
}

// TestLoadKeyFileGivenTheKeyItself covers a common mix-up: the text of the .p8 file passed
// where its path belongs (--private-key-path "$(cat AuthKey.p8)", or a CI secret stored in
// ASC_PRIVATE_KEY_PATH). The error must say what happened without echoing the key.
func TestLoadKeyFileGivenTheKeyItself(t *testing.T) {
	t.Parallel()
	pemText := string(testPEM(t))
	body := strings.Split(strings.TrimSpace(pemText), "\n")[1] // a line of key material
	for name, path := range map[string]string{
		"pem text":          pemText,
		"escaped newlines":  strings.ReplaceAll(pemText, "\n", `\n`),
		"base64 body alone": body,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := LoadKeyFile(path, "K1", "")
			var ke *KeyError
			if !errors.As(err, &ke) {
				t.Fatalf("error %v is not a *KeyError", err)
			}
			if strings.Contains(err.Error(), body) || strings.Contains(err.Error(), "BEGIN") {
				t.Errorf("message repeats the key: %q", err)
			}
			if name != "base64 body alone" && !strings.Contains(err.Error(), "is the key itself") {
				t.Errorf("message %q should say the path holds the key itself", err)
			}
		})
	}
}

func TestKeyKind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ issuer, want string }{{"57246542-96fe-1a63-e053-0824d011072a", "team"}, {"", "individual"}} {
		k, _, err := GenerateKey("K1", tc.issuer)
		if err != nil {
			t.Fatal(err)
		}
		if k.Kind() != tc.want || k.String() != "key K1 ("+tc.want+")" {
			t.Errorf("issuer %q: Kind %q, String %q; want %s", tc.issuer, k.Kind(), k, tc.want)
		}
	}
}
