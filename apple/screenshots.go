package apple

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Size is a pixel size, width by height, in the orientation Apple lists it.
type Size struct{ Width, Height int }

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.Width, s.Height) }

// DisplayType is a screenshot display type (the spec's ScreenshotDisplayType) with every
// pixel size App Store Connect accepts for it. Sizes lists each orientation Apple accepts on
// its own: Apple TV, Vision Pro and Mac screenshots are landscape only, watch screenshots
// portrait only, and the older iPhones and iPads have landscape sizes without the status
// bar that are not their portrait sizes turned.
type DisplayType struct {
	Name   string // APP_IPHONE_67
	Device string // "6.9-inch iPhone", for messages
	Sizes  []Size
}

// Accepts reports whether App Store Connect takes a w x h image for the display type.
func (d DisplayType) Accepts(w, h int) bool { return slices.Contains(d.Sizes, Size{w, h}) }

// SizeList renders the accepted sizes for a message: "1668x2224, 2224x1668".
func (d DisplayType) SizeList() string {
	s := make([]string, len(d.Sizes))
	for i, sz := range d.Sizes {
		s[i] = sz.String()
	}
	return strings.Join(s, ", ")
}

// both lists a portrait size and the same size turned to landscape.
func both(w, h int) []Size { return []Size{{w, h}, {h, w}} }

func sizes(groups ...[]Size) []Size { return slices.Concat(groups...) }

// appDisplayTypes are the App Store screenshot display types in the order a pixel size is
// matched: where two types accept the same size (2048x2732, 3840x2160) the first is chosen
// unless the file name says otherwise (see ChooseDisplayType).
var appDisplayTypes = []DisplayType{
	{"APP_IPHONE_67", "6.9-inch iPhone", sizes(both(1320, 2868), both(1290, 2796), both(1260, 2736))},
	{"APP_IPHONE_65", "6.5-inch iPhone", sizes(both(1242, 2688), both(1284, 2778))},
	{"APP_IPHONE_61", "6.3-inch iPhone", sizes(both(1206, 2622), both(1179, 2556))},
	{"APP_IPHONE_58", "6.1-inch iPhone", sizes(both(1170, 2532), both(1125, 2436), both(1080, 2340))},
	{"APP_IPHONE_55", "5.5-inch iPhone", both(1242, 2208)},
	{"APP_IPHONE_47", "4.7-inch iPhone", both(750, 1334)},
	{"APP_IPHONE_40", "4-inch iPhone", []Size{{640, 1096}, {640, 1136}, {1136, 600}, {1136, 640}}},
	{"APP_IPHONE_35", "3.5-inch iPhone", []Size{{640, 920}, {640, 960}, {960, 600}, {960, 640}}},
	{"APP_IPAD_PRO_3GEN_129", "13-inch iPad", sizes(both(2064, 2752), both(2048, 2732))},
	{"APP_IPAD_PRO_129", "12.9-inch iPad Pro (2nd generation)", both(2048, 2732)},
	{"APP_IPAD_PRO_3GEN_11", "11-inch iPad", sizes(both(1488, 2266), both(1668, 2420), both(1668, 2388), both(1640, 2360))},
	{"APP_IPAD_105", "10.5-inch iPad", both(1668, 2224)},
	{"APP_IPAD_97", "9.7-inch iPad", []Size{{1536, 2008}, {1536, 2048}, {2048, 1496}, {2048, 1536},
		{768, 1004}, {768, 1024}, {1024, 748}, {1024, 768}}},
	{"APP_DESKTOP", "Mac", []Size{{1280, 800}, {1440, 900}, {2560, 1600}, {2880, 1800}}},
	{"APP_APPLE_TV", "Apple TV", []Size{{1920, 1080}, {3840, 2160}}},
	{"APP_APPLE_VISION_PRO", "Apple Vision Pro", []Size{{3840, 2160}}},
	{"APP_WATCH_ULTRA", "Apple Watch Ultra", []Size{{422, 514}, {410, 502}}},
	{"APP_WATCH_SERIES_10", "Apple Watch Series 10", []Size{{416, 496}, {374, 446}}},
	{"APP_WATCH_SERIES_7", "Apple Watch Series 7", []Size{{396, 484}, {352, 430}}},
	{"APP_WATCH_SERIES_4", "Apple Watch Series 4", []Size{{368, 448}, {324, 394}}},
	{"APP_WATCH_SERIES_3", "Apple Watch Series 3", []Size{{312, 390}, {272, 340}}},
}

// iMessagePrefix names the iMessage variant of an iPhone or iPad display type.
const iMessagePrefix = "IMESSAGE_"

// displayTypes are appDisplayTypes followed by their iMessage variants: every iPhone from 4
// inches up and every iPad, with the same sizes.
var displayTypes = func() []DisplayType {
	all := slices.Clone(appDisplayTypes)
	for _, d := range appDisplayTypes {
		if (strings.HasPrefix(d.Name, "APP_IPHONE") || strings.HasPrefix(d.Name, "APP_IPAD")) && d.Name != "APP_IPHONE_35" {
			all = append(all, DisplayType{iMessagePrefix + d.Name, d.Device + " (iMessage)", d.Sizes})
		}
	}
	return all
}()

