package asc

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestUpdateAttributesClearSendsNull(t *testing.T) {
	cases := []struct {
		name  string
		attrs AppStoreVersionLocalizationUpdateRequestAttributes
		want  string
	}{
		{"nothing cleared", AppStoreVersionLocalizationUpdateRequestAttributes{Keywords: Ptr("a,b")}, `{"keywords":"a,b"}`},
		{"set and cleared", AppStoreVersionLocalizationUpdateRequestAttributes{Keywords: Ptr("a,b"), Clear: []string{"marketingUrl"}}, `{"keywords":"a,b","marketingUrl":null}`},
		{"only cleared", AppStoreVersionLocalizationUpdateRequestAttributes{Clear: []string{"marketingUrl", "supportUrl", "marketingUrl"}}, `{"marketingUrl":null,"supportUrl":null}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.attrs)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Fatalf("got %s, want %s", b, tc.want)
			}
			var back map[string]any
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatalf("not JSON: %v", err)
			}
		})
	}
	// Inside a request, through a pointer, as the services send it.
	req := AppStoreVersionLocalizationUpdateRequest{Data: AppStoreVersionLocalizationUpdateRequestData{
		Type: "appStoreVersionLocalizations", ID: "x", Attributes: &AppStoreVersionLocalizationUpdateRequestAttributes{Clear: []string{"marketingUrl"}}}}
	b, err := json.Marshal(req)
	if err != nil || !strings.Contains(string(b), `"attributes":{"marketingUrl":null}`) {
		t.Fatalf("request body %s, %v", b, err)
	}
}

func TestUpdateAttributesClearRefusesWhatItCannotMean(t *testing.T) {
	for _, tc := range []struct {
		attrs AppStoreVersionLocalizationUpdateRequestAttributes
		want  string
	}{
		{AppStoreVersionLocalizationUpdateRequestAttributes{Clear: []string{"marketingURL"}}, `cannot clear "marketingURL": no such attribute`},
		{AppStoreVersionLocalizationUpdateRequestAttributes{MarketingURL: Ptr("https://x.example"), Clear: []string{"marketingUrl"}}, `cannot clear "marketingUrl": it is also set`},
	} {
		if _, err := json.Marshal(tc.attrs); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
}
