package sandbox

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/ascend-tools/ascend/apple"
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
	sd.appleTimes(r)
	for i := 0; i+1 < len(rels); i += 2 {
		name := rels[i].(string)
		if tgt, ok := rels[i+1].(*record); ok && tgt != nil {
			sd.s.st.link(r, name, tgt)
		}
	}
	return r
}

// appleTimes rewrites a seeded resource's timestamps (written with stamp) in the form Apple
// gives its type, each resource's moved by the same few minutes and seconds, so the demo's
// times are not all on the hour and intervals within a resource (a build's 90 days) hold.
func (sd seeder) appleTimes(r *record) {
	rt := sd.s.mdl.resource(r.Type)
	if rt == nil {
		return
	}
	jitter := time.Duration(r.Seq*7919%3541) * time.Second
	for k, v := range r.Attrs {
		str, ok := v.(string)
		if f := rt.Attributes[k]; !ok || f == nil || f.Format != "date-time" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, str); err == nil && strings.HasSuffix(str, "Z") {
			r.Attrs[k] = appleTime(r.Type, t.Add(jitter))
		}
	}
}

// seedEpoch is "now" for the demo data, so dates are the same on every start.
var seedEpoch = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// demoLocale is a locale the demo apps are localized in, with a subtitle and promotional text.
type demoLocale struct{ code, subtitle, promo string }

var demoLocales = []demoLocale{
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

// demo is one demo app being seeded, handed to every family's seed: its description, its
// record, and what families made for it that others refer to.
type demo struct {
	n        int // the app's index in demoApps; the first one also holds the team's data
	spec     demoApp
	app      *record
	locales  []demoLocale
	live     bool      // a version is on the App Store
	builds   []*record // by the builds family, oldest first
	versions []*record // by the versions family, as spec.versions
}

// versionCreated is when the demo app's version vi was created: a month apart, the last
// one a month before the seed epoch.
func (d *demo) versionCreated(vi int) time.Time {
	return seedEpoch.Add(-time.Duration(len(d.spec.versions)-vi) * 30 * day)
}

const day = 24 * time.Hour

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
		for _, f := range registry.families {
			if f.fill != nil {
				f.fill(sd)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown seed %q", s.opts.Seed)
}

// seedApp makes a demo app and hands it to every family's seed.
func (sd seeder) seedApp(n int, a demoApp) {
	app := sd.add("apps", map[string]any{
		"name": a.name, "bundleId": a.bundleID, "sku": a.sku, "primaryLocale": "en-US",
		"isOrEverWasMadeForKids": false, "contentRightsDeclaration": "DOES_NOT_USE_THIRD_PARTY_CONTENT",
		"streamlinedPurchasingEnabled": true,
		"subscriptionStatusUrl":        "https://example.com/" + a.sku + "/asn", "subscriptionStatusUrlVersion": "V2",
		"subscriptionStatusUrlForSandbox": "https://example.com/" + a.sku + "/asn-sandbox", "subscriptionStatusUrlVersionForSandbox": "V2",
	})
	d := &demo{n: n, spec: a, app: app, locales: demoLocales[:a.locales]}
	for _, v := range a.versions {
		d.live = d.live || v.state == "READY_FOR_DISTRIBUTION"
	}
	seedFamilies(sd, d)
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
	var all []any
	for _, p := range apple.Platforms() {
		all = append(all, p)
	}
	return all
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

// seedTerritories adds the App Store's territories the store lacks.
func (sd seeder) seedTerritories() {
	for _, t := range storefronts {
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
