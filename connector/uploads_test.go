package connector_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/connector"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

type uploadOp struct {
	Method         string `json:"method"`
	URL            string `json:"url"`
	Offset, Length int
	RequestHeaders []struct{ Name, Value string } `json:"requestHeaders"`
}

// reserveScreenshot finds a screenshot set of the demo data and reserves an upload of size
// bytes into it through the gateway.
func reserveScreenshot(t *testing.T, e *env, displayType string, size int) (id string, ops []uploadOp) {
	t.Helper()
	var list struct {
		Value []map[string]any `json:"value"`
	}
	a := e.do(t, "GET", "/connector/v1/apps?bundleId=com.example.daybreak", e.readKey, nil)
	json.Unmarshal(a.body, &list)
	appID := list.Value[0]["id"].(string)
	json.Unmarshal(e.do(t, "GET", "/connector/v1/apps/"+appID+"/versions", e.readKey, nil).body, &list)
	versionID := ""
	for _, v := range list.Value {
		if v["appVersionState"] == "PREPARE_FOR_SUBMISSION" {
			versionID = v["id"].(string)
		}
	}
	if versionID == "" {
		t.Fatal("no version in preparation in the demo data")
	}
	json.Unmarshal(e.do(t, "GET", "/connector/v1/versions/"+versionID+"/localizations?locale=en-US", e.readKey, nil).body, &list)
	locID := list.Value[0]["id"].(string)
	// A screenshot set of our own, so the test does not depend on the demo's sets.
	a = e.do(t, "POST", "/v1/appScreenshotSets", e.writeKey, map[string]any{"data": map[string]any{
		"type":          "appScreenshotSets",
		"attributes":    map[string]any{"screenshotDisplayType": displayType},
		"relationships": map[string]any{"appStoreVersionLocalization": map[string]any{"data": map[string]any{"type": "appStoreVersionLocalizations", "id": locID}}},
	}})
	if a.status != 201 {
		t.Fatalf("create screenshot set: %d %s", a.status, a.body)
	}
	setID := a.json(t)["data"].(map[string]any)["id"].(string)
	a = e.do(t, "POST", "/v1/appScreenshots", e.writeKey, map[string]any{"data": map[string]any{
		"type":          "appScreenshots",
		"attributes":    map[string]any{"fileName": "shot.png", "fileSize": size},
		"relationships": map[string]any{"appScreenshotSet": map[string]any{"data": map[string]any{"type": "appScreenshotSets", "id": setID}}},
	}})
	var doc struct {
		Data struct {
			ID         string `json:"id"`
			Attributes struct {
				UploadOperations []uploadOp `json:"uploadOperations"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if json.Unmarshal(a.body, &doc); a.status != 201 || len(doc.Data.Attributes.UploadOperations) == 0 {
		t.Fatalf("reserve: %d %s", a.status, a.body)
	}
	return doc.Data.ID, doc.Data.Attributes.UploadOperations
}

// TestUploadsThroughGateway: with UploadHosts configured, upload parts go through the
// gateway (write keys only) and the asset completes; without it, upload URLs are left alone.
func TestUploadsThroughGateway(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{PartSize: 1000})
	sbURL, _ := url.Parse(sb.URL())
	e := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles = []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}
		c.UploadHosts = []string{sbURL.Host}
	})
	file := bytes.Repeat([]byte("ascend!"), 500) // 3,500 bytes: four parts
	id, ops := reserveScreenshot(t, e, "APP_IPHONE_55", len(file))
	if len(ops) < 2 {
		t.Fatalf("want several parts, got %d", len(ops))
	}
	for _, op := range ops {
		if !strings.HasPrefix(op.URL, e.srv.URL+"/connector/uploads/") {
			t.Fatalf("upload URL not rewritten to the gateway: %s", op.URL)
		}
	}
	put := func(op uploadOp, key string) int {
		req, _ := http.NewRequestWithContext(t.Context(), op.Method, op.URL, bytes.NewReader(file[op.Offset:op.Offset+op.Length]))
		for _, h := range op.RequestHeaders {
			req.Header.Set(h.Name, h.Value)
		}
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := put(ops[0], e.readKey); code != 403 {
		t.Errorf("read key uploading: %d, want 403", code)
	}
	for i, op := range ops {
		if code := put(op, e.writeKey); code/100 != 2 {
			t.Fatalf("part %d: %d", i, code)
		}
	}
	sum := md5.Sum(file)
	a := e.do(t, "PATCH", "/v1/appScreenshots/"+id, e.writeKey, map[string]any{"data": map[string]any{
		"type": "appScreenshots", "id": id, "attributes": map[string]any{"uploaded": true, "sourceFileChecksum": hex.EncodeToString(sum[:])},
	}})
	if a.status != 200 {
		t.Fatalf("commit: %d %s", a.status, a.body)
	}
	// A token naming another host is refused.
	evil := e.srv.URL + "/connector/uploads/" + "aHR0cDovLzE2OS4yNTQuMTY5LjI1NC8"
	req, _ := http.NewRequestWithContext(t.Context(), "PUT", evil, strings.NewReader("x"))
	req.Header.Set("X-API-Key", e.writeKey)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("upload to a host not configured: %v %v", resp.StatusCode, err)
	}

	// Without UploadHosts the gateway leaves upload URLs pointing at the storage host.
	plain := newEnv(t, "sqlite", func(c *connector.Config) {
		c.Profiles = []connector.Profile{{Name: "default", Key: sb.Key(), Upstream: sb.URL()}}
	})
	_, ops = reserveScreenshot(t, plain, "APP_IPHONE_65", len(file))
	if !strings.HasPrefix(ops[0].URL, sb.URL()) {
		t.Errorf("upload URL rewritten without configuration: %s", ops[0].URL)
	}
}
