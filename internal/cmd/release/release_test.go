package release_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

func TestPhasedReleaseThenReleaseThenPause(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	app := []string{"--app", "com.example.daybreak"}
	run := func(code int, args ...string) cmdtest.Result {
		t.Helper()
		return h.Run(t, false, append(args, app...)...).Want(t, code)
	}
	r := run(0, "phased-release", "start")
	if !strings.Contains(r.Stdout, "version 2.4.0 (IOS) phased release: waiting for the release") || !strings.Contains(r.Stdout, "(set up)") {
		t.Errorf("start: %q", r.Stdout)
	}
	if r = run(0, "phased-release", "start"); !strings.Contains(r.Stdout, "(unchanged)") {
		t.Errorf("second start: %q", r.Stdout)
	}
	// Not approved yet: nothing to release.
	r = run(1, "release")
	if !strings.Contains(r.Err.Error(), "no version pending developer release") {
		t.Errorf("release before approval: %v", r.Err)
	}
	var v struct{ ID string }
	if err := json.Unmarshal([]byte(run(0, "versions", "get", "--json").Stdout), &v); err != nil || v.ID == "" {
		t.Fatalf("versions get: %v", err)
	}
	if err := h.SB.SetAttribute("appStoreVersions", v.ID, "appVersionState", "PENDING_DEVELOPER_RELEASE"); err != nil {
		t.Fatal(err)
	}
	if r = run(0, "release"); r.Stdout != "version 2.4.0 (IOS): released, READY_FOR_DISTRIBUTION\n" {
		t.Errorf("release: %q", r.Stdout)
	}
	if r = run(0, "release", "--version", "2.4.0"); !strings.Contains(r.Stdout, "already released") {
		t.Errorf("second release: %q", r.Stdout)
	}
	if r = run(0, "phased-release"); r.Stdout != "version 2.4.0 (IOS) phased release: day 1 of 7: 1% of users\n" {
		t.Errorf("status: %q", r.Stdout)
	}
	if r = run(0, "phased-release", "pause"); !strings.Contains(r.Stdout, "paused on day 1 of 7") || !strings.Contains(r.Stdout, "(paused)") {
		t.Errorf("pause: %q", r.Stdout)
	}
	r = run(0, "phased-release", "complete", "--json")
	var res struct {
		Phase struct {
			State        string
			SharePercent int
		}
		Changed bool
	}
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil || res.Phase.State != "COMPLETE" || res.Phase.SharePercent != 100 || !res.Changed {
		t.Errorf("complete --json: %s %v", r.Stdout, err)
	}
	writes := h.Writes(t)
	r = run(1, "phased-release", "pause")
	if !strings.Contains(r.Err.Error(), "it is COMPLETE") || h.Writes(t) != writes {
		t.Errorf("pausing a completed release: %v, %d writes", r.Err, h.Writes(t)-writes)
	}
	if n := h.Stats(t)["POST /v1/appStoreVersionPhasedReleases"]; n != 1 {
		t.Errorf("%d phased releases created", n)
	}
}

func TestUsageErrorsSendNothing(t *testing.T) {
	t.Parallel()
	h := cmdtest.New(t, sandbox.Options{})
	for _, args := range [][]string{
		{"release"},
		{"release", "--app", "com.example.daybreak", "--platform", "ANDROID"},
		{"release", "--app", "com.example.daybreak", "now"},
		{"phased-release", "halt", "--app", "com.example.daybreak"},
		{"phased-release", "pause", "resume", "--app", "com.example.daybreak"},
		{"phased-release", "pause"},
	} {
		h.Run(t, false, args...).Want(t, 2)
	}
	if n := len(h.Stats(t)); n != 0 {
		t.Errorf("usage errors sent requests: %v", h.Stats(t))
	}
}
