package sandbox

import (
	"fmt"

	"github.com/ascend-tools/ascend/apple"
)

// App Clips: the default experience's localizations carry the App Clip card's subtitle, held
// to Apple's limit on create and on update. The engine already refuses a second localization
// of a locale under one experience (uniqueLocale: 409 ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE),
// as for every kind of localization. Each localization holds at most one header image (a
// second is 409 ENTITY_ERROR.RELATIONSHIP.INVALID: delete the old one first), an image asset
// whose processing fails IMAGE_INCORRECT_DIMENSIONS unless it is exactly Apple's size.

func init() {
	register(&family{
		name: "appclips",
		hooks: []hooks{
			{types: []string{"appClipDefaultExperienceLocalizations"},
				beforeCreate: createTextLimits, beforeUpdate: updateTextLimits},
			{types: []string{"appClipHeaderImages"}, onePer: "appClipDefaultExperienceLocalization", onePerFix: "delete it first",
				imageSize: appClipHeaderImageSize},
		},
	})
}

// appClipHeaderImageSize is why a header image of w x h pixels fails processing.
func appClipHeaderImageSize(w, h int) string {
	if apple.IsAppClipHeaderImageSize(w, h) {
		return ""
	}
	return fmt.Sprintf("The image is %dx%d pixels; an App Clip header image must be %dx%d.", w, h, apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight)
}
