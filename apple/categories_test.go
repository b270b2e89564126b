package apple

import (
	"strings"
	"testing"
)

func TestLookupLocale(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"en-US": "en-US", "en-us": "en-US", "EN-US": "en-US", "zh-hans": "zh-Hans", "JA": "ja", "en_US": "", "xx": ""} {
		got, ok := LookupLocale(in)
		if got != want || ok != (want != "") {
			t.Errorf("LookupLocale(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestLegacyCategory(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		sub  bool
		want string
		ok   bool
	}{
		{"MZGenre.Business", false, "BUSINESS", true},
		{"MZGenre.Apps.Food_Drink", false, "FOOD_AND_DRINK", true},
		{"Photography", false, "PHOTO_AND_VIDEO", true},
		{"MZGenre.Sports", true, "GAMES_SPORTS", true}, // a subcategory: the game genre
		{"MZGenre.Sports", false, "SPORTS", true},
		{"MZGenre.Arcade", true, "GAMES_CASUAL", true},
		{"MZGenre.Apps.Stickers.Art", true, "STICKERS_ART", true},
		{"BUSINESS", false, "BUSINESS", false},
		{"MZGenre.GAMES", false, "GAMES", true},
	} {
		got, ok := LegacyCategory(tc.in, tc.sub)
		if got != tc.want || ok != tc.ok {
			t.Errorf("LegacyCategory(%q, %v) = %q, %v; want %q, %v", tc.in, tc.sub, got, ok, tc.want, tc.ok)
		}
	}
	// Every id the table maps to is an App Store category id in Apple's form.
	for _, table := range []map[string]string{legacyCategories, legacySubcategories} {
		for name, id := range table {
			if strings.ToUpper(id) != id || strings.ContainsAny(id, ". ") {
				t.Errorf("%s maps to %q, not an id", name, id)
			}
		}
	}
}

func TestPreviewTypeFromFileName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"iPhone_67_walkthrough.mp4": "IPHONE_67", "01_IPAD_PRO_3GEN_129.mov": "IPAD_PRO_3GEN_129", "ipad_pro_129.m4v": "IPAD_PRO_129",
		"desktop.mp4": "DESKTOP", "APPLE_VISION_PRO-tour.mp4": "APPLE_VISION_PRO", "walkthrough.mp4": "",
	} {
		got, ok := PreviewTypeFromFileName(in)
		if got != want || ok != (want != "") {
			t.Errorf("PreviewTypeFromFileName(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, typ := range previewTypes {
		if _, listed := previewSizes[typ]; !listed && typ != "IPHONE_35" {
			t.Errorf("%s has no accepted sizes", typ)
		}
	}
	if !AcceptsPreview("IPHONE_67", 1920, 886) || AcceptsPreview("DESKTOP", 1080, 1920) {
		t.Error("orientations")
	}
}
