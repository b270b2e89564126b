package main

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// opName is an operation's method name in parts: verb + relationship + suffix
// ("List" + "AppStoreVersionLocalizations" + ""), before the service's name is dropped.
type opName struct {
	service string // Go field on Client: "AppStoreVersions"
	verb    string // List, Get, Create, Update, Delete, Replace, Add, Remove
	rel     string // the relationship's Go name, "" for the resource's own operations
	suffix  string // "", "IDs", "ID" or "Metrics"
}

// full is the method name with the relationship spelled in full.
func (n opName) full() string { return n.verb + n.rel + n.suffix }

// resourceKinds and relationshipKinds map an operationId's kind to its verb and suffix.
var (
	resourceKinds = map[string][2]string{
		"getCollection": {"List"}, "getInstance": {"Get"}, "createInstance": {"Create"},
		"updateInstance": {"Update"}, "deleteInstance": {"Delete"},
	}
	relationshipKinds = map[string][2]string{
		"getToManyRelated": {"List"}, "getToOneRelated": {"Get"},
		"getToManyRelationship": {"List", "IDs"}, "getToOneRelationship": {"Get", "ID"},
		"replaceToManyRelationship": {"Replace"}, "replaceToOneRelationship": {"Replace"},
		"updateToOneRelationship": {"Replace"}, "createToManyRelationship": {"Add"},
		"deleteToManyRelationship": {"Remove"}, "getMetrics": {"Get", "Metrics"},
	}
)

// parseOpName applies ARCHITECTURE.md's naming rules to an operationId, without dropping the
// service's name from the relationship (methodNames does that).
func parseOpName(id string) (opName, error) {
	parts := strings.Split(id, "_")
	n := opName{service: goName(parts[0])}
	var kind [2]string
	switch len(parts) {
	case 2:
		kind = resourceKinds[parts[1]]
	case 3:
		kind = relationshipKinds[parts[2]]
		n.rel = goName(parts[1])
	}
	n.verb, n.suffix = kind[0], kind[1]
	if n.verb == "" {
		return opName{}, fmt.Errorf("operationId %s: no naming rule", id)
	}
	if n.suffix == "IDs" {
		// The ids of a to-many relationship: ListLocalizationIDs, not ListLocalizationsIDs.
		n.rel = singular(n.rel)
	}
	return n, nil
}

// singular makes a plural Go name singular at its last word, keeping a version suffix:
// Localizations -> Localization, Territories -> Territory, ExperimentsV2 -> ExperimentV2.
// Names that are not a plural in s stay as they are.
func singular(name string) string {
	stem := strings.TrimRightFunc(name, unicode.IsDigit)
	version := ""
	if len(stem) < len(name) && strings.HasSuffix(stem, "V") {
		version = name[len(stem)-1:]
		stem = stem[:len(stem)-1]
	} else {
		stem = name
	}
	switch {
	case strings.HasSuffix(stem, "sses"), strings.HasSuffix(stem, "uses"), strings.HasSuffix(stem, "xes"):
		stem = strings.TrimSuffix(stem, "es") // Addresses, Statuses, Boxes
	case strings.HasSuffix(stem, "ies"):
		stem = strings.TrimSuffix(stem, "ies") + "y"
	case strings.HasSuffix(stem, "ss"), strings.HasSuffix(stem, "us"), !strings.HasSuffix(stem, "s"):
		// "Address", "Status" or not a plural.
	default:
		stem = strings.TrimSuffix(stem, "s")
	}
	return stem + version
}

// productNames are Apple's product names of two words. A relationship's name is never cut
// inside one (Apps' appStoreVersions stay AppStoreVersions, not StoreVersions), and one that
// begins both the service's resource name and the relationship's is the family both belong
// to, dropped like the resource name (AppStoreVersions' appStoreReviewDetail is
// GetReviewDetail, GameCenterGroups' gameCenterLeaderboards is ListLeaderboards).
var productNames = []string{"AppStore", "AppClip", "GameCenter"}

// shortRel drops, from a relationship's Go name, the service's singular resource name
// (AppStoreVersion + AppStoreVersionLocalizations -> Localizations), else the product name
// both start with (AppStore + AppStoreReviewDetail -> ReviewDetail). It cuts only at a word
// boundary, never inside a product name, and returns "" when nothing is dropped or nothing
// would remain.
func shortRel(rel, resource string) string {
	if rel == resource {
		return "" // a relationship to a resource of the same kind keeps its name
	}
	if rest := cutWord(rel, resource); rest != "" {
		return rest
	}
	for _, p := range productNames {
		if cutWord(resource, p) != "" {
			if rest := cutWord(rel, p); rest != "" {
				return rest
			}
		}
	}
	return ""
}

// cutWord returns name without prefix when prefix is a whole-word prefix of name that does
// not end inside a product name, and something remains; else "".
func cutWord(name, prefix string) string {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok || rest == "" || !unicode.IsUpper(rune(rest[0])) {
		return "" // not a prefix, nothing left, or mid-word: "App" + "sV2"
	}
	for _, p := range productNames {
		if strings.HasPrefix(name, p) && len(prefix) < len(p) {
			return "" // the cut would fall inside the product name
		}
	}
	return rest
}

// methodNames names every operation's method. Within a service, a relationship that starts
// with the service's singular resource name loses that prefix (AppStoreVersions.ListLocalizations
// instead of ListAppStoreVersionLocalizations). A short name that would equal another
// method's name (or its iterator's) falls back, for every operation involved, to the full
// name, so the result never depends on the order of the spec. singularOf gives a service's
// singular resource name ("AppStoreVersions" -> "AppStoreVersion").
func methodNames(ops []*Op, singularOf func(service string) string) (map[*Op]opName, map[*Op]string, error) {
	parsed := map[*Op]opName{}
	byService := map[string][]*Op{}
	for _, op := range ops {
		n, err := parseOpName(op.ID)
		if err != nil {
			return nil, nil, err
		}
		parsed[op] = n
		byService[n.service] = append(byService[n.service], op)
	}
	names := map[*Op]string{}
	for _, svc := range slices.Sorted(mapKeys(byService)) {
		group := byService[svc]
		prefix := singularOf(svc)
		fullSeen := map[string]string{}
		for _, op := range group {
			n := parsed[op]
			if prev, dup := fullSeen[n.full()]; dup {
				return nil, nil, fmt.Errorf("%s and %s both map to %s.%s", prev, op.ID, svc, n.full())
			}
			fullSeen[n.full()] = op.ID
			names[op] = n.full()
			if rest := shortRel(n.rel, prefix); rest != "" {
				names[op] = n.verb + rest + n.suffix
			}
		}
		// Fall back to full names until no two methods (or iterators) share a name. Full
		// names never collide, so this ends.
		for changed := true; changed; {
			changed = false
			users := map[string][]*Op{} // a method's name and its iterator's
			for _, op := range group {
				users[names[op]] = append(users[names[op]], op)
				users[names[op]+"Iter"] = append(users[names[op]+"Iter"], op)
			}
			for _, name := range slices.Sorted(mapKeys(users)) {
				if len(users[name]) < 2 {
					continue
				}
				for _, op := range users[name] {
					if names[op] != parsed[op].full() {
						names[op] = parsed[op].full()
						changed = true
					}
				}
			}
		}
	}
	return parsed, names, nil
}

// resourceName is a service's singular resource name without a version suffix:
// AppStoreVersions -> AppStoreVersion, InAppPurchasesV2 -> InAppPurchase, BundleIDs -> BundleID.
func resourceName(service string) string {
	return singular(stripVersion(service))
}
