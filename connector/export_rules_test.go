package connector_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/testutil"
)

func exportOptions(tags []string) connector.ExportOptions {
	return connector.ExportOptions{Host: "asc-gw.example.com", Tags: tags, Publisher: "Example Labs", StackOwner: "Example Labs IT",
		ContactName: "Mobile team", ContactURL: "https://example.com/mobile", ContactEmail: "mobile@example.com"}
}

var (
	pascalCase = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
	wordAPI    = regexp.MustCompile(`\bAPI\b`)
	minorWords = map[string]bool{"a": true, "an": true, "the": true, "and": true, "or": true, "nor": true, "of": true, "to": true, "in": true,
		"on": true, "at": true, "by": true, "for": true, "from": true, "with": true, "as": true, "per": true, "vs": true}
	// brands are written with a lower-case first letter.
	brands = []string{"iOS", "macOS", "tvOS", "visionOS", "watchOS", "iPad", "iPhone", "iMessage"}
	// properNouns keep their capitals inside a sentence-case summary.
	properNouns = map[string]bool{"App": true, "Store": true, "Connect": true, "Game": true, "Center": true, "TestFlight": true, "Xcode": true, "Cloud": true, "Apple": true}
)

func firstLetter(w string) (rune, bool) {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return r, true
		}
	}
	return 0, false
}

func isBrand(w string) bool {
	w = strings.Trim(w, "()'.,;:")
	for _, b := range brands {
		if strings.HasPrefix(w, b) {
			return true
		}
	}
	return false
}

// isAcronym: ID, URL, IDs, CI, V2.
func isAcronym(w string) bool {
	w = strings.TrimSuffix(strings.Trim(w, "()'.,;:"), "s")
	return w != "" && strings.ToUpper(w) == w
}

// titleCase reports whether s is in Title Case: every word capitalized but minor words inside.
func titleCase(s string) bool {
	ws := strings.Fields(s)
	if len(ws) == 0 {
		return false
	}
	for i, w := range ws {
		lw := strings.ToLower(w)
		if i > 0 && i < len(ws)-1 && minorWords[lw] {
			if w != lw {
				return false
			}
			continue
		}
		for _, part := range strings.Split(w, "-") {
			if r, ok := firstLetter(part); ok && !unicode.IsUpper(r) && !isBrand(part) {
				return false
			}
		}
	}
	return true
}

// sentenceCase reports whether s reads as a sentence-case phrase: a capital first letter,
// then lower case but for acronyms, brands and proper nouns.
func sentenceCase(s string) bool {
	ws := strings.Fields(s)
	if len(ws) == 0 {
		return false
	}
	if r, ok := firstLetter(ws[0]); ok && !unicode.IsUpper(r) && !isBrand(ws[0]) {
		return false
	}
	for _, w := range ws[1:] {
		r, ok := firstLetter(w)
		if !ok || !unicode.IsUpper(r) || isAcronym(w) || isBrand(w) || properNouns[strings.Trim(w, "()'.,;:")] {
			continue
		}
		return false
	}
	return true
}

