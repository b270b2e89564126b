// Package shared renders apps for the apps commands.
package shared

import (
	"encoding/json"
	"fmt"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/internal/cli"
)

// TableFields is the fields[apps] a table needs; asking for only these keeps answers small.
const TableFields = "name,bundleId,sku,primaryLocale"

// Headers are the columns of every apps table.
var Headers = []string{"ID", "NAME", "BUNDLE ID", "SKU", "PRIMARY LOCALE"}

type appAttributes struct {
	Name          string `json:"name"`
	BundleID      string `json:"bundleId"`
	SKU           string `json:"sku"`
	PrimaryLocale string `json:"primaryLocale"`
}

// Render prints apps, Apple's raw resource objects: as JSON when asked (an array when list is
// true, else the single object), otherwise as a table.
func Render(f *cli.Factory, items []json.RawMessage, list bool) error {
	if f.JSONRequested() {
		if !list && len(items) == 1 {
			return f.WriteRawJSON(items[0])
		}
		if items == nil {
			items = []json.RawMessage{}
		}
		return f.WriteJSON(items)
	}
	t := f.NewTable(Headers...)
	for _, raw := range items {
		var r asc.Resource
		if err := json.Unmarshal(raw, &r); err != nil {
			return fmt.Errorf("decode app: %v", err)
		}
		var a appAttributes
		if len(r.Attributes) > 0 {
			if err := json.Unmarshal(r.Attributes, &a); err != nil {
				return fmt.Errorf("decode app %s: %v", r.ID, err)
			}
		}
		t.AddRow(r.ID, a.Name, a.BundleID, a.SKU, a.PrimaryLocale)
	}
	return t.Render()
}
