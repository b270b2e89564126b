package sandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// seeder builds seed data through the store, so seeded resources get the same links and
// inverse relationships as ones created through the API.
type seeder struct{ s *Server }

func (sd seeder) add(typ string, attrs map[string]any, rels ...any) *record {
	return sd.addID(typ, "", attrs, rels...)
}

// addID is add with a fixed id, for resources whose ids mean something (territory codes).
func (sd seeder) addID(typ, id string, attrs map[string]any, rels ...any) *record {
	r := sd.s.st.insert(typ, id, attrs)
	for i := 0; i+1 < len(rels); i += 2 {
		name := rels[i].(string)
		if tgt, ok := rels[i+1].(*record); ok && tgt != nil {
			sd.s.st.link(r, name, tgt)
		}
	}
	return r
}

// seedEpoch is "now" for the demo data, so dates are the same on every start.
var seedEpoch = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// demoLocales are the locales the demo apps are localized in, with a subtitle each.
var demoLocales = []struct{ code, subtitle, promo string }{
	{"en-US", "Plan your day, beautifully", "New: focus timers that follow you across devices."},
	{"de-DE", "Plane deinen Tag", "Neu: Fokus-Timer auf all deinen Geräten."},
	{"fr-FR", "Planifiez votre journée", "Nouveau : des minuteurs de concentration partout."},
	{"es-ES", "Planifica tu día", "Novedad: temporizadores de enfoque en todos tus dispositivos."},
	{"it", "Pianifica la tua giornata", "Novità: timer di concentrazione su tutti i dispositivi."},
	{"ja", "一日の計画を立てよう", "新機能：すべてのデバイスで使える集中タイマー。"},
	{"ko", "하루를 계획하세요", "새 기능: 모든 기기에서 집중 타이머."},
	{"pt-BR", "Planeje seu dia", "Novo: timers de foco em todos os seus dispositivos."},
	{"zh-Hans", "规划你的一天", "新功能：跨设备专注计时器。"},
	{"nl-NL", "Plan je dag", "Nieuw: focustimers op al je apparaten."},
	{"sv", "Planera din dag", "Nytt: fokustimers på alla dina enheter."},
	{"en-GB", "Plan your day, brilliantly", "New: focus timers that follow you across devices."},
}

// demoApp describes one demo app; the first one is the rich one (500 builds, commerce).
type demoApp struct {
	name, bundleID, sku string
	locales             int
	versions            []demoVersion
	builds              int
	trains              []string
}

type demoVersion struct {
	version, state, platform, releaseType string
	screenshots                           bool
}

var demoApps = []demoApp{
	{name: "Daybreak Planner", bundleID: "com.example.daybreak", sku: "DAYBREAK001", locales: 12,
		versions: []demoVersion{
			{"2.2.0", "REPLACED_WITH_NEW_VERSION", "IOS", "AFTER_APPROVAL", false},
			{"2.3.0", "READY_FOR_DISTRIBUTION", "IOS", "AFTER_APPROVAL", true},
			{"2.4.0", "PREPARE_FOR_SUBMISSION", "IOS", "MANUAL", true},
		},
		builds: 500, trains: []string{"2.0.0", "2.1.0", "2.2.0", "2.3.0", "2.4.0"}},
	{name: "Pocket Ledger", bundleID: "com.example.ledger", sku: "LEDGER001", locales: 6,
		versions: []demoVersion{
			{"1.7.0", "READY_FOR_DISTRIBUTION", "IOS", "AFTER_APPROVAL", true},
			{"1.8.0", "WAITING_FOR_REVIEW", "IOS", "AFTER_APPROVAL", true},
		},
		builds: 24, trains: []string{"1.7.0", "1.8.0"}},
	{name: "Trailhead Maps", bundleID: "com.example.trailhead", sku: "TRAILHEAD001", locales: 5,
		versions: []demoVersion{
			{"3.0.0", "REJECTED", "IOS", "AFTER_APPROVAL", true},
			{"3.0.0", "PREPARE_FOR_SUBMISSION", "MAC_OS", "MANUAL", false},
		},
		builds: 12, trains: []string{"3.0.0"}},
	{name: "Quiet Hours", bundleID: "com.example.quiethours", sku: "QUIET001", locales: 1,
		versions: []demoVersion{{"1.0.0", "PREPARE_FOR_SUBMISSION", "IOS", "MANUAL", false}},
		builds:   3, trains: []string{"1.0.0"}},
}

