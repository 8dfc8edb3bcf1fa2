package e2e

import (
	"testing"

	"github.com/rmqkb/conformance/scenarios"
	"github.com/rmqkb/conformance/verdict"
)

// TestEveryCaseIsInTheReport: whatever ran, the harness's report lists
// every case of every suite once, those that did not run as skipped with
// the reason.
func TestEveryCaseIsInTheReport(t *testing.T) {
	ran := verdict.Result{ID: "layout/topology", Suite: "layout", Case: "topology", Status: verdict.Passed}
	got := everyCase([]verdict.Result{ran})
	by := map[string]verdict.Result{}
	for _, r := range got {
		if _, dup := by[r.ID]; dup {
			t.Errorf("%s is listed twice", r.ID)
		}
		by[r.ID] = r
	}
	suites := map[string]bool{}
	for _, c := range scenarios.All() {
		r, ok := by[c.ID()]
		switch {
		case !ok:
			t.Errorf("%s is not in the report", c.ID())
		case c.ID() == ran.ID && r.Status != verdict.Passed:
			t.Errorf("%s: %s, want the verdict it got", c.ID(), r.Status)
		case c.ID() != ran.ID && (r.Status != verdict.Skipped || r.Observed == ""):
			t.Errorf("%s: %s %q, want skipped with a reason", c.ID(), r.Status, r.Observed)
		}
		suites[c.Suite] = true
	}
	for _, s := range verdict.Suites {
		if !suites[s] {
			t.Errorf("suite %s has no case in the report", s)
		}
	}
}
