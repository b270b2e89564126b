package asc

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ascend-tools/ascend/internal/testutil"
)

func TestRelationshipDataShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		want     RelationshipData
		wantBack string // re-encoded relationship; the input's shape must survive
	}{
		{
			name:     "absent",
			in:       `{"links":{"self":"s"}}`,
			want:     RelationshipData{},
			wantBack: `{"links":{"self":"s"}}`,
		},
		{
			name:     "null to-one",
			in:       `{"data":null}`,
			want:     RelationshipData{Present: true},
			wantBack: `{"data":null}`,
		},
		{
			name:     "object",
			in:       `{"data":{"type":"apps","id":"1"}}`,
			want:     RelationshipData{One: &ResourceIdentifier{Type: "apps", ID: "1"}, Present: true},
			wantBack: `{"data":{"type":"apps","id":"1"}}`,
		},
		{
			name:     "array",
			in:       `{"data":[{"type":"builds","id":"a"},{"type":"builds","id":"b"}],"meta":{"paging":{"total":2,"limit":10}}}`,
			want:     RelationshipData{Many: []ResourceIdentifier{{"builds", "a"}, {"builds", "b"}}, IsMany: true, Present: true},
			wantBack: `{"data":[{"type":"builds","id":"a"},{"type":"builds","id":"b"}],"meta":{"paging":{"total":2,"limit":10}}}`,
		},
		{
			name:     "empty array stays an array",
			in:       `{"data":[]}`,
			want:     RelationshipData{Many: []ResourceIdentifier{}, IsMany: true, Present: true},
			wantBack: `{"data":[]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var rel Relationship
			if err := json.Unmarshal([]byte(tt.in), &rel); err != nil {
				t.Fatalf("decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, rel.Data); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
			back, err := json.Marshal(rel)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if string(back) != tt.wantBack {
				t.Errorf("re-encoded %s, want %s", back, tt.wantBack)
			}
		})
	}
	var bad RelationshipData
	if err := json.Unmarshal([]byte(`"apps"`), &bad); err == nil {
		t.Errorf("a string decoded as relationship data")
	}
}

func TestRelationshipBuilders(t *testing.T) {
	t.Parallel()
	body, err := json.Marshal(map[string]Relationship{
		"appInfo": {Data: ToOne("appInfos", "i1")},
		"builds":  {Data: ToMany(ResourceIdentifier{"builds", "b1"})},
		"none":    {Data: ToMany()},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"appInfo":{"data":{"type":"appInfos","id":"i1"}},"builds":{"data":[{"type":"builds","id":"b1"}]},"none":{"data":[]}}`
	if string(body) != want {
		t.Errorf("got %s\nwant %s", body, want)
	}
	if ids := ToOne("apps", "1").IDs(); len(ids) != 1 || ids[0].ID != "1" {
		t.Errorf("IDs of a to-one = %v", ids)
	}
}

func TestTimeFormats(t *testing.T) {
	t.Parallel()
	pdt := time.FixedZone("", -7*3600)
	tests := []struct {
		in   string
		want time.Time
		back string
	}{
		{`"2024-01-02T11:19:36-07:00"`, time.Date(2024, 1, 2, 11, 19, 36, 0, pdt), `"2024-01-02T11:19:36-07:00"`},
		{`"2018-03-27T10:54:53Z"`, time.Date(2018, 3, 27, 10, 54, 53, 0, time.UTC), `"2018-03-27T10:54:53Z"`},
		{`"2021-03-01T10:00:00.123Z"`, time.Date(2021, 3, 1, 10, 0, 0, 123e6, time.UTC), `"2021-03-01T10:00:00.123Z"`},
		{`"2020-01-01T00:00:00.000+0000"`, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), `"2020-01-01T00:00:00Z"`},
		{`"2020-01-01T00:00:00.000+00:00"`, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), `"2020-01-01T00:00:00Z"`},
		{`"2019-11-29T13:56:50.220+0000"`, time.Date(2019, 11, 29, 13, 56, 50, 220e6, time.UTC), `"2019-11-29T13:56:50.22Z"`},
		{`"2019-06-10T03:15:58-0700"`, time.Date(2019, 6, 10, 3, 15, 58, 0, pdt), `"2019-06-10T03:15:58-07:00"`},
		{`null`, time.Time{}, `null`},
	}
	for _, tt := range tests {
		var got Time
		if err := json.Unmarshal([]byte(tt.in), &got); err != nil {
			t.Errorf("decode %s: %v", tt.in, err)
			continue
		}
		if !got.Equal(tt.want) {
			t.Errorf("decode %s = %s, want %s", tt.in, got, tt.want)
		}
		back, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		if string(back) != tt.back {
			t.Errorf("encode %s = %s, want %s", tt.in, back, tt.back)
		}
		var again Time
		if err := json.Unmarshal(back, &again); err != nil || !again.Equal(got.Time) {
			t.Errorf("round trip of %s lost the instant: %v %v", tt.in, again, err)
		}
	}
	for _, bad := range []string{`"yesterday"`, `"2020-13-01T00:00:00Z"`, `12`, `"2020-01-01"`} {
		var got Time
		if err := json.Unmarshal([]byte(bad), &got); err == nil {
			t.Errorf("decode %s: want an error, got %s", bad, got)
		}
	}
}

