package sandbox

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// pngOf makes a PNG of the given size (a flat image, cheap to encode).
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = 0xc0
	}
	img.Set(0, 0, color.Gray{Y: 3})
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func md5hex(b []byte) string { s := md5.Sum(b); return hex.EncodeToString(s[:]) }

// editableLocalization returns the en-US localization of the demo's version in preparation.
func editableLocalization(t *testing.T, c *testClient) (appID, versionID, locID string) {
	t.Helper()
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak")
	v := findOne(t, c, "/v1/apps/"+id(app)+"/appStoreVersions?filter[appStoreState]=PREPARE_FOR_SUBMISSION", "versionString", "2.4.0")
	loc := findOne(t, c, "/v1/appStoreVersions/"+id(v)+"/appStoreVersionLocalizations", "locale", "en-US")
	return id(app), id(v), id(loc)
}

// sendParts PUTs each upload operation's slice of data, in parallel and in reverse order,
// with the operation's headers and no Authorization, as clients do with presigned URLs.
func sendParts(t *testing.T, ops []any, data []byte, skip int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan string, len(ops))
	for i := len(ops) - 1; i >= 0; i-- {
		if i == skip {
			continue
		}
		op := ops[i].(map[string]any)
		wg.Go(func() {
			off, n := int(op["offset"].(float64)), int(op["length"].(float64))
			req, _ := http.NewRequestWithContext(t.Context(), op["method"].(string), op["url"].(string), bytes.NewReader(data[off:off+n]))
			for _, h := range op["requestHeaders"].([]any) {
				hm := h.(map[string]any)
				req.Header.Set(hm["name"].(string), hm["value"].(string))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				errs <- op["url"].(string) + ": " + resp.Status
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func deliveryState(res map[string]any) (string, []any) {
	st, _ := attr(res, "assetDeliveryState").(map[string]any)
	s, _ := st["state"].(string)
	errs, _ := st["errors"].([]any)
	return s, errs
}

func TestScreenshotUpload(t *testing.T) {
	t.Parallel()
	good := pngOf(t, 1242, 2688)
	tests := []struct {
		name       string
		data       []byte
		checksum   string
		skipPart   int
		wantCommit string // state right after the commit
		wantFinal  string
		wantCode   string
	}{
		{name: "fits APP_IPHONE_65", data: good, wantCommit: "UPLOAD_COMPLETE", wantFinal: "COMPLETE", skipPart: -1},
		{name: "landscape fits too", data: pngOf(t, 2688, 1242), wantCommit: "UPLOAD_COMPLETE", wantFinal: "COMPLETE", skipPart: -1},
		{name: "checksum mismatch", data: good, checksum: strings.Repeat("0", 32), wantCommit: "FAILED", wantFinal: "FAILED", wantCode: "CHECKSUM_MISMATCH", skipPart: -1},
		{name: "wrong dimensions", data: pngOf(t, 1290, 2796), wantCommit: "UPLOAD_COMPLETE", wantFinal: "FAILED", wantCode: "IMAGE_INCORRECT_DIMENSIONS", skipPart: -1},
		{name: "not an image", data: bytes.Repeat([]byte("not a png "), 20000), wantCommit: "UPLOAD_COMPLETE", wantFinal: "FAILED", wantCode: "IMAGE_TOOL_FAILURE", skipPart: -1},
		{name: "a part never sent", data: good, skipPart: 1, wantCommit: "FAILED", wantFinal: "FAILED", wantCode: "UPLOAD_INCOMPLETE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, c, clk := newClockedServer(t, Options{PartSize: 4096, ProcessingDelay: 5 * time.Second})
			_, _, locID := editableLocalization(t, c)
			set := c.do("POST", "/v1/appScreenshotSets", resource("appScreenshotSets", "", map[string]any{"screenshotDisplayType": "APP_IPHONE_65"},
				map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 201).data()
			shot := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "one.png", "fileSize": len(tc.data)},
				map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201).data()
			ops := attr(shot, "uploadOperations").([]any)
			if want := (len(tc.data) + 4095) / 4096; len(ops) != want || want < 2 {
				t.Fatalf("%d upload operations for %d bytes, want %d", len(ops), len(tc.data), want)
			}
			if st, _ := deliveryState(shot); st != "AWAITING_UPLOAD" {
				t.Fatalf("new screenshot is %s", st)
			}
			sendParts(t, ops, tc.data, tc.skipPart)
			sum := tc.checksum
			if sum == "" {
				sum = md5hex(tc.data)
			}
			committed := c.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": sum}, nil)).must(t, 200).data()
			if st, _ := deliveryState(committed); st != tc.wantCommit {
				t.Fatalf("after commit: %s, want %s", st, tc.wantCommit)
			}
			if attr(committed, "uploadOperations") != nil {
				t.Errorf("uploadOperations still shown after commit")
			}
			step(s, clk, 5*time.Second)
			final := c.do("GET", "/v1/appScreenshots/"+id(shot), nil).must(t, 200).data()
			st, errs := deliveryState(final)
			if st != tc.wantFinal {
				t.Fatalf("final state %s, want %s (%v)", st, tc.wantFinal, errs)
			}
			if tc.wantCode != "" {
				if len(errs) == 0 || errs[0].(map[string]any)["code"] != tc.wantCode {
					t.Fatalf("errors %v, want code %s", errs, tc.wantCode)
				}
				return
			}
			ia, _ := attr(final, "imageAsset").(map[string]any)
			cfgW, cfgH := 1242.0, 2688.0
			if tc.name == "landscape fits too" {
				cfgW, cfgH = cfgH, cfgW
			}
			if ia == nil || ia["width"] != cfgW || ia["height"] != cfgH || !strings.Contains(ia["templateUrl"].(string), "{w}x{h}bb.{f}") {
				t.Fatalf("imageAsset %v", ia)
			}
			// A committed asset cannot be committed again.
			c.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": sum}, nil)).must(t, 409)
		})
	}
}

func TestUploadPartChecks(t *testing.T) {
	t.Parallel()
	_, c, _ := newClockedServer(t, Options{PartSize: 1000})
	_, _, locID := editableLocalization(t, c)
	set := c.do("POST", "/v1/appScreenshotSets", resource("appScreenshotSets", "", map[string]any{"screenshotDisplayType": "APP_IPHONE_61"},
		map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 201).data()
	shot := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "x.png", "fileSize": 2500},
		map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201).data()
	ops := attr(shot, "uploadOperations").([]any)
	if len(ops) != 3 || ops[2].(map[string]any)["length"] != 500.0 || ops[2].(map[string]any)["offset"] != 2000.0 {
		t.Fatalf("operations %v", ops)
	}
	url := ops[0].(map[string]any)["url"].(string)
	png := map[string]string{"Content-Type": "image/png"}
	for _, tc := range []struct {
		name, method, url string
		header            map[string]string
		body              []byte
		status            int
	}{
		{"short part", "PUT", url, png, make([]byte, 999), 400},
		{"long part", "PUT", url, png, make([]byte, 1001), 400},
		{"wrong method", "POST", url, png, make([]byte, 1000), 405},
		{"unknown part", "PUT", strings.TrimSuffix(url, "/0") + "/9", png, make([]byte, 1000), 404},
		{"unknown upload", "PUT", c.s.URL() + "/sandbox/upload/nope/0", png, make([]byte, 1000), 404},
		{"without the operation's headers", "PUT", url, nil, make([]byte, 1000), 403},
		{"with a token as well", "PUT", url, map[string]string{"Content-Type": "image/png", "Authorization": "Bearer " + c.token()}, make([]byte, 1000), 400},
		{"right part", "PUT", url, png, make([]byte, 1000), 200},
	} {
		req, _ := http.NewRequestWithContext(t.Context(), tc.method, tc.url, bytes.NewReader(tc.body))
		for k, v := range tc.header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, resp.StatusCode, tc.status)
		}
	}
}

