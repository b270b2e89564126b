package asc

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestErrorResponseMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *ErrorResponse
		want string
	}{
		{
			name: "one error",
			err: &ErrorResponse{Method: "GET", URL: "https://api.appstoreconnect.apple.com/v1/apps/123?include=x", StatusCode: 404,
				Errors: []APIError{{Status: "404", Code: "NOT_FOUND", Title: "The specified resource does not exist", Detail: "The specified resource does not exist"}}},
			want: "GET /v1/apps/123: 404 NOT_FOUND: The specified resource does not exist",
		},
		{
			name: "several errors with sources",
			err: &ErrorResponse{Method: "POST", URL: "/v1/appInfoLocalizations", StatusCode: 409, Errors: []APIError{
				{Status: "409", Code: "ENTITY_ERROR.ATTRIBUTE.REQUIRED", Detail: "name is required", Source: &ErrorSource{Pointer: "/data/attributes/name"}},
				{Status: "409", Code: "ENTITY_ERROR.ATTRIBUTE.INVALID", Title: "bad locale"},
			}},
			want: "POST /v1/appInfoLocalizations: 409 ENTITY_ERROR.ATTRIBUTE.REQUIRED: name is required (at /data/attributes/name); 409 ENTITY_ERROR.ATTRIBUTE.INVALID: bad locale",
		},
		{
			name: "parameter source, status taken from the answer",
			err: &ErrorResponse{Method: "GET", URL: "/v1/apps", StatusCode: 400,
				Errors: []APIError{{Code: "PARAMETER_ERROR.INVALID", Detail: "'emaill' is not a valid filter type", Source: &ErrorSource{Parameter: "filter[emaill]"}}}},
			want: "GET /v1/apps: 400 PARAMETER_ERROR.INVALID: 'emaill' is not a valid filter type (parameter filter[emaill])",
		},
		{
			name: "no error objects",
			err:  &ErrorResponse{Method: "DELETE", URL: "http://u:p@h/v1/x/1", StatusCode: 502},
			want: "DELETE /v1/x/1: 502 Bad Gateway",
		},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestErrorsAs(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("/v1/limited", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "60")
		w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:0;")
		writeJSON(t, w, http.StatusTooManyRequests, appError("429", "RATE_LIMIT_EXCEEDED", "The request rate limit has been reached."))
	})
	srv.mux.HandleFunc("/v1/missing", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusNotFound, appError("404", "NOT_FOUND", "gone"))
	})
	c, _ := newTestClient(t, srv, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))

	_, err := c.Do(t.Context(), http.MethodGet, "/v1/limited", nil, nil, nil)
	var rle *RateLimitError
	if !errors.As(err, &rle) {
		t.Fatalf("error %v is not a *RateLimitError", err)
	}
	if rle.RetryAfter != time.Minute || rle.Rate != (RateLimit{3600, 0, true}) {
		t.Errorf("RetryAfter = %s, Rate = %+v", rle.RetryAfter, rle.Rate)
	}
	var er *ErrorResponse
	if !errors.As(err, &er) || er.StatusCode != http.StatusTooManyRequests || !er.HasCode("RATE_LIMIT_EXCEEDED") {
		t.Errorf("a 429 must also match *ErrorResponse; got %v", er)
	}
	if !strings.HasSuffix(err.Error(), "(retry after 1m0s)") {
		t.Errorf("message = %q", err.Error())
	}

	_, err = c.Do(t.Context(), http.MethodGet, "/v1/missing", nil, nil, nil)
	if errors.As(err, &rle) && rle.StatusCode == http.StatusNotFound {
		t.Errorf("a 404 matched *RateLimitError")
	}
	if !errors.As(err, &er) || er.StatusCode != http.StatusNotFound || er.Errors[0].Detail != "gone" {
		t.Errorf("404: %v", err)
	}
	if er.HasCode("NOT") || !er.HasCode("NOT_FOUND") {
		t.Errorf("HasCode matches partial words or misses the code")
	}
}

