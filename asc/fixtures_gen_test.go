package asc

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/internal/testutil"
)

// fixtureSchema picks the spec schema a captured response belongs to, the way the fixtures'
// README does: the operation its links.self names (without the web-session /iris prefix) when
// the data shape matches, else the response listing resources of its data.type, and for a
// bare resource object the resource schema of its type. ok is false for error bodies and for
// documents of types the spec no longer has.
func fixtureSchema(doc map[string]any) (schema string, ok bool) {
	if _, isErr := doc["errors"]; isErr {
		return "", false
	}
	data, hasData := doc["data"]
	if !hasData {
		typ, _ := doc["type"].(string)
		if r, ok := spec.Resource(typ); ok {
			return r.Schema, true
		}
		return "", false
	}
	items, list := data.([]any)
	var typ string
	if list && len(items) > 0 {
		typ, _ = items[0].(map[string]any)["type"].(string)
	} else if m, ok := data.(map[string]any); ok {
		typ, _ = m["type"].(string)
	}
	if links, ok := doc["links"].(map[string]any); ok {
		if self, ok := links["self"].(string); ok {
			if u, err := url.Parse(self); err == nil {
				if op, _, ok := spec.Find("GET", strings.TrimPrefix(u.Path, "/iris")); ok {
					if t, l, ok := spec.ResponseItemType(op.ResponseSchema); ok && l == list && (t == typ || typ == "") {
						return op.ResponseSchema, true
					}
				}
			}
		}
	}
	if typ == "" {
		return "", false
	}
	// Prefer the plain read of the type: {type}_getCollection or {type}_getInstance.
	var fallback string
	for _, op := range spec.Operations() {
		if op.Method != "GET" || op.MediaType != "application/json" {
			continue
		}
		t, l, ok := spec.ResponseItemType(op.ResponseSchema)
		if !ok || t != typ || l != list || strings.HasSuffix(op.ResponseSchema, "LinkagesResponse") {
			continue
		}
		if (list && op.ID == typ+"_getCollection") || (!list && op.ID == typ+"_getInstance") {
			return op.ResponseSchema, true
		}
		if fallback == "" && !op.Deprecated {
			fallback = op.ResponseSchema
		}
	}
	return fallback, fallback != ""
}

// undeclaredOK lists the captures allowed to carry fields that spec 4.4.1 does not declare
// (a typed decode drops those; the test checks each dropped field against the spec). A field
// the spec declares is never allowed to be lost, whatever the file.
var undeclaredOK = map[string]bool{
	// fastlane's recordings of the web-session (iris) and developer-portal hosts, which add
	// undocumented attributes and relationships (isAAG, removed, qcState, responseId,
	// platformName, beta-tester install fields, betaBuildMetrics, ...).
	"fastlane__app.json": true,
	"fastlane__app_availabilities_ready_for_distribution.json": true,
	"fastlane__app_availabilities_removed_app.json":            true,
	"fastlane__beta_group.json":                                true,
	"fastlane__beta_groups.json":                               true,
	"fastlane__beta_testers.json":                              true,
	"fastlane__build_beta_details.json":                        true,
	"fastlane__builds.json":                                    true,
	"fastlane__bundle_id.json":                                 true,
	"fastlane__bundle_ids.json":                                true,
	"fastlane__certificates.json":                              true,
	"fastlane__device_disable.json":                            true,
	"fastlane__device_rename.json":                             true,
	"fastlane__devices.json":                                   true,
	"fastlane__profiles.json":                                  true,
	"fastlane__review_submission.json":                         true,
	"fastlane__review_submission_items.json":                   true,
	// Public-host captures from older API versions: app relationships since removed
	// (appAvailability, preOrder, prices, pricePoints, availableTerritories) and the same
	// iris-only isAAG/removed attributes fastlane's apps list was recorded with.
	"fastlane__apps.json":                  true,
	"codemagic__app.json":                  true,
	"codemagic__bundle_id_capability.json": true,
	// Apple's own documentation example is ahead of the spec: availableInAllTerritories.
	"apple-docs__GET-v1-inAppPurchases-_id_.json": true,
}

// knownLosses are declared fields that do not survive a round trip, keyed by "file path",
// with the reason.
var knownLosses = map[string]string{
	// asc.Paging (hand-written core) encodes Total with omitempty, so a total of 0 is left out;
	// decoding is unaffected.
	"ittybittyapps__certificates_not_unique.json meta.paging.total": "Paging.Total omitempty",
}