func TestDateFormats(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, back string }{
		{`"2024-02-26"`, `"2024-02-26"`},
		{`"2024-04-20T00:00:00-07:00"`, `"2024-04-20"`},
		{`null`, `null`},
	}
	for _, tt := range tests {
		var d Date
		if err := json.Unmarshal([]byte(tt.in), &d); err != nil {
			t.Errorf("decode %s: %v", tt.in, err)
			continue
		}
		back, _ := json.Marshal(d)
		if string(back) != tt.back {
			t.Errorf("date %s re-encoded as %s, want %s", tt.in, back, tt.back)
		}
	}
	var d Date
	if err := json.Unmarshal([]byte(`"26/02/2024"`), &d); err == nil {
		t.Errorf("a foreign date format decoded")
	}
	// Struct fields of these types can be left out of a body with omitzero.
	body, _ := json.Marshal(struct {
		D Date `json:"d,omitzero"`
		T Time `json:"t,omitzero"`
	}{})
	if string(body) != `{}` {
		t.Errorf("zero times encoded as %s", body)
	}
}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testutil.SharedDir(t), "fixtures", "responses", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return data
}

var timestampRE = regexp.MustCompile(`"(\d{4}-\d{2}-\d{2}T[^"]+)"`)

// TestFixturesDecode decodes every captured response with the JSON:API core: documents,
// lists, bare resources and error documents. It checks nothing is lost (ids and relationship
// shapes survive) and that every timestamp in them parses.
func TestFixturesDecode(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testutil.SharedDir(t), "fixtures", "responses")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var probe map[string]json.RawMessage
			if err := json.Unmarshal(data, &probe); err != nil {
				t.Fatalf("fixture is not a JSON object: %v", err)
			}
			raw := probe["data"]
			switch {
			case probe["errors"] != nil:
				var doc struct{ Errors []APIError }
				if err := json.Unmarshal(data, &doc); err != nil || len(doc.Errors) == 0 {
					t.Fatalf("decode errors: %v (%d errors)", err, len(doc.Errors))
				}
				for _, e := range doc.Errors {
					if e.Status == "" || e.Code == "" {
						t.Errorf("error without status or code: %+v", e)
					}
				}
			case len(raw) > 0 && raw[0] == '[':
				var doc ListDocument[Resource]
				if err := json.Unmarshal(data, &doc); err != nil {
					t.Fatalf("decode list: %v", err)
				}
				var ids []struct{ ID string }
				_ = json.Unmarshal(raw, &ids)
				if len(doc.Data) != len(ids) {
					t.Errorf("decoded %d items, fixture has %d", len(doc.Data), len(ids))
				}
				for _, r := range doc.Data {
					checkResource(t, r)
				}
			case len(raw) > 0:
				var doc Document[Resource]
				if err := json.Unmarshal(data, &doc); err != nil {
					t.Fatalf("decode document: %v", err)
				}
				checkResource(t, doc.Data)
			default:
				var r Resource
				if err := json.Unmarshal(data, &r); err != nil {
					t.Fatalf("decode bare resource: %v", err)
				}
				checkResource(t, r)
			}
			for _, m := range timestampRE.FindAllSubmatch(data, -1) {
				if _, err := ParseTime(string(m[1])); err != nil {
					t.Errorf("timestamp: %v", err)
				}
			}
		})
	}
}

