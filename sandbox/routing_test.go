package sandbox

import (
	"strings"
	"testing"

	"github.com/ascend-tools/ascend/internal/spec"
)

// TestEveryOperationIsRouted calls each of the catalog's operations once, with an id that
// does not exist and no body, and checks that the sandbox recognises it: the answer is one
// of Apple's ordinary outcomes, never "no such path", never a server error.
func TestEveryOperationIsRouted(t *testing.T) {
	t.Parallel()
	_, c := newTestServer(t, Options{Seed: "empty"})
	counts := map[int]int{}
	for _, op := range spec.Operations() {
		path := strings.ReplaceAll(op.Path, "{id}", "no-such-id")
		r := c.do(op.Method, path, nil)
		counts[r.status]++
		switch {
		case r.status >= 500:
			t.Errorf("%s %s: %d %s", op.Method, path, r.status, r.body)
		case r.status == 404 && strings.Contains(string(r.body), "does not match a defined resource type"):
			t.Errorf("%s %s is not routed", op.Method, path)
		case r.status == 405:
			t.Errorf("%s %s: 405", op.Method, path)
		}
	}
	t.Logf("%d operations answered: %v", len(spec.Operations()), counts)
}
