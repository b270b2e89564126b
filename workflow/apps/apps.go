// Package apps finds apps: the one place that turns what a user typed (an app's numeric id
// or its bundle id) into the app, for every command, gateway action and workflow.
package apps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/ascend-tools/ascend/asc"
)

// IsID reports whether s is an app id as App Store Connect shows it: all digits.
func IsID(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }

// ErrNoApp is returned when no app is named at all.
var ErrNoApp = errors.New("no app given; pass --app with the app's id or bundle id")

// Resolve returns the app named by an id or a bundle id, with the requests it made: none for
// an id (the App then has only its ID), one for a bundle id (ID and BundleID set). Callers
// that go on to read the app's versions or infos need no more than that; Get reads the whole
// app.
func Resolve(ctx context.Context, c *asc.Client, app string) (*asc.App, int, error) {
	switch {
	case app == "":
		return nil, 0, ErrNoApp
	case IsID(app):
		return &asc.App{Type: "apps", ID: app}, 0, nil
	}
	found, err := byBundleID(ctx, c, app, []string{"bundleId"})
	return found, 1, err
}

// Get reads an app by id or bundle id, in one request. fields limits the attributes read
// (nil: all).
func Get(ctx context.Context, c *asc.Client, app string, fields []string) (*asc.App, error) {
	switch {
	case app == "":
		return nil, ErrNoApp
	case !IsID(app):
		return byBundleID(ctx, c, app, fields)
	}
	resp, _, err := c.Apps.Get(ctx, app, &asc.AppsGetOptions{FieldsApps: fields})
	var er *asc.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
		return nil, fmt.Errorf("app %s not found: check the id with 'ascend apps list'", app)
	}
	if err != nil {
		return nil, fmt.Errorf("get app %s: %w", app, err)
	}
	return &resp.Data, nil
}

// byBundleID finds the app whose bundle id is exactly bundleID. Apple does not document
// filter[bundleId] as an exact match, so a full page is read and the exact one kept.
func byBundleID(ctx context.Context, c *asc.Client, bundleID string, fields []string) (*asc.App, error) {
	if fields != nil && !slices.Contains(fields, "bundleId") {
		fields = slices.Concat(fields, []string{"bundleId"})
	}
	resp, _, err := c.Apps.List(ctx, &asc.AppsListOptions{FilterBundleID: []string{bundleID}, FieldsApps: fields, Limit: 200})
	if err != nil {
		return nil, fmt.Errorf("look up app %s: %w", bundleID, err)
	}
	for i := range resp.Data {
		if a := resp.Data[i].Attributes; a != nil && a.BundleID == bundleID {
			return &resp.Data[i], nil
		}
	}
	return nil, fmt.Errorf("no app with bundle id %s is visible to this key; check it with 'ascend apps list'", bundleID)
}

// Filter selects apps to list. Empty fields select everything.
type Filter struct {
	BundleIDs, Names, SKUs []string
	// Platforms keeps apps with a version on one of these platforms.
	Platforms []string
	// Fields limits the attributes read (nil: all).
	Fields []string
	// Limit is the page size (Apple serves at most MaxLimit); All reads every page.
	Limit int
	All   bool
}

// MaxLimit is the largest page of apps Apple serves.
const MaxLimit = 200

// List returns the apps the filter selects: one page, or every page with All. more reports
// that a page was left unread.
func List(ctx context.Context, c *asc.Client, f Filter) (list []asc.App, more bool, err error) {
	opts := &asc.AppsListOptions{FilterBundleID: f.BundleIDs, FilterName: f.Names, FilterSKU: f.SKUs,
		FieldsApps: f.Fields, Limit: f.Limit}
	for _, p := range f.Platforms {
		opts.FilterAppStoreVersionsPlatform = append(opts.FilterAppStoreVersionsPlatform, asc.Platform(p))
	}
	list = []asc.App{}
	if f.All {
		for app, err := range c.Apps.ListIter(ctx, opts) {
			if err != nil {
				return nil, false, fmt.Errorf("list apps: %w", err)
			}
			list = append(list, app)
		}
		return list, false, nil
	}
	resp, _, err := c.Apps.List(ctx, opts)
	if err != nil {
		return nil, false, fmt.Errorf("list apps: %w", err)
	}
	return append(list, resp.Data...), resp.Links.Next != "", nil
}

// Probe makes the cheapest request every key may make, one app of the list, to prove that
// the key works; the response carries Apple's status and rate limit.
func Probe(ctx context.Context, c *asc.Client) (*asc.Response, error) {
	_, resp, err := c.Apps.List(ctx, &asc.AppsListOptions{Limit: 1})
	return resp, err
}

// ContentRights is the app's content rights declaration for a answer to "does the app
// contain, show or access third-party content?" (deliver's submission_information
// content_rights_contains_third_party_content).
func ContentRights(usesThirdParty bool) asc.AppContentRightsDeclaration {
	if usesThirdParty {
		return asc.AppContentRightsDeclarationUsesThirdPartyContent
	}
	return asc.AppContentRightsDeclarationDoesNotUseThirdPartyContent
}

// SetContentRights makes the app's content rights declaration want: it reads the app (one
// request) and sends one PATCH only when the declaration differs (none on a dry run). It
// returns whether it differed. A PATCH sets a value, so sending it again after a lost answer
// is safe.
func SetContentRights(ctx context.Context, c *asc.Client, app string, want asc.AppContentRightsDeclaration, dryRun bool) (bool, error) {
	a, err := Get(ctx, c, app, []string{"contentRightsDeclaration"})
	if err != nil {
		return false, err
	}
	if a.Attributes != nil && a.Attributes.ContentRightsDeclaration == want {
		return false, nil
	}
	if dryRun {
		return true, nil
	}
	body := &asc.AppUpdateRequest{Data: asc.AppUpdateRequestData{Type: "apps", ID: a.ID,
		Attributes: &asc.AppUpdateRequestAttributes{ContentRightsDeclaration: &want}}}
	if _, _, err := c.Apps.Update(ctx, a.ID, body); err != nil {
		return true, fmt.Errorf("set the content rights declaration of app %s: %w", app, err)
	}
	return true, nil
}