func checkResource(t *testing.T, r Resource) {
	t.Helper()
	if r.Type == "" || r.ID == "" {
		t.Errorf("resource without type or id: %q %q", r.Type, r.ID)
	}
	for name, rel := range r.Relationships {
		for _, id := range rel.Data.IDs() {
			if id.Type == "" || id.ID == "" {
				t.Errorf("relationship %s has an empty identifier", name)
			}
		}
	}
}

func TestAppFixtures(t *testing.T) {
	t.Parallel()
	t.Run("fastlane app document", func(t *testing.T) {
		t.Parallel()
		var doc AppResponse
		if err := json.Unmarshal(readFixture(t, "fastlane__app.json"), &doc); err != nil {
			t.Fatal(err)
		}
		want := AppAttributes{Name: "FastlaneTest", BundleID: "com.joshholtz.FastlaneTest", SKU: "SKU_SKU_SKU_SKU", PrimaryLocale: "en-US"}
		if doc.Data.ID != "123456789" || doc.Data.Type != "apps" {
			t.Errorf("identity = %s/%s", doc.Data.Type, doc.Data.ID)
		}
		if diff := cmp.Diff(want, *doc.Data.Attributes); diff != "" {
			t.Errorf("attributes (-want +got):\n%s", diff)
		}
		if r := doc.Data.Relationships.AppInfos; r == nil || r.Data.Present || !strings.HasSuffix(r.Links.Related, "/apps/123456789/appInfos") {
			t.Errorf("appInfos relationship = %+v", r)
		}
	})
	t.Run("fastlane apps list", func(t *testing.T) {
		t.Parallel()
		var doc AppsResponse
		if err := json.Unmarshal(readFixture(t, "fastlane__apps.json"), &doc); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, a := range doc.Data {
			ids = append(ids, a.ID)
		}
		if diff := cmp.Diff([]string{"123456789", "987654321", "1013943394", "898536088", "1000000000"}, ids); diff != "" {
			t.Errorf("ids (-want +got):\n%s", diff)
		}
		if doc.Links.Next != "" {
			t.Errorf("next = %q, want none (Apple sent null)", doc.Links.Next)
		}
		if doc.Meta == nil || doc.Meta.Paging.Limit != 2 || doc.Meta.Paging.Total != 2 {
			t.Errorf("meta = %+v", doc.Meta)
		}
		versions := doc.Data[0].Relationships.AppStoreVersions
		if versions == nil || !versions.Data.IsMany || len(versions.Data.Many) != 1 || versions.Data.Many[0].Type != "appStoreVersions" {
			t.Errorf("appStoreVersions linkage = %+v", versions)
		}
		if len(doc.Included) != 2 || doc.Included[0].ResourceType() != "appStoreVersions" {
			t.Fatalf("included = %d resources", len(doc.Included))
		}
		// Included resources decode into their generated types.
		if v, ok := doc.Included[0].(*AppStoreVersion); !ok || v.Attributes == nil || v.Attributes.CreatedDate == nil {
			t.Errorf("included[0] = %#v, want *AppStoreVersion with createdDate", doc.Included[0])
		}
	})
	t.Run("codemagic bare app with nulls", func(t *testing.T) {
		t.Parallel()
		var app App
		if err := json.Unmarshal(readFixture(t, "codemagic__app.json"), &app); err != nil {
			t.Fatal(err)
		}
		a := app.Attributes
		if a.Name != "Banaan Codemagic" || a.ContentRightsDeclaration != "DOES_NOT_USE_THIRD_PARTY_CONTENT" {
			t.Errorf("attributes = %+v", a)
		}
		if a.SubscriptionStatusURL != "" || a.SubscriptionStatusURLVersion != "" {
			t.Errorf("null attributes should decode as unset: %+v", a)
		}
		if a.IsOrEverWasMadeForKids == nil || *a.IsOrEverWasMadeForKids {
			t.Errorf("isOrEverWasMadeForKids = %v, want false (set)", a.IsOrEverWasMadeForKids)
		}
		if app.Links == nil || app.Links.Self != "https://api.appstoreconnect.apple.com/v1/apps/1481211155" {
			t.Errorf("links = %+v", app.Links)
		}
	})
	t.Run("null to-one relationships", func(t *testing.T) {
		t.Parallel()
		var doc Document[Resource]
		if err := json.Unmarshal(readFixture(t, "fastlane__review_submission.json"), &doc); err != nil {
			t.Fatal(err)
		}
		rel := doc.Data.Relationships["submittedByActor"]
		if !rel.Data.Present || rel.Data.One != nil || rel.Data.IsMany {
			t.Errorf("submittedByActor = %+v, want present and empty", rel.Data)
		}
		var attrs struct {
			SubmittedDate Time   `json:"submittedDate"`
			State         string `json:"state"`
		}
		if err := doc.Data.DecodeAttributes(&attrs); err != nil || !attrs.SubmittedDate.IsZero() || attrs.State != "READY_FOR_REVIEW" {
			t.Errorf("attributes = %+v, %v", attrs, err)
		}
	})
}

