package mcp

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestScrubRemovesEveryKindOfCredential(t *testing.T) {
	t.Parallel()
	jwt := "eyJhbGciOiJFUzI1NiIsImtpZCI6IkFCQyJ9.eyJpc3MiOiI1NzI0NjU0MiIsImF1ZCI6ImFwcHN0b3JlIn0.c2lnbmF0dXJlc2lnbmF0dXJl"
	doc := `{"data":{"type":"appScreenshots","id":"1","attributes":{
		"fileName":"a.png",
		"uploadOperations":[{"method":"PUT","url":"https://upload.example.com/part/1?token=abc","length":10,"requestHeaders":[{"name":"Content-Type","value":"image/png"}]}],
		"demoAccountPassword":"hunter2",
		"webhookSecret":"shh",
		"notes":"token ` + jwt + ` pasted here",
		"report":"https://reports.example.com/r.gz?X-Amz-Signature=deadbeef&X-Amz-Credential=AKIA",
		"marketingUrl":"https://example.com/app?utm_source=store",
		"key":"-----BEGIN PRIVATE KEY-----\nMIGTAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----",
		"clientKey":"asck_0123456789abcdef_c2VjcmV0LXBhcnQ"}}}`
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	out := string(marshal(scrub(v)))
	for _, secret := range []string{"upload.example.com/part/1?token", "hunter2", "shh", jwt, "deadbeef", "AKIA", "MIGTAgEAMBMGByqGSM49", "c2VjcmV0LXBhcnQ"} {
		if strings.Contains(out, secret) {
			t.Errorf("scrubbed document still carries %q: %s", secret, out)
		}
	}
	for _, kept := range []string{"a.png", `"method":"PUT"`, `"length":10`, "image/png", removedUploadURL, hidden, "pasted here",
		"https://reports.example.com/r.gz?" + removedSigned, "https://example.com/app?utm_source=store"} {
		if !strings.Contains(out, kept) {
			t.Errorf("scrubbed document lost %q: %s", kept, out)
		}
	}
}

func TestFlattenedItemsAreScrubbedToo(t *testing.T) {
	t.Parallel()
	item := json.RawMessage(`{"type":"appStoreReviewDetails","id":"9","attributes":{"demoAccountName":"demo","demoAccountPassword":"hunter2"},
		"relationships":{"appStoreVersion":{"data":{"type":"appStoreVersions","id":"7"},"links":{"self":"https://x.example.com/v?token=t"}}},
		"links":{"self":"https://api.example.com/r/9"}}`)
	out := string(shape(item, false))
	if strings.Contains(out, "hunter2") || strings.Contains(out, "token=t") {
		t.Errorf("flattened item carries a secret: %s", out)
	}
	if want := `{"type":"appStoreReviewDetails","id":"9","demoAccountName":"demo","demoAccountPassword":"(hidden)","relationships":{"appStoreVersion":"7"}}`; out != want {
		t.Errorf("flattened item\n got %s\nwant %s", out, want)
	}
}
