package connector_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/internal/testutil"
)

type swaggerDoc struct {
	Swagger             string                                `json:"swagger"`
	Host                string                                `json:"host"`
	Schemes             []string                              `json:"schemes"`
	Info                map[string]any                        `json:"info"`
	Paths               map[string]map[string]json.RawMessage `json:"paths"`
	SecurityDefinitions map[string]struct {
		Type, In, Name string
	} `json:"securityDefinitions"`
	Metadata []struct {
		PropertyName  string `json:"propertyName"`
		PropertyValue string `json:"propertyValue"`
	} `json:"x-ms-connector-metadata"`
}

type swaggerOp struct {
	OperationID string           `json:"operationId"`
	Summary     string           `json:"summary"`
	Description string           `json:"description"`
	Visibility  string           `json:"x-ms-visibility"`
	Trigger     string           `json:"x-ms-trigger"`
	Parameters  []map[string]any `json:"parameters"`
	Responses   map[string]struct {
		Description string         `json:"description"`
		Headers     map[string]any `json:"headers"`
	} `json:"responses"`
}

var (
	opIDPattern     = regexp.MustCompile(`^[A-Za-z0-9_]+$`)
	pathParamInPath = regexp.MustCompile(`\{([^}]+)\}`)
	validVisibility = map[string]bool{"": true, "important": true, "advanced": true, "internal": true}
)

