// Package localization changes one localization of an app at a time: the localized app
// information (name, subtitle, privacy URLs) or an App Store version's localized metadata
// (description, keywords, what's new, URLs). Only the fields given change. For whole
// locale trees from files, see workflow/metadata.
package localization

import (
	"context"
	"errors"
	"reflect"

	"github.com/ascend-tools/ascend/asc"
)

var errNoID = errors.New("a localization id is required")

// ErrNothingToChange refuses an update that names no field: it would change nothing and
// still cost a request.
var ErrNothingToChange = errors.New("no field to change")

// UpdateAppInfo changes the given fields of an app info localization and returns it as App
// Store Connect now has it. PATCH is idempotent, so a failed update may simply be sent again.
func UpdateAppInfo(ctx context.Context, c *asc.Client, id string, fields asc.AppInfoLocalizationUpdateRequestAttributes) (*asc.AppInfoLocalization, error) {
	if id == "" {
		return nil, errNoID
	}
	if reflect.ValueOf(fields).IsZero() {
		return nil, ErrNothingToChange
	}
	resp, _, err := c.AppInfoLocalizations.Update(ctx, id, &asc.AppInfoLocalizationUpdateRequest{
		Data: asc.AppInfoLocalizationUpdateRequestData{ID: id, Attributes: &fields},
	})
	if err != nil {
		return nil, err
	}
	return &resp.Data, nil
}

// UpdateVersion changes the given fields of an App Store version localization and returns it
// as App Store Connect now has it.
func UpdateVersion(ctx context.Context, c *asc.Client, id string, fields asc.AppStoreVersionLocalizationUpdateRequestAttributes) (*asc.AppStoreVersionLocalization, error) {
	if id == "" {
		return nil, errNoID
	}
	if reflect.ValueOf(fields).IsZero() {
		return nil, ErrNothingToChange
	}
	resp, _, err := c.AppStoreVersionLocalizations.Update(ctx, id, &asc.AppStoreVersionLocalizationUpdateRequest{
		Data: asc.AppStoreVersionLocalizationUpdateRequestData{ID: id, Attributes: &fields},
	})
	if err != nil {
		return nil, err
	}
	return &resp.Data, nil
}
