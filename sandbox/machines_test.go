package sandbox

import (
	"context"
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// webhookReceiver is a loopback endpoint that records the events it receives and whether
// their signatures verify with the secret.
type webhookReceiver struct {
	*httptest.Server
	mu     sync.Mutex
	events []receivedEvent
}

type receivedEvent struct {
	typ, oldValue, newValue string
	signed                  bool
}

func newWebhookReceiver(t *testing.T, secret string) *webhookReceiver {
	wr := &webhookReceiver{}
	wr.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev struct {
			Data struct {
				Type       string `json:"type"`
				Attributes struct {
					OldValue string `json:"oldValue"`
					NewValue string `json:"newValue"`
				} `json:"attributes"`
			} `json:"data"`
		}
		_ = json.Unmarshal(body, &ev)
		signed := hmac.Equal([]byte(r.Header.Get("X-Apple-SIGNATURE")), []byte(Sign(secret, body)))
		wr.mu.Lock()
		wr.events = append(wr.events, receivedEvent{ev.Data.Type, ev.Data.Attributes.OldValue, ev.Data.Attributes.NewValue, signed})
		wr.mu.Unlock()
	}))
	t.Cleanup(wr.Close)
	return wr
}

// waitDeliveries polls the webhook's deliveries until n have left PENDING (bounded).
func waitDeliveries(t *testing.T, c *testClient, webhookID string, n int) []any {
	t.Helper()
	var list []any
	for range 200 {
		list = c.do("GET", "/v1/webhooks/"+webhookID+"/deliveries?limit=200", nil).must(t, 200).list()
		done := 0
		for _, d := range list {
			if attr(d.(map[string]any), "deliveryState") != "PENDING" {
				done++
			}
		}
		if done >= n {
			return list
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("webhook deliveries did not finish: %v", list)
	return nil
}

func TestReviewSubmissionStateMachine(t *testing.T) {
	t.Parallel()
	for _, reject := range []bool{false, true} {
		t.Run("reject="+strconv.FormatBool(reject), func(t *testing.T) {
			t.Parallel()
			s, c, clk := newClockedServer(t, Options{ReviewDelay: time.Hour, RejectReviews: reject})
			appID, versionID, locID := editableLocalization(t, c)
			wr := newWebhookReceiver(t, "s3cret")
			wh := c.do("POST", "/v1/webhooks", resource("webhooks", "", map[string]any{
				"name": "states", "url": wr.URL + "/hook", "secret": "s3cret", "enabled": true,
				"eventTypes": []string{"APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"},
			}, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
			if attr(wh, "secret") != nil {
				t.Fatal("the webhook secret is shown back")
			}

			// The demo app already has a finished submission; a new one starts READY_FOR_REVIEW.
			sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", map[string]any{"platform": "IOS"},
				map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
			if attr(sub, "state") != "READY_FOR_REVIEW" {
				t.Fatalf("new submission %v", attr(sub, "state"))
			}
			c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", map[string]any{"platform": "IOS"},
				map[string]any{"app": [2]string{"apps", appID}})).must(t, 409)
			submit := resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)
			if r := c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), submit).must(t, 409); r.errorCode() != "STATE_ERROR.ENTITY_STATE_INVALID" {
				t.Fatalf("empty submission: %s", r.body)
			}
			c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
				"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
			got := c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), submit).must(t, 200).data()
			if attr(got, "state") != "WAITING_FOR_REVIEW" || attr(got, "submittedDate") == nil {
				t.Fatalf("after submit: %v", got["attributes"])
			}
			versionState := func() string {
				return attr(c.do("GET", "/v1/appStoreVersions/"+versionID, nil).must(t, 200).data(), "appVersionState").(string)
			}
			if vs := versionState(); vs != "WAITING_FOR_REVIEW" {
				t.Fatalf("version is %s", vs)
			}
			// While in review, metadata is frozen except promotional text.
			c.do("PATCH", "/v1/appStoreVersionLocalizations/"+locID, resource("appStoreVersionLocalizations", locID, map[string]any{"description": "new"}, nil)).must(t, 409)
			c.do("PATCH", "/v1/appStoreVersionLocalizations/"+locID, resource("appStoreVersionLocalizations", locID, map[string]any{"promotionalText": "new"}, nil)).must(t, 200)

			step(s, clk, time.Hour)
			if st := attr(c.do("GET", "/v1/reviewSubmissions/"+id(sub), nil).must(t, 200).data(), "state"); st != "IN_REVIEW" {
				t.Fatalf("after one delay: %v", st)
			}
			step(s, clk, time.Hour)
			final := attr(c.do("GET", "/v1/reviewSubmissions/"+id(sub), nil).must(t, 200).data(), "state")
			want := []string{"WAITING_FOR_REVIEW", "IN_REVIEW"}
			if reject {
				if final != "UNRESOLVED_ISSUES" || versionState() != "REJECTED" {
					t.Fatalf("rejected review: %v, version %s", final, versionState())
				}
				want = append(want, "REJECTED")
			} else {
				// The demo version releases manually: approved, it waits for the developer.
				if final != "COMPLETE" || versionState() != "PENDING_DEVELOPER_RELEASE" {
					t.Fatalf("approved review: %v, version %s", final, versionState())
				}
				c.do("POST", "/v1/appStoreVersionReleaseRequests", resource("appStoreVersionReleaseRequests", "", nil,
					map[string]any{"appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
				if vs := versionState(); vs != "READY_FOR_DISTRIBUTION" {
					t.Fatalf("released version is %s", vs)
				}
				old := findOne(t, c, "/v1/apps/"+appID+"/appStoreVersions", "versionString", "2.3.0")
				if attr(old, "appVersionState") != "REPLACED_WITH_NEW_VERSION" {
					t.Fatalf("previous live version is %v", attr(old, "appVersionState"))
				}
				want = append(want, "PENDING_DEVELOPER_RELEASE", "READY_FOR_DISTRIBUTION")
			}
			// One event for this version's each step (the replaced version adds one more).
			waitDeliveries(t, c, id(wh), len(want))
			wr.mu.Lock()
			defer wr.mu.Unlock()
			var states []string
			for _, ev := range wr.events {
				if !ev.signed {
					t.Errorf("event %+v: X-Apple-SIGNATURE does not verify", ev)
				}
				if ev.typ != "appStoreVersionAppVersionStateUpdated" {
					t.Errorf("event type %q", ev.typ)
				}
				if ev.newValue != "REPLACED_WITH_NEW_VERSION" {
					states = append(states, ev.newValue)
				}
			}
			if len(states) != len(want) {
				t.Fatalf("events %v, want %v", states, want)
			}
			for i := range want {
				if states[i] != want[i] {
					t.Fatalf("events %v, want %v", states, want)
				}
			}
		})
	}
}

