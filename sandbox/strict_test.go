package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newHandlerServer serves a sandbox through httptest, with hooks set before any request, so
// a test can replace s.pause without racing the server's goroutines.
func newHandlerServer(t *testing.T, opts Options, setup func(s *Server)) (*Server, *testClient) {
	t.Helper()
	if opts.BurstLimit == 0 {
		opts.BurstLimit = -1
	}
	s, err := newServer(opts)
	if err != nil {
		t.Fatalf("newServer: %v", err)
	}
	if setup != nil {
		setup(s)
	}
	ts := httptest.NewServer(s.Handler())
	s.url = ts.URL
	t.Cleanup(func() { ts.Close(); _ = s.closeState() })
	return s, clientFor(t, s, s.KeyPEM(), s.Key().ID, s.Key().IssuerID)
}

// A panic while answering is Apple's 500 ErrorResponse, counted under its route, and leaves
// the sandbox serving (no lock held, no dropped connection).
func TestPanicIsA500ErrorResponse(t *testing.T) {
	var armed atomic.Bool
	s, c := newHandlerServer(t, Options{}, func(s *Server) {
		s.pause = func(context.Context, time.Duration) {
			if armed.Load() {
				panic("sandbox bug")
			}
		}
	})
	armed.Store(true)
	for _, path := range []string{"/v1/apps", "/v1/apps/nope"} {
		r := c.do("GET", path, nil)
		if r.status != http.StatusInternalServerError || r.errorCode() != "UNEXPECTED_ERROR" {
			t.Fatalf("GET %s after a panic: %d %s, want 500 UNEXPECTED_ERROR", path, r.status, r.body)
		}
	}
	if n := s.Stats().ByRoute["GET /v1/apps"]; n != 1 {
		t.Fatalf("stats count GET /v1/apps %d times, want 1: %+v", n, s.Stats().ByRoute)
	}
	if n := s.Stats().ByStatus["500"]; n != 2 {
		t.Fatalf("stats count %d answers 500, want 2: %+v", n, s.Stats().ByStatus)
	}
	armed.Store(false)
	c.do("GET", "/v1/apps?limit=1", nil).must(t, 200)
	c.do("PATCH", "/v1/apps/nope", resource("apps", "nope", nil, nil)).must(t, 404)
}

// Apple: "Tokens that expire more than 20 minutes into the future are not valid". An iat a
// few minutes ahead (within the skew the sandbox tolerates) must not stretch that.
func TestTokenExpiringBeyond20MinutesFromNowRefused(t *testing.T) {
	s, c, clk := newClockedServer(t, Options{})
	_ = s
	now := clk.Now()
	claims := func(iat, exp time.Time) map[string]any {
		return map[string]any{"iss": c.iss, "aud": "appstoreconnect-v1", "iat": iat.Unix(), "exp": exp.Unix()}
	}
	hdr := map[string]any{"alg": "ES256", "kid": c.kid, "typ": "JWT"}
	cases := []struct {
		name     string
		iat, exp time.Time
		ok       bool
	}{
		{"iat now, exp +20m", now, now.Add(20 * time.Minute), true},
		{"iat +2m, exp +18m", now.Add(2 * time.Minute), now.Add(18 * time.Minute), true},
		{"iat +4m, exp +24m", now.Add(4 * time.Minute), now.Add(24 * time.Minute), false},
		{"iat +1m, exp +21m", now.Add(time.Minute), now.Add(21 * time.Minute), false},
	}
	for _, tc := range cases {
		r := c.doToken("GET", "/v1/apps?limit=1", nil, signJWT(t, c.priv, hdr, claims(tc.iat, tc.exp)))
		if tc.ok && r.status != 200 {
			t.Errorf("%s: %d %s, want 200", tc.name, r.status, r.body)
		}
		if !tc.ok && (r.status != 401 || r.errorCode() != "NOT_AUTHORIZED") {
			t.Errorf("%s: %d %s, want 401 NOT_AUTHORIZED", tc.name, r.status, r.body)
		}
	}
}

// A body over the limit is refused for its size, not judged on the part that was read (which
// used to give "the request body is empty" for a padded document, or a JSON syntax error).
func TestOversizedBodyRefusedForItsSize(t *testing.T) {
	_, c := newTestServer(t, Options{})
	app := c.do("GET", "/v1/apps?limit=1", nil).must(t, 200).list()[0].(map[string]any)
	doc := fmt.Sprintf(`{"data":{"type":"apps","id":%q,"attributes":{"contentRightsDeclaration":"USES_THIRD_PARTY_CONTENT"}}}`, id(app))
	padded := strings.Repeat(" ", maxRequestBody) + doc
	r := c.do("PATCH", "/v1/apps/"+id(app), padded)
	if r.status != http.StatusUnprocessableEntity || r.errorCode() != "ENTITY_UNPROCESSABLE" || !strings.Contains(string(r.body), "larger than") {
		t.Fatalf("oversized PATCH: %d %s, want 422 ENTITY_UNPROCESSABLE about the size", r.status, r.body)
	}
	if got := attr(c.do("GET", "/v1/apps/"+id(app), nil).must(t, 200).data(), "contentRightsDeclaration"); got == "USES_THIRD_PARTY_CONTENT" {
		t.Fatal("the oversized PATCH was applied")
	}
	// The same document under the limit is accepted.
	c.do("PATCH", "/v1/apps/"+id(app), doc).must(t, 200)
}

