package products_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/workflow/products"
)

// pick is one of the values, at random.
func pick[T any](r *rand.Rand, vs ...T) T { return vs[r.IntN(len(vs))] }

// text is a string of n characters, some of them beyond ASCII (Apple counts characters).
func text(r *rand.Rand, n int) string {
	if n <= 0 {
		return ""
	}
	var b strings.Builder
	for i := range n {
		c := pick(r, 'a', 'Z', ' ', 'é', 'ß', '日', '9', rune('a'+i%26))
		if c == ' ' && (i == 0 || i == n-1) {
			c = 'x' // App Store Connect strips white space at the ends
		}
		b.WriteRune(c)
	}
	return b.String()
}

// upTo is a length at or just under a limit, or a short one.
func upTo(r *rand.Rand, limit int) int { return pick(r, 1, 5, limit-1, limit) }

// randomCatalog is a catalog of one to three in-app purchases and up to one subscription
// group, its values drawn from what Apple accepts, at its limits included.
func randomCatalog(r *rand.Rand, n int, future string) *products.Catalog {
	c := &products.Catalog{}
	locales := func() map[string]products.Localization {
		m := map[string]products.Localization{}
		for range 1 + r.IntN(2) {
			m[pick(r, "en-US", "de-DE", "ja", "pt-BR", "en-US")] = products.Localization{
				Name:        text(r, upTo(r, products.MaxDisplayName)),
				Description: text(r, pick(r, 0, upTo(r, products.MaxDescription))),
			}
		}
		return m
	}
	price := func() *products.Price {
		p := &products.Price{BaseTerritory: "USA", Price: pick(r, "0.99", "4.99", "1.99")}
		if r.IntN(4) == 0 {
			p.BaseTerritory, p.Price = "JPN", pick(r, "150", "190")
		}
		if r.IntN(3) == 0 {
			p.Territories = map[string]string{"GBR": pick(r, "0.99", "1.19")}
		}
		if r.IntN(3) == 0 {
			p.Changes = []*products.PriceChange{{StartDate: future, Price: p.Price}}
		}
		return p
	}
	availability := func() *products.Availability {
		switch r.IntN(3) {
		case 0:
			return nil
		case 1:
			return &products.Availability{AvailableInNewTerritories: true, AllTerritories: true}
		}
		return &products.Availability{Territories: pick(r, []string{"USA"}, []string{"GBR", "JPN", "USA"})}
	}
	for i := range 1 + r.IntN(3) {
		p := &products.InAppPurchase{
			ProductID:     pick(r, fmt.Sprintf("com.example.p%d.%d", n, i), fmt.Sprintf("p_%d_%d", n, i)),
			ReferenceName: text(r, upTo(r, products.MaxReferenceName)),
			Type:          pick(r, "CONSUMABLE", "NON_CONSUMABLE", "NON_RENEWING_SUBSCRIPTION"),
			Localizations: locales(),
			Availability:  availability(),
		}
		if r.IntN(4) > 0 {
			p.Price = price()
		}
		if r.IntN(3) == 0 {
			note := text(r, upTo(r, products.MaxReviewNote))
			p.ReviewNote = &note
		}
		c.InAppPurchases = append(c.InAppPurchases, p)
	}
	if r.IntN(2) == 0 {
		g := &products.SubscriptionGroup{ReferenceName: text(r, upTo(r, products.MaxReferenceName)),
			Localizations: map[string]products.GroupLocalization{"en-US": {Name: text(r, upTo(r, products.MaxGroupDisplayName))}}}
		for i := range 1 + r.IntN(2) {
			s := &products.Subscription{
				ProductID:     fmt.Sprintf("com.example.s%d.%d", n, i),
				ReferenceName: text(r, upTo(r, products.MaxReferenceName)),
				Period:        pick(r, "ONE_MONTH", "ONE_YEAR", "ONE_WEEK"),
				GroupLevel:    pick(r, i+1, 1), // several on one level, as Apple allows
				Localizations: locales(),
				Availability:  availability(),
			}
			if r.IntN(4) > 0 {
				s.Price = price()
			}
			if s.Price != nil && r.IntN(2) == 0 {
				o := &products.IntroductoryOffer{Mode: pick(r, "FREE_TRIAL", "PAY_AS_YOU_GO", "PAY_UP_FRONT"), Duration: pick(r, "ONE_WEEK", "ONE_MONTH", "THREE_DAYS")}
				switch o.Mode {
				case "PAY_AS_YOU_GO":
					o.Duration = s.Period
					o.Periods = pick(r, 1, 3, products.MaxIntroPeriods)
					o.Price = &products.OfferPrice{BaseTerritory: s.Price.BaseTerritory, Price: s.Price.Price}
				case "PAY_UP_FRONT":
					o.Price = &products.OfferPrice{BaseTerritory: s.Price.BaseTerritory, Price: s.Price.Price}
				}
				s.IntroductoryOffers = []*products.IntroductoryOffer{o}
			}
			g.Subscriptions = append(g.Subscriptions, s)
		}
		c.SubscriptionGroups = append(c.SubscriptionGroups, g)
	}
	return c
}

