// Package products keeps an app's in-app purchases and subscriptions as a file in git: the
// catalog model, its JSON Schema, validation before any write, pull, plan (diff) and apply
// (push), with Apple's price points resolved in as few requests as the API allows.
//
// The file is JSON, not YAML: editors validate JSON against a "$schema" without plugins,
// the standard library reads and writes it (no dependency), and JSON keeps what YAML 1.1
// readers silently change: the locale "no" (Norwegian) is not the boolean false, a price
// "1.10" stays "1.10" and a product id of digits stays a string. Prices are strings for the
// same reason, as Apple sends them ("0.99", "160").
package products

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/workflow/metadata"
)

// Catalog is the content of a products file: an app's in-app purchases and subscription
// groups. What the file leaves out is not managed: a push leaves it alone.
type Catalog struct {
	// Schema is the file's "$schema" (for editors); ascend keeps it as it is.
	Schema             string               `json:"$schema,omitempty"`
	InAppPurchases     []*InAppPurchase     `json:"inAppPurchases,omitempty"`
	SubscriptionGroups []*SubscriptionGroup `json:"subscriptionGroups,omitempty"`
}

// InAppPurchase is a consumable, non-consumable or non-renewing subscription product.
type InAppPurchase struct {
	ProductID     string `json:"productId"`
	ReferenceName string `json:"referenceName"`
	Type          string `json:"type"`
	// FamilySharable, ReviewNote and ReviewScreenshot are left alone when absent.
	FamilySharable *bool   `json:"familySharable,omitempty"`
	ReviewNote     *string `json:"reviewNote,omitempty"`
	// ReviewScreenshot is an image file, relative to the catalog file.
	ReviewScreenshot *string                 `json:"reviewScreenshot,omitempty"`
	Localizations    map[string]Localization `json:"localizations,omitempty"`
	Availability     *Availability           `json:"availability,omitempty"`
	Price            *Price                  `json:"price,omitempty"`
}

// Localization is a product's name and description in one locale.
type Localization struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// Availability lists the territories a product is sold in.
type Availability struct {
	AvailableInNewTerritories bool `json:"availableInNewTerritories"`
	// AllTerritories stands for every territory App Store Connect has; Territories is
	// then left out.
	AllTerritories bool     `json:"allTerritories,omitempty"`
	Territories    []string `json:"territories,omitempty"`
}

// Price is a product's price: a customer price in a base territory that Apple equalizes to
// every other territory, manual prices where the file gives them, and scheduled changes.
type Price struct {
	BaseTerritory string `json:"baseTerritory"`
	// Price is the customer price in the base territory's currency, as App Store Connect
	// shows it ("0.99", "160").
	Price string `json:"price"`
	// Territories are manual prices that replace the equalized one (territory -> price).
	Territories map[string]string `json:"territories,omitempty"`
	Changes     []*PriceChange    `json:"changes,omitempty"`
}

// PriceChange is a scheduled price change: from StartDate the base territory's price (when
// given) and the listed territories' manual prices take effect; other territories keep theirs.
type PriceChange struct {
	StartDate   string            `json:"startDate"`
	Price       string            `json:"price,omitempty"`
	Territories map[string]string `json:"territories,omitempty"`
	// PreserveCurrentPrice keeps existing subscribers on their price (subscriptions only).
	PreserveCurrentPrice bool `json:"preserveCurrentPrice,omitempty"`
}

// SubscriptionGroup holds auto-renewable subscriptions that a customer has one of at a time.
type SubscriptionGroup struct {
	ReferenceName string                       `json:"referenceName"`
	Localizations map[string]GroupLocalization `json:"localizations,omitempty"`
	Subscriptions []*Subscription              `json:"subscriptions,omitempty"`
}

// GroupLocalization is a subscription group's display name in one locale.
type GroupLocalization struct {
	Name string `json:"name"`
	// CustomAppName replaces the app's name on the subscription's page; absent: the app's name.
	CustomAppName string `json:"customAppName,omitempty"`
}

// Subscription is an auto-renewable subscription.
type Subscription struct {
	ProductID     string `json:"productId"`
	ReferenceName string `json:"referenceName"`
	Period        string `json:"period"`
	// GroupLevel ranks the subscription in its group: 1 is the highest level of service.
	GroupLevel       int                     `json:"groupLevel,omitempty"`
	FamilySharable   *bool                   `json:"familySharable,omitempty"`
	ReviewNote       *string                 `json:"reviewNote,omitempty"`
	ReviewScreenshot *string                 `json:"reviewScreenshot,omitempty"`
	Localizations    map[string]Localization `json:"localizations,omitempty"`
	Availability     *Availability           `json:"availability,omitempty"`
	Price            *Price                  `json:"price,omitempty"`
	// Offers: absent is not managed; an empty list means none (omitzero keeps it).
	IntroductoryOffers []*IntroductoryOffer `json:"introductoryOffers,omitzero"`
	PromotionalOffers  []*PromotionalOffer  `json:"promotionalOffers,omitzero"`
	OfferCodes         []*OfferCode         `json:"offerCodes,omitzero"`
	WinBackOffers      []*WinBackOffer      `json:"winBackOffers,omitzero"`
}

