package apple

import (
	"fmt"
	"slices"
	"strings"
)

// Age rating: the questionnaire of an app's age rating declaration (App Store Connect Help,
// "Age ratings"), one entry a question by the API's attribute name, which is also the key of
// fastlane deliver's app_rating_config.json. Older deliver files use iTunes Connect's
// upper-case keys with 0, 1, 2 for the levels and 0, 1 for yes and no (Legacy).

// AgeRatingKind is how a question is answered.
type AgeRatingKind int

const (
	// AgeRatingLevel: how often the content appears (NONE, INFREQUENT_OR_MILD, ...).
	AgeRatingLevel AgeRatingKind = iota
	// AgeRatingYesNo: true or false.
	AgeRatingYesNo
	// AgeRatingChoice: one of a list (kids age band, overrides); null for none.
	AgeRatingChoice
	// AgeRatingURL: a web address; null for none.
	AgeRatingURL
)

// AgeRatingQuestion is one question of the questionnaire.
type AgeRatingQuestion struct {
	Key    string
	Kind   AgeRatingKind
	Values []string // the answers of a level or choice question
	Legacy string   // iTunes Connect's key in older deliver files ("" none)
	// Deprecated: Apple still answers it but has a newer question (ageRatingOverrideV2).
	Deprecated bool
}

var ageLevels = []string{"NONE", "INFREQUENT_OR_MILD", "FREQUENT_OR_INTENSE", "INFREQUENT", "FREQUENT"}

// legacyLevels are the answers of iTunes Connect's 0, 1 and 2.
var legacyLevels = []string{"NONE", "INFREQUENT_OR_MILD", "FREQUENT_OR_INTENSE"}

var ageRatingQuestions = []AgeRatingQuestion{
	{Key: "alcoholTobaccoOrDrugUseOrReferences", Values: ageLevels, Legacy: "ALCOHOL_TOBACCO_DRUGS"},
	{Key: "contests", Values: ageLevels},
	{Key: "gamblingSimulated", Values: ageLevels, Legacy: "GAMBLING"},
	{Key: "gunsOrOtherWeapons", Values: ageLevels},
	{Key: "horrorOrFearThemes", Values: ageLevels, Legacy: "HORROR_FEAR_THEMES"},
	{Key: "matureOrSuggestiveThemes", Values: ageLevels, Legacy: "MATURE_SUGGESTIVE"},
	{Key: "medicalOrTreatmentInformation", Values: ageLevels, Legacy: "MEDICAL_TREATMENT_INFO"},
	{Key: "profanityOrCrudeHumor", Values: ageLevels, Legacy: "PROFANITY_CRUDE_HUMOR"},
	{Key: "sexualContentGraphicAndNudity", Values: ageLevels, Legacy: "GRAPHIC_SEXUAL_CONTENT_NUDITY"},
	{Key: "sexualContentOrNudity", Values: ageLevels, Legacy: "SEXUAL_CONTENT_NUDITY"},
	{Key: "violenceCartoonOrFantasy", Values: ageLevels, Legacy: "CARTOON_FANTASY_VIOLENCE"},
	{Key: "violenceRealistic", Values: ageLevels, Legacy: "REALISTIC_VIOLENCE"},
	{Key: "violenceRealisticProlongedGraphicOrSadistic", Values: ageLevels, Legacy: "PROLONGED_GRAPHIC_SADISTIC_REALISTIC_VIOLENCE"},
	{Key: "advertising", Kind: AgeRatingYesNo},
	{Key: "ageAssurance", Kind: AgeRatingYesNo},
	{Key: "gambling", Kind: AgeRatingYesNo, Legacy: "GAMBLING_CONTESTS"},
	{Key: "healthOrWellnessTopics", Kind: AgeRatingYesNo},
	{Key: "lootBox", Kind: AgeRatingYesNo},
	{Key: "messagingAndChat", Kind: AgeRatingYesNo},
	{Key: "parentalControls", Kind: AgeRatingYesNo},
	{Key: "socialMedia", Kind: AgeRatingYesNo},
	{Key: "socialMediaAgeRestricted", Kind: AgeRatingYesNo},
	{Key: "unrestrictedWebAccess", Kind: AgeRatingYesNo, Legacy: "UNRESTRICTED_WEB_ACCESS"},
	{Key: "userGeneratedContent", Kind: AgeRatingYesNo},
	{Key: "kidsAgeBand", Kind: AgeRatingChoice, Values: []string{"FIVE_AND_UNDER", "SIX_TO_EIGHT", "NINE_TO_ELEVEN"}},
	{Key: "ageRatingOverrideV2", Kind: AgeRatingChoice, Values: []string{"NONE", "NINE_PLUS", "THIRTEEN_PLUS", "SIXTEEN_PLUS", "EIGHTEEN_PLUS", "UNRATED"}},
	{Key: "ageRatingOverride", Kind: AgeRatingChoice, Values: []string{"NONE", "NINE_PLUS", "THIRTEEN_PLUS", "SIXTEEN_PLUS", "SEVENTEEN_PLUS", "UNRATED"}, Deprecated: true},
	{Key: "koreaAgeRatingOverride", Kind: AgeRatingChoice, Values: []string{"NONE", "FIFTEEN_PLUS", "NINETEEN_PLUS"}},
	{Key: "developerAgeRatingInfoUrl", Kind: AgeRatingURL},
}

