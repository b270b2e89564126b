package pricing_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

func TestPricingSetShowAvailability(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	app := "com.example.quiethours" // never on sale, so without a price schedule yet
	r := h.Run(t, false, "pricing", "show", "--app", app).Want(t, 0)
	if !strings.Contains(r.Stderr, "the app has no price schedule") || !strings.Contains(r.Stderr, "on sale in 10 territories") {
		t.Fatal(r.Stderr)
	}
	// A price that is no price point, and a start date in the past, write nothing.
	before := h.Writes(t)
	r = h.Run(t, false, "pricing", "set", "--app", app, "--price", "2.95", "--yes").Want(t, 1)
	if !strings.Contains(r.Err.Error(), "price.price: 2.95 is not a price point in USA; the nearest are 2.79 and 2.99") {
		t.Fatal(r.Err)
	}
	h.Run(t, false, "pricing", "set", "--app", app, "--price", "2.99", "--territory", "JPN=450", "--yes").Want(t, 0)
	past := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
	r = h.Run(t, false, "pricing", "set", "--app", app, "--price", "3.99", "--start-date", past, "--yes").Want(t, 1)
	if !strings.Contains(r.Err.Error(), "is in the past") {
		t.Fatal(r.Err)
	}
	if h.Writes(t)-before != 1 {
		t.Fatalf("%d writes, want the one schedule", h.Writes(t)-before)
	}
	future := time.Now().UTC().AddDate(0, 1, 0).Format(time.DateOnly)
	h.Run(t, false, "pricing", "set", "--app", app, "--price", "3.99", "--start-date", future, "--yes").Want(t, 0)
	r = h.Run(t, false, "pricing", "show", "--app", app).Want(t, 0)
	for _, want := range []string{"now\tUSA (base)\t2.99", "now\tJPN\t450", future + "\tUSA (base)\t3.99"} {
		if !strings.Contains(r.Stdout, want) {
			t.Fatalf("missing %q in:\n%s", want, r.Stdout)
		}
	}
	r = h.Run(t, false, "pricing", "set", "--app", app, "--price", "3.99", "--start-date", future, "--yes").Want(t, 0)
	if !strings.Contains(r.Stderr, "already matches") {
		t.Fatal(r.Stderr)
	}
	// Availability: one write per territory that changes; unknown codes are refused.
	r = h.Run(t, false, "pricing", "availability", "--app", app, "--territories", "USA,XYZ", "--yes").Want(t, 1)
	if !strings.Contains(r.Err.Error(), `"XYZ" is not a territory`) {
		t.Fatal(r.Err)
	}
	before = h.Writes(t)
	h.Run(t, false, "pricing", "availability", "--app", app, "--territories", "USA,GBR,DEU,FRA,JPN,CAN,AUS,BRA,ESP", "--yes").Want(t, 0)
	if h.Writes(t)-before != 1 {
		t.Fatalf("%d writes for one territory off", h.Writes(t)-before)
	}
	r = h.Run(t, false, "pricing", "show", "--app", app).Want(t, 0)
	if !strings.Contains(r.Stderr, "on sale in 9 territories") {
		t.Fatal(r.Stderr)
	}
}
