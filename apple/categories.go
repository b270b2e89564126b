package apple

import "strings"

// legacyCategories are the category names of iTunes Connect that older deliver folders hold
// (MZGenre.Business, or Business), with the App Store Connect category id each stands for, as
// fastlane deliver maps them; legacySubcategories likewise for the subcategory files, where
// the game genres and sticker categories were named apart from the top-level categories.
var (
	legacyCategories = map[string]string{
		"Apps.Food_Drink": "FOOD_AND_DRINK", "Business": "BUSINESS", "Education": "EDUCATION",
		"SocialNetworking": "SOCIAL_NETWORKING", "Book": "BOOKS", "Sports": "SPORTS", "Finance": "FINANCE",
		"Reference": "REFERENCE", "Apps.GraphicsDesign": "GRAPHICS_AND_DESIGN", "Apps.DeveloperTools": "DEVELOPER_TOOLS",
		"Healthcare_Fitness": "HEALTH_AND_FITNESS", "Music": "MUSIC", "Weather": "WEATHER", "Travel": "TRAVEL",
		"Entertainment": "ENTERTAINMENT", "Stickers": "STICKERS", "Games": "GAMES", "Lifestyle": "LIFESTYLE",
		"Medical": "MEDICAL", "Apps.Newsstand": "MAGAZINES_AND_NEWSPAPERS", "Utilities": "UTILITIES",
		"Apps.Shopping": "SHOPPING", "Productivity": "PRODUCTIVITY", "News": "NEWS", "Photography": "PHOTO_AND_VIDEO",
		"Navigation": "NAVIGATION",
	}
	legacySubcategories = map[string]string{
		"Apps.Stickers.Places": "STICKERS_PLACES_AND_OBJECTS", "Apps.Stickers.Emotions": "STICKERS_EMOJI_AND_EXPRESSIONS",
		"Apps.Stickers.BirthdaysAndCelebrations": "STICKERS_CELEBRATIONS", "Apps.Stickers.Celebrities": "STICKERS_CELEBRITIES",
		"Apps.Stickers.MoviesAndTV": "STICKERS_MOVIES_AND_TV", "Apps.Stickers.Sports": "STICKERS_SPORTS_AND_ACTIVITIES",
		"Apps.Stickers.FoodAndDrink": "STICKERS_EATING_AND_DRINKING", "Apps.Stickers.Characters": "STICKERS_CHARACTERS",
		"Apps.Stickers.Animals": "STICKERS_ANIMALS", "Apps.Stickers.Fashion": "STICKERS_FASHION", "Apps.Stickers.Art": "STICKERS_ART",
		"Apps.Stickers.Games": "STICKERS_GAMING", "Apps.Stickers.KidsAndFamily": "STICKERS_KIDS_AND_FAMILY",
		"Apps.Stickers.People": "STICKERS_PEOPLE", "Apps.Stickers.Music": "STICKERS_MUSIC",
		"Sports": "GAMES_SPORTS", "Word": "GAMES_WORD", "Music": "GAMES_MUSIC", "Adventure": "GAMES_ADVENTURE",
		"Action": "GAMES_ACTION", "RolePlaying": "GAMES_ROLE_PLAYING", "Arcade": "GAMES_CASUAL", "Board": "GAMES_BOARD",
		"Trivia": "GAMES_TRIVIA", "Card": "GAMES_CARD", "Puzzle": "GAMES_PUZZLE", "Casino": "GAMES_CASINO",
		"Strategy": "GAMES_STRATEGY", "Simulation": "GAMES_SIMULATION", "Racing": "GAMES_RACING", "Family": "GAMES_FAMILY",
	}
)

// LegacyCategory maps a legacy category name, with or without deliver's "MZGenre." prefix,
// to App Store Connect's category id; sub says the name is in a subcategory file. It returns
// the name unchanged and false when it is no legacy name (an id such as BUSINESS). A prefixed
// name the table lacks loses only its prefix, as deliver sends it.
func LegacyCategory(name string, sub bool) (string, bool) {
	bare, prefixed := strings.CutPrefix(name, "MZGenre.")
	table := legacyCategories
	if sub {
		table = legacySubcategories
	}
	if id, ok := table[bare]; ok {
		return id, true
	}
	return bare, prefixed
}
