package sandbox

// The fidelity suite holds the sandbox to Apple's published contract: every answer it gives
// during the tests is checked against the response schema that Apple's OpenAPI spec declares
// for that operation and status (kin-openapi), the resources it serves populate the same
// fields as real captured responses, and a third-party client generated from the spec works
// against it unchanged (npm_client_test.go).
//
// Other sandbox tests get the schema check for free: testClient.do hands every answer to
// recordForValidation, and newValidatingClient gives an *http.Client that checks every
// exchange it carries.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/ascend-tools/ascend/asc/auth"
	"github.com/ascend-tools/ascend/internal/testutil"
)

// specValidator checks answers against Apple's OpenAPI spec.
type specValidator struct {
	doc    *openapi3.T
	router routers.Router
	// errorSchema is ErrorResponse, which every error body must match, including statuses
	// the spec does not list for an operation (500, 503) and paths it does not have.
	errorSchema *openapi3.Schema
}

// The spec is 7 MB and takes seconds to load (much longer under -race), so one test binary
// loads it once (TestMain asks first).
var fidelitySpec struct {
	once sync.Once
	v    *specValidator
	err  error
}

// specPathQuiet is where testutil.SpecPath looks, without skipping: the hook that every
// sandbox test goes through must not skip those tests when the spec is absent.
func specPathQuiet() (string, bool) {
	dir := os.Getenv("ASCEND_SHARED")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared") // the package folder is <repo>/sandbox
	}
	p := filepath.Join(dir, "spec", "app-store-connect-openapi.json")
	_, err := os.Stat(p)
	return p, err == nil
}

func loadSpecValidator(path string) (*specValidator, error) {
	doc, err := openapi3.NewLoader().LoadFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	// The spec's only server is Apple's host; without servers the router matches paths on
	// any host, such as the sandbox's loopback address.
	doc.Servers = nil
	// Apple's examples do not always match its own enums (betaTesterUsages' period example
	// "PTn.nS"); they play no part in checking answers.
	router, err := legacy.NewRouter(doc, openapi3.DisableExamplesValidation())
	if err != nil {
		return nil, fmt.Errorf("route %s: %w", path, err)
	}
	es := doc.Components.Schemas["ErrorResponse"]
	if es == nil || es.Value == nil {
		return nil, errors.New("the spec has no ErrorResponse schema")
	}
	return &specValidator{doc: doc, router: router, errorSchema: es.Value}, nil
}

func sharedSpecValidator(path string) (*specValidator, error) {
	fidelitySpec.once.Do(func() { fidelitySpec.v, fidelitySpec.err = loadSpecValidator(path) })
	return fidelitySpec.v, fidelitySpec.err
}

// TestMain loads the spec before any test runs, when it is present, so the seconds that takes
// never fall in the middle of a test whose timing matters (a state machine on the wall
// clock, a short-lived token). A load error is reported by the first check.
func TestMain(m *testing.M) {
	if path, ok := specPathQuiet(); ok {
		_, _ = sharedSpecValidator(path)
	}
	os.Exit(m.Run())
}

// requireSpecValidator is for the fidelity tests themselves: they skip (or fail under CI)
// without the spec, with the reason printed.
func requireSpecValidator(t testing.TB) *specValidator {
	t.Helper()
	v, err := sharedSpecValidator(testutil.SpecPath(t))
	if err != nil {
		t.Fatalf("Apple's spec: %v", err)
	}
	return v
}

// exchange is one request and the sandbox's answer.
type exchange struct {
	method string
	url    string // absolute, or a path with its query
	status int
	header http.Header
	body   []byte
}

func (x exchange) String() string { return fmt.Sprintf("%s %s -> %d", x.method, x.url, x.status) }

// verdict is what check found: the schema the answer was held to ("" when it was not
// checked, as for the sandbox's own /sandbox/ endpoints) and each way it falls short.
type verdict struct {
	schema   string
	problems []string
}

// check holds an answer to the spec.
func (v *specValidator) check(ctx context.Context, x exchange) verdict {
	u, err := url.Parse(x.url)
	if err != nil {
		return verdict{schema: "-", problems: []string{"unparseable URL: " + err.Error()}}
	}
	if strings.HasPrefix(u.Path, "/sandbox/") {
		return verdict{} // the sandbox's admin and presigned-upload endpoints are not Apple's API
	}
	req, err := http.NewRequestWithContext(ctx, x.method, u.String(), nil)
	if err != nil {
		return verdict{schema: "-", problems: []string{err.Error()}}
	}
	route, params, rerr := v.router.FindRoute(req)
	if rerr != nil || route.Operation.Responses.Status(x.status) == nil {
		// No such operation (404 for an unknown path, 405), or a status the operation does
		// not list (500 and 503, which Apple sends all the same): Apple answers these with
		// an ErrorResponse, and so must the sandbox.
		if x.status < 400 {
			if rerr != nil {
				return verdict{schema: "-", problems: []string{fmt.Sprintf("status %d for an operation the spec does not have (%v)", x.status, rerr)}}
			}
			return verdict{schema: "-", problems: []string{fmt.Sprintf("status %d is not among the statuses the spec lists for %s %s", x.status, route.Method, route.Path)}}
		}
		return verdict{schema: "ErrorResponse", problems: v.checkErrorBody(x)}
	}
	schema := responseSchemaName(route.Operation, x.status)
	body, nullData := x.body, false
	// Reports come gzipped or as CSV (reports_test.go registers their decoders); only JSON
	// bodies carry nulls to strip.
	if ct := x.header.Get("Content-Type"); ct == "" || strings.Contains(ct, "json") {
		var perr error
		body, nullData, perr = stripNullsJSON(x.body)
		if perr != nil {
			return verdict{schema: schema, problems: []string{"body is not JSON: " + perr.Error()}}
		}
		if strings.Contains(route.Path, "/metrics/") {
			body = metricDatesAsApple(body)
		}
	}
	if nullData {
		return verdict{schema: schema, problems: v.checkNullData(route.Operation, x, body)}
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	opts.WithCustomSchemaErrorFunc(schemaErrorText)
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 x.status,
		Header:                 x.header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return verdict{schema: schema, problems: v.explain(err)}
	}
	if x.status >= 400 {
		var doc any
		_ = json.Unmarshal(body, &doc)
		return verdict{schema: schema, problems: errorStatusProblems(x.status, doc)}
	}
	return verdict{schema: schema}
}

func (v *specValidator) checkErrorBody(x exchange) []string {
	if ct := x.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return []string{fmt.Sprintf("error answer has Content-Type %q, want application/json", ct)}
	}
	var doc any
	if err := json.Unmarshal(x.body, &doc); err != nil {
		return []string{"error body is not JSON: " + err.Error()}
	}
	err := v.errorSchema.VisitJSON(stripNulls(doc), openapi3.MultiErrors(), openapi3.VisitAsResponse(),
		openapi3.SetSchemaErrorMessageCustomizer(schemaErrorText))
	if err != nil {
		return v.explain(err)
	}
	return errorStatusProblems(x.status, doc)
}

// errorStatusProblems checks what no schema says: each error's status (a string in the
// spec) is the answer's HTTP status.
func errorStatusProblems(status int, doc any) []string {
	var probs []string
	m, _ := doc.(map[string]any)
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		probs = append(probs, "ErrorResponse has no errors")
	}
	for i, e := range errs {
		if st, _ := e.(map[string]any)["status"].(string); st != fmt.Sprint(status) {
			probs = append(probs, fmt.Sprintf("/errors/%d/status: %q on a %d answer", i, st, status))
		}
	}
	return probs
}

