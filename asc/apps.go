package asc

import (
	"context"
	"iter"
	"net/http"
)

// This file holds the first typed resources, written by hand: apps, app infos and app info
// localizations. The generator replaces it with services_gen.go, which declares the same
// services struct for every resource of the spec; nothing outside this file refers to these
// types, so the switch touches no other file.

// services holds one typed service per resource. It is embedded in Client so calls read
// client.Apps.List(ctx, opts).
type services struct {
	Apps                 *AppsService
	AppInfos             *AppInfosService
	AppInfoLocalizations *AppInfoLocalizationsService
}

// init points every service at c. NewClient calls it once.
func (s *services) init(c *Client) {
	base := &service{client: c}
	s.Apps = (*AppsService)(base)
	s.AppInfos = (*AppInfosService)(base)
	s.AppInfoLocalizations = (*AppInfoLocalizationsService)(base)
}

// App is an app record in App Store Connect (schema App).
type App struct {
	Type          string            `json:"type"`
	ID            string            `json:"id"`
	Attributes    *AppAttributes    `json:"attributes,omitempty"`
	Relationships *AppRelationships `json:"relationships,omitempty"`
	Links         *ResourceLinks    `json:"links,omitempty"`
}

// AppAttributes are an app's attributes. Strings are empty and pointers nil when Apple sent
// null or the field was not requested through FieldsApps.
type AppAttributes struct {
	AccessibilityURL                       string `json:"accessibilityUrl,omitempty"`
	Name                                   string `json:"name,omitempty"`
	BundleID                               string `json:"bundleId,omitempty"`
	SKU                                    string `json:"sku,omitempty"`
	PrimaryLocale                          string `json:"primaryLocale,omitempty"`
	IsOrEverWasMadeForKids                 *bool  `json:"isOrEverWasMadeForKids,omitempty"`
	SubscriptionStatusURL                  string `json:"subscriptionStatusUrl,omitempty"`
	SubscriptionStatusURLVersion           string `json:"subscriptionStatusUrlVersion,omitempty"` // V1, V2
	SubscriptionStatusURLForSandbox        string `json:"subscriptionStatusUrlForSandbox,omitempty"`
	SubscriptionStatusURLVersionForSandbox string `json:"subscriptionStatusUrlVersionForSandbox,omitempty"` // V1, V2
	ContentRightsDeclaration               string `json:"contentRightsDeclaration,omitempty"`               // DOES_NOT_USE_THIRD_PARTY_CONTENT, USES_THIRD_PARTY_CONTENT
	StreamlinedPurchasingEnabled           *bool  `json:"streamlinedPurchasingEnabled,omitempty"`
}