// TestLinkageResponses decodes the answers of relationship operations into the one pair of
// linkage types every such operation returns, an empty to-one relationship included.
func TestLinkageResponses(t *testing.T) {
	t.Parallel()
	var one LinkageResponse
	if err := json.Unmarshal([]byte(`{"data":{"type":"builds","id":"b1"},"links":{"self":"https://x/v1/appStoreVersions/v1/relationships/build"}}`), &one); err != nil {
		t.Fatal(err)
	}
	if one.Data == nil || *one.Data != (ResourceIdentifier{Type: "builds", ID: "b1"}) || one.Links.Self == "" {
		t.Errorf("to-one linkage = %+v", one)
	}
	var none LinkageResponse
	if err := json.Unmarshal([]byte(`{"data":null,"links":{"self":"https://x"}}`), &none); err != nil || none.Data != nil {
		t.Errorf("an empty to-one relationship = %+v, %v; want nil data", none, err)
	}
	var many LinkagesResponse
	if err := json.Unmarshal([]byte(`{"data":[{"type":"betaTesters","id":"t1"},{"type":"betaTesters","id":"t2"}],"links":{"self":"s","next":"n"},"meta":{"paging":{"total":2,"limit":50}}}`), &many); err != nil {
		t.Fatal(err)
	}
	if len(many.Data) != 2 || many.Data[1].ID != "t2" || many.Links.Next != "n" || many.Meta == nil || many.Meta.Paging.Total != 2 {
		t.Errorf("to-many linkage = %+v", many)
	}
	// The generated methods return them.
	var _ func(*AppStoreVersionsService, context.Context, string) (*LinkageResponse, *Response, error) = (*AppStoreVersionsService).GetBuildID
	var _ func(*BetaGroupsService, context.Context, string, *BetaGroupsListBetaTesterIDsOptions) (*LinkagesResponse, *Response, error) = (*BetaGroupsService).ListBetaTesterIDs
}
