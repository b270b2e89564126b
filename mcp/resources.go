package mcp

import (
	"context"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/asc"
)

// URIs of the resources.
const uriApps = "ascend://apps"

// maxListedApps bounds the app list resource (Apple pages it 200 at a time).
const maxListedApps = 2000

func (s *server) addResources(srv *sdk.Server) {
	srv.AddResource(&sdk.Resource{
		URI:         uriApps,
		Name:        "apps",
		Title:       "Apps",
		Description: "The apps this key can see: id, name, bundle id, SKU and primary locale.",
		MIMEType:    "application/json",
	}, s.readApps)
}

type appEntry struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	BundleID      string `json:"bundleId"`
	SKU           string `json:"sku,omitempty"`
	PrimaryLocale string `json:"primaryLocale,omitempty"`
}

type appList struct {
	Apps      []appEntry `json:"apps"`
	Truncated bool       `json:"truncated,omitempty"`
}

func (s *server) readApps(ctx context.Context, req *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	out := appList{Apps: []appEntry{}}
	opts := &asc.AppsListOptions{Limit: 200, FieldsApps: []string{"name", "bundleId", "sku", "primaryLocale"}, Sort: []string{"bundleId"}}
	for app, err := range s.opts.Client.Apps.ListIter(ctx, opts) {
		if err != nil {
			return nil, err
		}
		if len(out.Apps) == maxListedApps {
			out.Truncated = true
			break
		}
		a := app.Attributes
		out.Apps = append(out.Apps, appEntry{ID: app.ID, Name: a.Name, BundleID: a.BundleID, SKU: a.SKU, PrimaryLocale: a.PrimaryLocale})
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uriApps, MIMEType: "application/json", Text: string(marshal(out))}}}, nil
}