// OfferPrice is an offer's price: a base territory's price equalized to the offer's other
// territories, with manual prices where given.
type OfferPrice struct {
	BaseTerritory string            `json:"baseTerritory"`
	Price         string            `json:"price"`
	Territories   map[string]string `json:"territories,omitempty"`
}

// IntroductoryOffer is a new subscriber's first periods: a free trial, a reduced price per
// period (pay as you go) or one reduced payment (pay up front).
type IntroductoryOffer struct {
	Mode     string `json:"mode"`
	Duration string `json:"duration"`
	// Periods is the number of periods of Duration (pay as you go); 1 when absent.
	Periods   int    `json:"periods,omitempty"`
	StartDate string `json:"startDate,omitempty"`
	EndDate   string `json:"endDate,omitempty"`
	// Territories the offer runs in; absent: every territory of the subscription's price.
	Territories []string    `json:"territories,omitempty"`
	Price       *OfferPrice `json:"price,omitempty"`
}

// PromotionalOffer is an offer an app presents to existing or lapsed subscribers.
type PromotionalOffer struct {
	OfferCode     string `json:"offerCode"`
	ReferenceName string `json:"referenceName"`
	Mode          string `json:"mode"`
	Duration      string `json:"duration"`
	Periods       int    `json:"periods,omitempty"`
	// Territories the offer runs in; absent: every territory the subscription is sold in.
	Territories []string    `json:"territories,omitempty"`
	Price       *OfferPrice `json:"price,omitempty"`
}

// OfferCode is a subscription offer redeemed with codes. Apple does not delete offer codes;
// an offer code is deactivated instead.
type OfferCode struct {
	ReferenceName         string      `json:"referenceName"`
	CustomerEligibilities []string    `json:"customerEligibilities"`
	OfferEligibility      string      `json:"offerEligibility"`
	Mode                  string      `json:"mode"`
	Duration              string      `json:"duration"`
	Periods               int         `json:"periods,omitempty"`
	Active                *bool       `json:"active,omitempty"`
	Territories           []string    `json:"territories,omitempty"`
	Price                 *OfferPrice `json:"price,omitempty"`
	// CustomCodes and OneTimeUseCodes: absent is not managed; codes App Store Connect has
	// and the file leaves out are left alone (Apple deletes none).
	CustomCodes     []*CustomCode      `json:"customCodes,omitempty"`
	OneTimeUseCodes []*OneTimeUseCodes `json:"oneTimeUseCodes,omitempty"`
}

// CustomCode is a code of the offer's own choosing ("SPRING2026") that customers redeem up
// to NumberOfCodes times.
type CustomCode struct {
	Code           string `json:"code"`
	NumberOfCodes  int    `json:"numberOfCodes"`
	ExpirationDate string `json:"expirationDate,omitempty"`
	Active         *bool  `json:"active,omitempty"`
}

// OneTimeUseCodes is a batch of codes Apple generates, each redeemed once. A batch has no
// name: the file tells batches apart by environment, count and expiration date.
type OneTimeUseCodes struct {
	NumberOfCodes  int    `json:"numberOfCodes"`
	ExpirationDate string `json:"expirationDate"`
	// Environment is PRODUCTION (when absent) or SANDBOX.
	Environment string `json:"environment,omitempty"`
	Active      *bool  `json:"active,omitempty"`
}

// WinBackOffer is an offer to lapsed subscribers that Apple shows on the App Store.
type WinBackOffer struct {
	OfferID       string `json:"offerId"`
	ReferenceName string `json:"referenceName"`
	Mode          string `json:"mode"`
	Duration      string `json:"duration"`
	Periods       int    `json:"periods,omitempty"`
	// Eligibility: months of paid service before lapsing, months since the subscription
	// ended (a range) and months to wait between two win-back offers.
	PaidMonths      int         `json:"paidMonths"`
	LapsedMinMonths int         `json:"lapsedMinMonths"`
	LapsedMaxMonths int         `json:"lapsedMaxMonths,omitempty"`
	WaitMonths      int         `json:"waitMonths,omitempty"`
	StartDate       string      `json:"startDate"`
	EndDate         string      `json:"endDate,omitempty"`
	Priority        string      `json:"priority"`
	PromotionIntent string      `json:"promotionIntent,omitempty"`
	Price           *OfferPrice `json:"price,omitempty"`
}

// Problem is one thing wrong with a catalog, located by its path in the file
// ("inAppPurchases[com.example.coins].localizations[de-DE].name"). It is the metadata
// workflow's type, so every validation in ascend reports the same way.
type Problem = metadata.Problem

// ValidationError lists every problem found; nothing was written. Its Dir is the catalog file.
type ValidationError = metadata.ValidationError