// AppRelationships are an app's relationships. Each is nil when Apple did not send it; its
// Data is set only for relationships named in Include.
type AppRelationships struct {
	AccessibilityDeclarations         *Relationship `json:"accessibilityDeclarations,omitempty"`
	AppEncryptionDeclarations         *Relationship `json:"appEncryptionDeclarations,omitempty"`
	AppStoreIcon                      *Relationship `json:"appStoreIcon,omitempty"`
	CiProduct                         *Relationship `json:"ciProduct,omitempty"`
	BetaTesters                       *Relationship `json:"betaTesters,omitempty"`
	BetaGroups                        *Relationship `json:"betaGroups,omitempty"`
	AppStoreVersions                  *Relationship `json:"appStoreVersions,omitempty"`
	AppTags                           *Relationship `json:"appTags,omitempty"`
	PreReleaseVersions                *Relationship `json:"preReleaseVersions,omitempty"`
	BetaAppLocalizations              *Relationship `json:"betaAppLocalizations,omitempty"`
	Builds                            *Relationship `json:"builds,omitempty"`
	BetaLicenseAgreement              *Relationship `json:"betaLicenseAgreement,omitempty"`
	BetaAppReviewDetail               *Relationship `json:"betaAppReviewDetail,omitempty"`
	AppInfos                          *Relationship `json:"appInfos,omitempty"`
	AppClips                          *Relationship `json:"appClips,omitempty"`
	AppPricePoints                    *Relationship `json:"appPricePoints,omitempty"`
	EndUserLicenseAgreement           *Relationship `json:"endUserLicenseAgreement,omitempty"`
	AppPriceSchedule                  *Relationship `json:"appPriceSchedule,omitempty"`
	AppAvailabilityV2                 *Relationship `json:"appAvailabilityV2,omitempty"`
	InAppPurchases                    *Relationship `json:"inAppPurchases,omitempty"`
	SubscriptionGroups                *Relationship `json:"subscriptionGroups,omitempty"`
	GameCenterEnabledVersions         *Relationship `json:"gameCenterEnabledVersions,omitempty"`
	PerfPowerMetrics                  *Relationship `json:"perfPowerMetrics,omitempty"`
	AppCustomProductPages             *Relationship `json:"appCustomProductPages,omitempty"`
	InAppPurchasesV2                  *Relationship `json:"inAppPurchasesV2,omitempty"`
	PromotedPurchases                 *Relationship `json:"promotedPurchases,omitempty"`
	AppEvents                         *Relationship `json:"appEvents,omitempty"`
	ReviewSubmissions                 *Relationship `json:"reviewSubmissions,omitempty"`
	SubscriptionGracePeriod           *Relationship `json:"subscriptionGracePeriod,omitempty"`
	CustomerReviews                   *Relationship `json:"customerReviews,omitempty"`
	CustomerReviewSummarizations      *Relationship `json:"customerReviewSummarizations,omitempty"`
	GameCenterDetail                  *Relationship `json:"gameCenterDetail,omitempty"`
	AppStoreVersionExperimentsV2      *Relationship `json:"appStoreVersionExperimentsV2,omitempty"`
	AlternativeDistributionKey        *Relationship `json:"alternativeDistributionKey,omitempty"`
	AnalyticsReportRequests           *Relationship `json:"analyticsReportRequests,omitempty"`
	MarketplaceSearchDetail           *Relationship `json:"marketplaceSearchDetail,omitempty"`
	BuildUploads                      *Relationship `json:"buildUploads,omitempty"`
	BackgroundAssets                  *Relationship `json:"backgroundAssets,omitempty"`
	BetaFeedbackScreenshotSubmissions *Relationship `json:"betaFeedbackScreenshotSubmissions,omitempty"`
	BetaFeedbackCrashSubmissions      *Relationship `json:"betaFeedbackCrashSubmissions,omitempty"`
	SearchKeywords                    *Relationship `json:"searchKeywords,omitempty"`
	Webhooks                          *Relationship `json:"webhooks,omitempty"`
	AndroidToIosAppMappingDetails     *Relationship `json:"androidToIosAppMappingDetails,omitempty"`
}

// AppResponse is a single-app document (schema AppResponse).
type AppResponse struct {
	Data     App           `json:"data"`
	Included []Resource    `json:"included,omitempty"`
	Links    DocumentLinks `json:"links"`
}

// AppsResponse is one page of apps (schema AppsResponse).
type AppsResponse struct {
	Data     []App              `json:"data"`
	Included []Resource         `json:"included,omitempty"`
	Links    PagedDocumentLinks `json:"links"`
	Meta     *PagingInformation `json:"meta,omitempty"`
}

// AppInfo holds the parts of an app's store listing that are not tied to a version:
// categories, age ratings and the localized name and subtitle (schema AppInfo).
type AppInfo struct {
	Type          string                `json:"type"`
	ID            string                `json:"id"`
	Attributes    *AppInfoAttributes    `json:"attributes,omitempty"`
	Relationships *AppInfoRelationships `json:"relationships,omitempty"`
	Links         *ResourceLinks        `json:"links,omitempty"`
}