func TestScreenshotSetLimitsAndOrder(t *testing.T) {
	t.Parallel()
	_, c, _ := newClockedServer(t, Options{})
	_, _, locID := editableLocalization(t, c)
	sets := c.do("GET", "/v1/appStoreVersionLocalizations/"+locID+"/appScreenshotSets", nil).must(t, 200).list()
	var set map[string]any
	for _, it := range sets {
		if attr(it.(map[string]any), "screenshotDisplayType") == "APP_IPHONE_67" {
			set = it.(map[string]any)
		}
	}
	if set == nil {
		t.Fatal("demo localization has no APP_IPHONE_67 set")
	}
	// A second set of the same display type is a duplicate.
	c.do("POST", "/v1/appScreenshotSets", resource("appScreenshotSets", "", map[string]any{"screenshotDisplayType": "APP_IPHONE_67"},
		map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 409)
	existing := ids(c.do("GET", "/v1/appScreenshotSets/"+id(set)+"/appScreenshots", nil).must(t, 200).list())
	for i := len(existing); i < 10; i++ {
		c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "x.png", "fileSize": 10},
			map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201)
	}
	r := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "x.png", "fileSize": 10},
		map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 409)
	if !strings.HasPrefix(r.errorCode(), "ENTITY_ERROR") {
		t.Fatalf("11th screenshot: %s", r.body)
	}
	// Reorder through the relationship endpoint: every screenshot, new order.
	all := ids(c.do("GET", "/v1/appScreenshotSets/"+id(set)+"/relationships/appScreenshots", nil).must(t, 200).list())
	if len(all) != 10 {
		t.Fatalf("%d screenshots in linkage", len(all))
	}
	reversed := make([][2]string, 0, len(all))
	for i := len(all) - 1; i >= 0; i-- {
		reversed = append(reversed, [2]string{"appScreenshots", all[i]})
	}
	c.do("PATCH", "/v1/appScreenshotSets/"+id(set)+"/relationships/appScreenshots", linkageBody(reversed)).must(t, 204)
	got := ids(c.do("GET", "/v1/appScreenshotSets/"+id(set)+"/appScreenshots", nil).must(t, 200).list())
	if got[0] != all[9] || got[9] != all[0] {
		t.Fatalf("order after reorder %v", got)
	}
	// Leaving one out is refused: a reorder must name every screenshot.
	c.do("PATCH", "/v1/appScreenshotSets/"+id(set)+"/relationships/appScreenshots", linkageBody(reversed[1:])).must(t, 409)
}

