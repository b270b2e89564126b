package asc

import (
	"context"
	"encoding/json"
	"testing"
	"time"
)

// Apple's TestFlight usage metrics, in the form Apple answers (and its documentation shows):
// dataPoints' start and end are calendar dates although the spec declares date-time.
const (
	appleTesterUsages = `{
  "data": [{
    "dataPoints": [{"start": "2022-10-05", "end": "2022-10-11", "values": {"crashCount": 0, "sessionCount": 7, "feedbackCount": 1}}],
    "dimensions": {"betaTesters": {"links": {"groupBy": "https://api.appstoreconnect.apple.com/v1/apps/1/metrics/betaTesterUsages?groupBy=betaTesters"}, "data": "t1"}}
  }],
  "links": {"self": "https://api.appstoreconnect.apple.com/v1/apps/1/metrics/betaTesterUsages"},
  "meta": {"paging": {"total": 1, "limit": 50}}
}`
	appleBuildUsages = `{
  "data": [{"dataPoints": [{"start": "2022-10-05", "end": "2022-10-11", "values": {"crashCount": 1, "installCount": 12, "sessionCount": 30, "feedbackCount": 2, "inviteCount": 15}}]}],
  "links": {"self": "https://api.appstoreconnect.apple.com/v1/builds/b1/metrics/betaBuildUsages"}
}`
	applePublicLinkUsages = `{
  "data": [{"dataPoints": [{"start": "2022-10-05", "end": "2022-10-11", "values": {"viewCount": 40, "acceptedCount": 9, "didNotAcceptCount": 3, "didNotMeetCriteriaCount": 1, "notRelevantRatio": 0.25, "notClearRatio": 0.5, "notInterestingRatio": 0.25}}]}],
  "links": {"self": "https://api.appstoreconnect.apple.com/v1/betaGroups/g1/metrics/publicLinkUsages"}
}`
)

// TestMetricsDecodeApplesDates decodes each TestFlight metrics answer, in Apple's form, into
// the type its method returns: apps' and beta groups' betaTesterUsages, beta testers'
// usages, beta groups' publicLinkUsages and builds' betaBuildUsages.
func TestMetricsDecodeApplesDates(t *testing.T) {
	t.Parallel()
	// The methods return these types (checked by the compiler).
	var (
		_ func(*AppsService, context.Context, string, *AppsGetBetaTesterUsagesMetricsOptions) (*AppsBetaTesterUsagesV1MetricResponse, *Response, error)             = (*AppsService).GetBetaTesterUsagesMetrics
		_ func(*BetaGroupsService, context.Context, string, *BetaGroupsGetBetaTesterUsagesMetricsOptions) (*AppsBetaTesterUsagesV1MetricResponse, *Response, error) = (*BetaGroupsService).GetBetaTesterUsagesMetrics
		_ func(*BetaTestersService, context.Context, string, *BetaTestersGetUsagesMetricsOptions) (*BetaTesterUsagesV1MetricResponse, *Response, error)             = (*BetaTestersService).GetUsagesMetrics
		_ func(*BetaGroupsService, context.Context, string, *BetaGroupsGetPublicLinkUsagesMetricsOptions) (*BetaPublicLinkUsagesV1MetricResponse, *Response, error) = (*BetaGroupsService).GetPublicLinkUsagesMetrics
		_ func(*BuildsService, context.Context, string, *BuildsGetBetaBuildUsagesMetricsOptions) (*BetaBuildUsagesV1MetricResponse, *Response, error)               = (*BuildsService).GetBetaBuildUsagesMetrics
	)
	wantStart := time.Date(2022, 10, 5, 0, 0, 0, 0, time.UTC)
	wantEnd := time.Date(2022, 10, 11, 0, 0, 0, 0, time.UTC)
	check := func(name string, start, end *Date) {
		t.Helper()
		if start == nil || end == nil || !start.Equal(wantStart) || !end.Equal(wantEnd) {
			t.Errorf("%s: start %v end %v, want 2022-10-05 and 2022-10-11", name, start, end)
		}
	}
	decode := func(name, body string, v any) bool {
		t.Helper()
		if err := json.Unmarshal([]byte(body), v); err != nil {
			t.Errorf("%s: decode Apple's answer: %v", name, err)
			return false
		}
		return true
	}

	var apps AppsBetaTesterUsagesV1MetricResponse
	if decode("apps betaTesterUsages", appleTesterUsages, &apps) {
		p := apps.Data[0].DataPoints[0]
		check("apps betaTesterUsages", p.Start, p.End)
		if p.Values == nil || p.Values.SessionCount == nil || *p.Values.SessionCount != 7 {
			t.Errorf("values = %+v", p.Values)
		}
	}
	var tester BetaTesterUsagesV1MetricResponse
	if decode("betaTesters usages", appleTesterUsages, &tester) {
		p := tester.Data[0].DataPoints[0]
		check("betaTesters usages", p.Start, p.End)
	}
	var build BetaBuildUsagesV1MetricResponse
	if decode("builds betaBuildUsages", appleBuildUsages, &build) {
		p := build.Data[0].DataPoints[0]
		check("builds betaBuildUsages", p.Start, p.End)
		if p.Values == nil || p.Values.InstallCount == nil || *p.Values.InstallCount != 12 {
			t.Errorf("values = %+v", p.Values)
		}
	}
	var link BetaPublicLinkUsagesV1MetricResponse
	if decode("betaGroups publicLinkUsages", applePublicLinkUsages, &link) {
		p := link.Data[0].DataPoints[0]
		check("betaGroups publicLinkUsages", p.Start, p.End)
		if p.Values == nil || p.Values.NotClearRatio == nil || *p.Values.NotClearRatio != 0.5 {
			t.Errorf("values = %+v", p.Values)
		}
	}

	// Should Apple follow its spec one day, a full timestamp decodes too (as its date).
	var spec BetaBuildUsagesV1MetricResponse
	if decode("a date-time start", `{"data":[{"dataPoints":[{"start":"2022-10-05T00:00:00Z","end":"2022-10-11T00:00:00.000+0000"}]}],"links":{"self":"s"}}`, &spec) {
		p := spec.Data[0].DataPoints[0]
		check("a date-time start", p.Start, p.End)
	}
}