// seed fills an empty store according to Options.Seed. Everything derives from fixed
// values and sequence numbers, so two demo sandboxes hold identical data.
func (s *Server) seed() error {
	switch s.opts.Seed {
	case "empty":
		return nil
	case "demo":
		sd := seeder{s}
		sd.seedTerritories()
		sd.seedCategories()
		for i, a := range demoApps {
			sd.seedApp(i, a)
		}
		return nil
	}
	return fmt.Errorf("unknown seed %q", s.opts.Seed)
}

func (sd seeder) seedApp(n int, a demoApp) {
	app := sd.add("apps", map[string]any{
		"name": a.name, "bundleId": a.bundleID, "sku": a.sku, "primaryLocale": "en-US",
		"isOrEverWasMadeForKids": false, "contentRightsDeclaration": "DOES_NOT_USE_THIRD_PARTY_CONTENT",
		"streamlinedPurchasingEnabled": true,
		"subscriptionStatusUrl":        "https://example.com/" + a.sku + "/asn", "subscriptionStatusUrlVersion": "V2",
		"subscriptionStatusUrlForSandbox": "https://example.com/" + a.sku + "/asn-sandbox", "subscriptionStatusUrlVersionForSandbox": "V2",
	})
	bundle := sd.add("bundleIds", map[string]any{"identifier": a.bundleID, "name": a.name, "platform": "IOS", "seedId": "A1B2C3D4E5"}, "app", app)
	sd.add("bundleIdCapabilities", map[string]any{"capabilityType": "PUSH_NOTIFICATIONS", "settings": []any{}}, "bundleId", bundle)
	sd.add("profiles", map[string]any{"name": a.name + " App Store", "platform": "IOS", "profileType": "IOS_APP_STORE", "profileState": "ACTIVE",
		"profileContent": "U0FOREJPWC1QUk9GSUxF", "uuid": formatUUIDString(fmt.Sprintf("profile/%d", n)),
		"createdDate": stamp(seedEpoch.Add(-60 * 24 * time.Hour)), "expirationDate": stamp(seedEpoch.Add(305 * 24 * time.Hour))}, "bundleId", bundle)
	locales := demoLocales[:a.locales]
	live := false
	for _, v := range a.versions {
		if v.state == "READY_FOR_DISTRIBUTION" {
			live = true
		}
	}
	// A live app has two app infos: the one being prepared (listed first) and the live one,
	// which cannot change.
	infoStates := []string{"PREPARE_FOR_SUBMISSION"}
	if live {
		infoStates = []string{"PREPARE_FOR_SUBMISSION", "READY_FOR_DISTRIBUTION"}
	}
	for _, st := range infoStates {
		info := sd.add("appInfos", map[string]any{"state": st, "appStoreState": appStoreStateFor(st), "appStoreAgeRating": "FOUR_PLUS"}, "app", app,
			"primaryCategory", sd.s.st.get("appCategories", []string{"PRODUCTIVITY", "FINANCE", "NAVIGATION", "LIFESTYLE"}[n%4]),
			"secondaryCategory", sd.s.st.get("appCategories", "UTILITIES"))
		sd.add("ageRatingDeclarations", map[string]any{"violenceCartoonOrFantasy": "NONE", "gambling": false, "unrestrictedWebAccess": false}, "appInfo", info)
		for _, l := range locales {
			sd.add("appInfoLocalizations", map[string]any{
				"locale": l.code, "name": a.name, "subtitle": l.subtitle,
				"privacyPolicyUrl": "https://example.com/" + a.sku + "/privacy",
			}, "appInfo", info)
		}
	}

	// Availability in the demo storefronts (a released app is available; one never released
	// is set to go on sale with its first version).
	avail := sd.add("appAvailabilities", map[string]any{"availableInNewTerritories": true}, "app", app)
	sd.s.st.link(app, "appAvailabilityV2", avail)
	for _, t := range demoTerritories {
		status := "AVAILABLE"
		attrs := map[string]any{"available": true, "preOrderEnabled": false}
		if !live {
			status = "AVAILABLE_FOR_SALE_UNRELEASED_APP"
		} else {
			attrs["releaseDate"] = seedEpoch.Add(-400 * 24 * time.Hour).Format(time.DateOnly)
		}
		attrs["contentStatuses"] = []any{status}
		ta := sd.add("territoryAvailabilities", attrs, "territory", sd.s.st.get("territories", t.code))
		sd.s.st.link(avail, "territoryAvailabilities", ta)
	}

	// TestFlight: trains, builds, beta details.
	trains := map[string]*record{}
	for _, t := range a.trains {
		trains[t] = sd.add("preReleaseVersions", map[string]any{"version": t, "platform": "IOS"}, "app", app)
	}
	var builds []*record
	for i := 1; i <= a.builds; i++ {
		train := a.trains[(i-1)*len(a.trains)/a.builds]
		uploaded := seedEpoch.Add(-time.Duration(a.builds-i) * 12 * time.Hour)
		expired := seedEpoch.Sub(uploaded) > 90*24*time.Hour
		b := sd.add("builds", map[string]any{
			"version": fmt.Sprint(i), "uploadedDate": stamp(uploaded), "expirationDate": stamp(uploaded.Add(90 * 24 * time.Hour)),
			"expired": expired, "minOsVersion": "17.0", "processingState": "VALID", "buildAudienceType": "APP_STORE_ELIGIBLE",
			"usesNonExemptEncryption": false, "computedMinMacOsVersion": "14.0", "computedMinVisionOsVersion": "1.0",
			"iconAssetToken": map[string]any{"templateUrl": "https://example.com/demo-assets/" + a.sku + "/icon/{w}x{h}bb.{f}", "width": 1024, "height": 1024},
		}, "app", app, "preReleaseVersion", trains[train])
		external := "READY_FOR_BETA_SUBMISSION"
		internal := "IN_BETA_TESTING"
		if expired {
			external, internal = "EXPIRED", "EXPIRED"
		} else if i%5 == 0 {
			external = "BETA_APPROVED"
		}
		d := sd.add("buildBetaDetails", map[string]any{"autoNotifyEnabled": true, "internalBuildState": internal, "externalBuildState": external})
		sd.s.st.link(b, "buildBetaDetail", d)
		if external == "BETA_APPROVED" {
			sd.add("betaAppReviewSubmissions", map[string]any{"betaReviewState": "APPROVED", "submittedDate": stamp(uploaded.Add(time.Hour))}, "build", b)
		}
		if i > a.builds-3 {
			sd.add("betaBuildLocalizations", map[string]any{"locale": "en-US", "whatsNew": fmt.Sprintf("Build %d: try the new focus timer.", i)}, "build", b)
			up := sd.add("buildUploads", map[string]any{"cfBundleShortVersionString": train, "cfBundleVersion": fmt.Sprint(i), "platform": "IOS",
				"createdDate": stamp(uploaded.Add(-10 * time.Minute)), "uploadedDate": stamp(uploaded),
				"state": map[string]any{"state": "COMPLETE", "errors": []any{}, "warnings": []any{}, "infos": []any{}}}, "app", app)
			sd.s.st.link(up, "build", b)
		}
		builds = append(builds, b)
	}

	// Beta groups and testers.
	internal := sd.add("betaGroups", map[string]any{"name": "Internal Testers", "isInternalGroup": true, "hasAccessToAllBuilds": true,
		"publicLinkEnabled": false, "feedbackEnabled": true, "createdDate": stamp(seedEpoch.Add(-400 * 24 * time.Hour))}, "app", app)
	public := sd.add("betaGroups", map[string]any{"name": "Public Beta", "isInternalGroup": false, "hasAccessToAllBuilds": false,
		"publicLinkEnabled": true, "publicLinkId": fmt.Sprintf("pUbL1nk%d", n), "publicLink": fmt.Sprintf("https://testflight.apple.com/join/pUbL1nk%d", n),
		"publicLinkLimitEnabled": true, "publicLinkLimit": 1000, "feedbackEnabled": true, "createdDate": stamp(seedEpoch.Add(-200 * 24 * time.Hour))}, "app", app)
	partners := sd.add("betaGroups", map[string]any{"name": "Design Partners", "isInternalGroup": false, "hasAccessToAllBuilds": false,
		"publicLinkEnabled": false, "feedbackEnabled": true, "createdDate": stamp(seedEpoch.Add(-100 * 24 * time.Hour))}, "app", app)
	for i, b := range builds {
		if i >= len(builds)-10 {
			sd.s.st.link(public, "builds", b)
		}
		if i >= len(builds)-3 {
			sd.s.st.link(partners, "builds", b)
		}
	}
	firstNames := []string{"Ada", "Grace", "Alan", "Katherine", "Linus", "Margaret", "Dennis", "Barbara", "Ken", "Radia", "Tim", "Frances", "Guido", "Hedy", "Edsger"}
	lastNames := []string{"Lovelace", "Hopper", "Turing", "Johnson", "Torvalds", "Hamilton", "Ritchie", "Liskov", "Thompson", "Perlman", "Berners-Lee", "Allen", "van Rossum", "Lamarr", "Dijkstra"}
	testers := 15
	if n > 0 {
		testers = 4
	}
	for i := range testers {
		state := []string{"INSTALLED", "ACCEPTED", "INVITED"}[i%3]
		t := sd.add("betaTesters", map[string]any{
			"firstName": firstNames[i], "lastName": lastNames[i], "email": fmt.Sprintf("%s.%d@example.com", lowerASCII(firstNames[i]), n),
			"inviteType": "EMAIL", "state": state, "appDevices": []any{},
		}, "apps", app)
		group := []*record{internal, public, partners}[i%3]
		sd.s.st.link(t, "betaGroups", group)
	}
	sd.add("betaAppLocalizations", map[string]any{"locale": "en-US", "description": "Help us test " + a.name + ".", "feedbackEmail": "beta@example.com",
		"marketingUrl": "https://example.com/" + a.sku, "privacyPolicyUrl": "https://example.com/" + a.sku + "/privacy"}, "app", app)
	sd.add("betaAppReviewDetails", map[string]any{"contactFirstName": "Sam", "contactLastName": "Reviewer", "contactEmail": "review@example.com",
		"contactPhone": "+1 555 0100", "demoAccountRequired": true, "demoAccountName": "tester@example.com", "demoAccountPassword": "demo-password",
		"notes": "Sign in with the demo account."}, "app", app)

	// App Store versions with localizations and screenshots.
	for vi, v := range a.versions {
		created := seedEpoch.Add(-time.Duration(len(a.versions)-vi) * 30 * 24 * time.Hour)
		ver := sd.add("appStoreVersions", map[string]any{
			"platform": v.platform, "versionString": v.version, "appVersionState": v.state, "appStoreState": appStoreStateFor(v.state),
			"copyright": "2026 Example Labs", "releaseType": v.releaseType, "reviewType": "APP_STORE", "downloadable": true,
			"createdDate": stamp(created), "usesIdfa": false,
		}, "app", app)
		// Every iOS version has a build, the one in preparation the newest (as after an upload).
		if v.platform == "IOS" && len(builds) > 0 {
			sd.s.st.link(ver, "build", builds[min(len(builds)-1, (vi+1)*len(builds)/len(a.versions)-1)])
		}
		if v.state == "READY_FOR_DISTRIBUTION" {
			sd.add("appStoreVersionPhasedReleases", map[string]any{"phasedReleaseState": "COMPLETE", "currentDayNumber": 7,
				"startDate": stamp(created.Add(72 * time.Hour)), "totalPauseDuration": 0}, "appStoreVersion", ver)
		}
		sd.add("appStoreReviewDetails", map[string]any{"contactFirstName": "Sam", "contactLastName": "Reviewer", "contactEmail": "review@example.com",
			"contactPhone": "+1 555 0100", "demoAccountRequired": false, "notes": "No login needed."}, "appStoreVersion", ver)
		for li, l := range locales {
			loc := sd.add("appStoreVersionLocalizations", map[string]any{
				"locale": l.code, "description": fmt.Sprintf("%s helps you plan every day. (%s)", a.name, l.code),
				"keywords": "planner,calendar,focus,habits", "promotionalText": l.promo,
				"marketingUrl": "https://example.com/" + a.sku, "supportUrl": "https://example.com/" + a.sku + "/support",
				"whatsNew": "Bug fixes and performance improvements.",
			}, "appStoreVersion", ver)
			if !v.screenshots {
				continue
			}
			for _, set := range []struct {
				displayType string
				w, h, count int
			}{{"APP_IPHONE_67", 1290, 2796, 3}, {"APP_IPAD_PRO_3GEN_129", 2048, 2732, 2}} {
				ss := sd.add("appScreenshotSets", map[string]any{"screenshotDisplayType": set.displayType}, "appStoreVersionLocalization", loc)
				for k := range set.count {
					name := fmt.Sprintf("%s_%s_%d.png", l.code, set.displayType, k+1)
					sd.add("appScreenshots", map[string]any{
						"fileSize": 480000 + 1000*k + li, "fileName": name,
						"sourceFileChecksum": fmt.Sprintf("%032x", (n+1)*1000003+vi*10007+li*101+k),
						"assetToken":         "SandboxSource/demo/" + name, "assetType": "SCREENSHOT",
						"imageAsset":         map[string]any{"templateUrl": "https://example.com/demo-assets/" + name + "/{w}x{h}bb.{f}", "width": set.w, "height": set.h},
						"assetDeliveryState": map[string]any{"state": "COMPLETE", "errors": []any{}, "warnings": []any{}},
					}, "appScreenshotSet", ss)
				}
			}
		}
		switch v.state {
		case "READY_FOR_DISTRIBUTION", "WAITING_FOR_REVIEW", "REJECTED":
			state := map[string]string{"READY_FOR_DISTRIBUTION": "COMPLETE", "WAITING_FOR_REVIEW": "WAITING_FOR_REVIEW", "REJECTED": "UNRESOLVED_ISSUES"}[v.state]
			itemState := map[string]string{"COMPLETE": "APPROVED", "WAITING_FOR_REVIEW": "READY_FOR_REVIEW", "UNRESOLVED_ISSUES": "REJECTED"}[state]
			sub := sd.add("reviewSubmissions", map[string]any{"platform": v.platform, "state": state, "submittedDate": stamp(created.Add(48 * time.Hour))}, "app", app)
			sd.add("reviewSubmissionItems", map[string]any{"state": itemState}, "reviewSubmission", sub, "appStoreVersion", ver)
		}
	}
	if n != 0 {
		return
	}

	// Devices and a distribution certificate for the team.
	for i, dev := range []struct{ name, class, model string }{
		{"Ada's iPhone", "IPHONE", "iPhone 16 Pro"}, {"QA iPad", "IPAD", "iPad Pro 13-inch (M4)"}, {"Test iPhone SE", "IPHONE", "iPhone SE (3rd generation)"},
	} {
		sd.add("devices", map[string]any{"name": dev.name, "platform": "IOS", "udid": fmt.Sprintf("00008110-%016X", 0xA11CE0+i),
			"deviceClass": dev.class, "status": "ENABLED", "model": dev.model, "addedDate": stamp(seedEpoch.Add(-time.Duration(30*(i+1)) * 24 * time.Hour))})
	}
	sd.add("certificates", map[string]any{"name": "iOS Distribution: Example Labs", "displayName": "Example Labs", "certificateType": "IOS_DISTRIBUTION",
		"platform": "IOS", "serialNumber": "5A1D3B0C9E8F7A61", "expirationDate": stamp(seedEpoch.Add(300 * 24 * time.Hour)),
		"certificateContent": "U0FOREJPWC1DRVJUSUZJQ0FURQ==", "activated": true})

	// Price points in a few territories, with ids shaped like Apple's (base64 of a small JSON).
	for _, t := range demoTerritories[:4] {
		for tier, usd := range []float64{0.99, 1.99, 2.99, 4.99, 9.99} {
			price := usd * t.rate
			id := base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, `{"s":"%s","t":"%s","p":"%d"}`, app.ID, t.code, 10001+tier))
			sd.addID("appPricePoints", id, map[string]any{
				"customerPrice": strconv.FormatFloat(price, 'f', t.decimals, 64),
				"proceeds":      strconv.FormatFloat(price*0.7, 'f', t.decimals, 64),
			}, "app", app, "territory", sd.s.st.get("territories", t.code))
		}
	}

	// TestFlight feedback from testers.
	for i, kind := range []string{"screenshot", "screenshot", "crash", "screenshot", "crash"} {
		fb, _ := sd.s.addFeedback(feedbackRequest{App: app.ID, Kind: kind, Comment: fmt.Sprintf("Feedback %d from the demo testers.", i+1)})
		fb.Attrs["createdDate"] = stamp(seedEpoch.Add(-time.Duration(i) * 20 * time.Hour))
	}

	// Commerce and reviews for the first app.
	for i, iap := range []struct{ name, product, kind string }{
		{"100 Focus Coins", "com.example.daybreak.coins100", "CONSUMABLE"},
		{"Daybreak Pro Unlock", "com.example.daybreak.pro", "NON_CONSUMABLE"},
		{"Season Pass 2026", "com.example.daybreak.season2026", "NON_RENEWING_SUBSCRIPTION"},
	} {
		state := []string{"APPROVED", "APPROVED", "READY_TO_SUBMIT"}[i]
		p := sd.add("inAppPurchases", map[string]any{"name": iap.name, "productId": iap.product, "inAppPurchaseType": iap.kind,
			"state": state, "familySharable": false, "contentHosting": false, "reviewNote": "Unlocks content."}, "app", app)
		for _, l := range locales[:3] {
			sd.add("inAppPurchaseLocalizations", map[string]any{"locale": l.code, "name": iap.name, "description": iap.name + " (" + l.code + ")"}, "inAppPurchaseV2", p)
		}
	}
	group := sd.add("subscriptionGroups", map[string]any{"referenceName": "Daybreak Plus"}, "app", app)
	for _, l := range locales[:3] {
		sd.add("subscriptionGroupLocalizations", map[string]any{"locale": l.code, "name": "Daybreak Plus", "customAppName": "Daybreak"}, "subscriptionGroup", group)
	}
	for i, sub := range []struct{ name, product, period string }{
		{"Daybreak Plus Monthly", "com.example.daybreak.plus.monthly", "ONE_MONTH"},
		{"Daybreak Plus Yearly", "com.example.daybreak.plus.yearly", "ONE_YEAR"},
	} {
		sr := sd.add("subscriptions", map[string]any{"name": sub.name, "productId": sub.product, "subscriptionPeriod": sub.period,
			"groupLevel": i + 1, "state": "APPROVED", "familySharable": true, "reviewNote": "Auto-renewing."}, "group", group)
		for _, l := range locales[:3] {
			sd.add("subscriptionLocalizations", map[string]any{"locale": l.code, "name": sub.name, "description": sub.name + " (" + l.code + ")"}, "subscription", sr)
		}
	}
	territories := []string{"USA", "GBR", "DEU", "FRA", "JPN", "CAN", "AUS", "BRA", "ESP", "ITA"}
	titles := []string{"Love it", "Useful every day", "Needs dark mode", "Crashes on launch", "Best planner", "Solid", "Too many prompts", "Great update"}
	for i := range 30 {
		sd.add("customerReviews", map[string]any{
			"rating": 5 - i%5, "title": titles[i%len(titles)], "body": fmt.Sprintf("Review %d: %s.", i+1, titles[i%len(titles)]),
			"reviewerNickname": fmt.Sprintf("planner%03d", i+1), "createdDate": stamp(seedEpoch.Add(-time.Duration(i) * 36 * time.Hour)),
			"territory": territories[i%len(territories)],
		}, "app", app)
	}
}