func linkageBody(ids [][2]string) map[string]any {
	l := []any{}
	for _, x := range ids {
		l = append(l, map[string]any{"type": x[0], "id": x[1]})
	}
	return map[string]any{"data": l}
}

func TestNegativeDelayMeansImmediate(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{ProcessingDelay: -1, PartSize: 1 << 20})
	_, _, locID := editableLocalization(t, c)
	set := findOne(t, c, "/v1/appStoreVersionLocalizations/"+locID+"/appScreenshotSets", "screenshotDisplayType", "APP_IPAD_PRO_3GEN_129")
	c.do("DELETE", "/v1/appScreenshots/"+ids(c.do("GET", "/v1/appScreenshotSets/"+id(set)+"/appScreenshots", nil).must(t, 200).list())[0], nil).must(t, 204)
	img := pngOf(t, 2064, 2752)
	shot := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "ipad.png", "fileSize": len(img)},
		map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201).data()
	sendParts(t, attr(shot, "uploadOperations").([]any), img, -1)
	c.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": md5hex(img)}, nil)).must(t, 200)
	if st, errs := deliveryState(c.do("GET", "/v1/appScreenshots/"+id(shot), nil).must(t, 200).data()); st != "COMPLETE" {
		t.Fatalf("next read after commit: %s %v", st, errs)
	}
}
