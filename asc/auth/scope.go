package auth

import (
	"slices"
	"strings"
)

// longLivedResources lists the path prefixes whose GET requests Apple accepts tokens living
// longer than 20 minutes for (up to six months). Apple's page "Generating Tokens for API
// Requests" names them, but the list could not be confirmed from Apple's documentation when
// this package was written, and a wrong entry would make tokens Apple refuses. The list is
// therefore empty: every lifetime over MaxLifetime is refused until the entries are verified
// and added here (paths such as "/v1/salesReports").
var longLivedResources = []string{}

func longLivedResourceNames() []string { return slices.Clone(longLivedResources) }

// LongLivedScope reports whether scope qualifies for a token living longer than MaxLifetime:
// it must be non-empty and name only GET requests on resources Apple allows it for.
func LongLivedScope(scope []string) bool {
	if len(scope) == 0 {
		return false
	}
	for _, s := range scope {
		method, target, ok := strings.Cut(s, " ")
		if !ok || method != "GET" {
			return false
		}
		path, _, _ := strings.Cut(target, "?")
		if !slices.ContainsFunc(longLivedResources, func(r string) bool {
			return path == r || strings.HasPrefix(path, r+"/")
		}) {
			return false
		}
	}
	return true
}
