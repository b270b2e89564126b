package products

import (
	"regexp"
	"slices"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/internal/spec"
)

// Apple's limits, under the names the rules below use; the facts live in package apple.
const (
	MaxProductID         = apple.MaxProductIDLength
	MaxReferenceName     = apple.MaxProductReferenceNameLength
	MaxDisplayName       = apple.MaxProductDisplayNameLength
	MaxDescription       = apple.MaxProductDescriptionLength
	MaxReviewNote        = apple.MaxProductReviewNoteLength
	MaxGroupDisplayName  = apple.MaxSubscriptionGroupNameLength
	MaxCustomAppName     = apple.MaxCustomAppNameLength
	MaxOfferIdentifier   = apple.MaxOfferIdentifierLength
	MaxIntroPeriods      = apple.MaxOfferPeriods
	MaxPromotionalOffers = apple.MaxActivePromotionalOffers
	// MaxOneTimeUseCodeMonths: one-time use codes expire at most this long after they are made.
	MaxOneTimeUseCodeMonths = apple.MaxOneTimeUseCodeMonths
)

// rule constrains one field of the catalog; the validator and the JSON Schema both read it.
type rule struct {
	doc      string
	maxChars int
	pattern  *regexp.Regexp
	enum     []string
	min, max int    // integers; 0: none
	keys     string // the keys of a map: "locale" or "territory"
	items    string // the items of a list of strings: "territory" (else enum applies)
	// format: "price", "date" or "future-date" (a date Apple refuses in the past); for a
	// map of strings it applies to the values.
	format string
	// plain: no control characters (line breaks, tabs, escape, other invisible ones), as
	// App Store Connect Help says of a subscription group's display name.
	plain bool
}

// plainPattern is plain's rule in the JSON Schema: no C0 or C1 control character
// (apple.IsControl).
const plainPattern = `^[^\x00-\x1f\x7f-\x9f]*$` // \xHH reads the same in ECMA-262 and Go

var (
	productIDPattern  = regexp.MustCompile(apple.ProductIDPattern)
	territoryPattern  = regexp.MustCompile(`^[A-Z]{3}$`)
	datePattern       = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	pricePattern      = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	offerIDPattern    = productIDPattern
	customCodePattern = regexp.MustCompile(apple.CustomCodePattern)
)

// enumOf reads an attribute's allowed values from Apple's spec, so that they are Apple's.
func enumOf(schema, attr string) []string {
	b, ok := spec.RequestBody(schema)
	if !ok {
		panic("products: the spec has no request body " + schema)
	}
	f := b.Attributes[attr]
	if f == nil {
		panic("products: " + schema + " has no attribute " + attr)
	}
	if f.Items != nil {
		return slices.Clone(f.Items.Enum)
	}
	return slices.Clone(f.Enum)
}

var (
	productTypes          = enumOf("InAppPurchaseV2CreateRequest", "inAppPurchaseType")
	subscriptionPeriods   = enumOf("SubscriptionCreateRequest", "subscriptionPeriod")
	offerModes            = enumOf("SubscriptionIntroductoryOfferCreateRequest", "offerMode")
	offerDurations        = enumOf("SubscriptionIntroductoryOfferCreateRequest", "duration")
	customerEligibilities = enumOf("SubscriptionOfferCodeCreateRequest", "customerEligibilities")
	offerEligibilities    = enumOf("SubscriptionOfferCodeCreateRequest", "offerEligibility")
	winBackPriorities     = enumOf("WinBackOfferCreateRequest", "priority")
	winBackIntents        = enumOf("WinBackOfferCreateRequest", "promotionIntent")
	codeEnvironments      = enumOf("SubscriptionOfferCodeOneTimeUseCodeCreateRequest", "environment")
)

// ProductTypes are Apple's kinds of in-app purchase; SubscriptionPeriods its renewal periods.
func ProductTypes() []string        { return slices.Clone(productTypes) }
func SubscriptionPeriods() []string { return slices.Clone(subscriptionPeriods) }

