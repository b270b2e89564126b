package connector

import (
	"strings"
	"testing"
)

// TestCallbackDialRefusesLinkLocal: a callback host name that resolves to a link-local or
// unspecified address is refused when connecting, whatever the subscription said.
func TestCallbackDialRefusesLinkLocal(t *testing.T) {
	t.Parallel()
	for addr, allowed := range map[string]bool{
		"169.254.169.254:80":     false,
		"[fe80::1]:443":          false,
		"0.0.0.0:80":             false,
		"[::]:80":                false,
		"127.0.0.1:8080":         true,
		"10.0.0.7:443":           true,
		"93.184.216.34:443":      true,
		"[fd00:ec2::254]:80":     false,
		"100.100.100.200:80":     false,
		"[fd12:3456::1]:80":      true,
		"[2002:a9fe:a9fe::1]:80": false,
	} {
		err := refuseBlockedDial("tcp", addr, nil)
		if allowed && err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
		if !allowed && (err == nil || !strings.Contains(err.Error(), "not allowed")) {
			t.Errorf("%s: %v; want refused", addr, err)
		}
	}
}
