package sandbox

import (
	"strings"
	"testing"
)

// TestFixtures: resources added in process answer through the API with both sides of their
// links; attribute changes show; an expired upload's parts are refused with 403 and its
// commit fails; mistakes are errors, not silent.
func TestFixtures(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{Seed: "empty"})
	app, err := s.Add("apps", map[string]any{"bundleId": "com.example.notes", "name": "Notes"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v, err := s.Add("appStoreVersions", map[string]any{"versionString": "2.0", "platform": "IOS", "appVersionState": "PREPARE_FOR_SUBMISSION"}, map[string]string{"app": app})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.do("GET", "/v1/apps/"+app+"/appStoreVersions", nil).must(t, 200).list(); len(got) != 1 || id(got[0].(map[string]any)) != v {
		t.Fatalf("the app's versions: %v", got)
	}
	if err := s.SetAttribute("appStoreVersions", v, "appVersionState", "WAITING_FOR_REVIEW"); err != nil {
		t.Fatal(err)
	}
	if st := attr(c.do("GET", "/v1/appStoreVersions/"+v, nil).must(t, 200).data(), "appVersionState"); st != "WAITING_FOR_REVIEW" {
		t.Fatalf("state after SetAttribute: %v", st)
	}
	if ids := s.IDs("appStoreVersions"); len(ids) != 1 || ids[0] != v {
		t.Fatalf("IDs = %v", ids)
	}
	if _, err := s.AddWithID("appCategories", "GAMES", map[string]any{"platforms": []string{"IOS"}}, nil); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func() error{
		func() error { _, err := s.Add("appz", nil, nil); return err },
		func() error { _, err := s.Add("appStoreVersions", nil, map[string]string{"app": "nope"}); return err },
		func() error { _, err := s.Add("appStoreVersions", nil, map[string]string{"bogus": app}); return err },
		func() error { _, err := s.AddWithID("appCategories", "GAMES", nil, nil); return err },
		func() error { return s.SetAttribute("apps", "nope", "name", "x") },
	} {
		if err := bad(); err == nil {
			t.Error("a fixture mistake was accepted")
		}
	}

	// An expired reservation.
	s.SetAttribute("appStoreVersions", v, "appVersionState", "PREPARE_FOR_SUBMISSION")
	loc, _ := s.Add("appStoreVersionLocalizations", map[string]any{"locale": "en-US"}, map[string]string{"appStoreVersion": v})
	set, _ := s.Add("appScreenshotSets", map[string]any{"screenshotDisplayType": "APP_IPHONE_65"}, map[string]string{"appStoreVersionLocalization": loc})
	shot := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "1.png", "fileSize": 10},
		map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", set}})).must(t, 201).data()
	if err := s.ExpireUpload("appScreenshots", id(shot)); err != nil {
		t.Fatal(err)
	}
	op := attr(shot, "uploadOperations").([]any)[0].(map[string]any)
	r := c.doToken("PUT", op["url"].(string), "0123456789", "")
	if r.status != 403 || !strings.Contains(string(r.body), "expired") {
		t.Fatalf("part of an expired upload: %d %s", r.status, r.body)
	}
	done := c.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": md5hex([]byte("0123456789"))}, nil)).must(t, 200).data()
	if st, errs := deliveryState(done); st != "FAILED" || len(errs) != 1 {
		t.Fatalf("commit of an expired upload: %s %v", st, errs)
	}
}