// spoil changes one value of the catalog to one Apple refuses, the k-th kind of 17 (an
// in-app purchase's when the catalog has no subscription), and says which.
func spoil(r *rand.Rand, c *products.Catalog, k int) string {
	k %= 17
	p := c.InAppPurchases[r.IntN(len(c.InAppPurchases))]
	loc := func(m map[string]products.Localization) string {
		for k := range m {
			return k
		}
		return ""
	}
	if len(c.SubscriptionGroups) > 0 && k >= 12 {
		g := c.SubscriptionGroups[0]
		sub := g.Subscriptions[r.IntN(len(g.Subscriptions))]
		switch k - 12 {
		case 0:
			sub.Period = "MONTHLY"
			return "an unknown period"
		case 1:
			sub.ReferenceName = text(r, products.MaxReferenceName+1)
			return "a subscription's reference name over the limit"
		case 2:
			sub.Price = &products.Price{BaseTerritory: "USA", Price: "0.99"}
			sub.IntroductoryOffers = []*products.IntroductoryOffer{{Mode: "PAY_AS_YOU_GO", Duration: sub.Period, Periods: products.MaxIntroPeriods + 1, Price: &products.OfferPrice{BaseTerritory: "USA", Price: "0.99"}}}
			return "an introductory offer of too many periods"
		case 3:
			sub.Price = &products.Price{BaseTerritory: "USA", Price: "0.99"}
			sub.IntroductoryOffers = []*products.IntroductoryOffer{{Mode: "FREE_TRIAL", Duration: "ONE_WEEK", Price: &products.OfferPrice{BaseTerritory: "USA", Price: "0.99"}}}
			return "a free trial with a price"
		default:
			g.Localizations["en-US"] = products.GroupLocalization{Name: text(r, products.MaxGroupDisplayName+1)}
			return "a group display name over the limit"
		}
	}
	switch k % 12 {
	case 0:
		p.ProductID += " x"
		return "a product id with a space"
	case 1:
		p.ProductID = strings.Repeat("a", products.MaxProductID+1)
		return "a product id over the limit"
	case 2:
		p.ReferenceName = text(r, products.MaxReferenceName+1)
		return "a reference name over the limit"
	case 3:
		k := loc(p.Localizations)
		p.Localizations[k] = products.Localization{Name: text(r, products.MaxDisplayName+1)}
		return "a display name over the limit"
	case 4:
		k := loc(p.Localizations)
		p.Localizations[k] = products.Localization{Name: "x", Description: text(r, products.MaxDescription+1)}
		return "a description over the limit"
	case 5:
		p.Localizations["zz-ZZ"] = products.Localization{Name: "x"}
		return "an unknown locale"
	case 6:
		p.Type = "AUTO"
		return "an unknown type"
	case 7:
		p.Price = &products.Price{BaseTerritory: "USA", Price: pick(r, "-1", "abc", "1,99")}
		return "a price that is no number"
	case 8:
		p.Price = &products.Price{BaseTerritory: pick(r, "usa", "US"), Price: "0.99"}
		return "a territory code"
	case 9:
		p.Availability = &products.Availability{Territories: []string{"USA", "USA"}}
		return "a territory twice"
	case 10:
		p.Price = &products.Price{BaseTerritory: "USA", Price: "0.99", Changes: []*products.PriceChange{{StartDate: pick(r, "2020-01-01", "2030-02-30"), Price: "1.99"}}}
		return "a change date in the past or no date"
	default:
		note := text(r, products.MaxReviewNote+1)
		p.ReviewNote = &note
		return "a review note over the limit"
	}
}

