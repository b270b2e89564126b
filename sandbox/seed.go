package sandbox

import "fmt"

// seeder builds seed data through the store, so seeded resources get the same links and
// inverse relationships as ones created through the API.
type seeder struct{ s *Server }

func (sd seeder) add(typ string, attrs map[string]any, rels ...any) *record {
	r := sd.s.st.insert(typ, "", attrs)
	for i := 0; i+1 < len(rels); i += 2 {
		name := rels[i].(string)
		if tgt, ok := rels[i+1].(*record); ok && tgt != nil {
			sd.s.st.link(r, name, tgt)
		}
	}
	return r
}

// demoLocales are the locales the demo apps are localized in.
var demoLocales = []struct{ code, name, subtitle string }{
	{"en-US", "%s", "Plan your day, beautifully"},
	{"de-DE", "%s", "Plane deinen Tag"},
	{"fr-FR", "%s", "Planifiez votre journée"},
	{"es-ES", "%s", "Planifica tu día"},
	{"it", "%s", "Pianifica la tua giornata"},
	{"ja", "%s", "一日の計画を立てよう"},
	{"ko", "%s", "하루를 계획하세요"},
	{"pt-BR", "%s", "Planeje seu dia"},
	{"zh-Hans", "%s", "规划你的一天"},
	{"nl-NL", "%s", "Plan je dag"},
	{"sv", "%s", "Planera din dag"},
	{"en-GB", "%s", "Plan your day, brilliantly"},
}

type demoApp struct {
	name, bundleID, sku string
	locales             int
}

var demoApps = []demoApp{
	{"Daybreak Planner", "com.example.daybreak", "DAYBREAK001", 12},
	{"Pocket Ledger", "com.example.ledger", "LEDGER001", 6},
	{"Trailhead Maps", "com.example.trailhead", "TRAILHEAD001", 5},
	{"Quiet Hours", "com.example.quiethours", "QUIET001", 1},
}

// seed fills an empty store according to Options.Seed. Everything derives from fixed
// values and sequence numbers, so two demo sandboxes hold identical data.
func (s *Server) seed() error {
	switch s.opts.Seed {
	case "empty":
		return nil
	case "demo":
		sd := seeder{s}
		for _, a := range demoApps {
			app := sd.add("apps", map[string]any{
				"name": a.name, "bundleId": a.bundleID, "sku": a.sku, "primaryLocale": "en-US",
				"isOrEverWasMadeForKids": false, "contentRightsDeclaration": "DOES_NOT_USE_THIRD_PARTY_CONTENT",
			})
			info := sd.add("appInfos", map[string]any{"state": "READY_FOR_DISTRIBUTION", "appStoreState": "READY_FOR_SALE"}, "app", app)
			for _, l := range demoLocales[:a.locales] {
				sd.add("appInfoLocalizations", map[string]any{
					"locale": l.code, "name": fmt.Sprintf(l.name, a.name), "subtitle": l.subtitle,
					"privacyPolicyUrl": "https://example.com/" + a.sku + "/privacy",
				}, "appInfo", info)
			}
		}
		return nil
	}
	return fmt.Errorf("unknown seed %q", s.opts.Seed)
}
