package sandbox

import (
	"fmt"

	"github.com/ascend-tools/ascend/apple"
)

// Phased release: a version's phased release is set up (INACTIVE) before the version is
// released; when it goes live the release is ACTIVE on day 1 and moves a day at a time to day
// 7 (apple's day table), then COMPLETE. While ACTIVE it can be PAUSED (the days paused counted
// in totalPauseDuration; after 30 Apple resumes it) and resumed, and while ACTIVE or PAUSED
// released to everyone (COMPLETE). Apple refuses every other move (pausing a completed one,
// starting an inactive one by hand), a phased release for a version already released, and
// removing one that has started.

func init() {
	register(&family{
		name: "phasedrelease",
		hooks: []hooks{
			{types: []string{"appStoreVersionPhasedReleases"}, onePer: "appStoreVersion",
				beforeCreate: checkNewPhasedRelease, afterCreate: newPhasedRelease,
				beforeUpdate: checkPhasedUpdate, afterUpdate: phasedUpdated, beforeDelete: checkPhasedDelete},
		},
		machines: []*machine{phasedReleaseMachine},
	})
}

// phasedReleaseMachine: phasedReleaseState, one step a day on the sandbox clock.
var phasedReleaseMachine = &machine{
	types: []string{"appStoreVersionPhasedReleases"}, attr: "phasedReleaseState",
	rows: []transition{
		{from: apple.PhasedInactive, on: "start", to: apple.PhasedActive, do: phaseStarted, then: "day", after: oneDay},
		{from: apple.PhasedActive, on: "day", when: lastDay, to: apple.PhasedComplete},
		{from: apple.PhasedActive, on: "day", do: nextDay, then: "day", after: oneDay},
		{from: apple.PhasedPaused, on: "day", when: pauseRunsOut, to: apple.PhasedActive, do: pausedDay, then: "day", after: oneDay},
		{from: apple.PhasedPaused, on: "day", do: pausedDay, then: "day", after: oneDay},
		{from: apple.PhasedActive, on: "pause", to: apple.PhasedPaused},
		{from: apple.PhasedPaused, on: "resume", to: apple.PhasedActive},
		{from: apple.PhasedActive + "|" + apple.PhasedPaused, on: "complete", to: apple.PhasedComplete},
	},
}

// phasedEvents are the events a PATCH of phasedReleaseState to a state sends.
var phasedEvents = map[string]string{apple.PhasedPaused: "pause", apple.PhasedActive: "resume", apple.PhasedComplete: "complete"}

func phaseStarted(s *Server, pr *record) {
	pr.Attrs["startDate"] = s.timestamp(pr.Type)
	pr.Attrs["currentDayNumber"] = 1
}

func lastDay(_ *Server, pr *record) bool {
	return intOf(pr.Attrs["currentDayNumber"]) >= apple.PhasedReleaseDays
}

func nextDay(_ *Server, pr *record) {
	pr.Attrs["currentDayNumber"] = intOf(pr.Attrs["currentDayNumber"]) + 1
}

func pausedDay(_ *Server, pr *record) {
	pr.Attrs["totalPauseDuration"] = intOf(pr.Attrs["totalPauseDuration"]) + 1
}

// pauseRunsOut: this paused day is the last Apple allows.
func pauseRunsOut(_ *Server, pr *record) bool {
	return intOf(pr.Attrs["totalPauseDuration"])+1 >= apple.PhasedReleaseMaxPauseDays
}

func checkNewPhasedRelease(s *Server, doc *resourceDoc) *httpError {
	if st, ok := doc.Attrs["phasedReleaseState"].(string); ok && st != apple.PhasedInactive {
		return conflict("ENTITY_ERROR.ATTRIBUTE.INVALID", entityTitles["ENTITY_ERROR.ATTRIBUTE.INVALID"],
			fmt.Sprintf("A new phased release is %s; it starts when the version is released, not %s.", apple.PhasedInactive, st),
			"/data/attributes/phasedReleaseState")
	}
	if v := s.st.get("appStoreVersions", doc.relID("appStoreVersion")); v != nil {
		if p := apple.StatePhase(v.str("appVersionState")); p == apple.Live || p == apple.Retired {
			return stateError(fmt.Sprintf("Version %s is %s; a phased release can only be set up before the version is released.",
				v.str("versionString"), v.str("appVersionState")))
		}
	}
	return nil
}

func newPhasedRelease(_ *Server, _ *apiRequest, r *record) *httpError {
	r.Attrs["phasedReleaseState"] = apple.PhasedInactive
	r.Attrs["totalPauseDuration"] = 0
	return nil
}

func checkPhasedUpdate(s *Server, r *record, doc *resourceDoc) *httpError {
	to, ok := doc.Attrs["phasedReleaseState"].(string)
	from := r.str("phasedReleaseState")
	if !ok || to == from {
		return nil
	}
	if !apple.PhasedMoveAllowed(from, to) || !s.can(r, phasedEvents[to]) {
		what := map[string]string{apple.PhasedPaused: "paused", apple.PhasedActive: "made active", apple.PhasedComplete: "completed",
			apple.PhasedInactive: "made inactive"}[to]
		if what == "" {
			what = "moved to " + to
		}
		why := ""
		switch from {
		case apple.PhasedInactive:
			why = " It starts when the version is released."
		case apple.PhasedComplete:
			why = " The version is released to all users."
		}
		return stateError(fmt.Sprintf("The phased release is %s and cannot be %s.%s", from, what, why))
	}
	return nil
}

// phasedUpdated moves the release through its machine (the engine stored the asked state).
func phasedUpdated(s *Server, _ *apiRequest, r, old *record, doc *resourceDoc) *httpError {
	to, ok := doc.Attrs["phasedReleaseState"].(string)
	if !ok || to == old.str("phasedReleaseState") {
		return nil
	}
	r.Attrs["phasedReleaseState"] = old.str("phasedReleaseState")
	s.send(r, phasedEvents[to])
	return nil
}

func checkPhasedDelete(_ *Server, r *record) *httpError {
	if st := r.str("phasedReleaseState"); st != apple.PhasedInactive {
		return stateError(fmt.Sprintf("The phased release is %s; only one that has not started can be removed.", st))
	}
	return nil
}