// AppInfoAttributes are an app info's attributes. State is the one that is not deprecated;
// the age ratings moved to ageRatingDeclarations and territoryAgeRatings.
type AppInfoAttributes struct {
	AppStoreState      string `json:"appStoreState,omitempty"` // deprecated: use State
	State              string `json:"state,omitempty"`         // ACCEPTED, PREPARE_FOR_SUBMISSION, READY_FOR_DISTRIBUTION, ...
	AppStoreAgeRating  string `json:"appStoreAgeRating,omitempty"`
	AustraliaAgeRating string `json:"australiaAgeRating,omitempty"`
	BrazilAgeRating    string `json:"brazilAgeRating,omitempty"`
	BrazilAgeRatingV2  string `json:"brazilAgeRatingV2,omitempty"`
	FranceAgeRating    string `json:"franceAgeRating,omitempty"`
	KoreaAgeRating     string `json:"koreaAgeRating,omitempty"`
	KidsAgeBand        string `json:"kidsAgeBand,omitempty"`
}

// AppInfoRelationships are an app info's relationships.
type AppInfoRelationships struct {
	App                     *Relationship `json:"app,omitempty"`
	AgeRatingDeclaration    *Relationship `json:"ageRatingDeclaration,omitempty"`
	AppInfoLocalizations    *Relationship `json:"appInfoLocalizations,omitempty"`
	PrimaryCategory         *Relationship `json:"primaryCategory,omitempty"`
	PrimarySubcategoryOne   *Relationship `json:"primarySubcategoryOne,omitempty"`
	PrimarySubcategoryTwo   *Relationship `json:"primarySubcategoryTwo,omitempty"`
	SecondaryCategory       *Relationship `json:"secondaryCategory,omitempty"`
	SecondarySubcategoryOne *Relationship `json:"secondarySubcategoryOne,omitempty"`
	SecondarySubcategoryTwo *Relationship `json:"secondarySubcategoryTwo,omitempty"`
	TerritoryAgeRatings     *Relationship `json:"territoryAgeRatings,omitempty"`
}

// AppInfoResponse is a single app info document (schema AppInfoResponse).
type AppInfoResponse struct {
	Data     AppInfo       `json:"data"`
	Included []Resource    `json:"included,omitempty"`
	Links    DocumentLinks `json:"links"`
}

// AppInfosResponse is one page of app infos (schema AppInfosResponse).
type AppInfosResponse struct {
	Data     []AppInfo          `json:"data"`
	Included []Resource         `json:"included,omitempty"`
	Links    PagedDocumentLinks `json:"links"`
	Meta     *PagingInformation `json:"meta,omitempty"`
}

// AppInfoLocalization is an app's name, subtitle and privacy links in one locale (schema
// AppInfoLocalization).
type AppInfoLocalization struct {
	Type          string                            `json:"type"`
	ID            string                            `json:"id"`
	Attributes    *AppInfoLocalizationAttributes    `json:"attributes,omitempty"`
	Relationships *AppInfoLocalizationRelationships `json:"relationships,omitempty"`
	Links         *ResourceLinks                    `json:"links,omitempty"`
}

// AppInfoLocalizationAttributes are a localization's attributes.
type AppInfoLocalizationAttributes struct {
	Locale            string `json:"locale,omitempty"`
	Name              string `json:"name,omitempty"`
	Subtitle          string `json:"subtitle,omitempty"`
	PrivacyPolicyURL  string `json:"privacyPolicyUrl,omitempty"`
	PrivacyChoicesURL string `json:"privacyChoicesUrl,omitempty"`
	PrivacyPolicyText string `json:"privacyPolicyText,omitempty"`
}

// AppInfoLocalizationRelationships are a localization's relationships.
type AppInfoLocalizationRelationships struct {
	AppInfo *Relationship `json:"appInfo,omitempty"`
}

// AppInfoLocalizationResponse is a single localization document.
type AppInfoLocalizationResponse struct {
	Data     AppInfoLocalization `json:"data"`
	Included []Resource          `json:"included,omitempty"`
	Links    DocumentLinks       `json:"links"`
}

