package sandbox

import (
	"maps"
	"slices"
	"testing"
)

func attrKeys(t *testing.T, res map[string]any) []string {
	t.Helper()
	a, ok := res["attributes"].(map[string]any)
	if !ok {
		t.Fatalf("resource without attributes: %v", res)
	}
	return slices.Sorted(maps.Keys(a))
}

// Apple sends every attribute of a resource, the unset ones as null; a client tested here
// must meet those nulls too. An app's keys are exactly the spec's declared set.
func TestNullsUnsetAttributes(t *testing.T) {
	_, c := newTestServer(t, Options{})
	rt, ok := specResource("apps")
	if !ok {
		t.Fatal("spec has no apps")
	}
	declared := slices.Sorted(maps.Keys(rt.Attributes))
	apps := c.do("GET", "/v1/apps", nil).must(t, 200).list()
	if len(apps) == 0 {
		t.Fatal("demo seed has no apps")
	}
	for _, x := range apps {
		app := x.(map[string]any)
		if got := attrKeys(t, app); !slices.Equal(got, declared) {
			t.Errorf("app %s attribute keys = %v, want the spec's %v", id(app), got, declared)
		}
		a := app["attributes"].(map[string]any)
		// The demo seed never sets an accessibility URL: Apple shows it as null.
		if v, present := a["accessibilityUrl"]; !present || v != nil {
			t.Errorf("app %s accessibilityUrl = %v (present %v), want null", id(app), v, present)
		}
		if a["name"] == nil {
			t.Errorf("app %s has no name", id(app))
		}
	}

	// fields[apps] limits the nulls as it limits the values; relationships named there
	// are not attributes.
	one := c.do("GET", "/v1/apps/"+id(apps[0].(map[string]any))+"?fields[apps]=name,accessibilityUrl,builds", nil).must(t, 200).data()
	if got := attrKeys(t, one); !slices.Equal(got, []string{"accessibilityUrl", "name"}) {
		t.Errorf("fields[apps]=name,accessibilityUrl,builds: attribute keys %v, want [accessibilityUrl name]", got)
	}
	if v, present := one["attributes"].(map[string]any)["accessibilityUrl"]; !present || v != nil {
		t.Errorf("fields[apps]: accessibilityUrl = %v (present %v), want null", v, present)
	}

	// Included resources carry their declared attributes too, within their fields[type].
	r := c.do("GET", "/v1/apps/"+id(apps[0].(map[string]any))+"?include=appInfos&fields[appInfos]=state,kidsAgeBand", nil).must(t, 200)
	inc, _ := r.doc["included"].([]any)
	if len(inc) == 0 {
		t.Fatal("include=appInfos included nothing")
	}
	for _, x := range inc {
		if got := attrKeys(t, x.(map[string]any)); !slices.Equal(got, []string{"kidsAgeBand", "state"}) {
			t.Errorf("included appInfos attribute keys %v, want [kidsAgeBand state]", got)
		}
	}
}

// A deprecated v1 operation declares the v1 schema of a type whose model is V2: its
// answer carries the v1 schema's attributes.
func TestNullsV1Schema(t *testing.T) {
	_, c := newTestServer(t, Options{})
	v1, ok := specResourceBySchema("InAppPurchase")
	if !ok {
		t.Skip("spec has no v1 InAppPurchase schema")
	}
	apps := c.do("GET", "/v1/apps", nil).must(t, 200).list()
	checked := 0
	for _, x := range apps {
		iaps := c.do("GET", "/v1/apps/"+id(x.(map[string]any))+"/inAppPurchasesV2", nil).must(t, 200).list()
		for _, y := range iaps {
			got := c.do("GET", "/v1/inAppPurchases/"+id(y.(map[string]any)), nil).must(t, 200).data()
			a := got["attributes"].(map[string]any)
			for k := range v1.Attributes {
				if _, present := a[k]; !present {
					t.Errorf("GET /v1/inAppPurchases/%s lacks v1 attribute %s: %v", id(got), k, a)
				}
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("the demo seed has no in-app purchases")
	}
}

// An empty to-one relationship whose data an include asks for is "data": null, as Apple
// sends it; a full one is a resource identifier.
func TestNullsEmptyToOne(t *testing.T) {
	_, c := newTestServer(t, Options{})
	apps := c.do("GET", "/v1/apps", nil).must(t, 200).list()
	nulls, full := 0, 0
	for _, x := range apps {
		vers := c.do("GET", "/v1/apps/"+id(x.(map[string]any))+"/appStoreVersions?include=appStoreVersionPhasedRelease,build", nil).must(t, 200).list()
		for _, v := range vers {
			rels := v.(map[string]any)["relationships"].(map[string]any)
			for _, name := range []string{"appStoreVersionPhasedRelease", "build"} {
				rel, _ := rels[name].(map[string]any)
				data, present := rel["data"]
				switch d := data.(type) {
				case nil:
					if !present {
						t.Errorf("version %s: included %s has no data member: %v", id(v.(map[string]any)), name, rel)
					} else {
						nulls++
					}
				case map[string]any:
					if d["id"] == "" || d["type"] == "" {
						t.Errorf("version %s: %s data %v", id(v.(map[string]any)), name, d)
					}
					full++
				default:
					t.Errorf("version %s: %s data %v", id(v.(map[string]any)), name, d)
				}
			}
		}
	}
	if nulls == 0 || full == 0 {
		t.Errorf("demo versions gave %d empty and %d set to-one relationships; want some of each", nulls, full)
	}
	// Without include, relationships carry links only, as Apple's answers do.
	vers := c.do("GET", "/v1/apps/"+id(apps[0].(map[string]any))+"/appStoreVersions", nil).must(t, 200).list()
	for _, v := range vers {
		for name, rel := range v.(map[string]any)["relationships"].(map[string]any) {
			if _, present := rel.(map[string]any)["data"]; present {
				t.Errorf("version %s: %s has data without include", id(v.(map[string]any)), name)
			}
		}
	}
}