func TestNonJSONErrorBodies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantMsg     string
	}{
		{"plain text", 502, "text/plain", "upstream connect error", "GET /v1/x: 502 UNEXPECTED_ERROR: upstream connect error"},
		{"html page", 503, "text/html", "<html><body>Service Unavailable</body></html>", "GET /v1/x: 503 UNEXPECTED_ERROR: the server answered 503 Service Unavailable without an App Store Connect error document"},
		{"empty", 401, "", "", "GET /v1/x: 401 NOT_AUTHORIZED: the server answered 401 Unauthorized without an App Store Connect error document"},
		{"json without errors", 403, "application/json", `{"message":"no"}`, `GET /v1/x: 403 FORBIDDEN_ERROR: {"message":"no"}`},
		{"huge body is capped", 500, "text/plain", strings.Repeat("a", 3<<20), "GET /v1/x: 500 UNEXPECTED_ERROR: " + strings.Repeat("a", 200) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t)
			srv.mux.HandleFunc("/v1/x", func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				fmt.Fprint(w, tt.body)
			})
			c, _ := newTestClient(t, srv, WithRetryPolicy(RetryPolicy{MaxAttempts: 1}))
			_, err := c.Do(t.Context(), http.MethodGet, "/v1/x", nil, nil, nil)
			var er *ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("error %v is not an ErrorResponse", err)
			}
			if got := strings.Replace(err.Error(), basePath, "", 1); got != tt.wantMsg {
				t.Errorf("message\n got %q\nwant %q", got, tt.wantMsg)
			}
			if len(er.Errors) != 1 || er.Errors[0].Status != fmt.Sprint(tt.status) {
				t.Errorf("synthesized errors = %+v", er.Errors)
			}
		})
	}
}

// TestErrorFixtures serves Apple's captured error documents and checks they arrive intact.
func TestErrorFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file     string
		wantCode string
		wantMsg  string
	}{
		{"codemagic__error_response.json", "NOT_FOUND",
			"GET /v1/bundleIds/X: 404 NOT_FOUND: There is no resource of type 'bundleIds' with id 'NLRN94JD591' (at data/id)"},
		{"codemagic__error_response_entity_state_invalid.json", "STATE_ERROR.ENTITY_STATE_INVALID",
			"GET /v1/bundleIds/X: 409 STATE_ERROR.ENTITY_STATE_INVALID: This resource cannot be reviewed, please check associated errors to see why."},
		{"apple-docs__pinpointing-the-location-of-errors-400.json", "PARAMETER_ERROR.INVALID",
			"GET /v1/bundleIds/X: 400 PARAMETER_ERROR.INVALID: 'emaill' is not a valid filter type (parameter filter[emaill])"},
		{"asc-cli__pricing_schedule_create_409_start_date_past.json", "ENTITY_ERROR",
			"GET /v1/bundleIds/X: 409 ENTITY_ERROR.INVALID_START_DATE: Interval can not have a start date in the past (at /data/relationships/manualPrices/data/0/attributes/startDate)"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body := readFixture(t, tt.file)
			var want struct{ Errors []APIError }
			if err := json.Unmarshal(body, &want); err != nil || len(want.Errors) == 0 {
				t.Fatalf("fixture: %v", err)
			}
			var status int
			fmt.Sscan(want.Errors[0].Status, &status)
			srv := newTestServer(t)
			srv.mux.HandleFunc("/v1/bundleIds/X", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(status)
				_, _ = w.Write(body)
			})
			c, _ := newTestClient(t, srv)
			_, err := c.Do(t.Context(), http.MethodGet, "/v1/bundleIds/X", nil, nil, nil)
			var er *ErrorResponse
			if !errors.As(err, &er) {
				t.Fatalf("error %v is not an ErrorResponse", err)
			}
			if diff := cmp.Diff(want.Errors, er.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if !er.HasCode(tt.wantCode) {
				t.Errorf("HasCode(%q) = false", tt.wantCode)
			}
			if got := strings.Replace(err.Error(), basePath, "", 1); got != tt.wantMsg {
				t.Errorf("message\n got %q\nwant %q", got, tt.wantMsg)
			}
		})
	}
	t.Run("associated errors survive in meta", func(t *testing.T) {
		t.Parallel()
		var doc struct{ Errors []APIError }
		if err := json.Unmarshal(readFixture(t, "codemagic__error_response_entity_state_invalid.json"), &doc); err != nil {
			t.Fatal(err)
		}
		assoc, ok := doc.Errors[0].Meta["associatedErrors"].(map[string]any)
		if !ok || len(assoc) != 1 {
			t.Errorf("meta.associatedErrors = %v", doc.Errors[0].Meta)
		}
	})
}
