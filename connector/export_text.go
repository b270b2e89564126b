package connector

import (
	"fmt"
	"strings"
	"unicode"
)

// Text of the exported connector, written as Microsoft's connector guidelines ask:
// operation summaries in sentence case (at most 80 characters, no slash), x-ms-summary in
// Title Case, descriptions as sentences ending with a period, never the word "API", and
// operationIds in PascalCase.

// acronyms are spelled out in upper case wherever a name's words are shown.
var acronyms = map[string]string{
	"id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs", "uri": "URI", "sku": "SKU", "ci": "CI",
	"eula": "EULA", "iap": "IAP", "json": "JSON", "http": "HTTP", "https": "HTTPS", "csv": "CSV",
	"ios": "iOS", "macos": "macOS", "tvos": "tvOS", "visionos": "visionOS", "watchos": "watchOS",
	"idfa": "IDFA", "ipad": "iPad", "iphone": "iPhone", "imessage": "iMessage", "sms": "SMS", "pdf": "PDF",
}

// properNouns are word runs that stay capitalized in sentence case.
var properNouns = [][2]string{
	{"app store connect", "App Store Connect"}, {"app store", "App Store"}, {"game center", "Game Center"},
	{"test flight", "TestFlight"}, {"xcode cloud", "Xcode Cloud"}, {"xcode", "Xcode"}, {"apple", "Apple"},
	{"in app", "in-app"},
}

// minorWords stay lower case inside a Title Case phrase.
var minorWords = map[string]bool{
	"a": true, "an": true, "the": true, "and": true, "or": true, "nor": true, "of": true, "to": true, "in": true,
	"on": true, "at": true, "by": true, "for": true, "from": true, "with": true, "as": true, "per": true, "vs": true,
}

// words splits a camelCase name into lower-case words, acronyms and proper nouns spelled as
// they are written: "appStoreVersionLocalizations" -> "App Store version localizations",
// "bundleId" -> "bundle ID".
func words(s string) string {
	var b strings.Builder
	prev := rune(0)
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) && !unicode.IsUpper(prev) {
			b.WriteByte(' ')
		}
		if r == '_' || r == '.' || r == '-' {
			r = ' '
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	return fixWords(b.String())
}

