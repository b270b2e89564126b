package sandbox

import (
	"testing"
	"time"
)

// TestXcodeCloudBuildRun: a build run started from a workflow is PENDING, then RUNNING with
// its actions, then COMPLETE and SUCCEEDED, numbered after the product's runs; a rebuild
// takes the run's workflow and commit; a disabled workflow starts nothing.
func TestXcodeCloudBuildRun(t *testing.T) {
	t.Parallel()
	s, c, clk := newClockedServer(t, Options{BuildProcessingDelay: time.Minute})
	products := c.do("GET", "/v1/ciProducts?include=app", nil).must(t, 200)
	if len(products.list()) != 1 {
		t.Fatalf("demo Xcode Cloud products: %s", products.body)
	}
	product := id(products.list()[0].(map[string]any))
	wf := findOne(t, c, "/v1/ciProducts/"+product+"/workflows", "name", "Release")
	run := c.do("POST", "/v1/ciBuildRuns", resource("ciBuildRuns", "", nil, map[string]any{"workflow": [2]string{"ciWorkflows", id(wf)}})).must(t, 201).data()
	if attr(run, "executionProgress") != "PENDING" || attr(run, "number") != float64(4) || attr(run, "startReason") != "MANUAL" {
		t.Fatalf("new run: %v", run["attributes"])
	}
	state := func() (string, any, int) {
		r := c.do("GET", "/v1/ciBuildRuns/"+id(run), nil).must(t, 200)
		actions := c.do("GET", "/v1/ciBuildRuns/"+id(run)+"/actions", nil).must(t, 200).list()
		return attr(r.data(), "executionProgress").(string), attr(r.data(), "completionStatus"), len(actions)
	}
	step(s, clk, time.Minute)
	if p, _, actions := state(); p != "RUNNING" || actions != 3 {
		t.Fatalf("after a minute: %s with %d actions", p, actions)
	}
	step(s, clk, time.Minute)
	if p, st, _ := state(); p != "COMPLETE" || st != "SUCCEEDED" {
		t.Fatalf("after two minutes: %s %v", p, st)
	}
	for _, a := range c.do("GET", "/v1/ciBuildRuns/"+id(run)+"/actions", nil).must(t, 200).list() {
		if attr(a.(map[string]any), "completionStatus") != "SUCCEEDED" {
			t.Errorf("action %v", a.(map[string]any)["attributes"])
		}
	}
	old := c.do("GET", "/v1/ciProducts/"+product+"/buildRuns?limit=200", nil).must(t, 200).list()[0].(map[string]any)
	rebuild := c.do("POST", "/v1/ciBuildRuns", resource("ciBuildRuns", "", nil, map[string]any{"buildRun": [2]string{"ciBuildRuns", id(old)}})).must(t, 201).data()
	if attr(rebuild, "startReason") != "MANUAL_REBUILD" || attr(rebuild, "sourceCommit") == nil {
		t.Fatalf("rebuild: %v", rebuild["attributes"])
	}
	c.do("PATCH", "/v1/ciWorkflows/"+id(wf), resource("ciWorkflows", id(wf), map[string]any{"isEnabled": false}, nil)).must(t, 200)
	c.do("POST", "/v1/ciBuildRuns", resource("ciBuildRuns", "", nil, map[string]any{"workflow": [2]string{"ciWorkflows", id(wf)}})).must(t, 409)
}
