package sandbox

import (
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
)

// setCategories PATCHes an app info's primary category and first subcategory and reads
// the primary category back.
func setCategories(t *testing.T, c *testClient, infoID, primary, sub string) {
	t.Helper()
	c.do("PATCH", "/v1/appInfos/"+infoID, resource("appInfos", infoID, nil, map[string]any{
		"primaryCategory":       [2]string{"appCategories", primary},
		"primarySubcategoryOne": [2]string{"appCategories", sub},
	})).must(t, 200)
	if got := c.do("GET", "/v1/appInfos/"+infoID+"/primaryCategory", nil).must(t, 200).data(); got == nil || id(got) != primary {
		t.Fatalf("primary category after the PATCH: %v, want %s", got, primary)
	}
	if got := c.do("GET", "/v1/appInfos/"+infoID+"/primarySubcategoryOne", nil).must(t, 200).data(); got == nil || id(got) != sub {
		t.Fatalf("first subcategory after the PATCH: %v, want %s", got, sub)
	}
}

func quietHoursInfo(t *testing.T, c *testClient) string {
	t.Helper()
	app := findOne(t, c, "/v1/apps", "bundleId", "com.example.quiethours")
	return id(c.do("GET", "/v1/apps/"+id(app)+"/appInfos", nil).must(t, 200).list()[0].(map[string]any))
}

// TestAppCategories: the demo has Apple's 57 categories (26 top-level, games and stickers
// with subcategories, stickers on iOS only), filterable by platform and parent, and an app
// info's categories can be set to them.
func TestAppCategories(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{})
	count := func(query string) []string {
		t.Helper()
		return ids(c.do("GET", "/v1/appCategories?limit=200"+query, nil).must(t, 200).list())
	}
	all := count("")
	if len(all) != 57 {
		t.Fatalf("%d categories, want Apple's 57: %v", len(all), all)
	}
	for _, want := range []string{"GAMES", "BUSINESS", "EDUCATION", "ENTERTAINMENT", "FINANCE", "HEALTH_AND_FITNESS", "LIFESTYLE",
		"MUSIC", "NEWS", "PHOTO_AND_VIDEO", "PRODUCTIVITY", "SOCIAL_NETWORKING", "SPORTS", "TRAVEL", "UTILITIES", "WEATHER",
		"BOOKS", "FOOD_AND_DRINK", "MEDICAL", "NAVIGATION", "REFERENCE", "SHOPPING", "DEVELOPER_TOOLS", "GRAPHICS_AND_DESIGN",
		"MAGAZINES_AND_NEWSPAPERS", "STICKERS", "GAMES_ACTION", "GAMES_PUZZLE", "STICKERS_CELEBRATIONS"} {
		if !slices.Contains(all, want) {
			t.Errorf("no category %s", want)
		}
	}
	if n := len(count("&exists[parent]=false")); n != 26 {
		t.Errorf("%d top-level categories, want 26", n)
	}
	if n := len(count("&filter[platforms]=IOS")); n != 57 {
		t.Errorf("%d iOS categories, want 57", n)
	}
	mac := count("&filter[platforms]=MAC_OS&exists[parent]=false")
	if len(mac) != 25 || slices.Contains(mac, "STICKERS") {
		t.Errorf("top-level macOS categories %v, want the 25 other than STICKERS", mac)
	}
	games := ids(c.do("GET", "/v1/appCategories/GAMES/subcategories?limit=50", nil).must(t, 200).list())
	if len(games) != 16 || !slices.Contains(games, "GAMES_PUZZLE") {
		t.Errorf("games subcategories %v", games)
	}
	if p := c.do("GET", "/v1/appCategories/STICKERS_CELEBRATIONS/parent", nil).must(t, 200).data(); p == nil || id(p) != "STICKERS" {
		t.Errorf("parent of STICKERS_CELEBRATIONS: %v", p)
	}
	setCategories(t, c, quietHoursInfo(t, c), "GAMES", "GAMES_PUZZLE")
	c.do("PATCH", "/v1/appInfos/"+quietHoursInfo(t, c), resource("appInfos", quietHoursInfo(t, c), nil, map[string]any{
		"primaryCategory": [2]string{"appCategories", "KIDS"}})).must(t, 409)
}

// TestCategoriesToppedUpInOldState: a demo state file saved before the sandbox seeded
// categories gets them when it is opened, so an app info's category can be set.
func TestCategoriesToppedUpInOldState(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.db")
	s1, err := New(Options{StatePath: path, BurstLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	// Make the file what an earlier sandbox left: no categories, no territories.
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`DELETE FROM resources WHERE type IN ('appCategories', 'territories')`)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n < 57 {
		t.Fatalf("removed %d stored categories and territories", n)
	}
	db.Close()

	s2, err := New(Options{StatePath: path, BurstLimit: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s2.Close() })
	c := clientFor(t, s2, s2.KeyPEM(), s2.Key().ID, s2.Key().IssuerID)
	if n := len(c.do("GET", "/v1/appCategories?limit=200", nil).must(t, 200).list()); n != 57 {
		t.Fatalf("%d categories in a topped-up state file, want 57", n)
	}
	if terr := ids(c.do("GET", "/v1/territories?limit=200", nil).must(t, 200).list()); !slices.Contains(terr, "USA") {
		t.Fatalf("territories in a topped-up state file: %v", terr)
	}
	setCategories(t, c, quietHoursInfo(t, c), "GAMES", "GAMES_ACTION")
}