// fixWords spells acronyms and proper nouns in a lower-case phrase.
func fixWords(s string) string {
	parts := strings.Fields(s)
	for i, w := range parts {
		if a, ok := acronyms[w]; ok {
			parts[i] = a
		}
	}
	s = " " + strings.Join(parts, " ") + " "
	for _, pn := range properNouns {
		s = strings.ReplaceAll(s, " "+pn[0]+" ", " "+pn[1]+" ")
	}
	return strings.TrimSpace(s)
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	if unicode.IsLower(r[0]) && !startsWithBrand(s) {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// startsWithBrand reports words written with a lower-case first letter (iOS, iPad).
func startsWithBrand(w string) bool {
	for _, a := range acronyms {
		if strings.HasPrefix(w, a) && unicode.IsLower([]rune(a)[0]) {
			return true
		}
	}
	return false
}

// titleCase writes a phrase in Title Case: every word capitalized except minor words inside
// the phrase ("Filter by Bundle ID", "Fields of App Infos").
func titleCase(s string) string {
	parts := strings.Fields(s)
	for i, w := range parts {
		lw := strings.ToLower(w)
		switch {
		case i > 0 && i < len(parts)-1 && minorWords[lw]:
			parts[i] = lw
		case acronyms[lw] != "":
			parts[i] = acronyms[lw]
		default:
			sub := strings.Split(w, "-")
			for j := range sub {
				sub[j] = capitalize(sub[j])
			}
			parts[i] = strings.Join(sub, "-")
		}
	}
	return strings.Join(parts, " ")
}

// sentence makes a description a sentence: a capital first letter and a final period.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = capitalize(s)
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// pascal writes a camelCase name in PascalCase: "appInfos" -> "AppInfos".
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// singularWord is the singular of a plural noun or phrase: "localizations" -> "localization".
func singularWord(s string) string {
	switch {
	case strings.HasSuffix(s, "ies"):
		return strings.TrimSuffix(s, "ies") + "y"
	case strings.HasSuffix(s, "sses"), strings.HasSuffix(s, "shes"):
		return strings.TrimSuffix(s, "es")
	case strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss") && !strings.HasSuffix(s, "IDs"):
		return strings.TrimSuffix(s, "s")
	case strings.HasSuffix(s, "IDs"):
		return strings.TrimSuffix(s, "s")
	}
	return s
}

// withArticle puts "a" or "an" before a singular noun phrase.
func withArticle(s string) string {
	if s != "" && strings.ContainsRune("aeiouAEIOU", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// splitVersion separates an Apple resource name from its version suffix:
// "inAppPurchasesV2" -> ("inAppPurchases", "V2").
func splitVersion(res string) (string, string) {
	for _, v := range []string{"V2", "V3"} {
		if base, ok := strings.CutSuffix(res, v); ok && base != "" {
			return base, v
		}
	}
	return res, ""
}

// summarize turns an Apple operation id into a sentence-case summary:
// "apps_appInfos_getToManyRelated" becomes "List the app infos of an app".
func summarize(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) < 2 {
		return capitalize(words(id))
	}
	base, ver := splitVersion(parts[0])
	res := words(base)
	one := withArticle(singularWord(res))
	if ver != "" {
		one += " (" + strings.ToLower(ver) + ")"
		res += " (" + strings.ToLower(ver) + ")"
	}
	kind := parts[len(parts)-1]
	if len(parts) == 3 {
		rel := words(parts[1])
		switch kind {
		case "getToManyRelated":
			return capitalize("list the " + rel + " of " + one)
		case "getToOneRelated":
			return capitalize("get the " + rel + " of " + one)
		case "getToManyRelationship":
			return capitalize("list the " + singularWord(rel) + " IDs of " + one)
		case "getToOneRelationship":
			return capitalize("get the " + rel + " ID of " + one)
		case "replaceToManyRelationship", "replaceToOneRelationship":
			return capitalize("replace the " + rel + " of " + one)
		case "createToManyRelationship":
			return capitalize("add " + rel + " to " + one)
		case "deleteToManyRelationship":
			return capitalize("remove " + rel + " from " + one)
		case "getMetrics":
			return capitalize("get the " + rel + " metrics of " + one)
		}
		return capitalize(words(kind) + " " + rel + " of " + one)
	}
	switch kind {
	case "getCollection":
		return capitalize("list " + res)
	case "getInstance":
		return capitalize("get " + one)
	case "createInstance":
		return capitalize("create " + one)
	case "updateInstance":
		return capitalize("update " + one)
	case "deleteInstance":
		return capitalize("delete " + one)
	}
	return capitalize(words(kind) + " " + res)
}

// operationID names a catalog operation in PascalCase from Apple's operation id:
// "apps_appInfos_getToManyRelated" -> "ListAppInfosOfApp", "apps_getCollection" -> "ListApps".
func operationID(id string) string {
	parts := strings.Split(id, "_")
	if len(parts) < 2 {
		return pascal(id)
	}
	base, ver := splitVersion(parts[0])
	one := pascal(singularWord(base)) + ver
	kind := parts[len(parts)-1]
	if len(parts) == 3 {
		rel := pascal(parts[1])
		switch kind {
		case "getToManyRelated":
			return "List" + rel + "Of" + one
		case "getToOneRelated":
			return "Get" + rel + "Of" + one
		case "getToManyRelationship":
			return "List" + pascal(singularWord(parts[1])) + "IdsOf" + one
		case "getToOneRelationship":
			return "Get" + rel + "IdOf" + one
		case "replaceToManyRelationship", "replaceToOneRelationship":
			return "Replace" + rel + "Of" + one
		case "createToManyRelationship":
			return "Add" + rel + "To" + one
		case "deleteToManyRelationship":
			return "Remove" + rel + "From" + one
		case "getMetrics":
			return "Get" + rel + "MetricsOf" + one
		}
		return pascal(kind) + rel + "Of" + one
	}
	switch kind {
	case "getCollection":
		return "List" + pascal(base) + ver
	case "getInstance":
		return "Get" + one
	case "createInstance":
		return "Create" + one
	case "updateInstance":
		return "Update" + one
	case "deleteInstance":
		return "Delete" + one
	}
	return pascal(kind) + pascal(base) + ver
}

// sanitizeID keeps a name to letters, digits and underscores.
func sanitizeID(id string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			return r
		}
		return '_'
	}, id)
}

// maxSummary is Power Platform's limit on operation summaries.
const maxSummary = 80

// fitSummary shortens a summary to n characters: first by dropping its " of ..." owner
// clause, then at a word boundary.
func fitSummary(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if i := strings.LastIndex(s, " of "); i > 0 && i <= n {
		s = s[:i]
	}
	for len(s) > n {
		i := strings.LastIndexByte(s[:n], ' ')
		if i <= 0 {
			return s[:n]
		}
		s = s[:i]
	}
	return s
}

// paramDoc describes Apple's query parameters by their family: a Title Case summary and a
// description.
func paramDoc(name string) (summary, description string) {
	inner := ""
	if i := strings.IndexByte(name, '['); i > 0 && strings.HasSuffix(name, "]") {
		inner = name[i+1 : len(name)-1]
	}
	w := words(inner)
	switch {
	case strings.HasPrefix(name, "fields["):
		return titleCase("fields of " + w), "Comma-separated attributes and relationships of " + w + " to return; all when empty."
	case strings.HasPrefix(name, "filter["):
		return titleCase("filter by " + w), "Only items whose " + w + " is one of these comma-separated values."
	case strings.HasPrefix(name, "limit["):
		return titleCase("limit of " + w), "How many related " + w + " to include, at most 50."
	case strings.HasPrefix(name, "exists["):
		return titleCase("has " + w), "Only items that have (true) or lack (false) " + w + "."
	case strings.HasPrefix(name, "sort["):
		return titleCase("sort " + w), "Comma-separated attributes of " + w + " to sort by; a leading minus sorts descending."
	case name == "include":
		return "Include", "Comma-separated relationships whose resources to include in the answer."
	case name == "limit":
		return "Limit", "How many items to return per page, at most 200."
	case name == "sort":
		return "Sort", "Comma-separated attributes to sort by; a leading minus sorts descending."
	case name == "cursor":
		return "Cursor", "The page cursor from the next page link."
	}
	return titleCase(words(name)), fmt.Sprintf("The %s parameter of App Store Connect.", words(name))
}
