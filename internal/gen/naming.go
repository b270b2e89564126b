package main

import (
	"strings"
	"unicode"
)

// initialisms are words written in capitals in Go names (Go's convention: BundleID, URL).
var initialisms = map[string]string{
	"id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs", "uri": "URI", "sku": "SKU",
	"api": "API", "http": "HTTP", "https": "HTTPS", "json": "JSON", "uuid": "UUID",
}

// words splits a JSON or spec name into words at case changes, digits-to-letters and any
// non-alphanumeric character: "filter[appStoreVersions.appStoreState]" -> filter app Store
// Versions app Store State.
func words(s string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, string(cur))
			cur = cur[:0]
		}
	}
	rs := []rune(s)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if len(cur) > 0 {
			prev := cur[len(cur)-1]
			switch {
			case unicode.IsUpper(r) && unicode.IsLower(prev):
				flush()
			case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
				// "URLPath": the last capital starts the next word.
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// goName turns a camelCase JSON name into an exported Go identifier with Go's initialisms:
// bundleId -> BundleID, privacyPolicyUrl -> PrivacyPolicyURL, inAppPurchasesV2 -> InAppPurchasesV2.
func goName(s string) string {
	var b strings.Builder
	for _, w := range words(s) {
		if up, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(up)
			continue
		}
		rs := []rune(w)
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(string(rs[1:]))
	}
	name := b.String()
	if name == "" {
		return "X"
	}
	if unicode.IsDigit([]rune(name)[0]) {
		name = "X" + name
	}
	return name
}

// constWords are enum value words kept in capitals in constant names.
var constWords = map[string]string{
	"ios": "IOS", "os": "OS", "tv": "TV", "id": "ID", "url": "URL", "api": "API", "sku": "SKU",
	"md5": "MD5", "sha": "SHA", "http": "HTTP", "json": "JSON", "csv": "CSV", "ipad": "IPad",
}

// enumConstName names a constant for an enum value: READY_FOR_SALE -> ReadyForSale,
// MAC_OS -> MacOS.
func enumConstName(value string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(value, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		lw := strings.ToLower(w)
		if up, ok := constWords[lw]; ok {
			b.WriteString(up)
			continue
		}
		if w == strings.ToUpper(w) {
			// SCREAMING_CASE: capitalise the first letter only.
			b.WriteString(strings.ToUpper(lw[:1]) + lw[1:])
			continue
		}
		b.WriteString(goName(w))
	}
	if b.Len() == 0 {
		return "Empty"
	}
	return b.String()
}

// lowerFirst makes an unexported identifier.
func lowerFirst(s string) string {
	rs := []rune(s)
	rs[0] = unicode.ToLower(rs[0])
	return string(rs)
}