// demoTerritories are the storefronts the demo knows, with a rough rate from USD.
var demoTerritories = []struct {
	code, currency string
	rate           float64
	decimals       int
}{
	{"USA", "USD", 1, 2}, {"GBR", "GBP", 0.8, 2}, {"DEU", "EUR", 0.92, 2}, {"JPN", "JPY", 150, 0},
	{"FRA", "EUR", 0.92, 2}, {"CAN", "CAD", 1.35, 2}, {"AUS", "AUD", 1.5, 2}, {"BRA", "BRL", 5, 2},
	{"ESP", "EUR", 0.92, 2}, {"ITA", "EUR", 0.92, 2},
}

// appCategories are App Store categories with their ids as Apple spells them, as Apple's
// "List app categories" example lists them: 26 top-level categories, with subcategories for
// games and stickers (57 in all). Kids is no category but an age band (kidsAgeBand).
var appCategories = []string{"BOOKS", "BUSINESS", "DEVELOPER_TOOLS", "EDUCATION", "ENTERTAINMENT", "FINANCE",
	"FOOD_AND_DRINK", "GAMES", "GRAPHICS_AND_DESIGN", "HEALTH_AND_FITNESS", "LIFESTYLE", "MAGAZINES_AND_NEWSPAPERS",
	"MEDICAL", "MUSIC", "NAVIGATION", "NEWS", "PHOTO_AND_VIDEO", "PRODUCTIVITY", "REFERENCE", "SHOPPING",
	"SOCIAL_NETWORKING", "SPORTS", "STICKERS", "TRAVEL", "UTILITIES", "WEATHER"}