// responseSchemaName names the schema an operation's answer with this status must match.
func responseSchemaName(op *openapi3.Operation, status int) string {
	rr := op.Responses.Status(status)
	if rr == nil || rr.Value == nil {
		return "-"
	}
	for _, mt := range rr.Value.Content {
		if mt.Schema != nil {
			if i := strings.LastIndex(mt.Schema.Ref, "/"); i >= 0 {
				return mt.Schema.Ref[i+1:]
			}
			return "(inline)"
		}
	}
	return "(no content)"
}

// stripNulls drops null object members. Apple sends null for unset attributes, empty to-one
// relationships and a missing links.next, while its spec marks almost nothing nullable, so
// kin-openapi would reject real Apple answers too (the fixtures README counts 42 of 69
// captures valid as-is and 62 once nulls are ignored). Treating null as absent keeps the
// check on what matters: a null where the spec requires a value still fails, as missing.
func stripNulls(v any) any {
	switch v := v.(type) {
	case string:
		return colonOffset(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if x != nil {
				out[k] = stripNulls(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = stripNulls(x)
		}
		return out
	}
	return v
}

// appleOffset is a timestamp with an offset written without a colon ("...26.000+0000"), as
// App Store Connect writes the provisioning resources' times although RFC 3339, and so the
// spec's date-time, wants "+00:00".
var appleOffset = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d{4}$`)

// colonOffset writes such a timestamp's offset with its colon, so the check takes Apple's
// form as the date-time it is.
func colonOffset(v string) string {
	if !appleOffset.MatchString(v) {
		return v
	}
	return v[:len(v)-2] + ":" + v[len(v)-2:]
}

// stripNullsJSON also reports whether the document's primary data is null.
func stripNullsJSON(body []byte) ([]byte, bool, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return body, false, nil
	}
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, false, err
	}
	m, _ := doc.(map[string]any)
	d, has := m["data"]
	out, err := json.Marshal(stripNulls(doc))
	return out, has && d == nil, err
}

// metricDatesAsApple lets a metrics answer's data points start and end on dates
// ("2022-10-05"), as App Store Connect writes TestFlight usage although the spec declares
// date-times: each such date is read as its midnight in UTC before the check.
func metricDatesAsApple(body []byte) []byte {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return body
	}
	for _, item := range asList(doc["data"]) {
		m, _ := item.(map[string]any)
		for _, dp := range asList(m["dataPoints"]) {
			p, _ := dp.(map[string]any)
			for _, k := range []string{"start", "end"} {
				if d, ok := p[k].(string); ok && len(d) == len("2006-01-02") {
					p[k] = d + "T00:00:00Z"
				}
			}
		}
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return body
	}
	return out
}

// checkNullData checks a document whose primary data is null: what JSON:API answers for an
// empty to-one relationship (GET /v1/apps/{id}/appPriceSchedule, .../relationships/...),
// and what Apple sends, although the spec requires data on every document. Such an answer
// must come from a to-one operation (data is an object in the spec, not a list) and match
// the rest of the schema.
func (v *specValidator) checkNullData(op *openapi3.Operation, x exchange, body []byte) []string {
	rr := op.Responses.Status(x.status)
	mt := rr.Value.Content.Get(x.header.Get("Content-Type"))
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return []string{fmt.Sprintf("Content-Type %q is not one the spec lists", x.header.Get("Content-Type"))}
	}
	sch := *mt.Schema.Value
	if d := sch.Properties["data"]; d == nil || d.Value == nil || d.Value.Type.Is("array") {
		return []string{"/data: null in a list document (an empty list is [])"}
	}
	sch.Required = slices.DeleteFunc(slices.Clone(sch.Required), func(n string) bool { return n == "data" })
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return []string{err.Error()}
	}
	if err := sch.VisitJSON(doc, openapi3.MultiErrors(), openapi3.VisitAsResponse(),
		openapi3.SetSchemaErrorMessageCustomizer(schemaErrorText)); err != nil {
		return v.explain(err)
	}
	return nil
}

// schemaErrorText gives one line per schema error: where in the body, and what is wrong.
// kin-openapi's default message dumps the whole schema and value, which buries the point.
func schemaErrorText(err *openapi3.SchemaError) string {
	return "/" + strings.Join(err.JSONPointer(), "/") + ": " + err.Reason
}

// explain flattens kin-openapi's errors into one line each. A failed oneOf (the items of
// included) says only that nothing matched, so the item is checked again against the
// alternative for its type, to say what is wrong with it.
func (v *specValidator) explain(err error) []string {
	var out []string
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, x := range e {
				walk(x)
			}
		case *openapi3.SchemaError:
			if e.SchemaField == "oneOf" {
				if lines, ok := explainOneOf(e); ok {
					out = append(out, lines...)
					return
				}
			}
			out = append(out, schemaErrorText(e))
		case *openapi3filter.ResponseError:
			if e.Err != nil {
				walk(e.Err)
				return
			}
			out = append(out, e.Reason)
		default:
			out = append(out, err.Error())
		}
	}
	walk(err)
	slices.Sort(out)
	return slices.Compact(out)
}

func explainOneOf(se *openapi3.SchemaError) ([]string, bool) {
	item, _ := se.Value.(map[string]any)
	typ, _ := item["type"].(string)
	if typ == "" || se.Schema == nil {
		return nil, false
	}
	prefix := "/" + strings.Join(se.JSONPointer(), "/")
	var allowed []string
	for _, alt := range se.Schema.OneOf {
		if alt.Value == nil {
			continue
		}
		tp := alt.Value.Properties["type"]
		if tp == nil || tp.Value == nil {
			continue
		}
		for _, e := range tp.Value.Enum {
			allowed = append(allowed, fmt.Sprint(e))
			if e != typ {
				continue
			}
			err := alt.Value.VisitJSON(item, openapi3.MultiErrors(), openapi3.VisitAsResponse(),
				openapi3.SetSchemaErrorMessageCustomizer(schemaErrorText))
			if err == nil {
				return []string{prefix + ": matches " + refName(alt) + " and another alternative of oneOf"}, true
			}
			var lines []string
			var me openapi3.MultiError
			if !errors.As(err, &me) {
				me = openapi3.MultiError{err}
			}
			for _, e := range me {
				var inner *openapi3.SchemaError
				if errors.As(e, &inner) {
					lines = append(lines, prefix+schemaErrorText(inner)+" ("+refName(alt)+")")
				} else {
					lines = append(lines, prefix+": "+e.Error())
				}
			}
			return lines, true
		}
	}
	return []string{fmt.Sprintf("%s: type %q is not one the spec allows here %v", prefix, typ, allowed)}, true
}

func refName(r *openapi3.SchemaRef) string {
	if i := strings.LastIndex(r.Ref, "/"); i >= 0 {
		return r.Ref[i+1:]
	}
	return "inline schema"
}

// fidelityTally counts what the checks covered for one test, so a fidelity test can assert
// that its workload was really checked, and against which schemas.
type fidelityTally struct {
	mu       sync.Mutex
	checked  int
	byStatus map[int]int
	schemas  map[string]int
	failures []string
}

var fidelityTallies sync.Map // testing.TB -> *fidelityTally

// trackFidelity starts counting the checked answers of t's requests.
func trackFidelity(t testing.TB) *fidelityTally {
	ft := &fidelityTally{byStatus: map[int]int{}, schemas: map[string]int{}}
	fidelityTallies.Store(t, ft)
	t.Cleanup(func() { fidelityTallies.Delete(t) })
	return ft
}

func (ft *fidelityTally) add(x exchange, vd verdict) {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	ft.checked++
	ft.byStatus[x.status]++
	ft.schemas[vd.schema]++
	for _, p := range vd.problems {
		ft.failures = append(ft.failures, x.String()+": "+p)
	}
}

func (ft *fidelityTally) count(status int) int {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.byStatus[status]
}

// validateExchange checks one answer and reports every problem as a test error. Without the
// spec (a fresh clone without ../shared) it does nothing: the fidelity tests say why they skip.
func validateExchange(t testing.TB, x exchange) {
	t.Helper()
	path, ok := specPathQuiet()
	if !ok {
		return
	}
	v, err := sharedSpecValidator(path)
	if err != nil {
		t.Errorf("fidelity: cannot check answers against Apple's spec: %v", err)
		return
	}
	vd := v.check(context.Background(), x)
	if vd.schema == "" {
		return
	}
	for _, p := range vd.problems {
		t.Errorf("fidelity: %s does not match the spec's %s: %s", x, vd.schema, p)
	}
	if ft, ok := fidelityTallies.Load(t); ok {
		ft.(*fidelityTally).add(x, vd)
	}
}

// recordForValidation is testClient.do's hook: every answer a sandbox test receives is
// checked against the spec.
func recordForValidation(t testing.TB, method, path string, r *response) {
	t.Helper()
	validateExchange(t, exchange{method: method, url: path, status: r.status, header: r.header, body: r.body})
}

// validatingTransport checks every exchange it carries against the spec, and signs requests
// that carry no Authorization with the sandbox's key.
type validatingTransport struct {
	t    testing.TB
	base http.RoundTripper
	src  auth.TokenSource
}

func (vt *validatingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if vt.src != nil && req.Header.Get("Authorization") == "" && !strings.HasPrefix(req.URL.Path, "/sandbox/") {
		tok, err := vt.src.Token(req.Context())
		if err != nil {
			return nil, err
		}
		req = req.Clone(req.Context())
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := vt.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	validateExchange(vt.t, exchange{method: req.Method, url: req.URL.String(), status: resp.StatusCode, header: resp.Header, body: body})
	return resp, nil
}

// newValidatingClient returns an HTTP client for the sandbox that signs requests with the
// sandbox's key (unless they carry their own Authorization) and fails t whenever an answer
// does not match Apple's spec. It also fits asc.WithHTTPClient, to check what the typed
// client receives.
func newValidatingClient(t testing.TB, s *Server) *http.Client {
	t.Helper()
	return &http.Client{Transport: &validatingTransport{
		t: t, base: http.DefaultTransport, src: auth.NewTokenSource(s.Key(), auth.TokenOptions{}),
	}}
}

// seenResources remembers a few resources of each type met in answers, keyed by the
// collection path of their canonical URL ("/v1/apps"), so a crawl can read each type's
// related paths, and by type, so writes can point relationships at them.
type seenResources struct {
	byBase map[string][]string // "/v1/apps" -> ids
	byType map[string][]string // "apps" -> ids
}

func newSeenResources() *seenResources {
	return &seenResources{byBase: map[string][]string{}, byType: map[string][]string{}}
}

// seenPerType bounds the ids kept per type; a crawl tries a few of them spread over the
// list, since neighbours (the localizations of one version) tend to be alike.
const seenPerType = 60

func (sr *seenResources) collect(doc map[string]any) {
	var items []any
	switch d := doc["data"].(type) {
	case []any:
		items = append(items, d...)
	case map[string]any:
		items = append(items, d)
	}
	if inc, ok := doc["included"].([]any); ok {
		items = append(items, inc...)
	}
	for _, it := range items {
		m, _ := it.(map[string]any)
		id, _ := m["id"].(string)
		typ, _ := m["type"].(string)
		links, _ := m["links"].(map[string]any)
		self, _ := links["self"].(string)
		u, err := url.Parse(self)
		if id == "" || typ == "" || err != nil || !strings.HasSuffix(u.Path, "/"+id) {
			continue
		}
		base := strings.TrimSuffix(u.Path, "/"+id)
		if len(sr.byBase[base]) < seenPerType && !slices.Contains(sr.byBase[base], id) {
			sr.byBase[base] = append(sr.byBase[base], id)
		}
		if len(sr.byType[typ]) < seenPerType && !slices.Contains(sr.byType[typ], id) {
			sr.byType[typ] = append(sr.byType[typ], id)
		}
	}
}

// TestFidelityWorkload drives a broad workload through the sandbox and holds every answer to
// the spec's schema for its operation and status (the checking happens in testClient.do):
// paged and shaped lists, reads with every include the spec allows, related lists and
// linkage, a localization's create, update and delete, the error answers clients meet (400,
// 401, 404, 405, 409), then a crawl of every collection the spec lists without required
// parameters and every GET under each resource type the demo data holds, and a write sweep
// over every create operation.
func TestFidelityWorkload(t *testing.T) {
	requireSpecValidator(t)
	_, c := newTestServer(t, Options{HourlyLimit: -1})
	ft := trackFidelity(t)
	seen := newSeenResources()
	get := func(path string, status int) *response {
		t.Helper()
		r := c.do("GET", path, nil).must(t, status)
		if r.header.Get("X-Rate-Limit") == "" {
			t.Errorf("GET %s: no X-Rate-Limit header", path)
		}
		if r.doc != nil {
			seen.collect(r.doc)
		}
		return r
	}

	// Apps a page at a time, following links.next to the end.
	var ids []string
	next := "/v1/apps?limit=1&sort=name&fields[apps]=name,bundleId,sku,primaryLocale"
	for pages := 0; next != ""; pages++ {
		if pages > 50 {
			t.Fatal("links.next never ends")
		}
		r := get(next, 200)
		for _, a := range r.list() {
			ids = append(ids, a.(map[string]any)["id"].(string))
		}
		links, _ := r.doc["links"].(map[string]any)
		next, _ = links["next"].(string)
	}
	if len(ids) < 2 {
		t.Fatalf("the demo seed has %d apps; the workload needs at least 2", len(ids))
	}
	appID := ids[0]
	get("/v1/apps?limit=2&sort=-bundleId&include=appInfos,appStoreVersions,builds&limit[appStoreVersions]=2&limit[builds]=3"+
		"&fields[apps]=name,bundleId,appInfos,appStoreVersions,builds&fields[appInfos]=state,appStoreState&fields[builds]=version,uploadedDate", 200)
	get("/v1/apps?filter[bundleId]=com.example.ledger,com.example.daybreak&exists[gameCenterEnabledVersions]=false", 200)

	// One app with everything the spec lets a read include, then its related lists.
	get("/v1/apps/"+appID+"?include="+strings.Join(includeEnum(t, "GET", "/v1/apps/{id}"), ","), 200)
	infos := get("/v1/apps/"+appID+"/appInfos", 200).list()
	if len(infos) == 0 {
		t.Fatalf("demo app %s has no appInfos", appID)
	}
	infoID := infos[0].(map[string]any)["id"].(string)
	get("/v1/apps/"+appID+"/relationships/appInfos", 200)
	get("/v1/appInfos/"+infoID+"?include=app,appInfoLocalizations&limit[appInfoLocalizations]=2", 200)
	for next := "/v1/appInfos/" + infoID + "/appInfoLocalizations?limit=2"; next != ""; {
		r := get(next, 200)
		links, _ := r.doc["links"].(map[string]any)
		next, _ = links["next"].(string)
	}

	// A localization's life: create, read, update, delete, gone.
	loc := c.do("POST", "/v1/appInfoLocalizations", map[string]any{"data": map[string]any{
		"type":          "appInfoLocalizations",
		"attributes":    map[string]any{"locale": "pt-PT", "name": "Fidelity", "subtitle": "Checked against the spec"},
		"relationships": map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "appInfos", "id": infoID}}},
	}}).must(t, 201).data()
	locID, _ := loc["id"].(string)
	get("/v1/appInfoLocalizations/"+locID+"?include=appInfo", 200)
	c.do("PATCH", "/v1/appInfoLocalizations/"+locID, map[string]any{"data": map[string]any{
		"type": "appInfoLocalizations", "id": locID, "attributes": map[string]any{"subtitle": "Patched", "privacyPolicyText": nil},
	}}).must(t, 200)
	c.do("DELETE", "/v1/appInfoLocalizations/"+locID, nil).must(t, 204)
	get("/v1/appInfoLocalizations/"+locID, 404)

	// Errors, each of which must be an ErrorResponse. Parameter errors name the parameter and
	// entity errors point into the body (source.parameter, source.pointer), as Apple's do.
	get("/v1/apps/0000000000", 404)
	for param, path := range map[string]string{
		"limit":              "/v1/apps/" + appID + "/appInfos?limit=201",
		"fields[apps]":       "/v1/apps?fields[apps]=notAField",
		"filter[notAFilter]": "/v1/apps?filter[notAFilter]=1",
		"sort":               "/v1/apps?sort=notASortKey",
		"include":            "/v1/apps?include=notARelationship",
		"cursor":             "/v1/apps?cursor=not-a-cursor",
	} {
		if got := firstErrorSource(get(path, 400), "parameter"); got != param {
			t.Errorf("GET %s: source.parameter %q, want %q", path, got, param)
		}
	}
	get("/v1/notAResourceType", 404)
	c.do("DELETE", "/v1/apps", nil).must(t, 405)
	r := c.do("POST", "/v1/appInfoLocalizations", map[string]any{"data": map[string]any{
		"type": "appInfoLocalizations", "attributes": map[string]any{"name": "No locale"},
		"relationships": map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "appInfos", "id": infoID}}},
	}}).must(t, 409)
	if got := firstErrorSource(r, "pointer"); got != "/data/attributes/locale" {
		t.Errorf("missing locale: source.pointer %q, want /data/attributes/locale", got)
	}
	c.do("POST", "/v1/appInfoLocalizations", map[string]any{"data": map[string]any{
		"type": "appInfoLocalizations", "attributes": map[string]any{"locale": "en-US", "name": "Twice"},
		"relationships": map[string]any{"appInfo": map[string]any{"data": map[string]any{"type": "appInfos", "id": infoID}}},
	}}).must(t, 409)
	c.do("POST", "/v1/appInfoLocalizations", `{"data": {"type": "apps"}}`).must(t, 409)
	c.do("PATCH", "/v1/apps/"+appID, map[string]any{"data": map[string]any{"type": "apps", "id": "another", "attributes": map[string]any{}}}).must(t, 409)
	for _, tok := range []string{"", "not.a.token"} {
		if code := c.doToken("GET", "/v1/apps", nil, tok).must(t, 401).errorCode(); code != "NOT_AUTHORIZED" {
			t.Errorf("401 code %q, want NOT_AUTHORIZED", code)
		}
	}

	// Every collection, and every GET under each resource type the demo data holds; then a
	// create for every type the spec lets clients create, and an update and a delete of what
	// was created.
	swept := crawl(t, c, seen, nil)
	writeSweep(t, c, seen)

	// The workload must really have been checked, across the statuses it aimed at.
	for _, st := range []int{200, 201, 204, 400, 401, 404, 405, 409} {
		if ft.count(st) == 0 {
			t.Errorf("no %d answer was checked against the spec", st)
		}
	}
	ft.mu.Lock()
	defer ft.mu.Unlock()
	if len(seen.byType) < 5 || swept < 50 {
		t.Errorf("the sweep met %d resource types and read %d related paths; the demo seed should offer more", len(seen.byType), swept)
	}
	t.Logf("checked %d answers against the spec (%d schemas; statuses %v); swept %d GET operations over %d resource types",
		ft.checked, len(ft.schemas), ft.byStatus, swept, len(seen.byType))
}

// firstErrorSource is the first error's source.parameter or source.pointer.
func firstErrorSource(r *response, kind string) string {
	errs, _ := r.doc["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	src, _ := errs[0].(map[string]any)["source"].(map[string]any)
	v, _ := src[kind].(string)
	return v
}

// crawl reads every collection the spec lists without required parameters, then every GET
// under each resource type met so far (on up to three resources of that type, until one has
// something there, with every include the spec allows); what those answers hold brings more types, so it repeats until it finds no
// more. visit, when set, sees each answer with a body. It returns how many GETs it made
// under resource types.
func crawl(t *testing.T, c *testClient, seen *seenResources, visit func(path string, r *response)) int {
	t.Helper()
	read := func(path string) *response {
		r := c.do("GET", path, nil)
		if r.header.Get("X-Rate-Limit") == "" {
			t.Errorf("GET %s: no X-Rate-Limit header; Apple sends it on every answer", path)
		}
		if r.status == 200 && r.doc != nil {
			seen.collect(r.doc)
			if visit != nil {
				visit(path, r)
			}
		}
		return r
	}
	for _, op := range specOperations() {
		if op.Method != "GET" || strings.Contains(op.Path, "{") || op.MediaType != "application/json" || hasRequired(op) {
			continue
		}
		path := op.Path
		if _, ok := op.Param("limit"); ok {
			path += "?limit=3"
		}
		if r := read(path); r.status != 200 {
			t.Errorf("GET %s: status %d, want 200: %s", path, r.status, r.body)
		}
	}
	swept := 0
	done := map[string]bool{}
	for pass := 0; pass < 5; pass++ {
		before := len(seen.byType)
		for _, op := range specOperations() {
			if op.Method != "GET" || op.MediaType != "application/json" || done[op.ID] {
				continue
			}
			base, rest, ok := strings.Cut(op.Path, "/{id}")
			if !ok || strings.Contains(rest, "{") {
				continue
			}
			ids := seen.byBase[base]
			if len(ids) == 0 {
				continue
			}
			q := url.Values{}
			if !fillRequired(op, q) {
				continue
			}
			if p, ok := op.Param("include"); ok {
				q.Set("include", strings.Join(p.Enum, ","))
			}
			done[op.ID] = true
			// The first resource of a type may have nothing related (a version without
			// screenshots), so the next ones are tried until an answer has data.
			for _, id := range spread(ids, 3) {
				path := base + "/" + id + rest
				if len(q) > 0 {
					path += "?" + q.Encode()
				}
				swept++
				r := read(path)
				if r.status != 200 && r.status != 404 {
					t.Errorf("GET %s: status %d, want 200 (or 404 where there is nothing): %s", path, r.status, r.body)
				}
				if d, _ := r.doc["data"].([]any); r.status == 200 && (r.doc["data"] != nil && (d == nil || len(d) > 0)) {
					break
				}
			}
		}
		if len(seen.byType) == before {
			break
		}
	}
	return swept
}

// writeSweep POSTs a create for every create operation in the spec, with the required
// attributes filled from the request model and the required relationships pointing at demo
// resources; then PATCHes (with no changes) and DELETEs what it created, where the spec has
// those operations. Whatever the sandbox answers, 201 or an error, is checked against the
// spec by testClient.do; a 5xx fails here.
func writeSweep(t *testing.T, c *testClient, seen *seenResources) {
	t.Helper()
	type made struct{ base, typ, id string }
	var created []made
	counts := map[int]int{}
	for _, op := range specOperations() {
		segs := strings.Split(strings.Trim(op.Path, "/"), "/")
		if op.Method != "POST" || len(segs) != 2 || op.RequestSchema == "" {
			continue
		}
		b, ok := specRequestBody(op.RequestSchema)
		if !ok || b.Type == "" {
			continue
		}
		attrs := map[string]any{}
		for _, name := range b.RequiredAttributes {
			attrs[name] = sampleValue(b.Attributes[name])
		}
		rels := map[string]any{}
		for _, name := range b.RequiredRelationships {
			rel := b.Relationships[name]
			ids := seen.byType[rel.Type]
			if len(ids) == 0 {
				continue // the sandbox answers the missing relationship with a 409, checked all the same
			}
			ref := map[string]any{"type": rel.Type, "id": ids[len(ids)-1]}
			if rel.ToMany {
				rels[name] = map[string]any{"data": []any{ref}}
			} else {
				rels[name] = map[string]any{"data": ref}
			}
		}
		data := map[string]any{"type": b.Type, "attributes": attrs}
		if len(rels) > 0 {
			data["relationships"] = rels
		}
		r := c.do("POST", op.Path, map[string]any{"data": data})
		counts[r.status]++
		if r.status >= 500 {
			t.Errorf("POST %s: %d %s", op.Path, r.status, r.body)
		}
		if d := r.data(); r.status == 201 && d != nil {
			id, _ := d["id"].(string)
			typ, _ := d["type"].(string)
			created = append(created, made{"/" + segs[0] + "/" + segs[1], typ, id})
		}
	}
	for _, m := range created {
		path := m.base + "/" + m.id
		if _, _, ok := specFind("PATCH", path); ok {
			r := c.do("PATCH", path, map[string]any{"data": map[string]any{"type": m.typ, "id": m.id, "attributes": map[string]any{}}})
			counts[r.status]++
			if r.status >= 500 {
				t.Errorf("PATCH %s: %d %s", path, r.status, r.body)
			}
		}
		if _, _, ok := specFind("DELETE", path); ok {
			r := c.do("DELETE", path, nil)
			counts[r.status]++
			if r.status >= 500 {
				t.Errorf("DELETE %s: %d %s", path, r.status, r.body)
			}
		}
	}
	if counts[201] < 10 {
		t.Errorf("only %d creates succeeded (answers by status: %v); the sweep is not reaching the sandbox's store", counts[201], counts)
	}
	t.Logf("write sweep: %d resources created; answers by status %v", len(created), counts)
}

// sampleValue is a plausible value for a request attribute of the given model. URLs point
// at a closed loopback port, so nothing the sandbox might call leaves the machine.
func sampleValue(f *Field) any {
	if f == nil {
		return "Fidelity"
	}
	if len(f.Enum) > 0 {
		return f.Enum[0]
	}
	switch f.Type {
	case "integer", "number":
		return 1
	case "boolean":
		return false
	case "array":
		if f.Items != nil {
			return []any{sampleValue(f.Items)}
		}
		return []any{}
	case "object":
		m := map[string]any{}
		for _, name := range f.Required {
			m[name] = sampleValue(f.Properties[name])
		}
		return m
	}
	switch f.Format {
	case "date-time":
		return "2027-01-15T12:00:00Z"
	case "date":
		return "2027-01-15"
	case "uri", "url":
		return "http://127.0.0.1:9/fidelity"
	case "email":
		return "fidelity@example.com"
	}
	return "Fidelity"
}

// editableScreenshotSet finds a screenshot set of a version being prepared, the only kind
// that takes new screenshots.
func editableScreenshotSet(t *testing.T, c *testClient, apps []string) string {
	t.Helper()
	for _, app := range apps {
		vers := c.do("GET", "/v1/apps/"+app+"/appStoreVersions?filter[appVersionState]=PREPARE_FOR_SUBMISSION", nil).must(t, 200).list()
		for _, v := range vers {
			locs := c.do("GET", "/v1/appStoreVersions/"+v.(map[string]any)["id"].(string)+"/appStoreVersionLocalizations?include=appScreenshotSets", nil).must(t, 200)
			for _, inc := range asList(locs.doc["included"]) {
				if m := inc.(map[string]any); m["type"] == "appScreenshotSets" {
					return m["id"].(string)
				}
			}
		}
	}
	return ""
}

func asList(v any) []any { l, _ := v.([]any); return l }

// spread picks up to n items evenly from list: the first, the last, and between.
func spread(list []string, n int) []string {
	if len(list) <= n {
		return slices.Clone(list)
	}
	out := make([]string, 0, n)
	for i := range n {
		out = append(out, list[i*(len(list)-1)/(n-1)])
	}
	return out
}

// includeEnum is the include values the spec allows on an operation.
func includeEnum(t *testing.T, method, path string) []string {
	t.Helper()
	op, _, ok := specFind(method, path)
	if !ok {
		t.Fatalf("%s %s is not in the catalog", method, path)
	}
	p, ok := op.Param("include")
	if !ok || len(p.Enum) == 0 {
		t.Fatalf("%s %s has no include parameter", method, path)
	}
	return p.Enum
}

func hasRequired(op Operation) bool {
	for _, p := range op.Params {
		if p.Required {
			return true
		}
	}
	return false
}

// fillRequired gives each required parameter its first allowed value; it reports false when
// a required parameter has no enum to take one from.
func fillRequired(op Operation, q url.Values) bool {
	for _, p := range op.Params {
		if !p.Required {
			continue
		}
		if len(p.Enum) == 0 {
			return false
		}
		q.Set(p.Name, p.Enum[0])
	}
	return true
}

// TestFidelityValidatorCatches shows the check is not vacuous: crafted answers with the
// mistakes an emulator makes are caught, and the shapes Apple really sends (nulls, empty
// to-one data, 503 errors) pass.
func TestFidelityValidatorCatches(t *testing.T) {
	v := requireSpecValidator(t)
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	errBody := func(status, code string) string {
		return `{"errors":[{"id":"x","status":"` + status + `","code":"` + code + `","title":"t","detail":"d"}]}`
	}
	for _, tc := range []struct {
		name, method, url string
		status            int
		header            http.Header
		body              string
		want              string // a problem containing this; "" for none
	}{
		{"attribute type", "GET", "/v1/apps", 200, jsonCT,
			`{"data":[{"type":"apps","id":"1","attributes":{"name":5}}],"links":{"self":"x"}}`, "/data/0/attributes/name"},
		{"enum", "GET", "/v1/apps?limit=1", 200, jsonCT,
			`{"data":[{"type":"apps","id":"1","attributes":{"contentRightsDeclaration":"MAYBE"}}],"links":{"self":"x"}}`, "/data/0/attributes/contentRightsDeclaration"},
		{"resource type", "GET", "/v1/apps", 200, jsonCT,
			`{"data":[{"type":"app","id":"1"}],"links":{"self":"x"}}`, "/data/0/type"},
		{"links required", "GET", "/v1/apps", 200, jsonCT, `{"data":[]}`, "links"},
		{"date-time", "GET", "/v1/builds", 200, jsonCT,
			`{"data":[{"type":"builds","id":"1","attributes":{"uploadedDate":"yesterday"}}],"links":{"self":"x"}}`, "/data/0/attributes/uploadedDate"},
		{"included type", "GET", "/v1/apps/1", 200, jsonCT,
			`{"data":{"type":"apps","id":"1"},"included":[{"type":"bogus","id":"2"}],"links":{"self":"x"}}`, "/included/0"},
		{"included attribute", "GET", "/v1/apps/1", 200, jsonCT,
			`{"data":{"type":"apps","id":"1"},"included":[{"type":"appInfos","id":"2","attributes":{"state":"NOPE"}}],"links":{"self":"x"}}`, "/included/0/attributes/state"},
		{"null list", "GET", "/v1/apps", 200, jsonCT, `{"data":null,"links":{"self":"x"}}`, "null in a list document"},
		{"undeclared success status", "GET", "/v1/apps", 203, jsonCT, `{"data":[],"links":{"self":"x"}}`, "not among the statuses"},
		{"success on unknown path", "GET", "/v1/notAThing", 200, jsonCT, `{}`, "does not have"},
		{"content type", "GET", "/v1/apps", 200, http.Header{"Content-Type": {"text/plain"}}, `{"data":[],"links":{"self":"x"}}`, "text/plain"},
		{"error without code", "GET", "/v1/apps/1", 404, jsonCT, `{"errors":[{"status":"404","title":"t","detail":"d"}]}`, "code"},
		{"error status", "GET", "/v1/apps/1", 404, jsonCT, errBody("400", "NOT_FOUND"), `"400" on a 404 answer`},
		{"error shape", "GET", "/v1/apps/1", 500, jsonCT, `{"error":"boom"}`, "errors"},

		{"null attribute", "GET", "/v1/apps", 200, jsonCT,
			`{"data":[{"type":"apps","id":"1","attributes":{"name":null},"relationships":{"appInfos":{"data":null}}}],"links":{"self":"x","next":null}}`, ""},
		{"empty to-one", "GET", "/v1/apps/1/appPriceSchedule", 200, jsonCT, `{"data":null,"links":{"self":"x"}}`, ""},
		{"created", "POST", "/v1/appInfoLocalizations", 201, jsonCT,
			`{"data":{"type":"appInfoLocalizations","id":"1","attributes":{"locale":"pt-PT"}},"links":{"self":"x"}}`, ""},
		{"deleted", "DELETE", "/v1/appInfoLocalizations/1", 204, http.Header{}, ``, ""},
		{"undeclared error status", "GET", "/v1/apps", 503, jsonCT, errBody("503", "SERVICE_UNAVAILABLE"), ""},
		{"unknown path", "GET", "/v1/notAThing", 404, jsonCT, errBody("404", "NOT_FOUND"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vd := v.check(t.Context(), exchange{method: tc.method, url: tc.url, status: tc.status, header: tc.header, body: []byte(tc.body)})
			if vd.schema == "" {
				t.Fatalf("%s %s was not checked", tc.method, tc.url)
			}
			switch {
			case tc.want == "" && len(vd.problems) > 0:
				t.Errorf("valid answer rejected (%s): %q", vd.schema, vd.problems)
			case tc.want != "" && !slices.ContainsFunc(vd.problems, func(p string) bool { return strings.Contains(p, tc.want) }):
				t.Errorf("problems %q (%s) do not mention %q", vd.problems, vd.schema, tc.want)
			}
		})
	}
	if vd := v.check(t.Context(), exchange{method: "GET", url: "/sandbox/stats", status: 200, header: jsonCT, body: []byte(`{}`)}); vd.schema != "" {
		t.Errorf("the sandbox's admin endpoint was held to %s; it is not Apple's API", vd.schema)
	}
}

// fieldSets records, per resource type, the attribute names populated (a non-null value)
// and the relationship names present, each with the first source that showed it.
type fieldSets map[string]map[string]string // type -> "attributes.name" or "relationships.name" -> source

func (fs fieldSets) add(res any, source string) {
	m, _ := res.(map[string]any)
	typ, _ := m["type"].(string)
	if typ == "" {
		return
	}
	if fs[typ] == nil {
		fs[typ] = map[string]string{}
	}
	note := func(key string) {
		if _, dup := fs[typ][key]; !dup {
			fs[typ][key] = source
		}
	}
	attrs, _ := m["attributes"].(map[string]any)
	for k, v := range attrs {
		if v != nil {
			note("attributes." + k)
		}
	}
	rels, _ := m["relationships"].(map[string]any)
	for k := range rels {
		note("relationships." + k)
	}
}

// addDoc records a document's data and included, or a bare resource object (some captures
// hold only the data element).
func (fs fieldSets) addDoc(doc map[string]any, source string) {
	if _, bare := doc["type"]; bare {
		fs.add(doc, source)
	}
	switch d := doc["data"].(type) {
	case []any:
		for _, x := range d {
			fs.add(x, source)
		}
	case map[string]any:
		fs.add(d, source)
	}
	if inc, ok := doc["included"].([]any); ok {
		for _, x := range inc {
			fs.add(x, source)
		}
	}
}

// fixtureFieldExceptions are the fields real captures populate that the sandbox rightly
// lacks, because Apple's public API (spec 4.4.1) does not have them; see the fixtures
// README's provenance notes. Keys are "type.attributes.name", "type.relationships.name", or
// a whole type.
var fixtureFieldExceptions = []struct {
	why    string
	fields []string
}{
	{"resource types of the web-session (iris) host or of earlier API versions, absent from spec 4.4.1", []string{
		"betaBuildMetrics", "betaFeedbacks", "betaScreenshots", "betaTesterMetrics", "buildDeliveries",
	}},
	{"undocumented attributes and relationships of the web-session (iris) host, which fastlane's TestFlight and App Store captures went through", []string{
		"apps.attributes.isAAG", "apps.attributes.removed",
		"appStoreVersions.attributes.isWatchOnly", "appStoreVersions.attributes.storeIcon",
		"appStoreVersions.relationships.ageRatingDeclaration", "appStoreVersions.relationships.appStoreVersionStateChanges",
		"appStoreVersions.relationships.gameCenterConfiguration", "appStoreVersions.relationships.resetRatingsRequest",
		"appStoreVersionReleaseRequests.relationships.appStoreVersion",
		"betaGroups.relationships.betaBuildMetrics", "builds.relationships.betaBuildMetrics", "builds.attributes.qcState",
		"buildBetaDetails.attributes.didNotify",
		"betaTesters.relationships.betaTesterMetrics", "betaTesters.attributes.betaTesterState",
		"betaTesters.attributes.installedCfBundleShortVersionString", "betaTesters.attributes.installedCfBundleVersion",
		"betaTesters.attributes.installedDevice", "betaTesters.attributes.installedDevicePlatform",
		"betaTesters.attributes.installedOsVersion", "betaTesters.attributes.isDeleted", "betaTesters.attributes.lastModifiedDate",
		"betaTesters.attributes.latestExpiringCfBundleShortVersionString", "betaTesters.attributes.latestExpiringCfBundleVersionString",
		"betaTesters.attributes.latestInstalledDevice", "betaTesters.attributes.latestInstalledDevicePlatform",
		"betaTesters.attributes.latestInstalledOsVersion", "betaTesters.attributes.numberOfInstalledDevices",
		"betaTesters.attributes.removeAfterDate",
	}},
	{"attributes and relationships of the developer-portal flavour of the API, which fastlane's provisioning captures came from", []string{
		"bundleIds.attributes.platformName", "bundleIds.attributes.responseId", "bundleIds.attributes.wildcard",
		"bundleIdCapabilities.attributes.enabled", "bundleIdCapabilities.attributes.ownerType", "bundleIdCapabilities.attributes.responseId",
		"bundleIdCapabilities.relationships.appConsentBundleId", "bundleIdCapabilities.relationships.appGroups",
		"bundleIdCapabilities.relationships.bundleId", "bundleIdCapabilities.relationships.capability",
		"bundleIdCapabilities.relationships.certificates", "bundleIdCapabilities.relationships.cloudContainers",
		"bundleIdCapabilities.relationships.macBundleId", "bundleIdCapabilities.relationships.merchantIds",
		"bundleIdCapabilities.relationships.relatedAppConsentBundleIds", "bundleIdCapabilities.relationships.webDomain",
		"certificates.attributes.certificateTypeId", "certificates.attributes.certificateTypeName", "certificates.attributes.ownerId",
		"certificates.attributes.ownerName", "certificates.attributes.platformName", "certificates.attributes.requesterEmail",
		"certificates.attributes.requesterFirstName", "certificates.attributes.requesterLastName",
		"certificates.attributes.responseId", "certificates.attributes.status",
		"devices.attributes.devicePlatformLabel", "devices.attributes.platformName", "devices.attributes.responseId",
		"profiles.attributes.bundlePlatform", "profiles.attributes.platformName", "profiles.attributes.profileTypeLabel",
		"profiles.attributes.responseId", "profiles.relationships.referenceProfile",
	}},
	{"relationships of earlier API versions that spec 4.4.1 no longer declares on apps", []string{
		"apps.relationships.appAvailability", "apps.relationships.appStoreVersionMetrics", "apps.relationships.availableTerritories",
		"apps.relationships.betaReviewMetrics", "apps.relationships.preOrder", "apps.relationships.pricePoints",
		"apps.relationships.prices", "apps.relationships.provider",
	}},
	{"attributes of the deprecated v1 inAppPurchases schema; the sandbox serves the type with the V2 model", []string{
		"inAppPurchases.attributes.availableInAllTerritories", "inAppPurchases.attributes.referenceName",
	}},
	{"attributes spec 4.4.1 does not declare on territoryAvailabilities (a later API version's)", []string{
		"territoryAvailabilities.attributes.availableInPast", "territoryAvailabilities.attributes.preOrderAvailableInPast",
	}},
}

// knownSandboxGaps are declared fields that real answers populate and the sandbox's demo
// answers do not yet; each is a fidelity bug to fix in the sandbox, listed so that the test
// holds everything else and says when one is fixed.
var knownSandboxGaps = []struct {
	why    string
	fields []string
}{}

// TestFidelityFixtureFields compares, per resource type, the fields that real captured
// answers populate with those the sandbox's demo answers populate: a client written against
// real data must find the same attributes and relationships here. The sandbox side comes
// from a crawl of every GET the demo data can answer, with every include (so types without
// a GET of their own, such as phased releases, are met through their parents).
func TestFidelityFixtureFields(t *testing.T) {
	dir := filepath.Join(testutil.SharedDir(t), "fixtures", "responses")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s (%v)", dir, err)
	}
	real := fieldSets{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		real.addDoc(doc, filepath.Base(f))
	}

	_, c := newTestServer(t, Options{HourlyLimit: -1})
	got := fieldSets{}
	seen := newSeenResources()
	crawl(t, c, seen, func(path string, r *response) { got.addDoc(r.doc, path) })

	// Some captures are answers to writes: an asset reservation (uploadOperations exist only
	// there) and a webhook. The sandbox's answers to the same writes are compared too.
	created := func(path string, body map[string]any) bool {
		t.Helper()
		r := c.do("POST", path, map[string]any{"data": body})
		if r.status == 201 {
			got.addDoc(r.doc, "POST "+path)
		}
		return r.status == 201
	}
	if set := editableScreenshotSet(t, c, seen.byType["apps"]); set == "" {
		t.Error("no demo app has a version being prepared with a screenshot set")
	} else if !created("/v1/appScreenshots", map[string]any{"type": "appScreenshots",
		"attributes":    map[string]any{"fileName": "fidelity.png", "fileSize": 1 << 20},
		"relationships": map[string]any{"appScreenshotSet": map[string]any{"data": map[string]any{"type": "appScreenshotSets", "id": set}}}}) {
		t.Error("the sandbox refused to reserve a screenshot")
	}
	if apps := seen.byType["apps"]; len(apps) > 0 && !created("/v1/webhooks", map[string]any{"type": "webhooks",
		"attributes": map[string]any{"name": "Fidelity", "url": "http://127.0.0.1:9/fidelity-hook", "secret": "fidelity-secret",
			"enabled": true, "eventTypes": []string{"APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"}},
		"relationships": map[string]any{"app": map[string]any{"data": map[string]any{"type": "apps", "id": apps[0]}}}}) {
		t.Error("the sandbox refused to create a webhook")
	}

	excepted := map[string]bool{}
	for _, e := range fixtureFieldExceptions {
		for _, f := range e.fields {
			excepted[f] = true
		}
	}
	gaps := map[string]string{}
	for _, g := range knownSandboxGaps {
		for _, f := range g.fields {
			gaps[f] = g.why
		}
	}
	usedException := map[string]bool{}
	var compared, notSeeded []string
	for _, typ := range slices.Sorted(maps.Keys(real)) {
		rt, inSpec := specResource(typ)
		if !inSpec {
			if !excepted[typ] {
				t.Errorf("fixtures hold type %s, which spec 4.4.1 lacks and no exception explains", typ)
			}
			usedException[typ] = true
			continue
		}
		seeded := got[typ] != nil
		if seeded {
			compared = append(compared, typ)
		} else {
			notSeeded = append(notSeeded, typ)
		}
		for _, key := range slices.Sorted(maps.Keys(real[typ])) {
			kind, name, _ := strings.Cut(key, ".")
			declared := false
			if kind == "attributes" {
				_, declared = rt.Attributes[name]
			} else {
				_, declared = rt.Relationships[name]
			}
			full := typ + "." + key
			switch {
			case !declared && excepted[full]:
				usedException[full] = true
			case !declared:
				t.Errorf("%s (in %s) is not in spec 4.4.1 and no exception explains it", full, real[typ][key])
			case !seeded:
				// Nothing to compare: the demo data has no resource of this type.
			case got[typ][key] != "":
				if gaps[full] != "" {
					t.Logf("%s is no longer a sandbox gap: remove it from knownSandboxGaps", full)
				}
			case gaps[full] != "":
				t.Logf("known sandbox gap: %s (real answers: %s): %s", full, real[typ][key], gaps[full])
			default:
				t.Errorf("%s: real answers populate it (%s), the sandbox's demo answers never do", full, real[typ][key])
			}
		}
	}
	for f := range excepted {
		if !usedException[f] {
			t.Errorf("exception %s matches nothing in the fixtures: remove it", f)
		}
	}
	// The types that matter most to clients must really have been compared.
	for _, typ := range []string{"apps", "builds", "betaGroups", "betaTesters", "appStoreVersions", "preReleaseVersions",
		"bundleIds", "customerReviews", "reviewSubmissions", "inAppPurchases", "buildBetaDetails", "betaAppLocalizations",
		"appScreenshots", "webhooks"} {
		if !slices.Contains(compared, typ) {
			t.Errorf("%s was not compared: the demo seed serves none", typ)
		}
	}
	t.Logf("compared %d resource types with the captures: %v; not in the demo data: %v", len(compared), compared, notSeeded)
}

// errorCapture stands in for a test, to see what a check reports without failing.
type errorCapture struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (e *errorCapture) Helper() {}
func (e *errorCapture) Errorf(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs = append(e.errs, fmt.Sprintf(format, args...))
}

// TestFidelityValidatingClient checks the helper other tests use: it signs requests with the
// sandbox's key, checks every answer it carries, and reports an answer that breaks the spec.
func TestFidelityValidatingClient(t *testing.T) {
	requireSpecValidator(t)
	s, _ := newTestServer(t, Options{})
	ft := trackFidelity(t)
	hc := newValidatingClient(t, s)
	for path, want := range map[string]int{"/v1/apps?limit=2": 200, "/v1/apps/0000000000": 404} {
		resp, err := hc.Get(s.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != want || len(body) == 0 {
			t.Errorf("GET %s: %d with %d bytes, want %d with a body", path, resp.StatusCode, len(body), want)
		}
	}
	if ft.count(200) != 1 || ft.count(404) != 1 {
		t.Errorf("checked answers by status %v, want one 200 and one 404", ft.byStatus)
	}

	// A server that breaks the spec (here a loopback stand-in, not the sandbox) is reported.
	bad := http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[{"type":"apps","id":"1","attributes":{"name":5}}],"links":{"self":"x"}}`)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = bad.Serve(ln) }()
	t.Cleanup(func() { _ = bad.Close() })
	capture := &errorCapture{TB: t}
	resp, err := newValidatingClient(capture, s).Get("http://" + ln.Addr().String() + "/v1/apps")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if !slices.ContainsFunc(capture.errs, func(e string) bool { return strings.Contains(e, "/data/0/attributes/name") }) {
		t.Errorf("a wrongly typed attribute went unreported: %q", capture.errs)
	}
}

