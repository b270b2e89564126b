package elapsed_test

import (
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/elapsed"
)

func TestString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{-time.Second, "0s"},
		{300 * time.Microsecond, "under 1ms"},
		{time.Millisecond, "1ms"},
		{400 * time.Millisecond, "400ms"},
		{500*time.Millisecond + 300*time.Microsecond, "500ms"},
		{999 * time.Millisecond, "999ms"},
		{time.Second, "1s"},
		{1540 * time.Millisecond, "1.5s"},
		{9960 * time.Millisecond, "10s"},
		{12400 * time.Millisecond, "12s"},
		{time.Minute, "1m"},
		{90 * time.Second, "1m30s"},
		{90*time.Second + 400*time.Millisecond, "1m30s"},
		{15 * time.Minute, "15m"},
		{time.Hour, "1h"},
		{time.Hour + 30*time.Minute, "1h30m"},
		{time.Hour + 5*time.Second, "1h0m5s"},
		{26 * time.Hour, "26h"},
	} {
		got := elapsed.String(tc.d)
		if got != tc.want {
			t.Errorf("String(%v) = %q, want %q", tc.d, got, tc.want)
		}
		if d, err := time.ParseDuration(got); tc.d >= time.Millisecond && (err != nil || d <= 0) {
			t.Errorf("String(%v) = %q, which a duration flag does not read back (%v)", tc.d, got, err)
		}
	}
}
