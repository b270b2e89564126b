package connector

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/products"
)

// The curated actions of in-app purchases and subscriptions: list an app's products, read
// one with its prices, change its price, create one; each one call of workflow/products
// (the push's plan and apply, so the same price point checks and read-backs hold).
func init() { curatedActions = append(curatedActions, productActions...) }

var appRefParam = pathParam("appId", "App ID", "The App Store Connect id of the app (or its bundle ID).")

var productIDParam = pathParam("productId", "Product ID", "The product ID of the in-app purchase or subscription, such as com.example.app.coins100.")

var productActions = []curatedAction{
	{
		ID: "ListProducts", Method: "GET", Pattern: "/connector/v1/apps/{appId}/products",
		Summary: "List in-app purchases and subscriptions", Description: "Lists the in-app purchases and auto-renewable subscriptions of an app, sorted by product ID, with their kind, state and subscription group.",
		PathParams: []param{appRefParam},
		Flat:       productSummaryShape, List: true,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			app, err := resolveApp(ctx, c, in.path("appId"))
			if err != nil {
				return actionResult{}, err
			}
			list, err := products.List(ctx, c, app)
			if err != nil {
				return actionResult{}, err
			}
			items := make([]flatProductResource, 0, len(list))
			for _, p := range list {
				items = append(items, summaryResource(p))
			}
			return actionResult{items: items, list: true}, nil
		},
	},
	{
		ID: "GetProduct", Method: "GET", Pattern: "/connector/v1/apps/{appId}/products/{productId}",
		Summary: "Get a product with its prices", Description: "Gets one in-app purchase or subscription by product ID: its localizations, the territories it is sold in, its base price, manual prices and scheduled price changes.",
		PathParams: []param{appRefParam, productIDParam},
		Flat:       productShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			return getProduct(ctx, c, in.path("appId"), in.path("productId"))
		},
	},
	{
		ID: "SetProductPrice", Method: "POST", Pattern: "/connector/v1/apps/{appId}/products/{productId}/price",
		Summary: "Change a product's price", Description: "Sets the price of an in-app purchase or subscription in its base territory from today; Apple equalizes it to the other territories. The price must be one of Apple's price points there. Manual prices and scheduled changes stay. Safe to retry: an unchanged price writes nothing.",
		Write:      true,
		PathParams: []param{appRefParam, productIDParam},
		BodyFields: []param{
			{Name: "price", Type: "string", Summary: "Price", Description: "The customer price in the base territory's currency, such as 0.99 or 160.", Required: true},
			{Name: "territory", Type: "string", Summary: "Base territory", Description: "The territory the price is in, such as USA (default: the product's base territory, or USA).", Advanced: true},
		},
		Flat: productShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var body struct {
				Price     string `json:"price"`
				Territory string `json:"territory"`
			}
			err := in.json(&body)
			if err == nil && strings.TrimSpace(body.Price) == "" {
				err = errors.New("no price")
			}
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.REQUIRED", "Missing price", "send {\"price\": \"0.99\"} and optionally \"territory\": \"USA\"")
			}
			app, err := resolveApp(ctx, c, in.path("appId"))
			if err != nil {
				return actionResult{}, err
			}
			if _, _, err := products.SetPrice(ctx, c, app, in.path("productId"), strings.ToUpper(strings.TrimSpace(body.Territory)), strings.TrimSpace(body.Price)); err != nil {
				return actionResult{}, productError(err)
			}
			return getProduct(ctx, c, app, in.path("productId"))
		},
	},
	{
		ID: "CreateProduct", Method: "POST", Pattern: "/connector/v1/apps/{appId}/products",
		Summary: "Create an in-app purchase or subscription", Description: "Creates a product with a localization, availability in every territory and, when a price is given, its price. A subscription goes into the named group, created when the app has none of that name. A product ID the app has already is refused.",
		Write: true, Status: http.StatusCreated,
		PathParams: []param{appRefParam},
		BodyFields: []param{
			{Name: "productId", Type: "string", Summary: "Product ID", Description: "The product ID the app asks the App Store for; it cannot change later.", Required: true},
			{Name: "referenceName", Type: "string", Summary: "Reference name", Description: "The name App Store Connect shows; customers never see it.", Required: true},
			{Name: "kind", Type: "string", Summary: "Kind", Description: "The kind of product.", Enum: append(products.ProductTypes(), "AUTO_RENEWABLE_SUBSCRIPTION"), Required: true},
			{Name: "group", Type: "string", Summary: "Subscription group", Description: "The reference name of the subscription group (auto-renewable subscriptions only)."},
			{Name: "period", Type: "string", Summary: "Period", Description: "How long each renewal lasts (auto-renewable subscriptions only).", Enum: products.SubscriptionPeriods()},
			{Name: "locale", Type: "string", Summary: "Locale", Description: "The locale of the display name and description (default en-US)."},
			{Name: "name", Type: "string", Summary: "Display name", Description: "The name customers see."},
			{Name: "description", Type: "string", Summary: "Description", Description: "The description customers see."},
			{Name: "price", Type: "string", Summary: "Price", Description: "The customer price in the base territory, such as 0.99; Apple equalizes it to the other territories."},
			{Name: "territory", Type: "string", Summary: "Base territory", Description: "The territory of the price (default USA).", Advanced: true},
			{Name: "familySharable", Type: "boolean", Summary: "Family sharing", Description: "Share the purchase with the buyer's family; it cannot be turned off later.", Advanced: true},
		},
		Flat: productShape,
		Run: func(ctx context.Context, c *asc.Client, in *actionInput) (actionResult, error) {
			var b createProductBody
			err := in.json(&b)
			if err == nil && (b.ProductID == "" || b.ReferenceName == "" || b.Kind == "") {
				err = errors.New("missing fields")
			}
			if err != nil {
				return actionResult{}, badInput(err, "PARAMETER_ERROR.REQUIRED", "Missing fields", "send {\"productId\", \"referenceName\", \"kind\"} and optionally \"group\", \"period\", \"locale\", \"name\", \"description\", \"price\", \"territory\", \"familySharable\"")
			}
			app, err := resolveApp(ctx, c, in.path("appId"))
			if err != nil {
				return actionResult{}, err
			}
			iap, group, sub := b.product()
			if _, _, err := products.Create(ctx, c, app, iap, group, sub); err != nil {
				return actionResult{}, productError(err)
			}
			return getProduct(ctx, c, app, b.ProductID)
		},
	},
}

