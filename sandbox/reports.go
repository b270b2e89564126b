package sandbox

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"strings"
)

// rawBody is an answer that is not JSON:API: a gzipped report, a CSV, a metrics document.
type rawBody struct {
	contentType string
	data        []byte
}

// report answers the operations whose media type is not application/json, in that media
// type: sales and finance reports as gzipped tab-separated text with Apple's columns,
// one-time offer codes as CSV, power and performance metrics and diagnostic logs as their
// JSON documents. The content is small and made from the demo apps.
func (s *Server) report(req *apiRequest, segs []string, typ string) (int, any, *httpError) {
	if len(segs) >= 3 && segs[2] == "{id}" {
		if s.st.get(typ, req.params["id"]) == nil {
			return 0, nil, notFound(typ, req.params["id"])
		}
	}
	switch req.op.MediaType {
	case "application/a-gzip":
		var tsv strings.Builder
		if strings.Contains(req.op.Path, "finance") {
			tsv.WriteString("Start Date\tEnd Date\tUPC\tISRC/ISBN\tVendor Identifier\tQuantity\tPartner Share\tExtended Partner Share\tPartner Share Currency\tSales or Return\tApple Identifier\tArtist/Show/Developer/Author\tTitle\tLabel/Studio/Network/Developer/Publisher\tGrid\tProduct Type Identifier\tISAN/Other Identifier\tCountry Of Sale\tPre-order Flag\tPromo Code\tCustomer Price\tCustomer Currency\n")
			for i, a := range s.st.all("apps") {
				fmt.Fprintf(&tsv, "01/01/2026\t01/31/2026\t\t\t%s\t%d\t0.70\t%.2f\tUSD\tS\t%s\tExample Labs\t%s\t\t\t1F\t\tUS\t\t\t0.99\tUSD\n",
					a.str("sku"), 100*(i+1), 0.70*float64(100*(i+1)), a.ID, a.str("name"))
			}
		} else {
			tsv.WriteString("Provider\tProvider Country\tSKU\tDeveloper\tTitle\tVersion\tProduct Type Identifier\tUnits\tDeveloper Proceeds\tBegin Date\tEnd Date\tCustomer Currency\tCountry Code\tCurrency of Proceeds\tApple Identifier\tCustomer Price\tPromo Code\tParent Identifier\tSubscription\tPeriod\tCategory\tCMB\tDevice\tSupported Platforms\tProceeds Reason\tPreserved Pricing\tClient\tOrder Type\n")
			for i, a := range s.st.all("apps") {
				fmt.Fprintf(&tsv, "APPLE\tUS\t%s\tExample Labs\t%s\t1.0\t1F\t%d\t0\t01/14/2026\t01/14/2026\tUSD\tUS\tUSD\t%s\t0\t\t\t\t\tProductivity\t\tiPhone\tiOS\t\t\t\t\n",
					a.str("sku"), a.str("name"), 10*(i+1), a.ID)
			}
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write([]byte(tsv.String()))
		_ = zw.Close()
		return http.StatusOK, rawBody{"application/a-gzip", buf.Bytes()}, nil
	case "text/csv":
		var csv strings.Builder
		csv.WriteString("code\n")
		for i := range 5 {
			fmt.Fprintf(&csv, "SBX%s%02d\n", strings.ToUpper(req.params["id"][:min(4, len(req.params["id"]))]), i)
		}
		return http.StatusOK, rawBody{"text/csv", []byte(csv.String())}, nil
	case "application/vnd.apple.xcode-metrics+json":
		return http.StatusOK, rawBody{req.op.MediaType, []byte(`{"version":"1.0","insights":{"trendingUp":[],"regressions":[]},"productData":[]}` + "\n")}, nil
	case "application/vnd.apple.diagnostic-logs+json":
		return http.StatusOK, rawBody{req.op.MediaType, []byte(`{"version":"1.0","productData":[]}` + "\n")}, nil
	}
	return s.fallback(req)
}
