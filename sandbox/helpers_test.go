package sandbox

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClient talks to a sandbox with tokens it signs itself, so the tests exercise the
// sandbox's verification independently of asc/auth.
type testClient struct {
	t    testing.TB
	s    *Server
	priv *ecdsa.PrivateKey
	kid  string
	iss  string
	now  func() time.Time
}

func newTestServer(t testing.TB, opts Options) (*Server, *testClient) {
	t.Helper()
	if opts.BurstLimit == 0 {
		opts.BurstLimit = -1
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, clientFor(t, s, s.KeyPEM(), s.Key().ID, s.Key().IssuerID)
}

func clientFor(t testing.TB, s *Server, pemBytes []byte, kid, iss string) *testClient {
	t.Helper()
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatal("key PEM does not decode")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatalf("parse key: %v", err)
	}
	return &testClient{t: t, s: s, priv: k.(*ecdsa.PrivateKey), kid: kid, iss: iss, now: time.Now}
}

// sign makes a JWS with the given header and claims, signing r||s as ES256 requires.
func signJWT(t testing.TB, priv *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(header)
	c, _ := json.Marshal(claims)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, priv, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (c *testClient) token() string {
	now := c.now()
	claims := map[string]any{"aud": "appstoreconnect-v1", "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	if c.iss != "" {
		claims["iss"] = c.iss
	} else {
		claims["sub"] = "user"
	}
	return signJWT(c.t, c.priv, map[string]any{"alg": "ES256", "kid": c.kid, "typ": "JWT"}, claims)
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	body   []byte
	doc    map[string]any
}

func (r *response) errorCode() string {
	errs, _ := r.doc["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	code, _ := errs[0].(map[string]any)["code"].(string)
	return code
}

func (r *response) data() map[string]any { d, _ := r.doc["data"].(map[string]any); return d }
func (r *response) list() []any          { d, _ := r.doc["data"].([]any); return d }

func (c *testClient) do(method, path string, body any) *response {
	c.t.Helper()
	return c.doToken(method, path, body, c.token())
}

func (c *testClient) doToken(method, path string, body any, tok string) *response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	target := path
	if strings.HasPrefix(path, "/") {
		target = c.s.URL() + path
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, target, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	out := &response{status: resp.StatusCode, header: resp.Header, body: data}
	if len(data) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(data, &out.doc); err != nil {
			c.t.Fatalf("%s %s: answer is not JSON: %v\n%s", method, path, err, data)
		}
	}
	recordForValidation(c.t, method, path, out)
	return out
}

// must fails the test unless the answer has the status.
func (r *response) must(t testing.TB, status int) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

func attr(res map[string]any, name string) any {
	a, _ := res["attributes"].(map[string]any)
	return a[name]
}

// fakeClock is a clock tests move by hand, for token times and state machines alike.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_800_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newClockedServer starts a sandbox on a fake clock shared with its client.
func newClockedServer(t testing.TB, opts Options) (*Server, *testClient, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	opts.Now = clk.Now
	s, c := newTestServer(t, opts)
	c.now = clk.Now
	return s, c, clk
}

// step moves the fake clock and runs the timers that came due.
func step(s *Server, clk *fakeClock, d time.Duration) {
	clk.add(d)
	s.runDue()
}

// resource builds a JSON:API create or update body.
func resource(typ, id string, attrs map[string]any, rels map[string]any) map[string]any {
	d := map[string]any{"type": typ}
	if id != "" {
		d["id"] = id
	}
	if attrs != nil {
		d["attributes"] = attrs
	}
	if rels != nil {
		r := map[string]any{}
		for k, v := range rels {
			switch v := v.(type) {
			case [2]string:
				r[k] = map[string]any{"data": map[string]any{"type": v[0], "id": v[1]}}
			case [][2]string:
				var l []any
				for _, x := range v {
					l = append(l, map[string]any{"type": x[0], "id": x[1]})
				}
				r[k] = map[string]any{"data": l}
			}
		}
		d["relationships"] = r
	}
	return map[string]any{"data": d}
}

func id(res map[string]any) string { return res["id"].(string) }

// findOne returns the first item of a list answer whose attribute has the value.
func findOne(t testing.TB, c *testClient, path, attrName string, value any) map[string]any {
	t.Helper()
	for _, it := range c.do("GET", path, nil).must(t, 200).list() {
		m := it.(map[string]any)
		if attr(m, attrName) == value {
			return m
		}
	}
	t.Fatalf("%s has no item with %s = %v", path, attrName, value)
	return nil
}
