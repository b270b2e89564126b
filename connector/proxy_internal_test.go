package connector

import (
	"slices"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/spec"
)

func TestRewriteLinks(t *testing.T) {
	t.Parallel()
	const up, pub = "https://api.example.com", "https://gw.example.org"
	for _, tc := range []struct{ name, in, want string }{
		{"no links", `{"data":[]}`, `{"data":[]}`},
		{"self and next", `{"links":{"self":"https://api.example.com/v1/apps","next":"https://api.example.com/v1/apps?cursor=x"}}`,
			`{"links":{"self":"https://gw.example.org/v1/apps","next":"https://gw.example.org/v1/apps?cursor=x"}}`},
		{"v2 and v3", `{"links":{"first":"https://api.example.com/v2/a", "next" : "https://api.example.com/v3/b"}}`, `{"links":{"first":"https://gw.example.org/v2/a", "next" : "https://gw.example.org/v3/b"}}`},
		{"after null and escaped members", `{"links":{"prev":null,"first":"x\\\"y","next":"https://api.example.com/v1/a"}}`, `{"links":{"prev":null,"first":"x\\\"y","next":"https://gw.example.org/v1/a"}}`},
		{"relationship links", `{"relationships":{"app":{"links":{"self":"https://api.example.com/v1/x/relationships/app","related":"https://api.example.com/v1/x/app"}}}}`,
			`{"relationships":{"app":{"links":{"self":"https://gw.example.org/v1/x/relationships/app","related":"https://gw.example.org/v1/x/app"}}}}`},
		{"attribute values stay", `{"attributes":{"marketingUrl":"https://api.example.com/v1/apps","self":"https://api.example.com/v1/apps"},"links":{"self":"https://api.example.com/v1/apps/1"}}`,
			`{"attributes":{"marketingUrl":"https://api.example.com/v1/apps","self":"https://api.example.com/v1/apps"},"links":{"self":"https://gw.example.org/v1/apps/1"}}`},
		{"bare values stay", `["https://api.example.com/v2/a"]`, `["https://api.example.com/v2/a"]`},
		{"other paths on the host stay", `{"links":{"self":"https://api.example.com/sandbox/upload/t/0"}}`, `{"links":{"self":"https://api.example.com/sandbox/upload/t/0"}}`},
		{"not an API root", `{"links":{"self":"https://api.example.com/v9/x"}}`, `{"links":{"self":"https://api.example.com/v9/x"}}`},
		{"inside a value, not at its start", `{"links":{"self":"see https://api.example.com/v1/apps"}}`, `{"links":{"self":"see https://api.example.com/v1/apps"}}`},
		{"at the very end", `"https://api.example.com`, `"https://api.example.com`},
		{"members in a row, then others", `{"links":{"self":"https://api.example.com/v1/a" , "related" :  "https://api.example.com/v1/b","next":"https://api.example.com/v1/c","meta":"https://api.example.com/v1/d"}}`,
			`{"links":{"self":"https://gw.example.org/v1/a" , "related" :  "https://gw.example.org/v1/b","next":"https://gw.example.org/v1/c","meta":"https://api.example.com/v1/d"}}`},
		{"a link member in a row that is not the upstream's", `{"links":{"self":"https://api.example.com/v1/a","related":"https://other.example.com/v1/b","next":"https://api.example.com/v9/c"}}`,
			`{"links":{"self":"https://gw.example.org/v1/a","related":"https://other.example.com/v1/b","next":"https://api.example.com/v9/c"}}`},
		{"cut off after a link", `{"links":{"self":"https://api.example.com/v1/a","related":"https://api.example.com/v1`, `{"links":{"self":"https://gw.example.org/v1/a","related":"https://api.example.com/v1`},
	} {
		if got := string(rewriteLinks([]byte(tc.in), up, pub)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	if got := rewriteLink("https://api.example.com/v1/apps/1", up, pub); got != "https://gw.example.org/v1/apps/1" {
		t.Errorf("rewriteLink: %s", got)
	}
}

// TestAPIRootsFollowTheSpec checks that the passthrough serves every operation of the spec,
// under the root its path starts with, and nothing beside the spec's roots.
func TestAPIRootsFollowTheSpec(t *testing.T) {
	t.Parallel()
	if got, want := apiRoots(), spec.Roots(); !slices.Equal(got, want) || len(got) == 0 {
		t.Fatalf("apiRoots() = %v, want the spec's %v", got, want)
	}
	for _, op := range spec.Operations() {
		route := apiRoute(op.Path)
		if !isAPIPath([]byte(op.Path)) || route == "" || !strings.HasPrefix(op.Path, route) {
			t.Errorf("%s %s: isAPIPath %v, route %q", op.Method, op.Path, isAPIPath([]byte(op.Path)), route)
		}
	}
	for _, p := range []string{"", "/", "/v", "/v1", "/v9/apps", "/v10/apps", "/V1/apps", "v1/apps", "/sandbox/upload/t/0", "/connector/status"} {
		if isAPIPath([]byte(p)) {
			t.Errorf("isAPIPath(%q) = true", p)
		}
	}
	const up, pub = "https://api.example.com", "https://gw.example.org"
	for _, r := range apiRoots() {
		if got, want := rewriteLink(up+r+"x", up, pub), pub+r+"x"; got != want {
			t.Errorf("rewriteLink under %s = %s, want %s", r, got, want)
		}
	}
	if got := rewriteLink(up+"/v9/x", up, pub); got != up+"/v9/x" {
		t.Errorf("rewriteLink outside the roots = %s", got)
	}
}

func TestTakeFlatten(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in, want string
		flat     bool
	}{
		{"", "", false},
		{"limit=1&filter%5Bname%5D=a", "limit=1&filter%5Bname%5D=a", false},
		{"flatten=true&limit=1", "limit=1", true},
		{"limit=1&flatten=false", "limit=1", false},
		{"fields[apps]=name&flatten=1", "fields[apps]=name", true},
	} {
		got, flat := takeFlatten(tc.in)
		if got != tc.want || flat != tc.flat {
			t.Errorf("takeFlatten(%q) = %q, %v; want %q, %v", tc.in, got, flat, tc.want, tc.flat)
		}
	}
}

func TestLabelsEscape(t *testing.T) {
	t.Parallel()
	if got := labels("route", `/a"b`, "code", "200"); got != `route="/a\"b",code="200"` {
		t.Errorf("labels: %s", got)
	}
}
