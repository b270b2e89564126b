package products

import (
	"fmt"
	"image"
	_ "image/jpeg" // review screenshots may be JPEG
	_ "image/png"  // or PNG
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/workflow/internal/folder"
)

// ValidateOptions tune the offline checks.
type ValidateOptions struct {
	// Now is the time start dates are checked against; zero means time.Now.
	Now time.Time
	// Dir is the folder review screenshot paths are relative to (the catalog file's).
	Dir string
}

func (o ValidateOptions) today() string {
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	// Apple's dates have no zone; the day in UTC is the earliest any of its servers sees.
	return now.UTC().Format(time.DateOnly)
}

// Validate checks a catalog offline against Apple's limits and rules and returns every
// problem at once: text limits, product id syntax, enumerations (from Apple's spec), locale
// and territory codes, prices that are not decimal numbers, duplicate identifiers, group
// levels, start dates Apple refuses (in the past, out of order), offers whose mode and
// duration do not fit. Checks that need App Store Connect (a price that has no price point,
// a territory Apple does not know) are Check's.
func Validate(c *Catalog, opts ValidateOptions) []Problem {
	v := &validator{opts: opts, today: opts.today()}
	v.walk(reflect.ValueOf(c).Elem(), catalogShape, "")
	v.catalog(c)
	return v.problems
}

type validator struct {
	opts     ValidateOptions
	today    string
	problems []Problem
	// customCodes are the custom codes seen so far (upper case -> where), app-wide.
	customCodes map[string]string
}

func (v *validator) add(path, format string, a ...any) {
	v.problems = append(v.problems, Problem{Path: path, Message: fmt.Sprintf(format, a...)})
}

// walk applies the rules table to every field: required fields, text limits, patterns,
// enumerations, formats, bounds, and the codes used as map keys and list items.
func (v *validator) walk(val reflect.Value, s *shape, path string) {
	for val.Kind() == reflect.Pointer {
		if val.IsNil() {
			return
		}
		val = val.Elem()
	}
	switch s.kind {
	case "object":
		t := val.Type()
		for _, f := range s.fields {
			v.field(structField(val, t, f.json), f, rules[s.name+"."+f.json], join(path, f.json))
		}
	case "array":
		for i := range val.Len() {
			item := val.Index(i)
			v.walk(item, s.elem, path+"["+itemLabel(item, i)+"]")
		}
	case "map":
		for _, k := range sortedMapKeys(val) {
			v.walk(val.MapIndex(reflect.ValueOf(k)), s.elem, path+"["+k+"]")
		}
	}
}

func structField(val reflect.Value, t reflect.Type, jsonName string) reflect.Value {
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == jsonName {
			return val.Field(i)
		}
	}
	panic("products: no field " + jsonName + " in " + t.Name())
}

func (v *validator) field(fv reflect.Value, f *shapeField, r rule, path string) {
	present := true
	if fv.Kind() == reflect.Pointer {
		if fv.IsNil() {
			present = false
		} else {
			fv = fv.Elem()
		}
	}
	switch f.shape.kind {
	case "string":
		s := ""
		if present {
			s = fv.String()
		}
		if s == "" {
			if f.required {
				v.add(path, "required")
			}
			return
		}
		v.text(path, s, r)
	case "integer":
		n := int(fv.Int())
		if n == 0 {
			if f.required && r.min > 0 {
				v.add(path, "required; at least %d", r.min)
			}
			return
		}
		if r.min != 0 && n < r.min {
			v.add(path, "%d is less than %d", n, r.min)
		}
		if r.max != 0 && n > r.max {
			v.add(path, "%d is more than Apple allows (%d)", n, r.max)
		}
	case "array":
		if f.shape.elem.kind == "string" {
			if f.required && fv.Len() == 0 {
				v.add(path, "required; list at least one")
			}
			seen := map[string]bool{}
			for i := range fv.Len() {
				s := fv.Index(i).String()
				p := fmt.Sprintf("%s[%d]", path, i)
				if seen[s] {
					v.add(p, "%q is listed twice", s)
				}
				seen[s] = true
				switch {
				case r.items == "territory":
					v.territory(p, s)
				case len(r.enum) > 0 && !slices.Contains(r.enum, s):
					v.add(p, "%q is not one of %s", s, strings.Join(r.enum, ", "))
				}
			}
			return
		}
		v.walk(fv, f.shape, path)
	case "map":
		for _, k := range sortedMapKeys(fv) {
			kp := path + "[" + k + "]"
			switch r.keys {
			case "locale":
				if !isLocale(k) {
					v.add(kp, "unknown locale; use one of Apple's App Store locale codes (%s)", nearLocale(k))
				}
			case "territory":
				v.territory(kp, k)
			}
			if f.shape.elem.kind == "string" {
				v.text(kp, fv.MapIndex(reflect.ValueOf(k)).String(), r)
			}
		}
		if f.shape.elem.kind != "string" {
			v.walk(fv, f.shape, path)
		}
	case "object":
		if present {
			v.walk(fv, f.shape, path)
		}
	}
}

