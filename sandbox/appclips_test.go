package sandbox

import (
	"image"
	_ "image/jpeg"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

// The App Clip card's subtitle is held to Apple's limit, on create and on update, and an
// experience has one localization per locale; what is refused is not kept.
func TestAppClipSubtitleRules(t *testing.T) {
	s, c := newTestServer(t, Options{Seed: "empty"})
	exp := appClipExperience(t, s)
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

// A header image is an image asset of exactly 1800x1200 (apple's fact): another size
// uploads and commits, then fails processing IMAGE_INCORRECT_DIMENSIONS, as Apple's
// processing does; a localization holds one header image, a second is refused and not kept.
func TestAppClipHeaderImageRules(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{Seed: "empty", PartSize: 64 << 10, ProcessingDelay: 5 * time.Second})
	exp := appClipExperience(t, s)
	loc := c.do("POST", "/v1/appClipDefaultExperienceLocalizations", resource("appClipDefaultExperienceLocalizations", "",
		map[string]any{"locale": "en-US"}, map[string]any{"appClipDefaultExperience": [2]string{"appClipDefaultExperiences", exp}})).must(t, 201).data()
	upload := func(data []byte) map[string]any {
		t.Helper()
		img := c.do("POST", "/v1/appClipHeaderImages", resource("appClipHeaderImages", "", map[string]any{"fileName": "header.png", "fileSize": len(data)},
			map[string]any{"appClipDefaultExperienceLocalization": [2]string{"appClipDefaultExperienceLocalizations", id(loc)}})).must(t, 201).data()
		sendParts(t, attr(img, "uploadOperations").([]any), data, -1)
		committed := c.do("PATCH", "/v1/appClipHeaderImages/"+id(img), resource("appClipHeaderImages", id(img),
			map[string]any{"uploaded": true, "sourceFileChecksum": md5hex(data)}, nil)).must(t, 200).data()
		if st, _ := deliveryState(committed); st != "UPLOAD_COMPLETE" {
			t.Fatalf("after commit: %s", st)
		}
		step(s, clk, 5*time.Second)
		return c.do("GET", "/v1/appClipHeaderImages/"+id(img), nil).must(t, 200).data()
	}
	wrong := upload(pngOf(t, apple.AppClipHeaderImageHeight, apple.AppClipHeaderImageWidth)) // 1200x1800: turned
	if st, errs := deliveryState(wrong); st != "FAILED" || len(errs) != 1 || errs[0].(map[string]any)["code"] != "IMAGE_INCORRECT_DIMENSIONS" ||
		!strings.Contains(errs[0].(map[string]any)["description"].(string), "1200x1800") {
		t.Fatalf("a 1200x1800 header image: %s %v", st, errs)
	}
	// One header image per localization, even a failed one: a second is refused.
	data := pngOf(t, apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight)
	r := c.do("POST", "/v1/appClipHeaderImages", resource("appClipHeaderImages", "", map[string]any{"fileName": "header.png", "fileSize": len(data)},
		map[string]any{"appClipDefaultExperienceLocalization": [2]string{"appClipDefaultExperienceLocalizations", id(loc)}})).must(t, 409)
	if r.errorCode() != "ENTITY_ERROR.RELATIONSHIP.INVALID" || !strings.Contains(string(r.body), "already has its appClipHeaderImages; delete it first.") {
		t.Fatalf("second header image: %s", r.body)
	}
	if n := len(s.IDs("appClipHeaderImages")); n != 1 {
		t.Fatalf("%d header images after the refused one, want 1", n)
	}
	c.do("DELETE", "/v1/appClipHeaderImages/"+id(wrong), nil).must(t, 204)
	good := upload(data)
	if st, errs := deliveryState(good); st != "COMPLETE" {
		t.Fatalf("a 1800x1200 header image: %s %v", st, errs)
	}
	ia, _ := attr(good, "imageAsset").(map[string]any)
	if ia == nil || ia["width"] != 1800.0 || ia["height"] != 1200.0 {
		t.Fatalf("imageAsset %v", ia)
	}
	// The image is fetched from its template URL, rendered as asked (as Apple's CDN does),
	// without a token; a token no asset has is 404.
	url := strings.NewReplacer("{w}", "1800", "{h}", "1200", "{f}", "jpg").Replace(ia["templateUrl"].(string))
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg, format, err := image.DecodeConfig(resp.Body)
	resp.Body.Close()
	if err != nil || format != "jpeg" || cfg.Width != 1800 || cfg.Height != 1200 {
		t.Errorf("GET %s: %s %dx%d %v", url, format, cfg.Width, cfg.Height, err)
	}
	resp, err = http.Get(strings.Replace(url, "/sandbox/assets/", "/sandbox/assets/0", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("an unknown token: %s", resp.Status)
	}
	// The localizations list with their header images included, as the workflow reads them.
	r = c.do("GET", "/v1/appClipDefaultExperiences/"+exp+"/appClipDefaultExperienceLocalizations?include=appClipHeaderImage"+
		"&fields[appClipHeaderImages]=fileName,sourceFileChecksum,assetDeliveryState", nil).must(t, 200)
	if inc, _ := r.doc["included"].([]any); len(inc) != 1 || inc[0].(map[string]any)["id"] != id(good) {
		t.Errorf("included %s", r.body)
	}
}

// appClipExperience adds an app with a version in preparation and its App Clip default
// experience, returning the experience's id.
func appClipExperience(t *testing.T, s *Server) string {
	t.Helper()
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
	return exp
}
