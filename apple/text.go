package apple

import "unicode/utf8"

// Text limits of App Store metadata, in characters as Apple counts them (see Length).
const (
	MaxNameLength            = 30   // app name (appInfoLocalizations.name)
	MaxSubtitleLength        = 30   // appInfoLocalizations.subtitle
	MaxPromotionalTextLength = 170  // appStoreVersionLocalizations.promotionalText
	MaxDescriptionLength     = 4000 // appStoreVersionLocalizations.description
	MaxReleaseNotesLength    = 4000 // appStoreVersionLocalizations.whatsNew
	MaxKeywordsLength        = 100  // appStoreVersionLocalizations.keywords, commas included
	MaxReviewNotesLength     = 4000 // appStoreReviewDetails.notes
	// MaxAppClipSubtitleLength is the App Clip card's subtitle on the default experience
	// (appClipDefaultExperienceLocalizations.subtitle). Unconfirmed by Apple: the spec gives
	// the attribute no maximum and no Apple page found states one; 56 is what App Store
	// Connect's form is reported to take (third-party App Clip references), while notes of
	// WWDC 2020's "Configure and link your App Clips" give 43, the figure of the first release.
	MaxAppClipSubtitleLength = 56
)

// Length counts text as App Store Connect counts it against the limits above: in characters
// (Unicode code points) of the text's composed form (NFC), not in UTF-8 bytes, so a keyword
// list of 100 Arabic letters (about 180 bytes) fits. s must already be in NFC, as the
// workflows normalise every value they read (this package keeps to the standard library,
// which has no normaliser): a decomposed "é" would count as two.
func Length(s string) int { return utf8.RuneCountInString(s) }