// msRules walks an exported definition and reports every place that breaks Microsoft's
// connector guidelines: descriptions are sentences ending with a period that never say
// "API", every parameter and schema property has a Title Case x-ms-summary and a
// description, operation summaries are sentence case without a slash, new operationIds are
// PascalCase, info.contact is complete, and every operation declares its answer's schema.
func msRules(t *testing.T, raw []byte) []string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var problems []string
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	description := func(where string, v any) {
		d, _ := v.(string)
		switch {
		case d == "":
			bad("%s: no description", where)
		case !strings.HasSuffix(d, "."):
			bad("%s: description %q does not end with a period", where, d)
		case wordAPI.MatchString(d):
			bad("%s: description %q says API", where, d)
		}
	}
	defs, _ := doc["definitions"].(map[string]any)
	var walk func(where string, s map[string]any, depth int)
	walk = func(where string, s map[string]any, depth int) {
		if depth > 40 {
			bad("%s: schema nested too deep", where)
			return
		}
		if ref, ok := s["$ref"].(string); ok {
			if _, found := defs[strings.TrimPrefix(ref, "#/definitions/")]; !found {
				bad("%s: $ref %s names no definition", where, ref)
			}
			return
		}
		if d, ok := s["description"]; ok {
			description(where, d)
		}
		props, _ := s["properties"].(map[string]any)
		for name, p := range props {
			ps, _ := p.(map[string]any)
			pw := where + "." + name
			if _, isRef := ps["$ref"]; !isRef {
				if sum, _ := ps["x-ms-summary"].(string); !titleCase(sum) {
					bad("%s: x-ms-summary %q is not Title Case", pw, sum)
				}
				description(pw, ps["description"])
			}
			walk(pw, ps, depth+1)
		}
		if items, ok := s["items"].(map[string]any); ok {
			walk(where+"[]", items, depth+1)
		}
	}
	for name, d := range defs {
		walk("definitions."+name, d.(map[string]any), 0)
	}
	info, _ := doc["info"].(map[string]any)
	description("info", info["description"])
	contact, _ := info["contact"].(map[string]any)
	for _, k := range []string{"name", "url", "email"} {
		if v, _ := contact[k].(string); v == "" {
			bad("info.contact has no %s", k)
		}
	}
	if u, err := url.Parse(fmt.Sprint(contact["url"])); err != nil || u.Scheme != "https" {
		bad("info.contact.url %v is not https", contact["url"])
	}
	for _, tg := range doc["tags"].([]any) {
		description("tag", tg.(map[string]any)["description"])
	}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		for method, rawOp := range item.(map[string]any) {
			o, _ := rawOp.(map[string]any)
			if method == "x-ms-notification-content" {
				description(path+" notification", o["description"])
				walk(path+" notification", o["schema"].(map[string]any), 0)
				continue
			}
			where := strings.ToUpper(method) + " " + path
			id, _ := o["operationId"].(string)
			if !strings.HasPrefix(id, "Apps_And_App_Metadata__") && !pascalCase.MatchString(id) {
				bad("%s: operationId %q is not PascalCase", where, id)
			}
			sum, _ := o["summary"].(string)
			if len(sum) > 80 || strings.Contains(sum, "/") || !sentenceCase(sum) {
				bad("%s: summary %q must be sentence case, at most 80 characters, without a slash", where, sum)
			}
			description(where, o["description"])
			params, _ := o["parameters"].([]any)
			for _, p := range params {
				pm := p.(map[string]any)
				pw := fmt.Sprintf("%s param %v", where, pm["name"])
				if s, _ := pm["x-ms-summary"].(string); !titleCase(s) {
					bad("%s: x-ms-summary %q is not Title Case", pw, s)
				}
				description(pw, pm["description"])
				if sch, ok := pm["schema"].(map[string]any); ok {
					walk(pw, sch, 0)
				}
			}
			responses, _ := o["responses"].(map[string]any)
			answered := false
			for code, r := range responses {
				rm := r.(map[string]any)
				description(where+" response "+code, rm["description"])
				sch, hasSchema := rm["schema"].(map[string]any)
				if hasSchema {
					walk(where+" response "+code, sch, 0)
				}
				if strings.HasPrefix(code, "2") && code != "204" {
					answered = true
					if !hasSchema || sch["properties"] == nil && sch["$ref"] == nil && sch["format"] != "binary" {
						bad("%s: response %s declares no schema of its answer", where, code)
					}
				}
			}
			if !answered && responses["204"] == nil {
				bad("%s: no success response", where)
			}
		}
	}
	return problems
}

func TestExportFollowsMicrosoftsRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tags []string
	}{
		{"default", nil},
		{"with tags", []string{"Apps", "AppInfos", "AppStoreVersions", "Builds", "ReviewSubmissions", "BetaGroups", "Webhooks", "SalesReports"}},
		{"every tag", allTags()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := connector.Swagger(exportOptions(tc.tags))
			if err != nil {
				t.Fatal(err)
			}
			problems := msRules(t, raw)
			sort.Strings(problems)
			for i, p := range problems {
				if i == 40 {
					t.Errorf("... and %d more", len(problems)-40)
					break
				}
				t.Error(p)
			}
		})
	}
}

