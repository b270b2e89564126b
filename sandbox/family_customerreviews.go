package sandbox

import (
	"fmt"
	"time"
)

// Customer reviews and the developer's responses, which are published at once.

func init() {
	register(&family{
		name: "customerreviews",
		hooks: []hooks{
			{types: []string{"customerReviewResponses"}, afterCreate: publishResponse},
		},
		seed: seedCustomerReviews,
	})
}

func publishResponse(s *Server, _ *apiRequest, r *record) *httpError {
	r.Attrs["state"] = "PUBLISHED"
	r.Attrs["lastModifiedDate"] = s.timestamp(r.Type)
	return nil
}

// seedCustomerReviews: thirty reviews of the first app from ten storefronts.
func seedCustomerReviews(sd seeder, d *demo) {
	if d.n != 0 {
		return
	}
	territories := []string{"USA", "GBR", "DEU", "FRA", "JPN", "CAN", "AUS", "BRA", "ESP", "ITA"}
	titles := []string{"Love it", "Useful every day", "Needs dark mode", "Crashes on launch", "Best planner", "Solid", "Too many prompts", "Great update"}
	for i := range 30 {
		sd.add("customerReviews", map[string]any{
			"rating": 5 - i%5, "title": titles[i%len(titles)], "body": fmt.Sprintf("Review %d: %s.", i+1, titles[i%len(titles)]),
			"reviewerNickname": fmt.Sprintf("planner%03d", i+1), "createdDate": stamp(seedEpoch.Add(-time.Duration(i) * 36 * time.Hour)),
			"territory": territories[i%len(territories)],
		}, "app", d.app)
	}
}
