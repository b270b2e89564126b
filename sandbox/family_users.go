package sandbox

import "time"

// Users and invitations of the team: a team always has its Account Holder; the demo team also
// has an app manager who sees two apps, a developer, and an invitation not yet accepted.

func init() {
	register(&family{
		name: "users",
		hooks: []hooks{
			{types: []string{"userInvitations"}, afterCreate: inviteUser},
		},
		seed:      seedUsers,
		seedAfter: []string{"versions"},
	})
}

// inviteUser: an invitation expires after 30 days, as App Store Connect's do.
func inviteUser(s *Server, _ *apiRequest, r *record) *httpError {
	r.Attrs["expirationDate"] = appleTime(r.Type, s.stateNow().Add(30*day))
	return nil
}

// seedUsers: the team's people, once, with the last demo app (all apps exist by then).
func seedUsers(sd seeder, d *demo) {
	if d.n != len(demoApps)-1 {
		return
	}
	apps := sd.s.st.all("apps")
	sd.add("users", map[string]any{"username": "holder@example.com", "firstName": "Avery", "lastName": "Holder",
		"roles": []any{"ACCOUNT_HOLDER", "ADMIN"}, "allAppsVisible": true, "provisioningAllowed": true})
	manager := sd.add("users", map[string]any{"username": "manager@example.com", "firstName": "Morgan", "lastName": "Reed",
		"roles": []any{"APP_MANAGER"}, "allAppsVisible": false, "provisioningAllowed": false})
	for _, a := range apps[:2] {
		sd.s.st.link(manager, "visibleApps", a)
	}
	sd.add("users", map[string]any{"username": "dev@example.com", "firstName": "Devon", "lastName": "Park",
		"roles": []any{"DEVELOPER"}, "allAppsVisible": true, "provisioningAllowed": true})
	inv := sd.add("userInvitations", map[string]any{"email": "new.tester@example.com", "firstName": "Rowan", "lastName": "Lee",
		"roles": []any{"MARKETING"}, "allAppsVisible": false, "provisioningAllowed": false,
		"expirationDate": stamp(seedEpoch.Add(20*day - 3*time.Hour))})
	sd.s.st.link(inv, "visibleApps", apps[0])
}
