package spec

import (
	"bufio"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/testutil"
)

// TestCatalogMatchesOperationsTSV checks the catalog against Apple's operation list, row by
// row: every operation present once, with its method, path, tag, body, status and schema.
func TestCatalogMatchesOperationsTSV(t *testing.T) {
	t.Parallel()
	f, err := os.Open(filepath.Join(testutil.SharedDir(t), "spec", "operations.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	rows := 0
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 8 {
			t.Fatalf("short row %q", sc.Text())
		}
		rows++
		method, path, id, tags, req, codes, resp, dep := c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]
		op, ok := ByID(id)
		if !ok {
			t.Errorf("%s missing from catalog", id)
			continue
		}
		// Where Apple offers JSON or CSV, the tsv names the CSV schema and the catalog keeps JSON.
		if resp == "csv" && op.MediaType == "application/json" {
			resp = op.ResponseSchema
		}
		if op.Method != method || op.Path != path || op.RequestSchema != req || op.ResponseSchema != resp {
			t.Errorf("%s = %s %s req=%q resp=%q; want %s %s req=%q resp=%q", id, op.Method, op.Path, op.RequestSchema, op.ResponseSchema, method, path, req, resp)
		}
		if tag := strings.Split(tags, ",")[0]; op.Tag != tag {
			t.Errorf("%s tag = %q, want %q", id, op.Tag, tag)
		}
		if first, _ := strconv.Atoi(strings.Split(codes, "/")[0]); op.SuccessStatus != first {
			t.Errorf("%s status = %d, want %d", id, op.SuccessStatus, first)
		}
		if op.Deprecated != (dep != "") {
			t.Errorf("%s deprecated = %v, tsv %q", id, op.Deprecated, dep)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if rows != 1263 || len(Operations()) != rows {
		t.Errorf("tsv rows %d, catalog %d; want 1263 both", rows, len(Operations()))
	}
}

func TestOperationsSorted(t *testing.T) {
	t.Parallel()
	ops := Operations()
	if !slices.IsSortedFunc(ops, func(a, b Operation) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	}) {
		t.Error("Operations() not sorted by path then method")
	}
}

// TestFindEveryTemplate instantiates every path template with ids and resolves it back.
func TestFindEveryTemplate(t *testing.T) {
	t.Parallel()
	for _, op := range Operations() {
		concrete := strings.ReplaceAll(op.Path, "{id}", "ID-42")
		got, params, ok := Find(op.Method, concrete)
		if !ok || got.ID != op.ID {
			t.Errorf("Find(%s %s) = %v, %v; want %s", op.Method, concrete, got, ok, op.ID)
			continue
		}
		if strings.Contains(op.Path, "{id}") && params["id"] != "ID-42" {
			t.Errorf("Find(%s %s) params = %v", op.Method, concrete, params)
		}
		if !slices.Contains(Methods(concrete), op.Method) {
			t.Errorf("Methods(%s) = %v lacks %s", concrete, Methods(concrete), op.Method)
		}
	}
}

func TestFind(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, path, wantID, wantParam string
		wantOK                          bool
	}{
		{"GET", "/v1/apps", "apps_getCollection", "", true},
		{"get", "/v1/apps/123", "apps_getInstance", "123", true},
		{"GET", "/v1/apps/123/appInfos", "apps_appInfos_getToManyRelated", "123", true},
		{"GET", "/v1/apps/123/relationships/appInfos", "apps_appInfos_getToManyRelationship", "123", true},
		{"PATCH", "/v1/appInfoLocalizations/9", "appInfoLocalizations_updateInstance", "9", true},
		{"GET", "/v1/apps/", "", "", false},
		{"GET", "/v1/apps/123/nothing", "", "", false},
		{"PUT", "/v1/apps/123", "", "", false},
		{"GET", "/v9/apps", "", "", false},
		{"GET", "/", "", "", false},
	}
	for _, tt := range tests {
		op, params, ok := Find(tt.method, tt.path)
		if ok != tt.wantOK {
			t.Errorf("Find(%s %s) ok = %v", tt.method, tt.path, ok)
			continue
		}
		if ok && (op.ID != tt.wantID || params["id"] != tt.wantParam) {
			t.Errorf("Find(%s %s) = %s %v; want %s id=%s", tt.method, tt.path, op.ID, params, tt.wantID, tt.wantParam)
		}
	}
}

