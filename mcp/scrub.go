package mcp

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// What answers carry in place of a secret.
const (
	removedUploadURL = "(presigned upload URL removed)"
	removedSigned    = "(signed query removed)"
	removedToken     = "(token removed)"
	removedKey       = "(private key removed)"
	hidden           = "(hidden)"
)

// scrub removes from a decoded JSON value everything that works as a credential: the
// presigned URLs of uploadOperations, the signed query of any other presigned URL (report
// downloads), JSON Web Tokens, private keys, and the values of password and secret fields
// (the review demo account's password, a webhook's secret), which show as "(hidden)" as in
// metadata diffs.
func scrub(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			switch {
			case k == "uploadOperations":
				x[k] = scrubUploadOperations(val)
			case secretField(k):
				if s, ok := val.(string); ok && s != "" {
					x[k] = hidden
				}
			default:
				x[k] = scrub(val)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = scrub(x[i])
		}
		return x
	case string:
		return scrubText(x)
	}
	return v
}

func secretField(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, "password") || strings.HasSuffix(n, "secret") || n == "privatekey" || n == "token"
}

// scrubUploadOperations keeps each operation's method, offset, length and headers, without
// its URL: an agent never needs the URL (ascend's workflows upload), and it grants writing.
func scrubUploadOperations(v any) any {
	ops, ok := v.([]any)
	if !ok {
		return scrub(v)
	}
	for _, op := range ops {
		if m, ok := op.(map[string]any); ok {
			if _, has := m["url"]; has {
				m["url"] = removedUploadURL
			}
			for k, val := range m {
				if k != "url" {
					m[k] = scrub(val)
				}
			}
		}
	}
	return ops
}

var (
	jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)
	pemPattern = regexp.MustCompile(`(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(-----END [A-Z ]*PRIVATE KEY-----|$)`)
	urlPattern = regexp.MustCompile(`https?://[^\s"'<>]+`)
	// Gateway client keys: "asck_<16 hex>_<secret>".
	clientKeyPattern = regexp.MustCompile(`asck_[0-9a-f]{16}_[A-Za-z0-9_-]+`)
)

// signedQueryParams are query parameters that make a URL a credential.
var signedQueryParams = []string{"signature", "sig", "x-amz-signature", "x-amz-credential", "x-goog-signature",
	"x-goog-credential", "token", "access_token", "key-pair-id", "policy", "se", "sv"}

// scrubText removes tokens, keys and signed URL queries from free text.
func scrubText(s string) string {
	// Most strings hold none of the markers: look for them before running any pattern.
	if strings.Contains(s, "eyJ") {
		s = jwtPattern.ReplaceAllString(s, removedToken)
	}
	if strings.Contains(s, "PRIVATE KEY") {
		s = pemPattern.ReplaceAllString(s, removedKey)
	}
	if strings.Contains(s, "asck_") {
		s = clientKeyPattern.ReplaceAllString(s, removedToken)
	}
	if strings.Contains(s, "://") && strings.ContainsRune(s, '?') {
		s = urlPattern.ReplaceAllStringFunc(s, scrubURL)
	}
	return s
}

// scrubURL drops the query of a presigned URL, keeping where it points.
func scrubURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return raw
	}
	for name := range u.Query() {
		n := strings.ToLower(name)
		for _, p := range signedQueryParams {
			if n == p {
				u.RawQuery = ""
				return u.String() + "?" + removedSigned
			}
		}
	}
	return raw
}

// controlPattern matches what would break a message's line or act on a terminal: C0 and C1
// controls, DEL, the Unicode line and paragraph separators.
var controlPattern = regexp.MustCompile(`[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}]`)

// oneLine keeps a message on one line and inert: a message may quote an argument (an app, a
// group, an operation id), whose control characters are written as Go escapes them ("\n",
// "\x1b", "\u2028"), as the gateway's error details and the CLI's errors are.
func oneLine(s string) string {
	return controlPattern.ReplaceAllStringFunc(s, func(c string) string {
		r, _ := utf8.DecodeRuneInString(c)
		q := strconv.QuoteRune(r)
		return q[1 : len(q)-1]
	})
}