// text checks a string value against a rule (for maps of strings, the values).
func (v *validator) text(path, s string, r rule) {
	if !utf8.ValidString(s) {
		v.add(path, "not UTF-8 text")
		return
	}
	if r.maxChars > 0 {
		if n := utf8.RuneCountInString(s); n > r.maxChars {
			v.add(path, "%d characters, Apple allows at most %d", n, r.maxChars)
		}
	}
	if r.plain {
		if i := strings.IndexFunc(s, apple.IsControl); i >= 0 {
			c, _ := utf8.DecodeRuneInString(s[i:])
			v.add(path, "has a control character (%q at character %d); Apple refuses line breaks, tabs and other invisible characters here", c, utf8.RuneCountInString(s[:i])+1)
		}
	}
	if strings.TrimSpace(s) != s && r.format == "" && r.pattern == nil {
		v.add(path, "starts or ends with white space, which App Store Connect strips")
	}
	switch {
	case len(r.enum) > 0:
		if !slices.Contains(r.enum, s) {
			v.add(path, "%q is not one of %s", s, strings.Join(r.enum, ", "))
		}
	case r.pattern == territoryPattern:
		v.territory(path, s)
	case r.pattern != nil && !r.pattern.MatchString(s):
		v.add(path, "%q has characters Apple does not allow here (%s)", s, patternHelp(r.pattern))
	}
	switch r.format {
	case "price":
		if !pricePattern.MatchString(s) {
			v.add(path, "%q is not a price; write the customer price as a decimal string such as \"0.99\" or \"160\"", s)
		}
	case "date":
		v.date(path, s, false)
	case "future-date":
		v.date(path, s, true)
	}
}

func patternHelp(p interface{ String() string }) string {
	switch p.String() {
	case productIDPattern.String(): // offerIDPattern too
		return "letters, digits, hyphens, periods and underscores"
	}
	return p.String()
}

func (v *validator) territory(path, code string) {
	if !territoryPattern.MatchString(code) {
		v.add(path, "%q is not a territory code; App Store Connect uses ISO 3166-1 alpha-3 codes such as USA, GBR, JPN", code)
	}
}

// date checks a YYYY-MM-DD date; a future one must not be in the past.
func (v *validator) date(path, s string, future bool) bool {
	if !datePattern.MatchString(s) {
		v.add(path, "%q is not a date; write YYYY-MM-DD", s)
		return false
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		v.add(path, "%q is not a day of the calendar", s)
		return false
	}
	if future && s < v.today {
		// Apple: 409 ENTITY_ERROR.INVALID_START_DATE "Interval can not have a start date in the past".
		v.add(path, "%s is in the past (today is %s); Apple refuses dates in the past", s, v.today)
		return false
	}
	return true
}

func itemLabel(item reflect.Value, i int) string {
	for item.Kind() == reflect.Pointer {
		if item.IsNil() {
			return fmt.Sprint(i)
		}
		item = item.Elem()
	}
	if item.Kind() == reflect.Struct {
		for _, name := range []string{"ProductID", "OfferCode", "OfferID", "ReferenceName", "StartDate"} {
			if f := item.FieldByName(name); f.IsValid() && f.Kind() == reflect.String && f.String() != "" {
				return f.String()
			}
		}
	}
	return fmt.Sprint(i)
}

