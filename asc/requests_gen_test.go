package asc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/go-cmp/cmp"

	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/internal/testutil"
)

// TestRequestsMatchSpec calls every generated method, with an options struct filled from the
// catalog and a body built from the spec's schema (every property, not only required ones),
// against a loopback server that checks each request with kin-openapi's validator against
// Apple's spec: path, method, query (enums, maxima, comma-separated arrays) and body. It also
// checks that the body the method sent equals the one the test built, so no request type
// drops or renames a field, and that internal/spec.ValidateQuery accepts every query.
func TestRequestsMatchSpec(t *testing.T) {
	t.Parallel()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(testutil.SpecPath(t))
	if err != nil {
		t.Fatalf("load spec: %v", err)
	}

	type sent struct {
		opID string
		body []byte
		err  error
	}
	var mu sync.Mutex
	got := map[string]sent{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path := strings.TrimPrefix(r.URL.Path, "/api")
		body, _ := io.ReadAll(r.Body)
		s := sent{body: body}
		op, params, ok := spec.Find(r.Method, path)
		if !ok {
			s.err = fmt.Errorf("%s %s matches no operation", r.Method, path)
		} else {
			s.opID = op.ID
			item := doc.Paths.Value(op.Path)
			route := &routers.Route{Spec: doc, Path: op.Path, PathItem: item, Method: op.Method, Operation: item.GetOperation(op.Method)}
			r.Body = io.NopCloser(bytes.NewReader(body))
			s.err = openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
				Request: r, PathParams: params, Route: route,
				Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, MultiError: true},
			})
			// The catalog's own validation (used by the sandbox and the CLI) must agree.
			if probs := spec.ValidateQuery(op, r.URL.Query()); len(probs) > 0 {
				s.err = errors.Join(s.err, fmt.Errorf("spec.ValidateQuery: %+v", probs))
			}
		}
		mu.Lock()
		got[r.Method+" "+path] = s
		mu.Unlock()
		switch {
		case ok && op.ResponseSchema == "":
			w.WriteHeader(http.StatusNoContent)
		case ok && op.MediaType != "application/json":
			w.Header().Set("Content-Type", op.MediaType)
			fmt.Fprint(w, "raw")
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, "{}")
		}
	}))
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL + "/api/"))
	if err != nil {
		t.Fatal(err)
	}
	client := reflect.ValueOf(c).Elem()

	for _, op := range spec.Operations() {
		name := operationMethods[op.ID]
		svc, meth, _ := strings.Cut(name, ".")
		m := client.FieldByName(svc).MethodByName(meth)
		mt := m.Type()
		args := []reflect.Value{reflect.ValueOf(context.Background())}
		var wantBody any
		for i := 1; i < mt.NumIn(); i++ {
			in := mt.In(i)
			switch {
			case in.Kind() == reflect.String:
				args = append(args, reflect.ValueOf("ID-"+op.ID))
			case strings.HasSuffix(in.Elem().Name(), "Options"):
				args = append(args, fillOptions(t, op, in.Elem()))
			default:
				example := exampleOf(doc.Components.Schemas[op.RequestSchema].Value, 0)
				raw, _ := json.Marshal(example)
				v := reflect.New(in.Elem())
				if err := json.Unmarshal(raw, v.Interface()); err != nil {
					t.Errorf("%s: decode example body into %s: %v", op.ID, in.Elem().Name(), err)
				}
				_ = json.Unmarshal(raw, &wantBody)
				args = append(args, v)
			}
		}
		out := m.Call(args)
		if rc, ok := out[0].Interface().(io.ReadCloser); ok && rc != nil {
			rc.Close()
		}
		concrete := strings.ReplaceAll(op.Path, "{id}", "ID-"+op.ID)
		mu.Lock()
		s, hit := got[op.Method+" "+concrete]
		mu.Unlock()
		switch {
		case !hit:
			t.Errorf("%s (%s): no request reached %s %s", op.ID, name, op.Method, concrete)
		case s.opID != op.ID:
			t.Errorf("%s (%s): request routed to %s (%v)", op.ID, name, s.opID, s.err)
		case s.err != nil:
			t.Errorf("%s (%s): request does not validate: %v", op.ID, name, s.err)
		}
		if wantBody != nil && hit {
			var gotBody any
			if err := json.Unmarshal(s.body, &gotBody); err != nil {
				t.Errorf("%s: body is not JSON: %v", op.ID, err)
			} else if diff := cmp.Diff(wantBody, gotBody); diff != "" {
				t.Errorf("%s: body changed on the way (-built +sent):\n%s", op.ID, diff)
			}
		}
	}
}