// AppInfoLocalizationsResponse is one page of localizations.
type AppInfoLocalizationsResponse struct {
	Data     []AppInfoLocalization `json:"data"`
	Included []Resource            `json:"included,omitempty"`
	Links    PagedDocumentLinks    `json:"links"`
	Meta     *PagingInformation    `json:"meta,omitempty"`
}

// AppInfoLocalizationCreateRequest creates a localization of an app info (POST
// /v1/appInfoLocalizations). Locale and Name are required, and so is the appInfo
// relationship.
type AppInfoLocalizationCreateRequest struct {
	Data AppInfoLocalizationCreateRequestData `json:"data"`
}

// AppInfoLocalizationCreateRequestData is the resource object of a create request; Type is
// filled in when empty.
type AppInfoLocalizationCreateRequestData struct {
	Type          string                                        `json:"type"`
	Attributes    AppInfoLocalizationCreateRequestAttributes    `json:"attributes"`
	Relationships AppInfoLocalizationCreateRequestRelationships `json:"relationships"`
}

// AppInfoLocalizationCreateRequestAttributes are the attributes of a new localization.
// Optional ones are pointers: nil leaves them out of the body.
type AppInfoLocalizationCreateRequestAttributes struct {
	Locale            string  `json:"locale"`
	Name              string  `json:"name"`
	Subtitle          *string `json:"subtitle,omitempty"`
	PrivacyPolicyURL  *string `json:"privacyPolicyUrl,omitempty"`
	PrivacyChoicesURL *string `json:"privacyChoicesUrl,omitempty"`
	PrivacyPolicyText *string `json:"privacyPolicyText,omitempty"`
}

// AppInfoLocalizationCreateRequestRelationships links the new localization to its app info.
type AppInfoLocalizationCreateRequestRelationships struct {
	AppInfo Relationship `json:"appInfo"`
}

// AppInfoLocalizationUpdateRequest changes a localization (PATCH
// /v1/appInfoLocalizations/{id}). Only non-nil attributes are sent, so a PATCH never blanks a
// field by accident; Ptr("") clears one on purpose.
type AppInfoLocalizationUpdateRequest struct {
	Data AppInfoLocalizationUpdateRequestData `json:"data"`
}

// AppInfoLocalizationUpdateRequestData is the resource object of an update request; Type and
// ID are filled in from the call when empty.
type AppInfoLocalizationUpdateRequestData struct {
	Type       string                                      `json:"type"`
	ID         string                                      `json:"id"`
	Attributes *AppInfoLocalizationUpdateRequestAttributes `json:"attributes,omitempty"`
}

// AppInfoLocalizationUpdateRequestAttributes are the attributes a PATCH may change.
type AppInfoLocalizationUpdateRequestAttributes struct {
	Name              *string `json:"name,omitempty"`
	Subtitle          *string `json:"subtitle,omitempty"`
	PrivacyPolicyURL  *string `json:"privacyPolicyUrl,omitempty"`
	PrivacyChoicesURL *string `json:"privacyChoicesUrl,omitempty"`
	PrivacyPolicyText *string `json:"privacyPolicyText,omitempty"`
}

// AppsService reaches /v1/apps.
type AppsService service

