package sandbox

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzWrites sends arbitrary bodies and paths to write operations through the handler: the
// sandbox must answer every one with a status below 500 and, for errors, Apple's
// ErrorResponse shape. `go test` runs the seeds; `go test -fuzz FuzzWrites` explores.
func FuzzWrites(f *testing.F) {
	s, c := newTestServer(f, Options{Seed: "demo"})
	h := s.Handler()
	tok := c.token()
	for _, seed := range []struct{ method, path, body string }{
		{"POST", "/v1/appInfoLocalizations", `{"data":{"type":"appInfoLocalizations","attributes":{"locale":"de","name":"x"},"relationships":{"appInfo":{"data":{"type":"appInfos","id":"x"}}}}}`},
		{"POST", "/v1/appInfoLocalizations", `{"data":[]}`},
		{"POST", "/v1/appInfoLocalizations", `{"data":{"type":"appInfoLocalizations","relationships":{"appInfo":{"data":"x"}}}}`},
		{"PATCH", "/v1/apps/1500000001", `{"data":{"type":"apps","id":"1500000001","attributes":{"name":{"a":1}}}}`},
		{"PATCH", "/v1/betaGroups/x/relationships/builds", `{"data":[{"type":"builds"}]}`},
		{"DELETE", "/v1/betaGroups/x/relationships/builds", `null`},
		{"POST", "/v1/appPriceSchedules", `{"data":{"type":"appPriceSchedules"},"included":[{"type":"appPrices"}]}`},
		{"POST", "/v1/appScreenshots", `{"data":{"type":"appScreenshots","attributes":{"fileName":"a","fileSize":-1}}}`},
		{"GET", "/v1/apps?limit=1&cursor=%ff%fe", ``},
		{"GET", "/v1/apps?filter[appStoreVersions.appStoreState]=,,,&sort=-,name", ``},
	} {
		f.Add(seed.method, seed.path, seed.body)
	}
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if !strings.HasPrefix(path, "/v1/") || strings.ContainsAny(path, " \t\r\n#") {
			return
		}
		switch method {
		case "GET", "POST", "PATCH", "DELETE":
		default:
			return
		}
		req, err := http.NewRequest(method, "http://sandbox.test"+path, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, rec.Code, rec.Body)
		}
		if rec.Code >= 400 {
			var doc struct {
				Errors []apiError `json:"errors"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || len(doc.Errors) == 0 || doc.Errors[0].Code == "" {
				t.Fatalf("%s %s %q: %d answer is not an ErrorResponse: %s", method, path, body, rec.Code, rec.Body)
			}
		}
	})
}

// FuzzTokens feeds arbitrary Authorization headers to the token check: every one is either
// accepted (only a real signature can be) or refused with 401 NOT_AUTHORIZED, never a panic.
func FuzzTokens(f *testing.F) {
	s, c := newTestServer(f, Options{Seed: "empty"})
	h := s.Handler()
	good := c.token()
	f.Add("Bearer " + good)
	f.Add("Bearer " + good[:len(good)-2])
	f.Add("Bearer a.b.c")
	f.Add("Bearer eyJhbGciOiJFUzI1NiJ9.e30.AAAA")
	f.Add("bearer  " + good)
	f.Add("Basic dXNlcjpwYXNz")
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest("GET", "http://sandbox.test/v1/apps", nil)
		req.Header.Set("Authorization", header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			if !strings.Contains(header, good) {
				t.Fatalf("accepted a token the sandbox never signed: %q", header)
			}
		case 401:
			if !strings.Contains(rec.Body.String(), `"NOT_AUTHORIZED"`) {
				t.Fatalf("401 without NOT_AUTHORIZED: %s", rec.Body)
			}
		default:
			t.Fatalf("%q: %d %s", header, rec.Code, rec.Body)
		}
	})
}
