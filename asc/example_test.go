package asc_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/auth"
)

// exampleServer stands in for App Store Connect: two pages of apps linked by links.next.
func exampleServer() *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:3598;")
		if r.URL.Query().Get("cursor") == "" {
			fmt.Fprintf(w, `{"data":[{"type":"apps","id":"1","attributes":{"name":"Daybreak Planner","bundleId":"com.example.daybreak"}}],
				"links":{"self":"%[1]s/v1/apps","next":"%[1]s/v1/apps?cursor=Mg&limit=200"}}`, srv.URL)
			return
		}
		fmt.Fprint(w, `{"data":[{"type":"apps","id":"2","attributes":{"name":"Pocket Ledger","bundleId":"com.example.ledger"}}],
			"links":{"self":"x","next":null}}`)
	}))
	return srv
}

// The usual start: one client per API key, a rate budget shared by everything using that key,
// and an iterator that walks every page.
func Example() {
	srv := exampleServer()
	defer srv.Close()

	// In real use: auth.LoadKeyFile("AuthKey_ABC123.p8", "ABC123", issuerID).
	key, _, err := auth.GenerateKey("ABC123", "69a6de7f-0000-47e3-e053-5b8c7c11a4d1")
	if err != nil {
		log.Fatal(err)
	}
	client, err := asc.NewClient(
		asc.WithBaseURL(srv.URL), // leave out to talk to Apple
		asc.WithKey(key),
		asc.WithRateBudget(asc.NewRateBudget()),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	for app, err := range client.Apps.ListIter(ctx, &asc.AppsListOptions{Limit: 200, FieldsApps: []string{"name", "bundleId"}}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(app.ID, app.Attributes.Name, app.Attributes.BundleID)
	}
	// Output:
	// 1 Daybreak Planner com.example.daybreak
	// 2 Pocket Ledger com.example.ledger
}

// Failed calls return Apple's error objects; a 429 is also a *RateLimitError carrying the
// server's Retry-After.
func ExampleErrorResponse() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":[{"status":"404","code":"NOT_FOUND","title":"The specified resource does not exist",
			"detail":"There is no resource of type 'apps' with id '42'"}]}`)
	}))
	defer srv.Close()
	client, err := asc.NewClient(asc.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = client.Apps.Get(context.Background(), "42", nil)
	var apiErr *asc.ErrorResponse
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Errors[0].Code, apiErr.HasCode("NOT_FOUND"))
	}
	var rateErr *asc.RateLimitError
	fmt.Println(errors.As(err, &rateErr))
	fmt.Println(err)
	// Output:
	// 404 NOT_FOUND true
	// false
	// GET /v1/apps/42: 404 NOT_FOUND: There is no resource of type 'apps' with id '42'
}