// AppsListOptions are the query parameters of GET /v1/apps.
type AppsListOptions struct {
	FilterName                            []string `query:"filter[name]"`
	FilterBundleID                        []string `query:"filter[bundleId]"`
	FilterSKU                             []string `query:"filter[sku]"`
	FilterAppStoreVersionsAppStoreState   []string `query:"filter[appStoreVersions.appStoreState]"`
	FilterAppStoreVersionsPlatform        []string `query:"filter[appStoreVersions.platform]"`
	FilterAppStoreVersionsAppVersionState []string `query:"filter[appStoreVersions.appVersionState]"`
	FilterReviewSubmissionsState          []string `query:"filter[reviewSubmissions.state]"`
	FilterReviewSubmissionsPlatform       []string `query:"filter[reviewSubmissions.platform]"`
	FilterAppStoreVersions                []string `query:"filter[appStoreVersions]"`
	FilterID                              []string `query:"filter[id]"`
	ExistsGameCenterEnabledVersions       *bool    `query:"exists[gameCenterEnabledVersions]"`
	Sort                                  []string `query:"sort"`
	FieldsApps                            []string `query:"fields[apps]"`
	FieldsAppEncryptionDeclarations       []string `query:"fields[appEncryptionDeclarations]"`
	FieldsBuildIcons                      []string `query:"fields[buildIcons]"`
	FieldsCiProducts                      []string `query:"fields[ciProducts]"`
	FieldsBetaGroups                      []string `query:"fields[betaGroups]"`
	FieldsAppStoreVersions                []string `query:"fields[appStoreVersions]"`
	FieldsPreReleaseVersions              []string `query:"fields[preReleaseVersions]"`
	FieldsBetaAppLocalizations            []string `query:"fields[betaAppLocalizations]"`
	FieldsBuilds                          []string `query:"fields[builds]"`
	FieldsBetaLicenseAgreements           []string `query:"fields[betaLicenseAgreements]"`
	FieldsBetaAppReviewDetails            []string `query:"fields[betaAppReviewDetails]"`
	FieldsAppInfos                        []string `query:"fields[appInfos]"`
	FieldsAppClips                        []string `query:"fields[appClips]"`
	FieldsEndUserLicenseAgreements        []string `query:"fields[endUserLicenseAgreements]"`
	FieldsInAppPurchases                  []string `query:"fields[inAppPurchases]"`
	FieldsSubscriptionGroups              []string `query:"fields[subscriptionGroups]"`
	FieldsGameCenterEnabledVersions       []string `query:"fields[gameCenterEnabledVersions]"`
	FieldsAppCustomProductPages           []string `query:"fields[appCustomProductPages]"`
	FieldsPromotedPurchases               []string `query:"fields[promotedPurchases]"`
	FieldsAppEvents                       []string `query:"fields[appEvents]"`
	FieldsReviewSubmissions               []string `query:"fields[reviewSubmissions]"`
	FieldsSubscriptionGracePeriods        []string `query:"fields[subscriptionGracePeriods]"`
	FieldsGameCenterDetails               []string `query:"fields[gameCenterDetails]"`
	FieldsAppStoreVersionExperiments      []string `query:"fields[appStoreVersionExperiments]"`
	FieldsAndroidToIosAppMappingDetails   []string `query:"fields[androidToIosAppMappingDetails]"`
	Limit                                 int      `query:"limit"`
	Include                               []string `query:"include"`
	LimitAndroidToIosAppMappingDetails    int      `query:"limit[androidToIosAppMappingDetails]"`
	LimitAppClips                         int      `query:"limit[appClips]"`
	LimitAppCustomProductPages            int      `query:"limit[appCustomProductPages]"`
	LimitAppEncryptionDeclarations        int      `query:"limit[appEncryptionDeclarations]"`
	LimitAppEvents                        int      `query:"limit[appEvents]"`
	LimitAppInfos                         int      `query:"limit[appInfos]"`
	LimitAppStoreVersionExperimentsV2     int      `query:"limit[appStoreVersionExperimentsV2]"`
	LimitAppStoreVersions                 int      `query:"limit[appStoreVersions]"`
	LimitBetaAppLocalizations             int      `query:"limit[betaAppLocalizations]"`
	LimitBetaGroups                       int      `query:"limit[betaGroups]"`
	LimitBuilds                           int      `query:"limit[builds]"`
	LimitGameCenterEnabledVersions        int      `query:"limit[gameCenterEnabledVersions]"`
	LimitInAppPurchases                   int      `query:"limit[inAppPurchases]"`
	LimitInAppPurchasesV2                 int      `query:"limit[inAppPurchasesV2]"`
	LimitPreReleaseVersions               int      `query:"limit[preReleaseVersions]"`
	LimitPromotedPurchases                int      `query:"limit[promotedPurchases]"`
	LimitReviewSubmissions                int      `query:"limit[reviewSubmissions]"`
	LimitSubscriptionGroups               int      `query:"limit[subscriptionGroups]"`
}

