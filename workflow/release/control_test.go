package release_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ascend-tools/ascend/apple"
	"github.com/ascend-tools/ascend/asc"
	"github.com/ascend-tools/ascend/sandbox"
	"github.com/ascend-tools/ascend/sandbox/sandboxtest"
	"github.com/ascend-tools/ascend/workflow/release"
	"github.com/ascend-tools/ascend/workflow/versions"
)

const daybreak = "com.example.daybreak"

// pending puts daybreak's version being prepared where App Review leaves a manual release:
// approved, waiting for its developer.
func pending(t *testing.T, sb *sandboxtest.Sandbox) string {
	t.Helper()
	v, err := versions.Get(t.Context(), sb.Client(), versions.Query{App: daybreak, Platform: asc.PlatformIOS})
	if err != nil {
		t.Fatal(err)
	}
	sb.Set("appStoreVersions", v.ID, "appVersionState", apple.ReleasableVersionState)
	sb.Set("appStoreVersions", v.ID, "appStoreState", apple.ReleasableVersionState)
	return v.Version
}

// lostAnswers are the faults after which a write took effect but its answer never came.
var lostAnswers = map[string]sandbox.FaultRule{
	"dropped": {After: true, Drop: true, Times: 1},
	"500":     {After: true, Status: 500, Times: 2},
	"503":     {After: true, Status: 503, Times: 1},
}

func TestReleaseConvergesWhenTheAnswerIsLost(t *testing.T) {
	t.Parallel()
	for name, fault := range lostAnswers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t, sandbox.Options{})
			version := pending(t, sb)
			fault.Method, fault.Route = "POST", "/v1/appStoreVersionReleaseRequests"
			sb.Fail(fault)
			res, err := release.Release(t.Context(), sb.Client(), release.Target{App: daybreak})
			if err != nil {
				t.Fatal(err)
			}
			if !res.Released || res.Version.Version != version || res.Version.State != "READY_FOR_DISTRIBUTION" || res.Version.Phase != "live" {
				t.Fatalf("release: %+v", res)
			}
			if n := sb.Count("POST /v1/appStoreVersionReleaseRequests"); n != 1 {
				t.Errorf("%d release requests sent, want 1", n)
			}
			if fault.Status != 0 && sb.Stats().ByStatus[fmt.Sprint(fault.Status)] == 0 {
				t.Errorf("the fault never acted: %v", sb.Stats().ByStatus)
			}
			// Again: already out, nothing sent.
			writes := sb.Writes()
			again, err := release.Release(t.Context(), sb.Client(), release.Target{App: daybreak, Version: version})
			if err != nil || again.Released || sb.Writes() != writes {
				t.Errorf("second release: %+v %v, %d writes", again, err, sb.Writes()-writes)
			}
		})
	}
}

func TestReleaseRefusesAVersionNotApproved(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	for _, tc := range []struct {
		target release.Target
		want   string
	}{
		{release.Target{App: daybreak}, "no version pending developer release"},
		{release.Target{App: daybreak, Version: "2.4.0"}, "PREPARE_FOR_SUBMISSION: only an approved version"},
		{release.Target{App: daybreak, Version: "9.9"}, "no such version"},
		{release.Target{App: daybreak, Platform: "ANDROID"}, "platform ANDROID is not one of"},
		{release.Target{App: " "}, "an app"},
	} {
		if _, err := release.Release(t.Context(), c, tc.target); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.target, err, tc.want)
		}
	}
	if sb.Writes() != 0 {
		t.Errorf("refusals wrote %d times", sb.Writes())
	}
}

