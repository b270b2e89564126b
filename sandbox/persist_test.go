package sandbox

import (
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestAssetsPersistAcrossRestarts is what the CLI's --sandbox does between two commands:
// screenshot sets and screenshots made in one process (through the upload path, with one
// still processing at exit) are all there in the next, on both sides of every
// relationship, and the one left processing completes by the clock after the restart.
func TestAssetsPersistAcrossRestarts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.db")
	clk := newFakeClock()
	opts := Options{StatePath: path, BurstLimit: -1, Now: clk.Now, PartSize: 4096, ProcessingDelay: 5 * time.Second}
	s1, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	c1 := clientFor(t, s1, s1.KeyPEM(), s1.Key().ID, s1.Key().IssuerID)
	c1.now = clk.Now
	_, _, locID := editableLocalization(t, c1)
	set := c1.do("POST", "/v1/appScreenshotSets", resource("appScreenshotSets", "", map[string]any{"screenshotDisplayType": "APP_IPHONE_65"},
		map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 201).data()
	upload := func(c *testClient, name string, data []byte) string {
		shot := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": name, "fileSize": len(data)},
			map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201).data()
		sendParts(t, attr(shot, "uploadOperations").([]any), data, -1)
		c.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": md5hex(data)}, nil)).must(t, 200)
		return id(shot)
	}
	done := upload(c1, "done.png", pngOf(t, 1242, 2688))
	step(s1, clk, 5*time.Second)
	pending := upload(c1, "pending.png", pngOf(t, 1284, 2778))
	if st, _ := deliveryState(c1.do("GET", "/v1/appScreenshots/"+pending, nil).must(t, 200).data()); st != "UPLOAD_COMPLETE" {
		t.Fatalf("second screenshot before the restart: %s", st)
	}
	// The clock moved by Advance is the state machines' clock; it survives the restart too.
	s1.Advance(time.Second)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	c2 := clientFor(t, s2, s2.KeyPEM(), s2.Key().ID, s2.Key().IssuerID)
	c2.now = clk.Now
	sets := ids(c2.do("GET", "/v1/appStoreVersionLocalizations/"+locID+"/appScreenshotSets", nil).must(t, 200).list())
	if !slices.Contains(sets, id(set)) {
		t.Fatalf("the localization's sets after the restart %v lack %s", sets, id(set))
	}
	linkage := ids(c2.do("GET", "/v1/appScreenshotSets/"+id(set)+"/relationships/appScreenshots", nil).must(t, 200).list())
	shots := ids(c2.do("GET", "/v1/appScreenshotSets/"+id(set)+"/appScreenshots", nil).must(t, 200).list())
	want := []string{done, pending}
	if !slices.Equal(shots, want) || !slices.Equal(linkage, want) {
		t.Fatalf("the set's screenshots after the restart %v (linkage %v), want %v", shots, linkage, want)
	}
	if st, _ := deliveryState(c2.do("GET", "/v1/appScreenshots/"+done, nil).must(t, 200).data()); st != "COMPLETE" {
		t.Fatalf("processed screenshot after the restart: %s", st)
	}
	if st, _ := deliveryState(c2.do("GET", "/v1/appScreenshots/"+pending, nil).must(t, 200).data()); st != "UPLOAD_COMPLETE" {
		t.Fatalf("processing screenshot right after the restart: %s", st)
	}
	// 5s after the commit, of which 1s passed by Advance before the restart.
	step(s2, clk, 4*time.Second)
	final := c2.do("GET", "/v1/appScreenshots/"+pending, nil).must(t, 200).data()
	if st, errs := deliveryState(final); st != "COMPLETE" {
		t.Fatalf("screenshot left processing, after the restart and its delay: %s %v", st, errs)
	}
	if ia, _ := attr(final, "imageAsset").(map[string]any); ia == nil || ia["width"] != 1284.0 || ia["height"] != 2778.0 {
		t.Fatalf("imageAsset after processing across a restart: %v", attr(final, "imageAsset"))
	}
}