// TestExportedPropertiesNameThePublisher: apiProperties.json takes the publisher and stack
// owner from the options, the connection asks for the gateway host and a client key, and
// the dynamic host policy sends requests to that host.
func TestExportedPropertiesNameThePublisher(t *testing.T) {
	t.Parallel()
	raw, err := connector.APIProperties(exportOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Properties struct {
			ConnectionParameters map[string]struct {
				Type string `json:"type"`
			} `json:"connectionParameters"`
			PolicyTemplateInstances []struct {
				TemplateID string            `json:"templateId"`
				Parameters map[string]string `json:"parameters"`
			} `json:"policyTemplateInstances"`
			Publisher  string `json:"publisher"`
			StackOwner string `json:"stackOwner"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	pp := p.Properties
	if pp.Publisher != "Example Labs" || pp.StackOwner != "Example Labs IT" {
		t.Errorf("publisher %q, stack owner %q; want the options'", pp.Publisher, pp.StackOwner)
	}
	if pp.ConnectionParameters["api_key"].Type != "securestring" || pp.ConnectionParameters["gatewayHost"].Type != "string" {
		t.Errorf("connection parameters: %+v; want api_key (securestring) and gatewayHost (string)", pp.ConnectionParameters)
	}
	if len(pp.PolicyTemplateInstances) != 1 || pp.PolicyTemplateInstances[0].TemplateID != "dynamichosturl" ||
		pp.PolicyTemplateInstances[0].Parameters["x-ms-apimTemplateParameter.urlTemplate"] != "https://@connectionParameters('gatewayHost')" {
		t.Errorf("policies: %+v; want only the dynamic host policy on the gatewayHost parameter", pp.PolicyTemplateInstances)
	}
	for _, missing := range []func(*connector.ExportOptions){
		func(o *connector.ExportOptions) { o.Publisher = "" },
		func(o *connector.ExportOptions) { o.ContactEmail = "not an email" },
		func(o *connector.ExportOptions) { o.ContactURL = "http://example.com" },
		func(o *connector.ExportOptions) { o.Title = "The App Store Connect API connector" },
	} {
		o := exportOptions(nil)
		missing(&o)
		if _, err := connector.APIProperties(o); err == nil {
			t.Errorf("options %+v were accepted", o)
		}
	}
	readme, err := connector.Readme(exportOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range []string{"## Publisher: Example Labs", "## Prerequisites", "## Supported Operations", "## Obtaining Credentials",
		"## Getting Started", "## Known Issues and Limitations", "## Deployment Instructions", "### Find apps", "### Submit a version for review"} {
		if !strings.Contains(string(readme), section) {
			t.Errorf("readme.md lacks %q", section)
		}
	}
}

// schemaPaths lists the property paths a response schema declares, following $refs.
func schemaPaths(s map[string]any, defs map[string]any, prefix string, out map[string]bool, depth int) {
	if depth > 12 {
		return
	}
	if ref, ok := s["$ref"].(string); ok {
		if d, ok := defs[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any); ok {
			schemaPaths(d, defs, prefix, out, depth+1)
		}
		return
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for n, p := range props {
			out[prefix+"/"+n] = true
			schemaPaths(p.(map[string]any), defs, prefix+"/"+n, out, depth+1)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		schemaPaths(items, defs, prefix+"[]", out, depth+1)
	}
}

func responseSchemas(t *testing.T, raw []byte) (map[string]map[string]any, map[string]any) {
	t.Helper()
	var doc struct {
		Paths       map[string]map[string]json.RawMessage `json:"paths"`
		Definitions map[string]any                        `json:"definitions"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, item := range doc.Paths {
		for method, rawOp := range item {
			if strings.HasPrefix(method, "x-") {
				continue
			}
			var o struct {
				OperationID string `json:"operationId"`
				Responses   map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"responses"`
			}
			json.Unmarshal(rawOp, &o)
			for code, r := range o.Responses {
				if strings.HasPrefix(code, "2") {
					out[o.OperationID] = r.Schema
				}
			}
		}
	}
	return out, doc.Definitions
}

// TestSeedOperationsKeepTheirResponseFields: flows built on the seed connector bind the
// fields its two operations declared; the export declares every one of them.
func TestSeedOperationsKeepTheirResponseFields(t *testing.T) {
	t.Parallel()
	seedRaw, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "seed", "apiDefinition.swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := connector.Swagger(exportOptions(nil))
	if err != nil {
		t.Fatal(err)
	}
	seed, seedDefs := responseSchemas(t, seedRaw)
	ours, defs := responseSchemas(t, raw)
	for id, s := range seed {
		want, got := map[string]bool{}, map[string]bool{}
		schemaPaths(s, seedDefs, "", want, 0)
		schemaPaths(ours[id], defs, "", got, 0)
		if len(want) < 20 {
			t.Fatalf("seed operation %s declares only %d fields", id, len(want))
		}
		for p := range want {
			if !got[p] {
				t.Errorf("%s: the seed's response field %s is not declared", id, p)
			}
		}
	}
}

// resolve follows a $ref to its definition.
func resolve(s map[string]any, defs map[string]any) map[string]any {
	if ref, ok := s["$ref"].(string); ok {
		d, _ := defs[strings.TrimPrefix(ref, "#/definitions/")].(map[string]any)
		return d
	}
	return s
}

// TestExportedSchemasDescribeTheAnswers calls exported read operations through a gateway
// on the sandbox: every field of every flat item they answer is declared in the
// operation's response schema, so a designer's dynamic content offers it.
func TestExportedSchemasDescribeTheAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "sqlite", nil)
	raw, err := connector.Swagger(exportOptions([]string{"Apps", "AppStoreVersions"}))
	if err != nil {
		t.Fatal(err)
	}
	schemas, defs := responseSchemas(t, raw)
	var apps struct {
		Value []map[string]any `json:"value"`
	}
	json.Unmarshal(e.do(t, "GET", "/connector/v1/apps?bundleId=com.example.quiethours", e.readKey, nil).body, &apps)
	if len(apps.Value) != 1 {
		t.Fatal("no demo app")
	}
	app := apps.Value[0]["id"].(string)
	for _, tc := range []struct{ id, path string }{
		{"ListApps", "/connector/v1/apps"},
		{"GetApp", "/connector/v1/apps/" + app},
		{"ListAppStoreVersions", "/connector/v1/apps/" + app + "/versions"},
		{"ListBuilds", "/connector/v1/apps/" + app + "/builds"},
		{"ListAppStoreVersionsOfApp", "/v1/apps/" + app + "/appStoreVersions?flatten=true"},
		{"ListAppInfosOfApp", "/v1/apps/" + app + "/appInfos?flatten=true"},
		{"ListAppInfoIdsOfApp", "/v1/apps/" + app + "/relationships/appInfos?flatten=true"},
		{"GetAppStoreVersion", ""},
	} {
		s, ok := schemas[tc.id]
		if !ok {
			t.Errorf("no exported operation %s", tc.id)
			continue
		}
		if tc.path == "" {
			continue
		}
		a := e.do(t, "GET", tc.path, e.readKey, nil)
		if a.status != 200 {
			t.Errorf("%s: %d %s", tc.id, a.status, a.body)
			continue
		}
		var items []map[string]any
		item := resolve(s, defs)
		if props, _ := item["properties"].(map[string]any); props["value"] != nil {
			var list struct {
				Value []map[string]any `json:"value"`
			}
			json.Unmarshal(a.body, &list)
			items = list.Value
			item = resolve(props["value"].(map[string]any)["items"].(map[string]any), defs)
		} else {
			var one map[string]any
			json.Unmarshal(a.body, &one)
			items = []map[string]any{one}
		}
		declared, _ := item["properties"].(map[string]any)
		if len(items) == 0 || len(declared) < 2 {
			t.Errorf("%s: %d items, %d declared fields", tc.id, len(items), len(declared))
		}
		for _, it := range items {
			for k := range it {
				if declared[k] == nil {
					t.Errorf("%s: the answer's field %s is not in the exported schema", tc.id, k)
				}
			}
		}
	}
}
