//go:build race

package testutil

// raceEnabled says the test binary was built with -race.
const raceEnabled = true
