package apple

import "slices"

// requiredScreenshots are, per platform, the display types App Review needs screenshots of
// in every localization: one of the types in each group. For iOS Apple takes the 6.9-inch
// iPhone set or, without it, the 6.5-inch one (an app that runs on iPad also needs the
// 13-inch iPad set, which depends on the build's device family and is not listed here).
var requiredScreenshots = map[string][][]string{
	"IOS":       {{"APP_IPHONE_67", "APP_IPHONE_65"}},
	"MAC_OS":    {{"APP_DESKTOP"}},
	"TV_OS":     {{"APP_APPLE_TV"}},
	"VISION_OS": {{"APP_APPLE_VISION_PRO"}},
}

// RequiredScreenshots returns the display types a version of platform must have screenshots
// of before App Review: each group is satisfied by any one of its types.
func RequiredScreenshots(platform string) [][]string {
	var out [][]string
	for _, g := range requiredScreenshots[platform] {
		out = append(out, slices.Clone(g))
	}
	return out
}