func TestMethods(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		want []string
	}{
		{"/v1/apps", []string{"GET"}},
		{"/v1/apps/1", []string{"GET", "PATCH"}},
		{"/v1/appInfoLocalizations/1", []string{"DELETE", "GET", "PATCH"}},
		{"/v1/nope", nil},
	}
	for _, tt := range tests {
		if got := Methods(tt.path); !slices.Equal(got, tt.want) {
			t.Errorf("Methods(%s) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestRoots(t *testing.T) {
	t.Parallel()
	// Every operation's path starts with a root, and every root starts some operation's path.
	roots := Roots()
	used := map[string]bool{}
	for _, op := range Operations() {
		n := 0
		for _, r := range roots {
			if strings.HasPrefix(op.Path, r) {
				used[r] = true
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s %s is under %d roots of %v", op.Method, op.Path, n, roots)
		}
	}
	for _, r := range roots {
		if !used[r] {
			t.Errorf("root %s starts no operation's path", r)
		}
	}
	if SpecVersion == "4.4.1" && !slices.Equal(roots, []string{"/v1/", "/v2/", "/v3/"}) {
		t.Errorf("Roots() = %v, want /v1/ /v2/ /v3/ for spec 4.4.1", roots)
	}
}

func TestValidateQuery(t *testing.T) {
	t.Parallel()
	apps, _ := ByID("apps_getCollection")
	actors, _ := ByID("actors_getCollection")
	appInfos, _ := ByID("apps_appInfos_getToManyRelated")
	tests := []struct {
		name  string
		op    *Operation
		query string
		want  []Problem // Detail checked by substring
	}{
		{"empty", apps, "", nil},
		{"valid", apps, "filter[bundleId]=a,b&fields[apps]=name,bundleId&limit=200&sort=-name&include=appInfos&limit[appInfos]=50&exists[gameCenterEnabledVersions]=true", nil},
		{"cursor on a list", apps, "cursor=abc", nil},
		{"unknown param", apps, "foo=1", []Problem{{"foo", CodeIllegal, "can not be used"}}},
		{"unknown filter", apps, "filter[emaill]=x", []Problem{{"filter[emaill]", CodeInvalid, "'emaill' is not a valid filter type"}}},
		{"enum", apps, "fields[apps]=name,nope", []Problem{{"fields[apps]", CodeInvalid, "allowed values: accessibilityUrl, name"}}},
		{"sort enum", apps, "sort=age", []Problem{{"sort", CodeInvalid, "'age' is not a valid value"}}},
		{"limit max", apps, "limit=201", []Problem{{"limit", CodeInvalid, "at most 200"}}},
		{"limit zero", apps, "limit=0", []Problem{{"limit", CodeInvalid, "at least 1"}}},
		{"limit not int", apps, "limit=ten", []Problem{{"limit", CodeInvalid, "not a valid integer"}}},
		{"nested limit max", apps, "limit[appInfos]=51", []Problem{{"limit[appInfos]", CodeInvalid, "at most 50"}}},
		{"boolean", apps, "exists[gameCenterEnabledVersions]=yes", []Problem{{"exists[gameCenterEnabledVersions]", CodeInvalid, "true, false"}}},
		{"empty item", apps, "fields[apps]=name,", []Problem{{"fields[apps]", CodeInvalid, "empty value"}}},
		{"required missing", actors, "", []Problem{{"filter[id]", CodeRequired, "required"}}},
		{"required present", actors, "filter[id]=1", nil},
		{"include enum on related", appInfos, "include=app,nope", []Problem{{"include", CodeInvalid, "'nope'"}}},
		{"sorted problems", apps, "zzz=1&limit=999", []Problem{{"limit", CodeInvalid, "at most"}, {"zzz", CodeIllegal, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got := ValidateQuery(tt.op, q)
			if len(got) != len(tt.want) {
				t.Fatalf("ValidateQuery(%s) = %+v, want %d problems", tt.query, got, len(tt.want))
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Parameter != w.Parameter || g.Code != w.Code || !strings.Contains(g.Detail, w.Detail) {
					t.Errorf("problem %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{"GET", "/v1/app", "/v1/apps"},
		{"GET", "/v1/apps/123/appInfo", "/v1/apps/123/appInfos"},
		{"GET", "/v1/apps/123/appinfos", "/v1/apps/123/appInfos"},
		{"GET", "/v1/betaTester", "/v1/betaTesters"},
		{"PATCH", "/v1/appInfoLocalisations/7", "/v1/appInfoLocalizations/7"},
		{"GET", "/totally/unrelated/thing/here/x/y", ""},
		// A segment that shares almost nothing with any path is not a typo of one.
		{"GET", "/v1/zzzzzzzz", ""},
		{"GET", "/v2/foo", ""},
		{"GET", "/v1", ""},
		{"GET", "/v1/appss", "/v1/apps"},
		{"GET", "/v2/apps", "/v1/apps"},
		{"GET", "/v1/apps/1/builds/2", "/v1/apps/{id}/builds"},
	}
	for _, tt := range tests {
		if got := Suggest(tt.method, tt.path); got != tt.want {
			t.Errorf("Suggest(%s %s) = %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestResourceModel(t *testing.T) {
	t.Parallel()
	loc, ok := Resource("appInfoLocalizations")
	if !ok {
		t.Fatal("appInfoLocalizations missing")
	}
	if r := loc.Relationships["appInfo"]; r.ToMany || r.Type != "appInfos" {
		t.Errorf("appInfoLocalizations.appInfo = %+v, want to-one appInfos", r)
	}
	if f := loc.Attributes["locale"]; f == nil || f.Type != "string" {
		t.Errorf("appInfoLocalizations.locale = %+v", f)
	}
	apps, ok := Resource("apps")
	if !ok || apps.Schema != "App" {
		t.Fatalf("apps = %+v, %v", apps, ok)
	}
	if r := apps.Relationships["appInfos"]; !r.ToMany || r.Type != "appInfos" {
		t.Errorf("apps.appInfos = %+v, want to-many appInfos", r)
	}
	// A relationship the spec declares with links only is completed from its read operation.
	if r := apps.Relationships["betaTesters"]; !r.ToMany || r.Type != "betaTesters" {
		t.Errorf("apps.betaTesters = %+v, want to-many betaTesters", r)
	}
	if iap, _ := Resource("inAppPurchases"); iap == nil || iap.Schema != "InAppPurchaseV2" {
		t.Errorf("inAppPurchases schema = %+v, want InAppPurchaseV2", iap)
	}
	if r, ok := ResourceBySchema("InAppPurchase"); !ok || r.Type != "inAppPurchases" {
		t.Errorf("ResourceBySchema(InAppPurchase) = %+v, %v", r, ok)
	}
	asv, _ := Resource("appStoreVersions")
	if f := asv.Attributes["createdDate"]; f == nil || f.Format != "date-time" {
		t.Errorf("appStoreVersions.createdDate = %+v", f)
	}
	if f := asv.Attributes["platform"]; f == nil || !slices.Contains(f.Enum, "IOS") {
		t.Errorf("appStoreVersions.platform = %+v", f)
	}
	// Shared fields are decoded once and shared.
	if Resource := loc.Attributes["name"]; Resource != loc.Attributes["subtitle"] {
		t.Error("identical string fields are not shared")
	}
}

func TestRequestBody(t *testing.T) {
	t.Parallel()
	create, ok := RequestBody("AppInfoLocalizationCreateRequest")
	if !ok {
		t.Fatal("AppInfoLocalizationCreateRequest missing")
	}
	if create.Type != "appInfoLocalizations" || create.IDRequired {
		t.Errorf("create = %+v", create)
	}
	if !slices.Contains(create.RequiredAttributes, "locale") || !slices.Contains(create.RequiredRelationships, "appInfo") {
		t.Errorf("create required = %v / %v", create.RequiredAttributes, create.RequiredRelationships)
	}
	if r := create.Relationships["appInfo"]; r.Type != "appInfos" || r.ToMany {
		t.Errorf("create.appInfo = %+v", r)
	}
	update, _ := RequestBody("AppInfoLocalizationUpdateRequest")
	if update == nil || !update.IDRequired || update.Attributes["name"] == nil || len(update.RequiredAttributes) != 0 {
		t.Errorf("update = %+v", update)
	}
	link, _ := RequestBody("BetaGroupBetaTestersLinkagesRequest")
	if link == nil || link.Type != "betaTesters" {
		t.Errorf("linkage = %+v", link)
	}
	// Every request schema an operation names has a body model.
	for _, op := range Operations() {
		if op.RequestSchema == "" {
			continue
		}
		if b, ok := RequestBody(op.RequestSchema); !ok || b.Type == "" {
			t.Errorf("%s: RequestBody(%s) = %+v, %v", op.ID, op.RequestSchema, b, ok)
		}
	}
}

func TestResponseItemType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		schema, typ string
		list, ok    bool
	}{
		{"AppInfosResponse", "appInfos", true, true},
		{"AppResponse", "apps", false, true},
		{"AppAppStoreVersionsLinkagesResponse", "appStoreVersions", true, true},
		{"ErrorResponse", "", false, false},
	}
	for _, tt := range tests {
		typ, list, ok := ResponseItemType(tt.schema)
		if typ != tt.typ || list != tt.list || ok != tt.ok {
			t.Errorf("ResponseItemType(%s) = %q %v %v", tt.schema, typ, list, ok)
		}
	}
	// Every JSON response an operation names resolves to a type.
	for _, op := range Operations() {
		// Metrics answers are plain documents, not JSON:API resources.
		if op.MediaType != "application/json" || strings.HasSuffix(op.ID, "_getMetrics") {
			continue
		}
		if _, _, ok := ResponseItemType(op.ResponseSchema); !ok {
			t.Errorf("%s: ResponseItemType(%s) unknown", op.ID, op.ResponseSchema)
		}
	}
}

func BenchmarkFind(b *testing.B) {
	load()
	for b.Loop() {
		Find("GET", "/v1/apps/123/relationships/appInfos")
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		loadCatalog()
	}
}

// TestRelationshipTargetsAreResources checks the resource graph the sandbox walks: every
// relationship points at a known resource type, except the five whose related endpoint
// answers a non-JSON document (metrics, logs, CSV code values).
func TestRelationshipTargetsAreResources(t *testing.T) {
	t.Parallel()
	untyped := map[string]bool{
		"apps.perfPowerMetrics": true, "builds.perfPowerMetrics": true, "diagnosticSignatures.logs": true,
		"subscriptionOfferCodeOneTimeUseCodes.values": true, "inAppPurchaseOfferCodeOneTimeUseCodes.values": true,
	}
	for typ, r := range load().res {
		for name, rel := range r.Relationships {
			key := typ + "." + name
			switch {
			case rel.Type == "" && !untyped[key]:
				t.Errorf("%s has no target type", key)
			case rel.Type != "":
				if _, ok := Resource(rel.Type); !ok {
					t.Errorf("%s points at unknown type %s", key, rel.Type)
				}
			}
		}
	}
}
