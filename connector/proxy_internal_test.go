package connector

import "testing"

func TestRewriteLinks(t *testing.T) {
	t.Parallel()
	const up, pub = "https://api.example.com", "https://gw.example.org"
	for _, tc := range []struct{ name, in, want string }{
		{"no links", `{"data":[]}`, `{"data":[]}`},
		{"self and next", `{"links":{"self":"https://api.example.com/v1/apps","next":"https://api.example.com/v1/apps?cursor=x"}}`,
			`{"links":{"self":"https://gw.example.org/v1/apps","next":"https://gw.example.org/v1/apps?cursor=x"}}`},
		{"v2 and v3", `["https://api.example.com/v2/a","https://api.example.com/v3/b"]`, `["https://gw.example.org/v2/a","https://gw.example.org/v3/b"]`},
		{"other paths on the host stay", `{"url":"https://api.example.com/sandbox/upload/t/0"}`, `{"url":"https://api.example.com/sandbox/upload/t/0"}`},
		{"not an API root", `"https://api.example.com/v9/x"`, `"https://api.example.com/v9/x"`},
		{"inside a value, not at its start", `"see https://api.example.com/v1/apps"`, `"see https://api.example.com/v1/apps"`},
		{"at the very end", `"https://api.example.com`, `"https://api.example.com`},
	} {
		if got := string(rewriteLinks([]byte(tc.in), up, pub)); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
	if got := rewriteLink("https://api.example.com/v1/apps/1", up, pub); got != "https://gw.example.org/v1/apps/1" {
		t.Errorf("rewriteLink: %s", got)
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
