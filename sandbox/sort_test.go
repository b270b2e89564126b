package sandbox

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
)

// sortSamples are attribute values of every kind lists sort by, in Apple's several forms.
var sortSamples = []any{
	nil, 0.0, 1.0, 10.0, 2.5, -3.0, true, false,
	"", "a", "B", "b", "9", "10", "010", "1.9", "1.10", "1.2.3", "1.2.x", "x.1", "1.", ".1", "5", "+1", "-2",
	"2026-04-15T05:27:37-07:00", "2026-04-15T12:27:37Z", "2026-04-15T12:27:38.000+0000", "2019-03-07T13:11:26.000+0000",
	"2026-04-15", "17.0", "17.0.1", "abc.def", []any{"x"}, map[string]any{"k": "v"},
}

// TestSortValuesOrderAsCompareValues checks that the prepared sort values order every pair
// of samples as compareValues does.
func TestSortValuesOrderAsCompareValues(t *testing.T) {
	for _, a := range sortSamples {
		for _, b := range sortSamples {
			pa, pb := prepareSortValue(a), prepareSortValue(b)
			if got, want := pa.compare(&pb), compareValues(a, b); got != want {
				t.Errorf("compare(%#v, %#v) = %d, compareValues %d", a, b, got, want)
			}
		}
	}
}

// TestSortRecordsAsBefore sorts records by one and two keys, ascending and descending and by
// id, and checks the order against a sort that compares the values each time.
func TestSortRecordsAsBefore(t *testing.T) {
	var items []*record
	for i, v := range sortSamples {
		items = append(items, &record{Type: "builds", ID: fmt.Sprintf("id-%02d", len(sortSamples)-i),
			Attrs: map[string]any{"version": v, "group": float64(i % 3)}})
	}
	for _, param := range []string{"version", "-version", "group,-version", "-group,version", "id", "-id", "group,id", "missing"} {
		got := sortRecords(items, param)
		want := slices.Clone(items)
		keys := splitList(param)
		slices.SortStableFunc(want, func(a, b *record) int {
			for _, k := range keys {
				desc := k[0] == '-'
				if desc {
					k = k[1:]
				}
				c := compareValues(a.Attrs[k], b.Attrs[k])
				if k == "id" {
					c = cmp.Compare(a.ID, b.ID)
				}
				if desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return 0
		})
		if !slices.Equal(got, want) {
			t.Errorf("sort=%s: order differs from comparing values each time", param)
		}
	}
}