// checkPowerPlatformRules checks an exported definition against the rules Power Platform
// applies to custom connectors, returning every violation.
func checkPowerPlatformRules(t *testing.T, raw []byte) (doc swaggerDoc, ops map[string]swaggerOp, problems []string) {
	t.Helper()
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	bad := func(format string, a ...any) { problems = append(problems, fmt.Sprintf(format, a...)) }
	if doc.Swagger != "2.0" {
		bad("swagger is %q, want 2.0", doc.Swagger)
	}
	if doc.Host == "" || strings.Contains(doc.Host, "/") {
		bad("host %q must be a bare host", doc.Host)
	}
	if title, _ := doc.Info["title"].(string); title == "" || len(title) > 30 {
		bad("info.title %q must be 1-30 characters", title)
	}
	if desc, _ := doc.Info["description"].(string); len(desc) < 30 || len(desc) > 500 {
		bad("info.description must be 30-500 characters, is %d", len(desc))
	}
	// Microsoft's string guidance: the connector's title and description may not use the
	// word API.
	for _, f := range []string{"title", "description"} {
		if v, _ := doc.Info[f].(string); regexp.MustCompile(`\bAPI\b`).MatchString(v) {
			bad("info.%s uses the word API: %q", f, v)
		}
	}
	keyDefs := 0
	for name, sd := range doc.SecurityDefinitions {
		if sd.Type == "apiKey" && sd.In == "header" && sd.Name != "" {
			keyDefs++
		} else {
			bad("security definition %q is not an API key in a header", name)
		}
	}
	if keyDefs != 1 {
		bad("want exactly one API key security definition, have %d", keyDefs)
	}
	meta := map[string]string{}
	for _, m := range doc.Metadata {
		meta[m.PropertyName] = m.PropertyValue
	}
	for _, k := range []string{"Website", "Privacy policy", "Categories"} {
		if meta[k] == "" {
			bad("x-ms-connector-metadata lacks %s", k)
		}
	}
	ops = map[string]swaggerOp{}
	summaries := map[string]string{}
	triggers := 0
	for path, item := range doc.Paths {
		declared := map[string]bool{}
		for _, m := range pathParamInPath.FindAllStringSubmatch(path, -1) {
			declared[m[1]] = true
		}
		for method, rawOp := range item {
			if strings.HasPrefix(method, "x-") {
				continue
			}
			var o swaggerOp
			if err := json.Unmarshal(rawOp, &o); err != nil {
				bad("%s %s: %v", method, path, err)
				continue
			}
			where := strings.ToUpper(method) + " " + path
			if !opIDPattern.MatchString(o.OperationID) {
				bad("%s: operationId %q", where, o.OperationID)
			}
			if _, dup := ops[o.OperationID]; dup {
				bad("%s: operationId %q is not unique", where, o.OperationID)
			}
			ops[o.OperationID] = o
			if prev, dup := summaries[strings.ToLower(o.Summary)]; dup {
				bad("%s: summary %q is also %s's", where, o.Summary, prev)
			}
			summaries[strings.ToLower(o.Summary)] = where
			if o.Summary == "" || len(o.Summary) > 80 || strings.HasSuffix(o.Summary, ".") {
				bad("%s: summary %q must be 1-80 characters without a final period", where, o.Summary)
			}
			if o.Description == "" {
				bad("%s: no description", where)
			}
			if !validVisibility[o.Visibility] {
				bad("%s: x-ms-visibility %q", where, o.Visibility)
			}
			if len(o.Responses) == 0 {
				bad("%s: no responses", where)
			}
			for code, r := range o.Responses {
				if r.Description == "" {
					bad("%s: response %s has no description", where, code)
				}
			}
			names := map[string]bool{}
			inPath := map[string]bool{}
			bodies := 0
			for _, p := range o.Parameters {
				name, _ := p["name"].(string)
				in, _ := p["in"].(string)
				if names[in+":"+name] {
					bad("%s: parameter %s declared twice", where, name)
				}
				names[in+":"+name] = true
				if d, _ := p["description"].(string); d == "" {
					bad("%s: parameter %s has no description", where, name)
				}
				if s, _ := p["x-ms-summary"].(string); s == "" {
					bad("%s: parameter %s has no x-ms-summary", where, name)
				}
				vis, _ := p["x-ms-visibility"].(string)
				if !validVisibility[vis] {
					bad("%s: parameter %s x-ms-visibility %q", where, name, vis)
				}
				req, _ := p["required"].(bool)
				if vis == "internal" && req && p["default"] == nil {
					bad("%s: required internal parameter %s has no default", where, name)
				}
				switch in {
				case "path":
					inPath[name] = true
					if !req {
						bad("%s: path parameter %s must be required", where, name)
					}
				case "body":
					bodies++
					if p["schema"] == nil {
						bad("%s: body parameter without schema", where)
					}
				case "query", "header":
					if p["type"] == nil {
						bad("%s: parameter %s has no type", where, name)
					}
				default:
					bad("%s: parameter %s in %q", where, name, in)
				}
			}
			if bodies > 1 {
				bad("%s: %d body parameters", where, bodies)
			}
			for n := range declared {
				if !inPath[n] {
					bad("%s: path parameter {%s} is not declared", where, n)
				}
			}
			for n := range inPath {
				if !declared[n] {
					bad("%s: parameter %s is not in the path", where, n)
				}
			}
			if o.Trigger != "" {
				triggers++
				if o.Trigger != "single" && o.Trigger != "batch" {
					bad("%s: x-ms-trigger %q", where, o.Trigger)
				}
				if r, ok := o.Responses["201"]; !ok || r.Headers["Location"] == nil {
					bad("%s: a webhook trigger must answer 201 with a Location header", where)
				}
				if !strings.Contains(string(rawOp), `"x-ms-notification-url": true`) {
					bad("%s: the trigger has no x-ms-notification-url parameter", where)
				}
				if _, ok := item["x-ms-notification-content"]; !ok {
					bad("%s: no x-ms-notification-content on the trigger's path", where)
				}
			}
		}
	}
	// Any event, a build upload's state, a build's TestFlight state, a version's state.
	if triggers != 4 {
		bad("want four webhook triggers, have %d", triggers)
	}
	// Dropdowns must name an operation of the connector.
	for id, o := range ops {
		for _, p := range o.Parameters {
			if dv, ok := p["x-ms-dynamic-values"].(map[string]any); ok {
				if _, exists := ops[dv["operationId"].(string)]; !exists {
					bad("%s: parameter %v takes values from unknown operation %v", id, p["name"], dv["operationId"])
				}
			}
		}
	}
	return doc, ops, problems
}

func allTags() []string {
	seen := map[string]bool{}
	var tags []string
	for _, o := range spec.Operations() {
		if !seen[o.Tag] {
			seen[o.Tag] = true
			tags = append(tags, o.Tag)
		}
	}
	return tags
}