var appSubcategories = map[string][]string{
	"GAMES": {"GAMES_ACTION", "GAMES_ADVENTURE", "GAMES_BOARD", "GAMES_CARD", "GAMES_CASINO", "GAMES_CASUAL", "GAMES_FAMILY",
		"GAMES_MUSIC", "GAMES_PUZZLE", "GAMES_RACING", "GAMES_ROLE_PLAYING", "GAMES_SIMULATION", "GAMES_SPORTS",
		"GAMES_STRATEGY", "GAMES_TRIVIA", "GAMES_WORD"},
	"STICKERS": {"STICKERS_ANIMALS", "STICKERS_ART", "STICKERS_CELEBRATIONS", "STICKERS_CELEBRITIES", "STICKERS_CHARACTERS",
		"STICKERS_EATING_AND_DRINKING", "STICKERS_EMOJI_AND_EXPRESSIONS", "STICKERS_FASHION", "STICKERS_GAMING",
		"STICKERS_KIDS_AND_FAMILY", "STICKERS_MOVIES_AND_TV", "STICKERS_MUSIC", "STICKERS_PEOPLE", "STICKERS_PLACES_AND_OBJECTS",
		"STICKERS_SPORTS_AND_ACTIVITIES"},
}

// categoryPlatforms are the platforms a category applies to: stickers (iMessage) are iOS
// only; the rest apply to every platform with an App Store (Apple's example predates
// visionOS, whose App Store uses the same categories).
func categoryPlatforms(id string) []any {
	if strings.HasPrefix(id, "STICKERS") {
		return []any{"IOS"}
	}
	return []any{"IOS", "MAC_OS", "TV_OS", "VISION_OS"}
}

