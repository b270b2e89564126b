package apple

import (
	"slices"
	"strconv"
	"strings"
)

// Phased release: Apple gives an update to a growing share of the users who have automatic
// updates on, over seven days (App Store Connect Help, "Release a version update in phases"):
// 1% on day 1, then 2%, 5%, 10%, 20%, 50% and 100% on day 7. Anyone can still download the
// update from the App Store at any time. A release can be paused, for up to 30 days in all,
// and released to everyone at once at any point.
var phasedReleaseShares = []int{1, 2, 5, 10, 20, 50, 100}

// PhasedReleaseDays is the length of a phased release, in days.
const PhasedReleaseDays = 7

// PhasedReleaseMaxPauseDays is how long a phased release may be paused in all; after it
// Apple resumes the release.
const PhasedReleaseMaxPauseDays = 30

// PhasedReleaseShare returns the percentage of users with automatic updates who get the
// update on day (1 to PhasedReleaseDays); ok is false for any other day.
func PhasedReleaseShare(day int) (percent int, ok bool) {
	if day < 1 || day > len(phasedReleaseShares) {
		return 0, false
	}
	return phasedReleaseShares[day-1], true
}

// PhasedReleaseShares returns the day table: element i is day i+1's percentage.
func PhasedReleaseShares() []int { return slices.Clone(phasedReleaseShares) }

// The states of a phased release (appStoreVersionPhasedReleases.phasedReleaseState).
const (
	// PhasedInactive: set up, waiting for the version to be released.
	PhasedInactive = "INACTIVE"
	// PhasedActive: under way, one step a day.
	PhasedActive = "ACTIVE"
	// PhasedPaused: held at its day; the days paused count towards the 30-day limit.
	PhasedPaused = "PAUSED"
	// PhasedComplete: every user has the update (day 7 passed, or released to all at once).
	PhasedComplete = "COMPLETE"
)

var phasedReleaseStates = []string{PhasedInactive, PhasedActive, PhasedPaused, PhasedComplete}

// PhasedReleaseStates returns the states of a phased release, in the order they are met.
func PhasedReleaseStates() []string { return slices.Clone(phasedReleaseStates) }

// phasedMoves are the state changes Apple accepts on a phased release: a PATCH of
// phasedReleaseState from the first state to the second. INACTIVE becomes ACTIVE only by
// the version's release.
var phasedMoves = [][2]string{
	{PhasedActive, PhasedPaused},
	{PhasedPaused, PhasedActive},
	{PhasedActive, PhasedComplete},
	{PhasedPaused, PhasedComplete},
}

// PhasedMoveAllowed reports whether Apple moves a phased release from state from to state
// to when asked (a request for the state it is in changes nothing and is allowed).
func PhasedMoveAllowed(from, to string) bool {
	if from == to {
		return slices.Contains(phasedReleaseStates, from)
	}
	return slices.Contains(phasedMoves, [2]string{from, to})
}

// ReleasableVersionState is the state of an approved version that waits for its developer
// to release it (releaseType MANUAL).
const ReleasableVersionState = "PENDING_DEVELOPER_RELEASE"

// IsVersionString reports whether v is a version Apple takes for an App Store version and
// a build (CFBundleShortVersionString, and CFBundleVersion of an App Store build): one to
// three period-separated non-negative integers, each fitting 32 bits ("1", "1.4", "1.4.2").
func IsVersionString(v string) bool {
	parts := strings.Split(v, ".")
	if len(parts) > 3 {
		return false
	}
	for _, p := range parts {
		if p == "" || strings.Trim(p, "0123456789") != "" {
			return false
		}
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return false
		}
	}
	return true
}
