package apple

import (
	"fmt"
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

// PreviewFrameRate is the frame rate of a preview's poster frame time code: app previews run
// at up to 30 frames a second, so FF counts 00 to 29.
const PreviewFrameRate = 30

// ParsePreviewFrameTimeCode reads an app preview's poster frame time code (the spec's
// appPreviews previewFrameTimeCode, fastlane deliver's preview_frame_time_code) in
// App Store Connect's form HH:MM:SS:FF, two digits each, minutes and seconds below 60, FF a
// frame below PreviewFrameRate, and returns the time it names ("00:00:05:00" is 5 s).
func ParsePreviewFrameTimeCode(code string) (time.Duration, error) {
	parts := strings.Split(code, ":")
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("preview frame time code %q %s; write HH:MM:SS:FF, such as 00:00:05:00 for 5 seconds", code, why)
	}
	if len(parts) != 4 {
		return bad("is not four two-digit fields")
	}
	var n [4]int
	for i, p := range parts {
		if len(p) != 2 || p[0] < '0' || p[0] > '9' || p[1] < '0' || p[1] > '9' {
			return bad("is not four two-digit fields")
		}
		n[i] = int(p[0]-'0')*10 + int(p[1]-'0')
	}
	switch {
	case n[1] >= 60:
		return bad("has minutes past 59")
	case n[2] >= 60:
		return bad("has seconds past 59")
	case n[3] >= PreviewFrameRate:
		return bad(fmt.Sprintf("has frame %d: a second has frames 00 to %d", n[3], PreviewFrameRate-1))
	}
	return time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute + time.Duration(n[2])*time.Second +
		time.Duration(n[3])*time.Second/PreviewFrameRate, nil
}
