package sandbox

import (
	"fmt"
	"time"
)

// Certificates, identifiers and profiles: bundle ids are unique by identifier; the demo team
// has a bundle id (with a capability) and an App Store profile per app, three registered
// devices and a distribution certificate.

func init() {
	register(&family{
		name: "provisioning",
		hooks: []hooks{
			{types: []string{"bundleIds"}, beforeCreate: uniqueBundleIdentifier},
			{types: []string{"devices"}, afterCreate: registerDevice},
		},
		seed: seedProvisioning,
	})
}

func uniqueBundleIdentifier(s *Server, doc *resourceDoc) *httpError {
	want, _ := doc.Attrs["identifier"].(string)
	if want == "" {
		return nil
	}
	for _, r := range s.st.all("bundleIds") {
		if r.str("identifier") == want {
			return duplicate(fmt.Sprintf("The identifier '%s' is already used.", want), "/data/attributes/identifier")
		}
	}
	return nil
}

// registerDevice: a registered device is ENABLED from the moment it is added.
func registerDevice(s *Server, _ *apiRequest, r *record) *httpError {
	r.Attrs["status"] = "ENABLED"
	r.Attrs["addedDate"] = s.timestamp(r.Type)
	return nil
}

func seedProvisioning(sd seeder, d *demo) {
	a, app, n := d.spec, d.app, d.n
	bundle := sd.add("bundleIds", map[string]any{"identifier": a.bundleID, "name": a.name, "platform": "IOS", "seedId": "A1B2C3D4E5"}, "app", app)
	sd.add("bundleIdCapabilities", map[string]any{"capabilityType": "PUSH_NOTIFICATIONS", "settings": []any{}}, "bundleId", bundle)
	sd.add("profiles", map[string]any{"name": a.name + " App Store", "platform": "IOS", "profileType": "IOS_APP_STORE", "profileState": "ACTIVE",
		"profileContent": "U0FOREJPWC1QUk9GSUxF", "uuid": formatUUIDString(fmt.Sprintf("profile/%d", n)),
		"createdDate": stamp(seedEpoch.Add(-60 * day)), "expirationDate": stamp(seedEpoch.Add(305 * day))}, "bundleId", bundle)
	if n != 0 {
		return
	}
	for i, dev := range []struct{ name, class, model string }{
		{"Ada's iPhone", "IPHONE", "iPhone 16 Pro"}, {"QA iPad", "IPAD", "iPad Pro 13-inch (M4)"}, {"Test iPhone SE", "IPHONE", "iPhone SE (3rd generation)"},
	} {
		sd.add("devices", map[string]any{"name": dev.name, "platform": "IOS", "udid": fmt.Sprintf("00008110-%016X", 0xA11CE0+i),
			"deviceClass": dev.class, "status": "ENABLED", "model": dev.model, "addedDate": stamp(seedEpoch.Add(-time.Duration(30*(i+1)) * day))})
	}
	sd.add("certificates", map[string]any{"name": "iOS Distribution: Example Labs", "displayName": "Example Labs", "certificateType": "IOS_DISTRIBUTION",
		"platform": "IOS", "serialNumber": "5A1D3B0C9E8F7A61", "expirationDate": stamp(seedEpoch.Add(300 * day)),
		"certificateContent": "U0FOREJPWC1DRVJUSUZJQ0FURQ==", "activated": true})
}
