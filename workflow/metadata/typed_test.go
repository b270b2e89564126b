package metadata

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ascend-tools/ascend/asc"
)

// TestTypedMappingFollowsTheFieldSpecs checks the typed readers and request builders of
// typed.go against the field specs: every file of a scope is read from, and written to, the
// attribute its spec names, and nothing else is.
func TestTypedMappingFollowsTheFieldSpecs(t *testing.T) {
	t.Parallel()
	// wire builds, for the specs of a scope, the attribute document Apple would send and the
	// layout values it stands for.
	wire := func(specs []FieldSpec, scope Scope) (map[string]any, Values) {
		attrs, values := map[string]any{}, Values{}
		for _, s := range specs {
			if s.Scope == scope {
				attrs[s.Attribute] = "value of " + s.File
				values[s.File] = "value of " + s.File
			}
		}
		return attrs, values
	}
	roundTrip := func(t *testing.T, in any, out any) {
		t.Helper()
		b, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatal(err)
		}
	}
	check := func(t *testing.T, name string, got, want any) {
		t.Helper()
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	with := func(m map[string]any, k string, v any) map[string]any {
		m = maps.Clone(m)
		m[k] = v
		return m
	}

	t.Run("version localizations", func(t *testing.T) {
		attrs, values := wire(LocaleFields, VersionLocalization)
		var read asc.AppStoreVersionLocalizationAttributes
		roundTrip(t, attrs, &read)
		check(t, "read", versionLocalizationValues(&read), values)
		var update, create map[string]any
		roundTrip(t, versionLocalizationUpdate(values), &update)
		roundTrip(t, versionLocalizationCreate("fr-FR", values), &create)
		check(t, "update", update, attrs)
		check(t, "create", create, with(attrs, "locale", "fr-FR"))
	})
	t.Run("app info localizations", func(t *testing.T) {
		attrs, values := wire(LocaleFields, AppInfoLocalization)
		var read asc.AppInfoLocalizationAttributes
		roundTrip(t, attrs, &read)
		check(t, "read", infoLocalizationValues(&read), values)
		var update, create map[string]any
		roundTrip(t, infoLocalizationUpdate(values), &update)
		roundTrip(t, infoLocalizationCreate("fr-FR", values), &create)
		check(t, "update", update, attrs)
		check(t, "create", create, with(attrs, "locale", "fr-FR"))
	})
	t.Run("App Clip default experience localizations", func(t *testing.T) {
		attrs, values := wire(LocaleFields, AppClipExperienceLocalization)
		var read asc.AppClipDefaultExperienceLocalizationAttributes
		roundTrip(t, attrs, &read)
		check(t, "read", appClipLocalizationValues(&read), values)
		var update, create map[string]any
		roundTrip(t, appClipLocalizationUpdate(values), &update)
		roundTrip(t, appClipLocalizationCreate("fr-FR", values), &create)
		check(t, "update", update, attrs)
		check(t, "create", create, with(attrs, "locale", "fr-FR"))
	})
	t.Run("review details", func(t *testing.T) {
		attrs, values := wire(ReviewFields, ReviewDetail)
		var read asc.AppStoreReviewDetailAttributes
		roundTrip(t, attrs, &read)
		check(t, "read", reviewValues(&read), values)
		var update, create map[string]any
		roundTrip(t, reviewUpdate(values), &update)
		roundTrip(t, reviewCreate(values), &create)
		// A named demo user requires the demo account; an emptied one no longer does.
		check(t, "update", update, with(attrs, "demoAccountRequired", true))
		check(t, "create", create, with(attrs, "demoAccountRequired", true))
		var cleared map[string]any
		roundTrip(t, reviewUpdate(Values{"demo_user": ""}), &cleared)
		check(t, "update clearing the demo user", cleared, map[string]any{"demoAccountName": "", "demoAccountRequired": false})
	})
	t.Run("categories", func(t *testing.T) {
		rels, values := map[string]any{}, Values{}
		for _, s := range AppFields {
			if s.Scope == AppInfoCategory {
				rels[s.Attribute] = map[string]any{"data": map[string]any{"type": "appCategories", "id": "ID_" + s.File}}
				values[s.File] = "ID_" + s.File
			}
		}
		var read asc.AppInfoRelationships
		roundTrip(t, rels, &read)
		check(t, "read", categoryValues(&read), values)
		var update map[string]any
		roundTrip(t, categoryUpdate(values), &update)
		check(t, "update", update, rels)
		var unlink map[string]any
		roundTrip(t, categoryUpdate(Values{"secondary_category": ""}), &unlink)
		check(t, "unlink", unlink, map[string]any{"secondaryCategory": map[string]any{"data": nil}})
	})
}
