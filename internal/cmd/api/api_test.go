package api

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ascend-tools/ascend/internal/cli"
)

func TestBuildRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      Options
		wantCode  int
		wantMsg   []string // substrings of the error
		wantQuery string
		wantBody  string
	}{
		{name: "get with fields as query", opts: Options{Path: "/v1/apps", RawFields: []string{"filter[bundleId]=com.a", "filter[bundleId]=com.b", "limit=5"}},
			wantQuery: "filter%5BbundleId%5D=com.a%2Ccom.b&limit=5"},
		{name: "query in the path", opts: Options{Path: "v1/apps?limit=2"}, wantQuery: "limit=2"},
		{name: "limit over max", opts: Options{Path: "/v1/apps", RawFields: []string{"limit=500"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"limit", "200"}},
		{name: "bad enum names allowed values", opts: Options{Path: "/v1/apps", RawFields: []string{"filter[appStoreVersions.platform]=ANDROID"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"ANDROID", "IOS", "MAC_OS", "VISION_OS"}},
		{name: "unknown parameter suggests the nearest", opts: Options{Path: "/v1/apps", RawFields: []string{"filter[bundleID]=x"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"filter[bundleId]"}},
		{name: "unknown path suggests", opts: Options{Path: "/v1/appz"},
			wantCode: cli.ExitUsage, wantMsg: []string{"unknown path /v1/appz", "did you mean /v1/apps"}},
		{name: "method not allowed", opts: Options{Method: "PUT", Path: "/v1/apps"},
			wantCode: cli.ExitUsage, wantMsg: []string{"PUT is not allowed on /v1/apps", "GET"}},
		{name: "no-validate skips", opts: Options{Path: "/v1/appz", NoValidate: true, RawFields: []string{"x=1"}}, wantQuery: "x=1"},
		{name: "bad method", opts: Options{Method: "FETCH", Path: "/v1/apps"}, wantCode: cli.ExitUsage, wantMsg: []string{"FETCH"}},
		{name: "full URL refused", opts: Options{Path: "https://example.com/v1/apps"}, wantCode: cli.ExitUsage, wantMsg: []string{"--base-url"}},
		{name: "paginate needs GET", opts: Options{Method: "POST", Path: "/v1/appInfoLocalizations", Paginate: true}, wantCode: cli.ExitUsage, wantMsg: []string{"--paginate"}},
		{name: "paginate needs a list", opts: Options{Path: "/v1/apps/123", Paginate: true}, wantCode: cli.ExitUsage, wantMsg: []string{"does not return pages"}},
		{name: "body from fields", opts: Options{Method: "patch", Path: "/v1/appInfoLocalizations/abc", NoValidate: true,
			RawFields: []string{"data[type]=appInfoLocalizations", "data[id]=abc", "data[attributes][subtitle]=Hi"}, TypedFields: []string{"data[attributes][n]=3", "data[attributes][b]=true"}},
			wantBody: `{"data":{"attributes":{"b":true,"n":3,"subtitle":"Hi"},"id":"abc","type":"appInfoLocalizations"}}`},
		{name: "unknown attribute names allowed ones", opts: Options{Method: "PATCH", Path: "/v1/appInfoLocalizations/abc",
			RawFields: []string{"data[type]=appInfoLocalizations", "data[id]=abc", "data[attributes][subtitel]=Hi"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"'subtitel' is not an attribute", "subtitle"}},
		{name: "wrong type", opts: Options{Method: "PATCH", Path: "/v1/appInfoLocalizations/abc",
			RawFields: []string{"data[type]=apps", "data[id]=abc"}},
			wantCode: cli.ExitUsage, wantMsg: []string{`must be "appInfoLocalizations"`}},
		{name: "update needs id", opts: Options{Method: "PATCH", Path: "/v1/appInfoLocalizations/abc",
			RawFields: []string{"data[type]=appInfoLocalizations"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"data.id is required"}},
		{name: "create needs required attributes and relationships", opts: Options{Method: "POST", Path: "/v1/appInfoLocalizations",
			RawFields: []string{"data[type]=appInfoLocalizations", "data[attributes][name]=X"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"data.attributes.locale is required", "data.relationships.appInfo is required"}},
		{name: "boolean attribute sent as string", opts: Options{Method: "PATCH", Path: "/v1/apps/1",
			RawFields: []string{"data[type]=apps", "data[id]=1", "data[attributes][streamlinedPurchasingEnabled]=true"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"must be a boolean", "-F"}},
		{name: "enum attribute", opts: Options{Method: "PATCH", Path: "/v1/apps/1",
			RawFields: []string{"data[type]=apps", "data[id]=1", "data[attributes][contentRightsDeclaration]=MAYBE"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"USES_THIRD_PARTY_CONTENT"}},
		{name: "body required", opts: Options{Method: "POST", Path: "/v1/appInfoLocalizations"},
			wantCode: cli.ExitUsage, wantMsg: []string{"needs a AppInfoLocalizationCreateRequest body"}},
		{name: "typed boolean passes", opts: Options{Method: "PATCH", Path: "/v1/apps/1",
			RawFields: []string{"data[type]=apps", "data[id]=1"}, TypedFields: []string{"data[attributes][streamlinedPurchasingEnabled]=true"}},
			wantBody: `{"data":{"attributes":{"streamlinedPurchasingEnabled":true},"id":"1","type":"apps"}}`},
		{name: "body where the operation takes none", opts: Options{Method: "DELETE", Path: "/v1/appInfoLocalizations/abc", RawFields: []string{"a=b"}},
			wantCode: cli.ExitUsage, wantMsg: []string{"takes no body"}},
		{name: "malformed field", opts: Options{Method: "POST", Path: "/v1/appInfoLocalizations", RawFields: []string{"novalue"}}, wantCode: cli.ExitUsage, wantMsg: []string{"key=value"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := tt.opts
			if opts.Method == "" {
				opts.Method = "GET"
			}
			req, err := buildRequest(&opts, strings.NewReader(""))
			if got := cli.ExitCode(err); got != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", got, err, tt.wantCode)
			}
			if err != nil {
				for _, m := range tt.wantMsg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q lacks %q", err, m)
					}
				}
				return
			}
			if got := req.query.Encode(); got != tt.wantQuery {
				t.Errorf("query %q, want %q", got, tt.wantQuery)
			}
			// The body's member order is TestBuildBodyKeyOrder's; here the values are compared.
			if (tt.wantBody == "") != (len(req.body) == 0) {
				t.Fatalf("body %q, want %q", req.body, tt.wantBody)
			}
			if tt.wantBody != "" {
				if diff := cmp.Diff(decode(t, tt.wantBody), decode(t, string(req.body))); diff != "" {
					t.Errorf("body %s (-want +got):\n%s", req.body, diff)
				}
			}
		})
	}
}
