// Package metadata keeps an app's App Store metadata in fastlane deliver's folder layout and
// synchronises it with App Store Connect: read and write the layout, validate it against
// Apple's limits, diff it with what App Store Connect has, and push only what changed.
package metadata

import "github.com/ascend-tools/ascend/apple"

// Scope says which App Store Connect resource holds a field.
type Scope int

const (
	// AppInfoLocalization fields live on appInfoLocalizations (one per locale of the app info).
	AppInfoLocalization Scope = iota
	// VersionLocalization fields live on appStoreVersionLocalizations.
	VersionLocalization
	// Version fields are attributes of the appStoreVersion itself.
	Version
	// AppInfoCategory fields are to-one relationships of the appInfo to appCategories.
	AppInfoCategory
	// ReviewDetail fields live on the version's appStoreReviewDetail.
	ReviewDetail
)

// ResourceType is the App Store Connect resource type that holds the scope's fields.
func (s Scope) ResourceType() string {
	switch s {
	case AppInfoLocalization:
		return "appInfoLocalizations"
	case VersionLocalization:
		return "appStoreVersionLocalizations"
	case Version:
		return "appStoreVersions"
	case AppInfoCategory:
		return "appInfos"
	case ReviewDetail:
		return "appStoreReviewDetails"
	}
	return ""
}

// Kind says how a field's value is checked.
type Kind int

const (
	Text Kind = iota
	URL
	Email
	Category
)

// FieldSpec describes one file of the layout: its name without ".txt", the resource and
// attribute (or relationship) it maps to, and Apple's limits.
type FieldSpec struct {
	File      string
	Scope     Scope
	Attribute string
	Kind      Kind
	MaxChars  int  // in characters as Apple counts them (apple.Length); 0: no limit
	Live      bool // Apple lets you change it on a version that is already live
}

// LocaleFields are the per-locale files of metadata/<locale>/.
var LocaleFields = []FieldSpec{
	{File: "name", Scope: AppInfoLocalization, Attribute: "name", MaxChars: apple.MaxNameLength},
	{File: "subtitle", Scope: AppInfoLocalization, Attribute: "subtitle", MaxChars: apple.MaxSubtitleLength},
	{File: "privacy_url", Scope: AppInfoLocalization, Attribute: "privacyPolicyUrl", Kind: URL},
	{File: "apple_tv_privacy_policy", Scope: AppInfoLocalization, Attribute: "privacyPolicyText"},
	{File: "description", Scope: VersionLocalization, Attribute: "description", MaxChars: apple.MaxDescriptionLength},
	{File: "keywords", Scope: VersionLocalization, Attribute: "keywords", MaxChars: apple.MaxKeywordsLength},
	{File: "release_notes", Scope: VersionLocalization, Attribute: "whatsNew", MaxChars: apple.MaxReleaseNotesLength},
	{File: "support_url", Scope: VersionLocalization, Attribute: "supportUrl", Kind: URL},
	{File: "marketing_url", Scope: VersionLocalization, Attribute: "marketingUrl", Kind: URL},
	{File: "promotional_text", Scope: VersionLocalization, Attribute: "promotionalText", MaxChars: apple.MaxPromotionalTextLength, Live: true},
}

// AppFields are the top-level files of metadata/.
var AppFields = []FieldSpec{
	{File: "copyright", Scope: Version, Attribute: "copyright"},
	{File: "primary_category", Scope: AppInfoCategory, Attribute: "primaryCategory", Kind: Category},
	{File: "primary_first_sub_category", Scope: AppInfoCategory, Attribute: "primarySubcategoryOne", Kind: Category},
	{File: "primary_second_sub_category", Scope: AppInfoCategory, Attribute: "primarySubcategoryTwo", Kind: Category},
	{File: "secondary_category", Scope: AppInfoCategory, Attribute: "secondaryCategory", Kind: Category},
	{File: "secondary_first_sub_category", Scope: AppInfoCategory, Attribute: "secondarySubcategoryOne", Kind: Category},
	{File: "secondary_second_sub_category", Scope: AppInfoCategory, Attribute: "secondarySubcategoryTwo", Kind: Category},
}

// ReviewFields are the files of metadata/review_information/.
var ReviewFields = []FieldSpec{
	{File: "first_name", Scope: ReviewDetail, Attribute: "contactFirstName"},
	{File: "last_name", Scope: ReviewDetail, Attribute: "contactLastName"},
	{File: "phone_number", Scope: ReviewDetail, Attribute: "contactPhone"},
	{File: "email_address", Scope: ReviewDetail, Attribute: "contactEmail", Kind: Email},
	{File: "demo_user", Scope: ReviewDetail, Attribute: "demoAccountName"},
	{File: "demo_password", Scope: ReviewDetail, Attribute: "demoAccountPassword"},
	{File: "notes", Scope: ReviewDetail, Attribute: "notes", MaxChars: apple.MaxReviewNotesLength},
}

// ignoredEntries are parts of deliver's layout that ascend does not manage (icons, the retired
// trade representative contact, the App Clip default experience's subtitle per locale and
// action at the top); they are accepted so that a deliver folder reads cleanly.
var ignoredEntries = map[string]bool{
	"trade_representative_contact_information": true,
	"app_clip_default_experience_subtitle.txt": true, "app_clip_default_experience_action.txt": true,
	"app_icon.png": true, "app_icon.jpg": true, "app_icon.jpeg": true,
	"watch_icon.png": true, "watch_icon.jpg": true, "watch_icon.jpeg": true,
	".DS_Store": true,
}

func specFor(list []FieldSpec, file string) (FieldSpec, bool) {
	for _, f := range list {
		if f.File == file {
			return f, true
		}
	}
	return FieldSpec{}, false
}

// DefaultLocale is deliver's fallback folder: its files apply to every locale that lacks them.
const DefaultLocale = "default"
