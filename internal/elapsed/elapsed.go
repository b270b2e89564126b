// Package elapsed writes how long a wait lasted as ascend's messages show it ("after 500ms",
// "after 1m30s"): one place, so every wait that times out says it alike.
package elapsed

import (
	"strings"
	"time"
)

// String is d as a reader takes it in and as a duration flag (--build-timeout) reads it
// back: under a second in milliseconds (time.Duration.Round(time.Second) said 0s), under ten
// seconds to a tenth, longer to the second, without zero units at the end (1m, not 1m0s;
// 1h30m, not 1h30m0s).
func String(d time.Duration) string {
	switch {
	case d <= 0:
		return "0s"
	case d < time.Millisecond:
		return "under 1ms"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	s := d.Round(time.Second).String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
