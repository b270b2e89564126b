package apple

// Limits of in-app purchases and subscriptions, in characters as Apple counts them (see
// Length), from App Store Connect Help ("In-app purchase information", "Auto-renewable
// subscription information", "Offers").
const (
	MaxProductIDLength             = 100  // inAppPurchases/subscriptions productId: letters, digits, "-", "." and "_"
	MaxProductReferenceNameLength  = 64   // a product's, group's or offer's reference name
	MaxProductDisplayNameLength    = 30   // inAppPurchaseLocalizations/subscriptionLocalizations name
	MaxProductDescriptionLength    = 45   // inAppPurchaseLocalizations/subscriptionLocalizations description
	MaxProductReviewNoteLength     = 4000 // a product's reviewNote
	MaxSubscriptionGroupNameLength = 75   // subscriptionGroupLocalizations name
	MaxCustomAppNameLength         = 30   // subscriptionGroupLocalizations customAppName, an app name
	MaxOfferIdentifierLength       = 64   // promotional offer code, win-back offer id
	MaxOfferPeriods                = 12   // numberOfPeriods of an introductory or promotional offer
	MaxActivePromotionalOffers     = 10   // promotional offers per subscription
)

// Offer codes ("Set up offer codes"): an app has at most a million codes a quarter, one-time
// use codes and custom codes' redemptions together, shared by all its subscriptions; a batch
// of one-time use codes expires at most six months after it is created; a deactivated code
// stays deactivated.
const (
	MaxOfferCodesPerQuarter = 1_000_000
	MaxOneTimeUseCodeMonths = 6
)

// ProductIDPattern is what a product id may hold, as a regular expression: letters, numbers,
// hyphens, periods and underscores (App Store Connect Help, "In-App Purchase information").
// An offer's identifier (a promotional offer's code, a win-back offer's id) holds the same.
const ProductIDPattern = `^[A-Za-z0-9._-]+$`

// CustomCodePattern is what an offer's custom code (a code customers enter, "SPRING2026")
// may hold: letters and digits ("Set up offer codes"), at most MaxOfferIdentifierLength.
const CustomCodePattern = `^[A-Za-z0-9]+$`

// IsControl reports a C0 or C1 control character (a line break, a tab, escape, NEL...):
// App Store Connect Help says a subscription group's display name holds none.
func IsControl(r rune) bool { return r < 0x20 || (r >= 0x7f && r <= 0x9f) }