type createProductBody struct {
	ProductID      string `json:"productId"`
	ReferenceName  string `json:"referenceName"`
	Kind           string `json:"kind"`
	Group          string `json:"group"`
	Period         string `json:"period"`
	Locale         string `json:"locale"`
	Name           string `json:"name"`
	Description    string `json:"description"`
	Price          string `json:"price"`
	Territory      string `json:"territory"`
	FamilySharable *bool  `json:"familySharable"`
}

// product is the body in the catalog's terms: an in-app purchase, or a group's subscription.
func (b createProductBody) product() (*products.InAppPurchase, string, *products.Subscription) {
	var locs map[string]products.Localization
	if b.Name != "" || b.Description != "" {
		locale := b.Locale
		if locale == "" {
			locale = "en-US"
		}
		locs = map[string]products.Localization{locale: {Name: b.Name, Description: b.Description}}
	}
	avail := &products.Availability{AvailableInNewTerritories: true, AllTerritories: true}
	var price *products.Price
	if b.Price != "" {
		territory := strings.ToUpper(b.Territory)
		if territory == "" {
			territory = "USA"
		}
		price = &products.Price{BaseTerritory: territory, Price: b.Price}
	}
	if b.Kind == "AUTO_RENEWABLE_SUBSCRIPTION" {
		return nil, b.Group, &products.Subscription{ProductID: b.ProductID, ReferenceName: b.ReferenceName, Period: b.Period, FamilySharable: b.FamilySharable,
			Localizations: locs, Availability: avail, Price: price}
	}
	return &products.InAppPurchase{ProductID: b.ProductID, ReferenceName: b.ReferenceName, Type: b.Kind, FamilySharable: b.FamilySharable,
		Localizations: locs, Availability: avail, Price: price}, "", nil
}

// flatProductResource is a product in the resource shape the gateway flattens: id, type
// (inAppPurchases or subscriptions) and the product's fields as attributes.
type flatProductResource struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes any    `json:"attributes"`
}

func productType(kind string) string {
	if kind == "AUTO_RENEWABLE_SUBSCRIPTION" {
		return "subscriptions"
	}
	return "inAppPurchases"
}

func summaryResource(p products.Summary) flatProductResource {
	return flatProductResource{ID: p.ID, Type: productType(p.Kind), Attributes: struct {
		ProductID     string `json:"productId"`
		ReferenceName string `json:"referenceName"`
		Kind          string `json:"kind"`
		State         string `json:"state"`
		Group         string `json:"group,omitempty"`
	}{p.ProductID, p.ReferenceName, p.Kind, p.State, p.Group}}
}

