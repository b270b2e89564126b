package pricing_test

import (
	"testing"

	"github.com/ascend-tools/ascend/internal/cmd/cmdtest"
	"github.com/ascend-tools/ascend/sandbox"
)

// TestPricingOutputGolden pins, byte for byte, what show, set and availability print (as a
// pipe, as a terminal and with --json), their exit codes and errors, for an app with a price
// schedule, one without, no app and an unknown app; only dry runs and no-ops, so the
// sandbox's state is the same for every invocation.
func TestPricingOutputGolden(t *testing.T) {
	h := cmdtest.New(t, sandbox.Options{})
	var tr cmdtest.Transcript
	run := func(tty bool, args ...string) {
		tr.Add(tty, args, h.Run(t, tty, args...))
	}
	for _, app := range []string{"com.example.daybreak", "com.example.quiethours"} {
		for _, tty := range []bool{false, true} {
			run(tty, "pricing", "show", "--app", app)
			run(tty, "pricing", "set", "--app", app, "--price", "4.99", "--territory", "JPN=800", "--dry-run")
			run(tty, "pricing", "set", "--app", app, "--price", "4.99", "--dry-run")
			run(tty, "pricing", "set", "--app", app, "--price", "2.99", "--dry-run")
			run(tty, "pricing", "availability", "--app", app, "--territories", "usa,GBR", "--dry-run")
		}
		run(false, "pricing", "show", "--app", app, "--json")
		run(false, "pricing", "set", "--app", app, "--price", "4.99", "--dry-run", "--json")
		run(false, "pricing", "set", "--app", app, "--price", "4.95", "--dry-run")
		run(false, "pricing", "set", "--app", app, "--price", "4.99", "--start-date", "2099-01-01", "--dry-run")
		run(false, "pricing", "availability", "--app", app, "--all", "--dry-run")
		run(false, "pricing", "availability", "--app", app, "--territories", "USA,XYZ", "--dry-run")
		run(false, "pricing", "availability", "--app", app, "--all")
	}
	for _, cmd := range [][]string{{"show"}, {"set", "--price", "1.99"}, {"availability", "--all"}} {
		run(false, append([]string{"pricing"}, cmd...)...)
		run(false, append([]string{"pricing"}, append(cmd, "--app", "com.example.nope")...)...)
	}
	run(false, "pricing", "set", "--app", "com.example.daybreak")
	run(false, "pricing", "set", "--app", "com.example.daybreak", "--price", "1", "--territory", "JPN")
	run(false, "pricing", "availability", "--app", "com.example.daybreak")
	if n := h.Writes(t); n != 0 {
		t.Fatalf("%d writes", n)
	}
	cmdtest.Golden(t, "pricing.golden", tr.String())
}
