package sandbox

import (
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"time"
)

// Metrics: GET /v1/{type}/{id}/metrics/{name} answers usage numbers of an existing resource
// as App Store Connect does: a page of groups (one without groupBy, one per dimension value
// with it), each with a data point per day of the period. TestFlight's usage points are whole
// days, their start and end dates as Apple writes them ("2022-10-05", although the spec says
// date-time); Game Center's follow the granularity asked for, as date-times. The numbers are
// made from the resource's id, so they are the same on every read.

// metricShape is what one metric holds: counts (integers), ratios (between 0 and 1), and the
// dimensions it can be grouped by.
type metricShape struct {
	counts, ratios []string
	dims           []string
	days           bool // TestFlight usage: daily points over a period, start and end as dates
}

var metricShapes = map[string]metricShape{
	"betaTesterUsages":                {counts: []string{"crashCount", "sessionCount", "feedbackCount"}, dims: []string{"betaTesters", "apps"}, days: true},
	"publicLinkUsages":                {counts: []string{"viewCount", "acceptedCount", "didNotAcceptCount", "didNotMeetCriteriaCount"}, ratios: []string{"notRelevantRatio", "notClearRatio", "notInterestingRatio"}, days: true},
	"betaBuildUsages":                 {counts: []string{"crashCount", "installCount", "sessionCount", "feedbackCount", "inviteCount"}, days: true},
	"classicMatchmakingRequests":      {counts: []string{"count", "averageSecondsInQueue", "p50SecondsInQueue", "p95SecondsInQueue"}, dims: []string{"result"}},
	"ruleBasedMatchmakingRequests":    {counts: []string{"count", "averageSecondsInQueue", "p50SecondsInQueue", "p95SecondsInQueue"}, dims: []string{"result"}},
	"experimentMatchmakingRequests":   {counts: []string{"count", "averageSecondsInQueue", "p50SecondsInQueue", "p95SecondsInQueue"}, dims: []string{"result"}},
	"matchmakingRequests":             {counts: []string{"count", "averageSecondsInQueue", "p50SecondsInQueue", "p95SecondsInQueue"}, dims: []string{"result"}},
	"experimentMatchmakingQueueSizes": {counts: []string{"count", "averageNumberOfRequests", "p50NumberOfRequests", "p95NumberOfRequests"}},
	"matchmakingQueueSizes":           {counts: []string{"count", "averageNumberOfRequests", "p50NumberOfRequests", "p95NumberOfRequests"}},
	"matchmakingSessions":             {counts: []string{"count", "averagePlayerCount", "p50PlayerCount", "p95PlayerCount"}},
	"matchmakingBooleanRuleResults":   {counts: []string{"count"}, dims: []string{"result"}},
	"matchmakingNumberRuleResults":    {counts: []string{"count", "averageResult", "p50Result", "p95Result"}},
	"matchmakingRuleErrors":           {counts: []string{"count"}},
}

// metrics answers GET /v1/{type}/{id}/metrics/{name} for an existing owner.
func (s *Server) metrics(req *apiRequest, owner *record, name string) (int, any, *httpError) {
	shape, ok := metricShapes[name]
	if !ok {
		return s.fallback(req)
	}
	// The groups: one in all, or one per value of the dimension asked for.
	type group struct {
		dim, value string
		seed       string
	}
	groups := []group{{seed: owner.ID}}
	if by := req.query.Get("groupBy"); by != "" {
		groups = nil
		switch by {
		case "betaTesters":
			for _, t := range s.testersOf(owner) {
				if f := req.query.Get("filter[betaTesters]"); f == "" || f == t.ID {
					groups = append(groups, group{dim: by, value: t.ID, seed: owner.ID + t.ID})
				}
			}
		case "result":
			for _, res := range []string{"MATCHED", "CANCELED", "EXPIRED"} {
				if f := req.query.Get("filter[result]"); f == "" || f == res {
					groups = append(groups, group{dim: by, value: res, seed: owner.ID + res})
				}
			}
		default:
			groups = []group{{dim: by, value: owner.ID, seed: owner.ID}}
		}
	}
	now := s.stateNow().UTC()
	points, step := 7, 24*time.Hour
	if shape.days {
		switch req.query.Get("period") {
		case "P30D":
			points = 30
		case "P90D":
			points = 90
		case "P365D":
			points = 365
		}
	} else {
		switch req.query.Get("granularity") {
		case "PT1H":
			points, step = 24, time.Hour
		case "PT15M":
			points, step = 96, 15*time.Minute
		}
	}
	end := now.Truncate(step)
	if shape.days {
		end = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	}
	pageGroups, links, meta, herr := s.pageOf(req, len(groups))
	if herr != nil {
		return 0, nil, herr
	}
	data := make([]any, 0, len(pageGroups))
	for _, gi := range pageGroups {
		g := groups[gi]
		dps := make([]any, 0, points)
		for i := points; i > 0; i-- {
			start, stop := end.Add(-time.Duration(i)*step), end.Add(-time.Duration(i-1)*step)
			values := map[string]any{}
			for k, c := range shape.counts {
				values[c] = metricNumber(g.seed, i, k, 40)
			}
			for k, r := range shape.ratios {
				values[r] = math.Round(float64(metricNumber(g.seed, i, k+10, 100))) / 100
			}
			dp := map[string]any{"values": values}
			if shape.days {
				dp["start"], dp["end"] = start.Format(time.DateOnly), stop.Format(time.DateOnly)
			} else {
				dp["start"], dp["end"] = start.Format(time.RFC3339), stop.Format(time.RFC3339)
			}
			dps = append(dps, dp)
		}
		item := map[string]any{"dataPoints": dps}
		if g.dim != "" {
			dim := map[string]any{"data": g.value}
			if g.dim == "betaTesters" || g.dim == "apps" {
				dim["links"] = map[string]any{
					"groupBy": req.base + req.r.URL.Path + "?groupBy=" + g.dim,
					"related": req.base + s.mdl.selfPath(g.dim, g.value),
				}
			}
			item["dimensions"] = map[string]any{g.dim: dim}
		}
		data = append(data, item)
	}
	return http.StatusOK, map[string]any{"data": data, "links": links, "meta": meta}, nil
}

// testersOf is the beta testers a metric of an app, a beta group or a tester groups by.
func (s *Server) testersOf(owner *record) []*record {
	switch owner.Type {
	case "betaTesters":
		return []*record{owner}
	case "betaGroups", "apps":
		return s.st.related(owner, "betaTesters")
	}
	return nil
}

// metricNumber is a stable number below limit for a group, a data point and a value.
func metricNumber(seed string, point, value, limit int) int {
	h := fnv.New32a()
	h.Write([]byte(seed))
	h.Write([]byte{byte(point), byte(point >> 8), byte(value)})
	return int(h.Sum32() % uint32(limit))
}

// isMetricsPath reports whether a path template is /v1/{type}/{id}/metrics/{name}.
func isMetricsPath(segs []string) bool {
	return len(segs) == 5 && segs[2] == "{id}" && segs[3] == "metrics" && !strings.Contains(segs[4], "{")
}
