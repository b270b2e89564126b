// Package screenshots keeps an app's App Store screenshots in fastlane deliver's folder
// layout (screenshots/<locale>/*.png|jpg|jpeg, display type from the pixel size, order from a
// natural sort of the file names) and synchronises them with App Store Connect: compare by
// MD5, upload only new files, delete removed ones, reorder, and await processing narrowly.
package screenshots

import (
	"fmt"
	"strings"
)

// size is a screenshot's pixel size in portrait orientation (width <= height), except for
// the Mac, Apple TV and Vision Pro, which are landscape.
type size struct{ w, h int }

// displaySizes lists, per display type, the pixel sizes Apple accepts (Apple's "Screenshot
// specifications"). Each also matches rotated, except where noted.
var displaySizes = []struct {
	typ      string
	sizes    []size
	rotation bool
}{
	{"APP_IPHONE_67", []size{{1290, 2796}, {1320, 2868}, {1260, 2736}}, true},
	{"APP_IPHONE_65", []size{{1242, 2688}, {1284, 2778}}, true},
	{"APP_IPHONE_61", []size{{1179, 2556}, {1206, 2622}}, true},
	{"APP_IPHONE_58", []size{{1125, 2436}, {1170, 2532}, {1080, 2340}}, true},
	{"APP_IPHONE_55", []size{{1242, 2208}}, true},
	{"APP_IPHONE_47", []size{{750, 1334}}, true},
	{"APP_IPHONE_40", []size{{640, 1096}, {640, 1136}}, true},
	{"APP_IPHONE_35", []size{{640, 920}, {640, 960}}, true},
	{"APP_IPAD_PRO_3GEN_129", []size{{2064, 2752}}, true},
	{"APP_IPAD_PRO_129", []size{{2048, 2732}}, true}, // 3rd generation by file name, see below
	{"APP_IPAD_PRO_3GEN_11", []size{{1668, 2388}, {1668, 2420}, {1640, 2360}, {1488, 2266}}, true},
	{"APP_IPAD_105", []size{{1668, 2224}, {1620, 2160}}, true},
	{"APP_IPAD_97", []size{{1536, 2048}, {1536, 2008}, {768, 1024}, {768, 1004}}, true},
	{"APP_DESKTOP", []size{{1280, 800}, {1440, 900}, {2560, 1600}, {2880, 1800}}, false},
	{"APP_APPLE_TV", []size{{1920, 1080}, {3840, 2160}}, false},
	{"APP_WATCH_ULTRA", []size{{410, 502}, {422, 514}}, false},
	{"APP_WATCH_SERIES_10", []size{{416, 496}, {374, 446}}, false},
	{"APP_WATCH_SERIES_7", []size{{396, 484}, {352, 430}}, false},
	{"APP_WATCH_SERIES_4", []size{{368, 448}, {324, 394}}, false},
	{"APP_WATCH_SERIES_3", []size{{312, 390}, {272, 340}}, false},
}

// ipadPro3rdGenMarkers in a file name select APP_IPAD_PRO_3GEN_129 for a 2048x2732 image,
// which both 12.9-inch iPad Pro generations share; deliver users name their files this way.
var ipadPro3rdGenMarkers = []string{"iPad Pro (12.9-inch) (3rd generation)", "IPAD_PRO_3GEN_129", "ipadPro129"}

// appleVisionMarkers select APP_APPLE_VISION_PRO for a 3840x2160 image, which Apple TV shares.
var appleVisionMarkers = []string{"APPLE_VISION_PRO", "visionPro", "Apple Vision Pro"}

// DisplayType returns the display type of an image from its pixel size. name (the file name)
// breaks the two ties Apple's sizes have; iMessage selects the iMessage variant.
func DisplayType(width, height int, name string, iMessage bool) (string, bool) {
	typ := ""
	for _, d := range displaySizes {
		for _, s := range d.sizes {
			if (s.w == width && s.h == height) || (d.rotation && s.h == width && s.w == height) {
				typ = d.typ
				break
			}
		}
		if typ != "" {
			break
		}
	}
	switch {
	case typ == "":
		return "", false
	case typ == "APP_IPAD_PRO_129" && containsAny(name, ipadPro3rdGenMarkers):
		typ = "APP_IPAD_PRO_3GEN_129"
	case typ == "APP_APPLE_TV" && containsAny(name, appleVisionMarkers):
		typ = "APP_APPLE_VISION_PRO"
	}
	if iMessage {
		if !strings.HasPrefix(typ, "APP_IPHONE") && !strings.HasPrefix(typ, "APP_IPAD") || typ == "APP_IPHONE_35" {
			return "", false
		}
		typ = "IMESSAGE_" + typ
	}
	return typ, true
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sizeHint lists a few accepted sizes for an error message.
func sizeHint() string {
	return fmt.Sprintf("for example %dx%d (6.9-inch iPhone), %dx%d (6.5-inch iPhone), %dx%d (13-inch iPad)",
		1320, 2868, 1242, 2688, 2064, 2752)
}

// MaxPerSet is how many screenshots Apple accepts in one screenshot set.
const MaxPerSet = 10
