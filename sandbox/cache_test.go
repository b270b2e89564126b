package sandbox

import (
	"bytes"
	"testing"
)

// uncachedGET is a GET answered with the render cache off: what the answer must be.
func uncachedGET(t *testing.T, s *Server, c *testClient, path string) []byte {
	t.Helper()
	s.noRenderCache.Store(true)
	defer s.noRenderCache.Store(false)
	return c.do("GET", path, nil).must(t, 200).body
}

// sameAsUncached reads each path twice through the cache (the second read is a hit) and
// fails when either answer differs from an uncached render of the same state.
func sameAsUncached(t *testing.T, s *Server, c *testClient, step string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		first := c.do("GET", p, nil).must(t, 200).body
		hit := c.do("GET", p, nil).must(t, 200).body
		want := uncachedGET(t, s, c, p)
		for _, got := range [][]byte{first, hit} {
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: GET %s from the cache differs from an uncached render:\ncached ...%s\nwant   ...%s", step, p, around(got, want), around(want, got))
			}
		}
	}
}

// TestRenderCacheFollowsWrites writes a listed resource, an included one and a related
// list's member, and checks that every read after each write is the uncached answer and
// shows the write.
func TestRenderCacheFollowsWrites(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	app := firstID(t, c, "/v1/apps?filter[bundleId]=com.example.daybreak")
	builds := "/v1/builds?limit=20&filter[app]=" + app + "&include=preReleaseVersion,buildBetaDetail&sort=-uploadedDate"
	page := c.do("GET", builds, nil).must(t, 200)
	build := id(page.list()[0].(map[string]any))
	detail := ""
	for _, inc := range page.doc["included"].([]any) {
		if m := inc.(map[string]any); m["type"] == "buildBetaDetails" {
			detail = id(m)
			break
		}
	}
	if detail == "" {
		t.Fatalf("no buildBetaDetails included: %s", page.body)
	}
	info := firstID(t, c, "/v1/apps/"+app+"/appInfos")
	locs := "/v1/appInfos/" + info + "/appInfoLocalizations"
	one := "/v1/builds/" + build + "?include=buildBetaDetail"
	paths := []string{"/v1/apps?limit=200", builds, one, locs, "/v1/buildBetaDetails/" + detail}
	sameAsUncached(t, s, c, "before writes", paths...)

	if s.cache.gen != s.mu.gen() || len(s.cache.lists) == 0 || len(s.cache.res) == 0 {
		t.Fatalf("reads of unchanged state left nothing in the cache (gen %d/%d, %d lists, %d resources)",
			s.cache.gen, s.mu.gen(), len(s.cache.lists), len(s.cache.res))
	}

	// An included resource changes: the page and the build that include it must show it.
	notify := attr(c.do("GET", "/v1/buildBetaDetails/"+detail, nil).must(t, 200).data(), "autoNotifyEnabled") == true
	c.do("PATCH", "/v1/buildBetaDetails/"+detail, resource("buildBetaDetails", detail,
		map[string]any{"autoNotifyEnabled": !notify}, nil)).must(t, 200)
	sameAsUncached(t, s, c, "after an included resource's update", paths...)
	for _, inc := range c.do("GET", one, nil).must(t, 200).doc["included"].([]any) {
		if m := inc.(map[string]any); id(m) == detail && attr(m, "autoNotifyEnabled") != !notify {
			t.Fatalf("the build's included detail still shows autoNotifyEnabled %v", attr(m, "autoNotifyEnabled"))
		}
	}

	// A primary resource changes.
	c.do("PATCH", "/v1/builds/"+build, resource("builds", build,
		map[string]any{"usesNonExemptEncryption": true}, nil)).must(t, 200)
	sameAsUncached(t, s, c, "after a listed resource's update", paths...)
	if got := attr(c.do("GET", one, nil).must(t, 200).data(), "usesNonExemptEncryption"); got != true {
		t.Fatalf("the build reads usesNonExemptEncryption %v after the update", got)
	}

	// A related list gains and loses a member.
	before := len(c.do("GET", locs, nil).must(t, 200).list())
	loc := id(c.do("POST", "/v1/appInfoLocalizations", resource("appInfoLocalizations", "",
		map[string]any{"locale": "x-cache-test", "name": "Cache"}, map[string]any{"appInfo": [2]string{"appInfos", info}})).must(t, 201).data())
	sameAsUncached(t, s, c, "after a create", paths...)
	if n := len(c.do("GET", locs, nil).must(t, 200).list()); n != before+1 {
		t.Fatalf("%d localizations after a create, want %d", n, before+1)
	}
	c.do("DELETE", "/v1/appInfoLocalizations/"+loc, nil).must(t, 204)
	sameAsUncached(t, s, c, "after a delete", paths...)
	if n := len(c.do("GET", locs, nil).must(t, 200).list()); n != before {
		t.Fatalf("%d localizations after the delete, want %d", n, before)
	}
	c.do("GET", "/v1/appInfoLocalizations/"+loc, nil).must(t, 404)

	// A reset puts the seed back: nothing cached before it may answer.
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	sameAsUncached(t, s, c, "after a reset", paths...)
}

// TestRenderCacheVariants checks that answers which differ only in what the request asks
// for (fields, include, include limits, the cursor) are cached apart.
func TestRenderCacheVariants(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	app := firstID(t, c, "/v1/apps?filter[bundleId]=com.example.daybreak")
	base := "/v1/builds?limit=5&filter[app]=" + app
	first := c.do("GET", base, nil).must(t, 200)
	next, _ := first.doc["links"].(map[string]any)["next"].(string)
	if next == "" {
		t.Fatalf("no next page: %s", first.body)
	}
	variants := []string{
		base,
		base + "&fields[builds]=version",
		base + "&include=preReleaseVersion",
		base + "&include=individualTesters&limit[individualTesters]=1",
		base + "&include=individualTesters&limit[individualTesters]=2",
		base + "&sort=-version",
		"/v1/builds/" + id(first.list()[0].(map[string]any)) + "?fields[builds]=version",
		"/v1/builds/" + id(first.list()[0].(map[string]any)),
	}
	sameAsUncached(t, s, c, "variants", variants...)
	if a, b := c.do("GET", next, nil).must(t, 200).list(), first.list(); id(a[0].(map[string]any)) == id(b[0].(map[string]any)) {
		t.Fatal("the next page answers the first page's builds")
	}
}

// around is the part of a where it first differs from b.
func around(a, b []byte) []byte {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return a[max(0, i-80):min(len(a), i+80)]
}