// Concurrent writes to one resource, and concurrent creates of the same locale, stay
// consistent under -race: every PATCH lands whole, exactly one create of a locale wins and
// the others get 409.
func TestConcurrentWritesToOneResource(t *testing.T) {
	_, c := newTestServer(t, Options{Seed: "demo"})
	vs := c.do("GET", "/v1/apps?limit=1", nil).must(t, 200).list()
	appID := id(vs[0].(map[string]any))
	ver := findOne(t, c, "/v1/apps/"+appID+"/appStoreVersions?filter[appStoreState]=PREPARE_FOR_SUBMISSION", "appStoreState", "PREPARE_FOR_SUBMISSION")
	verID := id(ver)
	const workers, rounds = 6, 4
	var wg sync.WaitGroup
	var created, dup, other atomic.Int32
	statuses := make(chan string, workers*rounds*3)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				val := fmt.Sprintf("%d worker %d round %d", 2026, w, i)
				r := c.do("PATCH", "/v1/appStoreVersions/"+verID, resource("appStoreVersions", verID, map[string]any{"copyright": val}, nil))
				if r.status != 200 || attr(r.data(), "copyright") != val {
					statuses <- fmt.Sprintf("PATCH: %d %s", r.status, r.body)
				}
				r = c.do("POST", "/v1/appStoreVersionLocalizations", resource("appStoreVersionLocalizations", "",
					map[string]any{"locale": "is"}, map[string]any{"appStoreVersion": [2]string{"appStoreVersions", verID}}))
				switch {
				case r.status == 201:
					created.Add(1)
				case r.status == 409 && r.errorCode() == "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE":
					dup.Add(1)
				default:
					other.Add(1)
					statuses <- fmt.Sprintf("POST: %d %s", r.status, r.body)
				}
				if r := c.do("GET", "/v1/appStoreVersions/"+verID+"/appStoreVersionLocalizations?limit=200", nil); r.status != 200 {
					statuses <- fmt.Sprintf("GET: %d %s", r.status, r.body)
				}
			}
		}()
	}
	wg.Wait()
	close(statuses)
	for s := range statuses {
		t.Error(s)
	}
	if created.Load() != 1 || dup.Load() != workers*rounds-1 {
		t.Fatalf("creates of one locale: %d created, %d duplicates, %d other; want 1 and %d", created.Load(), dup.Load(), other.Load(), workers*rounds-1)
	}
	n := 0
	for _, it := range c.do("GET", "/v1/appStoreVersions/"+verID+"/appStoreVersionLocalizations?limit=200", nil).must(t, 200).list() {
		if attr(it.(map[string]any), "locale") == "is" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d localizations of locale is, want 1", n)
	}
	got, _ := attr(c.do("GET", "/v1/appStoreVersions/"+verID, nil).must(t, 200).data(), "copyright").(string)
	if !strings.HasPrefix(got, "2026 worker ") {
		t.Fatalf("copyright after concurrent PATCHes is %q", got)
	}
}

// A second localization of a locale is Apple's duplicate, with Apple's detail.
func TestDuplicateLocaleAnswersAsApple(t *testing.T) {
	_, c := newTestServer(t, Options{})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.quiethours")
	info := c.do("GET", "/v1/apps/"+id(app)+"/appInfos", nil).must(t, 200).list()[0].(map[string]any)
	loc := c.do("GET", "/v1/appInfos/"+id(info)+"/appInfoLocalizations?limit=1", nil).must(t, 200).list()[0].(map[string]any)
	locale, _ := attr(loc, "locale").(string)
	r := c.do("POST", "/v1/appInfoLocalizations", resource("appInfoLocalizations", "", map[string]any{"locale": locale, "name": "Again"},
		map[string]any{"appInfo": [2]string{"appInfos", id(info)}})).must(t, 409)
	want := fmt.Sprintf(`"detail":"Entity with locale: '%s' already exists. Try updating."`, locale)
	if r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE" || !strings.Contains(string(r.body), want) {
		t.Fatalf("duplicate %s localization: %s", locale, r.body)
	}
}

// A cursor is refused where there are no pages (a single resource, a write), as any other
// parameter the operation does not take; on a list it is still checked as a cursor.
func TestCursorOnlyOnPagedOperations(t *testing.T) {
	_, c := newTestServer(t, Options{})
	app := c.do("GET", "/v1/apps?limit=1", nil).must(t, 200).list()[0].(map[string]any)
	for _, path := range []string{"/v1/apps/" + id(app) + "?cursor=AQ.1soPoQ", "/v1/apps/" + id(app) + "/appPriceSchedule?cursor=x"} {
		r := c.do("GET", path, nil).must(t, 400)
		if r.errorCode() != "PARAMETER_ERROR.ILLEGAL" || !strings.Contains(string(r.body), `"parameter":"cursor"`) {
			t.Errorf("GET %s: %s, want PARAMETER_ERROR.ILLEGAL on cursor", path, r.body)
		}
	}
	if r := c.do("GET", "/v1/apps?cursor=AQ.zzzz", nil).must(t, 400); r.errorCode() != "PARAMETER_ERROR.INVALID" {
		t.Errorf("tampered cursor on a list: %s", r.body)
	}
	next := c.do("GET", "/v1/apps?limit=1", nil).must(t, 200).doc["links"].(map[string]any)["next"].(string)
	c.do("GET", next, nil).must(t, 200)
}
