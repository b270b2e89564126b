package asc_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
)

// BenchmarkListApps measures listing apps end to end: signing (cached token), the HTTP round
// trip on loopback, JSON:API decoding and iteration.
//
//   - sandbox: the in-process emulator with its demo data (4 apps), so every request is
//     authenticated and answered the way the CLI and the gateway see it.
//   - page200: an httptest server answering one realistic page of 200 apps, each with the
//     ~45 relationship links Apple sends, to measure the decoding cost of a full page.
func BenchmarkListApps(b *testing.B) {
	b.Run("sandbox", func(b *testing.B) {
		sb := sandboxtest.Start(b, sandbox.Options{HourlyLimit: -1, BurstLimit: -1})
		client, err := asc.NewClient(asc.WithBaseURL(sb.URL()), asc.WithKey(sb.Key())) // no budget: the sandbox's speed, unpaced
		if err != nil {
			b.Fatal(err)
		}
		benchList(b, client, 4)
	})
	b.Run("page200", func(b *testing.B) {
		body := appsPage(200)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:3599;")
			_, _ = w.Write(body)
		}))
		b.Cleanup(srv.Close)
		client, err := asc.NewClient(asc.WithBaseURL(srv.URL))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(body)))
		benchList(b, client, 200)
	})
}

func benchList(b *testing.B, client *asc.Client, want int) {
	b.ReportAllocs()
	ctx := b.Context()
	for b.Loop() {
		n := 0
		for app, err := range client.Apps.ListIter(ctx, &asc.AppsListOptions{Limit: 200}) {
			if err != nil {
				b.Fatal(err)
			}
			if app.Attributes == nil || app.Attributes.BundleID == "" {
				b.Fatalf("app %s decoded without attributes", app.ID)
			}
			n++
		}
		if n != want {
			b.Fatalf("listed %d apps, want %d", n, want)
		}
	}
	b.ReportMetric(float64(want), "apps/op")
}

// appsPage builds one page of n apps shaped like Apple's: full attributes, and for every
// relationship the self and related links.
func appsPage(n int) []byte {
	const host = "https://api.appstoreconnect.apple.com"
	relNames := relationshipNames()
	data := make([]map[string]any, 0, n)
	for i := range n {
		id := fmt.Sprintf("%d", 1480000000+i)
		rels := make(map[string]any, len(relNames))
		for _, r := range relNames {
			rels[r] = map[string]any{"links": map[string]string{
				"self":    host + "/v1/apps/" + id + "/relationships/" + r,
				"related": host + "/v1/apps/" + id + "/" + r,
			}}
		}
		data = append(data, map[string]any{
			"type": "apps", "id": id,
			"attributes": map[string]any{
				"name": fmt.Sprintf("App number %d", i), "bundleId": fmt.Sprintf("com.example.app%d", i),
				"sku": fmt.Sprintf("SKU%05d", i), "primaryLocale": "en-US", "isOrEverWasMadeForKids": false,
				"subscriptionStatusUrl": nil, "subscriptionStatusUrlVersion": nil,
				"subscriptionStatusUrlForSandbox": nil, "subscriptionStatusUrlVersionForSandbox": nil,
				"contentRightsDeclaration": "DOES_NOT_USE_THIRD_PARTY_CONTENT", "streamlinedPurchasingEnabled": false,
				"accessibilityUrl": nil,
			},
			"relationships": rels,
			"links":         map[string]string{"self": host + "/v1/apps/" + id},
		})
	}
	var buf bytes.Buffer
	_ = json.NewEncoder(&buf).Encode(map[string]any{
		"data":  data,
		"links": map[string]any{"self": host + "/v1/apps?limit=200", "next": nil},
		"meta":  map[string]any{"paging": map[string]any{"total": n, "limit": 200}},
	})
	return buf.Bytes()
}

// relationshipNames lists the JSON names of AppRelationships, so the page carries exactly the
// relationships an App can hold.
func relationshipNames() []string {
	t := reflect.TypeFor[asc.AppRelationships]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		names = append(names, name)
	}
	return names
}
