package asc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody caps how much of an error answer is read: Apple's error documents are small,
// and a misbehaving proxy must not make the client buffer an arbitrary body.
const maxErrorBody = 1 << 20

// ErrorResponse is a non-2xx answer from App Store Connect, carrying Apple's error objects.
// Check for it with errors.As. URL has no user-info; the message shows the path only.
type ErrorResponse struct {
	Method     string
	URL        string
	StatusCode int
	Errors     []APIError
}

// APIError is one entry of Apple's ErrorResponse document.
type APIError struct {
	ID     string       `json:"id,omitempty"`
	Status string       `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *ErrorSource `json:"source,omitempty"`
	// Links are the error's links: the spec's about and associated, and the see that Apple
	// sends with FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED (where to sign).
	Links map[string]any `json:"links,omitempty"`
	Meta  map[string]any `json:"meta,omitempty"`
}

// ErrorSource points at what Apple rejected: a JSON pointer into the request body or the name
// of a query parameter.
type ErrorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// String renders one error as "409 CODE: detail", falling back to the title when Apple sent
// no detail.
func (e APIError) String() string {
	var b strings.Builder
	if e.Status != "" {
		b.WriteString(e.Status)
		b.WriteByte(' ')
	}
	b.WriteString(e.Code)
	msg := e.Detail
	if msg == "" {
		msg = e.Title
	}
	if msg != "" {
		b.WriteString(": ")
		b.WriteString(msg)
	}
	if e.Source != nil {
		switch {
		case e.Source.Parameter != "":
			fmt.Fprintf(&b, " (parameter %s)", e.Source.Parameter)
		case e.Source.Pointer != "":
			fmt.Fprintf(&b, " (at %s)", e.Source.Pointer)
		}
	}
	return b.String()
}

// Error reads "GET /v1/apps/123: 404 NOT_FOUND: detail", with several errors joined by "; ".
func (e *ErrorResponse) Error() string {
	var b strings.Builder
	b.WriteString(e.Method)
	b.WriteByte(' ')
	b.WriteString(pathOf(e.URL))
	b.WriteString(": ")
	if len(e.Errors) == 0 {
		fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
		return b.String()
	}
	for i, ae := range e.Errors {
		if i > 0 {
			b.WriteString("; ")
		}
		if ae.Status == "" {
			ae.Status = strconv.Itoa(e.StatusCode)
		}
		b.WriteString(ae.String())
	}
	return b.String()
}

// HasCode reports whether any of Apple's errors carries code, or a code under it
// ("ENTITY_ERROR" matches "ENTITY_ERROR.ATTRIBUTE.INVALID"). Workflows use it to tell a
// conflict they can reconcile from a real failure.
func (e *ErrorResponse) HasCode(code string) bool {
	for _, ae := range e.Errors {
		if ae.Code == code || strings.HasPrefix(ae.Code, code+".") {
			return true
		}
	}
	return false
}

// RateLimitError is a 429 answer. RetryAfter is the server's hint (zero when it sent none)
// and Rate the X-Rate-Limit header of that answer. It also matches *ErrorResponse with
// errors.As, so code that only cares about Apple's error objects need not know about it.
type RateLimitError struct {
	ErrorResponse
	RetryAfter time.Duration
	Rate       RateLimit
}

// Error adds the retry hint to the ErrorResponse message.
func (e *RateLimitError) Error() string {
	msg := e.ErrorResponse.Error()
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
	}
	return msg
}

// Unwrap exposes the embedded ErrorResponse to errors.As and errors.Is.
func (e *RateLimitError) Unwrap() error { return &e.ErrorResponse }

// pathOf returns the path of a URL string for messages: no host, no user-info, no query.
func pathOf(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		rest := raw[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			raw = rest[j:]
		} else {
			raw = "/"
		}
	}
	if i := strings.IndexAny(raw, "?#"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// newErrorResponse builds the typed error for a non-2xx answer from its (capped) body. A body
// that is not Apple's error document becomes one synthesized error from the status line, so
// callers always see a status and a code.
func newErrorResponse(method, redactedURL string, resp *http.Response, body []byte, now time.Time) error {
	er := ErrorResponse{Method: method, URL: redactedURL, StatusCode: resp.StatusCode}
	var doc struct {
		Errors []APIError `json:"errors"`
	}
	if err := json.Unmarshal(body, &doc); err == nil && len(doc.Errors) > 0 {
		er.Errors = doc.Errors
	} else {
		er.Errors = []APIError{{
			Status: strconv.Itoa(resp.StatusCode),
			Code:   syntheticCode(resp.StatusCode),
			Title:  http.StatusText(resp.StatusCode),
			Detail: syntheticDetail(resp, body),
		}}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		rl, _ := ParseRateLimit(resp.Header.Get("X-Rate-Limit"))
		return &RateLimitError{
			ErrorResponse: er,
			RetryAfter:    parseRetryAfter(resp.Header.Get("Retry-After"), now),
			Rate:          rl,
		}
	}
	return &er
}

// heldError is the error for a request not sent because the key's rate budget is held after
// a 429 for longer than the retry policy allows to wait.
func heldError(method string, u *url.URL, held time.Duration) error {
	held = held.Round(time.Second)
	return &RateLimitError{
		ErrorResponse: ErrorResponse{Method: method, URL: u.Redacted(), StatusCode: http.StatusTooManyRequests, Errors: []APIError{{
			Status: "429",
			Code:   "RATE_LIMIT_EXCEEDED",
			Title:  "The API key's rate limit was exceeded",
			Detail: "not sent: App Store Connect answered 429 to this API key and asked its clients to pause",
		}}},
		RetryAfter: held,
	}
}

// syntheticCode maps a bare status to the code Apple uses for it, so that code matching on
// Apple's codes keeps working behind proxies that replace the body.
func syntheticCode(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "PARAMETER_ERROR"
	case http.StatusUnauthorized:
		return "NOT_AUTHORIZED"
	case http.StatusForbidden:
		return "FORBIDDEN_ERROR"
	case http.StatusNotFound:
		return "NOT_FOUND"
	case http.StatusConflict:
		return "ENTITY_ERROR"
	case http.StatusTooManyRequests:
		return "RATE_LIMIT_EXCEEDED"
	}
	if status >= 500 {
		return "UNEXPECTED_ERROR"
	}
	return "HTTP_" + strconv.Itoa(status)
}

// syntheticDetail keeps a short, printable excerpt of a non-JSON body: proxies' HTML pages
// would otherwise flood the one-line message.
func syntheticDetail(resp *http.Response, body []byte) string {
	text := strings.TrimSpace(string(body))
	ct := resp.Header.Get("Content-Type")
	if text == "" || strings.Contains(ct, "html") || !isPrintable(text) {
		return "the server answered " + resp.Status + " without an App Store Connect error document"
	}
	if len(text) > 200 {
		text = text[:200] + "…"
	}
	return strings.Join(strings.Fields(text), " ")
}

func isPrintable(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' || (r < 0x20 && r != '\n' && r != '\r' && r != '\t') {
			return false
		}
	}
	return true
}