func sortedMapKeys(m reflect.Value) []string {
	keys := make([]string, 0, m.Len())
	for _, k := range m.MapKeys() {
		keys = append(keys, k.String())
	}
	slices.Sort(keys)
	return keys
}

func nearLocale(name string) string {
	lower := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	var near []string
	lang, _, _ := strings.Cut(lower, "-")
	for _, l := range localeList() {
		if strings.ToLower(l) == lower {
			return "did you mean " + l
		}
		if ll, _, _ := strings.Cut(strings.ToLower(l), "-"); ll == lang {
			near = append(near, l)
		}
	}
	if len(near) > 0 {
		return "did you mean " + strings.Join(near, " or ")
	}
	return "en-US, de-DE, ja, ..."
}

// catalog checks the rules that span fields: unique identifiers, group levels, schedules,
// offers, screenshots.
func (v *validator) catalog(c *Catalog) {
	products := map[string]string{}
	claim := func(path, id string) {
		if id == "" {
			return
		}
		if first, dup := products[id]; dup {
			v.add(path, "product id %s is already used by %s; product ids are unique across an app's in-app purchases and subscriptions", id, first)
			return
		}
		products[id] = path
	}
	for i, p := range c.InAppPurchases {
		if p == nil {
			continue
		}
		path := fmt.Sprintf("inAppPurchases[%s]", labelOr(p.ProductID, i))
		claim(path, p.ProductID)
		v.screenshot(path+".reviewScreenshot", p.ReviewScreenshot)
		v.availability(path+".availability", p.Availability)
		v.price(path+".price", p.Price, false)
	}
	groups := map[string]bool{}
	for gi, g := range c.SubscriptionGroups {
		if g == nil {
			continue
		}
		gpath := fmt.Sprintf("subscriptionGroups[%s]", labelOr(g.ReferenceName, gi))
		if groups[g.ReferenceName] && g.ReferenceName != "" {
			v.add(gpath+".referenceName", "%q names two groups; group reference names are unique in an app", g.ReferenceName)
		}
		groups[g.ReferenceName] = true
		// Several subscriptions may share a level (the same service for different periods):
		// Apple allows any number on each level.
		for si, s := range g.Subscriptions {
			if s == nil {
				continue
			}
			path := fmt.Sprintf("%s.subscriptions[%s]", gpath, labelOr(s.ProductID, si))
			claim(path, s.ProductID)
			v.screenshot(path+".reviewScreenshot", s.ReviewScreenshot)
			v.availability(path+".availability", s.Availability)
			v.price(path+".price", s.Price, true)
			v.offers(path, s)
		}
	}
}

func labelOr(id string, i int) string {
	if id != "" {
		return id
	}
	return fmt.Sprint(i)
}

func (v *validator) screenshot(path string, file *string) {
	if file == nil || *file == "" {
		return
	}
	p := *file
	if !filepath.IsAbs(p) {
		p = filepath.Join(v.opts.Dir, filepath.FromSlash(p))
	}
	// Only the image's header is read: a review screenshot is read whole when it is uploaded.
	f, err := folder.Open(p) // a folder, pipe or device is refused before it is opened
	if err != nil {
		v.add(path, "cannot read %s: %v", *file, unwrapPathError(err))
		return
	}
	defer f.Close()
	if _, format, err := image.DecodeConfig(f); err != nil || (format != "png" && format != "jpeg") {
		v.add(path, "%s is not a PNG or JPEG image", *file)
	}
}

func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

func (v *validator) availability(path string, a *Availability) {
	if a == nil {
		return
	}
	if a.AllTerritories && len(a.Territories) > 0 {
		v.add(path, "give allTerritories or territories, not both")
	}
	if !a.AllTerritories && len(a.Territories) == 0 && !a.AvailableInNewTerritories {
		v.add(path+".territories", "no territory: the product would be sold nowhere; list territories or set allTerritories")
	}
}

