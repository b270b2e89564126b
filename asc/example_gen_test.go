package asc_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/ascend-tools/ascend/asc"
)

// Included resources come back typed: switch on the generated types the response lists.
func ExampleIncludedResource() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"type":"appInfos","id":"i1","attributes":{"state":"PREPARE_FOR_SUBMISSION"},
			"relationships":{"appInfoLocalizations":{"data":[{"type":"appInfoLocalizations","id":"l1"}]}}},
			"included":[{"type":"appInfoLocalizations","id":"l1","attributes":{"locale":"en-US","name":"Daybreak Planner"}}],
			"links":{"self":"s"}}`)
	}))
	defer srv.Close()
	client, err := asc.NewClient(asc.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	info, _, err := client.AppInfos.Get(context.Background(), "i1", &asc.AppInfosGetOptions{
		Include:                    []string{"appInfoLocalizations"},
		FieldsAppInfoLocalizations: []string{"locale", "name"},
	})
	if err != nil {
		log.Fatal(err)
	}
	if info.Data.Attributes.State == asc.AppInfoStatePrepareForSubmission {
		fmt.Println("editable app info", info.Data.ID)
	}
	for _, inc := range info.Included {
		switch r := inc.(type) {
		case *asc.AppInfoLocalization:
			fmt.Println(r.Attributes.Locale, r.Attributes.Name)
		case *asc.UnknownResource:
			fmt.Println("not in the spec:", r.Type)
		}
	}
	// Output:
	// editable app info i1
	// en-US Daybreak Planner
}

// Create and Update fill data.type (and data.id from the path) when they are left empty;
// optional request attributes are pointers, so nil leaves them out of the body.
func ExampleAppInfoLocalizationsService_Update() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = jsonDecode(r, &body)
		fmt.Println(r.Method, r.URL.Path, body["data"])
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"data":{"type":"appInfoLocalizations","id":"l1","attributes":{"subtitle":"Plan your mornings"}},"links":{"self":"s"}}`)
	}))
	defer srv.Close()
	client, err := asc.NewClient(asc.WithBaseURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	_, _, err = client.AppInfoLocalizations.Update(context.Background(), "l1", &asc.AppInfoLocalizationUpdateRequest{
		Data: asc.AppInfoLocalizationUpdateRequestData{
			Attributes: &asc.AppInfoLocalizationUpdateRequestAttributes{Subtitle: asc.Ptr("Plan your mornings")},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	// Output:
	// PATCH /v1/appInfoLocalizations/l1 map[attributes:map[subtitle:Plan your mornings] id:l1 type:appInfoLocalizations]
}

func jsonDecode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
