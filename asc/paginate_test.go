package asc

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// pagedApps serves total apps, size per page, linking pages through links.next the way
// Apple does: an absolute URL that repeats the query and adds a cursor.
func pagedApps(t *testing.T, srv *testServer, total, size int, calls *counter) {
	srv.mux.HandleFunc("GET /v1/apps", func(w http.ResponseWriter, r *http.Request) {
		calls.inc()
		q := r.URL.Query()
		start, _ := strconv.Atoi(q.Get("cursor"))
		end := min(start+size, total)
		var data []map[string]any
		for i := start; i < end; i++ {
			data = append(data, map[string]any{"type": "apps", "id": strconv.Itoa(i), "attributes": map[string]any{"name": fmt.Sprintf("App %d", i)}})
		}
		links := map[string]any{"self": srv.link(r.URL.RequestURI()), "next": nil}
		if end < total {
			q.Set("cursor", strconv.Itoa(end))
			links["next"] = srv.link("/v1/apps?" + q.Encode())
		}
		writeJSON(t, w, http.StatusOK, map[string]any{"data": data, "links": links, "meta": map[string]any{"paging": map[string]any{"total": total, "limit": size}}})
	})
}

func TestAllFollowsNextLinks(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	pagedApps(t, srv, 5, 2, &calls)
	c, _ := newTestClient(t, srv)
	var names []string
	for app, err := range All[App](t.Context(), c, "/v1/apps", url.Values{"filter[bundleId]": {"a,b"}}) {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		names = append(names, app.Attributes.Name)
	}
	if diff := cmp.Diff([]string{"App 0", "App 1", "App 2", "App 3", "App 4"}, names); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if calls.get() != 3 {
		t.Errorf("requests = %d, want 3", calls.get())
	}
}

func TestAllStopsWhenTheConsumerBreaks(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	pagedApps(t, srv, 100, 2, &calls)
	c, _ := newTestClient(t, srv)
	n := 0
	for _, err := range c.Apps.ListIter(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if n == 3 {
			break
		}
	}
	if calls.get() != 2 {
		t.Errorf("requests = %d, want 2 (no page fetched after the break)", calls.get())
	}
}

func TestPagesYieldsRawPages(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	pagedApps(t, srv, 3, 2, &calls)
	c, _ := newTestClient(t, srv)
	var sizes []int
	for page, err := range Pages(t.Context(), c, "/v1/apps", nil) {
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(page.Data))
		var first struct{ ID string }
		if err := json.Unmarshal(page.Data[0], &first); err != nil || first.ID == "" {
			t.Errorf("raw item: %s (%v)", page.Data[0], err)
		}
		if page.Meta == nil || page.Meta.Paging.Total != 3 {
			t.Errorf("meta = %+v", page.Meta)
		}
	}
	if diff := cmp.Diff([]int{2, 1}, sizes); diff != "" {
		t.Errorf("page sizes (-want +got):\n%s", diff)
	}
}

func TestAllRefusesForeignNextLinks(t *testing.T) {
	t.Parallel()
	foreign := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request sent to the foreign host: %s (Authorization present: %v)", r.URL, r.Header.Get("Authorization") != "")
	}))
	t.Cleanup(foreign.Close)
	tests := []struct {
		name string
		next func(srv *testServer) string
	}{
		{"other host", func(*testServer) string { return foreign.URL + basePath + "/v1/apps?cursor=2" }},
		{"other scheme", func(srv *testServer) string {
			return strings.Replace(srv.link("/v1/apps?cursor=2"), "http://", "https://", 1)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := newTestServer(t)
			srv.mux.HandleFunc("GET /v1/apps", func(w http.ResponseWriter, r *http.Request) {
				writeJSON(t, w, http.StatusOK, map[string]any{
					"data":  []any{map[string]any{"type": "apps", "id": "1"}},
					"links": map[string]any{"self": "x", "next": tt.next(srv)},
				})
			})
			c, _ := newTestClient(t, srv)
			var ids []string
			var lastErr error
			for app, err := range All[App](t.Context(), c, "/v1/apps", nil) {
				if err != nil {
					lastErr = err
					continue
				}
				ids = append(ids, app.ID)
			}
			if diff := cmp.Diff([]string{"1"}, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if lastErr == nil || !strings.Contains(lastErr.Error(), "not on the client's API host") {
				t.Errorf("error = %v, want a refusal", lastErr)
			}
		})
	}
}

func TestAllStopsOnRepeatedLinkAndErrors(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var calls counter
	srv.mux.HandleFunc("GET /v1/loop", func(w http.ResponseWriter, r *http.Request) {
		calls.inc()
		writeJSON(t, w, http.StatusOK, map[string]any{
			"data":  []any{map[string]any{"type": "apps", "id": "1"}},
			"links": map[string]any{"self": "x", "next": srv.link("/v1/loop?cursor=same")},
		})
	})
	srv.mux.HandleFunc("GET /v1/broken", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(t, w, http.StatusForbidden, appError("403", "FORBIDDEN_ERROR", "no access"))
	})
	c, _ := newTestClient(t, srv)
	var errs []error
	for _, err := range All[App](t.Context(), c, "/v1/loop", nil) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "repeats an earlier page") {
		t.Errorf("errors = %v", errs)
	}
	if calls.get() != 2 {
		t.Errorf("requests = %d, want 2", calls.get())
	}
	errs = nil
	for _, err := range All[App](t.Context(), c, "/v1/broken", nil) {
		errs = append(errs, err)
	}
	if len(errs) != 1 || errs[0] == nil || !strings.Contains(errs[0].Error(), "403 FORBIDDEN_ERROR: no access") {
		t.Errorf("errors = %v, want one 403", errs)
	}
}
