package sandbox

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// These tests hold the sandbox to what captured App Store Connect answers show where it
// used to differ (issue 10's fidelity gaps).

// TestMetricsAnswerForExistingIDs: the TestFlight usage metrics of an existing app, beta
// group, tester and build answer a page of groups with daily data points dated as Apple
// dates them; an unknown id is 404.
func TestMetricsAnswerForExistingIDs(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak"))
	group := id(c.do("GET", "/v1/betaGroups?filter[app]="+app, nil).must(t, 200).list()[0].(map[string]any))
	tester := id(c.do("GET", "/v1/betaTesters?filter[apps]="+app+"&limit=1", nil).must(t, 200).list()[0].(map[string]any))
	build := id(c.do("GET", "/v1/builds?filter[app]="+app+"&limit=1", nil).must(t, 200).list()[0].(map[string]any))
	date := regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	for _, path := range []string{
		"/v1/apps/" + app + "/metrics/betaTesterUsages?period=P30D",
		"/v1/apps/" + app + "/metrics/betaTesterUsages?groupBy=betaTesters&limit=3",
		"/v1/betaGroups/" + group + "/metrics/betaTesterUsages",
		"/v1/betaGroups/" + group + "/metrics/publicLinkUsages",
		"/v1/betaTesters/" + tester + "/metrics/betaTesterUsages?filter[apps]=" + app,
		"/v1/builds/" + build + "/metrics/betaBuildUsages",
	} {
		r := c.do("GET", path, nil).must(t, 200)
		groups := r.list()
		if len(groups) == 0 {
			t.Fatalf("GET %s: no groups: %s", path, r.body)
		}
		points := asList(groups[0].(map[string]any)["dataPoints"])
		if len(points) < 7 {
			t.Fatalf("GET %s: %d data points", path, len(points))
		}
		p := points[0].(map[string]any)
		if start, _ := p["start"].(string); !date.MatchString(start) {
			t.Errorf("GET %s: start %v is not a date as Apple writes it", path, p["start"])
		}
		if vals, _ := p["values"].(map[string]any); len(vals) == 0 {
			t.Errorf("GET %s: a data point without values", path)
		}
		if strings.Contains(path, "groupBy") {
			dims, _ := groups[0].(map[string]any)["dimensions"].(map[string]any)
			if bt, _ := dims["betaTesters"].(map[string]any); bt["data"] == nil {
				t.Errorf("GET %s: grouped without a betaTesters dimension: %v", path, groups[0])
			}
		}
	}
	c.do("GET", "/v1/builds/00000000-0000-4000-8000-000000000000/metrics/betaBuildUsages", nil).must(t, 404)
}

// TestErrorLinks: the 403 for missing agreements carries links.see, as Apple's does.
func TestErrorLinks(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{Seed: "empty"})
	if err := s.SetFaultRules(FaultRule{Route: "/v1/apps", Status: 403, Code: "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED"}); err != nil {
		t.Fatal(err)
	}
	r := c.do("GET", "/v1/apps", nil).must(t, 403)
	e := asList(r.doc["errors"])[0].(map[string]any)
	links, _ := e["links"].(map[string]any)
	if e["code"] != "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED" || links["see"] != "/business" {
		t.Fatalf("agreements error: %s", r.body)
	}
}

// TestReadOnlyKeyForbidden: a read-only key's write is refused with Apple's title, and
// WriteCredentials writes that key too, so a read-only flow can be tried with any client.
func TestReadOnlyKeyForbidden(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Options{ReadOnlyKey: true})
	ro := clientFor(t, s, s.ReadOnlyKeyPEM(), s.ReadOnlyKey().ID, s.ReadOnlyKey().IssuerID)
	r := ro.do("POST", "/v1/devices", resource("devices", "", map[string]any{"name": "x", "udid": "abc", "platform": "IOS"}, nil)).must(t, 403)
	if e := asList(r.doc["errors"])[0].(map[string]any); e["title"] != "This request is forbidden for security reasons" {
		t.Fatalf("read-only 403: %s", r.body)
	}
	dir := t.TempDir()
	if err := s.WriteCredentials(dir); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ReadOnlyCredentialsFile))
	if err != nil {
		t.Fatal(err)
	}
	var cf credentialsFile
	if err := json.Unmarshal(raw, &cf); err != nil || cf.KeyID != s.ReadOnlyKey().ID || cf.Key != string(s.ReadOnlyKeyPEM()) || cf.BaseURL != s.URL() {
		t.Fatalf("read-only credentials: %s (%v)", raw, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "AuthKey_"+s.ReadOnlyKey().ID+".p8")); err != nil {
		t.Fatal(err)
	}
}