func TestBuildUploadAndBetaReview(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{PartSize: 1 << 10, ProcessingDelay: time.Minute, BuildProcessingDelay: 10 * time.Minute, ReviewDelay: time.Hour})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
	wr := newWebhookReceiver(t, "k")
	wh := c.do("POST", "/v1/webhooks", resource("webhooks", "", map[string]any{
		"name": "builds", "url": wr.URL, "secret": "k", "enabled": true,
		"eventTypes": []string{"BUILD_UPLOAD_STATE_UPDATED", "BUILD_BETA_DETAIL_EXTERNAL_BUILD_STATE_UPDATED"},
	}, map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201).data()

	up := c.do("POST", "/v1/buildUploads", resource("buildUploads", "", map[string]any{
		"cfBundleShortVersionString": "1.9.0", "cfBundleVersion": "900", "platform": "IOS",
	}, map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201).data()
	ipa := ledgerIPA(t)
	file := c.do("POST", "/v1/buildUploadFiles", resource("buildUploadFiles", "", map[string]any{
		"fileName": "Ledger.ipa", "fileSize": len(ipa), "uti": "com.apple.ipa", "assetType": "ASSET",
	}, map[string]any{"buildUpload": [2]string{"buildUploads", id(up)}})).must(t, 201).data()
	ops := attr(file, "uploadOperations").([]any)
	if len(ops) != (len(ipa)+1023)/1024 || ops[len(ops)-1].(map[string]any)["partNumber"] != float64(len(ops)) {
		t.Fatalf("delivery operations %v", ops)
	}
	sendParts(t, ops, ipa, -1)
	c.do("PATCH", "/v1/buildUploadFiles/"+id(file), resource("buildUploadFiles", id(file), map[string]any{
		"uploaded": true, "sourceFileChecksums": map[string]any{"file": map[string]any{"hash": md5hex(ipa), "algorithm": "MD5"}},
	}, nil)).must(t, 200)
	step(s, clk, time.Minute)
	upNow := c.do("GET", "/v1/buildUploads/"+id(up)+"?include=build", nil).must(t, 200)
	if st := attr(upNow.data(), "state").(map[string]any)["state"]; st != "PROCESSING" {
		t.Fatalf("build upload is %v", st)
	}
	inc, _ := upNow.doc["included"].([]any)
	if len(inc) != 1 || attr(inc[0].(map[string]any), "processingState") != "PROCESSING" || attr(inc[0].(map[string]any), "version") != "900" {
		t.Fatalf("included build %v", inc)
	}
	buildID := id(inc[0].(map[string]any))
	// A build still processing cannot go to beta review.
	betaSub := resource("betaAppReviewSubmissions", "", nil, map[string]any{"build": [2]string{"builds", buildID}})
	c.do("POST", "/v1/betaAppReviewSubmissions", betaSub).must(t, 409)
	step(s, clk, 10*time.Minute)
	if st := attr(c.do("GET", "/v1/builds/"+buildID, nil).must(t, 200).data(), "processingState"); st != "VALID" {
		t.Fatalf("build is %v", st)
	}
	if pre := c.do("GET", "/v1/builds/"+buildID+"/preReleaseVersion", nil).must(t, 200).data(); attr(pre, "version") != "1.9.0" {
		t.Fatalf("pre-release version %v", pre)
	}
	sub := c.do("POST", "/v1/betaAppReviewSubmissions", betaSub).must(t, 201).data()
	c.do("POST", "/v1/betaAppReviewSubmissions", betaSub).must(t, 409)
	step(s, clk, time.Hour)
	step(s, clk, time.Hour)
	if st := attr(c.do("GET", "/v1/betaAppReviewSubmissions/"+id(sub), nil).must(t, 200).data(), "betaReviewState"); st != "APPROVED" {
		t.Fatalf("beta review %v", st)
	}
	detail := c.do("GET", "/v1/builds/"+buildID+"/buildBetaDetail", nil).must(t, 200).data()
	if attr(detail, "externalBuildState") != "BETA_APPROVED" {
		t.Fatalf("external build state %v", attr(detail, "externalBuildState"))
	}
	// AWAITING_UPLOAD->PROCESSING, PROCESSING->COMPLETE, then external: PROCESSING->READY_FOR_BETA_SUBMISSION,
	// ->WAITING_FOR_BETA_REVIEW, ->IN_BETA_REVIEW, ->BETA_APPROVED.
	waitDeliveries(t, c, id(wh), 6)

	// Redeliver the first delivery and ping the webhook.
	first := c.do("GET", "/v1/webhooks/"+id(wh)+"/deliveries?limit=1", nil).must(t, 200).list()[0].(map[string]any)
	c.do("POST", "/v1/webhookDeliveries", resource("webhookDeliveries", "", nil, map[string]any{"template": [2]string{"webhookDeliveries", id(first)}})).must(t, 201)
	c.do("POST", "/v1/webhookPings", resource("webhookPings", "", nil, map[string]any{"webhook": [2]string{"webhooks", id(wh)}})).must(t, 201)
	list := waitDeliveries(t, c, id(wh), 8)
	redeliveries := 0
	for _, d := range list {
		m := d.(map[string]any)
		if attr(m, "deliveryState") != "SUCCEEDED" {
			t.Errorf("delivery %v", m["attributes"])
		}
		if attr(m, "redelivery") == true {
			redeliveries++
		}
	}
	if redeliveries != 1 {
		t.Errorf("%d redeliveries, want 1", redeliveries)
	}
	// Each delivery points at the event it carried.
	withEvents := c.do("GET", "/v1/webhooks/"+id(wh)+"/deliveries?include=event&limit=200", nil).must(t, 200)
	events, _ := withEvents.doc["included"].([]any)
	pings := 0
	for _, e := range events {
		if attr(e.(map[string]any), "ping") == true {
			pings++
		} else if attr(e.(map[string]any), "eventType") == nil || attr(e.(map[string]any), "payload") == nil {
			t.Errorf("event %v", e)
		}
	}
	if len(events) != 7 || pings != 1 {
		t.Errorf("%d distinct events (%d pings), want 7 (1)", len(events), pings)
	}
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if n := len(wr.events); n != 8 {
		t.Errorf("receiver got %d events, want 8: %+v", n, wr.events)
	}
}

func TestWebhooksStayOnLoopback(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Options{Seed: "empty"})
	for _, tc := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:9/x", true},
		{"http://localhost:9/x", true},
		{"http://[::1]:9/x", true},
		{"https://example.com/hook", false},
		{"http://10.0.0.1/hook", false},
		{"ftp://127.0.0.1/x", false},
	} {
		if err := s.deliverable(tc.url); (err == nil) != tc.ok {
			t.Errorf("%s: deliverable = %v", tc.url, err)
		}
	}
}