// realAnswerNotes says, for the captured fixtures that the spec check cannot take as they
// are, why; every other fixture must pass the check. Keys are file names; values start with
// "skip:" (no operation of spec 4.4.1 to hold it to) or "reject:" (the check rightly
// refuses it, with the text the problems must contain after the colon's reason, in
// brackets).
var realAnswerNotes = map[string]string{
	"fastlane__beta_build_metrics.json":         "skip: betaBuildMetrics is an iris-only type",
	"fastlane__beta_feedbacks.json":             "skip: betaFeedbacks is an iris-only type",
	"fastlane__build_delivery.json":             "skip: buildDeliveries is an iris-only type",
	"fastlane__beta_create_group.json":          "skip: trimmed capture without links, so its operation is unknown",
	"fastlane__bundle_id.json":                  "skip: developer-portal path /services-account/v1",
	"fastlane__bundle_ids.json":                 "skip: developer-portal path /services-account/v1",
	"fastlane__certificates.json":               "skip: developer-portal path /services-account/v1",
	"fastlane__device_disable.json":             "skip: developer-portal path /services-account/v1",
	"fastlane__device_rename.json":              "skip: developer-portal path /services-account/v1",
	"fastlane__devices.json":                    "skip: developer-portal path /services-account/v1",
	"fastlane__profiles.json":                   "skip: developer-portal path /services-account/v1",
	"fastlane__beta_tester_metrics.json":        "reject: iris betaTesterMetrics under a betaTesters URL [/data/0/type]",
	"ittybittyapps__no_prerelease_version.json": "reject: hand-adapted, an empty list under a single-resource URL [/data]",
}

