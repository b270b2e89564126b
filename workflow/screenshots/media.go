package screenshots

import (
	"context"
	"errors"
	"net/http"

	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/asc/upload"
)

// media makes the typed requests of one media type: its sets of a localization, their
// assets, and the set writes. The assets themselves go through the upload protocol.
type media interface {
	// sets lists a localization's sets with their assets included, in one request.
	sets(ctx context.Context, c *asc.Client, localizationID string) ([]typedSet, map[string]*upload.Asset, error)
	// assets lists a set's assets in the set's order.
	assets(ctx context.Context, c *asc.Client, setID string) ([]*upload.Asset, error)
	createSet(ctx context.Context, c *asc.Client, localizationID, displayType string) (string, error)
	deleteSet(ctx context.Context, c *asc.Client, id string) error
	reorder(ctx context.Context, c *asc.Client, setID string, ids []asc.ResourceIdentifier) error
	// setFrame sets an asset's poster frame time code (previews only).
	setFrame(ctx context.Context, c *asc.Client, id, code string) error
}

// typedSet is a set as listed: its id, display (or preview) type and the linkage of its assets.
type typedSet struct {
	ID, DisplayType string
	Assets          *asc.Relationship
}

// The attributes an asset read asks for.
var (
	screenshotFields = []string{"fileName", "fileSize", "sourceFileChecksum", "assetDeliveryState", "uploadOperations"}
	previewFields    = []string{"fileName", "fileSize", "sourceFileChecksum", "assetDeliveryState", "videoDeliveryState", "uploadOperations", "previewFrameTimeCode"}
)

// ignoreNotFound treats a resource already gone as deleted.
func ignoreNotFound(err error) error {
	var er *asc.ErrorResponse
	if errors.As(err, &er) && er.StatusCode == http.StatusNotFound {
		return nil
	}
	return err
}

type screenshotMedia struct{}

func (screenshotMedia) sets(ctx context.Context, c *asc.Client, localizationID string) ([]typedSet, map[string]*upload.Asset, error) {
	resp, _, err := c.AppStoreVersionLocalizations.ListAppScreenshotSets(ctx, localizationID, &asc.AppStoreVersionLocalizationsListAppScreenshotSetsOptions{
		Include: []string{"appScreenshots"}, Limit: 50, LimitAppScreenshots: 50,
		FieldsAppScreenshotSets: []string{"screenshotDisplayType", "appScreenshots"}, FieldsAppScreenshots: screenshotFields})
	if err != nil {
		return nil, nil, err
	}
	included := map[string]*upload.Asset{}
	for _, inc := range resp.Included {
		if r, ok := inc.(*asc.AppScreenshot); ok {
			included[r.ID] = upload.ScreenshotAsset(r)
		}
	}
	sets := make([]typedSet, len(resp.Data))
	for i, r := range resp.Data {
		sets[i].ID = r.ID
		if r.Attributes != nil {
			sets[i].DisplayType = string(r.Attributes.ScreenshotDisplayType)
		}
		if r.Relationships != nil {
			sets[i].Assets = r.Relationships.AppScreenshots
		}
	}
	return sets, included, nil
}

func (screenshotMedia) assets(ctx context.Context, c *asc.Client, setID string) ([]*upload.Asset, error) {
	var out []*upload.Asset
	for r, err := range c.AppScreenshotSets.ListAppScreenshotsIter(ctx, setID, &asc.AppScreenshotSetsListAppScreenshotsOptions{Limit: 200, FieldsAppScreenshots: screenshotFields}) {
		if err != nil {
			return nil, err
		}
		out = append(out, upload.ScreenshotAsset(&r))
	}
	return out, nil
}

func (screenshotMedia) createSet(ctx context.Context, c *asc.Client, localizationID, displayType string) (string, error) {
	resp, _, err := c.AppScreenshotSets.Create(ctx, &asc.AppScreenshotSetCreateRequest{Data: asc.AppScreenshotSetCreateRequestData{
		Attributes: asc.AppScreenshotSetCreateRequestAttributes{ScreenshotDisplayType: asc.ScreenshotDisplayType(displayType)},
		Relationships: &asc.AppScreenshotSetCreateRequestRelationships{
			AppStoreVersionLocalization: &asc.Relationship{Data: asc.ToOne("appStoreVersionLocalizations", localizationID)}}}})
	if err != nil {
		return "", err
	}
	return resp.Data.ID, nil
}

