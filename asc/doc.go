// Package asc is a typed client for Apple's App Store Connect API.
//
// A Client carries everything that is the same for every call: the API root, the HTTP
// client, authentication (an auth.Transport that signs each request with a short-lived JWT),
// the retry policy and an optional RateBudget shared by every client of one API key. Methods
// stay simple: each builds a path and a query and calls Do, so retries, backoff, Retry-After,
// rate pacing and error decoding behave the same for every endpoint.
//
//	key, err := auth.LoadKeyFile("AuthKey_ABC123.p8", "ABC123", issuerID)
//	client, err := asc.NewClient(asc.WithKey(key), asc.WithRateBudget(asc.NewRateBudget()))
//	for app, err := range client.Apps.ListIter(ctx, &asc.AppsListOptions{Limit: 200}) {
//		...
//	}
//
// Documents follow JSON:API. Apple sends null for unset attributes and empty to-one
// relationships, and some timestamps with a colon-less offset; the types here decode all of
// that as "unset" or as a Time. Failed calls return *ErrorResponse with Apple's error
// objects, or *RateLimitError for a 429; both work with errors.As.
//
// Idempotent requests are retried on rate limiting, transient server errors and broken
// connections; a POST never is, because only the caller can tell whether it took effect.
// Lists are walked with All or a service's ...Iter method, which follow links.next on the
// API host only and hold one page at a time.
package asc
