package runner

import (
	"slices"
	"testing"

	"github.com/rmqkb/conformance/scenarios"
)

// TestBySuiteKeepsTheSelectionsOrder: Execute sets each suite up once,
// around all of its cases, in the selection's order.
func TestBySuiteKeepsTheSelectionsOrder(t *testing.T) {
	all := scenarios.All()
	groups := bySuite(all)
	var flat []string
	var suites []string
	for _, g := range groups {
		for _, c := range g {
			if c.Suite != g[0].Suite {
				t.Errorf("group of %s holds %s", g[0].Suite, c.ID())
			}
			flat = append(flat, c.ID())
		}
		if slices.Contains(suites, g[0].Suite) {
			t.Errorf("suite %s set up twice", g[0].Suite)
		}
		suites = append(suites, g[0].Suite)
	}
	var want []string
	for _, c := range all {
		want = append(want, c.ID())
	}
	if !slices.Equal(flat, want) {
		t.Errorf("cases in groups %v, want the selection's order %v", flat, want)
	}
	if len(groups) < 2 {
		t.Errorf("%d groups for %d cases of several suites", len(groups), len(all))
	}
}
