package sandbox

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
)

// apiError is one entry of Apple's ErrorResponse. The sandbox answers every failure in this
// shape because clients parse it (code for programs, detail for people).
type apiError struct {
	ID     string       `json:"id"`
	Status string       `json:"status"`
	Code   string       `json:"code"`
	Title  string       `json:"title"`
	Detail string       `json:"detail"`
	Source *errorSource `json:"source,omitempty"`
	// Links are what Apple links an error to: where to sign missing agreements ("see").
	Links map[string]string `json:"links,omitempty"`
	Meta  map[string]any    `json:"meta,omitempty"`
}

type errorSource struct {
	Pointer   string `json:"pointer,omitempty"`
	Parameter string `json:"parameter,omitempty"`
}

// Titles Apple uses for its error codes; clients show them, so they read like Apple's.
const (
	titleNotAuthorized  = "Authentication credentials are missing or invalid."
	detailNotAuthorized = "Provide a properly configured and signed bearer token, and make sure that it has not expired. Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens"
	titleNotFound       = "The specified resource does not exist"
	titleParameter      = "A parameter has an invalid value"
	titleRateLimit      = "The request rate limit has been reached."
	titleForbidden      = "This request is forbidden for security reasons"
	titleConflict       = "The provided entity includes an attribute with an invalid value"
)

func newError(status int, code, title, detail string) apiError {
	return apiError{ID: newUUID(), Status: strconv.Itoa(status), Code: code, Title: title, Detail: detail}
}

func (e apiError) pointer(p string) apiError   { e.Source = &errorSource{Pointer: p}; return e }
func (e apiError) parameter(p string) apiError { e.Source = &errorSource{Parameter: p}; return e }

// httpError carries an ErrorResponse through handler code that returns errors.
type httpError struct {
	status int
	errs   []apiError
}

func (e *httpError) Error() string {
	if len(e.errs) == 0 {
		return http.StatusText(e.status)
	}
	return e.errs[0].Code + ": " + e.errs[0].Detail
}

func errResp(status int, errs ...apiError) *httpError { return &httpError{status: status, errs: errs} }

func notFound(typ, id string) *httpError {
	return errResp(http.StatusNotFound, newError(http.StatusNotFound, "NOT_FOUND", titleNotFound,
		fmt.Sprintf("There is no resource of type '%s' with id '%s'", typ, id)))
}

func pathNotFound() *httpError {
	return errResp(http.StatusNotFound, newError(http.StatusNotFound, "NOT_FOUND", titleNotFound,
		"The path provided does not match a defined resource type."))
}

func conflict(code, title, detail, pointer string) *httpError {
	e := newError(http.StatusConflict, code, title, detail)
	if pointer != "" {
		e = e.pointer(pointer)
	}
	return errResp(http.StatusConflict, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	if raw, ok := v.(rawJSON); ok {
		w.Header().Set("Content-Length", strconv.Itoa(len(raw)+1))
		w.WriteHeader(status)
		// raw may be a cached answer other requests send at the same time: never append to it.
		_, _ = w.Write(raw)
		_, _ = w.Write(newline)
		return
	}
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

var newline = []byte("\n")

func writeErrors(w http.ResponseWriter, status int, errs ...apiError) {
	writeJSON(w, status, map[string]any{"errors": errs})
}

func writeHTTPError(w http.ResponseWriter, e *httpError) { writeErrors(w, e.status, e.errs...) }

// newUUID returns a random RFC 4122 version 4 UUID, the shape of Apple's error and resource ids.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