func TestPhasedReleaseThroughItsWeek(t *testing.T) {
	t.Parallel()
	for name, fault := range lostAnswers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sb := sandboxtest.Start(t, sandbox.Options{})
			c := sb.Client()
			ctl := func(a release.PhasedAction) *release.PhasedResult {
				t.Helper()
				res, err := release.PhasedControl(t.Context(), c, release.PhasedRequest{Target: release.Target{App: daybreak, Platform: asc.PlatformIOS}, Action: a})
				if err != nil {
					t.Fatalf("%s: %v", a, err)
				}
				return res
			}
			// Every write's answer is lost once.
			create, update := fault, fault
			create.Method, create.Route = "POST", "/v1/appStoreVersionPhasedReleases"
			update.Method, update.Route = "PATCH", "/v1/appStoreVersionPhasedReleases/{id}"
			sb.Fail(create, update)
			st := ctl(release.PhasedStart)
			if !st.Changed || st.Phase.State != "INACTIVE" || st.ID == "" || st.Version.Version != "2.4.0" {
				t.Fatalf("start: %+v", st)
			}
			if again := ctl(release.PhasedStart); again.Changed || again.ID != st.ID {
				t.Errorf("second start: %+v", again)
			}
			if n := sb.Count("POST /v1/appStoreVersionPhasedReleases"); n != 1 {
				t.Errorf("%d phased releases created, want 1", n)
			}
			// Not started yet: a pause is refused before anything is sent.
			writes := sb.Writes()
			if _, err := release.PhasedControl(t.Context(), c, release.PhasedRequest{Target: release.Target{App: daybreak, Version: "2.4.0"}, Action: release.PhasedPause}); err == nil ||
				!strings.Contains(err.Error(), "starts by itself when the version is released") {
				t.Errorf("pausing an inactive release: %v", err)
			}
			pending(t, sb)
			if _, err := release.Release(t.Context(), c, release.Target{App: daybreak}); err != nil {
				t.Fatal(err)
			}
			day1 := ctl(release.PhasedStatus)
			if day1.Phase.State != "ACTIVE" || day1.Phase.Day != 1 || day1.Phase.Share != 1 || day1.Phase.String() != "day 1 of 7: 1% of users" || day1.Changed {
				t.Fatalf("day 1: %+v %s", day1.Phase, day1.Phase)
			}
			sb.Advance(48 * time.Hour)
			if p := ctl(release.PhasedStatus).Phase; p.Day != 3 || p.Share != 5 {
				t.Errorf("day 3: %+v", p)
			}
			paused := ctl(release.PhasedPause)
			if !paused.Changed || paused.Phase.State != "PAUSED" || !strings.HasPrefix(paused.Phase.String(), "paused on day 3 of 7: 5% of users") {
				t.Fatalf("pause: %+v %s", paused, paused.Phase)
			}
			if again := ctl(release.PhasedPause); again.Changed {
				t.Errorf("second pause changed it: %+v", again)
			}
			sb.Advance(24 * time.Hour)
			resumed := ctl(release.PhasedResume)
			if !resumed.Changed || resumed.Phase.State != "ACTIVE" || resumed.Phase.Day != 3 || resumed.Phase.PausedDays != 1 {
				t.Fatalf("resume: %+v", resumed.Phase)
			}
			done := ctl(release.PhasedComplete)
			if !done.Changed || done.Phase.State != "COMPLETE" || done.Phase.Share != 100 || done.Phase.String() != "complete: all users" {
				t.Fatalf("complete: %+v", done.Phase)
			}
			// Pausing a completed release is refused before anything is sent.
			writes = sb.Writes()
			_, err := release.PhasedControl(t.Context(), c, release.PhasedRequest{Target: release.Target{App: daybreak, Platform: asc.PlatformIOS}, Action: release.PhasedPause})
			if err == nil || !strings.Contains(err.Error(), "cannot pause the phased release of version 2.4.0 (IOS): it is COMPLETE") {
				t.Errorf("pausing a completed release: %v", err)
			}
			if sb.Writes() != writes {
				t.Errorf("a refused pause wrote %d times", sb.Writes()-writes)
			}
			// One phased release, three moves (pause, resume, complete) each sent at most twice
			// (the asc client replays a PATCH whose answer was lost).
			if n := sb.Count("PATCH /v1/appStoreVersionPhasedReleases/{id}"); n < 3 || n > 6 {
				t.Errorf("%d phased release updates", n)
			}
		})
	}
}

func TestStartingAPhasedReleaseOfALiveVersionIsRefused(t *testing.T) {
	t.Parallel()
	sb := sandboxtest.Start(t, sandbox.Options{})
	c := sb.Client()
	_, err := release.PhasedControl(t.Context(), c, release.PhasedRequest{Target: release.Target{App: daybreak, Version: "2.3.0"}, Action: release.PhasedStart})
	if err != nil {
		t.Fatalf("the live version has its (completed) phased release already: %v", err)
	}
	_, err = release.PhasedControl(t.Context(), c, release.PhasedRequest{Target: release.Target{App: daybreak, Version: "2.2.0"}, Action: release.PhasedStart})
	if err == nil || !strings.Contains(err.Error(), "set up before the version is released") {
		t.Errorf("a replaced version: %v", err)
	}
	if _, err := release.PhasedControl(t.Context(), c, release.PhasedRequest{Target: release.Target{App: daybreak}, Action: "stop"}); err == nil {
		t.Error("no error for an unknown action")
	}
	if sb.Writes() != 0 {
		t.Errorf("%d writes", sb.Writes())
	}
}

func TestParsePhasedAction(t *testing.T) {
	for in, want := range map[string]release.PhasedAction{"start": release.PhasedStart, " Pause ": release.PhasedPause, "RESUME": release.PhasedResume, "complete": release.PhasedComplete, "status": release.PhasedStatus} {
		if got, err := release.ParsePhasedAction(in); err != nil || got != want {
			t.Errorf("%q: %q %v", in, got, err)
		}
	}
	if _, err := release.ParsePhasedAction("halt"); err == nil || !strings.Contains(err.Error(), "start, pause, resume, complete") {
		t.Errorf("halt: %v", err)
	}
	if p := release.PhaseOf(nil); p.String() != "no phased release" {
		t.Errorf("none: %s", p)
	}
}