// realAnswerRequests names the request a capture answered where its links.self alone
// would suggest a GET: creates (201) and updates of types that have no GET of their own.
var realAnswerRequests = map[string]struct {
	method string
	status int
}{
	"fastlane__review_submission_created.json":         {"POST", 201},
	"fastlane__app_store_version_release_request.json": {"POST", 201},
	"ittybittyapps__betagroup_response.json":           {"POST", 201},
	"ittybittyapps__created_success.json":              {"POST", 201},
	"codemagic__app_store_version_phased_release.json": {"PATCH", 200},
	"codemagic__bundle_id_capability.json":             {"PATCH", 200},
}

// TestFidelityValidatorAcceptsRealAnswers calibrates the spec check on Apple's own answers:
// every captured fixture that has an operation in spec 4.4.1 passes it (nulls and all),
// except the few listed in realAnswerNotes for the reasons given there. A check that
// refused real answers would make the sandbox diverge from Apple to satisfy it.
func TestFidelityValidatorAcceptsRealAnswers(t *testing.T) {
	v := requireSpecValidator(t)
	dir := filepath.Join(testutil.SharedDir(t), "fixtures", "responses")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s (%v)", dir, err)
	}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	passed := 0
	for _, f := range files {
		name := filepath.Base(f)
		note := realAnswerNotes[name]
		if strings.HasPrefix(note, "skip:") {
			continue
		}
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(body, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		x := exchange{method: "GET", status: 200, header: jsonCT, body: body}
		if errs, ok := doc["errors"].([]any); ok && len(errs) > 0 {
			// An error capture: its status is in the body, and any path will do.
			st, _ := errs[0].(map[string]any)["status"].(string)
			fmt.Sscan(st, &x.status)
			x.url = "/v1/apps"
		} else {
			links, _ := doc["links"].(map[string]any)
			if _, bare := doc["type"]; bare {
				// A bare resource object: put it back in the document it came from.
				links = map[string]any{"self": links["self"]}
				x.body, _ = json.Marshal(map[string]any{"data": doc, "links": links})
			}
			self, _ := links["self"].(string)
			u, err := url.Parse(self)
			if self == "" || err != nil {
				t.Errorf("%s: no links.self to find its operation by; add a note", name)
				continue
			}
			u.Path = strings.TrimPrefix(u.Path, "/iris")
			x.url = u.Path
			if r, ok := realAnswerRequests[name]; ok {
				x.method, x.status = r.method, r.status
			}
		}
		vd := v.check(t.Context(), x)
		if reason, ok := strings.CutPrefix(note, "reject:"); ok {
			want := reason[strings.LastIndex(reason, "[")+1 : len(reason)-1]
			if !slices.ContainsFunc(vd.problems, func(p string) bool { return strings.Contains(p, want) }) {
				t.Errorf("%s (%s as %s): expected a problem mentioning %q (%s), got %q", name, x, vd.schema, want, reason, vd.problems)
			}
			continue
		}
		if len(vd.problems) > 0 {
			t.Errorf("%s (%s) fails %s: %q", name, x, vd.schema, vd.problems)
			continue
		}
		passed++
	}
	if passed < 40 {
		t.Errorf("only %d captures passed the check", passed)
	}
	t.Logf("%d of %d captured answers pass the spec check; %d are explained in realAnswerNotes", passed, len(files), len(realAnswerNotes))
}
