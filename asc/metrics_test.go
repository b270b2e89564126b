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
	// point decodes body into a new T and returns its first data point's dates and one value.
	type point struct {
		start, end *Date
		value      any
	}
	first := func(body string, v any, pick func() point) (point, error) {
		if err := json.Unmarshal([]byte(body), v); err != nil {
			return point{}, err
		}
		return pick(), nil
	}
	var apps AppsBetaTesterUsagesV1MetricResponse
	var tester BetaTesterUsagesV1MetricResponse
	var build, spec BetaBuildUsagesV1MetricResponse
	var link BetaPublicLinkUsagesV1MetricResponse
	tests := []struct {
		name, body string
		v          any
		pick       func() point
		value      any
	}{
		{"apps and betaGroups betaTesterUsages", appleTesterUsages, &apps, func() point {
			p := apps.Data[0].DataPoints[0]
			return point{p.Start, p.End, *p.Values.SessionCount}
		}, 7},
		{"betaTesters usages", appleTesterUsages, &tester, func() point {
			p := tester.Data[0].DataPoints[0]
			return point{p.Start, p.End, *p.Values.SessionCount}
		}, 7},
		{"builds betaBuildUsages", appleBuildUsages, &build, func() point {
			p := build.Data[0].DataPoints[0]
			return point{p.Start, p.End, *p.Values.InstallCount}
		}, 12},
		{"betaGroups publicLinkUsages", applePublicLinkUsages, &link, func() point {
			p := link.Data[0].DataPoints[0]
			return point{p.Start, p.End, *p.Values.NotClearRatio}
		}, 0.5},
		// Should Apple follow its spec one day, a full timestamp decodes too (as its date).
		{"date-times", `{"data":[{"dataPoints":[{"start":"2022-10-05T00:00:00Z","end":"2022-10-11T00:00:00.000+0000","values":{"installCount":1}}]}],"links":{"self":"s"}}`, &spec, func() point {
			p := spec.Data[0].DataPoints[0]
			return point{p.Start, p.End, *p.Values.InstallCount}
		}, 1},
	}
	for _, tt := range tests {
		p, err := first(tt.body, tt.v, tt.pick)
		switch {
		case err != nil:
			t.Errorf("%s: decode Apple's answer: %v", tt.name, err)
		case p.start == nil || p.end == nil || !p.start.Equal(wantStart) || !p.end.Equal(wantEnd):
			t.Errorf("%s: start %v end %v, want 2022-10-05 and 2022-10-11", tt.name, p.start, p.end)
		case p.value != tt.value:
			t.Errorf("%s: value %v, want %v", tt.name, p.value, tt.value)
		}
	}
}
