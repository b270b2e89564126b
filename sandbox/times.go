package sandbox

import (
	"strings"
	"time"
)

// Apple writes timestamps in several forms, by the part of App Store Connect a resource comes
// from, and clients must read them all: the provisioning resources (devices, certificates,
// profiles) in UTC with milliseconds and an offset without a colon
// ("2019-03-07T13:11:26.000+0000"); TestFlight groups, review submissions and feedback in UTC
// with milliseconds ("2021-03-01T10:00:00.123Z"); the rest of the App Store resources (builds,
// versions, reviews, uploads) in Cupertino's time with its offset ("2019-04-10T20:55:48-07:00",
// "-08:00" in winter). The sandbox writes each type's form, so a client that reads only one
// of them fails against the sandbox as it would against Apple.

const (
	provisioningLayout = "2006-01-02T15:04:05.000-0700"
	utcMillisLayout    = "2006-01-02T15:04:05.000Z07:00"
)

// timeLayouts are the types whose timestamps are not in Cupertino's time.
var timeLayouts = map[string]string{
	"devices": provisioningLayout, "certificates": provisioningLayout, "profiles": provisioningLayout,
	"appStoreVersionPhasedReleases": provisioningLayout,
	"betaGroups":                    utcMillisLayout, "reviewSubmissions": utcMillisLayout,
	"betaFeedbackScreenshotSubmissions": utcMillisLayout, "betaFeedbackCrashSubmissions": utcMillisLayout,
}

// appleTime writes t as App Store Connect writes a timestamp of the type.
func appleTime(typ string, t time.Time) string {
	if layout, ok := timeLayouts[typ]; ok {
		return t.UTC().Format(layout)
	}
	return cupertino(t).Format(time.RFC3339)
}

// timestamp is now, on the sandbox clock, as a timestamp of the type. Callers hold s.mu.
func (s *Server) timestamp(typ string) string { return appleTime(typ, s.stateNow()) }

// cupertino is t in US Pacific time: -08:00, or -07:00 from the second Sunday of March at
// 2:00 to the first Sunday of November at 2:00 (the rule since 2007), without needing the
// system's time zone database.
func cupertino(t time.Time) time.Time {
	u := t.UTC()
	y := u.Year()
	start := nthSunday(y, time.March, 2).Add(2*time.Hour + 8*time.Hour)  // 2:00 PST in UTC
	end := nthSunday(y, time.November, 1).Add(2*time.Hour + 7*time.Hour) // 2:00 PDT in UTC
	if !u.Before(start) && u.Before(end) {
		return u.In(time.FixedZone("PDT", -7*3600))
	}
	return u.In(time.FixedZone("PST", -8*3600))
}

// nthSunday is midnight (UTC) of the n-th Sunday of a month.
func nthSunday(year int, month time.Month, n int) time.Time {
	first := time.Date(year, month, 1, 0, 0, 0, 0, time.UTC)
	offset := (7 - int(first.Weekday())) % 7
	return first.AddDate(0, 0, offset+7*(n-1))
}

// parseAppleTime reads a timestamp in any of Apple's forms (and RFC 3339).
func parseAppleTime(v string) (time.Time, bool) {
	if len(v) < 20 || v[4] != '-' || v[10] != 'T' {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	if strings.HasSuffix(v, "+0000") || strings.Count(v[19:], ":") == 0 {
		for _, layout := range []string{provisioningLayout, "2006-01-02T15:04:05-0700"} {
			if t, err := time.Parse(layout, v); err == nil {
				return t, true
			}
		}
	}
	return time.Time{}, false
}
