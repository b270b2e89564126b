// Package lookup finds App Store Connect resources one page at a time, the way a person
// browsing them does: apps, their app infos and versions, those records' localizations, and
// builds. The gateway's curated actions and agent tools are adapters over these functions;
// each is one typed request, and a page's Next link leads to the following page.
package lookup

import (
	"context"
	"errors"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
)

// Page is one page of a list: its items, Apple's link to the next page ("" on the last) and
// the total count when Apple sends it.
type Page[T any] struct {
	Items []T
	Next  string
	Total *int
}

func pageOf[T any](items []T, links asc.PagedDocumentLinks, meta *asc.PagingInformation) *Page[T] {
	p := &Page[T]{Items: items, Next: links.Next}
	if p.Items == nil {
		p.Items = []T{}
	}
	if meta != nil {
		total := meta.Paging.Total
		p.Total = &total
	}
	return p
}

// errNoID refuses an empty id before a request is made: a path ending in a slash is another endpoint.
var errNoID = errors.New("an id is required")

func list(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}

// enumList is list for a filter whose values the spec enumerates (asc.Platform, ...).
func enumList[T ~string](v string) []T {
	if v == "" {
		return nil
	}
	return []T{T(v)}
}

// AppFilter narrows Apps. Zero fields do not filter; Limit 0 is Apple's default page size.
type AppFilter struct {
	BundleID, Name string
	Limit          int
}

// Apps lists the account's apps.
func Apps(ctx context.Context, c *asc.Client, f AppFilter) (*Page[asc.App], error) {
	resp, _, err := c.Apps.List(ctx, &asc.AppsListOptions{FilterBundleID: list(f.BundleID), FilterName: list(f.Name), Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	return pageOf(resp.Data, resp.Links, resp.Meta), nil
}

// App gets one app by its App Store Connect id.
func App(ctx context.Context, c *asc.Client, id string) (*asc.App, error) {
	if id == "" {
		return nil, errNoID
	}
	resp, _, err := c.Apps.Get(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	return &resp.Data, nil
}

// AppInfos lists an app's app info records: the live one and, while a version is prepared,
// the editable one.
func AppInfos(ctx context.Context, c *asc.Client, appID string, limit int) (*Page[asc.AppInfo], error) {
	if appID == "" {
		return nil, errNoID
	}
	resp, _, err := c.Apps.ListInfos(ctx, appID, &asc.AppsListInfosOptions{Limit: limit})
	if err != nil {
		return nil, err
	}
	return pageOf(resp.Data, resp.Links, resp.Meta), nil
}

// PreparedAppInfo picks from an app's app infos the one being prepared (the editable one),
// else the first (the live one); nil when there is none.
func PreparedAppInfo(infos []asc.AppInfo) *asc.AppInfo {
	var info *asc.AppInfo
	for i := range infos {
		if a := infos[i].Attributes; a != nil && apple.IsEditable(string(a.State)) {
			info = &infos[i]
		}
	}
	if info == nil && len(infos) > 0 {
		info = &infos[0]
	}
	return info
}

// LocaleFilter narrows a list of localizations to one locale ("" for all).
type LocaleFilter struct {
	Locale string
	Limit  int
}

// AppInfoLocalizations lists the localized app information (name, subtitle, privacy URLs)
// of an app info record.
func AppInfoLocalizations(ctx context.Context, c *asc.Client, appInfoID string, f LocaleFilter) (*Page[asc.AppInfoLocalization], error) {
	if appInfoID == "" {
		return nil, errNoID
	}
	resp, _, err := c.AppInfos.ListLocalizations(ctx, appInfoID, &asc.AppInfosListLocalizationsOptions{FilterLocale: list(f.Locale), Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	return pageOf(resp.Data, resp.Links, resp.Meta), nil
}

// VersionFilter narrows Versions.
type VersionFilter struct {
	Platform, VersionString, State string
	Limit                          int
}

// Versions lists an app's App Store versions, newest first.
func Versions(ctx context.Context, c *asc.Client, appID string, f VersionFilter) (*Page[asc.AppStoreVersion], error) {
	if appID == "" {
		return nil, errNoID
	}
	resp, _, err := c.Apps.ListAppStoreVersions(ctx, appID, &asc.AppsListAppStoreVersionsOptions{
		FilterPlatform: enumList[asc.Platform](f.Platform), FilterVersionString: list(f.VersionString), FilterAppVersionState: enumList[asc.AppVersionState](f.State), Limit: f.Limit,
	})
	if err != nil {
		return nil, err
	}
	return pageOf(resp.Data, resp.Links, resp.Meta), nil
}

// VersionLocalizations lists the localized metadata (description, keywords, what's new,
// URLs) of an App Store version.
func VersionLocalizations(ctx context.Context, c *asc.Client, versionID string, f LocaleFilter) (*Page[asc.AppStoreVersionLocalization], error) {
	if versionID == "" {
		return nil, errNoID
	}
	resp, _, err := c.AppStoreVersions.ListLocalizations(ctx, versionID, &asc.AppStoreVersionsListLocalizationsOptions{FilterLocale: list(f.Locale), Limit: f.Limit})
	if err != nil {
		return nil, err
	}
	return pageOf(resp.Data, resp.Links, resp.Meta), nil
}

// BuildFilter narrows Builds: a build number (CFBundleVersion) and a processing state.
type BuildFilter struct {
	Version, ProcessingState string
	Limit                    int
}

// Builds lists the builds uploaded for an app, newest first.
func Builds(ctx context.Context, c *asc.Client, appID string, f BuildFilter) (*Page[asc.Build], error) {
	if appID == "" {
		return nil, errNoID
	}
	resp, _, err := c.Builds.List(ctx, &asc.BuildsListOptions{
		FilterApp: []string{appID}, FilterVersion: list(f.Version), FilterProcessingState: enumList[asc.BuildProcessingState](f.ProcessingState),
		Sort: []string{"-uploadedDate"}, Limit: f.Limit,
	})
	if err != nil {
		return nil, err
	}
	return pageOf(resp.Data, resp.Links, resp.Meta), nil
}
