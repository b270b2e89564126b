package main

import (
	"fmt"
	"slices"
)

// typeOverride replaces the Go type the spec's format gives one field, where Apple's
// answers are known to differ from the spec. Each names its reason; the generator fails when
// one no longer matches a generated field, so a spec change cannot leave it behind unseen.
type typeOverride struct {
	typ    string // Go type in package asc
	reason string
}

// metricsDates: the TestFlight usage metrics declare dataPoints.start and .end as date-time,
// but Apple answers calendar dates ("start": "2022-10-05", "end": "2022-10-11"), as its own
// documentation's examples show, so a Time cannot decode them. Date decodes dates (and a
// full timestamp, truncated), so it reads either form.
const metricsDates = "Apple sends dataPoints.start/end as dates (\"2022-10-05\"); the spec says date-time"

// typeOverrides is keyed by the generated owner type and the JSON field name.
var typeOverrides = map[string]typeOverride{
	// apps/{id}/metrics/betaTesterUsages and betaGroups/{id}/metrics/betaTesterUsages
	"AppsBetaTesterUsagesV1MetricResponseDataPoints.start": {"Date", metricsDates},
	"AppsBetaTesterUsagesV1MetricResponseDataPoints.end":   {"Date", metricsDates},
	// betaTesters/{id}/metrics/betaTesterUsages
	"BetaTesterUsagesV1MetricResponseDataPoints.start": {"Date", metricsDates},
	"BetaTesterUsagesV1MetricResponseDataPoints.end":   {"Date", metricsDates},
	// betaGroups/{id}/metrics/publicLinkUsages
	"BetaPublicLinkUsagesV1MetricResponseDataPoints.start": {"Date", metricsDates},
	"BetaPublicLinkUsagesV1MetricResponseDataPoints.end":   {"Date", metricsDates},
	// builds/{id}/metrics/betaBuildUsages
	"BetaBuildUsagesV1MetricResponseDataPoints.start": {"Date", metricsDates},
	"BetaBuildUsagesV1MetricResponseDataPoints.end":   {"Date", metricsDates},
}

// override returns the type that replaces owner.field, recording its use.
func (g *typeGen) override(owner, field string) (typeOverride, bool) {
	key := owner + "." + field
	o, ok := typeOverrides[key]
	if ok {
		g.overridden[key] = true
	}
	return o, ok
}

// unusedOverrides reports overrides that matched no generated field.
func (g *typeGen) unusedOverrides() error {
	var unused []string
	for key := range typeOverrides {
		if !g.overridden[key] {
			unused = append(unused, key)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return fmt.Errorf("type overrides match no generated field (did the spec change?): %v", unused)
	}
	return nil
}
