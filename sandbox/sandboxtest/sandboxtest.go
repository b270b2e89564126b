// Package sandboxtest starts sandboxes for tests: one per test, closed when the test ends,
// with clients signed by its keys, its request counts read in process, and its fault rules.
// Every package's tests start their sandboxes here rather than keeping their own helpers.
package sandboxtest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
)

// Sandbox is a sandbox started for one test.
type Sandbox struct {
	*sandbox.Server
	t testing.TB
}

// Start starts a sandbox with opts and closes it when the test ends. A zero BurstLimit turns
// the burst limit off: a test is about Apple's burst limit only when it sets one.
func Start(t testing.TB, opts sandbox.Options) *Sandbox {
	t.Helper()
	if opts.BurstLimit == 0 {
		opts.BurstLimit = -1
	}
	s, err := sandbox.New(opts)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return &Sandbox{Server: s, t: t}
}

// QuickRetries is the retry policy of Client: five attempts, 5 ms growing to 50 ms, so faults
// cost a test milliseconds.
var QuickRetries = asc.RetryPolicy{MaxAttempts: 5, BaseDelay: 5 * time.Millisecond, MaxDelay: 50 * time.Millisecond}

// Client is an asc client signed with the sandbox's key, with a rate budget of its own and
// QuickRetries; opts come after those, so they can replace them.
func (sb *Sandbox) Client(opts ...asc.Option) *asc.Client {
	sb.t.Helper()
	base := []asc.Option{asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key()), asc.WithRateBudget(asc.NewRateBudget()), asc.WithRetryPolicy(QuickRetries)}
	c, err := asc.NewClient(append(base, opts...)...)
	if err != nil {
		sb.t.Fatalf("sandbox client: %v", err)
	}
	return c
}

// ReadOnlyClient is Client signed with the read-only key (Options.ReadOnlyKey).
func (sb *Sandbox) ReadOnlyClient(opts ...asc.Option) *asc.Client {
	sb.t.Helper()
	if sb.ReadOnlyKey() == nil {
		sb.t.Fatal("the sandbox has no read-only key: start it with Options.ReadOnlyKey")
	}
	return sb.Client(append([]asc.Option{asc.WithKey(sb.ReadOnlyKey())}, opts...)...)
}

// Fail replaces the sandbox's fault rules; a rule that makes no sense fails the test.
func (sb *Sandbox) Fail(rules ...sandbox.FaultRule) {
	sb.t.Helper()
	if err := sb.SetFaultRules(rules...); err != nil {
		sb.t.Fatal(err)
	}
}

// Writes is how many requests could have changed something (POST, PATCH, DELETE, and PUT of
// upload parts) since start or the last Reset.
func (sb *Sandbox) Writes() int {
	m := sb.Stats().ByMethod
	return m["POST"] + m["PATCH"] + m["DELETE"] + m["PUT"]
}

// Count is how many requests a route had: "GET /v1/apps/{id}", "PUT /sandbox/upload/{token}/{part}".
func (sb *Sandbox) Count(route string) int { return sb.Stats().ByRoute[route] }

// Credentials writes the sandbox's credentials (credentials.json, the api-key JSON with
// base_url, and AuthKey_<KEYID>.p8) into a temporary folder and returns the JSON's path.
func (sb *Sandbox) Credentials() string {
	sb.t.Helper()
	dir := sb.t.TempDir()
	if err := sb.WriteCredentials(dir); err != nil {
		sb.t.Fatal(err)
	}
	return filepath.Join(dir, "credentials.json")
}

// PNG is a flat PNG image of w x h pixels, cheap to make, for screenshot uploads (the
// sandbox holds screenshots to their display type's sizes); images of another variant differ
// in their first pixels, so their checksums differ.
func PNG(t testing.TB, w, h, variant int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xc0
	}
	img.Set(0, 0, color.Gray{Y: uint8(variant)})
	img.Set(1, 0, color.Gray{Y: uint8(variant >> 8)})
	var buf bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// WritePNG writes PNG(w, h, variant) to path (creating its folder).
func WritePNG(t testing.TB, path string, w, h, variant int) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, PNG(t, w, h, variant), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Add stores a fixture resource (see sandbox.Server.Add) and returns its id; an error fails
// the test.
func (sb *Sandbox) Add(typ string, attrs map[string]any, rels map[string]string) string {
	sb.t.Helper()
	return sb.AddWithID(typ, "", attrs, rels)
}

// AddWithID is Add with a fixed id.
func (sb *Sandbox) AddWithID(typ, id string, attrs map[string]any, rels map[string]string) string {
	sb.t.Helper()
	got, err := sb.Server.AddWithID(typ, id, attrs, rels)
	if err != nil {
		sb.t.Fatal(err)
	}
	return got
}

// Set changes one attribute of a stored resource (see sandbox.Server.SetAttribute).
func (sb *Sandbox) Set(typ, id, attr string, value any) {
	sb.t.Helper()
	if err := sb.SetAttribute(typ, id, attr, value); err != nil {
		sb.t.Fatal(err)
	}
}

// Expire makes an asset's upload URLs expire (see sandbox.Server.ExpireUpload).
func (sb *Sandbox) Expire(typ, id string) {
	sb.t.Helper()
	if err := sb.ExpireUpload(typ, id); err != nil {
		sb.t.Fatal(err)
	}
}
