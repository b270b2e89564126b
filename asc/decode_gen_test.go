package asc

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/ascend-tools/ascend/internal/testutil"
)

// TestIncludedUnion checks that included resources decode into the generated type the spec
// lists for the response (AppInfosResponse lists localizations, categories, age ratings, apps), that a type it does not list survives as *UnknownResource, and that
// null decodes as no included resources.
func TestIncludedUnion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		body      string
		wantTypes []string
	}{
		{"typed and unknown", `{"data":[],"links":{"self":"s"},"included":[
			{"type":"appInfoLocalizations","id":"l1","attributes":{"locale":"en-US","subtitle":null}},
			{"type":"apps","id":"a1","attributes":{"name":"N","isOrEverWasMadeForKids":false}},
			{"type":"somethingNew","id":"x1","attributes":{"k":1}}]}`,
			[]string{"*asc.AppInfoLocalization", "*asc.App", "*asc.UnknownResource"}},
		{"null", `{"data":[],"links":{"self":"s"},"included":null}`, nil},
		{"absent", `{"data":[],"links":{"self":"s"}}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var doc AppInfosResponse
			if err := json.Unmarshal([]byte(tt.body), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Included) != len(tt.wantTypes) {
				t.Fatalf("included = %d items, want %d", len(doc.Included), len(tt.wantTypes))
			}
			for i, inc := range doc.Included {
				if got := typeName(inc); got != tt.wantTypes[i] {
					t.Fatalf("included[%d] is %s, want %s", i, got, tt.wantTypes[i])
				}
			}
			if len(doc.Included) == 0 {
				return
			}
			loc := doc.Included[0].(*AppInfoLocalization)
			if loc.Attributes.Locale != "en-US" || loc.ResourceID() != "l1" {
				t.Errorf("localization = %+v", loc.Attributes)
			}
			app := doc.Included[1].(*App)
			if app.Attributes.IsOrEverWasMadeForKids == nil || *app.Attributes.IsOrEverWasMadeForKids {
				t.Error("false must decode as a set false, not as unset")
			}
			if u := doc.Included[2].(*UnknownResource); u.ResourceType() != "somethingNew" || string(u.Attributes) != `{"k":1}` {
				t.Errorf("unknown = %+v", u)
			}
			// Encoding keeps every item, in order.
			out, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			var again AppInfosResponse
			if err := json.Unmarshal(out, &again); err != nil || len(again.Included) != 3 {
				t.Errorf("re-decode: %v, %d items", err, len(again.Included))
			}
		})
	}
}

func typeName(v any) string {
	switch v.(type) {
	case *AppInfoLocalization:
		return "*asc.AppInfoLocalization"
	case *App:
		return "*asc.App"
	case *UnknownResource:
		return "*asc.UnknownResource"
	}
	return "other"
}

// TestNullsDecodeAsUnset feeds the nulls Apple sends for unset fields into generated types.
func TestNullsDecodeAsUnset(t *testing.T) {
	t.Parallel()
	body := `{"data":{"type":"appStoreVersions","id":"v1","attributes":{"versionString":"1.0",
		"copyright":null,"earliestReleaseDate":null,"createdDate":"2024-01-02T03:04:05.000+0000",
		"appStoreState":null,"downloadable":null,"releaseType":null},
		"relationships":{"build":{"data":null}}},"links":{"self":"s"}}`
	var doc AppStoreVersionResponse
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	a := doc.Data.Attributes
	if a.Copyright != "" || a.EarliestReleaseDate != nil || a.Downloadable != nil || a.ReleaseType != "" {
		t.Errorf("nulls decoded as values: %+v", a)
	}
	if a.CreatedDate == nil || a.CreatedDate.Year() != 2024 {
		t.Errorf("createdDate with a +0000 offset = %v", a.CreatedDate)
	}
	if b := doc.Data.Relationships.Build; b == nil || !b.Data.Present || b.Data.One != nil {
		t.Errorf("null to-one = %+v", b)
	}
}

// TestMetricsDimensionLinkage covers a spec error the generator corrects: metrics dimensions
// declare data as a string while Apple sends a {type, id} linkage.
func TestMetricsDimensionLinkage(t *testing.T) {
	t.Parallel()
	body := `{"data":[{"dataPoints":[{"start":"2024-01-01T00:00:00Z","end":"2024-01-02T00:00:00Z",
		"values":{"crashCount":0,"sessionCount":3}}],
		"dimensions":{"betaTesters":{"links":{"groupBy":"g","related":"r"},"data":{"type":"betaTesters","id":"t1"}}}}],
		"links":{"self":"s"}}`
	var doc AppsBetaTesterUsagesV1MetricResponse
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("decode: %v", err)
	}
	var id ResourceIdentifier
	if err := json.Unmarshal(doc.Data[0].Dimensions.BetaTesters.Data, &id); err != nil || id.ID != "t1" {
		t.Errorf("dimension linkage = %s (%v)", doc.Data[0].Dimensions.BetaTesters.Data, err)
	}
	if v := doc.Data[0].DataPoints[0].Values; v.CrashCount == nil || *v.CrashCount != 0 || *v.SessionCount != 3 {
		t.Errorf("values = %+v", v)
	}
}

// BenchmarkDecodeAppsResponse compares decoding a real list with included resources into the
// generated types with decoding it into the untyped core document.
func BenchmarkDecodeAppsResponse(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join(testutil.SharedDir(b), "fixtures", "responses", "fastlane__apps.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("typed", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			var doc AppsResponse
			if err := json.Unmarshal(raw, &doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("untyped", func(b *testing.B) {
		b.SetBytes(int64(len(raw)))
		for b.Loop() {
			var doc ListDocument[Resource]
			if err := json.Unmarshal(raw, &doc); err != nil {
				b.Fatal(err)
			}
		}
	})
}
