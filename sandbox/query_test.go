package sandbox

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestQueries(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak")
	appID := id(app)

	t.Run("500 builds across pages of 200", func(t *testing.T) {
		next := "/v1/builds?filter[app]=" + appID + "&limit=200&sort=-uploadedDate"
		var versions []int
		pages := 0
		for ; next != "" && pages < 10; pages++ {
			r := c.do("GET", next, nil).must(t, 200)
			if total := r.doc["meta"].(map[string]any)["paging"].(map[string]any)["total"]; total != 500.0 {
				t.Fatalf("total %v", total)
			}
			for _, b := range r.list() {
				v, _ := strconv.Atoi(attr(b.(map[string]any), "version").(string))
				versions = append(versions, v)
			}
			next, _ = r.doc["links"].(map[string]any)["next"].(string)
		}
		if pages != 3 || len(versions) != 500 {
			t.Fatalf("%d pages, %d builds", pages, len(versions))
		}
		if versions[0] != 500 || versions[499] != 1 || !slices.IsSortedFunc(versions, func(a, b int) int { return b - a }) {
			t.Fatalf("builds not newest first: %v...", versions[:5])
		}
	})
	t.Run("filter by attribute and relationship", func(t *testing.T) {
		r := c.do("GET", "/v1/builds?filter[app]="+appID+"&filter[version]=42,43&filter[processingState]=VALID", nil).must(t, 200)
		if n := len(r.list()); n != 2 {
			t.Fatalf("%d builds", n)
		}
		other := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
		r = c.do("GET", "/v1/builds?filter[app]="+id(other)+"&limit=200", nil).must(t, 200)
		if n := len(r.list()); n != 24 {
			t.Fatalf("%d builds of the second app", n)
		}
		r = c.do("GET", "/v1/apps?filter[appStoreVersions.appStoreState]=WAITING_FOR_REVIEW", nil).must(t, 200)
		if len(r.list()) != 1 || attr(r.list()[0].(map[string]any), "bundleId") != "com.example.ledger" {
			t.Fatalf("apps with a version waiting for review: %s", r.body)
		}
	})
	t.Run("include, limit[rel] and fields", func(t *testing.T) {
		r := c.do("GET", "/v1/apps/"+appID+"?include=appStoreVersions,betaGroups&limit[appStoreVersions]=2&fields[apps]=name,appStoreVersions,betaGroups&fields[appStoreVersions]=versionString", nil).must(t, 200)
		d := r.data()
		attrs := d["attributes"].(map[string]any)
		if len(attrs) != 1 || attrs["name"] != "Daybreak Planner" {
			t.Fatalf("sparse attributes %v", attrs)
		}
		rels := d["relationships"].(map[string]any)
		asv := rels["appStoreVersions"].(map[string]any)
		if len(asv["data"].([]any)) != 2 || asv["meta"].(map[string]any)["paging"].(map[string]any)["total"] != 3.0 {
			t.Fatalf("appStoreVersions linkage %v", asv)
		}
		if _, ok := rels["builds"]; ok {
			t.Fatal("relationship outside fields[apps] shown")
		}
		types := map[string]int{}
		for _, inc := range r.doc["included"].([]any) {
			m := inc.(map[string]any)
			types[m["type"].(string)]++
			if m["type"] == "appStoreVersions" && len(m["attributes"].(map[string]any)) != 1 {
				t.Fatalf("included version not sparse: %v", m["attributes"])
			}
		}
		if types["appStoreVersions"] != 2 || types["betaGroups"] != 3 {
			t.Fatalf("included %v", types)
		}
	})
	t.Run("related and relationship endpoints agree", func(t *testing.T) {
		group := findOne(t, c, "/v1/apps/"+appID+"/betaGroups", "name", "Design Partners")
		builds := ids(c.do("GET", "/v1/betaGroups/"+id(group)+"/builds", nil).must(t, 200).list())
		linkage := ids(c.do("GET", "/v1/betaGroups/"+id(group)+"/relationships/builds", nil).must(t, 200).list())
		if strings.Join(builds, ",") != strings.Join(linkage, ",") || len(builds) != 3 {
			t.Fatalf("related %v vs linkage %v", builds, linkage)
		}
		// Adding a build to the group shows on the build's side too (inverse relationship).
		b := c.do("GET", "/v1/builds?filter[app]="+appID+"&filter[version]=7", nil).must(t, 200).list()[0].(map[string]any)
		c.do("POST", "/v1/betaGroups/"+id(group)+"/relationships/builds", linkageBody([][2]string{{"builds", id(b)}})).must(t, 204)
		buildGroups := func() []string {
			d := c.do("GET", "/v1/builds/"+id(b)+"?include=betaGroups&limit[betaGroups]=50", nil).must(t, 200).data()
			var out []string
			for _, x := range d["relationships"].(map[string]any)["betaGroups"].(map[string]any)["data"].([]any) {
				out = append(out, id(x.(map[string]any)))
			}
			return out
		}
		if got := buildGroups(); !slices.Contains(got, id(group)) {
			t.Fatalf("build's groups %v", got)
		}
		c.do("DELETE", "/v1/betaGroups/"+id(group)+"/relationships/builds", linkageBody([][2]string{{"builds", id(b)}})).must(t, 204)
		if got := buildGroups(); slices.Contains(got, id(group)) {
			t.Fatalf("build still in group: %v", got)
		}
		c.do("POST", "/v1/betaGroups/"+id(group)+"/relationships/builds", linkageBody([][2]string{{"builds", "nope"}})).must(t, 404)
		c.do("POST", "/v1/betaGroups/"+id(group)+"/relationships/builds", linkageBody([][2]string{{"apps", appID}})).must(t, 409)
	})
	t.Run("parameter errors", func(t *testing.T) {
		for _, tc := range []struct {
			query, code, param string
		}{
			{"limit=201", "PARAMETER_ERROR.INVALID", "limit"},
			{"limit=abc", "PARAMETER_ERROR.INVALID", "limit"},
			{"filter[colour]=red", "PARAMETER_ERROR.INVALID", "filter[colour]"},
			{"sort=colour", "PARAMETER_ERROR.INVALID", "sort"},
			{"include=nonsense", "PARAMETER_ERROR.INVALID", "include"},
			{"fields[apps]=colour", "PARAMETER_ERROR.INVALID", "fields[apps]"},
			{"limit[appInfos]=51", "PARAMETER_ERROR.INVALID", "limit[appInfos]"},
			{"colour=red", "PARAMETER_ERROR.ILLEGAL", "colour"},
		} {
			r := c.do("GET", "/v1/apps?"+tc.query, nil).must(t, 400)
			e := r.doc["errors"].([]any)[0].(map[string]any)
			if e["code"] != tc.code || e["source"].(map[string]any)["parameter"] != tc.param {
				t.Errorf("%s: %s", tc.query, r.body)
			}
		}
		// A required filter missing (GET /v1/actors needs filter[id]).
		r := c.do("GET", "/v1/actors", nil).must(t, 400)
		if r.errorCode() != "PARAMETER_ERROR.REQUIRED" {
			t.Errorf("missing required filter: %s", r.body)
		}
	})
	t.Run("next link keeps the query", func(t *testing.T) {
		r := c.do("GET", "/v1/apps/"+appID+"/customerReviews?limit=7&sort=-rating&filter[rating]=5,4", nil).must(t, 200)
		next, _ := url.Parse(r.doc["links"].(map[string]any)["next"].(string))
		q := next.Query()
		if q.Get("sort") != "-rating" || q.Get("filter[rating]") != "5,4" || q.Get("limit") != "7" || q.Get("cursor") == "" {
			t.Fatalf("next %s", next)
		}
	})
}

