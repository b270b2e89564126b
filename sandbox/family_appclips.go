package sandbox

import (
	"fmt"
	"net/http"

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
				beforeCreate: func(s *Server, doc *resourceDoc) *httpError { return appClipSubtitleLimit(doc.Attrs) },
				beforeUpdate: func(s *Server, r *record, doc *resourceDoc) *httpError { return appClipSubtitleLimit(doc.Attrs) }},
			{types: []string{"appClipHeaderImages"}, onePer: "appClipDefaultExperienceLocalization", onePerFix: "delete it first",
				imageSize: appClipHeaderImageSize},
		},
	})
}

// appClipSubtitleLimit refuses a subtitle longer than the App Clip card allows: 409
// ENTITY_ERROR.ATTRIBUTE.INVALID on the attribute, nothing kept.
func appClipSubtitleLimit(attrs map[string]any) *httpError {
	v, _ := attrs["subtitle"].(string)
	if n := apple.Length(v); n > apple.MaxAppClipSubtitleLength {
		return errResp(http.StatusConflict, entityError("ENTITY_ERROR.ATTRIBUTE.INVALID",
			fmt.Sprintf("The value of 'subtitle' is too long: %d characters, at most %d.", n, apple.MaxAppClipSubtitleLength), "/data/attributes/subtitle"))
	}
	return nil
}

// appClipHeaderImageSize is why a header image of w x h pixels fails processing.
func appClipHeaderImageSize(w, h int) string {
	if apple.IsAppClipHeaderImageSize(w, h) {
		return ""
	}
	return fmt.Sprintf("The image is %dx%d pixels; an App Clip header image must be %dx%d.", w, h, apple.AppClipHeaderImageWidth, apple.AppClipHeaderImageHeight)
}
