package asc

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAppsList(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("/v1/apps", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodGet)
		testQuery(t, r, url.Values{
			"filter[bundleId]":                  {"com.a,com.b"},
			"filter[sku]":                       {"S1"},
			"filter[appStoreVersions.platform]": {"IOS"},
			"exists[gameCenterEnabledVersions]": {"false"},
			"sort":                              {"-name"},
			"fields[apps]":                      {"name,bundleId"},
			"include":                           {"appInfos"},
			"limit":                             {"200"},
			"limit[appInfos]":                   {"5"},
		})
		if got := r.URL.RawQuery; !containsAll(got, "filter[bundleId]=com.a,com.b", "fields[apps]=name,bundleId") {
			t.Errorf("raw query %q should keep brackets and commas readable", got)
		}
		w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:10;")
		writeJSON(t, w, http.StatusOK, map[string]any{
			"data":  []any{map[string]any{"type": "apps", "id": "1", "attributes": map[string]any{"name": "One", "bundleId": "com.a"}}},
			"links": map[string]any{"self": srv.link("/v1/apps"), "next": srv.link("/v1/apps?cursor=X")},
			"meta":  map[string]any{"paging": map[string]any{"total": 9, "limit": 200}},
		})
	})
	c, _ := newTestClient(t, srv)
	got, resp, err := c.Apps.List(t.Context(), &AppsListOptions{
		FilterBundleID:                  []string{"com.a", "com.b"},
		FilterSKU:                       []string{"S1"},
		FilterAppStoreVersionsPlatform:  []Platform{PlatformIOS},
		ExistsGameCenterEnabledVersions: Ptr(false),
		Sort:                            []string{"-name"},
		FieldsApps:                      []string{"name", "bundleId"},
		Include:                         []string{"appInfos"},
		Limit:                           200,
		LimitAppInfos:                   5,
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	want := []App{{Type: "apps", ID: "1", Attributes: &AppAttributes{Name: "One", BundleID: "com.a"}}}
	if diff := cmp.Diff(want, got.Data); diff != "" {
		t.Errorf("apps (-want +got):\n%s", diff)
	}
	if resp.NextURL != srv.link("/v1/apps?cursor=X") || got.Meta.Paging.Total != 9 {
		t.Errorf("NextURL = %q, meta = %+v", resp.NextURL, got.Meta)
	}
	if resp.Rate.Remaining != 10 {
		t.Errorf("rate = %+v", resp.Rate)
	}
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestAppsGetAndAppInfos(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	srv.mux.HandleFunc("GET /v1/apps/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") != "123" {
			t.Errorf("id = %q", r.PathValue("id"))
		}
		testQuery(t, r, url.Values{"include": {"appInfos"}, "fields[appInfos]": {"state"}})
		writeJSON(t, w, http.StatusOK, map[string]any{
			"data": map[string]any{"type": "apps", "id": "123",
				"relationships": map[string]any{"appInfos": map[string]any{"data": []any{map[string]any{"type": "appInfos", "id": "i1"}}}}},
			"included": []any{map[string]any{"type": "appInfos", "id": "i1", "attributes": map[string]any{"state": "READY_FOR_DISTRIBUTION"}}},
			"links":    map[string]any{"self": "s"},
		})
	})
	srv.mux.HandleFunc("GET /v1/apps/{id}/appInfos", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"limit": {"50"}})
		writeJSON(t, w, http.StatusOK, map[string]any{
			"data": []any{
				map[string]any{"type": "appInfos", "id": "i1", "attributes": map[string]any{"state": "READY_FOR_DISTRIBUTION"}},
				map[string]any{"type": "appInfos", "id": "i2", "attributes": map[string]any{"state": "PREPARE_FOR_SUBMISSION"},
					"relationships": map[string]any{"primaryCategory": map[string]any{"data": nil}}},
			},
			"links": map[string]any{"self": "s", "next": nil},
		})
	})
	srv.mux.HandleFunc("GET /v1/appInfos/{id}", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"include": {"appInfoLocalizations"}, "limit[appInfoLocalizations]": {"50"}})
		writeJSON(t, w, http.StatusOK, map[string]any{"data": map[string]any{"type": "appInfos", "id": r.PathValue("id")}, "links": map[string]any{"self": "s"}})
	})
	c, _ := newTestClient(t, srv)
	app, _, err := c.Apps.Get(t.Context(), "123", &AppsGetOptions{Include: []string{"appInfos"}, FieldsAppInfos: []string{"state"}})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if ids := app.Data.Relationships.AppInfos.Data.IDs(); len(ids) != 1 || ids[0].ID != "i1" {
		t.Errorf("appInfos linkage = %v", ids)
	}
	if info, ok := app.Included[0].(*AppInfo); !ok || info.Attributes == nil || info.Attributes.State != AppInfoStateReadyForDistribution {
		t.Errorf("included app info = %#v", app.Included[0])
	}

	var states []string
	for ai, err := range c.Apps.ListInfosIter(t.Context(), "123", &AppsListInfosOptions{Limit: 50}) {
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, string(ai.Attributes.State))
		if ai.ID == "i2" {
			if pc := ai.Relationships.PrimaryCategory; pc == nil || !pc.Data.Present || pc.Data.One != nil {
				t.Errorf("null primaryCategory = %+v", pc)
			}
		}
	}
	if diff := cmp.Diff([]string{"READY_FOR_DISTRIBUTION", "PREPARE_FOR_SUBMISSION"}, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	infos, _, err := c.Apps.ListInfos(t.Context(), "123", &AppsListInfosOptions{Limit: 50})
	if err != nil || len(infos.Data) != 2 {
		t.Errorf("ListInfos = %v, %v", infos, err)
	}
	one, _, err := c.AppInfos.Get(t.Context(), "i1", &AppInfosGetOptions{Include: []string{"appInfoLocalizations"}, LimitAppInfoLocalizations: 50})
	if err != nil || one.Data.ID != "i1" {
		t.Errorf("AppInfos.Get = %v, %v", one, err)
	}
}