func TestVersionBuildRules(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	appID, versionID, _ := editableLocalization(t, c)
	other := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
	foreign := c.do("GET", "/v1/builds?filter[app]="+id(other)+"&limit=1", nil).must(t, 200).list()[0].(map[string]any)
	own := c.do("GET", "/v1/builds?filter[app]="+appID+"&filter[version]=450", nil).must(t, 200).list()[0].(map[string]any)
	set := func(b map[string]any) *response {
		return c.do("PATCH", "/v1/appStoreVersions/"+versionID+"/relationships/build", map[string]any{"data": map[string]any{"type": "builds", "id": id(b)}})
	}
	if r := set(foreign).must(t, 409); r.errorCode() != "ENTITY_ERROR.RELATIONSHIP.INVALID" {
		t.Fatalf("foreign build: %s", r.body)
	}
	set(own).must(t, 204)
	got := c.do("GET", "/v1/appStoreVersions/"+versionID+"/relationships/build", nil).must(t, 200).data()
	if id(got) != id(own) {
		t.Fatalf("build is %v", got)
	}
	// The build's side shows the version (inverse to-one).
	if v := c.do("GET", "/v1/builds/"+id(own)+"/appStoreVersion", nil).must(t, 200).data(); id(v) != versionID {
		t.Fatalf("build's version %v", v)
	}
	// A version without a build cannot go to App Review.
	c.do("PATCH", "/v1/appStoreVersions/"+versionID+"/relationships/build", map[string]any{"data": nil}).must(t, 204)
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", map[string]any{"platform": "IOS"},
		map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	r := c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 409)
	if r.errorCode() != "STATE_ERROR.ENTITY_STATE_INVALID" || !strings.Contains(string(r.body), "/data/relationships/build") {
		t.Fatalf("a version without a build as a review item: %s", r.body)
	}
}

