package sandbox

import (
	"testing"
)

// A request is counted before any byte of its answer can reach the client: a client that has
// read its answer whole (a large one too, written before the handler returns) finds it in
// Stats at once, with nothing in flight. Tests count writes right after a call; a request
// counted a moment later lands in the next call's count.
func TestRequestsAreCountedBeforeTheClientHasTheAnswer(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak"))
	base := s.Stats()
	gets, patches := base.ByMethod["GET"], base.ByMethod["PATCH"]
	for i := range 300 {
		if i%2 == 0 {
			// Every localization of every version, included: an answer of tens of KB.
			c.do("GET", "/v1/apps/"+app+"/appStoreVersions?include=appStoreVersionLocalizations&limit=200&limit[appStoreVersionLocalizations]=50", nil).must(t, 200)
			gets++
		} else {
			c.do("PATCH", "/v1/apps/"+app, resource("apps", app, map[string]any{"contentRightsDeclaration": "DOES_NOT_USE_THIRD_PARTY_CONTENT"}, nil)).must(t, 200)
			patches++
		}
		st := s.Stats()
		if st.ByMethod["GET"] != gets || st.ByMethod["PATCH"] != patches || st.InFlight != 0 {
			t.Fatalf("after request %d: %d GETs and %d PATCHes counted (want %d and %d), %d in flight", i+1, st.ByMethod["GET"], st.ByMethod["PATCH"], gets, patches, st.InFlight)
		}
	}
}