// price checks a schedule as Apple does before it answers 409 ENTITY_ERROR.INVALID_START_DATE:
// the base territory has a price today (the timeline is covered from now), each change starts
// on a later day than the previous one and not in the past, and says what it changes.
func (v *validator) price(path string, p *Price, subscription bool) {
	if p == nil {
		return
	}
	if _, ok := p.Territories[p.BaseTerritory]; ok && p.BaseTerritory != "" {
		v.add(path+".territories["+p.BaseTerritory+"]", "the base territory's price is price; remove it from territories")
	}
	prev := ""
	for i, ch := range p.Changes {
		if ch == nil {
			continue
		}
		cp := fmt.Sprintf("%s.changes[%s]", path, labelOr(ch.StartDate, i))
		if ch.StartDate != "" && prev != "" && ch.StartDate <= prev {
			v.add(cp+".startDate", "%s is not after the previous change (%s); list changes in date order, one per day at most", ch.StartDate, prev)
		}
		if ch.StartDate != "" {
			prev = ch.StartDate
		}
		if ch.Price == "" && len(ch.Territories) == 0 {
			v.add(cp, "changes nothing; give price or territories")
		}
		if _, ok := ch.Territories[p.BaseTerritory]; ok && p.BaseTerritory != "" {
			v.add(cp+".territories["+p.BaseTerritory+"]", "the base territory's new price is price; remove it from territories")
		}
		if ch.PreserveCurrentPrice && !subscription {
			v.add(cp+".preserveCurrentPrice", "only subscriptions keep existing subscribers on their price")
		}
	}
}

func (v *validator) offers(path string, s *Subscription) {
	type span struct{ start, end, label string }
	spans := map[string][]span{}
	for i, o := range s.IntroductoryOffers {
		if o == nil {
			continue
		}
		op := fmt.Sprintf("%s.introductoryOffers[%d]", path, i)
		v.offerTerms(op, o.Mode, o.Duration, o.Periods, o.Price, s.Period)
		if o.StartDate != "" && o.EndDate != "" && o.EndDate <= o.StartDate {
			v.add(op+".endDate", "%s is not after the start date %s", o.EndDate, o.StartDate)
		}
		territories := o.Territories
		if territories == nil {
			territories = []string{"*"}
		}
		for _, t := range territories {
			for _, other := range spans[t] {
				if overlaps(o.StartDate, o.EndDate, other.start, other.end) {
					where := "in " + t
					if t == "*" {
						where = "in the same territories"
					}
					v.add(op, "overlaps %s %s; a territory has one introductory offer at a time", other.label, where)
				}
			}
			spans[t] = append(spans[t], span{o.StartDate, o.EndDate, fmt.Sprintf("introductoryOffers[%d]", i)})
		}
	}
	if len(s.PromotionalOffers) > MaxPromotionalOffers {
		v.add(path+".promotionalOffers", "%d offers; Apple allows at most %d active promotional offers per subscription", len(s.PromotionalOffers), MaxPromotionalOffers)
	}
	codes := map[string]bool{}
	for i, o := range s.PromotionalOffers {
		if o == nil {
			continue
		}
		op := fmt.Sprintf("%s.promotionalOffers[%s]", path, labelOr(o.OfferCode, i))
		if codes[o.OfferCode] && o.OfferCode != "" {
			v.add(op+".offerCode", "%q names two promotional offers of this subscription", o.OfferCode)
		}
		codes[o.OfferCode] = true
		v.offerTerms(op, o.Mode, o.Duration, o.Periods, o.Price, s.Period)
	}
	names := map[string]bool{}
	for i, o := range s.OfferCodes {
		if o == nil {
			continue
		}
		op := fmt.Sprintf("%s.offerCodes[%s]", path, labelOr(o.ReferenceName, i))
		if names[o.ReferenceName] && o.ReferenceName != "" {
			v.add(op+".referenceName", "%q names two offer codes of this subscription", o.ReferenceName)
		}
		names[o.ReferenceName] = true
		v.offerTerms(op, o.Mode, o.Duration, o.Periods, o.Price, s.Period)
		v.codes(op, o)
	}
	ids := map[string]bool{}
	for i, o := range s.WinBackOffers {
		if o == nil {
			continue
		}
		op := fmt.Sprintf("%s.winBackOffers[%s]", path, labelOr(o.OfferID, i))
		if ids[o.OfferID] && o.OfferID != "" {
			v.add(op+".offerId", "%q names two win-back offers of this subscription", o.OfferID)
		}
		ids[o.OfferID] = true
		v.offerTerms(op, o.Mode, o.Duration, o.Periods, o.Price, s.Period)
		if o.LapsedMaxMonths != 0 && o.LapsedMaxMonths < o.LapsedMinMonths {
			v.add(op+".lapsedMaxMonths", "%d is less than lapsedMinMonths (%d)", o.LapsedMaxMonths, o.LapsedMinMonths)
		}
		if o.StartDate != "" && o.EndDate != "" && o.EndDate <= o.StartDate {
			v.add(op+".endDate", "%s is not after the start date %s", o.EndDate, o.StartDate)
		}
	}
}