// TestFixturesRoundTrip decodes every captured response into its generated type, encodes it
// again and checks that nothing the spec declares was lost. Nulls, empty strings and empty
// arrays count as unset (Apple sends null for unset fields; the types leave them out), and
// timestamps compare as instants (Apple's "+0000" offsets re-encode as RFC 3339).
func TestFixturesRoundTrip(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testutil.SharedDir(t), "fixtures", "responses")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	matched := 0
	for _, f := range files {
		name := filepath.Base(f)
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var orig map[string]any
		if err := json.Unmarshal(raw, &orig); err != nil {
			t.Fatalf("%s is not a JSON object: %v", name, err)
		}
		schema, ok := fixtureSchema(orig)
		if ok {
			matched++
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if !ok {
				t.Skipf("no 4.4.1 response schema for this body (error body or a type the spec no longer has)")
			}
			mk, ok := schemaTypes[schema]
			if !ok {
				t.Fatalf("schema %s has no generated type", schema)
			}
			v := mk()
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatalf("decode as %s: %v", schema, err)
			}
			again, err := json.Marshal(v)
			if err != nil {
				t.Fatalf("encode %s: %v", schema, err)
			}
			var back any
			if err := json.Unmarshal(again, &back); err != nil {
				t.Fatal(err)
			}
			var losses []loss
			compareJSON("", orig, back, "", &losses)
			undeclared := map[string]bool{}
			for _, l := range losses {
				switch {
				case l.member != "" && !declared(l.typ, l.section, l.member):
					undeclared[l.path] = true
				case knownLosses[name+" "+l.path] != "":
				default:
					t.Errorf("decoding as %s lost %s", schema, l.path)
				}
			}
			if len(undeclared) > 0 && !undeclaredOK[name] {
				t.Errorf("decoding as %s dropped fields spec 4.4.1 does not declare: %v", schema, slices.Sorted(mapKeysOf(undeclared)))
			}
			if len(undeclared) > 0 {
				t.Logf("undeclared fields dropped: %v", slices.Sorted(mapKeysOf(undeclared)))
			}
		})
	}
	// 57 of the 69 captures are documents of a schema 4.4.1 still has; the rest are error
	// bodies and iris-only types (betaTesterMetrics, buildDeliveries, ...).
	if matched < 57 {
		t.Errorf("only %d of %d fixtures matched a schema, want at least 57", matched, len(files))
	}
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// loss is one member of the original document missing or changed after the round trip. For
// a resource's attribute or relationship, typ, section and member name it so the test can
// ask the spec whether it is declared.
type loss struct {
	path, typ, section, member string
}

// compareJSON records every member of want that got lacks or changed. typ is the JSON:API type
// of the innermost enclosing resource object.
func compareJSON(path string, want, got any, typ string, out *[]loss) {
	if isUnset(want) {
		return
	}
	gen := indexRE.ReplaceAllString(path, "[]")
	switch w := want.(type) {
	case map[string]any:
		g, _ := got.(map[string]any)
		if t, ok := w["type"].(string); ok {
			if _, hasID := w["id"]; hasID {
				typ = t
			}
		}
		for _, k := range slices.Sorted(mapKeysOf(w)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			gv, ok := g[k]
			if ok || isUnset(w[k]) {
				compareJSON(p, w[k], gv, typ, out)
				continue
			}
			l := loss{path: indexRE.ReplaceAllString(p, "[]")}
			if strings.HasSuffix(gen, "attributes") || strings.HasSuffix(gen, "relationships") {
				l.typ, l.section, l.member = typ, gen[strings.LastIndex(gen, ".")+1:], k
			} else if typ != "" && (k == "attributes" || k == "relationships") {
				l.typ, l.section, l.member = typ, k, "*"
			}
			*out = append(*out, l)
		}
	case []any:
		g, _ := got.([]any)
		for i := range w {
			var gv any
			if i < len(g) {
				gv = g[i]
			}
			compareJSON(fmt.Sprintf("%s[%d]", path, i), w[i], gv, typ, out)
		}
	default:
		if fmt.Sprint(want) == fmt.Sprint(got) || sameInstant(want, got) {
			return
		}
		*out = append(*out, loss{path: gen + fmt.Sprintf(" (%v -> %v)", want, got)})
	}
}

// declared reports whether any spec schema of resource type typ declares the member
// (member "*": declares any attributes or relationships at all).
func declared(typ, section, member string) bool {
	for name := range schemaTypes {
		r, ok := spec.ResourceBySchema(name)
		if !ok || r.Type != typ {
			continue
		}
		if section == "attributes" {
			if _, ok := r.Attributes[member]; ok || (member == "*" && len(r.Attributes) > 0) {
				return true
			}
		} else {
			if _, ok := r.Relationships[member]; ok || (member == "*" && len(r.Relationships) > 0) {
				return true
			}
		}
	}
	return false
}

func isUnset(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	}
	return false
}

func sameInstant(a, b any) bool {
	as, ok1 := a.(string)
	bs, ok2 := b.(string)
	if !ok1 || !ok2 {
		return false
	}
	at, err1 := ParseTime(as)
	bt, err2 := ParseTime(bs)
	return err1 == nil && err2 == nil && at.Equal(bt.Time) && !at.Equal(time.Time{})
}

func mapKeysOf[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