// rules are keyed by "<Go type>.<json field>".
var rules = map[string]rule{
	"Catalog.$schema":            {doc: "The JSON Schema of this file, for editors (`ascend products schema` prints it)."},
	"Catalog.inAppPurchases":     {doc: "Consumables, non-consumables and non-renewing subscriptions. Products on App Store Connect that the file does not list are left alone."},
	"Catalog.subscriptionGroups": {doc: "Groups of auto-renewable subscriptions."},

	"InAppPurchase.productId":        {doc: "The product id the app asks the App Store for; it cannot change once created.", maxChars: MaxProductID, pattern: productIDPattern},
	"InAppPurchase.referenceName":    {doc: "The name App Store Connect shows; customers never see it.", maxChars: MaxReferenceName},
	"InAppPurchase.type":             {doc: "The kind of product; it cannot change once created.", enum: productTypes},
	"InAppPurchase.familySharable":   {doc: "Shared with the buyer's family. Apple does not let it be turned off once on. Absent: left alone."},
	"InAppPurchase.reviewNote":       {doc: "Notes for App Review. Absent: left alone.", maxChars: MaxReviewNote},
	"InAppPurchase.reviewScreenshot": {doc: "A PNG or JPEG for App Review, relative to this file. Absent: left alone."},
	"InAppPurchase.localizations":    {doc: "Display name and description per App Store locale. Locales App Store Connect has and the file does not list are left alone.", keys: "locale"},
	"InAppPurchase.availability":     {doc: "Where the product is sold. Absent: left alone."},
	"InAppPurchase.price":            {doc: "The price schedule. Absent: left alone."},

	"Localization.name":        {doc: "The name customers see.", maxChars: MaxDisplayName},
	"Localization.description": {doc: "The description customers see.", maxChars: MaxDescription},

	"Availability.availableInNewTerritories": {doc: "Sell in territories Apple adds later."},
	"Availability.allTerritories":            {doc: "Sell in every territory App Store Connect has (instead of listing them)."},
	"Availability.territories":               {doc: "Territory codes (ISO 3166-1 alpha-3, as App Store Connect spells them: USA, GBR, JPN).", items: "territory"},

	"Price.baseTerritory": {doc: "The territory whose price Apple equalizes to the others.", pattern: territoryPattern},
	"Price.price":         {doc: "Today's customer price in the base territory's currency, a decimal string (\"0.99\", \"160\"). It must be one of Apple's price points there.", format: "price"},
	"Price.territories":   {doc: "Manual prices (territory -> customer price) instead of the equalized ones.", keys: "territory", format: "price"},
	"Price.changes":       {doc: "Scheduled changes, each from its start date."},

	"PriceChange.startDate":            {doc: "The day the change takes effect (YYYY-MM-DD); not in the past.", format: "future-date"},
	"PriceChange.price":                {doc: "The base territory's new price; absent: unchanged.", format: "price"},
	"PriceChange.territories":          {doc: "New manual prices from the start date (territory -> customer price).", keys: "territory", format: "price"},
	"PriceChange.preserveCurrentPrice": {doc: "Keep existing subscribers on their current price (subscriptions only)."},

	"SubscriptionGroup.referenceName": {doc: "The group's name in App Store Connect; it identifies the group in this file.", maxChars: MaxReferenceName},
	"SubscriptionGroup.localizations": {doc: "The group's display name per App Store locale.", keys: "locale"},
	"SubscriptionGroup.subscriptions": {doc: "The group's auto-renewable subscriptions."},

	"GroupLocalization.name":          {doc: "The group's display name.", maxChars: MaxGroupDisplayName, plain: true},
	"GroupLocalization.customAppName": {doc: "A name shown instead of the app's name; absent: the app's name.", maxChars: MaxCustomAppName},

	"Subscription.productId":          {doc: "The product id the app asks the App Store for; it cannot change once created.", maxChars: MaxProductID, pattern: productIDPattern},
	"Subscription.referenceName":      {doc: "The name App Store Connect shows; customers never see it.", maxChars: MaxReferenceName},
	"Subscription.period":             {doc: "How long each renewal lasts.", enum: subscriptionPeriods},
	"Subscription.groupLevel":         {doc: "The level of service within the group; 1 is the highest. Absent: left alone (new ones go last).", min: 1},
	"Subscription.familySharable":     {doc: "Shared with the subscriber's family. Apple does not let it be turned off once on. Absent: left alone."},
	"Subscription.reviewNote":         {doc: "Notes for App Review. Absent: left alone.", maxChars: MaxReviewNote},
	"Subscription.reviewScreenshot":   {doc: "A PNG or JPEG for App Review, relative to this file. Absent: left alone."},
	"Subscription.localizations":      {doc: "Display name and description per App Store locale.", keys: "locale"},
	"Subscription.availability":       {doc: "Where the subscription is sold. Absent: left alone."},
	"Subscription.price":              {doc: "Prices per territory from a base price. Absent: left alone."},
	"Subscription.introductoryOffers": {doc: "Offers for new subscribers. Absent: left alone; an empty list removes them."},
	"Subscription.promotionalOffers":  {doc: "Offers the app presents with a signature. Absent: left alone; an empty list removes them."},
	"Subscription.offerCodes":         {doc: "Offers redeemed with codes. Absent: left alone. Apple does not delete them; leaving one out deactivates nothing (active: false does)."},
	"Subscription.winBackOffers":      {doc: "Offers to lapsed subscribers. Absent: left alone; an empty list removes them. Apple's API cannot price a new one: create it in App Store Connect, pull, then change its dates, eligibility and priority here."},

	"OfferPrice.baseTerritory": {doc: "The territory whose offer price is equalized to the offer's other territories.", pattern: territoryPattern},
	"OfferPrice.price":         {doc: "The offer's customer price in the base territory.", format: "price"},
	"OfferPrice.territories":   {doc: "Manual offer prices (territory -> customer price).", keys: "territory", format: "price"},

	"IntroductoryOffer.mode":        {doc: "FREE_TRIAL, PAY_AS_YOU_GO (a reduced price each period) or PAY_UP_FRONT (one payment).", enum: offerModes},
	"IntroductoryOffer.duration":    {doc: "The offer's length; for PAY_AS_YOU_GO, the subscription's period.", enum: offerDurations},
	"IntroductoryOffer.periods":     {doc: "Number of periods (PAY_AS_YOU_GO); 1 when absent.", min: 1, max: MaxIntroPeriods},
	"IntroductoryOffer.startDate":   {doc: "First day of the offer (YYYY-MM-DD); absent: now.", format: "date"},
	"IntroductoryOffer.endDate":     {doc: "Last day of the offer (YYYY-MM-DD); absent: no end.", format: "date"},
	"IntroductoryOffer.territories": {doc: "Territories of the offer; absent: every territory the subscription has a price in.", items: "territory"},
	"IntroductoryOffer.price":       {doc: "The offer's price (not for FREE_TRIAL)."},

	"PromotionalOffer.offerCode":     {doc: "The offer's identifier the app signs.", maxChars: MaxOfferIdentifier, pattern: offerIDPattern},
	"PromotionalOffer.referenceName": {doc: "The offer's name in App Store Connect.", maxChars: MaxReferenceName},
	"PromotionalOffer.mode":          {doc: "FREE_TRIAL, PAY_AS_YOU_GO or PAY_UP_FRONT.", enum: offerModes},
	"PromotionalOffer.duration":      {doc: "The offer's length.", enum: offerDurations},
	"PromotionalOffer.periods":       {doc: "Number of periods; 1 when absent.", min: 1, max: MaxIntroPeriods},
	"PromotionalOffer.price":         {doc: "The offer's price (not for FREE_TRIAL)."},
	"PromotionalOffer.territories":   {doc: "Territories of the offer; absent: every territory the subscription is sold in.", items: "territory"},

	"OfferCode.referenceName":         {doc: "The offer code's name in App Store Connect; it identifies it in this file.", maxChars: MaxReferenceName},
	"OfferCode.customerEligibilities": {doc: "Who may redeem it.", enum: customerEligibilities},
	"OfferCode.offerEligibility":      {doc: "Whether it stacks with an introductory offer.", enum: offerEligibilities},
	"OfferCode.mode":                  {doc: "FREE_TRIAL, PAY_AS_YOU_GO or PAY_UP_FRONT.", enum: offerModes},
	"OfferCode.duration":              {doc: "The offer's length.", enum: offerDurations},
	"OfferCode.periods":               {doc: "Number of periods; 1 when absent.", min: 1, max: MaxIntroPeriods},
	"OfferCode.active":                {doc: "false deactivates the offer code (Apple does not delete them)."},
	"OfferCode.price":                 {doc: "The offer's price (not for FREE_TRIAL)."},
	"OfferCode.territories":           {doc: "Territories of the offer; absent: every territory the subscription is sold in.", items: "territory"},
	"OfferCode.customCodes":           {doc: "Codes of your choosing. Absent: left alone; codes left out are left alone."},
	"OfferCode.oneTimeUseCodes":       {doc: "Batches of codes Apple generates. Absent: left alone; batches left out are left alone."},

	"CustomCode.code":           {doc: "The code customers enter: letters and digits, unique in the app.", maxChars: MaxOfferIdentifier, pattern: customCodePattern},
	"CustomCode.numberOfCodes":  {doc: "How many times the code can be redeemed.", min: 1, max: apple.MaxOfferCodesPerQuarter},
	"CustomCode.expirationDate": {doc: "Last day the code can be redeemed (YYYY-MM-DD); absent: no end.", format: "date"},
	"CustomCode.active":         {doc: "false deactivates the code for good."},

	"OneTimeUseCodes.numberOfCodes":  {doc: "How many codes Apple generates.", min: 1, max: apple.MaxOfferCodesPerQuarter},
	"OneTimeUseCodes.expirationDate": {doc: "Last day the codes can be redeemed (YYYY-MM-DD), at most six months after they are made.", format: "date"},
	"OneTimeUseCodes.environment":    {doc: "PRODUCTION (absent) or SANDBOX, for testing.", enum: codeEnvironments},
	"OneTimeUseCodes.active":         {doc: "false deactivates the batch for good."},

	"WinBackOffer.offerId":         {doc: "The offer's identifier.", maxChars: MaxOfferIdentifier, pattern: offerIDPattern},
	"WinBackOffer.referenceName":   {doc: "The offer's name in App Store Connect.", maxChars: MaxReferenceName},
	"WinBackOffer.mode":            {doc: "FREE_TRIAL, PAY_AS_YOU_GO or PAY_UP_FRONT.", enum: offerModes},
	"WinBackOffer.duration":        {doc: "The offer's length.", enum: offerDurations},
	"WinBackOffer.periods":         {doc: "Number of periods; 1 when absent.", min: 1, max: MaxIntroPeriods},
	"WinBackOffer.paidMonths":      {doc: "Months of paid service a lapsed subscriber must have had.", min: 1},
	"WinBackOffer.lapsedMinMonths": {doc: "Fewest months since the subscription ended.", min: 1},
	"WinBackOffer.lapsedMaxMonths": {doc: "Most months since the subscription ended; absent: no upper bound.", min: 1},
	"WinBackOffer.waitMonths":      {doc: "Months between two win-back offers to the same customer.", min: 1},
	"WinBackOffer.startDate":       {doc: "First day of the offer (YYYY-MM-DD).", format: "date"},
	"WinBackOffer.endDate":         {doc: "Last day of the offer (YYYY-MM-DD); absent: no end.", format: "date"},
	"WinBackOffer.priority":        {doc: "Which offer the App Store shows first.", enum: winBackPriorities},
	"WinBackOffer.promotionIntent": {doc: "Whether the App Store promotes the offer.", enum: winBackIntents},
	"WinBackOffer.price":           {doc: "The offer's price (not for FREE_TRIAL)."},
}

// Apple's App Store locale codes come from package apple.
func isLocale(s string) bool { return apple.IsLocale(s) }

func localeList() []string { return apple.Locales() }
