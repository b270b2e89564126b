package sandbox

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestListAppsFollowsCursorPages(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	first := c.do("GET", "/v1/apps?limit=2", nil).must(t, 200)
	paging := first.doc["meta"].(map[string]any)["paging"].(map[string]any)
	total := int(paging["total"].(float64))
	if total < 3 {
		t.Fatalf("demo seed has %d apps, want at least 3", total)
	}
	if paging["limit"].(float64) != 2 {
		t.Errorf("paging.limit = %v, want 2", paging["limit"])
	}
	seen := map[string]bool{}
	next := "/v1/apps?limit=2"
	for pages := 0; next != "" && pages < 10; pages++ {
		r := c.do("GET", next, nil).must(t, 200)
		for _, it := range r.list() {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("app %s returned twice", id)
			}
			seen[id] = true
		}
		links := r.doc["links"].(map[string]any)
		next, _ = links["next"].(string)
		if next != "" && !strings.HasPrefix(next, c.s.URL()) {
			t.Fatalf("links.next %q is not on the sandbox host", next)
		}
	}
	if len(seen) != total {
		t.Fatalf("saw %d apps across pages, meta.paging.total says %d", len(seen), total)
	}
}

func TestCursorIsOpaqueAndChecked(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	r := c.do("GET", "/v1/apps?limit=1", nil).must(t, 200)
	next := r.doc["links"].(map[string]any)["next"].(string)
	u, _ := url.Parse(next)
	cur := u.Query().Get("cursor")
	if regexp.MustCompile(`^\d+$`).MatchString(cur) {
		t.Fatalf("cursor %q is a bare offset", cur)
	}
	bad := c.do("GET", "/v1/apps?limit=1&cursor=AQ.AAAAAA", nil).must(t, 400)
	if bad.errorCode() != "PARAMETER_ERROR.INVALID" {
		t.Fatalf("code %q", bad.errorCode())
	}
}

func TestRateLimitHeaderOnEveryResponse(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	re := regexp.MustCompile(`^user-hour-lim:3600;user-hour-rem:(\d+);$`)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/apps", 200},
		{"GET", "/v1/apps/nope", 404},
		{"GET", "/v1/nothingHere", 404},
		{"PUT", "/v1/apps", 405},
	} {
		r := c.do(tc.method, tc.path, nil).must(t, tc.status)
		if h := r.header.Get("X-Rate-Limit"); !re.MatchString(h) {
			t.Errorf("%s %s: X-Rate-Limit %q", tc.method, tc.path, h)
		}
	}
	r := c.doToken("GET", "/v1/apps", nil, "")
	if h := r.header.Get("X-Rate-Limit"); !re.MatchString(h) {
		t.Errorf("401: X-Rate-Limit %q", h)
	}
}

func TestAppInfoLocalizationLifecycle(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	apps := c.do("GET", "/v1/apps?filter[bundleId]=com.example.quiethours", nil).must(t, 200).list()
	if len(apps) != 1 {
		t.Fatalf("filter[bundleId] matched %d apps", len(apps))
	}
	appID := apps[0].(map[string]any)["id"].(string)
	c.do("GET", "/v1/apps/"+appID, nil).must(t, 200)
	infos := c.do("GET", "/v1/apps/"+appID+"/appInfos", nil).must(t, 200).list()
	if len(infos) != 1 {
		t.Fatalf("%d app infos", len(infos))
	}
	infoID := infos[0].(map[string]any)["id"].(string)
	locs := c.do("GET", "/v1/appInfos/"+infoID+"/appInfoLocalizations", nil).must(t, 200).list()
	before := len(locs)

	create := func(locale string) *response {
		return c.do("POST", "/v1/appInfoLocalizations", map[string]any{"data": map[string]any{
			"type":          "appInfoLocalizations",
			"attributes":    map[string]any{"locale": locale, "name": "Quiet Hours"},
			"relationships": map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "appInfos", "id": infoID}}},
		}})
	}
	created := create("fr-FR").must(t, 201).data()
	locID := created["id"].(string)
	if attr(created, "locale") != "fr-FR" {
		t.Fatalf("created %v", created)
	}
	if dup := create("fr-FR").must(t, 409); !strings.HasPrefix(dup.errorCode(), "ENTITY_ERROR") {
		t.Fatalf("duplicate code %q", dup.errorCode())
	}
	if n := len(c.do("GET", "/v1/appInfos/"+infoID+"/appInfoLocalizations", nil).must(t, 200).list()); n != before+1 {
		t.Fatalf("%d localizations after create, want %d", n, before+1)
	}
	patched := c.do("PATCH", "/v1/appInfoLocalizations/"+locID, map[string]any{"data": map[string]any{
		"type": "appInfoLocalizations", "id": locID, "attributes": map[string]any{"subtitle": "Calme"},
	}}).must(t, 200).data()
	if attr(patched, "subtitle") != "Calme" || attr(patched, "name") != "Quiet Hours" {
		t.Fatalf("patched %v", patched)
	}
	got := c.do("GET", "/v1/appInfoLocalizations/"+locID, nil).must(t, 200).data()
	if attr(got, "subtitle") != "Calme" {
		t.Fatalf("read back %v", got)
	}
	c.do("DELETE", "/v1/appInfoLocalizations/"+locID, nil).must(t, 204)
	c.do("GET", "/v1/appInfoLocalizations/"+locID, nil).must(t, 404)
	if n := len(c.do("GET", "/v1/appInfos/"+infoID+"/appInfoLocalizations", nil).must(t, 200).list()); n != before {
		t.Fatalf("%d localizations after delete, want %d", n, before)
	}
}

