package apple

import "slices"

// appClipActions are the calls to action an App Clip's default experience shows on its card
// (the spec's AppClipAction), in Apple's order.
var appClipActions = []string{"OPEN", "VIEW", "PLAY"}

// AppClipActions returns the App Clip card's actions.
func AppClipActions() []string { return slices.Clone(appClipActions) }

// IsAppClipAction reports whether a is one of them.
func IsAppClipAction(a string) bool { return slices.Contains(appClipActions, a) }

// An App Clip card's header image, one per localization of the default experience, is
// exactly this size in pixels, PNG or JPEG; App Store Connect fails the processing of any
// other size.
const (
	AppClipHeaderImageWidth  = 1800
	AppClipHeaderImageHeight = 1200
)

// IsAppClipHeaderImageSize reports whether w x h is the App Clip header image's size.
func IsAppClipHeaderImageSize(w, h int) bool {
	return w == AppClipHeaderImageWidth && h == AppClipHeaderImageHeight
}