// TestIncompleteVersionCannotBeReviewed: the missing pieces come back as Apple lists them,
// under meta.associatedErrors keyed by the resource that lacks them.
func TestIncompleteVersionCannotBeReviewed(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	appID, versionID, locID := editableLocalization(t, c)
	c.do("PATCH", "/v1/appStoreVersionLocalizations/"+locID, resource("appStoreVersionLocalizations", locID,
		map[string]any{"description": nil, "keywords": nil}, nil)).must(t, 200)
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	r := c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 409)
	var doc struct {
		Errors []struct {
			Code string `json:"code"`
			Meta struct {
				AssociatedErrors map[string][]apiError `json:"associatedErrors"`
			} `json:"meta"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || len(doc.Errors) != 1 || doc.Errors[0].Code != "STATE_ERROR.ENTITY_STATE_INVALID" {
		t.Fatalf("answer %s", r.body)
	}
	missing := doc.Errors[0].Meta.AssociatedErrors["/v1/appStoreVersionLocalizations/"+locID]
	var pointers []string
	for _, e := range missing {
		pointers = append(pointers, e.Source.Pointer)
	}
	if strings.Join(pointers, ",") != "/data/attributes/description,/data/attributes/keywords" {
		t.Fatalf("associated errors %+v", doc.Errors[0].Meta.AssociatedErrors)
	}
}

func TestLiveAppInfoIsReadOnly(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{ReviewDelay: time.Hour})
	appID, versionID, _ := editableLocalization(t, c)
	infos := c.do("GET", "/v1/apps/"+appID+"/appInfos", nil).must(t, 200).list()
	if len(infos) != 2 || attr(infos[0].(map[string]any), "state") != "PREPARE_FOR_SUBMISSION" || attr(infos[1].(map[string]any), "state") != "READY_FOR_DISTRIBUTION" {
		t.Fatalf("app infos %v", infos)
	}
	prepared, live := id(infos[0].(map[string]any)), id(infos[1].(map[string]any))
	liveLoc := findOne(t, c, "/v1/appInfos/"+live+"/appInfoLocalizations", "locale", "en-US")
	c.do("PATCH", "/v1/appInfoLocalizations/"+id(liveLoc), resource("appInfoLocalizations", id(liveLoc), map[string]any{"subtitle": "x"}, nil)).must(t, 409)
	c.do("POST", "/v1/appInfoLocalizations", resource("appInfoLocalizations", "", map[string]any{"locale": "pl", "name": "x"},
		map[string]any{"appInfo": [2]string{"appInfos", live}})).must(t, 409)
	c.do("DELETE", "/v1/appInfoLocalizations/"+id(liveLoc), nil).must(t, 409)
	prepLoc := findOne(t, c, "/v1/appInfos/"+prepared+"/appInfoLocalizations", "locale", "en-US")
	c.do("PATCH", "/v1/appInfoLocalizations/"+id(prepLoc), resource("appInfoLocalizations", id(prepLoc), map[string]any{"subtitle": "New subtitle"}, nil)).must(t, 200)

	// Through review and release the prepared app info follows its version and goes live.
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)).must(t, 200)
	infoState := func(infoID string) any {
		return attr(c.do("GET", "/v1/appInfos/"+infoID, nil).must(t, 200).data(), "state")
	}
	if st := infoState(prepared); st != "WAITING_FOR_REVIEW" {
		t.Fatalf("prepared app info in review: %v", st)
	}
	c.do("PATCH", "/v1/appInfoLocalizations/"+id(prepLoc), resource("appInfoLocalizations", id(prepLoc), map[string]any{"subtitle": "y"}, nil)).must(t, 409)
	step(s, clk, time.Hour)
	step(s, clk, time.Hour)
	c.do("POST", "/v1/appStoreVersionReleaseRequests", resource("appStoreVersionReleaseRequests", "", nil,
		map[string]any{"appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	if a, b := infoState(prepared), infoState(live); a != "READY_FOR_DISTRIBUTION" || b != "REPLACED_WITH_NEW_INFO" {
		t.Fatalf("after release: prepared %v, old live %v", a, b)
	}
}

func TestNewVersionCarriesOverMetadata(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	appID, versionID, _ := editableLocalization(t, c)
	newVersion := resource("appStoreVersions", "", map[string]any{"platform": "IOS", "versionString": "2.5.0"}, map[string]any{"app": [2]string{"apps", appID}})
	// While 2.4.0 is being prepared there is no room for another version.
	// Apple's answer, as captured: a relationship error on the app with this exact detail.
	if r := c.do("POST", "/v1/appStoreVersions", newVersion).must(t, 409); r.errorCode() != "ENTITY_ERROR.RELATIONSHIP.INVALID" ||
		!strings.Contains(string(r.body), `"detail":"You cannot create a new version of the App in the current state."`) ||
		!strings.Contains(string(r.body), `"pointer":"/data/relationships/app"`) {
		t.Fatalf("second version: %s", r.body)
	}
	// The version string of the version in progress: both errors, the relationship one first.
	r := c.do("POST", "/v1/appStoreVersions", resource("appStoreVersions", "", map[string]any{"platform": "IOS", "versionString": "2.4.0"},
		map[string]any{"app": [2]string{"apps", appID}})).must(t, 409)
	if errs, _ := r.doc["errors"].([]any); len(errs) != 2 || r.errorCode() != "ENTITY_ERROR.RELATIONSHIP.INVALID" ||
		errs[1].(map[string]any)["code"] != "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE" {
		t.Fatalf("second version with the version string in progress: %s", r.body)
	}
	c.do("DELETE", "/v1/appStoreVersions/"+versionID, nil).must(t, 204)
	c.do("GET", "/v1/appStoreVersions/"+versionID+"/appStoreVersionLocalizations", nil).must(t, 404)
	// A version string is one to three period-separated integers (apple.IsVersionString).
	for _, bad := range []string{"2.5.0.1", "2.5-beta", "v2.5", "2..5", "", "4294967296"} {
		r := c.do("POST", "/v1/appStoreVersions", resource("appStoreVersions", "", map[string]any{"platform": "IOS", "versionString": bad},
			map[string]any{"app": [2]string{"apps", appID}})).must(t, 409)
		if r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" || !strings.Contains(string(r.body), `"pointer":"/data/attributes/versionString"`) {
			t.Fatalf("version string %q: %s", bad, r.body)
		}
	}
	v := c.do("POST", "/v1/appStoreVersions", newVersion).must(t, 201).data()
	c.do("PATCH", "/v1/appStoreVersions/"+id(v), resource("appStoreVersions", id(v), map[string]any{"versionString": "2.5.0.0"}, nil)).must(t, 409)
	if attr(v, "appVersionState") != "PREPARE_FOR_SUBMISSION" || attr(v, "releaseType") != "AFTER_APPROVAL" {
		t.Fatalf("new version %v", v["attributes"])
	}
	c.do("POST", "/v1/appStoreVersions", resource("appStoreVersions", "", map[string]any{"platform": "IOS", "versionString": "2.3.0"},
		map[string]any{"app": [2]string{"apps", appID}})).must(t, 409)
	locs := c.do("GET", "/v1/appStoreVersions/"+id(v)+"/appStoreVersionLocalizations?limit=50", nil).must(t, 200).list()
	if len(locs) != 12 {
		t.Fatalf("%d localizations carried over, want 12", len(locs))
	}
	en := findOne(t, c, "/v1/appStoreVersions/"+id(v)+"/appStoreVersionLocalizations?limit=50", "locale", "en-US")
	if attr(en, "description") == nil || attr(en, "whatsNew") != nil {
		t.Fatalf("carried-over localization %v", en["attributes"])
	}
	detail := c.do("GET", "/v1/appStoreVersions/"+id(v)+"/appStoreReviewDetail", nil).must(t, 200).data()
	if attr(detail, "contactEmail") != "review@example.com" {
		t.Fatalf("review details not carried over: %v", detail)
	}
	// A version has one set of review details: a second is a conflict.
	c.do("POST", "/v1/appStoreReviewDetails", resource("appStoreReviewDetails", "", map[string]any{"contactEmail": "x@example.com"},
		map[string]any{"appStoreVersion": [2]string{"appStoreVersions", id(v)}})).must(t, 409)
	sets := c.do("GET", "/v1/appStoreVersionLocalizations/"+id(en)+"/appScreenshotSets?include=appScreenshots", nil).must(t, 200)
	if len(sets.list()) != 2 || len(sets.doc["included"].([]any)) != 5 {
		t.Fatalf("carried-over screenshots: %d sets, %d screenshots", len(sets.list()), len(sets.doc["included"].([]any)))
	}
}

func TestPhasedRelease(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{ReviewDelay: time.Minute})
	appID, versionID, _ := editableLocalization(t, c)
	pr := c.do("POST", "/v1/appStoreVersionPhasedReleases", resource("appStoreVersionPhasedReleases", "", nil,
		map[string]any{"appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201).data()
	if attr(pr, "phasedReleaseState") != "INACTIVE" {
		t.Fatalf("new phased release %v", pr["attributes"])
	}
	c.do("PATCH", "/v1/appStoreVersions/"+versionID, resource("appStoreVersions", versionID, map[string]any{"releaseType": "AFTER_APPROVAL"}, nil)).must(t, 200)
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)).must(t, 200)
	step(s, clk, time.Minute)
	step(s, clk, time.Minute)
	phase := func() map[string]any {
		return c.do("GET", "/v1/appStoreVersions/"+versionID+"/appStoreVersionPhasedRelease", nil).must(t, 200).data()
	}
	if p := phase(); attr(p, "phasedReleaseState") != "ACTIVE" || attr(p, "currentDayNumber") != 1.0 {
		t.Fatalf("phased release after approval: %v", p["attributes"])
	}
	step(s, clk, 24*time.Hour)
	c.do("PATCH", "/v1/appStoreVersionPhasedReleases/"+id(pr), resource("appStoreVersionPhasedReleases", id(pr), map[string]any{"phasedReleaseState": "PAUSED"}, nil)).must(t, 200)
	step(s, clk, 24*time.Hour)
	if p := phase(); attr(p, "currentDayNumber") != 2.0 || attr(p, "totalPauseDuration") != 1.0 {
		t.Fatalf("paused phased release: %v", p["attributes"])
	}
	c.do("PATCH", "/v1/appStoreVersionPhasedReleases/"+id(pr), resource("appStoreVersionPhasedReleases", id(pr), map[string]any{"phasedReleaseState": "ACTIVE"}, nil)).must(t, 200)
	for range 6 {
		step(s, clk, 24*time.Hour)
	}
	if p := phase(); attr(p, "phasedReleaseState") != "COMPLETE" {
		t.Fatalf("phased release after a week: %v", p["attributes"])
	}
}

func TestTesterFeedbackEvents(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak")
	if n := len(c.do("GET", "/v1/apps/"+id(app)+"/betaFeedbackScreenshotSubmissions", nil).must(t, 200).list()); n != 3 {
		t.Fatalf("%d demo screenshot feedbacks", n)
	}
	wr := newWebhookReceiver(t, "fb")
	wh := c.do("POST", "/v1/webhooks", resource("webhooks", "", map[string]any{"name": "fb", "url": wr.URL, "secret": "fb", "enabled": true,
		"eventTypes": []string{"BETA_FEEDBACK_CRASH_SUBMISSION_CREATED"}}, map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201).data()
	for _, kind := range []string{"screenshot", "crash"} {
		resp := postJSON(t, s.URL()+"/sandbox/feedback", map[string]any{"app": id(app), "kind": kind})
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("feedback %s: %s", kind, resp.Status)
		}
	}
	crashes := c.do("GET", "/v1/apps/"+id(app)+"/betaFeedbackCrashSubmissions?include=build,tester", nil).must(t, 200)
	if len(crashes.list()) != 3 || len(crashes.doc["included"].([]any)) < 2 {
		t.Fatalf("crash feedbacks %s", crashes.body)
	}
	// Only the crash matches the webhook's event types.
	waitDeliveries(t, c, id(wh), 1)
	wr.mu.Lock()
	defer wr.mu.Unlock()
	if len(wr.events) != 1 || wr.events[0].typ != "betaFeedbackCrashSubmissionCreated" || !wr.events[0].signed {
		t.Fatalf("events %+v", wr.events)
	}
}

// TestCancelReviewWithAdvance drives the clock with Server.Advance, which moves state
// machines without touching token times, and cancels a submission in review.
func TestCancelReviewWithAdvance(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{ReviewDelay: time.Hour})
	appID, versionID, _ := editableLocalization(t, c)
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"canceled": true}, nil)).must(t, 409)
	c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)).must(t, 200)
	s.Advance(time.Hour)
	state := func() any {
		return attr(c.do("GET", "/v1/reviewSubmissions/"+id(sub), nil).must(t, 200).data(), "state")
	}
	if st := state(); st != "IN_REVIEW" {
		t.Fatalf("after an hour: %v", st)
	}
	if st := attr(c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"canceled": true}, nil)).must(t, 200).data(), "state"); st != "CANCELING" {
		t.Fatalf("canceling: %v", st)
	}
	// Cancelling again while it cancels is refused, as for a draft.
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"canceled": true}, nil)).must(t, 409)
	s.Advance(time.Hour)
	// As App Store Connect leaves a cancelled submission: COMPLETE, its item REMOVED, the
	// version taken back DEVELOPER_REJECTED.
	if st := state(); st != "COMPLETE" {
		t.Fatalf("after canceling: %v", st)
	}
	items := c.do("GET", "/v1/reviewSubmissions/"+id(sub)+"/items", nil).must(t, 200).list()
	if len(items) != 1 || attr(items[0].(map[string]any), "state") != "REMOVED" {
		t.Fatalf("items after canceling: %v", items)
	}
	if vs := attr(c.do("GET", "/v1/appStoreVersions/"+versionID, nil).must(t, 200).data(), "appVersionState"); vs != "DEVELOPER_REJECTED" {
		t.Fatalf("version after canceling: %v", vs)
	}
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"canceled": true}, nil)).must(t, 409)
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)).must(t, 409)
	// The version is editable again and goes in a new submission.
	next := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(next)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	c.do("PATCH", "/v1/reviewSubmissions/"+id(next), resource("reviewSubmissions", id(next), map[string]any{"submitted": true}, nil)).must(t, 200)
}

// TestCancelUnresolvedKeepsRejected: a submission App Review left with unresolved issues can
// be cancelled; its rejected version stays REJECTED (App Store Connect does not make it
// DEVELOPER_REJECTED), and the submission ends COMPLETE.
func TestCancelUnresolvedKeepsRejected(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{ReviewDelay: time.Hour, RejectReviews: true})
	appID, versionID, _ := editableLocalization(t, c)
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	c.do("POST", "/v1/reviewSubmissionItems", resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})).must(t, 201)
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"submitted": true}, nil)).must(t, 200)
	s.Advance(2 * time.Hour)
	if st := attr(c.do("GET", "/v1/reviewSubmissions/"+id(sub), nil).must(t, 200).data(), "state"); st != "UNRESOLVED_ISSUES" {
		t.Fatalf("after the review: %v", st)
	}
	c.do("PATCH", "/v1/reviewSubmissions/"+id(sub), resource("reviewSubmissions", id(sub), map[string]any{"canceled": true}, nil)).must(t, 200)
	s.Advance(time.Hour)
	if st := attr(c.do("GET", "/v1/reviewSubmissions/"+id(sub), nil).must(t, 200).data(), "state"); st != "COMPLETE" {
		t.Errorf("after canceling: %v", st)
	}
	if vs := attr(c.do("GET", "/v1/appStoreVersions/"+versionID, nil).must(t, 200).data(), "appVersionState"); vs != "REJECTED" {
		t.Errorf("version after canceling: %v", vs)
	}
}

// TestHandlerAndRangeFilters serves the sandbox through Handler on a server of the test's
// own, and filters deliveries by date range.
func TestHandlerAndRangeFilters(t *testing.T) {
	t.Parallel()
	s, _, clk := newClockedServer(t, Options{})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	c := clientFor(t, s, s.KeyPEM(), s.Key().ID, s.Key().IssuerID)
	c.now = clk.Now
	app := findOne(t, c, ts.URL+"/v1/apps", "bundleId", "com.example.quiethours")
	if self := app["links"].(map[string]any)["self"].(string); !strings.HasPrefix(self, ts.URL) {
		t.Fatalf("links point at %s, not the serving host %s", self, ts.URL)
	}
	wh := c.do("POST", ts.URL+"/v1/webhooks", resource("webhooks", "", map[string]any{"name": "w", "url": "http://127.0.0.1:9/none", "secret": "x",
		"enabled": true, "eventTypes": []string{"BUILD_UPLOAD_STATE_UPDATED"}}, map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201).data()
	ping := resource("webhookPings", "", nil, map[string]any{"webhook": [2]string{"webhooks", id(wh)}})
	c.do("POST", ts.URL+"/v1/webhookPings", ping).must(t, 201)
	clk.add(48 * time.Hour)
	middle := clk.Now().UTC().Format(time.RFC3339)
	clk.add(48 * time.Hour)
	c.do("POST", ts.URL+"/v1/webhookPings", ping).must(t, 201)
	waitDeliveries(t, c, id(wh), 2)
	for _, tc := range []struct {
		filter string
		want   int
	}{
		{"filter[createdDateGreaterThanOrEqualTo]=" + middle, 1},
		{"filter[createdDateLessThan]=" + middle, 1},
		{"filter[deliveryState]=FAILED", 2},
		{"filter[deliveryState]=SUCCEEDED", 0},
	} {
		got := c.do("GET", ts.URL+"/v1/webhooks/"+id(wh)+"/deliveries?"+tc.filter, nil).must(t, 200).list()
		if len(got) != tc.want {
			t.Errorf("%s: %d deliveries, want %d", tc.filter, len(got), tc.want)
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s.Wait(ctx) // returns once the context is done
}

func TestInAppPurchaseReview(t *testing.T) {
	t.Parallel()
	s, c := newTestServer(t, Options{ReviewDelay: time.Hour})
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.ledger")
	iap := c.do("POST", "/v2/inAppPurchases", resource("inAppPurchases", "", map[string]any{
		"name": "Ledger Pro", "productId": "com.example.ledger.pro", "inAppPurchaseType": "NON_CONSUMABLE",
	}, map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 201).data()
	if attr(iap, "state") != "MISSING_METADATA" {
		t.Fatalf("new IAP %v", iap["attributes"])
	}
	submit := resource("inAppPurchaseSubmissions", "", nil, map[string]any{"inAppPurchaseV2": [2]string{"inAppPurchases", id(iap)}})
	c.do("POST", "/v1/inAppPurchaseSubmissions", submit).must(t, 409)
	c.do("POST", "/v1/inAppPurchaseLocalizations", resource("inAppPurchaseLocalizations", "", map[string]any{"locale": "en-US", "name": "Ledger Pro", "description": "All features."},
		map[string]any{"inAppPurchaseV2": [2]string{"inAppPurchases", id(iap)}})).must(t, 201)
	state := func() any { return attr(c.do("GET", "/v2/inAppPurchases/"+id(iap), nil).must(t, 200).data(), "state") }
	if st := state(); st != "READY_TO_SUBMIT" {
		t.Fatalf("with a localization: %v", st)
	}
	c.do("POST", "/v1/inAppPurchaseSubmissions", submit).must(t, 201)
	if st := state(); st != "WAITING_FOR_REVIEW" {
		t.Fatalf("submitted: %v", st)
	}
	s.Advance(2 * time.Hour)
	if st := state(); st != "APPROVED" {
		t.Fatalf("after review: %v", st)
	}
	// The product id is taken now, across in-app purchases and subscriptions.
	c.do("POST", "/v2/inAppPurchases", resource("inAppPurchases", "", map[string]any{
		"name": "Again", "productId": "com.example.ledger.pro", "inAppPurchaseType": "CONSUMABLE",
	}, map[string]any{"app": [2]string{"apps", id(app)}})).must(t, 409)
}

// TestExportComplianceAndContentRights: a version whose build does not say whether it uses
// non-exempt encryption, of an app without a content rights declaration, cannot be reviewed
// (each named under meta.associatedErrors); once answered (and usesIdfa set, deprecated but
// in the spec) it goes to review, after which the build's answer can be given again but not
// changed, while the app's declaration still can.
func TestExportComplianceAndContentRights(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{ReviewDelay: time.Hour})
	appID, versionID, _ := editableLocalization(t, c)
	build := c.do("GET", "/v1/appStoreVersions/"+versionID+"/build", nil).must(t, 200).data()
	buildID := id(build)
	patch := func(typ, rid string, attrs map[string]any, status int) {
		t.Helper()
		c.do("PATCH", "/v1/"+typ+"/"+rid, resource(typ, rid, attrs, nil)).must(t, status)
	}
	patch("builds", buildID, map[string]any{"usesNonExemptEncryption": nil}, 200)
	patch("apps", appID, map[string]any{"contentRightsDeclaration": nil}, 200)
	patch("apps", appID, map[string]any{"contentRightsDeclaration": "MAYBE"}, 409)
	sub := c.do("POST", "/v1/reviewSubmissions", resource("reviewSubmissions", "", nil, map[string]any{"app": [2]string{"apps", appID}})).must(t, 201).data()
	item := resource("reviewSubmissionItems", "", nil, map[string]any{
		"reviewSubmission": [2]string{"reviewSubmissions", id(sub)}, "appStoreVersion": [2]string{"appStoreVersions", versionID}})
	r := c.do("POST", "/v1/reviewSubmissionItems", item).must(t, 409)
	var doc struct {
		Errors []struct {
			Meta struct {
				AssociatedErrors map[string][]apiError `json:"associatedErrors"`
			} `json:"meta"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &doc); err != nil || len(doc.Errors) != 1 {
		t.Fatalf("answer %s", r.body)
	}
	for path, pointer := range map[string]string{"/v1/builds/" + buildID: "/data/attributes/usesNonExemptEncryption", "/v1/apps/" + appID: "/data/attributes/contentRightsDeclaration"} {
		if e := doc.Errors[0].Meta.AssociatedErrors[path]; len(e) != 1 || e[0].Source.Pointer != pointer || e[0].Code != "ENTITY_ERROR.ATTRIBUTE.REQUIRED" {
			t.Errorf("%s: associated errors %+v", path, doc.Errors[0].Meta.AssociatedErrors)
		}
	}
	patch("builds", buildID, map[string]any{"usesNonExemptEncryption": false}, 200)
	patch("apps", appID, map[string]any{"contentRightsDeclaration": "USES_THIRD_PARTY_CONTENT"}, 200)
	patch("appStoreVersions", versionID, map[string]any{"usesIdfa": false}, 200)
	c.do("POST", "/v1/reviewSubmissionItems", item).must(t, 201)
	patch("reviewSubmissions", id(sub), map[string]any{"submitted": true}, 200)
	patch("builds", buildID, map[string]any{"usesNonExemptEncryption": false}, 200)
	r = c.do("PATCH", "/v1/builds/"+buildID, resource("builds", buildID, map[string]any{"usesNonExemptEncryption": true}, nil)).must(t, 409)
	if !strings.Contains(string(r.body), "cannot be changed: version 2.4.0 uses it and is WAITING_FOR_REVIEW") {
		t.Errorf("changing a submitted build's export compliance: %s", r.body)
	}
	if got := attr(c.do("GET", "/v1/builds/"+buildID, nil).must(t, 200).data(), "usesNonExemptEncryption"); got != false {
		t.Errorf("the refused change was applied: %v", got)
	}
	patch("apps", appID, map[string]any{"contentRightsDeclaration": "DOES_NOT_USE_THIRD_PARTY_CONTENT"}, 200)
}