var (
	provisioningTime = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)
	cupertinoTime    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d-0[78]:00$`)
	utcMillisTime    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
)

// TestRegisteredDeviceEnabled: a registered device is ENABLED with its addedDate, so a
// filter on ENABLED finds it, as with Apple.
func TestRegisteredDeviceEnabled(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	d := c.do("POST", "/v1/devices", resource("devices", "", map[string]any{"name": "New iPhone", "udid": "00008120-000A1B2C3D4E5F60", "platform": "IOS"}, nil)).must(t, 201).data()
	if attr(d, "status") != "ENABLED" {
		t.Fatalf("new device status %v", attr(d, "status"))
	}
	if added, _ := attr(d, "addedDate").(string); !provisioningTime.MatchString(added) {
		t.Fatalf("new device addedDate %v", attr(d, "addedDate"))
	}
	found := false
	for _, x := range c.do("GET", "/v1/devices?filter[status]=ENABLED&limit=200", nil).must(t, 200).list() {
		found = found || id(x.(map[string]any)) == id(d)
	}
	if !found {
		t.Fatal("filter[status]=ENABLED misses the new device")
	}
}

// TestTimestampsInApplesForms: provisioning resources in UTC with +0000, builds and versions
// in Cupertino's offset, beta groups with milliseconds and Z; and not all on the hour.
func TestTimestampsInApplesForms(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	check := func(path, name string, form *regexp.Regexp) []string {
		t.Helper()
		var got []string
		for _, x := range c.do("GET", path, nil).must(t, 200).list() {
			v, _ := attr(x.(map[string]any), name).(string)
			if !form.MatchString(v) {
				t.Errorf("GET %s: %s %q is not in Apple's form for it", path, name, v)
			}
			got = append(got, v)
		}
		if len(got) == 0 {
			t.Errorf("GET %s: nothing to check", path)
		}
		return got
	}
	check("/v1/devices", "addedDate", provisioningTime)
	check("/v1/profiles", "expirationDate", provisioningTime)
	check("/v1/certificates", "expirationDate", provisioningTime)
	uploaded := check("/v1/builds?limit=50", "uploadedDate", cupertinoTime)
	check("/v1/apps/"+id(findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak"))+"/appStoreVersions", "createdDate", cupertinoTime)
	check("/v1/betaGroups", "createdDate", utcMillisTime)
	onTheHour := 0
	for _, u := range uploaded {
		if strings.Contains(u, ":00:00") {
			onTheHour++
		}
	}
	if onTheHour == len(uploaded) {
		t.Errorf("every build was uploaded on the hour: %v", uploaded[:3])
	}
}

// TestCreateLinksSelfIsCollection: a create's document links the collection posted to, as
// Apple's captured answers do; the resource links itself.
func TestCreateLinksSelfIsCollection(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	d := c.do("POST", "/v1/devices", resource("devices", "", map[string]any{"name": "Links", "udid": "00008120-000A1B2C3D4E5F61", "platform": "IOS"}, nil)).must(t, 201)
	links, _ := d.doc["links"].(map[string]any)
	if links["self"] != s.URL()+"/v1/devices" {
		t.Errorf("document links.self %v, want the collection", links["self"])
	}
	own, _ := d.data()["links"].(map[string]any)
	if own["self"] != s.URL()+"/v1/devices/"+id(d.data()) {
		t.Errorf("resource links.self %v", own["self"])
	}
}

// TestDemoPricingAgeRatingAndUsers: an app on sale has a price schedule with its prices and
// their price points, its age rating declaration answers every question, and the team has
// its Account Holder.
func TestDemoPricingAgeRatingAndUsers(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak"))
	sched := c.do("GET", "/v1/apps/"+app+"/appPriceSchedule?include=baseTerritory,manualPrices", nil).must(t, 200)
	if sched.data() == nil {
		t.Fatalf("no price schedule: %s", sched.body)
	}
	prices := c.do("GET", "/v1/appPriceSchedules/"+id(sched.data())+"/manualPrices?include=appPricePoint,territory", nil).must(t, 200)
	if len(prices.list()) != 1 {
		t.Fatalf("manual prices: %s", prices.body)
	}
	var customer any
	for _, inc := range asList(prices.doc["included"]) {
		if m := inc.(map[string]any); m["type"] == "appPricePoints" {
			customer = attr(m, "customerPrice")
		}
	}
	if customer != "2.99" {
		t.Errorf("the manual price's price point: customerPrice %v, want 2.99", customer)
	}
	if n := len(c.do("GET", "/v1/appPriceSchedules/"+id(sched.data())+"/automaticPrices", nil).must(t, 200).list()); n == 0 {
		t.Error("no automatic prices in the other territories")
	}
	info := c.do("GET", "/v1/apps/"+app+"/appInfos", nil).must(t, 200).list()[0].(map[string]any)
	decl := c.do("GET", "/v1/appInfos/"+id(info)+"/ageRatingDeclaration", nil).must(t, 200).data()
	a, _ := decl["attributes"].(map[string]any)
	for _, k := range []string{"alcoholTobaccoOrDrugUseOrReferences", "contests", "gamblingSimulated", "horrorOrFearThemes", "matureOrSuggestiveThemes",
		"medicalOrTreatmentInformation", "profanityOrCrudeHumor", "sexualContentOrNudity", "violenceRealistic", "lootBox", "messagingAndChat"} {
		if a[k] == nil {
			t.Errorf("age rating declaration: %s is null", k)
		}
	}
	holder := false
	for _, u := range c.do("GET", "/v1/users", nil).must(t, 200).list() {
		roles, _ := attr(u.(map[string]any), "roles").([]any)
		for _, r := range roles {
			holder = holder || r == "ACCOUNT_HOLDER"
		}
	}
	if !holder {
		t.Error("the team has no Account Holder")
	}
}

// TestAppVersionsNewestFirst: an app's versions are listed newest first, as App Store Connect
// lists them, in the related list and in an include.
func TestAppVersionsNewestFirst(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	app := id(findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak"))
	var got []string
	for _, v := range c.do("GET", "/v1/apps/"+app+"/appStoreVersions", nil).must(t, 200).list() {
		got = append(got, attr(v.(map[string]any), "versionString").(string))
	}
	if strings.Join(got, " ") != "2.4.0 2.3.0 2.2.0" {
		t.Fatalf("versions listed %v, want newest first", got)
	}
	inc := c.do("GET", "/v1/apps/"+app+"?include=appStoreVersions", nil).must(t, 200)
	first := asList(inc.data()["relationships"].(map[string]any)["appStoreVersions"].(map[string]any)["data"])[0].(map[string]any)
	for _, x := range asList(inc.doc["included"]) {
		if m := x.(map[string]any); id(m) == id(first) && attr(m, "versionString") != "2.4.0" {
			t.Errorf("include lists %v first", attr(m, "versionString"))
		}
	}
}

// TestTimesCompareAsInstants: timestamps written in different offsets sort and filter by
// the instant they name, not by their text.
func TestTimesCompareAsInstants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2026-01-15T04:00:00-08:00", "2026-01-15T11:00:00Z", 1},
		{"2026-01-15T12:00:00.000+0000", "2026-01-15T04:00:00-08:00", 0},
		{"2026-07-01T10:00:00-07:00", "2026-07-01T16:00:00.500Z", 1},
	} {
		if got := compareValues(tc.a, tc.b); got != tc.want {
			t.Errorf("compare %s with %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := appleTime("builds", time.Date(2026, 7, 1, 17, 0, 0, 0, time.UTC)); got != "2026-07-01T10:00:00-07:00" {
		t.Errorf("summer in Cupertino: %s", got)
	}
	if got := appleTime("builds", time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)); got != "2026-01-15T04:00:00-08:00" {
		t.Errorf("winter in Cupertino: %s", got)
	}
}