func TestExportFollowsPowerPlatformRules(t *testing.T) {
	t.Parallel()
	seedDir := filepath.Join(testutil.SharedDir(t), "seed")
	seedRaw, err := os.ReadFile(filepath.Join(seedDir, "apiDefinition.swagger.json"))
	if err != nil {
		t.Fatal(err)
	}
	var seed swaggerDoc
	if err := json.Unmarshal(seedRaw, &seed); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		tags []string
		min  int
	}{
		{"default", nil, 14},
		{"with tags", []string{"Apps", "AppInfos", "AppStoreVersions", "Builds", "ReviewSubmissions", "BetaGroups"}, 150},
		{"every tag", allTags(), 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw, err := connector.Swagger(exportOptions(tc.tags))
			if err != nil {
				t.Fatal(err)
			}
			_, ops, problems := checkPowerPlatformRules(t, raw)
			for _, p := range problems {
				t.Error(p)
			}
			if len(ops) < tc.min {
				t.Errorf("%d operations, want at least %d", len(ops), tc.min)
			}
			// The seed's operations keep their ids, methods and paths.
			for path, item := range seed.Paths {
				for method, rawOp := range item {
					var so swaggerOp
					json.Unmarshal(rawOp, &so)
					o, ok := ops[so.OperationID]
					if !ok {
						t.Errorf("seed operation %s (%s %s) is missing", so.OperationID, method, path)
						continue
					}
					// The seed's summaries in sentence case, as Microsoft's guidelines ask.
					if !strings.EqualFold(o.Summary, so.Summary) {
						t.Errorf("seed operation %s: summary %q, want %q", so.OperationID, o.Summary, so.Summary)
					}
				}
			}
			for _, id := range []string{"ListApps", "GetApp", "ListAppInfoLocalizations", "UpdateAppInfoLocalization",
				"ListVersionLocalizations", "UpdateVersionLocalization", "ListBuilds", "SubmitForReview", "OnAppStoreConnectEvent", "DeleteSubscription"} {
				if _, ok := ops[id]; !ok {
					t.Errorf("operation %s is missing", id)
				}
			}
		})
	}
	bad := exportOptions([]string{"NoSuchTag"})
	if _, err := connector.Swagger(bad); err == nil {
		t.Error("an unknown tag was accepted")
	}
}

// TestExportPassesSwaggerParser validates the export with @apidevtools/swagger-parser, an
// independent validator (npm ci in connector/testdata/swagger-validator).
func TestExportPassesSwaggerParser(t *testing.T) {
	t.Parallel()
	dir, err := filepath.Abs(filepath.Join("testdata", "swagger-validator"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if _, statErr := os.Stat(filepath.Join(dir, "node_modules", "@apidevtools", "swagger-parser")); err != nil || statErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("node or the validator is missing (run: npm ci --prefix %s)", dir)
		}
		t.Skipf("skipping: node or @apidevtools/swagger-parser is not installed (run: npm ci --prefix %s)", dir)
	}
	out := t.TempDir()
	var files []string
	for i, tags := range [][]string{nil, {"Apps", "AppInfos", "AppStoreVersions", "Builds", "ReviewSubmissions"}, allTags()} {
		raw, err := connector.Swagger(exportOptions(tags))
		if err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(out, fmt.Sprintf("swagger-%d.json", i))
		os.WriteFile(f, raw, 0o644)
		files = append(files, f)
	}
	oas, err := connector.OpenAPI("https://asc-gw.example.com", []string{"Apps"})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(out, "openapi.json")
	os.WriteFile(f, oas, 0o644)
	files = append(files, f)

	cmd := exec.CommandContext(t.Context(), node, append([]string{filepath.Join(dir, "validate.js")}, files...)...)
	cmd.Dir = dir
	res, err := cmd.CombinedOutput()
	t.Logf("swagger-parser:\n%s", res)
	if err != nil {
		t.Fatalf("swagger-parser rejected the export: %v", err)
	}
	if n := strings.Count(string(res), "valid "); n != len(files) {
		t.Errorf("validated %d files, want %d", n, len(files))
	}
}
