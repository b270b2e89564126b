package fuzzy

import "testing"

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"apps", "apps", 0}, {"aps", "apps", 1}, {"", "abc", 3},
		{"metdata", "metadata", 1}, {"kitten", "sitting", 3}, {"appinfo", "appInfos", 2},
		{"日本", "日本語", 1}, {"jsno", "json", 2},
	} {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d (not symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}
