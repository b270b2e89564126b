package spec

import (
	"net/url"
	"slices"
	"strings"
	"testing"
)

// FuzzFind feeds arbitrary paths to the router the sandbox puts every request through: it
// must never panic, and whatever it resolves must be consistent with Methods and the template.
func FuzzFind(f *testing.F) {
	for _, s := range []string{"/v1/apps", "/v1/apps/1/appInfos", "/v1/apps//x", "/", "", "//", "/v1/apps/1/relationships/appInfos/", "/v1/%2F/x"} {
		f.Add("GET", s)
	}
	f.Fuzz(func(t *testing.T, method, path string) {
		op, params, ok := Find(method, path)
		if !ok {
			return
		}
		if !slices.Contains(Methods(path), op.Method) {
			t.Errorf("Find(%s %s) = %s, but Methods = %v", method, path, op.ID, Methods(path))
		}
		if got := strings.Count(op.Path, "{"); got != len(params) {
			t.Errorf("Find(%s %s) = %s with params %v", method, path, op.Path, params)
		}
		for _, v := range params {
			if v == "" || strings.Contains(v, "/") {
				t.Errorf("Find(%s %s) bound an invalid segment %q", method, path, v)
			}
		}
		_ = Suggest(method, path)
	})
}

// FuzzValidateQuery checks that any raw query validates without panicking against a list
// operation and that every problem names a parameter of the query and one of Apple's codes.
func FuzzValidateQuery(f *testing.F) {
	for _, s := range []string{"limit=1", "fields[apps]=name,,", "filter[x]=1&sort=-name", "limit=99999999999999999999", "exists[gameCenterEnabledVersions]=maybe"} {
		f.Add(s)
	}
	op, _ := ByID("apps_getCollection")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		for _, p := range ValidateQuery(op, q) {
			if !q.Has(p.Parameter) && p.Code != CodeRequired || (p.Code != CodeInvalid && p.Code != CodeIllegal && p.Code != CodeRequired) || p.Detail == "" {
				t.Errorf("problem %+v for %q", p, raw)
			}
		}
	})
}
