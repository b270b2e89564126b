package products

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/ascend-tools/ascend/internal/cli"
)

// FuzzCatalog reads any bytes as a products file. Parse and Validate never panic; every
// problem is one non-empty line; a file read without problems is written by Marshal as a
// document that reads back equal (an empty list or map is as good as none: neither manages
// anything), and writing is stable (equal catalogs, equal bytes, also
// after Sort).
func FuzzCatalog(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `{}`, `[]`, `null`, `{} {}`, `{"inAppPurchases": null}`,
		`{"inAppPurchases": [{"productId": "a", "type": "CONSUMABLE", "price": {"price": "1e400"}}]}`,
		`{"inAppPurchases": [null]}`,
		`{"subscriptionGroups": [{"subscriptions": [null, {"groupLevel": 1e30}]}]}`,
		`{"subscriptionGroups": [{"referenceName": "x", "subscriptions": [{"productId": "p", "introductoryOffers": [{"mode": "PAY_AS_YOU_GO", "periods": -1}]}]}]}`,
		"{\"inAppPurchases\": [{\"productId\": \"a\u2028b\", \"localizations\": {\"en-US\": {\"name\": \"\\u0000\"}}}]}",
		`{"inAppPurchases": [{"localizations": {"": {"name": "x"}}, "availability": {"territories": ["", "usa", "USA", "USA"]}}]}`,
		`{"$schema": 3}`, `{"inAppPurchases": [{"price": {"changes": [{"startDate": "2030-02-30"}]}}]}`,
	} {
		f.Add([]byte(s))
	}
	opts := ValidateOptions{Now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC), Dir: f.TempDir()}
	f.Fuzz(func(t *testing.T, b []byte) {
		c, problems := Parse(b)
		oneLine(t, "Parse", problems)
		if c == nil {
			if len(problems) == 0 {
				t.Fatal("Parse gave neither a catalog nor a problem")
			}
			return
		}
		if len(problems) > 0 {
			t.Fatalf("Parse gave a catalog and problems %v", problems)
		}
		// Review screenshots are files: the fuzzer's paths must not read the machine's.
		for _, p := range c.InAppPurchases {
			if p != nil && p.ReviewScreenshot != nil {
				p.ReviewScreenshot = new(string)
			}
		}
		for _, g := range c.SubscriptionGroups {
			if g == nil {
				continue
			}
			for _, s := range g.Subscriptions {
				if s != nil && s.ReviewScreenshot != nil {
					s.ReviewScreenshot = new(string)
				}
			}
		}
		oneLine(t, "Validate", Validate(c, opts))
		out, err := Marshal(c)
		if err != nil {
			t.Fatalf("Marshal of a catalog Parse read: %v", err)
		}
		again, problems := Parse(out)
		if len(problems) > 0 || again == nil {
			t.Fatalf("what Marshal wrote does not read back: %v\n%s", problems, out)
		}
		if d := cmp.Diff(c, again, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("read back differs (-read +written):\n%s", d)
		}
		if out2, _ := Marshal(again); !bytes.Equal(out, out2) {
			t.Fatalf("Marshal is not stable:\n%s\n%s", out, out2)
		}
		c.Sort()
		sorted, _ := Marshal(c)
		again.Sort()
		again.Sort()
		if sorted2, _ := Marshal(again); !bytes.Equal(sorted, sorted2) {
			t.Fatalf("Sort is not stable:\n%s\n%s", sorted, sorted2)
		}
	})
}

// oneLine fails unless every problem has a message and prints as one line where the CLI
// prints it (values are kept as the file has them; printing escapes them).
func oneLine(t *testing.T, what string, problems []Problem) {
	t.Helper()
	for _, p := range problems {
		if strings.TrimSpace(p.Message) == "" {
			t.Fatalf("%s: a problem without a message: %q", what, p.String())
		}
	}
	if len(problems) == 0 {
		return
	}
	text := cli.ErrorText(&ValidationError{Dir: "products.json", Problems: problems})
	if lines := strings.Split(text, "\n"); len(lines) != len(problems)+1 {
		t.Fatalf("%s: %d problems print as %d lines:\n%s", what, len(problems), len(lines), text)
	}
}
