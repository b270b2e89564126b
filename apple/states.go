package apple

import "slices"

// Phase is what a version's (or an app info's) state means for the work on it.
type Phase int

const (
	// PhaseUnknown is a state this table does not know.
	PhaseUnknown Phase = iota
	// Editable: Apple accepts metadata and screenshot changes (being prepared, or back from
	// review).
	Editable
	// Locked: in review or being processed; nothing changes until it comes back or goes live.
	Locked
	// Live: on the App Store; only the promotional text may change.
	Live
	// Retired: replaced by a newer version or removed from sale.
	Retired
)

func (p Phase) String() string {
	switch p {
	case Editable:
		return "editable"
	case Locked:
		return "locked"
	case Live:
		return "live"
	case Retired:
		return "retired"
	}
	return "unknown"
}

// states lists every state of an App Store version (appVersionState and the older
// appStoreState) and of an app info (state), in the order messages list them. The names are
// shared: an app info in PREPARE_FOR_SUBMISSION is as editable as a version in it.
var states = []stateEntry{
	{"PREPARE_FOR_SUBMISSION", Editable},
	{"DEVELOPER_REJECTED", Editable},
	{"REJECTED", Editable},
	{"METADATA_REJECTED", Editable},
	{"INVALID_BINARY", Editable},
	// A version added to a review submission that has not been submitted yet.
	{"READY_FOR_REVIEW", Editable},

	{"WAITING_FOR_REVIEW", Locked},
	{"IN_REVIEW", Locked},
	{"WAITING_FOR_EXPORT_COMPLIANCE", Locked},
	{"PROCESSING_FOR_DISTRIBUTION", Locked},
	{"PROCESSING_FOR_APP_STORE", Locked},
	{"ACCEPTED", Locked},
	{"PENDING_DEVELOPER_RELEASE", Locked},
	{"PENDING_APPLE_RELEASE", Locked},
	{"PENDING_RELEASE", Locked},
	{"PENDING_CONTRACT", Locked},

	{"READY_FOR_DISTRIBUTION", Live},
	{"READY_FOR_SALE", Live},
	{"PREORDER_READY_FOR_SALE", Live},

	{"REPLACED_WITH_NEW_VERSION", Retired},
	{"REPLACED_WITH_NEW_INFO", Retired},
	{"REMOVED_FROM_SALE", Retired},
	{"DEVELOPER_REMOVED_FROM_SALE", Retired},
	{"NOT_APPLICABLE", Retired},
}

type stateEntry struct {
	name  string
	phase Phase
}

// StatePhase returns the phase of a version or app info state.
func StatePhase(state string) Phase {
	i := slices.IndexFunc(states, func(s stateEntry) bool { return s.name == state })
	if i < 0 {
		return PhaseUnknown
	}
	return states[i].phase
}

// StatesIn returns the states of a phase, in the table's order.
func StatesIn(p Phase) []string {
	var out []string
	for _, s := range states {
		if s.phase == p {
			out = append(out, s.name)
		}
	}
	return out
}

// IsEditable reports whether Apple accepts metadata changes on a version or app info in state.
func IsEditable(state string) bool { return StatePhase(state) == Editable }

// IsLive reports whether a version or app info in state is the one on the App Store.
func IsLive(state string) bool { return StatePhase(state) == Live }

// LiveVersionState is the appVersionState of the version on the App Store, the one to
// filter by when looking for it.
const LiveVersionState = "READY_FOR_DISTRIBUTION"

// IsWithAppReview reports whether a version in state is with App Review: waiting for it or
// in review.
func IsWithAppReview(state string) bool { return state == "WAITING_FOR_REVIEW" || state == "IN_REVIEW" }

// IsRejected reports whether a version in state came back from review rejected: by App
// Review (REJECTED, METADATA_REJECTED) or taken back by its developer (DEVELOPER_REJECTED).
// Such a version is editable and can be sent again.
func IsRejected(state string) bool {
	return state == "REJECTED" || state == "METADATA_REJECTED" || state == "DEVELOPER_REJECTED"
}
