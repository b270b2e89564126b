package connector_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/store"
)

// localTime is a time as a terminal shows it (in the machine's zone, so not fixed).
var localTime = regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d`)

// TestListAndRemoveOutputGolden pins, byte for byte, what the list, revoke and remove
// commands of keys, webhooks and subscriptions print on stdout and stderr, with their exit
// codes and errors, as a pipe, as a terminal and with --json, over records of fixed times.
func TestListAndRemoveOutputGolden(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "gw.sqlite")
	emptyPath := filepath.Join(dir, "empty.sqlite")
	env := map[string]string{
		"ASCEND_CONFIG_DIR": dir, "ASCEND_CACHE_DIR": t.TempDir(),
		"ASC_API_KEY_JSON": sb.Credentials(), "ASCEND_GATEWAY_DB": dbPath,
	}
	app := runCLI(t, false, env, "api", "/v1/apps", "--jq", ".data[0].id").want(t, 0).stdout
	hookID := strings.TrimSpace(runCLI(t, false, env, "connector", "webhooks", "register", "--app", strings.Trim(strings.TrimSpace(app), `"`),
		"--events", "BUILD_UPLOAD_STATE_UPDATED", "--public-url", "https://gw.example.com").want(t, 0).stdout)

	at := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	db, err := store.Open(t.Context(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	hooks, err := db.Webhooks(t.Context(), "")
	if err != nil || len(hooks) != 1 {
		t.Fatalf("webhooks: %v %v", hooks, err)
	}
	hooks[0].CreatedAt = at.Add(2 * time.Minute)
	seed := []error{
		db.PutWebhook(t.Context(), hooks[0]),
		db.CreateClientKey(t.Context(), store.ClientKey{ID: "k1", Name: "active", Profile: "default", Access: store.Write, Hash: "h1", CreatedAt: at, Quota: 0.125}),
		db.CreateClientKey(t.Context(), store.ClientKey{ID: "k2", Name: "expired", Profile: "prod", Access: store.Read, Hash: "h2", CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}),
		db.CreateClientKey(t.Context(), store.ClientKey{ID: "k3", Name: "revoked", Profile: "default", Access: store.Read, Hash: "h3", CreatedAt: at}),
		db.RevokeClientKey(t.Context(), "revoked", at.Add(time.Hour)),
		db.CreateClientKey(t.Context(), store.ClientKey{ID: "k4", Name: "later", Profile: "default", Access: store.Read, Hash: "h4", CreatedAt: at, ExpiresAt: time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC)}),
		db.PutWebhook(t.Context(), store.Webhook{ID: "hook-local", Profile: "prod", AppID: "123", URL: "https://gw.example.com/connector/webhooks/apple/prod",
			Secret: "s", EventTypes: []string{"A", "B"}, CreatedAt: at}),
		db.CreateSubscription(t.Context(), store.Subscription{ID: "sub-1", Profile: "default", KeyName: "active",
			CallbackURL: "https://user:pw@flow.example.com/cb?sig=hidden", CreatedAt: at}),
		db.CreateSubscription(t.Context(), store.Subscription{ID: "sub-2", Profile: "prod", KeyName: "active",
			CallbackURL: "http://127.0.0.1:9/hook", EventTypes: []string{"BUILD_UPLOAD_STATE_UPDATED", "APP_STORE_VERSION_APP_VERSION_STATE_UPDATED"}, Secret: "x", CreatedAt: at.Add(time.Minute)}),
	}
	db.Close()
	for _, err := range seed {
		if err != nil {
			t.Fatal(err)
		}
	}
	if db, err := store.Open(t.Context(), emptyPath); err != nil {
		t.Fatal(err)
	} else {
		db.Close()
	}

	var tr cmdtest.Transcript
	run := func(tty bool, args ...string) {
		r := runAnswering(t, tty, env, "", args...)
		tr.Add(tty, args, cmdtest.Result{Stdout: r.stdout, Stderr: r.stderr, Code: r.code, Err: r.err})
	}
	for _, noun := range []string{"keys", "webhooks", "subscriptions"} {
		for _, tty := range []bool{false, true} {
			run(tty, "connector", noun, "list")
			run(tty, "connector", noun, "ls", "--json")
			run(tty, "connector", noun, "list", "--db", emptyPath)
			run(tty, "connector", noun, "list", "--db", filepath.Join(dir, "missing.sqlite"))
		}
	}
	run(false, "connector", "keys", "revoke", "active")
	run(true, "connector", "keys", "revoke", "active", "--yes")
	run(false, "connector", "keys", "revoke", "active", "--yes")
	run(false, "connector", "keys", "revoke", "revoked", "--yes")
	run(true, "connector", "keys", "revoke", "nobody", "--yes")
	run(false, "connector", "keys", "revoke", "a", "b")
	run(false, "connector", "keys", "revoke", "later", "--yes", "--db", filepath.Join(dir, "missing.sqlite"))
	run(false, "connector", "keys", "revoke", "later", "--yes")
	run(false, "connector", "subscriptions", "remove", "sub-1")
	run(true, "connector", "subscriptions", "remove", "sub-1", "--yes")
	run(false, "connector", "subscriptions", "remove", "sub-1", "--yes")
	run(false, "connector", "subscriptions", "remove", "sub-2", "-y")
	run(false, "connector", "subscriptions", "remove")
	run(false, "connector", "webhooks", "remove", hookID)
	run(true, "connector", "webhooks", "remove", hookID, "--yes")
	run(false, "connector", "webhooks", "remove", hookID, "--yes")
	run(false, "connector", "webhooks", "remove", "hook-local", "--yes")
	run(false, "connector", "keys", "list", "--jq", `[.[] | {name, state}]`)
	run(false, "connector", "webhooks", "list", "--json")
	run(false, "connector", "subscriptions", "list", "--json")

	got := strings.ReplaceAll(tr.String(), hookID, "<hook>")
	got = strings.ReplaceAll(got, dir, "<dir>")
	cmdtest.Golden(t, "list_remove.golden", localTime.ReplaceAllString(got, "<local time>"))
}
