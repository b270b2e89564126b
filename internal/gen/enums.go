package main

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
)

// Enumerations. A named string schema with an enum (Platform, AppStoreVersionState) is a Go
// type of the same name. An enum written inline in a property is declared once per field
// name and value set, wherever it occurs: a response's attributes, the create and update
// requests, a query filter (AppStoreVersionAttributes.releaseType, the create and the update
// request's all share AppStoreVersionReleaseType). Its name is the domain's, not the
// schema's: the resource the owners share plus the field (see enumGroupName).
//
// Names are decided once every occurrence is known: while types are generated an inline
// enum is a placeholder type, and resolveEnums renames every placeholder at the end.

// enumGroup is one inline enum: a field name and a value set, with every owner it occurs in.
type enumGroup struct {
	field       string   // Go name of the property: ReleaseType
	values      []string // in the order of the first occurrence
	owners      []string // Go owner types, in order of occurrence
	fromFilter  string   // for a group only query filters use: the service's resource name
	placeholder string
	name        string
}

const enumPlaceholderPrefix = "zzInlineEnum"

var enumPlaceholder = regexp.MustCompile(enumPlaceholderPrefix + `[0-9]{4}`)

func enumKey(field string, values []string) string {
	sorted := slices.Sorted(slices.Values(values))
	return field + "|" + strings.Join(sorted, "\x00")
}

// inlineEnum returns the (placeholder) type of an inline enum of owner's property prop.
func (g *typeGen) inlineEnum(owner, prop string, values []string) string {
	field := goName(prop)
	key := enumKey(field, values)
	grp, ok := g.enumGroups[key]
	if !ok {
		grp = &enumGroup{field: field, values: values, placeholder: fmt.Sprintf("%s%04d", enumPlaceholderPrefix, len(g.enumOrder))}
		g.enumGroups[key] = grp
		g.enumOrder = append(g.enumOrder, grp)
		// Registered as a string type so kindOf classifies fields of it until it is named.
		g.decls[grp.placeholder] = &decl{name: grp.placeholder, src: "type " + grp.placeholder + " string\n"}
	}
	if !slices.Contains(grp.owners, owner) {
		grp.owners = append(grp.owners, owner)
	}
	return grp.placeholder
}

// filterEnum returns the type of a query filter's values: the inline enum of the same field
// and values, else the named enum with the same values (filter[platform] is []Platform),
// else the one inline enum with the same values, else a new enum named for the service's
// resource (SalesReportFrequency).
func (g *typeGen) filterEnum(resource, prop string, values []string) string {
	field := goName(prop)
	if grp, ok := g.enumGroups[enumKey(field, values)]; ok {
		return grp.placeholder
	}
	want := enumKey("", values)
	var named []string
	for _, name := range g.doc.Components.Schemas.Keys {
		s := g.doc.Components.Schemas.Values[name]
		if s.Type == "string" && len(s.Enum) > 0 && enumKey("", s.Enum) == want {
			named = append(named, name)
		}
	}
	if len(named) > 0 {
		pick := named[0]
		for _, n := range named {
			if strings.HasSuffix(n, field) {
				pick = n
				break
			}
		}
		return g.named(pick)
	}
	var same []*enumGroup
	for _, grp := range g.enumOrder {
		if enumKey("", grp.values) == want {
			same = append(same, grp)
		}
	}
	if len(same) == 1 {
		return same[0].placeholder
	}
	t := g.inlineEnum("", prop, values)
	g.enumGroups[enumKey(field, values)].fromFilter = resource
	return t
}

// ownerMarkers are the words of a generated owner type that say where in a document a field
// sits, not what it is: AppStoreVersionCreateRequestAttributes is about an AppStoreVersion.
var ownerMarkers = []string{"CreateRequest", "UpdateRequest", "InlineCreate", "Attributes", "Data", "V1MetricResponse", "Dimensions"}

// ownerResource is the resource an owner type is about, with the place markers and a
// version suffix dropped: GameCenterLeaderboardV2CreateRequestAttributes -> GameCenterLeaderboard;
// a nested object keeps its path: AppClipAdvancedExperienceAttributesPlace ->
// AppClipAdvancedExperiencePlace.
func ownerResource(owner string) string {
	ws := words(owner)
	var head, tail []string
	marked := false
	for i := 0; i < len(ws); {
		hit := ""
		for _, m := range ownerMarkers {
			mw := words(m)
			if i+len(mw) <= len(ws) && slices.Equal(ws[i:i+len(mw)], mw) {
				hit = m
				i += len(mw)
				break
			}
		}
		if hit != "" {
			marked = true
			continue
		}
		if marked {
			tail = append(tail, ws[i])
		} else {
			head = append(head, ws[i])
		}
		i++
	}
	return stripVersion(strings.Join(head, "")) + strings.Join(tail, "")
}

