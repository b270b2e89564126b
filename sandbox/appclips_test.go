package sandbox

import (
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/apple"
)

// The App Clip card's subtitle is held to Apple's limit, on create and on update, and an
// experience has one localization per locale; what is refused is not kept.
func TestAppClipSubtitleRules(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: "empty"})
	app, err := s.Add("apps", map[string]any{"bundleId": "com.example.clip"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Add("appStoreVersions", map[string]any{"versionString": "1.0", "platform": "IOS", "appVersionState": "PREPARE_FOR_SUBMISSION"}, map[string]string{"app": app})
	if err != nil {
		t.Fatal(err)
	}
	exp, err := s.Add("appClipDefaultExperiences", map[string]any{"action": "OPEN"}, map[string]string{"releaseWithAppStoreVersion": v})
	if err != nil {
		t.Fatal(err)
	}
	create := func(locale, subtitle string) *response {
		return c.do("POST", "/v1/appClipDefaultExperienceLocalizations", resource("appClipDefaultExperienceLocalizations", "",
			map[string]any{"locale": locale, "subtitle": subtitle}, map[string]any{"appClipDefaultExperience": [2]string{"appClipDefaultExperiences", exp}}))
	}
	long := strings.Repeat("é", apple.MaxAppClipSubtitleLength+1) // 57 characters, 114 bytes
	if r := create("en-US", long).must(t, 409); r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" ||
		!strings.Contains(string(r.body), `"pointer":"/data/attributes/subtitle"`) || !strings.Contains(string(r.body), "57 characters, at most 56") {
		t.Fatalf("subtitle over the limit: %s", r.body)
	}
	list := func() []any {
		return c.do("GET", "/v1/appClipDefaultExperiences/"+exp+"/appClipDefaultExperienceLocalizations", nil).must(t, 200).list()
	}
	if n := len(list()); n != 0 {
		t.Fatalf("a refused create kept %d localizations", n)
	}
	fits := strings.Repeat("é", apple.MaxAppClipSubtitleLength) // counted in characters, not bytes
	loc := create("en-US", fits).must(t, 201).data()
	if r := create("en-US", "Again").must(t, 409); r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE" {
		t.Fatalf("second en-US localization: %s", r.body)
	}
	create("de-DE", "Probier es").must(t, 201)
	if r := c.do("PATCH", "/v1/appClipDefaultExperienceLocalizations/"+id(loc), resource("appClipDefaultExperienceLocalizations", id(loc),
		map[string]any{"subtitle": long}, nil)).must(t, 409); r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" {
		t.Fatalf("update over the limit: %s", r.body)
	}
	got := c.do("GET", "/v1/appClipDefaultExperienceLocalizations/"+id(loc), nil).must(t, 200).data()
	if attr(got, "subtitle") != fits {
		t.Errorf("subtitle after a refused update: %v", attr(got, "subtitle"))
	}
	c.do("PATCH", "/v1/appClipDefaultExperienceLocalizations/"+id(loc), resource("appClipDefaultExperienceLocalizations", id(loc),
		map[string]any{"subtitle": "Try it"}, nil)).must(t, 200)
	if n := len(list()); n != 2 {
		t.Errorf("%d localizations, want 2", n)
	}
	// One read of the experience includes its localizations, as the metadata workflow reads them.
	r := c.do("GET", "/v1/appClipDefaultExperiences/"+exp+"?include=appClipDefaultExperienceLocalizations,appClipAppStoreReviewDetail"+
		"&fields[appClipDefaultExperienceLocalizations]=locale,subtitle&limit[appClipDefaultExperienceLocalizations]=50", nil).must(t, 200)
	if inc, _ := r.doc["included"].([]any); len(inc) != 2 {
		t.Errorf("included %d resources, want 2: %s", len(inc), r.body)
	}
}
