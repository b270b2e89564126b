package agerating_test

import (
	"testing"

	"github.com/ascend-tools/ascend/workflow/agerating"
)

// TestFilesRoundTripByteForByte: a file in deliver's layout (the questionnaire's order,
// two-space indents) is written back as it was read, levels, yes or no, a web address and
// null alike (&, < and > escaped as Go's encoder writes them); an older file with iTunes
// Connect's keys is written in the API's keys.
func TestFilesRoundTripByteForByte(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"deliver's layout", `{
  "alcoholTobaccoOrDrugUseOrReferences": "NONE",
  "contests": "INFREQUENT_OR_MILD",
  "violenceCartoonOrFantasy": "FREQUENT_OR_INTENSE",
  "advertising": true,
  "lootBox": false,
  "kidsAgeBand": null,
  "ageRatingOverrideV2": "NINE_PLUS",
  "developerAgeRatingInfoUrl": "https://example.com/rating?a=1\u0026b=\u003c2\u003e"
}
`, ""},
		{"one answer", "{\n  \"lootBox\": true\n}\n", ""},
		{"an older file", `{"UNRESTRICTED_WEB_ACCESS": 1, "CARTOON_FANTASY_VIOLENCE": 2, "GAMBLING_CONTESTS": 0, "kidsAgeBand": "SIX_TO_EIGHT"}`, `{
  "violenceCartoonOrFantasy": "FREQUENT_OR_INTENSE",
  "gambling": false,
  "unrestrictedWebAccess": true,
  "kidsAgeBand": "SIX_TO_EIGHT"
}
`},
	} {
		cfg, err := agerating.Parse([]byte(tc.in))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		want := tc.want
		if want == "" {
			want = tc.in
		}
		if got := string(cfg.Marshal()); got != want {
			t.Errorf("%s: wrote\n%s\nwant\n%s", tc.name, got, want)
		}
	}
}