// codes checks an offer code's custom codes and batches: a custom code is unique in the app
// (Apple compares them without case), and one-time use codes expire at most
// MaxOneTimeUseCodeMonths after they are made, so never later than that from today.
func (v *validator) codes(path string, o *OfferCode) {
	if v.customCodes == nil {
		v.customCodes = map[string]string{}
	}
	for _, c := range o.CustomCodes {
		if c == nil || c.Code == "" {
			continue
		}
		cp := path + ".customCodes[" + c.Code + "]"
		key := strings.ToUpper(c.Code)
		if other, dup := v.customCodes[key]; dup {
			v.add(cp, "%q is used by %s too; custom codes are unique in an app", c.Code, other)
			continue
		}
		v.customCodes[key] = cp
	}
	latest, err := time.Parse(time.DateOnly, v.today)
	if err != nil {
		return
	}
	limit := latest.AddDate(0, MaxOneTimeUseCodeMonths, 0).Format(time.DateOnly)
	for i, b := range o.OneTimeUseCodes {
		if b != nil && datePattern.MatchString(b.ExpirationDate) && b.ExpirationDate > limit {
			v.add(fmt.Sprintf("%s.oneTimeUseCodes[%d].expirationDate", path, i), "%s is more than %d months away; one-time use codes expire by %s at the latest", b.ExpirationDate, MaxOneTimeUseCodeMonths, limit)
		}
	}
}

// offerTerms checks what Apple requires of an offer's mode, duration, periods and price.
func (v *validator) offerTerms(path, mode, duration string, periods int, price *OfferPrice, period string) {
	switch mode {
	case "FREE_TRIAL":
		if price != nil {
			v.add(path+".price", "a free trial has no price; remove it")
		}
		if periods > 1 {
			v.add(path+".periods", "a free trial runs for one duration; use a longer duration instead")
		}
	case "PAY_UP_FRONT":
		if price == nil {
			v.add(path+".price", "required for %s", mode)
		}
		if periods > 1 {
			v.add(path+".periods", "paying up front is one payment for the duration; use a longer duration instead")
		}
	case "PAY_AS_YOU_GO":
		if price == nil {
			v.add(path+".price", "required for %s", mode)
		}
		if period != "" && duration != "" && duration != period {
			v.add(path+".duration", "%s: paying as you go is priced per billing period, so the duration is the subscription's period (%s) and periods says how many", duration, period)
		}
	}
	if price != nil {
		if _, ok := price.Territories[price.BaseTerritory]; ok && price.BaseTerritory != "" {
			v.add(path+".price.territories["+price.BaseTerritory+"]", "the base territory's offer price is price; remove it from territories")
		}
	}
}

// overlaps reports whether two date ranges (empty start: now, empty end: open) share a day.
func overlaps(aStart, aEnd, bStart, bEnd string) bool {
	beforeEnd := func(start, end string) bool { return end == "" || start <= end }
	return beforeEnd(aStart, bEnd) && beforeEnd(bStart, aEnd)
}
