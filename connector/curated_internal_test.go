package connector

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/spec"
)

// TestCuratedActionsMatchTheSpec checks every curated action against Apple's catalog: the
// upstream path exists for the method, and every query parameter it maps to is one that
// operation takes (Apple rejects unknown parameters).
func TestCuratedActionsMatchTheSpec(t *testing.T) {
	t.Parallel()
	for _, a := range curatedActions {
		if a.Handle != nil {
			continue // composite: its requests are covered by the end-to-end tests
		}
		target := a.Pattern
		r := httptest.NewRequest(a.Method, "http://gw"+strings.NewReplacer("{appId}", "1", "{appInfoId}", "2", "{versionId}", "3", "{localizationId}", "4").Replace(target), nil)
		for _, p := range a.PathParams {
			r.SetPathValue(p.Name, "123")
		}
		path := a.Upstream(r)
		op, _, ok := spec.Find(a.Method, path)
		if !ok {
			t.Errorf("%s: %s %s is not an App Store Connect operation", a.ID, a.Method, path)
			continue
		}
		for _, p := range a.Query {
			if _, ok := op.Param(p.Apple); !ok {
				t.Errorf("%s: %s %s takes no parameter %s", a.ID, a.Method, op.Path, p.Apple)
			}
		}
		if a.ID == "ListBuilds" {
			for _, name := range []string{"filter[app]", "sort"} {
				if _, ok := op.Param(name); !ok {
					t.Errorf("ListBuilds: %s takes no %s", op.Path, name)
				}
			}
		}
		if a.ResourceType != "" {
			if _, ok := spec.Resource(a.ResourceType); !ok {
				t.Errorf("%s: unknown resource type %s", a.ID, a.ResourceType)
			}
		}
		for _, f := range a.BodyFields {
			rt, _ := spec.Resource(a.ResourceType)
			if rt != nil && a.Method == "PATCH" {
				if _, ok := rt.Attributes[f.Name]; !ok {
					t.Errorf("%s: %s has no attribute %s", a.ID, a.ResourceType, f.Name)
				}
			}
		}
	}
}
