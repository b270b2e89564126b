package connector

import (
	"strings"
	"testing"
	"time"
)

// FuzzEventOf reads any body as an event from Apple (the signature already checked): the
// event's type is Apple's enum spelling or UNKNOWN, its id is the profile's, then an id fit
// to be a database key, a log field and a table cell (or the body's hash), and reading the
// same body twice gives the same event, so Apple's retries are recognised.
func FuzzEventOf(f *testing.F) {
	for _, s := range []string{
		`{"data":{"id":"9f3a-11","type":"webhookPingCreated","attributes":{"ping":true}}}`,
		`{"data":{"id":"e1","type":"buildUploadStateUpdated"}}`,
		`{"data":{"type":"appStoreVersionAppVersionStateUpdated","attributes":{"eventType":"APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"}}}`,
		`{"id":"top","eventType":"build-upload-state-updated"}`,
		`{}`, ``, `not json`, `[1,2]`, `{"data":null}`,
		"{\"data\":{\"id\":\"a\\nb\",\"type\":\"x\\u001b[2Ky\"}}",
		`{"data":{"id":"` + strings.Repeat("i", 300) + `","type":"` + strings.Repeat("T", 300) + `"}}`,
		`{"data":{"id":"../../etc","type":"éventÜpdated"}}`,
		`{"data":{"id":"a b","type":"webhook ping created"}}`,
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		ev := eventOf("default", body, now)
		if ev.Type != "UNKNOWN" && !eventTypeName.MatchString(ev.Type) {
			t.Fatalf("event type %q is neither Apple's enum spelling nor UNKNOWN (body %q)", ev.Type, body)
		}
		id, ok := strings.CutPrefix(ev.ID, "default/")
		if !ok || !eventIDPattern.MatchString(id) {
			t.Fatalf("event id %q is not the profile's and a plain id (body %q)", ev.ID, body)
		}
		if again := eventOf("default", body, now); again.ID != ev.ID || again.Type != ev.Type {
			t.Fatalf("the same body read twice: %s %s, then %s %s", ev.ID, ev.Type, again.ID, again.Type)
		}
		if string(ev.Payload) != string(body) {
			t.Fatal("the payload is not the body as received")
		}
		if NormalizeEventType(ev.Type) != ev.Type {
			t.Fatalf("the type %q is not normalised", ev.Type)
		}
	})
}

// NormalizeEventType looks at the rune before an upper-case letter, not at a byte inside it.
func TestNormalizeEventTypeAfterMultibyte(t *testing.T) {
	for in, want := range map[string]string{"caféUpdated": "CAFÉ_UPDATED", "éventUpdated": "ÉVENT_UPDATED", "ĀB": "ĀB", "aÜb": "A_ÜB"} {
		if got := NormalizeEventType(in); got != want {
			t.Errorf("NormalizeEventType(%q) = %q, want %q", in, got, want)
		}
	}
}