func TestInlineIncludedCreate(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak")
	points := c.do("GET", "/v1/apps/"+id(app)+"/appPricePoints?filter[territory]=USA", nil).must(t, 200).list()
	if len(points) != 5 {
		t.Fatalf("%d USA price points", len(points))
	}
	body := map[string]any{
		"data": map[string]any{"type": "appPriceSchedules", "relationships": map[string]any{
			"app":           map[string]any{"data": map[string]any{"type": "apps", "id": id(app)}},
			"baseTerritory": map[string]any{"data": map[string]any{"type": "territories", "id": "USA"}},
			"manualPrices":  map[string]any{"data": []any{map[string]any{"type": "appPrices", "id": "${price-0}"}}},
		}},
		"included": []any{
			map[string]any{"type": "appPrices", "id": "${price-0}", "attributes": map[string]any{"startDate": nil},
				"relationships": map[string]any{"appPricePoint": map[string]any{"data": map[string]any{"type": "appPricePoints", "id": id(points[2].(map[string]any))}}}},
			map[string]any{"type": "territories", "id": "USA"},
		},
	}
	sched := c.do("POST", "/v1/appPriceSchedules", body).must(t, 201).data()
	prices := c.do("GET", "/v1/appPriceSchedules/"+id(sched)+"/manualPrices?include=appPricePoint", nil).must(t, 200)
	if len(prices.list()) != 1 || strings.HasPrefix(id(prices.list()[0].(map[string]any)), "${") {
		t.Fatalf("manual prices %s", prices.body)
	}
	// A resource to create with an id that is not a local "${...}" id is refused, as Apple does.
	plain := body["included"].([]any)[0].(map[string]any)
	plain["id"] = "price-0"
	body["data"].(map[string]any)["relationships"].(map[string]any)["manualPrices"] = map[string]any{"data": []any{map[string]any{"type": "appPrices", "id": "price-0"}}}
	if r := c.do("POST", "/v1/appPriceSchedules", body).must(t, 409); r.errorCode() != "ENTITY_ERROR.INCLUDED.INVALID_ID" || !strings.Contains(string(r.body), `"pointer":"/included/0/id"`) {
		t.Fatalf("included resource with a plain id: %s", r.body)
	}
	plain["id"] = "${price-0}"
	// Its attributes are held to the inline-create schema.
	plain["attributes"] = map[string]any{"startDate": nil, "colour": "red"}
	if r := c.do("POST", "/v1/appPriceSchedules", body).must(t, 409); r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.UNKNOWN" || !strings.Contains(string(r.body), `"pointer":"/included/0/attributes/colour"`) {
		t.Fatalf("included resource with an unknown attribute: %s", r.body)
	}
	plain["attributes"] = map[string]any{"startDate": nil}
	body["data"].(map[string]any)["relationships"].(map[string]any)["manualPrices"] = map[string]any{"data": []any{map[string]any{"type": "appPrices", "id": "${price-0}"}}}
	// An included resource pointing at nothing fails the whole create, leaving nothing behind;
	// an unknown price point is ENTITY_ERROR.NOT_FOUND, as Apple answers, not a relationship error.
	bad := body["included"].([]any)[0].(map[string]any)
	bad["relationships"] = map[string]any{"appPricePoint": map[string]any{"data": map[string]any{"type": "appPricePoints", "id": "nope"}}}
	if r := c.do("POST", "/v1/appPriceSchedules", body).must(t, 409); r.errorCode() != "ENTITY_ERROR.NOT_FOUND" {
		t.Fatalf("included resource pointing at nothing: %s", r.body)
	}
}

func TestExpireBuild(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
	b := c.do("GET", "/v1/builds?filter[app]="+id(app)+"&filter[expired]=false&limit=1", nil).must(t, 200).list()[0].(map[string]any)
	c.do("PATCH", "/v1/builds/"+id(b), resource("builds", id(b), map[string]any{"expired": true}, nil)).must(t, 200)
	d := c.do("GET", "/v1/builds/"+id(b)+"/buildBetaDetail", nil).must(t, 200).data()
	if attr(d, "internalBuildState") != "EXPIRED" || attr(d, "externalBuildState") != "EXPIRED" {
		t.Fatalf("beta detail of an expired build: %v", d["attributes"])
	}
	if n := len(c.do("GET", "/v1/builds?filter[app]="+id(app)+"&filter[expired]=true&limit=200", nil).must(t, 200).list()); n != 1 {
		t.Fatalf("%d expired builds", n)
	}
}
