package apicall

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/spec"
)

func mustOp(t *testing.T, id string) *spec.Operation {
	t.Helper()
	op, ok := spec.ByID(id)
	if !ok {
		t.Fatalf("no operation %s", id)
	}
	return op
}

func TestCheckShapesProblemsAsApple(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                         string
		op, method, path             string
		query                        url.Values
		body                         string
		status                       int
		code, parameter, pointer, in string
	}{
		{name: "limit over its maximum", op: "apps_getCollection", method: "GET", query: url.Values{"limit": {"500"}},
			status: 400, code: spec.CodeInvalid, parameter: "limit", in: "at most 200"},
		{name: "unknown filter with a suggestion", op: "apps_getCollection", method: "GET", query: url.Values{"filter[bundleID]": {"x"}},
			status: 400, code: spec.CodeInvalid, parameter: "filter[bundleID]", in: "did you mean 'filter[bundleId]'"},
		{name: "unknown attribute", op: "appInfoLocalizations_updateInstance", method: "PATCH",
			body:   `{"data":{"type":"appInfoLocalizations","id":"1","attributes":{"subtitel":"x"}}}`,
			status: 409, code: CodeAttributeUnknown, pointer: "/data/attributes/subtitel", in: "subtitle"},
		{name: "missing relationship on create", op: "appInfoLocalizations_createInstance", method: "POST",
			body:   `{"data":{"type":"appInfoLocalizations","attributes":{"locale":"de-DE","name":"N"}}}`,
			status: 409, code: CodeRelationshipRequired, pointer: "/data/relationships/appInfo", in: "appInfo"},
		{name: "wrong JSON type", op: "apps_updateInstance", method: "PATCH",
			body:   `{"data":{"type":"apps","id":"1","attributes":{"streamlinedPurchasingEnabled":"yes"}}}`,
			status: 409, code: CodeAttributeInvalid, pointer: "/data/attributes/streamlinedPurchasingEnabled", in: "must be a boolean"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op := mustOp(t, tt.op)
			req := &Request{Method: tt.method, Path: op.Path, Query: tt.query}
			if tt.body != "" {
				req.Body = []byte(tt.body)
			}
			err := Check(op, req)
			var invalid *Error
			if !errors.As(err, &invalid) {
				t.Fatalf("Check = %v, want *Error", err)
			}
			if invalid.Status() != tt.status {
				t.Errorf("status %d, want %d", invalid.Status(), tt.status)
			}
			ae := invalid.APIErrors()[0]
			if ae.Code != tt.code || ae.Status != strings.TrimSpace(ae.Status) || !strings.Contains(ae.Detail, tt.in) {
				t.Errorf("first error %+v, want code %s and detail with %q", ae, tt.code, tt.in)
			}
			if ae.Source == nil || ae.Source.Parameter != tt.parameter || ae.Source.Pointer != tt.pointer {
				t.Errorf("source %+v, want parameter %q pointer %q", ae.Source, tt.parameter, tt.pointer)
			}
			if !strings.Contains(err.Error(), op.ID) {
				t.Errorf("message %q does not name %s", err, op.ID)
			}
		})
	}
}

func TestCheckPassesAValidRequest(t *testing.T) {
	t.Parallel()
	op := mustOp(t, "apps_getCollection")
	if err := Check(op, &Request{Method: "GET", Path: op.Path, Query: url.Values{"limit": {"200"}, "filter[appStoreVersions.platform]": {"IOS,MAC_OS"}}}); err != nil {
		t.Fatal(err)
	}
}

func TestPathOf(t *testing.T) {
	t.Parallel()
	op := mustOp(t, "apps_getInstance")
	got, err := PathOf(op, map[string]string{"id": "a/b c"})
	if err != nil || got != strings.Replace(op.Path, "{id}", "a%2Fb%20c", 1) {
		t.Fatalf("PathOf = %q, %v", got, err)
	}
	if _, err := PathOf(op, nil); err == nil || !strings.Contains(err.Error(), "needs the path parameter id") {
		t.Errorf("missing id: %v", err)
	}
	if _, err := PathOf(op, map[string]string{"id": "1", "appId": "2"}); err == nil || !strings.Contains(err.Error(), `"appId" is not a path parameter`) {
		t.Errorf("extra parameter: %v", err)
	}
	list := mustOp(t, "apps_getCollection")
	if _, err := PathOf(list, map[string]string{"id": "1"}); err == nil || !strings.Contains(err.Error(), "takes no path parameters") {
		t.Errorf("parameter on a collection: %v", err)
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	list := mustOp(t, "apps_getCollection")
	if op, err := Resolve("HEAD", list.Path); err != nil || op.ID != list.ID {
		t.Fatalf("Resolve HEAD = %v, %v", op, err)
	}
	_, err := Resolve("PUT", list.Path)
	var unknown *UnknownPathError
	if !errors.As(err, &unknown) || len(unknown.Allowed) == 0 {
		t.Fatalf("Resolve PUT = %v, want allowed methods", err)
	}
}
