// Package auth turns an App Store Connect API key into the short-lived JSON Web Tokens that
// Apple requires on every request.
//
// Apple issues a private key once, as a PKCS#8 PEM file (AuthKey_<KEYID>.p8) holding an EC
// P-256 key. [LoadKeyFile], [NewKey] and [LoadAPIKeyJSON] (fastlane's api-key JSON format)
// load it into a [Key]; every failure is a [*KeyError] whose message says what is wrong and
// what to do, and never repeats any part of the key.
//
// [Key.Sign] makes one ES256 token by Apple's rules: team keys carry the issuer id in iss,
// individual keys carry sub "user" instead, the audience is "appstoreconnect-v1", and a token
// lives 15 minutes by default and never more than 20. Apple also accepts longer-lived tokens
// scoped to GET requests on a few resources; [LongLivedScope] is the hook for them, but until
// that list is verified against Apple's documentation every lifetime over 20 minutes is
// refused. Signing uses only the standard library.
//
// Most callers want [NewTokenSource] and [Transport]: the source keeps one token and signs a
// new one shortly before it expires, no matter how many goroutines ask at once, and the
// transport puts the token on each request and retries once with a fresh token when Apple
// answers 401, because Apple may revoke a token before its expiry.
package auth
