package sandbox

import (
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/apple"
)

// App Store text over Apple's limits (apple.Max*Length, counted as apple.Length counts) is
// refused with 409 ENTITY_ERROR.ATTRIBUTE.INVALID on the attribute, on create and on update;
// text at the limit is taken, 100 Arabic letters of keywords (about 190 bytes) included.
func TestAppStoreTextLimits(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak"))
	version := findOne(t, c, "/v1/apps/"+app+"/appStoreVersions", "appVersionState", "PREPARE_FOR_SUBMISSION")
	info := c.do("GET", "/v1/apps/"+app+"/appInfos", nil).must(t, 200).list()[0].(map[string]any)
	refused := func(r *response, attr string) {
		t.Helper()
		if r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" || !strings.Contains(string(r.body), `"pointer":"/data/attributes/`+attr+`"`) {
			t.Errorf("%s over the limit: %s", attr, r.body)
		}
	}
	versionRel := map[string]any{"appStoreVersion": [2]string{"appStoreVersions", id(version)}}
	for attr, max := range map[string]int{"description": apple.MaxDescriptionLength, "keywords": apple.MaxKeywordsLength,
		"promotionalText": apple.MaxPromotionalTextLength, "whatsNew": apple.MaxReleaseNotesLength} {
		refused(c.do("POST", "/v1/appStoreVersionLocalizations", resource("appStoreVersionLocalizations", "",
			map[string]any{"locale": "ar-SA", attr: strings.Repeat("ع", max+1)}, versionRel)).must(t, 409), attr)
	}
	arabic := c.do("POST", "/v1/appStoreVersionLocalizations", resource("appStoreVersionLocalizations", "",
		map[string]any{"locale": "ar-SA", "keywords": strings.Repeat("ع", apple.MaxKeywordsLength), "description": "وصف"}, versionRel)).must(t, 201).data()
	refused(c.do("PATCH", "/v1/appStoreVersionLocalizations/"+id(arabic), resource("appStoreVersionLocalizations", id(arabic),
		map[string]any{"promotionalText": strings.Repeat("p", apple.MaxPromotionalTextLength+1)}, nil)).must(t, 409), "promotionalText")

	infoRel := map[string]any{"appInfo": [2]string{"appInfos", id(info)}}
	for attr, max := range map[string]int{"name": apple.MaxNameLength, "subtitle": apple.MaxSubtitleLength} {
		refused(c.do("POST", "/v1/appInfoLocalizations", resource("appInfoLocalizations", "",
			map[string]any{"locale": "ar-SA", "name": "يوم", attr: strings.Repeat("ن", max+1)}, infoRel)).must(t, 409), attr)
	}
	loc := c.do("POST", "/v1/appInfoLocalizations", resource("appInfoLocalizations", "",
		map[string]any{"locale": "ar-SA", "name": strings.Repeat("ن", apple.MaxNameLength)}, infoRel)).must(t, 201).data()
	refused(c.do("PATCH", "/v1/appInfoLocalizations/"+id(loc), resource("appInfoLocalizations", id(loc),
		map[string]any{"subtitle": strings.Repeat("s", apple.MaxSubtitleLength+1)}, nil)).must(t, 409), "subtitle")

	detail := c.do("GET", "/v1/appStoreVersions/"+id(version)+"/appStoreReviewDetail", nil).must(t, 200).data()
	refused(c.do("PATCH", "/v1/appStoreReviewDetails/"+id(detail), resource("appStoreReviewDetails", id(detail),
		map[string]any{"notes": strings.Repeat("n", apple.MaxReviewNotesLength+1)}, nil)).must(t, 409), "notes")
	c.do("PATCH", "/v1/appStoreReviewDetails/"+id(detail), resource("appStoreReviewDetails", id(detail),
		map[string]any{"notes": strings.Repeat("n", apple.MaxReviewNotesLength)}, nil)).must(t, 200)
}