// fillOptions sets every option field to a value the spec allows: the first enum values, the
// maximum of a limit, true for exists[...].
func fillOptions(t *testing.T, op spec.Operation, typ reflect.Type) reflect.Value {
	v := reflect.New(typ)
	for i := range typ.NumField() {
		f := typ.Field(i)
		name := f.Tag.Get("query")
		p, ok := op.Param(name)
		if !ok {
			t.Errorf("%s: option %s (%s) is not a parameter of the operation", op.ID, f.Name, name)
			continue
		}
		fv := v.Elem().Field(i)
		switch f.Type.Kind() {
		case reflect.Slice:
			vals := []string{"v1", "v2"}
			if len(p.Enum) > 0 {
				vals = p.Enum[:min(2, len(p.Enum))]
			}
			// Typed filters ([]Platform) take the values as their element type.
			sl := reflect.MakeSlice(f.Type, len(vals), len(vals))
			for j, s := range vals {
				sl.Index(j).SetString(s)
			}
			fv.Set(sl)
			if f.Type.Elem() != reflect.TypeFor[string]() && len(p.Enum) == 0 {
				t.Errorf("%s: option %s is typed %s but the spec gives no enum", op.ID, f.Name, f.Type)
			}
		case reflect.Int:
			n := 2
			if p.Maximum > 0 {
				n = p.Maximum
			}
			fv.SetInt(int64(n))
		case reflect.Pointer:
			fv.Set(reflect.ValueOf(Ptr(true)))
		case reflect.String:
			s := "v"
			if len(p.Enum) > 0 {
				s = p.Enum[0]
			}
			fv.SetString(s)
		}
	}
	if typ.NumField() != len(op.Params) {
		t.Errorf("%s: options have %d fields, the operation %d parameters", op.ID, typ.NumField(), len(op.Params))
	}
	return v
}

// exampleOf builds a value the schema accepts, with every property present.
func exampleOf(s *openapi3.Schema, depth int) any {
	if s == nil || depth > 10 {
		return nil
	}
	if len(s.OneOf) > 0 {
		return exampleOf(s.OneOf[0].Value, depth+1)
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("object") || len(s.Properties) > 0:
		m := map[string]any{}
		for _, k := range slices.Sorted(func(yield func(string) bool) {
			for k := range s.Properties {
				if !yield(k) {
					return
				}
			}
		}) {
			if v := exampleOf(s.Properties[k].Value, depth+1); v != nil {
				m[k] = v
			}
		}
		return m
	case s.Type.Is("array"):
		if s.Items == nil {
			return []any{}
		}
		return []any{exampleOf(s.Items.Value, depth+1)}
	case s.Type.Is("integer"):
		n := 2.0
		if s.Max != nil && *s.Max < n {
			n = *s.Max
		}
		return n
	case s.Type.Is("number"):
		return 1.5
	case s.Type.Is("boolean"):
		return true
	case s.Type.Is("string"):
		switch s.Format {
		case "date-time":
			return "2024-01-02T03:04:05Z"
		case "date":
			return "2024-01-02"
		case "uri", "uri-reference":
			return "https://example.com/a"
		case "email":
			return "someone@example.com"
		}
		return "text"
	}
	return nil
}

// TestRawOperationsAcceptTheirMediaType checks the Accept header of the operations that do not
// answer JSON: Apple refuses "Accept: application/json" there ("Allowed: application/a-gzip").
func TestRawOperationsAcceptTheirMediaType(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	accepts := map[string]string{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		accepts[r.URL.Path] = r.Header.Get("Accept")
		mu.Unlock()
		fmt.Fprint(w, "raw")
	}))
	defer srv.Close()
	c, err := NewClient(WithBaseURL(srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	body, _, err := c.SalesReports.List(ctx, &SalesReportsListOptions{FilterVendorNumber: []string{"1"}})
	if err != nil {
		t.Fatal(err)
	}
	body.Close()
	if rc, _, err := c.SubscriptionOfferCodeOneTimeUseCodes.GetValues(ctx, "c1"); err == nil {
		rc.Close()
	}
	want := map[string]string{"/v1/salesReports": "application/a-gzip", "/v1/subscriptionOfferCodeOneTimeUseCodes/c1/values": "text/csv"}
	for path, mt := range want {
		if accepts[path] != mt {
			t.Errorf("GET %s sent Accept %q, want %q", path, accepts[path], mt)
		}
	}
}
