package sandbox

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ascend-tools/ascend/internal/spec"
	"github.com/ascend-tools/ascend/internal/testutil"
)

// TestFieldsMatchFixtures compares, per resource type, the attributes that real captured
// answers populate (among those Apple's spec declares) with the ones the sandbox's demo
// answers populate: a client that works on real data must find the same fields here.
func TestFieldsMatchFixtures(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(testutil.SharedDir(t), "fixtures", "responses")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	real := map[string]map[string]bool{}
	note := func(res any) {
		m, _ := res.(map[string]any)
		typ, _ := m["type"].(string)
		attrs, _ := m["attributes"].(map[string]any)
		rt, ok := spec.Resource(typ)
		if !ok {
			return
		}
		for k, v := range attrs {
			if _, declared := rt.Attributes[k]; v != nil && declared {
				if real[typ] == nil {
					real[typ] = map[string]bool{}
				}
				real[typ][k] = true
			}
		}
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if json.Unmarshal(b, &d) != nil {
			continue
		}
		data, ok := d["data"]
		if !ok {
			data = d // a bare resource object
		}
		if l, isList := data.([]any); isList {
			for _, x := range l {
				note(x)
			}
		} else {
			note(data)
		}
		if inc, ok := d["included"].([]any); ok {
			for _, x := range inc {
				note(x)
			}
		}
	}

	s, c := newTestServer(t, Options{})
	// A screenshot shows uploadOperations only while reserved: reserve one, as the fixture did.
	_, _, locID := editableLocalization(t, c)
	set := findOne(t, c, "/v1/appStoreVersionLocalizations/"+locID+"/appScreenshotSets", "screenshotDisplayType", "APP_IPHONE_67")
	c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "reserved.png", "fileSize": 11097},
		map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201)
	// Webhooks and build uploads exist once someone makes them.
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
	c.do("POST", "/v1/webhooks", resource("webhooks", "", map[string]any{"name": "w", "url": "http://127.0.0.1:9/w", "secret": "x", "enabled": true,
		"eventTypes": []string{"BUILD_UPLOAD_STATE_UPDATED"}}, map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201)

	compared := 0
	for _, typ := range slices.Sorted(maps.Keys(real)) {
		s.mu.Lock()
		recs := slices.Clone(s.st.all(typ))
		s.mu.Unlock()
		if len(recs) == 0 {
			t.Logf("%s: not in the demo data (the fixtures populate %v)", typ, slices.Sorted(maps.Keys(real[typ])))
			continue
		}
		if _, _, ok := spec.Find("GET", s.mdl.selfPath(typ, recs[0].ID)); !ok {
			t.Logf("%s: the API has no GET for one resource; not compared", typ)
			continue
		}
		got := map[string]bool{}
		for _, r := range append(recs[:min(len(recs), 60)], recs[len(recs)-1]) {
			for k, v := range c.do("GET", s.mdl.selfPath(r.Type, r.ID), nil).must(t, 200).data()["attributes"].(map[string]any) {
				if v != nil {
					got[k] = true
				}
			}
		}
		compared++
		var missing []string
		for k := range real[typ] {
			if !got[k] {
				missing = append(missing, k)
			}
		}
		slices.Sort(missing)
		if len(missing) > 0 {
			t.Errorf("%s: real answers populate %v, the sandbox's never do", typ, missing)
		}
	}
	if compared < 10 {
		t.Errorf("only %d resource types compared", compared)
	}
	t.Logf("compared the populated attributes of %d resource types with the captured fixtures", compared)
}
