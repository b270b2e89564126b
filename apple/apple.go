// Package apple is ascend's one table of App Store Connect's rules that the OpenAPI spec does
// not state or that several parts of ascend need alike: screenshot display types with the
// pixel sizes Apple accepts for each, app preview types, platforms, the phases of version
// states, text limits as Apple counts them, and Apple's App Store locales.
//
// The workflows, the CLI, the gateway and the sandbox all read these facts from here, so
// that what ascend prepares and what its emulator accepts cannot drift apart. The package
// uses the standard library only and imports nothing of ascend, so every layer may import
// it. Its tests check the names against the enums of Apple's spec.
//
// Sources: Apple's "Screenshot specifications", "App preview specifications", "App Store
// localizations" and "App and submission statuses" (App Store Connect Help), and fastlane
// deliver's documented behaviour where one pixel size fits several display types.
package apple

import (
	"slices"
	"strings"
)

// platforms are the App Store platforms of versions and categories (the spec's Platform).
var platforms = []string{"IOS", "MAC_OS", "TV_OS", "VISION_OS"}

// Platforms returns the App Store platforms, as the API spells them.
func Platforms() []string { return slices.Clone(platforms) }

// IsPlatform reports whether p is an App Store platform.
func IsPlatform(p string) bool { return slices.Contains(platforms, p) }

// DefaultPlatform is the platform a command works on when none is given, as deliver does.
const DefaultPlatform = "IOS"

// locales are the App Store localizations Apple accepts, by the codes the API uses.
var locales = []string{
	"ar-SA", "bn-BD", "ca", "cs", "da", "de-DE", "el", "en-AU", "en-CA", "en-GB", "en-US",
	"es-ES", "es-MX", "fi", "fr-CA", "fr-FR", "gu-IN", "he", "hi", "hr", "hu", "id", "it", "ja",
	"kn-IN", "ko", "ml-IN", "mr-IN", "ms", "nl-NL", "no", "or-IN", "pa-IN", "pl", "pt-BR",
	"pt-PT", "ro", "ru", "sk", "sl-SI", "sv", "ta-IN", "te-IN", "th", "tr", "uk", "ur-PK", "vi",
	"zh-Hans", "zh-Hant",
}

// Locales returns Apple's App Store locale codes, sorted.
func Locales() []string { return slices.Clone(locales) }

// IsLocale reports whether Apple accepts locale as an App Store localization (exact case).
func IsLocale(locale string) bool {
	_, found := slices.BinarySearch(locales, locale)
	return found
}

// LookupLocale returns Apple's code for a locale written in any letter case ("en-us",
// "EN-US" -> "en-US"), as fastlane deliver matches its folder names.
func LookupLocale(name string) (string, bool) {
	if IsLocale(name) {
		return name, true
	}
	for _, l := range locales {
		if strings.EqualFold(l, name) {
			return l, true
		}
	}
	return "", false
}
