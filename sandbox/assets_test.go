package sandbox

import (
	"net/url"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/spec"
)

// TestEveryAssetKindUploads runs the upload protocol for each kind of asset other than
// screenshots: the same reserve, parts, commit and processing, whatever the parent.
func TestEveryAssetKindUploads(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{PartSize: 2048, ProcessingDelay: time.Minute})
	appID, versionID, locID := editableLocalization(t, c)
	iap := c.do("GET", "/v1/apps/"+appID+"/inAppPurchasesV2", nil).must(t, 200).list()[0].(map[string]any)
	group := c.do("GET", "/v1/apps/"+appID+"/subscriptionGroups", nil).must(t, 200).list()[0].(map[string]any)
	sub := c.do("GET", "/v1/subscriptionGroups/"+id(group)+"/subscriptions", nil).must(t, 200).list()[0].(map[string]any)
	detail := c.do("GET", "/v1/appStoreVersions/"+versionID+"/appStoreReviewDetail", nil).must(t, 200).data()
	previewSet := c.do("POST", "/v1/appPreviewSets", resource("appPreviewSets", "", map[string]any{"previewType": "IPHONE_67"},
		map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 201).data()
	img := pngOf(t, 1024, 1024)
	video := make([]byte, 7000)
	for i := range video {
		video[i] = byte(i)
	}
	tests := []struct {
		path, typ, rel, relType, parent string
		data                            []byte
		image                           bool
	}{
		{"/v1/inAppPurchaseImages", "inAppPurchaseImages", "inAppPurchase", "inAppPurchases", id(iap), img, true},
		{"/v1/subscriptionImages", "subscriptionImages", "subscription", "subscriptions", id(sub), img, true},
		{"/v1/inAppPurchaseAppStoreReviewScreenshots", "inAppPurchaseAppStoreReviewScreenshots", "inAppPurchaseV2", "inAppPurchases", id(iap), img, true},
		{"/v1/subscriptionAppStoreReviewScreenshots", "subscriptionAppStoreReviewScreenshots", "subscription", "subscriptions", id(sub), img, true},
		{"/v1/appStoreReviewAttachments", "appStoreReviewAttachments", "appStoreReviewDetail", "appStoreReviewDetails", id(detail), video, false},
		{"/v1/appPreviews", "appPreviews", "appPreviewSet", "appPreviewSets", id(previewSet), video, false},
	}
	for _, tc := range tests {
		created := c.do("POST", tc.path, resource(tc.typ, "", map[string]any{"fileName": "asset.png", "fileSize": len(tc.data)},
			map[string]any{tc.rel: [2]string{tc.relType, tc.parent}})).must(t, 201).data()
		ops, _ := attr(created, "uploadOperations").([]any)
		if len(ops) != (len(tc.data)+2047)/2048 {
			t.Fatalf("%s: %d upload operations for %d bytes", tc.typ, len(ops), len(tc.data))
		}
		sendParts(t, ops, tc.data, -1)
		self := created["links"].(map[string]any)["self"].(string)
		commit := map[string]any{"uploaded": true}
		// Some commits (v1 in-app purchase images) take no checksum in Apple's schema.
		u, _ := url.Parse(self)
		op, _, _ := spec.Find("PATCH", u.Path)
		if body, ok := spec.RequestBody(op.RequestSchema); ok {
			if _, ok := body.Attributes["sourceFileChecksum"]; ok {
				commit["sourceFileChecksum"] = md5hex(tc.data)
			}
		}
		c.do("PATCH", self, resource(tc.typ, id(created), commit, nil)).must(t, 200)
		step(s, clk, time.Minute)
		done := c.do("GET", self, nil).must(t, 200).data()
		stateKey := "assetDeliveryState"
		if tc.typ == "appPreviews" {
			stateKey = "videoDeliveryState"
		}
		if st := attr(done, stateKey).(map[string]any)["state"]; st != "COMPLETE" {
			t.Errorf("%s: %s is %v", tc.typ, stateKey, st)
		}
		if ia, _ := attr(done, "imageAsset").(map[string]any); tc.image && (ia == nil || ia["width"] != 1024.0) {
			t.Errorf("%s: imageAsset %v", tc.typ, ia)
		}
	}
}

// TestPreviewFrameTimeCodeIsChecked: a preview's poster frame time code that is not
// HH:MM:SS:FF is refused on create and on update, and nothing changes; a good one is kept.
func TestPreviewFrameTimeCodeIsChecked(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{PartSize: 2048})
	_, _, locID := editableLocalization(t, c)
	set := c.do("POST", "/v1/appPreviewSets", resource("appPreviewSets", "", map[string]any{"previewType": "IPHONE_67"},
		map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 201).data()
	rel := map[string]any{"appPreviewSet": [2]string{"appPreviewSets", id(set)}}
	for _, bad := range []string{"00:00:05", "00:00:05:30", "5 seconds"} {
		r := c.do("POST", "/v1/appPreviews", resource("appPreviews", "", map[string]any{"fileName": "p.mp4", "fileSize": 7000, "previewFrameTimeCode": bad}, rel))
		if r.status != 409 || r.errorCode() != "ENTITY_ERROR.ATTRIBUTE.INVALID" {
			t.Errorf("create with frame %q: %d %s", bad, r.status, r.body)
		}
	}
	if n := len(c.do("GET", "/v1/appPreviewSets/"+id(set)+"/appPreviews", nil).must(t, 200).list()); n != 0 {
		t.Fatalf("refused creates left %d previews", n)
	}
	p := c.do("POST", "/v1/appPreviews", resource("appPreviews", "", map[string]any{"fileName": "p.mp4", "fileSize": 7000, "previewFrameTimeCode": "00:00:05:00"}, rel)).must(t, 201).data()
	self := "/v1/appPreviews/" + id(p)
	if r := c.do("PATCH", self, resource("appPreviews", id(p), map[string]any{"previewFrameTimeCode": "00:00:05:99"}, nil)); r.status != 409 {
		t.Errorf("update with frame 99: %d %s", r.status, r.body)
	}
	c.do("PATCH", self, resource("appPreviews", id(p), map[string]any{"previewFrameTimeCode": "00:00:07:12"}, nil)).must(t, 200)
	if got := attr(c.do("GET", self, nil).must(t, 200).data(), "previewFrameTimeCode"); got != "00:00:07:12" {
		t.Fatalf("the frame read back is %v", got)
	}
}
