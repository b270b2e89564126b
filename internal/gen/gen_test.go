package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/testutil"
)

func TestGoName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"bundleId", "BundleID"},
		{"filter[bundleId]", "FilterBundleID"},
		{"fields[apps]", "FieldsApps"},
		{"limit[appInfos]", "LimitAppInfos"},
		{"exists[gameCenterEnabledVersions]", "ExistsGameCenterEnabledVersions"},
		{"filter[appStoreVersions.appStoreState]", "FilterAppStoreVersionsAppStoreState"},
		{"privacyPolicyUrl", "PrivacyPolicyURL"},
		{"sku", "SKU"},
		{"inAppPurchasesV2", "InAppPurchasesV2"},
		{"ciProduct", "CiProduct"},
		{"bundleIds", "BundleIDs"},
		{"appPricePointsV3", "AppPricePointsV3"},
		{"include", "Include"},
		{"sort", "Sort"},
	}
	for _, tt := range tests {
		if got := goName(tt.in); got != tt.want {
			t.Errorf("goName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEnumConstName(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"READY_FOR_SALE", "ReadyForSale"},
		{"MAC_OS", "MacOS"},
		{"IOS", "IOS"},
		{"TV_OS", "TVOS"},
		{"V1", "V1"},
		{"en-US", "EnUs"},
		{"", "Empty"},
	}
	for _, tt := range tests {
		if got := enumConstName(tt.in); got != tt.want {
			t.Errorf("enumConstName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMethodName(t *testing.T) {
	t.Parallel()
	tests := []struct{ id, service, method string }{
		{"apps_getCollection", "Apps", "List"},
		{"apps_getInstance", "Apps", "Get"},
		{"appInfoLocalizations_createInstance", "AppInfoLocalizations", "Create"},
		{"appInfoLocalizations_updateInstance", "AppInfoLocalizations", "Update"},
		{"appInfoLocalizations_deleteInstance", "AppInfoLocalizations", "Delete"},
		{"apps_appInfos_getToManyRelated", "Apps", "ListInfos"},
		{"appInfos_app_getToOneRelated", "AppInfos", "GetApp"},
		{"apps_appInfos_getToManyRelationship", "Apps", "ListInfoIDs"},
		{"appInfos_app_getToOneRelationship", "AppInfos", "GetAppID"},
		{"betaGroups_betaTesters_createToManyRelationship", "BetaGroups", "AddBetaTesters"},
		{"betaGroups_betaTesters_deleteToManyRelationship", "BetaGroups", "RemoveBetaTesters"},
		{"betaGroups_betaTesters_getToManyRelationship", "BetaGroups", "ListBetaTesterIDs"},
		{"appScreenshotSets_appScreenshots_replaceToManyRelationship", "AppScreenshotSets", "ReplaceAppScreenshots"},
		{"appStoreVersions_build_updateToOneRelationship", "AppStoreVersions", "ReplaceBuild"},
		{"apps_betaTesterUsages_getMetrics", "Apps", "GetBetaTesterUsagesMetrics"},
		{"appPricePointsV3_getInstance", "AppPricePointsV3", "Get"},
		// The service's resource name is dropped from the relationship...
		{"appStoreVersions_appStoreVersionLocalizations_getToManyRelated", "AppStoreVersions", "ListLocalizations"},
		{"appStoreVersions_appStoreVersionLocalizations_getToManyRelationship", "AppStoreVersions", "ListLocalizationIDs"},
		{"appStoreVersionExperimentTreatments_appStoreVersionExperimentTreatmentLocalizations_getToManyRelationship", "AppStoreVersionExperimentTreatments", "ListLocalizationIDs"},
		{"inAppPurchasesV2_inAppPurchaseLocalizations_getToManyRelated", "InAppPurchasesV2", "ListLocalizations"},
		{"bundleIds_bundleIdCapabilities_getToManyRelated", "BundleIDs", "ListCapabilities"},
		{"appStoreVersionExperimentsV2_appStoreVersionExperimentTreatments_getToManyRelationship", "AppStoreVersionExperimentsV2", "ListTreatmentIDs"},
		// ... and so is a product name both begin with...
		{"appStoreVersions_appStoreReviewDetail_getToOneRelated", "AppStoreVersions", "GetReviewDetail"},
		{"gameCenterGroups_gameCenterLeaderboards_getToManyRelated", "GameCenterGroups", "ListLeaderboards"},
		{"appStoreVersionLocalizations_appStoreVersion_getToOneRelated", "AppStoreVersionLocalizations", "GetVersion"},
		// ... but never a product name itself, nor the whole name.
		{"apps_appStoreVersions_getToManyRelated", "Apps", "ListAppStoreVersions"},
		{"apps_appClips_getToManyRelated", "Apps", "ListAppClips"},
		{"appStoreVersionExperiments_appStoreVersionExperiment_getToOneRelated", "AppStoreVersionExperiments", "GetAppStoreVersionExperiment"},
		{"appStoreVersionPhasedReleases_getInstance", "AppStoreVersionPhasedReleases", "Get"},
	}
	ops := make([]*Op, len(tests))
	for i, tt := range tests {
		ops[i] = &Op{ID: tt.id}
	}
	parsed, names, err := methodNames(ops, resourceName)
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		if svc, m := parsed[ops[i]].service, names[ops[i]]; svc != tt.service || m != tt.method {
			t.Errorf("%s -> %s.%s; want %s.%s", tt.id, svc, m, tt.service, tt.method)
		}
	}
	if _, err := parseOpName("apps_somethingNew"); err == nil {
		t.Error("an unknown operation kind must fail generation, not guess a name")
	}
}

// TestMethodNameCollision checks that two relationships whose short names meet keep their
// full names, whatever their order in the spec, and that a short name never takes an
// iterator's name.
func TestMethodNameCollision(t *testing.T) {
	t.Parallel()
	for _, order := range [][]string{
		{"apps_appTags_getToManyRelated", "apps_tags_getToManyRelated"},
		{"apps_tags_getToManyRelated", "apps_appTags_getToManyRelated"},
	} {
		ops := []*Op{{ID: order[0]}, {ID: order[1]}}
		_, names, err := methodNames(ops, resourceName)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{ops[0].ID: names[ops[0]], ops[1].ID: names[ops[1]]}
		if got["apps_appTags_getToManyRelated"] != "ListAppTags" || got["apps_tags_getToManyRelated"] != "ListTags" {
			t.Errorf("order %v: %v; want the full name ListAppTags beside ListTags", order, got)
		}
	}
	ops := []*Op{{ID: "apps_appX_getToManyRelated"}, {ID: "apps_xIter_getToManyRelated"}}
	_, names, err := methodNames(ops, resourceName)
	if err != nil {
		t.Fatal(err)
	}
	if names[ops[0]] != "ListAppX" {
		t.Errorf("the short name ListX would give an iterator ListXIter beside the method ListXIter; got %s", names[ops[0]])
	}
}

func TestSingular(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Localizations": "Localization", "Territories": "Territory", "ExperimentsV2": "ExperimentV2",
		"Releases": "Release", "InAppPurchases": "InAppPurchase", "BetaRecruitmentCriteria": "BetaRecruitmentCriteria",
		"Status": "Status", "BundleIDs": "BundleID", "ContentStatuses": "ContentStatus", "Addresses": "Address",
	} {
		if got := singular(in); got != want {
			t.Errorf("singular(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestDocURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{"GET", "/v1/apps", "https://developer.apple.com/documentation/appstoreconnectapi/get-v1-apps"},
		{"GET", "/v1/apps/{id}/appInfos", "https://developer.apple.com/documentation/appstoreconnectapi/get-v1-apps-_id_-appinfos"},
		{"PATCH", "/v1/appInfoLocalizations/{id}", "https://developer.apple.com/documentation/appstoreconnectapi/patch-v1-appinfolocalizations-_id_"},
	}
	for _, tt := range tests {
		if got := docURL(&Op{Method: tt.method, Path: tt.path}); got != tt.want {
			t.Errorf("docURL(%s %s) = %s, want %s", tt.method, tt.path, got, tt.want)
		}
	}
}

// TestGenerationIsDeterministic runs the generator twice into fresh folders and compares
// every file byte for byte, and compares the result with the committed files, so go
// generate never produces a diff by itself.
func TestGenerationIsDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the whole client twice")
	}
	t.Parallel()
	specPath := testutil.SpecPath(t)
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	var dirs [2]string
	for i := range dirs {
		dirs[i] = t.TempDir()
		cat := filepath.Join(dirs[i], "spec")
		cli := filepath.Join(dirs[i], "asc")
		for _, d := range []string{cat, cli} {
			if err := os.Mkdir(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		if err := run([]string{"-spec", specPath, "-catalog", cat, "-client", cli}); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	for _, sub := range []string{"spec", "asc"} {
		files, _ := filepath.Glob(filepath.Join(dirs[0], sub, "*.go"))
		if len(files) == 0 {
			t.Fatalf("no files generated into %s", sub)
		}
		for _, f := range files {
			a, _ := os.ReadFile(f)
			b, err := os.ReadFile(filepath.Join(dirs[1], sub, filepath.Base(f)))
			if err != nil || !bytes.Equal(a, b) {
				t.Errorf("%s/%s differs between two runs", sub, filepath.Base(f))
			}
			committedDir := map[string]string{"spec": "internal/spec", "asc": "asc"}[sub]
			c, err := os.ReadFile(filepath.Join(root, committedDir, filepath.Base(f)))
			if err != nil || !bytes.Equal(a, c) {
				t.Errorf("%s/%s differs from the committed file: run go generate ./internal/gen", committedDir, filepath.Base(f))
			}
			if !bytes.HasPrefix(a, []byte(generatedHeader)) {
				t.Errorf("%s lacks the generated-code header", f)
			}
		}
	}
}

// TestMissingSpecSaysWhereToPointIt checks the message of a fresh clone without ../shared.
func TestMissingSpecSaysWhereToPointIt(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "app-store-connect-openapi.json")
	err := run([]string{"-spec", missing, "-catalog", t.TempDir(), "-client", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "ASCEND_SPEC") {
		t.Errorf("error %v should name the missing spec and ASCEND_SPEC", err)
	}
}

// TestFamilies checks that a declaration is filed with the resource its name starts with,
// the longest such name winning, and that names of no family go to the shared file.
func TestFamilies(t *testing.T) {
	t.Parallel()
	resources := map[string]string{
		"AppStoreVersion": "appStoreVersions", "AppStoreVersionLocalization": "appStoreVersionLocalizations",
		"BundleId": "bundleIds", "InAppPurchaseV2": "inAppPurchases", "App": "apps",
	}
	f := newFamilies(resources, []string{"AppStoreVersions", "AppStoreVersionLocalizations", "BundleIDs", "InAppPurchasesV2", "Apps", "SalesReports"})
	for decl, want := range map[string]string{
		"AppStoreVersion":                                             "appstoreversions_gen.go",
		"AppStoreVersionsListLocalizationsOptions":                    "appstoreversions_gen.go",
		"AppStoreVersionLocalizationsResponse":                        "appstoreversionlocalizations_gen.go",
		"AppStoreVersionAppStoreVersionLocalizationsLinkagesResponse": "appstoreversions_gen.go",
		"BundleIdsResponse":                                           "bundleids_gen.go",
		"BundleIDsListOptions":                                        "bundleids_gen.go",
		"InAppPurchaseV2Attributes":                                   "inapppurchases_gen.go",
		"InAppPurchasesV2Service":                                     "inapppurchases_gen.go",
		"appsResponseIncluded":                                        "apps_gen.go",
		"AppleThing":                                                  sharedFile, // "App" + lower case: not the apps family
		"Platform":                                                    sharedFile,
		"SalesReportsListOptions":                                     "salesreports_gen.go",
		"CiActionType":                                                "ci_gen.go",
		"BetaTesterUsagesV1MetricResponse":                            metricsFile,
	} {
		if got := f.file(decl); got != want {
			t.Errorf("%s filed in %s, want %s", decl, got, want)
		}
	}
}

// TestEnumNames checks the domain names of inline enums: place markers and versions
// dropped, shared words kept, no word said twice.
func TestEnumNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		field  string
		owners []string
		want   string
	}{
		{"ReleaseType", []string{"AppStoreVersionAttributes", "AppStoreVersionCreateRequestAttributes", "AppStoreVersionUpdateRequestAttributes"}, "AppStoreVersionReleaseType"},
		{"ScoreSortType", []string{"GameCenterLeaderboardAttributes", "GameCenterLeaderboardV2CreateRequestAttributes"}, "GameCenterLeaderboardScoreSortType"},
		{"ProfileType", []string{"ProfileAttributes", "ProfileCreateRequestAttributes"}, "ProfileType"},
		{"State", []string{"InAppPurchaseLocalizationAttributes", "SubscriptionLocalizationAttributes"}, "LocalizationState"},
		{"Priority", []string{"AppEventAttributes", "WinBackOfferAttributes"}, "Priority"},
		{"AccessType", []string{"AnalyticsReportRequestAttributes", "AnalyticsReportRequestCreateRequestAttributes"}, "AnalyticsReportRequestAccessType"},
		{"PhoneNumberType", []string{"AppClipAdvancedExperienceAttributesPlace"}, "AppClipAdvancedExperiencePlacePhoneNumberType"},
		{"Granularity", []string{"GameCenterMatchmakingAppRequestsV1MetricResponse", "GameCenterMatchmakingQueueSizesV1MetricResponse"}, "GameCenterMatchmakingGranularity"},
	}
	for _, tt := range tests {
		if got := enumGroupName(&enumGroup{field: tt.field, owners: tt.owners}); got != tt.want {
			t.Errorf("%s of %v named %s, want %s", tt.field, tt.owners, got, tt.want)
		}
	}
	if got := enumGroupName(&enumGroup{field: "ReportType", owners: []string{""}, fromFilter: "SalesReport"}); got != "SalesReportType" {
		t.Errorf("a filter-only enum of SalesReports is named %s, want SalesReportType", got)
	}
}

// TestUnusedOverrideFails checks that an override the spec no longer matches stops
// generation instead of being silently left behind.
func TestUnusedOverrideFails(t *testing.T) {
	t.Parallel()
	g := &typeGen{overridden: map[string]bool{}}
	for key := range typeOverrides {
		g.overridden[key] = true
	}
	if err := g.unusedOverrides(); err != nil {
		t.Fatalf("all used: %v", err)
	}
	delete(g.overridden, "BetaBuildUsagesV1MetricResponseDataPoints.start")
	if err := g.unusedOverrides(); err == nil || !strings.Contains(err.Error(), "BetaBuildUsagesV1MetricResponseDataPoints.start") {
		t.Errorf("an unused override gave %v; want an error naming it", err)
	}
}
