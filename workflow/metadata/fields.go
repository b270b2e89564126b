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
	// AppClipReviewDetail fields live on the review detail of the version's App Clip default
	// experience (appClipAppStoreReviewDetails).
	AppClipReviewDetail
	// AppClipExperience fields are attributes of the version's App Clip default experience
	// (appClipDefaultExperiences).
	AppClipExperience
	// AppClipExperienceLocalization fields live on the localizations of the version's App
	// Clip default experience (appClipDefaultExperienceLocalizations, one per locale).
	AppClipExperienceLocalization
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
	case AppClipReviewDetail:
		return "appClipAppStoreReviewDetails"
	case AppClipExperience:
		return "appClipDefaultExperiences"
	case AppClipExperienceLocalization:
		return "appClipDefaultExperienceLocalizations"
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
	// URLList is URLs separated by commas or lines, kept as "a, b" (deliver's form).
	URLList
	// AppClipAction is one of apple.AppClipActions (OPEN, VIEW, PLAY).
	AppClipAction
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
	// The App Clip card's subtitle, on the localization of the version's App Clip default
	// experience; deliver does not send it for a live version (edit_live), nor does ascend.
	{File: AppClipSubtitleFile, Scope: AppClipExperienceLocalization, Attribute: "subtitle", MaxChars: apple.MaxAppClipSubtitleLength},
}

// AppClipSubtitleFile is the file of metadata/<locale>/ holding the App Clip card's subtitle.
const AppClipSubtitleFile = "app_clip_default_experience_subtitle"

// AppFields are the top-level files of metadata/.
var AppFields = []FieldSpec{
	{File: "copyright", Scope: Version, Attribute: "copyright"},
	{File: "primary_category", Scope: AppInfoCategory, Attribute: "primaryCategory", Kind: Category},
	{File: "primary_first_sub_category", Scope: AppInfoCategory, Attribute: "primarySubcategoryOne", Kind: Category},
	{File: "primary_second_sub_category", Scope: AppInfoCategory, Attribute: "primarySubcategoryTwo", Kind: Category},
	{File: "secondary_category", Scope: AppInfoCategory, Attribute: "secondaryCategory", Kind: Category},
	{File: "secondary_first_sub_category", Scope: AppInfoCategory, Attribute: "secondarySubcategoryOne", Kind: Category},
	{File: "secondary_second_sub_category", Scope: AppInfoCategory, Attribute: "secondarySubcategoryTwo", Kind: Category},
	// The App Clip card's call to action, on the version's App Clip default experience.
	{File: AppClipActionFile, Scope: AppClipExperience, Attribute: "action", Kind: AppClipAction},
}

// AppClipActionFile is the file of metadata/ holding the App Clip card's action.
const AppClipActionFile = "app_clip_default_experience_action"

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

// AppClipFields are the files of metadata/app_clip_review_information/.
var AppClipFields = []FieldSpec{
	{File: "invocation_urls", Scope: AppClipReviewDetail, Attribute: "invocationUrls", Kind: URLList},
}

// AppClipDir is deliver's folder of the App Clip's review information.
const AppClipDir = "app_clip_review_information"

// legacyReviewFields are deliver's older names of the review_information files, and
// legacyReviewName the current name of each.
var (
	legacyReviewFields = []FieldSpec{
		{File: "review_first_name", Scope: ReviewDetail}, {File: "review_last_name", Scope: ReviewDetail},
		{File: "review_phone_number", Scope: ReviewDetail}, {File: "review_email", Scope: ReviewDetail},
		{File: "review_demo_user", Scope: ReviewDetail}, {File: "review_demo_password", Scope: ReviewDetail},
		{File: "review_notes", Scope: ReviewDetail},
	}
	legacyReviewName = map[string]string{
		"review_first_name": "first_name", "review_last_name": "last_name", "review_phone_number": "phone_number",
		"review_email": "email_address", "review_demo_user": "demo_user", "review_demo_password": "demo_password",
		"review_notes": "notes",
	}
)

// ignoredEntries are files of a metadata folder that hold nothing for App Store Connect.
var ignoredEntries = map[string]bool{".DS_Store": true}

// notSent are parts of deliver's layout that App Store Connect's API has no place for, or
// that ascend does not send: read, and noted by name, so a deliver folder reads cleanly and
// nothing is dropped without a word.
var notSent = func() map[string]string {
	icon := "not uploaded: App Store Connect takes the app icon from the build's asset catalog (deliver's app_icon option is retired too)"
	m := map[string]string{
		"trade_representative_contact_information": "not sent: App Store Connect's API has no trade representative contact (set it in App Store Connect under App Information)",
	}
	for _, base := range []string{"app_icon", "watch_icon"} {
		for _, ext := range []string{".png", ".jpg", ".jpeg"} {
			m[base+ext] = icon
		}
	}
	return m
}()

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