// DisplayTypes returns every screenshot display type, App Store types first, then iMessage.
func DisplayTypes() []DisplayType {
	out := make([]DisplayType, len(displayTypes))
	for i, d := range displayTypes {
		out[i] = DisplayType{d.Name, d.Device, slices.Clone(d.Sizes)}
	}
	return out
}

// LookupDisplayType returns the display type called name.
func LookupDisplayType(name string) (DisplayType, bool) {
	i := slices.IndexFunc(displayTypes, func(d DisplayType) bool { return d.Name == name })
	if i < 0 {
		return DisplayType{}, false
	}
	d := displayTypes[i]
	return DisplayType{d.Name, d.Device, slices.Clone(d.Sizes)}, true
}

// AcceptsScreenshot reports whether App Store Connect takes a w x h screenshot in a set of
// displayType; false for a display type it does not know.
func AcceptsScreenshot(displayType string, w, h int) bool {
	d, ok := LookupDisplayType(displayType)
	return ok && d.Accepts(w, h)
}

// ChooseDisplayType returns the display type of a w x h screenshot called fileName, chosen
// as fastlane deliver chooses: by pixel size, in the order of the table; a 2048x2732 image is
// the 13-inch iPad (APP_IPAD_PRO_3GEN_129, 12.9-inch 3rd generation and later) unless the
// file name says 2nd generation (APP_IPAD_PRO_129); a 3840x2160 image is Apple TV unless the
// name says "vision" (Apple Vision Pro). Screenshots of deliver's iMessage folder get the
// iMessage variant, which only iPhones and iPads have.
func ChooseDisplayType(w, h int, fileName string, iMessage bool) (string, bool) {
	var match []string
	for _, d := range appDisplayTypes {
		if d.Accepts(w, h) {
			match = append(match, d.Name)
		}
	}
	if len(match) == 0 {
		return "", false
	}
	typ := match[0]
	switch {
	case slices.Contains(match, "APP_IPAD_PRO_129") && secondGenIPadPro(fileName):
		typ = "APP_IPAD_PRO_129"
	case slices.Contains(match, "APP_APPLE_VISION_PRO") && strings.Contains(strings.ToLower(fileName), "vision"):
		typ = "APP_APPLE_VISION_PRO"
	}
	if !iMessage {
		return typ, true
	}
	if _, ok := LookupDisplayType(iMessagePrefix + typ); !ok {
		return "", false
	}
	return iMessagePrefix + typ, true
}

// secondGenIPadPro reports whether a file name says the 12.9-inch iPad Pro of the 1st or 2nd
// generation: the simulator's device name, or the display type's name as screenshots
// downloaded from App Store Connect carry it.
func secondGenIPadPro(name string) bool {
	if strings.Contains(name, "IPAD_PRO_129") {
		return true
	}
	if !strings.Contains(name, "12.9") {
		return false
	}
	return strings.Contains(name, "(2nd generation)") || strings.Contains(name, "(1st generation)")
}

// NearestDisplayType returns the display type whose accepted size comes closest to w x h
// in shape and size, and that size, for an error message about an image that fits none.
func NearestDisplayType(w, h int, iMessage bool) (DisplayType, Size) {
	best, bestSize, bestScore := DisplayType{}, Size{}, math.Inf(1)
	for _, d := range appDisplayTypes {
		if iMessage {
			if _, ok := LookupDisplayType(iMessagePrefix + d.Name); !ok {
				continue
			}
		}
		for _, s := range d.Sizes {
			shape := math.Abs(math.Log(float64(w)/float64(h)) - math.Log(float64(s.Width)/float64(s.Height)))
			scale := math.Abs(math.Log(float64(w*h) / float64(s.Width*s.Height)))
			if score := 4*shape + scale; score < bestScore {
				best, bestSize, bestScore = d, s, score
			}
		}
	}
	if iMessage {
		best, _ = LookupDisplayType(iMessagePrefix + best.Name)
	}
	return best, bestSize
}

// MaxScreenshotsPerSet is how many screenshots Apple accepts per display type and locale.
const MaxScreenshotsPerSet = 10

// previewTypes are Apple's app preview types (the spec's PreviewType). Video sizes do not
// tell them apart, so a preview's type comes from its folder.
var previewTypes = []string{"IPHONE_67", "IPHONE_61", "IPHONE_65", "IPHONE_58", "IPHONE_55", "IPHONE_47", "IPHONE_40", "IPHONE_35",
	"IPAD_PRO_3GEN_129", "IPAD_PRO_3GEN_11", "IPAD_PRO_129", "IPAD_105", "IPAD_97", "DESKTOP", "APPLE_TV", "APPLE_VISION_PRO"}

// PreviewTypes returns Apple's app preview types.
func PreviewTypes() []string { return slices.Clone(previewTypes) }

// IsPreviewType reports whether t is an app preview type.
func IsPreviewType(t string) bool { return slices.Contains(previewTypes, t) }

// MaxPreviewsPerSet is how many app previews Apple accepts per preview type and locale.
const MaxPreviewsPerSet = 3