// seedCategories adds the categories the store lacks, with their parents, so it both seeds
// and tops up a state file saved before the sandbox knew them.
func (sd seeder) seedCategories() {
	for _, c := range appCategories {
		parent := sd.s.st.get("appCategories", c)
		if parent == nil {
			parent = sd.addID("appCategories", c, map[string]any{"platforms": categoryPlatforms(c)})
		}
		for _, sub := range appSubcategories[c] {
			if sd.s.st.get("appCategories", sub) == nil {
				sd.addID("appCategories", sub, map[string]any{"platforms": categoryPlatforms(sub)}, "parent", parent)
			}
		}
	}
}

// seedReference tops up a demo state file with Apple's reference data (territories and
// categories) that a sandbox of an earlier version did not seed into it.
func (sd seeder) seedReference() {
	sd.seedTerritories()
	sd.seedCategories()
}

// seedTerritories adds the demo territories the store lacks.
func (sd seeder) seedTerritories() {
	for _, t := range demoTerritories {
		if sd.s.st.get("territories", t.code) == nil {
			sd.addID("territories", t.code, map[string]any{"currency": t.currency})
		}
	}
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// formatUUIDString makes a stable UUID-shaped string from a name.
func formatUUIDString(name string) string {
	sum := sha256.Sum256([]byte(name))
	var b [16]byte
	copy(b[:], sum[:16])
	return strings.ToUpper(formatUUID(b))
}