// TestValidatedCatalogsPush draws catalogs from values Apple accepts, at its limits
// included, and spoils every second one with one value Apple refuses (fixed seeds, 60
// catalogs, each against a fresh sandbox). The validation refuses every spoiled catalog, and
// Push then writes nothing; what the validation passes, the sandbox (Apple's rules) takes:
// the push succeeds, a second push changes nothing, and pull then push changes nothing.
func TestValidatedCatalogsPush(t *testing.T) {
	t.Parallel()
	future := time.Now().UTC().AddDate(0, 2, 0).Format(time.DateOnly)
	var passed, refused int
	kinds := map[string]int{}
	for n := range 60 {
		r := rand.New(rand.NewPCG(uint64(n), 20261204))
		cat := randomCatalog(r, n, future)
		spoiled := ""
		if n%2 == 1 {
			spoiled = spoil(r, cat, n/2)
			kinds[spoiled]++
		}
		problems := products.Validate(cat, products.ValidateOptions{})
		sb, c := startSandbox(t, sandbox.Options{})
		app := demoApp(t, c)
		file := filepath.Join(t.TempDir(), "products.json")
		if _, err := products.Write(file, cat); err != nil {
			t.Fatal(err)
		}
		before := writes(t, sb)
		_, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{})
		if spoiled != "" && len(problems) == 0 {
			t.Errorf("catalog %d has %s, and validation passed it", n, spoiled)
		}
		if spoiled == "" && len(problems) > 0 {
			t.Errorf("catalog %d is drawn from accepted values, and validation refused it: %v", n, problems)
		}
		if len(problems) > 0 {
			refused++
			if err == nil || writes(t, sb) != before {
				t.Errorf("catalog %d: %d problems (%v) but Push gave %v after %d writes", n, len(problems), problems[0], err, writes(t, sb)-before)
			}
			sb.Close()
			continue
		}
		passed++
		if err != nil {
			b, _ := products.Marshal(cat)
			t.Errorf("catalog %d passed validation, but the push failed: %v\n%.3000s", n, err, b)
			sb.Close()
			continue
		}
		if p, _, err := products.Push(t.Context(), c, app, file, products.ApplyOptions{}); err != nil || len(p.Ops) != 0 {
			t.Errorf("catalog %d: a second push: %v, %d ops %v", n, err, len(p.Ops), p.Changes)
		}
		pulled := filepath.Join(t.TempDir(), "pulled.json")
		if _, err := products.Pull(t.Context(), c, app, pulled); err != nil {
			t.Errorf("catalog %d: pull after the push: %v", n, err)
		} else if p, _, err := products.Push(t.Context(), c, app, pulled, products.ApplyOptions{}); err != nil || len(p.Ops) != 0 {
			t.Errorf("catalog %d: pushing what pull wrote: %v, %d ops %v", n, err, len(p.Ops), p.Changes)
		}
		sb.Close()
	}
	t.Logf("%d catalogs passed validation and pushed, %d refused; spoiled with %d kinds of value: %v", passed, refused, len(kinds), kinds)
}
