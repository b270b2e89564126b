package connector

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
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

// writeError answers with Apple's ErrorResponse shape. detail must be safe to show a client;
// it is kept on one line (see oneLine).
func writeError(w http.ResponseWriter, r *http.Request, status int, code, title, detail string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ascend", charset="UTF-8"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(errorResponse{Errors: []apiError{{
		ID: requestID(r.Context()), Status: strconv.Itoa(status), Code: code, Title: title, Detail: oneLine(detail),
	}}})
}

// oneLine keeps an error detail on one line and inert on a terminal: a detail can quote what
// the client sent (a bundle id from the path, through a workflow's message), so line breaks
// and the other control characters (C0, DEL, C1, U+2028 and U+2029) are written as Go
// escapes them ("\n", "\x1b", "\u2028").
func oneLine(s string) string {
	if !strings.ContainsFunc(s, controlRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if controlRune(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func controlRune(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == '\u2028' || r == '\u2029'
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// readBody reads a request body under a size cap and the gateway's body time limit. A
// failure is returned as a *bodyError that writeBodyError answers: 413 for a body over the
// cap, 408 for one that took too long, 400 for one cut short or otherwise unreadable.
func (g *Gateway) readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	rc := http.NewResponseController(w)
	// Not every ResponseWriter supports deadlines (httptest recorders); the server's own
	// ReadTimeout still bounds those.
	_ = rc.SetReadDeadline(time.Now().Add(g.cfg.BodyReadTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err == nil {
		_ = rc.SetReadDeadline(time.Time{})
		return body, nil
	}
	// The rest of a body that failed is not worth reading: the connection closes after the
	// answer (and the deadline stays, so the server does not wait for the rest first).
	w.Header().Set("Connection", "close")
	var mb *http.MaxBytesError
	var ne net.Error
	switch {
	case errors.As(err, &mb):
		return nil, &bodyError{http.StatusRequestEntityTooLarge, "ENTITY_ERROR.TOO_LARGE", "Request body too large",
			"the request body exceeds " + strconv.FormatInt(mb.Limit, 10) + " bytes"}
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return nil, &bodyError{http.StatusRequestTimeout, "REQUEST_TIMEOUT", "Request body too slow",
			"the request body did not arrive within " + g.cfg.BodyReadTimeout.String() + "; send it again"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, &bodyError{http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Request body cut short",
			"the request body ended before its Content-Length; send it again"}
	}
	return nil, &bodyError{http.StatusBadRequest, "PARAMETER_ERROR.INVALID", "Request body unreadable",
		"the request body could not be read; send it again"}
}

// bodyError is a request body the gateway could not read.
type bodyError struct {
	status              int
	code, title, detail string
}

func (e *bodyError) Error() string { return e.detail }

// writeBodyError answers a body that could not be read and reports true; any other error is
// left to the caller.
func writeBodyError(w http.ResponseWriter, r *http.Request, err error) bool {
	var be *bodyError
	if !errors.As(err, &be) {
		return false
	}
	writeError(w, r, be.status, be.code, be.title, be.detail)
	return true
}
