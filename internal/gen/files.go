package main

import (
	"slices"
	"strings"
	"unicode"
)

// sharedFile holds the generated declarations that belong to no one resource family:
// enumerations and objects several resources share (Platform, ImageAsset, ...).
const sharedFile = "shared_gen.go"

// metricsFile holds the answers of the metrics operations (betaTesterUsages, ...).
const metricsFile = "metrics_gen.go"

// families files every generated declaration with its resource family, as stripe-go files
// each resource's service, parameters and types together: a reader looking for
// AppStoreVersionLocalizationUpdateRequest opens appstoreversionlocalizations_gen.go.
//
// A family is one JSON:API resource type. Its names are the type's schemas without a version
// or InlineCreate suffix (AppStoreVersionLocalization), its service's name (and the service's
// resource name: AppStoreVersionLocalizations, BundleIDs, BundleID). A declaration belongs
// to the family with the longest name its own name starts with at a word boundary, so
// AppStoreVersionLocalizationsResponse goes with the localizations and
// AppStoreVersionAppStoreVersionLocalizationsLinkagesResponse with the versions. A service
// named after no resource type is a family of its own (salesReports).
type families struct {
	byName map[string]string // family name -> file
	names  []string          // family names, longest first
}

func newFamilies(resources map[string]string, services []string) *families {
	f := &families{byName: map[string]string{}}
	typeFile := map[string]string{} // Go name of a JSON:API type -> file
	for schema, typ := range resources {
		file := strings.ToLower(typ) + "_gen.go"
		typeFile[goName(typ)] = file
		f.add(stripVersion(strings.TrimSuffix(schema, "InlineCreate")), file)
		f.add(strings.ToUpper(typ[:1])+typ[1:], file) // the spec's plural: BundleIdsResponse
	}
	// Xcode Cloud's shared objects (CiAction, CiGitUser...) beside no one resource.
	f.add("Ci", "ci_gen.go")
	for _, svc := range services {
		file, ok := typeFile[stripVersion(svc)]
		if !ok {
			file = strings.ToLower(stripVersion(svc)) + "_gen.go"
		}
		f.add(svc, file)
		f.add(resourceName(svc), file)
	}
	for n := range f.byName {
		f.names = append(f.names, n)
	}
	slices.SortFunc(f.names, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return f
}

// add records a family name; the first file recorded for a name wins, in sorted order of
// the callers, so two runs agree.
func (f *families) add(name, file string) {
	if cur, ok := f.byName[name]; !ok || file < cur {
		f.byName[name] = file
	}
}

// file returns the file of a declaration.
func (f *families) file(decl string) string {
	d := []rune(decl)
	d[0] = unicode.ToUpper(d[0]) // unexported decoders: appsResponseIncluded
	name := string(d)
	if strings.Contains(name, "MetricResponse") {
		return metricsFile // the metrics answers share one shape, and no resource
	}
	for _, n := range f.names {
		rest, ok := strings.CutPrefix(name, n)
		if ok && (rest == "" || !unicode.IsLower(rune(rest[0]))) {
			return f.byName[n]
		}
	}
	return sharedFile
}

// stripVersion drops a version suffix: InAppPurchasesV2 -> InAppPurchases.
func stripVersion(name string) string {
	stem := strings.TrimRightFunc(name, unicode.IsDigit)
	if len(stem) < len(name) && strings.HasSuffix(stem, "V") && len(stem) > 1 {
		return stem[:len(stem)-1]
	}
	return name
}