func TestInvalidWrites(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	infoID := firstID(t, c, "/v1/apps/"+firstID(t, c, "/v1/apps")+"/appInfos")
	rel := map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "appInfos", "id": infoID}}}
	tests := []struct {
		name    string
		body    any
		status  int
		code    string
		pointer string
	}{
		{"missing name", map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "attributes": map[string]any{"locale": "pl"}, "relationships": rel}},
			409, "ENTITY_ERROR.ATTRIBUTE.REQUIRED", "/data/attributes/name"},
		{"unknown attribute", map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "attributes": map[string]any{"locale": "pl", "name": "x", "colour": "red"}, "relationships": rel}},
			409, "ENTITY_ERROR.ATTRIBUTE.UNKNOWN", "/data/attributes/colour"},
		{"wrong attribute type", map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "attributes": map[string]any{"locale": "pl", "name": 7}, "relationships": rel}},
			409, "ENTITY_ERROR.ATTRIBUTE.INVALID", "/data/attributes/name"},
		{"missing relationship", map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "attributes": map[string]any{"locale": "pl", "name": "x"}}},
			409, "ENTITY_ERROR.RELATIONSHIP.REQUIRED", "/data/relationships/appInfo"},
		{"relationship of wrong type", map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "attributes": map[string]any{"locale": "pl", "name": "x"},
			"relationships": map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "apps", "id": infoID}}}}},
			409, "ENTITY_ERROR.RELATIONSHIP.INVALID", "/data/relationships/appInfo"},
		{"unknown related id", map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "attributes": map[string]any{"locale": "pl", "name": "x"},
			"relationships": map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "appInfos", "id": "no-such-info"}}}}},
			409, "ENTITY_ERROR.RELATIONSHIP.INVALID", "/data/relationships/appInfo"},
		{"wrong type", map[string]any{"data": map[string]any{"type": "apps", "attributes": map[string]any{"locale": "pl", "name": "x"}, "relationships": rel}},
			409, "ENTITY_ERROR", "/data/type"},
		{"not JSON", "{", 422, "ENTITY_UNPROCESSABLE", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.do("POST", "/v1/appInfoLocalizations", tc.body).must(t, tc.status)
			if r.errorCode() != tc.code {
				t.Fatalf("code %q, want %q: %s", r.errorCode(), tc.code, r.body)
			}
			if tc.pointer != "" {
				src := r.doc["errors"].([]any)[0].(map[string]any)["source"].(map[string]any)
				if src["pointer"] != tc.pointer {
					t.Fatalf("pointer %v, want %s", src["pointer"], tc.pointer)
				}
			}
		})
	}
}

func firstID(t *testing.T, c *testClient, path string) string {
	t.Helper()
	l := c.do("GET", path, nil).must(t, 200).list()
	if len(l) == 0 {
		t.Fatalf("%s is empty", path)
	}
	return l[0].(map[string]any)["id"].(string)
}

func TestRoutingErrors(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	tests := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/v1/nonsense", 404, "NOT_FOUND"},
		{"GET", "/v1/apps/does-not-exist", 404, "NOT_FOUND"},
		{"DELETE", "/v1/apps", 405, "METHOD_NOT_ALLOWED"},
		{"GET", "/v1/apps?limit=201", 400, "PARAMETER_ERROR.INVALID"},
		{"GET", "/v1/apps?colour=red", 400, "PARAMETER_ERROR.ILLEGAL"},
	}
	for _, tc := range tests {
		r := c.do(tc.method, tc.path, nil).must(t, tc.status)
		if !strings.HasPrefix(r.errorCode(), tc.code) {
			t.Errorf("%s %s: code %q, want %q", tc.method, tc.path, r.errorCode(), tc.code)
		}
	}
}

func TestStatsAndReset(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	c.do("GET", "/v1/apps", nil).must(t, 200)
	c.do("GET", "/v1/apps/x", nil).must(t, 404)
	st := s.Stats()
	if st.ByRoute["GET /v1/apps"] != 1 || st.ByRoute["GET /v1/apps/{id}"] != 1 || st.ByStatus["404"] != 1 || st.ByMethod["GET"] != 2 {
		t.Fatalf("stats %+v", st)
	}
	appID := firstID(t, c, "/v1/apps")
	infoID := firstID(t, c, "/v1/apps/"+appID+"/appInfos")
	locID := firstID(t, c, "/v1/appInfos/"+infoID+"/appInfoLocalizations")
	c.do("DELETE", "/v1/appInfoLocalizations/"+locID, nil).must(t, 204)
	resp, err := http.Post(s.URL()+"/sandbox/reset", "application/json", nil)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("reset: %v %v", resp, err)
	}
	resp.Body.Close()
	c.do("GET", "/v1/appInfoLocalizations/"+locID, nil).must(t, 200)
	var got Stats
	getJSON(t, s.URL()+"/sandbox/stats", &got)
	if got.ByMethod["GET"] != 1 || len(got.ByRoute) != 1 {
		t.Fatalf("stats after reset %+v", got)
	}
}

func TestDemoSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	_, a := newTestServer(t, Options{})
	_, b := newTestServer(t, Options{})
	ra := a.do("GET", "/v1/apps?limit=200", nil).must(t, 200)
	rb := b.do("GET", "/v1/apps?limit=200", nil).must(t, 200)
	ida, idb := ids(ra.list()), ids(rb.list())
	if strings.Join(ida, ",") != strings.Join(idb, ",") {
		t.Fatalf("two demo sandboxes differ: %v vs %v", ida, idb)
	}
	_, e := newTestServer(t, Options{Seed: "empty"})
	if n := len(e.do("GET", "/v1/apps", nil).must(t, 200).list()); n != 0 {
		t.Fatalf("empty seed has %d apps", n)
	}
}

func ids(l []any) []string {
	var out []string
	for _, it := range l {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}
