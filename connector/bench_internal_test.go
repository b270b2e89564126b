package connector

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

// replay answers every request with one answer the sandbox gave, so a benchmark measures
// the gateway's own work without the upstream's.
type replay struct {
	header http.Header
	body   []byte
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{StatusCode: 200, Header: r.header.Clone(), Body: io.NopCloser(bytes.NewReader(r.body)),
		ContentLength: int64(len(r.body)), Request: req}, nil
}

type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// BenchmarkPassthrough is the gateway's handler for GET /v1/apps?limit=1 with the key cache
// on, answered by a replay of the sandbox's answer: the CPU and allocations the gateway's
// own code spends per request (the HTTP server and client around it not included).
func BenchmarkPassthrough(b *testing.B) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	req, _ := http.NewRequest("GET", sb.URL()+"/v1/apps?limit=1", nil)
	tok, _ := sb.Key().Sign(auth.TokenOptions{})
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	db := storetest.Open(b, "sqlite")
	g, err := New(Config{Profiles: []Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, DisableDelivery: true,
		KeyCacheTTL: time.Hour, UpstreamTransport: &replay{header: resp.Header, body: body}})
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	secret, rec, _ := NewClientKey("bench", "default", store.Read, 0, time.Now())
	db.CreateClientKey(b.Context(), rec)
	r := httptest.NewRequest("GET", "http://gw.example.com/v1/apps?limit=1", nil)
	r.Header.Set("X-API-Key", secret)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		g.ServeHTTP(&discardWriter{h: http.Header{}}, r)
	}
}

// BenchmarkRewriteLinks rewrites the links of a sandbox answer for GET /v1/apps?limit=1.
func BenchmarkRewriteLinks(b *testing.B) {
	sb, err := sandbox.New(sandbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer sb.Close()
	req, _ := http.NewRequest("GET", sb.URL()+"/v1/apps?limit=1", nil)
	tok, _ := sb.Key().Sign(auth.TokenOptions{})
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.Logf("%d bytes, %d upstream URLs", len(body), bytes.Count(body, []byte(sb.URL())))
	var out bytes.Buffer
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out.Reset()
		rewriteLinksTo(&out, body, sb.URL(), "https://gw.example.com")
	}
}
