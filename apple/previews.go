package apple

import (
	"slices"
	"strings"
	"time"
)

// Apple's limits on an app preview (App preview specifications).
const (
	MinPreviewDuration = 15 * time.Second
	MaxPreviewDuration = 30 * time.Second
	MaxPreviewBytes    = 500 << 20 // 500 MB
)

// previewSizes are the resolutions App Store Connect accepts for each preview type, each
// orientation listed on its own (Mac, Apple TV and Vision Pro previews are landscape only).
var previewSizes = map[string][]Size{
	"IPHONE_67": both(886, 1920), "IPHONE_65": both(886, 1920), "IPHONE_61": both(886, 1920), "IPHONE_58": both(886, 1920),
	"IPHONE_55": both(1080, 1920), "IPHONE_47": both(750, 1334), "IPHONE_40": both(1080, 1920),
	"IPAD_PRO_3GEN_129": both(1200, 1600), "IPAD_PRO_3GEN_11": both(1200, 1600),
	"IPAD_PRO_129": sizes(both(1200, 1600), both(900, 1200)), "IPAD_105": both(1200, 1600), "IPAD_97": both(900, 1200),
	"DESKTOP": {{1920, 1080}}, "APPLE_TV": {{1920, 1080}}, "APPLE_VISION_PRO": {{3840, 2160}},
}

// PreviewSizes returns the resolutions App Store Connect accepts for previewType; none for
// IPHONE_35, which Apple no longer takes previews of.
func PreviewSizes(previewType string) []Size { return slices.Clone(previewSizes[previewType]) }

// AcceptsPreview reports whether App Store Connect takes a w x h preview of previewType.
func AcceptsPreview(previewType string, w, h int) bool {
	return slices.Contains(previewSizes[previewType], Size{w, h})
}

// PreviewTypeFromFileName returns the preview type a file name names, as fastlane deliver
// reads previews from a locale folder: the type's name anywhere in the name, in any case
// ("iPhone_67_walkthrough.mp4" is IPHONE_67). Where several match, the longest wins, so
// "IPAD_PRO_3GEN_129" is not taken for a shorter type.
func PreviewTypeFromFileName(name string) (string, bool) {
	upper := strings.ToUpper(name)
	best := ""
	for _, t := range previewTypes {
		if strings.Contains(upper, t) && len(t) > len(best) {
			best = t
		}
	}
	return best, best != ""
}
