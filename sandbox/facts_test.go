package sandbox

import (
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/internal/spec"
)

// The sandbox keeps no copy of Apple's facts: it reads them from package apple, which the
// workflows read too. These tests cross-check that what it accepts is exactly that table.

func TestScreenshotSizesFollowApple(t *testing.T) {
	t.Parallel()
	sets, _ := spec.Resource("appScreenshotSets")
	for _, dt := range sets.Attributes["screenshotDisplayType"].Enum {
		d, ok := apple.LookupDisplayType(dt)
		if !ok {
			t.Errorf("%s: not in apple's table", dt)
			continue
		}
		for _, s := range d.Sizes {
			if !screenshotFits(dt, s.Width, s.Height) {
				t.Errorf("%s: refuses %s, which Apple accepts", dt, s)
			}
			if turned := (apple.Size{Width: s.Height, Height: s.Width}); !d.Accepts(turned.Width, turned.Height) && screenshotFits(dt, turned.Width, turned.Height) {
				t.Errorf("%s: accepts %s, an orientation Apple does not", dt, turned)
			}
		}
		if screenshotFits(dt, 1620, 2160) {
			t.Errorf("%s: accepts 1620x2160, which is no screenshot size of Apple's", dt)
		}
	}
}

func TestEditableStatesFollowApple(t *testing.T) {
	t.Parallel()
	for _, e := range [][2]string{{"appStoreVersions", "appVersionState"}, {"appInfos", "state"}} {
		r, _ := spec.Resource(e[0])
		for _, state := range r.Attributes[e[1]].Enum {
			rec := &record{Attrs: map[string]any{e[1]: state}}
			got := versionEditable(rec)
			if e[0] == "appInfos" {
				got = infoEditable(rec)
			}
			if got != apple.IsEditable(state) {
				t.Errorf("%s in %s: editable %v, apple says %v", e[0], state, got, apple.IsEditable(state))
			}
		}
	}
}

// TestScreenshotDimensionsOverTheAPI uploads images of the sizes the table decides between:
// a 1620x2160 image is refused in an APP_IPAD_105 set (Apple lists 1668x2224 only), and a
// 2048x2732 one by the 2nd-generation 12.9-inch iPad Pro set (the 13-inch set takes it too).
func TestScreenshotDimensionsOverTheAPI(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		displayType string
		w, h        int
		want, code  string
	}{
		{"APP_IPAD_105", 1620, 2160, "FAILED", "IMAGE_INCORRECT_DIMENSIONS"},
		{"APP_IPAD_105", 2224, 1668, "COMPLETE", ""},
		{"APP_IPAD_PRO_129", 2048, 2732, "COMPLETE", ""},
		{"APP_IPHONE_40", 1136, 600, "COMPLETE", ""},
		{"APP_APPLE_TV", 1080, 1920, "FAILED", "IMAGE_INCORRECT_DIMENSIONS"},
	} {
		t.Run(tc.displayType, func(t *testing.T) {
			t.Parallel()
			s, c, clk := newClockedServer(t, Options{ProcessingDelay: time.Second})
			_, _, locID := editableLocalization(t, c)
			data := pngOf(t, tc.w, tc.h)
			set := c.do("POST", "/v1/appScreenshotSets", resource("appScreenshotSets", "", map[string]any{"screenshotDisplayType": tc.displayType},
				map[string]any{"appStoreVersionLocalization": [2]string{"appStoreVersionLocalizations", locID}})).must(t, 201).data()
			shot := c.do("POST", "/v1/appScreenshots", resource("appScreenshots", "", map[string]any{"fileName": "1.png", "fileSize": len(data)},
				map[string]any{"appScreenshotSet": [2]string{"appScreenshotSets", id(set)}})).must(t, 201).data()
			sendParts(t, attr(shot, "uploadOperations").([]any), data, -1)
			c.do("PATCH", "/v1/appScreenshots/"+id(shot), resource("appScreenshots", id(shot), map[string]any{"uploaded": true, "sourceFileChecksum": md5hex(data)}, nil)).must(t, 200)
			step(s, clk, time.Second)
			st, errs := deliveryState(c.do("GET", "/v1/appScreenshots/"+id(shot), nil).must(t, 200).data())
			if st != tc.want {
				t.Fatalf("%dx%d in %s: %s (%v), want %s", tc.w, tc.h, tc.displayType, st, errs, tc.want)
			}
			if tc.code != "" && (len(errs) == 0 || errs[0].(map[string]any)["code"] != tc.code) {
				t.Errorf("errors %v, want %s", errs, tc.code)
			}
		})
	}
}
