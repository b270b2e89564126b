package connector

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
	"github.com/ascend-tools/ascend/store/storetest"
)

type recordingTransport struct {
	mu   sync.Mutex
	sent []*http.Request
	next http.RoundTripper
}

func (t *recordingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.sent = append(t.sent, r.Clone(r.Context()))
	t.mu.Unlock()
	return t.next.RoundTrip(r)
}

// bodySamples are body values the workflows check before any request; "x" would be refused
// unsent.
var bodySamples = map[string]string{"locale": `"en-US"`, "email": `"tester@example.com"`, "productId": `"com.example.sample.coins"`, "price": `"0.99"`, "territory": `"USA"`,
	"versionString": `"2.4.0"`, "earliestReleaseDate": `""`, "buildNumber": `"1"`, "action": `"status"`}

// TestCuratedActionsMatchTheSpec runs every curated action against the sandbox and checks
// each request it sent upstream against Apple's catalog: the path is an operation for the
// method, and every query parameter is one that operation takes (Apple rejects unknown
// parameters).
func TestCuratedActionsMatchTheSpec(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	rec := &recordingTransport{next: http.DefaultTransport}
	db := storetest.Open(t, "sqlite")
	g, err := New(Config{Profiles: []Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}, DB: db, UpstreamTransport: rec, DisableDelivery: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Close() })
	secret, key, _ := NewClientKey("w", "default", store.Write, 0, time.Now())
	if err := db.CreateClientKey(t.Context(), key); err != nil {
		t.Fatal(err)
	}
	ids := strings.NewReplacer("{appId}", "1", "{appInfoId}", "2", "{versionId}", "3", "{localizationId}", "4", "{versionString}", "2.4.0")
	for _, a := range curatedActions {
		target := ids.Replace(a.Pattern)
		q := []string{}
		for _, p := range a.Query {
			v := "x"
			if p.Name == "state" {
				v = "PREPARE_FOR_SUBMISSION"
			} else if p.Type == "integer" {
				v = "5"
			} else if len(p.Enum) > 0 {
				v = p.Enum[0]
			}
			q = append(q, p.Name+"="+v)
		}
		if len(q) > 0 {
			target += "?" + strings.Join(q, "&")
		}
		var body []byte
		if len(a.BodyFields) > 0 {
			parts := []string{}
			for _, f := range a.BodyFields {
				v := `"x"`
				if sample, ok := bodySamples[f.Name]; ok {
					v = sample
				}
				if f.Type == "boolean" {
					v = "true"
				} else if len(f.Enum) > 0 {
					v = `"` + f.Enum[0] + `"`
				}
				parts = append(parts, `"`+f.Name+`":`+v)
			}
			body = []byte("{" + strings.Join(parts, ",") + "}")
		}
		rec.mu.Lock()
		rec.sent = nil
		rec.mu.Unlock()
		r := httptest.NewRequest(a.Method, target, bytes.NewReader(body))
		r.Header.Set("X-API-Key", secret)
		w := httptest.NewRecorder()
		g.ServeHTTP(w, r)
		rec.mu.Lock()
		sent := rec.sent
		rec.mu.Unlock()
		if len(sent) == 0 {
			t.Errorf("%s: nothing was sent upstream (%d %s)", a.ID, w.Code, w.Body)
		}
		for _, s := range sent {
			op, _, ok := spec.Find(s.Method, s.URL.Path)
			if !ok {
				t.Errorf("%s: %s %s is not an App Store Connect operation", a.ID, s.Method, s.URL.Path)
				continue
			}
			if probs := spec.ValidateQuery(op, s.URL.Query()); len(probs) > 0 {
				t.Errorf("%s: %s %s?%s: %+v", a.ID, s.Method, s.URL.Path, s.URL.RawQuery, probs)
			}
		}
		if a.ResourceType != "" {
			if _, ok := spec.Resource(a.ResourceType); !ok {
				t.Errorf("%s: unknown resource type %s", a.ID, a.ResourceType)
			}
		}
		for _, f := range a.BodyFields {
			rt, _ := spec.Resource(a.ResourceType)
			if rt != nil && a.Method == "PATCH" {
				if _, ok := rt.Attributes[f.Name]; !ok {
					t.Errorf("%s: %s has no attribute %s", a.ID, a.ResourceType, f.Name)
				}
			}
		}
	}
}
