package connector

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// apiError is one entry of Apple's ErrorResponse, the shape every error of the gateway takes
// so that clients parse gateway and Apple errors alike.
type apiError struct {
	ID     string `json:"id,omitempty"`
	Status string `json:"status"`
	Code   string `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

type errorResponse struct {
	Errors []apiError `json:"errors"`
}

// writeError answers with Apple's ErrorResponse shape. detail must be safe to show a client.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ascend", charset="UTF-8"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorResponse{Errors: []apiError{{
		ID: requestID(r.Context()), Status: strconv.Itoa(status), Code: code, Title: title, Detail: detail,
	}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// writeTooLarge answers a body over its cap with 413 and reports true; any other error is
// left to the caller.
func writeTooLarge(w http.ResponseWriter, r *http.Request, err error) bool {
	var mb *http.MaxBytesError
	if !errors.As(err, &mb) {
		return false
	}
	writeError(w, r, http.StatusRequestEntityTooLarge, "ENTITY_ERROR.TOO_LARGE", "Request body too large",
		"the request body exceeds "+strconv.FormatInt(mb.Limit, 10)+" bytes")
	return true
}