// List returns one page of apps (GET /v1/apps). Use ListIter to walk every page.
func (s *AppsService) List(ctx context.Context, opts *AppsListOptions) (*AppsResponse, *Response, error) {
	out := new(AppsResponse)
	resp, err := s.client.Do(ctx, http.MethodGet, "/v1/apps", encodeOptions(opts), nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// ListIter yields every app, requesting page after page as the loop consumes them.
func (s *AppsService) ListIter(ctx context.Context, opts *AppsListOptions) iter.Seq2[App, error] {
	return All[App](ctx, s.client, "/v1/apps", encodeOptions(opts))
}

// AppsGetOptions are the query parameters of GET /v1/apps/{id}.
type AppsGetOptions struct {
	FieldsApps                          []string `query:"fields[apps]"`
	FieldsAppEncryptionDeclarations     []string `query:"fields[appEncryptionDeclarations]"`
	FieldsBuildIcons                    []string `query:"fields[buildIcons]"`
	FieldsCiProducts                    []string `query:"fields[ciProducts]"`
	FieldsBetaGroups                    []string `query:"fields[betaGroups]"`
	FieldsAppStoreVersions              []string `query:"fields[appStoreVersions]"`
	FieldsPreReleaseVersions            []string `query:"fields[preReleaseVersions]"`
	FieldsBetaAppLocalizations          []string `query:"fields[betaAppLocalizations]"`
	FieldsBuilds                        []string `query:"fields[builds]"`
	FieldsBetaLicenseAgreements         []string `query:"fields[betaLicenseAgreements]"`
	FieldsBetaAppReviewDetails          []string `query:"fields[betaAppReviewDetails]"`
	FieldsAppInfos                      []string `query:"fields[appInfos]"`
	FieldsAppClips                      []string `query:"fields[appClips]"`
	FieldsEndUserLicenseAgreements      []string `query:"fields[endUserLicenseAgreements]"`
	FieldsInAppPurchases                []string `query:"fields[inAppPurchases]"`
	FieldsSubscriptionGroups            []string `query:"fields[subscriptionGroups]"`
	FieldsGameCenterEnabledVersions     []string `query:"fields[gameCenterEnabledVersions]"`
	FieldsAppCustomProductPages         []string `query:"fields[appCustomProductPages]"`
	FieldsPromotedPurchases             []string `query:"fields[promotedPurchases]"`
	FieldsAppEvents                     []string `query:"fields[appEvents]"`
	FieldsReviewSubmissions             []string `query:"fields[reviewSubmissions]"`
	FieldsSubscriptionGracePeriods      []string `query:"fields[subscriptionGracePeriods]"`
	FieldsGameCenterDetails             []string `query:"fields[gameCenterDetails]"`
	FieldsAppStoreVersionExperiments    []string `query:"fields[appStoreVersionExperiments]"`
	FieldsAndroidToIosAppMappingDetails []string `query:"fields[androidToIosAppMappingDetails]"`
	Include                             []string `query:"include"`
	LimitAndroidToIosAppMappingDetails  int      `query:"limit[androidToIosAppMappingDetails]"`
	LimitAppClips                       int      `query:"limit[appClips]"`
	LimitAppCustomProductPages          int      `query:"limit[appCustomProductPages]"`
	LimitAppEncryptionDeclarations      int      `query:"limit[appEncryptionDeclarations]"`
	LimitAppEvents                      int      `query:"limit[appEvents]"`
	LimitAppInfos                       int      `query:"limit[appInfos]"`
	LimitAppStoreVersionExperimentsV2   int      `query:"limit[appStoreVersionExperimentsV2]"`
	LimitAppStoreVersions               int      `query:"limit[appStoreVersions]"`
	LimitBetaAppLocalizations           int      `query:"limit[betaAppLocalizations]"`
	LimitBetaGroups                     int      `query:"limit[betaGroups]"`
	LimitBuilds                         int      `query:"limit[builds]"`
	LimitGameCenterEnabledVersions      int      `query:"limit[gameCenterEnabledVersions]"`
	LimitInAppPurchases                 int      `query:"limit[inAppPurchases]"`
	LimitInAppPurchasesV2               int      `query:"limit[inAppPurchasesV2]"`
	LimitPreReleaseVersions             int      `query:"limit[preReleaseVersions]"`
	LimitPromotedPurchases              int      `query:"limit[promotedPurchases]"`
	LimitReviewSubmissions              int      `query:"limit[reviewSubmissions]"`
	LimitSubscriptionGroups             int      `query:"limit[subscriptionGroups]"`
}

// Get reads one app (GET /v1/apps/{id}).
func (s *AppsService) Get(ctx context.Context, id string, opts *AppsGetOptions) (*AppResponse, *Response, error) {
	out := new(AppResponse)
	resp, err := s.client.Do(ctx, http.MethodGet, resourcePath("/v1/apps/%s", id), encodeOptions(opts), nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// AppsListAppInfosOptions are the query parameters of GET /v1/apps/{id}/appInfos.
type AppsListAppInfosOptions struct {
	FieldsAppInfos              []string `query:"fields[appInfos]"`
	FieldsApps                  []string `query:"fields[apps]"`
	FieldsAgeRatingDeclarations []string `query:"fields[ageRatingDeclarations]"`
	FieldsAppInfoLocalizations  []string `query:"fields[appInfoLocalizations]"`
	FieldsAppCategories         []string `query:"fields[appCategories]"`
	Limit                       int      `query:"limit"`
	Include                     []string `query:"include"`
	LimitAppInfoLocalizations   int      `query:"limit[appInfoLocalizations]"`
}

// ListAppInfos returns one page of an app's app infos (GET /v1/apps/{id}/appInfos). An app has
// one app info per state of its listing: the live one and, while a new version is prepared,
// an editable one.
func (s *AppsService) ListAppInfos(ctx context.Context, id string, opts *AppsListAppInfosOptions) (*AppInfosResponse, *Response, error) {
	out := new(AppInfosResponse)
	resp, err := s.client.Do(ctx, http.MethodGet, resourcePath("/v1/apps/%s/appInfos", id), encodeOptions(opts), nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// ListAppInfosIter yields every app info of an app.
func (s *AppsService) ListAppInfosIter(ctx context.Context, id string, opts *AppsListAppInfosOptions) iter.Seq2[AppInfo, error] {
	return All[AppInfo](ctx, s.client, resourcePath("/v1/apps/%s/appInfos", id), encodeOptions(opts))
}

// AppInfosService reaches /v1/appInfos.
type AppInfosService service

// AppInfosGetOptions are the query parameters of GET /v1/appInfos/{id}.
type AppInfosGetOptions struct {
	FieldsAppInfos              []string `query:"fields[appInfos]"`
	FieldsApps                  []string `query:"fields[apps]"`
	FieldsAgeRatingDeclarations []string `query:"fields[ageRatingDeclarations]"`
	FieldsAppInfoLocalizations  []string `query:"fields[appInfoLocalizations]"`
	FieldsAppCategories         []string `query:"fields[appCategories]"`
	Include                     []string `query:"include"`
	LimitAppInfoLocalizations   int      `query:"limit[appInfoLocalizations]"`
}

// Get reads one app info (GET /v1/appInfos/{id}).
func (s *AppInfosService) Get(ctx context.Context, id string, opts *AppInfosGetOptions) (*AppInfoResponse, *Response, error) {
	out := new(AppInfoResponse)
	resp, err := s.client.Do(ctx, http.MethodGet, resourcePath("/v1/appInfos/%s", id), encodeOptions(opts), nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// AppInfosListAppInfoLocalizationsOptions are the query parameters of
// GET /v1/appInfos/{id}/appInfoLocalizations.
type AppInfosListAppInfoLocalizationsOptions struct {
	FilterLocale               []string `query:"filter[locale]"`
	FieldsAppInfoLocalizations []string `query:"fields[appInfoLocalizations]"`
	FieldsAppInfos             []string `query:"fields[appInfos]"`
	Limit                      int      `query:"limit"`
	Include                    []string `query:"include"`
}

// ListAppInfoLocalizations returns one page of an app info's localizations
// (GET /v1/appInfos/{id}/appInfoLocalizations).
func (s *AppInfosService) ListAppInfoLocalizations(ctx context.Context, id string, opts *AppInfosListAppInfoLocalizationsOptions) (*AppInfoLocalizationsResponse, *Response, error) {
	out := new(AppInfoLocalizationsResponse)
	resp, err := s.client.Do(ctx, http.MethodGet, resourcePath("/v1/appInfos/%s/appInfoLocalizations", id), encodeOptions(opts), nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// ListAppInfoLocalizationsIter yields every localization of an app info.
func (s *AppInfosService) ListAppInfoLocalizationsIter(ctx context.Context, id string, opts *AppInfosListAppInfoLocalizationsOptions) iter.Seq2[AppInfoLocalization, error] {
	return All[AppInfoLocalization](ctx, s.client, resourcePath("/v1/appInfos/%s/appInfoLocalizations", id), encodeOptions(opts))
}

// AppInfoLocalizationsService reaches /v1/appInfoLocalizations.
type AppInfoLocalizationsService service

// AppInfoLocalizationsGetOptions are the query parameters of
// GET /v1/appInfoLocalizations/{id}.
type AppInfoLocalizationsGetOptions struct {
	FieldsAppInfoLocalizations []string `query:"fields[appInfoLocalizations]"`
	FieldsAppInfos             []string `query:"fields[appInfos]"`
	Include                    []string `query:"include"`
}

// Get reads one localization (GET /v1/appInfoLocalizations/{id}).
func (s *AppInfoLocalizationsService) Get(ctx context.Context, id string, opts *AppInfoLocalizationsGetOptions) (*AppInfoLocalizationResponse, *Response, error) {
	out := new(AppInfoLocalizationResponse)
	resp, err := s.client.Do(ctx, http.MethodGet, resourcePath("/v1/appInfoLocalizations/%s", id), encodeOptions(opts), nil, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// Create adds a localization (POST /v1/appInfoLocalizations). It is sent once and never
// retried automatically: after a failure, list the app info's localizations before trying
// again, or the locale may end up created twice.
func (s *AppInfoLocalizationsService) Create(ctx context.Context, body *AppInfoLocalizationCreateRequest) (*AppInfoLocalizationResponse, *Response, error) {
	if body != nil && body.Data.Type == "" {
		cp := *body
		cp.Data.Type = "appInfoLocalizations"
		body = &cp
	}
	out := new(AppInfoLocalizationResponse)
	resp, err := s.client.Do(ctx, http.MethodPost, "/v1/appInfoLocalizations", nil, body, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// Update changes a localization (PATCH /v1/appInfoLocalizations/{id}).
func (s *AppInfoLocalizationsService) Update(ctx context.Context, id string, body *AppInfoLocalizationUpdateRequest) (*AppInfoLocalizationResponse, *Response, error) {
	if body != nil && (body.Data.Type == "" || body.Data.ID == "") {
		cp := *body
		if cp.Data.Type == "" {
			cp.Data.Type = "appInfoLocalizations"
		}
		if cp.Data.ID == "" {
			cp.Data.ID = id
		}
		body = &cp
	}
	out := new(AppInfoLocalizationResponse)
	resp, err := s.client.Do(ctx, http.MethodPatch, resourcePath("/v1/appInfoLocalizations/%s", id), nil, body, out)
	if err != nil {
		return nil, resp, err
	}
	return out, resp, nil
}

// Delete removes a localization (DELETE /v1/appInfoLocalizations/{id}).
func (s *AppInfoLocalizationsService) Delete(ctx context.Context, id string) (*Response, error) {
	return s.client.Do(ctx, http.MethodDelete, resourcePath("/v1/appInfoLocalizations/%s", id), nil, nil, nil)
}
