package sandbox

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// The spec check needs decoders for the media types of reports and metrics, which
// kin-openapi does not know by default.
func init() {
	openapi3filter.RegisterBodyDecoder("application/a-gzip", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/vnd.apple.xcode-metrics+json", openapi3filter.JSONBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/vnd.apple.diagnostic-logs+json", openapi3filter.JSONBodyDecoder)
}

func TestReportsInTheirMediaTypes(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	r := c.do("GET", "/v1/salesReports?filter[vendorNumber]=85000000&filter[reportType]=SALES&filter[reportSubType]=SUMMARY&filter[frequency]=DAILY", nil).must(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "application/a-gzip" {
		t.Fatalf("content type %q", ct)
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	tsv, _ := io.ReadAll(zr)
	lines := strings.Split(strings.TrimSpace(string(tsv)), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "Provider\tProvider Country\tSKU") || !strings.Contains(lines[1], "DAYBREAK001") {
		t.Fatalf("sales report:\n%s", tsv)
	}
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.daybreak")
	m := c.do("GET", "/v1/apps/"+id(app)+"/perfPowerMetrics", nil).must(t, 200)
	if ct := m.header.Get("Content-Type"); ct != "application/vnd.apple.xcode-metrics+json" || !strings.Contains(string(m.body), `"productData"`) {
		t.Fatalf("metrics %q %s", ct, m.body)
	}
	c.do("GET", "/v1/apps/0000/perfPowerMetrics", nil).must(t, 404)
}