// RetiredAgeRatingKeys are keys older deliver files carry that Apple no longer asks
// (seventeenPlus became the overrides, gamblingAndContests became gambling and contests).
var retiredAgeRatingKeys = []string{"seventeenPlus", "gamblingAndContests"}

// AgeRatingQuestions returns the questionnaire, in the order App Store Connect asks it.
func AgeRatingQuestions() []AgeRatingQuestion {
	out := slices.Clone(ageRatingQuestions)
	for i := range out {
		out[i].Values = slices.Clone(out[i].Values)
	}
	return out
}

// IsRetiredAgeRatingKey reports whether key is one Apple no longer asks.
func IsRetiredAgeRatingKey(key string) bool { return slices.Contains(retiredAgeRatingKeys, key) }

// AgeRatingQuestionFor finds a question by its key or its legacy key; legacy is true for the
// latter, whose answers are numbers.
func AgeRatingQuestionFor(key string) (q AgeRatingQuestion, legacy, ok bool) {
	for _, q := range ageRatingQuestions {
		if q.Key == key {
			return q, false, true
		}
		if q.Legacy != "" && q.Legacy == key {
			return q, true, true
		}
	}
	return AgeRatingQuestion{}, false, false
}

// Answer checks an answer (a decoded JSON value: string, bool, float64 or nil) and returns
// it as Apple takes it: a legacy number turned into its level or yes/no.
func (q AgeRatingQuestion) Answer(v any, legacy bool) (any, error) {
	if legacy {
		n, ok := v.(float64)
		switch {
		case !ok || n != float64(int(n)):
			return nil, fmt.Errorf("%s: %v is not 0, 1 or 2", q.Legacy, v)
		case q.Kind == AgeRatingLevel && n >= 0 && int(n) < len(legacyLevels):
			return legacyLevels[int(n)], nil
		case q.Kind == AgeRatingYesNo && (n == 0 || n == 1):
			return n == 1, nil
		}
		return nil, fmt.Errorf("%s: %v is not one of 0 (none), 1 (infrequent or mild), 2 (frequent or intense)", q.Legacy, v)
	}
	switch q.Kind {
	case AgeRatingYesNo:
		if b, ok := v.(bool); ok {
			return b, nil
		}
		return nil, fmt.Errorf("%s: %v is not true or false", q.Key, v)
	case AgeRatingURL:
		if v == nil {
			return nil, nil
		}
		if s, ok := v.(string); ok && (strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://")) {
			return s, nil
		}
		return nil, fmt.Errorf("%s: %v is not a web address", q.Key, v)
	}
	if v == nil && q.Kind == AgeRatingChoice {
		return nil, nil
	}
	if s, ok := v.(string); ok && slices.Contains(q.Values, s) {
		return s, nil
	}
	return nil, fmt.Errorf("%s: %v is not one of %s", q.Key, v, strings.Join(q.Values, ", "))
}
