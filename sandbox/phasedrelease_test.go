package sandbox

import (
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
)

func TestPhasedReleaseRefusesWhatAppleRefuses(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{})
	appID, versionID, _ := editableLocalization(t, c)
	rel := map[string]any{"appStoreVersion": [2]string{"appStoreVersions", versionID}}
	c.do("POST", "/v1/appStoreVersionPhasedReleases", resource("appStoreVersionPhasedReleases", "", map[string]any{"phasedReleaseState": "ACTIVE"}, rel)).must(t, 409)
	pr := id(c.do("POST", "/v1/appStoreVersionPhasedReleases", resource("appStoreVersionPhasedReleases", "", map[string]any{"phasedReleaseState": "INACTIVE"}, rel)).must(t, 201).data())
	c.do("POST", "/v1/appStoreVersionPhasedReleases", resource("appStoreVersionPhasedReleases", "", nil, rel)).must(t, 409)
	patch := func(state string, status int) *response {
		t.Helper()
		return c.do("PATCH", "/v1/appStoreVersionPhasedReleases/"+pr, resource("appStoreVersionPhasedReleases", pr, map[string]any{"phasedReleaseState": state}, nil)).must(t, status)
	}
	// Not started: neither made active nor paused by hand.
	patch("ACTIVE", 409)
	patch("PAUSED", 409)
	patch("INACTIVE", 200)
	// A release request for a version that is not pending developer release is refused.
	release := resource("appStoreVersionReleaseRequests", "", nil, rel)
	c.do("POST", "/v1/appStoreVersionReleaseRequests", release).must(t, 409)
	if err := s.SetAttribute("appStoreVersions", versionID, "appVersionState", apple.ReleasableVersionState); err != nil {
		t.Fatal(err)
	}
	c.do("POST", "/v1/appStoreVersionReleaseRequests", release).must(t, 201)
	v := c.do("GET", "/v1/appStoreVersions/"+versionID, nil).must(t, 200).data()
	if attr(v, "appVersionState") != "READY_FOR_DISTRIBUTION" {
		t.Fatalf("released version: %v", v["attributes"])
	}
	c.do("POST", "/v1/appStoreVersionReleaseRequests", release).must(t, 409)
	get := func() map[string]any {
		return c.do("GET", "/v1/appStoreVersions/"+versionID+"/appStoreVersionPhasedRelease", nil).must(t, 200).data()
	}
	if p := get(); attr(p, "phasedReleaseState") != "ACTIVE" || attr(p, "currentDayNumber") != 1.0 {
		t.Fatalf("after the release: %v", p["attributes"])
	}
	c.do("DELETE", "/v1/appStoreVersionPhasedReleases/"+pr, nil).must(t, 409)
	// Paused longer than Apple allows, the release resumes by itself.
	patch("PAUSED", 200)
	patch("PAUSED", 200)
	for range apple.PhasedReleaseMaxPauseDays {
		step(s, clk, 24*time.Hour)
	}
	if p := get(); attr(p, "phasedReleaseState") != "ACTIVE" || attr(p, "totalPauseDuration") != float64(apple.PhasedReleaseMaxPauseDays) || attr(p, "currentDayNumber") != 1.0 {
		t.Fatalf("after %d paused days: %v", apple.PhasedReleaseMaxPauseDays, p["attributes"])
	}
	patch("COMPLETE", 200)
	r := patch("PAUSED", 409)
	if !strings.Contains(string(r.body), "COMPLETE and cannot be paused") || !strings.Contains(string(r.body), "STATE_ERROR") {
		t.Errorf("pausing a completed release: %s", r.body)
	}
	patch("ACTIVE", 409)
	c.do("DELETE", "/v1/appStoreVersionPhasedReleases/"+pr, nil).must(t, 409)
	// The timers stop: a week later it is still complete.
	for range 7 {
		step(s, clk, 24*time.Hour)
	}
	if p := get(); attr(p, "phasedReleaseState") != "COMPLETE" {
		t.Fatalf("a week after completing: %v", p["attributes"])
	}
	// A version already released takes no phased release.
	old := findOne(t, c, "/v1/apps/"+appID+"/appStoreVersions?filter[appVersionState]=REPLACED_WITH_NEW_VERSION", "versionString", "2.2.0")
	c.do("POST", "/v1/appStoreVersionPhasedReleases", resource("appStoreVersionPhasedReleases", "", nil,
		map[string]any{"appStoreVersion": [2]string{"appStoreVersions", id(old)}})).must(t, 409)
}