func TestAppInfoLocalizationsCRUD(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	loc := func(id, locale, name string) map[string]any {
		return map[string]any{"type": "appInfoLocalizations", "id": id, "attributes": map[string]any{"locale": locale, "name": name}}
	}
	srv.mux.HandleFunc("GET /v1/appInfos/{id}/appInfoLocalizations", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"filter[locale]": {"en-US,fr-FR"}})
		writeJSON(t, w, http.StatusOK, map[string]any{"data": []any{loc("l1", "en-US", "One"), loc("l2", "fr-FR", "Un")}, "links": map[string]any{"self": "s"}})
	})
	srv.mux.HandleFunc("POST /v1/appInfoLocalizations", func(w http.ResponseWriter, r *http.Request) {
		want := `{"data":{"type":"appInfoLocalizations","attributes":{"locale":"de-DE","name":"Eins","subtitle":""},"relationships":{"appInfo":{"data":{"type":"appInfos","id":"i1"}}}}}`
		if got := string(readBody(t, r)); got != want {
			t.Errorf("create body\n got %s\nwant %s", got, want)
		}
		writeJSON(t, w, http.StatusCreated, map[string]any{"data": loc("l3", "de-DE", "Eins"), "links": map[string]any{"self": "s"}})
	})
	srv.mux.HandleFunc("PATCH /v1/appInfoLocalizations/{id}", func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		if err := json.Unmarshal(readBody(t, r), &body); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"data": map[string]any{"type": "appInfoLocalizations", "id": "l3", "attributes": map[string]any{"subtitle": "Zwei"}}}
		if diff := cmp.Diff(want, body); diff != "" {
			t.Errorf("update body (-want +got):\n%s", diff)
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": loc("l3", "de-DE", "Eins"), "links": map[string]any{"self": "s"}})
	})
	srv.mux.HandleFunc("GET /v1/appInfoLocalizations/{id}", func(w http.ResponseWriter, r *http.Request) {
		testQuery(t, r, url.Values{"fields[appInfoLocalizations]": {"name"}})
		writeJSON(t, w, http.StatusOK, map[string]any{"data": loc(r.PathValue("id"), "de-DE", "Eins"), "links": map[string]any{"self": "s"}})
	})
	var deletes counter
	srv.mux.HandleFunc("DELETE /v1/appInfoLocalizations/{id}", func(w http.ResponseWriter, r *http.Request) {
		deletes.inc()
		if r.PathValue("id") != "l/3" {
			t.Errorf("id = %q, want the escaped id intact", r.PathValue("id"))
		}
		w.WriteHeader(http.StatusNoContent)
	})
	c, _ := newTestClient(t, srv)
	ctx := t.Context()

	page, _, err := c.AppInfos.ListLocalizations(ctx, "i1", &AppInfosListLocalizationsOptions{FilterLocale: []string{"en-US", "fr-FR"}})
	if err != nil || len(page.Data) != 2 {
		t.Fatalf("ListAppInfoLocalizations = %v, %v", page, err)
	}
	var locales []string
	for l, err := range c.AppInfos.ListLocalizationsIter(ctx, "i1", &AppInfosListLocalizationsOptions{FilterLocale: []string{"en-US", "fr-FR"}}) {
		if err != nil {
			t.Fatal(err)
		}
		locales = append(locales, l.Attributes.Locale)
	}
	if diff := cmp.Diff([]string{"en-US", "fr-FR"}, locales); diff != "" {
		t.Errorf("locales (-want +got):\n%s", diff)
	}

	created, resp, err := c.AppInfoLocalizations.Create(ctx, &AppInfoLocalizationCreateRequest{Data: AppInfoLocalizationCreateRequestData{
		Attributes:    AppInfoLocalizationCreateRequestAttributes{Locale: "de-DE", Name: "Eins", Subtitle: Ptr("")},
		Relationships: AppInfoLocalizationCreateRequestRelationships{AppInfo: Relationship{Data: ToOne("appInfos", "i1")}},
	}})
	if err != nil || created.Data.ID != "l3" || resp.StatusCode != http.StatusCreated {
		t.Fatalf("Create = %v, %v", created, err)
	}
	if _, _, err := c.AppInfoLocalizations.Update(ctx, "l3", &AppInfoLocalizationUpdateRequest{Data: AppInfoLocalizationUpdateRequestData{
		Attributes: &AppInfoLocalizationUpdateRequestAttributes{Subtitle: Ptr("Zwei")},
	}}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	got, _, err := c.AppInfoLocalizations.Get(ctx, "l3", &AppInfoLocalizationsGetOptions{FieldsAppInfoLocalizations: []string{"name"}})
	if err != nil || got.Data.Attributes.Name != "Eins" {
		t.Fatalf("Get = %v, %v", got, err)
	}
	resp, err = c.AppInfoLocalizations.Delete(ctx, "l/3")
	if err != nil || resp.StatusCode != http.StatusNoContent || deletes.get() != 1 {
		t.Fatalf("Delete = %v, %v (%d calls)", resp, err, deletes.get())
	}
}

func TestEncodeOptions(t *testing.T) {
	t.Parallel()
	if q := encodeOptions((*AppsListOptions)(nil)); len(q) != 0 {
		t.Errorf("nil options encoded as %v", q)
	}
	if q := encodeOptions(&AppsListOptions{}); len(q) != 0 {
		t.Errorf("zero options encoded as %v", q)
	}
	q := encodeOptions(&AppsListOptions{FilterID: []string{"1"}, ExistsGameCenterEnabledVersions: Ptr(true)})
	if diff := cmp.Diff(url.Values{"filter[id]": {"1"}, "exists[gameCenterEnabledVersions]": {"true"}}, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
}