func (screenshotMedia) deleteSet(ctx context.Context, c *asc.Client, id string) error {
	_, err := c.AppScreenshotSets.Delete(ctx, id)
	return ignoreNotFound(err)
}

func (screenshotMedia) reorder(ctx context.Context, c *asc.Client, setID string, ids []asc.ResourceIdentifier) error {
	_, err := c.AppScreenshotSets.ReplaceAppScreenshots(ctx, setID, &asc.AppScreenshotSetAppScreenshotsLinkagesRequest{Data: ids})
	return err
}

type previewMedia struct{}

func (previewMedia) sets(ctx context.Context, c *asc.Client, localizationID string) ([]typedSet, map[string]*upload.Asset, error) {
	resp, _, err := c.AppStoreVersionLocalizations.ListAppPreviewSets(ctx, localizationID, &asc.AppStoreVersionLocalizationsListAppPreviewSetsOptions{
		Include: []string{"appPreviews"}, Limit: 50, LimitAppPreviews: 50,
		FieldsAppPreviewSets: []string{"previewType", "appPreviews"}, FieldsAppPreviews: previewFields})
	if err != nil {
		return nil, nil, err
	}
	included := map[string]*upload.Asset{}
	for _, inc := range resp.Included {
		if r, ok := inc.(*asc.AppPreview); ok {
			included[r.ID] = upload.PreviewAsset(r)
		}
	}
	sets := make([]typedSet, len(resp.Data))
	for i, r := range resp.Data {
		sets[i].ID = r.ID
		if r.Attributes != nil {
			sets[i].DisplayType = string(r.Attributes.PreviewType)
		}
		if r.Relationships != nil {
			sets[i].Assets = r.Relationships.AppPreviews
		}
	}
	return sets, included, nil
}

func (previewMedia) assets(ctx context.Context, c *asc.Client, setID string) ([]*upload.Asset, error) {
	var out []*upload.Asset
	for r, err := range c.AppPreviewSets.ListAppPreviewsIter(ctx, setID, &asc.AppPreviewSetsListAppPreviewsOptions{Limit: 200, FieldsAppPreviews: previewFields}) {
		if err != nil {
			return nil, err
		}
		out = append(out, upload.PreviewAsset(&r))
	}
	return out, nil
}

func (previewMedia) createSet(ctx context.Context, c *asc.Client, localizationID, previewType string) (string, error) {
	resp, _, err := c.AppPreviewSets.Create(ctx, &asc.AppPreviewSetCreateRequest{Data: asc.AppPreviewSetCreateRequestData{
		Attributes: asc.AppPreviewSetCreateRequestAttributes{PreviewType: asc.PreviewType(previewType)},
		Relationships: &asc.AppPreviewSetCreateRequestRelationships{
			AppStoreVersionLocalization: &asc.Relationship{Data: asc.ToOne("appStoreVersionLocalizations", localizationID)}}}})
	if err != nil {
		return "", err
	}
	return resp.Data.ID, nil
}

func (previewMedia) deleteSet(ctx context.Context, c *asc.Client, id string) error {
	_, err := c.AppPreviewSets.Delete(ctx, id)
	return ignoreNotFound(err)
}

func (previewMedia) reorder(ctx context.Context, c *asc.Client, setID string, ids []asc.ResourceIdentifier) error {
	_, err := c.AppPreviewSets.ReplaceAppPreviews(ctx, setID, &asc.AppPreviewSetAppPreviewsLinkagesRequest{Data: ids})
	return err
}

func (screenshotMedia) setFrame(context.Context, *asc.Client, string, string) error {
	return errors.New("screenshots have no poster frame")
}

func (previewMedia) setFrame(ctx context.Context, c *asc.Client, id, code string) error {
	_, _, err := c.AppPreviews.Update(ctx, id, &asc.AppPreviewUpdateRequest{Data: asc.AppPreviewUpdateRequestData{
		Type: "appPreviews", ID: id, Attributes: &asc.AppPreviewUpdateRequestAttributes{PreviewFrameTimeCode: &code}}})
	return err
}