type flatLocalization struct {
	Locale      string `json:"locale"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type flatPrice struct {
	Territory string `json:"territory"`
	Price     string `json:"price"`
}

// flatPrices lists manual prices by territory code, as designers bind them (not a map).
func flatPrices(m map[string]string) []flatPrice {
	out := make([]flatPrice, 0, len(m))
	for t, p := range m {
		out = append(out, flatPrice{t, p})
	}
	slices.SortFunc(out, func(a, b flatPrice) int { return strings.Compare(a.Territory, b.Territory) })
	return out
}

type flatPriceChange struct {
	StartDate    string      `json:"startDate"`
	Price        string      `json:"price,omitempty"`
	ManualPrices []flatPrice `json:"manualPrices"`
}

type flatProduct struct {
	ProductID                 string             `json:"productId"`
	ReferenceName             string             `json:"referenceName"`
	Kind                      string             `json:"kind"`
	State                     string             `json:"state"`
	Group                     string             `json:"group,omitempty"`
	Period                    string             `json:"period,omitempty"`
	GroupLevel                int                `json:"groupLevel,omitempty"`
	FamilySharable            bool               `json:"familySharable"`
	Localizations             []flatLocalization `json:"localizations"`
	AvailableInNewTerritories bool               `json:"availableInNewTerritories"`
	Territories               []string           `json:"territories"`
	BaseTerritory             string             `json:"baseTerritory,omitempty"`
	Price                     string             `json:"price,omitempty"`
	ManualPrices              []flatPrice        `json:"manualPrices"`
	PriceChanges              []flatPriceChange  `json:"priceChanges,omitempty"`
}

func getProduct(ctx context.Context, c *asc.Client, appRef, productID string) (actionResult, error) {
	app, err := resolveApp(ctx, c, appRef)
	if err != nil {
		return actionResult{}, err
	}
	p, _, err := products.Get(ctx, c, app, productID)
	if err != nil {
		return actionResult{}, productError(err)
	}
	return actionResult{one: productResource(p)}, nil
}

func productResource(p *products.Product) flatProductResource {
	out := flatProduct{State: p.State, Localizations: []flatLocalization{}, Territories: []string{}, ManualPrices: []flatPrice{}}
	var locs map[string]products.Localization
	var avail *products.Availability
	var price *products.Price
	var sharable *bool
	if iap := p.InAppPurchase; iap != nil {
		out.ProductID, out.ReferenceName, out.Kind = iap.ProductID, iap.ReferenceName, iap.Type
		locs, avail, price, sharable = iap.Localizations, iap.Availability, iap.Price, iap.FamilySharable
	} else if s := p.Subscription; s != nil {
		out.ProductID, out.ReferenceName, out.Kind, out.Period, out.GroupLevel = s.ProductID, s.ReferenceName, "AUTO_RENEWABLE_SUBSCRIPTION", s.Period, s.GroupLevel
		if p.Group != nil {
			out.Group = p.Group.ReferenceName
		}
		locs, avail, price, sharable = s.Localizations, s.Availability, s.Price, s.FamilySharable
	}
	out.FamilySharable = sharable != nil && *sharable
	for _, l := range sortedLocales(locs) {
		out.Localizations = append(out.Localizations, flatLocalization{Locale: l, Name: locs[l].Name, Description: locs[l].Description})
	}
	if avail != nil {
		out.AvailableInNewTerritories = avail.AvailableInNewTerritories
		if avail.Territories != nil {
			out.Territories = avail.Territories
		}
	}
	if price != nil {
		out.BaseTerritory, out.Price, out.ManualPrices = price.BaseTerritory, price.Price, flatPrices(price.Territories)
		for _, ch := range price.Changes {
			out.PriceChanges = append(out.PriceChanges, flatPriceChange{StartDate: ch.StartDate, Price: ch.Price, ManualPrices: flatPrices(ch.Territories)})
		}
	}
	return flatProductResource{ID: p.ID, Type: productType(out.Kind), Attributes: out}
}

func sortedLocales(m map[string]products.Localization) []string {
	return slices.Sorted(maps.Keys(m))
}

// productError answers what the products workflow refuses: an unknown product 404, a
// product id taken 409, a catalog problem (a price that is no price point) 400; App Store
// Connect's own refusals pass through.
// resolveApp finds the app a product action names by id or bundle id. A bundle id that no
// app of the key has is the client's mistake, answered 404, not a failure to reach App Store
// Connect.
func resolveApp(ctx context.Context, c *asc.Client, ref string) (string, error) {
	app, _, err := products.ResolveApp(ctx, c, ref)
	if err != nil && !fromUpstream(err) {
		return "", &bodyError{status: http.StatusNotFound, code: "NOT_FOUND", title: "No such app", detail: err.Error()}
	}
	return app, err
}

func productError(err error) error {
	var nf *products.NotFoundError
	var ex *products.ExistsError
	var ve *products.ValidationError
	switch {
	case errors.As(err, &nf):
		return &bodyError{status: http.StatusNotFound, code: "NOT_FOUND", title: "No such product", detail: err.Error()}
	case errors.As(err, &ex):
		return &bodyError{status: http.StatusConflict, code: "ENTITY_ERROR.ATTRIBUTE.INVALID.DUPLICATE", title: "The product exists", detail: err.Error()}
	case errors.As(err, &ve):
		return badInput(err, "ENTITY_ERROR.ATTRIBUTE.INVALID", "Invalid product", err.Error())
	}
	return err
}

// flatShape describes the flat object an action answers when it is not one of Apple's
// resource types, for the exported schema.
type flatShape struct {
	name, summary, description string
	props                      func() map[string]*schema
}

var productSummaryShape = &flatShape{name: "ProductSummaryFlat", summary: "Product", description: "An in-app purchase or subscription of an app", props: func() map[string]*schema {
	return map[string]*schema{
		"id":            field("string", "ID", "The App Store Connect id of the product."),
		"type":          field("string", "Type", "inAppPurchases or subscriptions."),
		"productId":     field("string", "Product ID", "The product ID the app asks the App Store for."),
		"referenceName": field("string", "Reference name", "The name App Store Connect shows."),
		"kind":          enumField("Kind", "CONSUMABLE, NON_CONSUMABLE, NON_RENEWING_SUBSCRIPTION or AUTO_RENEWABLE_SUBSCRIPTION.", append(products.ProductTypes(), "AUTO_RENEWABLE_SUBSCRIPTION")),
		"state":         field("string", "State", "The product's state, such as READY_TO_SUBMIT or APPROVED."),
		"group":         field("string", "Subscription group", "The reference name of a subscription's group."),
	}
}}

var productShape = &flatShape{name: "ProductFlat", summary: "Product with prices", description: "An in-app purchase or subscription with its localizations, territories and prices", props: func() map[string]*schema {
	props := productSummaryShape.props()
	prices := arrayOf("Manual prices", "Prices set by hand instead of the equalized ones.", &schema{Type: "object", Properties: map[string]*schema{
		"territory": field("string", "Territory", "The territory code, such as JPN."),
		"price":     field("string", "Price", "The customer price there."),
	}})
	props["period"] = enumField("Period", "How long each renewal lasts (subscriptions).", products.SubscriptionPeriods())
	props["groupLevel"] = field("integer", "Group level", "The subscription's level of service in its group; 1 is the highest.")
	props["familySharable"] = field("boolean", "Family sharing", "Whether the purchase is shared with the buyer's family.")
	props["localizations"] = arrayOf("Localizations", "The display name and description per locale.", &schema{Type: "object", Properties: map[string]*schema{
		"locale":      field("string", "Locale", "The locale, such as en-US."),
		"name":        field("string", "Display name", "The name customers see."),
		"description": field("string", "Description", "The description customers see."),
	}})
	props["availableInNewTerritories"] = field("boolean", "In new territories", "Whether the product goes on sale in territories Apple adds.")
	props["territories"] = arrayOf("Territories", "The territories the product is sold in.", &schema{Type: "string"})
	props["baseTerritory"] = field("string", "Base territory", "The territory whose price Apple equalizes to the others.")
	props["price"] = field("string", "Price", "Today's customer price in the base territory.")
	props["manualPrices"] = prices
	props["priceChanges"] = arrayOf("Price changes", "Scheduled price changes, each from its start date.", &schema{Type: "object", Properties: map[string]*schema{
		"startDate":    {Type: "string", Format: "date", Summary: "Start Date", Description: "The day the change takes effect."},
		"price":        field("string", "Price", "The base territory's new price."),
		"manualPrices": prices,
	}})
	return props
}}

func enumField(summary, description string, enum []string) *schema {
	s := field("string", summary, description)
	s.Enum = enum
	return s
}

// customFlat is the exported answer of an action with a flat shape of its own.
func (s *schemas) customFlat(f *flatShape, list bool) *schema {
	if _, ok := s.defs[f.name]; !ok {
		s.defs[f.name] = &schema{Type: "object", Summary: titleCase(f.summary), Description: sentence(f.description), Properties: f.props()}
	}
	if !list {
		return s.ref(f.name)
	}
	return flatListSchema(s.ref(f.name), "The "+f.summary+"s of this page.")
}
