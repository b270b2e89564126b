package apple

// TestFlight's limits (App Store Connect Help, "TestFlight tester information" and "Invite
// external testers"): What to Test, in characters as Apple counts them (see Length); the
// external testers an app may have, which also caps a public link; the internal testers
// (App Store Connect users) an app may have.
const (
	MaxWhatToTestLength = 4000   // betaBuildLocalizations whatsNew
	MaxExternalTesters  = 10_000 // an app's external testers
	MaxPublicLinkLimit  = 10_000 // betaGroups publicLinkLimit: 1 to this
	MaxInternalTesters  = 100    // an app's internal testers
)
