package products_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/ascend-tools/ascend/sandbox"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// faultRule is a fault rule with how often it acted, as GET /sandbox/faults reports it.
type faultRule struct {
	Route        string
	Acted, Times int
}

func faultRules(t *testing.T, sb *sandbox.Server) []faultRule {
	t.Helper()
	resp, err := http.Get(sb.URL() + "/sandbox/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var faults struct {
		Rules []faultRule `json:"rules"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&faults); err != nil {
		t.Fatal(err)
	}
	return faults.Rules
}