// enumGroupName is the domain name of an inline enum: the resource its owners share plus
// the field, without saying a word twice (Profile + ProfileType -> ProfileType). Owners of
// several resources share their common last words (InAppPurchaseLocalization and
// SubscriptionLocalization: LocalizationState) or else their first (GameCenterMatchmaking...),
// and with nothing in common the field alone names it (Priority).
func enumGroupName(grp *enumGroup) string {
	var resources []string
	for _, o := range grp.owners {
		if o == "" {
			continue
		}
		if r := ownerResource(o); !slices.Contains(resources, r) {
			resources = append(resources, r)
		}
	}
	if len(resources) == 0 && grp.fromFilter != "" {
		resources = []string{grp.fromFilter}
	}
	affix := ""
	switch len(resources) {
	case 0:
	case 1:
		affix = resources[0]
	default:
		affix = commonWords(resources)
	}
	return joinWords(affix, grp.field)
}

// commonWords returns the words all names begin with followed by those they all end with:
// GameCenterMatchmakingAppRequestsResult and GameCenterMatchmakingQueueRequestsResult share
// GameCenterMatchmakingRequestsResult, InAppPurchaseLocalization and SubscriptionLocalization
// share Localization.
func commonWords(names []string) string {
	first := words(names[0])
	pre, suf := len(first), len(first)
	for _, n := range names[1:] {
		ws := words(n)
		k := 0
		for k < pre && k < len(ws) && first[k] == ws[k] {
			k++
		}
		pre = k
		k = 0
		for k < suf && k < len(ws) && first[len(first)-1-k] == ws[len(ws)-1-k] {
			k++
		}
		suf = k
	}
	if pre+suf > len(first) {
		suf = len(first) - pre
	}
	return strings.Join(first[:pre], "") + strings.Join(first[len(first)-suf:], "")
}

// joinWords appends b to a, dropping the words of b's start that a already ends with.
func joinWords(a, b string) string {
	aw, bw := words(a), words(b)
	for k := min(len(aw), len(bw)-1); k > 0; k-- {
		if slices.Equal(aw[len(aw)-k:], bw[:k]) {
			return a + strings.Join(bw[k:], "")
		}
	}
	return a + b
}

// resolveEnums names every inline enum, declares it and rewrites the placeholders in every
// declaration. A domain name already taken (by a schema or an earlier group, in order of
// first occurrence) falls back to the first owner's resource plus the field, then to the
// first owner plus the field, then gains a number. reserved are the hand-written names of
// package asc.
func (g *typeGen) resolveEnums(reserved map[string]bool) func(string) string {
	taken := maps.Clone(reserved)
	for n := range g.decls {
		if !strings.HasPrefix(n, enumPlaceholderPrefix) {
			taken[n] = true
		}
	}
	byPlaceholder := map[string]string{}
	for _, grp := range g.enumOrder {
		candidates := []string{enumGroupName(grp)}
		if len(grp.owners) > 0 && grp.owners[0] != "" {
			candidates = append(candidates, joinWords(ownerResource(grp.owners[0]), grp.field), grp.owners[0]+grp.field)
		}
		name := ""
		for _, c := range candidates {
			if !taken[c] {
				name = c
				break
			}
		}
		for i := 2; name == ""; i++ {
			if c := fmt.Sprintf("%s%d", candidates[0], i); !taken[c] {
				name = c
			}
		}
		taken[name] = true
		grp.name = name
		byPlaceholder[grp.placeholder] = name
		delete(g.decls, grp.placeholder)
		var where []string
		for _, o := range grp.owners {
			if o != "" {
				where = append(where, o+"."+grp.field)
			}
		}
		doc := fmt.Sprintf("%s lists the values of a query filter on %s.", name, grp.fromFilter)
		if len(where) > 0 {
			doc = fmt.Sprintf("%s lists the values of %s.", name, listWords(where))
		}
		g.enum(name, grp.values, doc)
	}
	replace := func(s string) string {
		return enumPlaceholder.ReplaceAllStringFunc(s, func(p string) string { return byPlaceholder[p] })
	}
	for _, d := range g.decls {
		d.src = replace(d.src)
	}
	return replace
}

// listWords joins a few names for a comment: "A, B and C", or "A, B and 3 more".
func listWords(ws []string) string {
	if len(ws) > 4 {
		ws = append(ws[:3:3], fmt.Sprintf("%d more", len(ws)-3))
	}
	if len(ws) == 1 {
		return ws[0]
	}
	return strings.Join(ws[:len(ws)-1], ", ") + " and " + ws[len(ws)-1]
}