// Load reads a catalog file and validates it offline (see Validate); any problem is returned
// as a *ValidationError that lists all of them.
func Load(path string, opts ValidateOptions) (*Catalog, error) {
	c, problems, err := Read(path)
	if err != nil {
		return nil, err
	}
	if c != nil {
		problems = append(problems, Validate(c, opts)...)
	}
	if len(problems) > 0 {
		return nil, &ValidationError{Dir: path, Problems: problems}
	}
	return c, nil
}

// Read reads a catalog file. Problems of shape (unknown fields, values of the wrong type)
// are returned together, not failed on one at a time; the catalog is nil when the file is
// not a JSON document at all.
func Read(path string) (*Catalog, []Problem, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, fmt.Errorf("read catalog %s: it does not exist; create it with `ascend products pull` or pass --file", path)
		}
		return nil, nil, fmt.Errorf("read catalog %s: %w", path, err)
	}
	c, problems := Parse(b)
	return c, problems, nil
}

// Parse decodes a catalog document, listing every problem of shape at once.
func Parse(b []byte) (*Catalog, []Problem) {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, []Problem{{Message: syntaxMessage(b, err)}}
	}
	if dec.More() {
		return nil, []Problem{{Message: "more than one JSON value; a catalog is one object"}}
	}
	problems := checkShape(raw, catalogShape, "")
	if len(problems) > 0 {
		return nil, problems
	}
	var c Catalog
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, []Problem{{Message: syntaxMessage(b, err)}}
	}
	return &c, nil
}

// syntaxMessage says where a JSON error is, as line:column.
func syntaxMessage(b []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(b, se.Offset)
		return fmt.Sprintf("line %d, column %d: %v", line, col, se)
	}
	return "not a JSON catalog: " + err.Error()
}

func position(b []byte, offset int64) (line, col int) {
	line, col = 1, 1
	for i := int64(0); i < offset && i < int64(len(b)); i++ {
		if b[i] == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Marshal encodes a catalog as ascend writes it: two-space indents, map keys sorted, lists in
// the catalog's order, a final newline. Equal catalogs encode to equal bytes.
func Marshal(c *Catalog) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(c); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write writes the catalog to path; a file that already holds the same bytes is not touched.
// It reports whether it wrote.
func Write(path string, c *Catalog) (bool, error) {
	b, err := Marshal(c)
	if err != nil {
		return false, err
	}
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, b) {
		return false, nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return false, fmt.Errorf("write catalog %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return false, fmt.Errorf("write catalog %s: %w", path, err)
	}
	return true, nil
}

// Sort orders a catalog as pull writes it: products by product id, groups by reference name,
// subscriptions by group level then product id, offers by their identifiers.
func (c *Catalog) Sort() {
	slices.SortFunc(c.InAppPurchases, func(a, b *InAppPurchase) int { return strings.Compare(a.ProductID, b.ProductID) })
	slices.SortFunc(c.SubscriptionGroups, func(a, b *SubscriptionGroup) int { return strings.Compare(a.ReferenceName, b.ReferenceName) })
	for _, g := range c.SubscriptionGroups {
		slices.SortFunc(g.Subscriptions, func(a, b *Subscription) int {
			if a.GroupLevel != b.GroupLevel {
				return a.GroupLevel - b.GroupLevel
			}
			return strings.Compare(a.ProductID, b.ProductID)
		})
		for _, s := range g.Subscriptions {
			s.sortOffers()
		}
	}
}

func (s *Subscription) sortOffers() {
	slices.SortFunc(s.PromotionalOffers, func(a, b *PromotionalOffer) int { return strings.Compare(a.OfferCode, b.OfferCode) })
	slices.SortFunc(s.OfferCodes, func(a, b *OfferCode) int { return strings.Compare(a.ReferenceName, b.ReferenceName) })
	for _, oc := range s.OfferCodes {
		slices.SortFunc(oc.CustomCodes, func(a, b *CustomCode) int { return strings.Compare(a.Code, b.Code) })
		slices.SortFunc(oc.OneTimeUseCodes, func(a, b *OneTimeUseCodes) int { return strings.Compare(a.key(), b.key()) })
	}
	slices.SortFunc(s.WinBackOffers, func(a, b *WinBackOffer) int { return strings.Compare(a.OfferID, b.OfferID) })
	slices.SortFunc(s.IntroductoryOffers, func(a, b *IntroductoryOffer) int {
		if c := strings.Compare(a.StartDate, b.StartDate); c != 0 {
			return c
		}
		return strings.Compare(a.Mode+a.Duration, b.Mode+b.Duration)
	})
}

// Subscriptions returns every subscription of the catalog with its group, in file order.
func (c *Catalog) Subscriptions() []GroupedSubscription {
	var out []GroupedSubscription
	for _, g := range c.SubscriptionGroups {
		for _, s := range g.Subscriptions {
			out = append(out, GroupedSubscription{Group: g, Subscription: s})
		}
	}
	return out
}

// GroupedSubscription is a subscription with the group that holds it.
type GroupedSubscription struct {
	Group        *SubscriptionGroup
	Subscription *Subscription
}
