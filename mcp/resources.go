package mcp

import (
	"context"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/workflow/metadata"
)

// URIs of the resources.
const (
	uriApps  = "ascend://apps"
	uriRules = "ascend://apple/rules"
)

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
	srv.AddResource(&sdk.Resource{
		URI:         uriRules,
		Name:        "apple-rules",
		Title:       "Apple's App Store rules",
		Description: "Rules App Store Connect enforces that its API spec does not state: text limits in characters, screenshot display types with their pixel sizes, preview types, platforms, locales, and what each version state allows.",
		MIMEType:    "application/json",
	}, readRules)
}

type textLimit struct {
	Field     string `json:"field"`     // fastlane file name
	Attribute string `json:"attribute"` // App Store Connect attribute
	MaxChars  int    `json:"maxChars"`
	Live      bool   `json:"editableWhenLive,omitempty"`
}

type displayTypeDoc struct {
	Name   string   `json:"name"`
	Device string   `json:"device"`
	Sizes  []string `json:"sizes"`
}

type rules struct {
	TextLimits           []textLimit         `json:"textLimits"`
	TextCounting         string              `json:"textCounting"`
	MaxScreenshotsPerSet int                 `json:"maxScreenshotsPerSet"`
	MaxPreviewsPerSet    int                 `json:"maxPreviewsPerSet"`
	DisplayTypes         []displayTypeDoc    `json:"screenshotDisplayTypes"`
	PreviewTypes         []string            `json:"previewTypes"`
	Platforms            []string            `json:"platforms"`
	Locales              []string            `json:"locales"`
	VersionStates        map[string][]string `json:"versionStates"`
}

// readRules renders package apple's table (and the metadata workflow's field limits, which
// come from it) for an agent.
func readRules(context.Context, *sdk.ReadResourceRequest) (*sdk.ReadResourceResult, error) {
	out := rules{
		TextCounting:         "characters (Unicode code points of the composed form), not bytes",
		MaxScreenshotsPerSet: apple.MaxScreenshotsPerSet, MaxPreviewsPerSet: apple.MaxPreviewsPerSet,
		PreviewTypes: apple.PreviewTypes(), Platforms: apple.Platforms(), Locales: apple.Locales(),
		VersionStates: map[string][]string{},
	}
	for _, specs := range [][]metadata.FieldSpec{metadata.LocaleFields, metadata.ReviewFields} {
		for _, f := range specs {
			if f.MaxChars > 0 {
				out.TextLimits = append(out.TextLimits, textLimit{Field: f.File, Attribute: f.Attribute, MaxChars: f.MaxChars, Live: f.Live})
			}
		}
	}
	for _, d := range apple.DisplayTypes() {
		doc := displayTypeDoc{Name: d.Name, Device: d.Device}
		for _, sz := range d.Sizes {
			doc.Sizes = append(doc.Sizes, sz.String())
		}
		out.DisplayTypes = append(out.DisplayTypes, doc)
	}
	for _, p := range []apple.Phase{apple.Editable, apple.Locked, apple.Live, apple.Retired} {
		out.VersionStates[p.String()] = apple.StatesIn(p)
	}
	return &sdk.ReadResourceResult{Contents: []*sdk.ResourceContents{{URI: uriRules, MIMEType: "application/json", Text: string(marshal(out))}}}, nil
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
